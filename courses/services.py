"""Digisterker courses: planning, enrolment with a waiting list, cancellation that moves
the first waiting citizen up, attendance, completion, and the reminder job.

Capacity holds under concurrency: a seat is taken with one conditional UPDATE
(`taken = taken + 1 WHERE taken < capacity`); a seat given up passes to the first waiting
enrolment with a conditional UPDATE on that row (`WHERE status = 'waiting'`), so two cancellations
at once never promote the same citizen twice or lose a seat.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from accounts.models import User
from accounts.policy import get_scoped, get_scoped_or_404
from courses.models import Attendance, Course, CourseSession, Enrolment, EnrolmentStatus
from extensions import DomainError, clock, db, job_step, unit_of_work
from extensions.dates import AMSTERDAM, local_day_bounds, local_day_start, local_today, stored_stamp, when
from messaging.gsm7 import gsm7_length, to_gsm7
from messaging.services import next_allowed_send, withdraw
from messaging.sms_texts import COURSE_NOTE_SMS_MAX
from privacy.services import record, record_many
from referrals.checks import refuse_bsn
from referrals.letters import DIGISTERKER, Letter, register_letters
from referrals.models import Location, Referral
from referrals.outreach import add_task, place_values, register_sms_subject, tell_citizen
from referrals.services import FieldErrors, close_after_solution, record_result
from referrals.vocabulary import Status, register_steps

# The steps this context writes on the referral's shared record (the agency's line).
register_steps({
    "course_enrolled": _l("ingeschreven voor cursus Digisterker"),
    "course_waiting": _l("op de wachtlijst voor cursus Digisterker"),
    "course_cancelled": _l("afgemeld voor cursus Digisterker"),
    "course_completed": _l("cursus Digisterker afgerond"),
})


# The letters of this context (referrals.letters), printed in the citizen's language. "%(note)s":
# the course's intake note as the coordinator wrote it.
_SEAT = (_l("U doet mee aan de cursus %(title)s."), DIGISTERKER, _l("De eerste les is op %(when)s."),
         _l("Waar: %(place)s."), "%(note)s", _l("Kunt u niet komen? Of heeft u een vraag? Bel ons op %(phone)s."))
register_letters({
    "course_enrolled": Letter(_l("U doet mee aan de cursus Digisterker"), _SEAT),
    "course_promoted": Letter(_l("Er is een plaats vrij in de cursus Digisterker"),
                              (_l("Er is een plaats vrij."), *_SEAT)),
    "course_waiting": Letter(_l("U staat op de wachtlijst van de cursus Digisterker"),
                             (_l("De cursus %(title)s is vol."), DIGISTERKER, _l("U staat op de wachtlijst."),
                              _l("Is er een plaats vrij? Dan krijgt u bericht."),
                              _l("Vragen? Bel ons op %(phone)s."))),
    "course_removed": Letter(_l("U doet niet meer mee aan de cursus Digisterker"),
                             (_l("U doet niet meer mee aan de cursus %(title)s."),
                              _l("Klopt dit niet? Of wilt u later toch meedoen? Bel ons op %(phone)s."))),
})
_SEAT_PURPOSES = ("course_enrolled", "course_promoted")

ACTIVE = (EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITING)


def _referral_of_enrolment(enrolment_id: int) -> int | None:
    return db.session.execute(select(Enrolment.referral_id).where(Enrolment.id == enrolment_id)).scalar()


# A course SMS that fails becomes a call-back task on the municipality's work list.
register_sms_subject("course_enrolment", _referral_of_enrolment)
register_sms_subject("course_session", lambda _session_id: None)


# --- reading ----------------------------------------------------------------------------------------------

def courses_query(municipality_id: int, *, past: bool = False):
    """Courses of a municipality: still to finish (last session not yet over) or past."""
    last_end = (select(func.max(CourseSession.ends_at)).where(CourseSession.course_id == Course.id)
                .correlate(Course).scalar_subquery())
    stmt = select(Course).where(Course.municipality_id == municipality_id).options(
        selectinload(Course.sessions), selectinload(Course.location))
    now = clock.now()
    if past:
        return stmt.where(last_end < now).order_by(last_end.desc(), Course.id.desc())
    return stmt.where((last_end >= now) | (last_end.is_(None))).order_by(last_end, Course.id)


def open_courses(municipality_id: int) -> list[Course]:
    """Courses a citizen can still join: the first session has not started yet."""
    first_start = (select(func.min(CourseSession.starts_at)).where(CourseSession.course_id == Course.id)
                   .correlate(Course).scalar_subquery())
    return list(db.session.execute(
        select(Course).where(Course.municipality_id == municipality_id, first_start > clock.now())
        .options(selectinload(Course.sessions), selectinload(Course.location))
        .order_by(first_start, Course.id)).scalars())


def course_label(course: Course) -> str:
    """'Title, location, start tuesday 1 december 10:00 (3 plaatsen vrij)' for a choice list."""
    label = f"{course.title}, {course.location.name}"
    if course.sessions:
        label += ", " + _("start %(when)s", when=when(course.sessions[0].starts_at, "weekday_time"))
    label += " (" + (ngettext("%(num)s plaats vrij", "%(num)s plaatsen vrij", course.free) if course.free else _("vol: wachtlijst")) + ")"
    return label


def course_of_municipality(course_id, municipality_id: int, user=None) -> Course | None:
    """A course of this municipality chosen in a form (the referral's municipality), or None (the
    form says to choose one from the list; a foreign id is recorded as refused access), never
    another municipality's course."""
    return get_scoped(Course, course_id, Course.municipality_id, user=user, owner_id=municipality_id,
                      options=(selectinload(Course.sessions), selectinload(Course.location)))


def course_for_user(course_id: int, user=None) -> Course:
    return get_scoped_or_404(Course, course_id, Course.municipality_id, user=user,
                             options=(selectinload(Course.sessions), selectinload(Course.location)))


def enrolment_for_user(enrolment_id: int, user=None) -> Enrolment:
    return get_scoped_or_404(
        Enrolment, enrolment_id, Enrolment.municipality_id, user=user,
        options=(selectinload(Enrolment.referral), selectinload(Enrolment.course).selectinload(Course.location)))


def session_for_user(course: Course, session_id: int, user=None) -> CourseSession:
    """A session of a course already fetched through course_for_user (so the user's)."""
    return get_scoped_or_404(CourseSession, session_id, CourseSession.course_id, user=user, owner_id=course.id)


def enrolments_of(course_id: int) -> dict[str, list[Enrolment]]:
    """Enrolled (and completed) and waiting, the waiting list in order."""
    rows = list(db.session.execute(
        select(Enrolment).where(Enrolment.course_id == course_id, Enrolment.status != EnrolmentStatus.CANCELLED)
        .options(selectinload(Enrolment.referral)).order_by(Enrolment.id)).scalars())
    return {"enrolled": [e for e in rows if e.status in (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED)],
            "waiting": [e for e in rows if e.status == EnrolmentStatus.WAITING]}


def active_enrolment(referral_id: int) -> Enrolment | None:
    return db.session.execute(
        select(Enrolment).where(Enrolment.referral_id == referral_id, Enrolment.status.in_(ACTIVE))
        .options(selectinload(Enrolment.course).selectinload(Course.location))).scalar()


def attendance_of(session_id: int) -> dict[int, bool]:
    return dict(db.session.execute(select(Attendance.enrolment_id, Attendance.present)
                                   .where(Attendance.session_id == session_id)).all())


def attendance_counts(course_id: int) -> dict[int, int]:
    """enrolment id -> number of sessions present."""
    return dict(db.session.execute(
        select(Attendance.enrolment_id, func.count()).join(CourseSession, CourseSession.id == Attendance.session_id)
        .where(CourseSession.course_id == course_id, Attendance.present.is_(True))
        .group_by(Attendance.enrolment_id)).all())


@unit_of_work()
def record_course_read(course: Course, citizen_ids: list[int]) -> None:
    """The course page showed its participants and waiting list: a log line for each."""
    record_many("course", "read", "citizen", citizen_ids, detail=f"cursus {course.id}")


# --- planning ---------------------------------------------------------------------------------------------

@dataclass
class CourseInput:
    title: str = ""
    location_id: int | None = None
    capacity: int | None = None
    intake_note: str = ""
    first_day: date | None = None
    starts: time | None = None
    ends: time | None = None
    sessions: int | None = None
    every_days: int = 7


@unit_of_work()
def plan_course(municipality_id: int, data: CourseInput, *, actor: User) -> Course:
    """A course with `sessions` sessions from `first_day`, every `every_days` days."""
    errors: dict[str, str] = {}
    title = " ".join((data.title or "").split())
    if not title:
        errors["title"] = _("Vul de naam van de cursus in.")
    location = None
    if data.location_id:  # another municipality's location (a tampered form) is refused and recorded
        location = get_scoped(Location, data.location_id, Location.municipality_id, user=actor,
                              owner_id=municipality_id)
    if location is None:
        errors["location_id"] = _("Kies een locatie.")
    if data.capacity is None or not (1 <= data.capacity <= 100):
        errors["capacity"] = _("Kies 1 tot 100 plaatsen.")
    if data.sessions is None or not (1 <= data.sessions <= 20):
        errors["sessions"] = _("Kies 1 tot 20 bijeenkomsten.")
    if data.first_day is None:
        errors["first_day"] = _("Vul de datum van de eerste bijeenkomst in.")
    elif data.first_day < local_today():
        errors["first_day"] = _("Deze datum is al voorbij. Kies een datum vanaf vandaag.")
    if data.starts is None:
        errors["starts"] = _("Vul de begintijd in.")
    if data.ends is None:
        errors["ends"] = _("Vul de eindtijd in.")
    elif data.starts is not None and data.ends <= data.starts:
        errors["ends"] = _("De eindtijd moet na de begintijd liggen.")
    note = (data.intake_note or "").strip()
    for name, value in (("title", title), ("intake_note", note)):
        try:
            refuse_bsn(value, name)
        except DomainError as err:
            errors.setdefault(name, err.message)
    if len(note) > 2000:
        errors["intake_note"] = _("Houd de notitie korter dan 2000 tekens.")
    if errors:
        raise FieldErrors(errors)
    course = Course(municipality_id=municipality_id, location_id=location.id, title=title[:120],
                    capacity=data.capacity, taken=0, intake_note=note, created_at=clock.now(),
                    created_by_id=actor.id)
    for i in range(data.sessions):
        day = data.first_day + timedelta(days=i * (data.every_days or 7))
        course.sessions.append(CourseSession(
            starts_at=datetime.combine(day, data.starts, AMSTERDAM).astimezone(clock.now().tzinfo),
            ends_at=datetime.combine(day, data.ends, AMSTERDAM).astimezone(clock.now().tzinfo)))
    db.session.add(course)
    return course


# --- enrolment and the waiting list -----------------------------------------------------------------------

def _first_session(course_id: int) -> CourseSession | None:
    return db.session.execute(select(CourseSession).where(CourseSession.course_id == course_id)
                              .order_by(CourseSession.starts_at).limit(1)).scalar()


def _take_seat(course_id: int) -> bool:
    result = db.session.execute(
        update(Course).where(Course.id == course_id, Course.taken < Course.capacity)
        .values(taken=Course.taken + 1).execution_options(synchronize_session=False))
    return result.rowcount == 1


def _release_seat(course_id: int) -> None:
    db.session.execute(update(Course).where(Course.id == course_id, Course.taken > 0)
                       .values(taken=Course.taken - 1).execution_options(synchronize_session=False))


def _values(course: Course, session: CourseSession | None, language: str) -> dict:
    location = db.session.get(Location, course.location_id)
    return place_values(location, session.starts_at if session is not None else None, language)


def _tell(enrolment: Enrolment, referral: Referral, course: Course, purpose: str, text: str,
          session: CourseSession | None = None) -> str:
    """Tell the citizen by their channel; a letter citizen's letter is printed from its code
    (`register_letters` above). With a seat, the course's intake note reaches the citizen too: in
    the letter, as a second SMS (or read out by phone when it is too long for one), in the call."""
    citizen = referral.citizen
    first = _first_session(course.id) if session is None else None  # a reminder names its own session
    session = session or first
    subject_type, subject_id = "course_enrolment", enrolment.id
    key = f"course_enrolment:{enrolment.id}:{purpose}"
    if purpose == "course_reminder" and session is not None:
        key = f"course_session:{session.id}:enrolment:{enrolment.id}:reminder"
    note = " ".join((course.intake_note or "").split())
    seat = purpose in _SEAT_PURPOSES
    if seat and note and not citizen.gets_sms:
        text = f"{text} Vertel ook: {note}"
    letter_values = {"location_id": course.location_id, "title": course.title, "note": note,
                     "at": first.starts_at.isoformat() if first else None}
    how = tell_citizen(citizen, purpose=purpose, values=_values(course, session, citizen.language),
                       subject_type=subject_type, subject_id=subject_id, dedup_key=key,
                       municipality_id=course.municipality_id, referral_id=referral.id, task_text=text,
                       reason="course", expires_at=_expiry(purpose, session),
                       letter=purpose if purpose != "course_reminder" else None, letter_values=letter_values)
    if seat and note and how == "sms":
        if gsm7_length(to_gsm7(note)) <= COURSE_NOTE_SMS_MAX:
            tell_citizen(citizen, purpose="course_note", values={**_values(course, None, citizen.language),
                                                                  "note": note},
                         subject_type=subject_type, subject_id=subject_id, dedup_key=f"{key}:note",
                         municipality_id=course.municipality_id, referral_id=referral.id, task_text="",
                         reason="course", expires_at=_expiry(purpose, session))
        else:
            add_task(municipality_id=course.municipality_id, referral_id=referral.id, kind="call", reason="course",
                     description=f"Lees de inwoner de notitie van de cursus {course.title} voor (te lang voor "
                                 f"een sms): {note}", dedup_key=f"{key}:note:task")
    return how


def _expiry(purpose: str, session: CourseSession | None) -> datetime | None:
    """Until when an SMS about a session still means something: the reminder ('Morgen om ...')
    until that session's day begins (so it never arrives on the day itself), the news of a seat
    with the first lesson's time until that lesson starts. The waiting-list message does not expire."""
    if session is None:
        return None
    if purpose == "course_reminder":
        return local_day_start(session.starts_at)
    if purpose in ("course_enrolled", "course_promoted"):
        return session.starts_at
    return None


def _first_session_text(course: Course) -> str:
    session = _first_session(course.id)
    if session is None:
        return ""
    return stored_stamp(session.starts_at)


@unit_of_work()
def enrol(referral: Referral, course: Course, *, actor: User) -> Enrolment:
    """Enrol a referred citizen: a seat when there is one, otherwise the waiting list. Tells the
    citizen by their channel."""
    if course.municipality_id != referral.municipality_id:
        raise DomainError(_("Kies een cursus uit de lijst."), "course_id")
    first = _first_session(course.id)
    if first is None or first.starts_at <= clock.now():
        raise DomainError(_("Deze cursus is al begonnen. Kies een andere cursus."), "course_id")
    if referral.status not in (Status.OUTCOME, Status.ATTENDED):
        raise DomainError(_("Schrijf een inwoner in vanuit de uitkomst van het baliebezoek."), "course_id")
    if active_enrolment(referral.id) is not None:
        raise DomainError(_("Deze inwoner staat al ingeschreven voor een cursus (of op de wachtlijst)."),
                          "course_id")
    now = clock.now()
    seat = _take_seat(course.id)
    enrolment = Enrolment(course_id=course.id, referral_id=referral.id, municipality_id=course.municipality_id,
                          status=EnrolmentStatus.ENROLLED if seat else EnrolmentStatus.WAITING, created_at=now,
                          created_by_id=actor.id, enrolled_at=now if seat else None)
    try:
        db.session.add(enrolment)
        db.session.flush()
    except IntegrityError:
        raise DomainError(_("Deze inwoner staat al ingeschreven voor een cursus (of op de wachtlijst)."),
                          "course_id") from None
    if seat:
        record_result(referral, step="course_enrolled")
        _tell(enrolment, referral, course, "course_enrolled",
              f"Laat de inwoner weten: ingeschreven voor {course.title}, eerste keer {_first_session_text(course)}.")
    else:
        record_result(referral, step="course_waiting")
        _tell(enrolment, referral, course, "course_waiting",
              f"Laat de inwoner weten: {course.title} is vol, de inwoner staat op de wachtlijst.")
    record("course", "update", "citizen", referral.citizen_id,
           detail=f"cursus {course.id}: {'ingeschreven' if seat else 'wachtlijst'}", actor=actor)
    return enrolment


def _promote_waiting(course_id: int) -> Enrolment | None:
    """Give a seat that is free to the first on the waiting list (the seat is already counted in
    `taken`). Tries the next when another process promoted the first meanwhile."""
    for _attempt in range(20):
        first = db.session.execute(
            select(Enrolment.id).where(Enrolment.course_id == course_id, Enrolment.status == EnrolmentStatus.WAITING)
            .order_by(Enrolment.id).limit(1)).scalar()
        if first is None:
            return None
        moved = db.session.execute(
            update(Enrolment).where(Enrolment.id == first, Enrolment.status == EnrolmentStatus.WAITING)
            .values(status=EnrolmentStatus.ENROLLED, enrolled_at=clock.now())
            .execution_options(synchronize_session=False))
        if moved.rowcount == 1:
            enrolment = db.session.get(Enrolment, first)
            db.session.refresh(enrolment)
            # "You are on the waiting list", if still waiting (quiet hours), is no longer true.
            withdraw("course_enrolment", enrolment.id, purposes=["course_waiting"],
                     reason="Ingetrokken: de inwoner heeft intussen een plaats in de cursus")
            return enrolment
    return None


@unit_of_work()
def cancel_enrolment(enrolment: Enrolment, *, actor: User) -> Enrolment | None:
    """Take a citizen off the course (or its waiting list). A seat given up goes to the first on
    the waiting list, who is told. Returns the promoted enrolment, if any."""
    was = enrolment.status
    cancelled = db.session.execute(
        update(Enrolment).where(Enrolment.id == enrolment.id, Enrolment.status.in_(ACTIVE))
        .values(status=EnrolmentStatus.CANCELLED, cancelled_at=clock.now())
        .execution_options(synchronize_session=False))
    if cancelled.rowcount != 1:
        raise DomainError(_("Deze inschrijving is al afgemeld of afgerond."))
    course = db.session.get(Course, enrolment.course_id)
    referral = db.session.get(Referral, enrolment.referral_id)
    record_result(referral, step="course_cancelled")
    # What still waits for this citizen about the course (the seat, a reminder) must not go out.
    withdraw("course_enrolment", enrolment.id, reason="Ingetrokken: de inschrijving voor de cursus is afgemeld")
    promoted = None
    if was == EnrolmentStatus.ENROLLED:
        promoted = _promote_waiting(course.id)
        if promoted is None:
            _release_seat(course.id)
        else:
            other = db.session.get(Referral, promoted.referral_id)
            record_result(other, step="course_enrolled")
            _tell(promoted, other, course, "course_promoted",
                  f"Laat de inwoner weten: er is plaats in {course.title}, eerste keer "
                  f"{_first_session_text(course)}.")
            record("course", "update", "citizen", other.citizen_id,
                   detail=f"cursus {course.id}: van de wachtlijst ingeschreven", actor=actor)
            _remind_late(promoted, other, course)
    # The citizen hears of it by their channel (an SMS, a letter or a call), like every other step.
    _tell(enrolment, referral, course, "course_removed",
          f"Laat de inwoner weten: niet meer ingeschreven voor {course.title}.")
    record("course", "update", "citizen", referral.citizen_id, detail=f"cursus {course.id}: afgemeld", actor=actor)
    return promoted


@unit_of_work()
def record_attendance(course: Course, session: CourseSession, present_ids: set[int], *, actor: User) -> None:
    """Who was there at one session: every enrolled citizen is present or absent."""
    if session.starts_at.astimezone(AMSTERDAM).date() > local_today():
        raise DomainError(_("Deze bijeenkomst is nog niet geweest."))
    participants = enrolments_of(course.id)["enrolled"]
    enrolled = [e.id for e in participants]
    existing = {a.enrolment_id: a for a in db.session.execute(
        select(Attendance).where(Attendance.session_id == session.id)).scalars()}
    now = clock.now()
    for enrolment_id in enrolled:
        present = enrolment_id in present_ids
        row = existing.get(enrolment_id)
        if row is None:
            db.session.add(Attendance(session_id=session.id, enrolment_id=enrolment_id, present=present,
                                      recorded_at=now, recorded_by_id=actor.id))
        else:
            row.present, row.recorded_at, row.recorded_by_id = present, now, actor.id
    record_many("course", "update", "citizen", [e.referral.citizen_id for e in participants],
                detail=f"cursus {course.id}, bijeenkomst {session.id}: aanwezigheid", actor=actor)
    try:
        db.session.flush()
    except IntegrityError:
        raise DomainError(_("Iemand anders sloeg de aanwezigheid net op. Probeer het opnieuw.")) from None


@unit_of_work()
def complete(enrolment: Enrolment, *, actor: User) -> None:
    """The citizen finished the course: recorded on the enrolment and on the referral, which closes."""
    done = db.session.execute(
        update(Enrolment).where(Enrolment.id == enrolment.id, Enrolment.status == EnrolmentStatus.ENROLLED)
        .values(status=EnrolmentStatus.COMPLETED, completed_at=clock.now())
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise DomainError(_("Alleen een ingeschreven deelnemer kan de cursus afronden."))
    referral = db.session.get(Referral, enrolment.referral_id)
    record_result(referral, step="course_completed")
    close_after_solution(referral, actor=actor, note="Cursus Digisterker afgerond")
    record("course", "update", "citizen", referral.citizen_id, detail=f"cursus {enrolment.course_id}: afgerond",
           actor=actor)


# --- reminders (scheduler job) ------------------------------------------------------------------------------

def _remind_late(enrolment: Enrolment, referral: Referral, course: Course) -> None:
    """A seat given after the day-before reminders of a session went out: remind this citizen too,
    in the same transaction (the reminder job claims each session once, so it would skip them).
    Not for the first session: the message about the seat already names its day and time."""
    first = _first_session(course.id)
    sessions = db.session.execute(select(CourseSession).where(
        CourseSession.course_id == course.id, CourseSession.reminder_at.is_not(None),
        CourseSession.starts_at > clock.now(), CourseSession.id != first.id)).scalars()
    for session in sessions:
        at = stored_stamp(session.starts_at)
        _tell(enrolment, referral, course, "course_reminder",
              f"Herinner de inwoner: {at} {course.title}.", session=session)


def queue_course_reminders() -> int:
    """The day before each session, remind every enrolled citizen by their channel (SMS, or a call
    task for the municipality). Each session is claimed with a conditional UPDATE before anything is
    queued, in the same transaction, and the dedup keys refuse a second reminder anyway: safe to run
    twice and with two schedulers. Returns how many citizens were reminded."""
    tomorrow = local_today() + timedelta(days=1)
    lo, hi = local_day_bounds(tomorrow)
    if next_allowed_send(clock.now()) >= lo:
        return 0  # in the quiet hours before that day: 'Morgen om ...' could only arrive on the day itself
    ids = list(db.session.execute(
        select(CourseSession.id).where(CourseSession.starts_at >= max(lo, clock.now()), CourseSession.starts_at < hi,
                                       CourseSession.reminder_at.is_(None)).order_by(CourseSession.id)).scalars())
    reminded = 0
    for session_id in ids:
        with job_step():  # one session per step: its claim and its reminders saved together
            reminded += _remind_session(session_id)
    return reminded


def _remind_session(session_id: int) -> int:
    claimed = db.session.execute(
        update(CourseSession).where(CourseSession.id == session_id, CourseSession.reminder_at.is_(None))
        .values(reminder_at=clock.now()).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        return 0  # another scheduler has it
    reminded = 0
    session = db.session.get(CourseSession, session_id)
    course = db.session.get(Course, session.course_id)
    at = stored_stamp(session.starts_at)
    for enrolment in db.session.execute(select(Enrolment).where(
            Enrolment.course_id == course.id, Enrolment.status == EnrolmentStatus.ENROLLED)).scalars():
        referral = db.session.get(Referral, enrolment.referral_id)
        _tell(enrolment, referral, course, "course_reminder",
              f"Herinner de inwoner: morgen {at} {course.title}.", session=session)
        reminded += 1
    return reminded
