"""The counter's rules: the day list, check-in, no-show, the outcome, the coordinator's lists and the
stale sweep. Views translate; these decide, each entry point a unit of work.

Built on referrals.services: appointment_for_user/referral_for_user for scoping, change_status for
every status change, reschedule for moving an appointment; referrals.outreach to tell the citizen.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from blinker import Namespace
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from accounts.models import Organisation, User
from accounts.policy import get_scoped_or_404
from counter.models import ACTIONS, RESULTS, SOLUTIONS, CounterVisit, Outcome, OutcomeAction
from courses import services as course_services
from extensions import DomainError, clock, db, unit_of_work
from extensions.dates import AMSTERDAM, local_day_bounds, local_today, stored_stamp, working_days_before
from messaging.services import withdraw
from privacy.services import record, record_list_read
from referrals.checks import refuse_bsn
from referrals.models import Appointment, Location, Referral
from referrals.outreach import add_task, place_values, tell_citizen
from referrals.services import FieldErrors, change_status, record_result
from referrals.vocabulary import OPEN_STATUSES, RESULT_LINES, AppointmentStatus, Channel, Status

# --- the day list -------------------------------------------------------------------------------------

DAY_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.ATTENDED, AppointmentStatus.NO_SHOW)


def day_list_query(location_id: int, day: date):
    """The appointments of one location on one (Amsterdam) day, earliest first, eager-loaded."""
    lo, hi = local_day_bounds(day)
    return (select(Appointment)
            .where(Appointment.location_id == location_id, Appointment.starts_at >= lo, Appointment.starts_at < hi,
                   Appointment.status.in_(DAY_STATUSES))
            .options(selectinload(Appointment.referral).selectinload(Referral.categories))
            .order_by(Appointment.starts_at, Appointment.id))


def outcomes_for(referral_ids: list[int]) -> dict[int, Outcome]:
    if not referral_ids:
        return {}
    rows = db.session.execute(select(Outcome).where(Outcome.referral_id.in_(referral_ids))).scalars()
    return {o.referral_id: o for o in rows}


def day_list_location(location_id: int | None, locations: list[Location], user=None) -> Location | None:
    """The location the day list shows: the one asked for, which must be the user's municipality's
    (404 otherwise, never another location), or the first of `locations` when none is asked for."""
    if not location_id:
        return locations[0] if locations else None
    return get_scoped_or_404(Location, location_id, Location.municipality_id, user=user)


@unit_of_work()
def record_day_list_read(citizen_ids: list[int]) -> None:
    """One processing-log line per citizen on the page of the day list."""
    record_list_read("counter", "citizen", citizen_ids)


@unit_of_work()
def record_visit_read(appointment_id: int, referral_id: int, *, citizen_id: int, actor: User) -> None:
    record("counter", "read", "citizen", citizen_id, detail=f"verwijzing {referral_id}, afspraak {appointment_id}",
           actor=actor)


def visit_of(appointment_id: int) -> CounterVisit | None:
    return db.session.execute(select(CounterVisit).where(CounterVisit.appointment_id == appointment_id)
                              .options(selectinload(CounterVisit.by_user))).scalar()


def organisation_name(organisation_id: int) -> str:
    return db.session.execute(select(Organisation.name).where(Organisation.id == organisation_id)).scalar() or ""


def outcome_of(referral_id: int) -> Outcome | None:
    return db.session.execute(select(Outcome).where(Outcome.referral_id == referral_id)
                              .options(selectinload(Outcome.recorded_by), selectinload(Outcome.actions))).scalar()


# --- check-in and no-show -----------------------------------------------------------------------------

def visit_refusal(appointment: Appointment) -> str | None:
    """Why the counter cannot check in or mark a no-show now, or None when it can."""
    if appointment.starts_at.astimezone(AMSTERDAM).date() > local_today():
        return _("Deze afspraak is pas op een latere dag.")
    if appointment.status != AppointmentStatus.BOOKED:
        return _("Deze afspraak is al verwerkt.")
    return None


def _claim_appointment(appointment: Appointment, to: str) -> None:
    """Move a booked appointment to attended/no_show with one conditional UPDATE, so two counters
    clicking at once do it once."""
    refusal = visit_refusal(appointment)
    if refusal:
        raise DomainError(refusal)
    claimed = db.session.execute(
        update(Appointment).where(Appointment.id == appointment.id, Appointment.status == AppointmentStatus.BOOKED)
        .values(status=to).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise DomainError(_("Deze afspraak is al verwerkt."))
    db.session.refresh(appointment)


# "Is er" more than this before the appointment (at night for a 09:00 slot, or the wrong row) asks first.
EARLY_CHECK_IN = timedelta(hours=1)


def check_in_is_early(appointment: Appointment) -> bool:
    return clock.now() < appointment.starts_at - EARLY_CHECK_IN


@unit_of_work()
def check_in(appointment: Appointment, *, actor: User) -> None:
    """The citizen is here: the appointment is attended and so is the referral."""
    _claim_appointment(appointment, AppointmentStatus.ATTENDED)
    referral = db.session.get(Referral, appointment.referral_id)
    db.session.add(CounterVisit(appointment_id=appointment.id, referral_id=referral.id,
                                municipality_id=appointment.municipality_id, kind="checked_in",
                                at=clock.now(), by_user_id=actor.id))
    change_status(referral, Status.ATTENDED, actor=actor, note="Aangemeld aan de balie")
    record("counter", "update", "citizen", referral.citizen_id, detail=f"afspraak {appointment.id}: aangemeld",
           actor=actor)


@unit_of_work()
def mark_no_show(appointment: Appointment, *, actor: User) -> str:
    """The citizen did not come: a call-back task for the counter, and a short message by the
    citizen's channel with how to make a new appointment. Returns how the citizen is told."""
    _claim_appointment(appointment, AppointmentStatus.NO_SHOW)
    referral = db.session.get(Referral, appointment.referral_id)
    citizen = referral.citizen
    location = db.session.get(Location, appointment.location_id)
    db.session.add(CounterVisit(appointment_id=appointment.id, referral_id=referral.id,
                                municipality_id=appointment.municipality_id, kind="no_show",
                                at=clock.now(), by_user_id=actor.id))
    change_status(referral, Status.NO_SHOW, actor=actor, note="Niet gekomen")
    # A confirmation or reminder still waiting must not go out after this; the no-show SMS below does.
    withdraw("appointment", appointment.id, reason="Ingetrokken: de inwoner is niet op de afspraak gekomen")
    when = stored_stamp(appointment.starts_at)
    add_task(municipality_id=appointment.municipality_id, referral_id=referral.id, kind="call", reason="no_show",
             description=f"De inwoner kwam niet op de afspraak van {when}. Bel terug en maak "
                         f"zo nodig een nieuwe afspraak.",
             dedup_key=f"appointment:{appointment.id}:no_show:callback")
    how = "call"
    if citizen.gets_sms or citizen.channel == Channel.LETTER:
        how = tell_citizen(
            citizen, purpose="no_show", values=place_values(location, appointment.starts_at, citizen.language),
            subject_type="appointment", subject_id=appointment.id, dedup_key=f"appointment:{appointment.id}:no_show",
            municipality_id=appointment.municipality_id, referral_id=referral.id, reason="no_show",
            task_text=f"Bel de inwoner: niet gekomen op {when}; vertel hoe een nieuwe afspraak te maken.",
            letter="no_show", letter_values={"location_id": location.id, "at": appointment.starts_at.isoformat()})
    record("counter", "update", "citizen", referral.citizen_id, detail=f"afspraak {appointment.id}: niet gekomen",
           actor=actor)
    return how


# --- the outcome -------------------------------------------------------------------------------------

# Sent inside the transaction that records an outcome, with `outcome` and `actor`: contexts above
# the counter (volunteers for a buddy, helpdesk for an escalation) take their solution from here.
# Handlers add to the caller's unit of work (they never commit); an error they raise undoes the outcome.
outcome_recorded = Namespace().signal("outcome-recorded")

@dataclass
class OutcomeInput:
    actions: list[str] = field(default_factory=list)
    minutes: int | None = None
    result: str = ""
    solution: str = ""
    other_support: str = ""
    escalation_need: str = ""
    notes: str = ""
    course_id: int | None = None


def solution_label(solution: str) -> str:
    """The Dutch label of a solution for stored text (a history note stays Dutch whatever language
    the counter's screen is in)."""
    with force_locale("nl"):
        return str(SOLUTIONS.get(solution, solution))


def result_line(result: str) -> str:
    """The Dutch words of the agency's line for a result, for the stored history note."""
    with force_locale("nl"):
        return str(RESULT_LINES.get(result, result))


def check_outcome(data: OutcomeInput) -> dict:
    errors: dict[str, str] = {}
    actions = [a for a in data.actions if a in ACTIONS]
    if not actions:
        errors["actions"] = _("Kies minstens een ding dat u heeft gedaan.")
    if data.minutes is None or not (1 <= data.minutes <= 600):
        errors["minutes"] = _("Vul het aantal minuten in (1 tot 600).")
    if data.result not in RESULTS:
        errors["result"] = _("Kies het resultaat.")
    if data.solution not in SOLUTIONS:
        errors["solution"] = _("Kies een blijvende oplossing (of 'niet nodig').")
    other = " ".join((data.other_support or "").split())
    if data.solution == "other" and not other:
        errors["other_support"] = _("Vul in welke andere hulp in de buurt.")
    need = (data.escalation_need or "").strip()
    if data.solution == "escalation" and not need:
        errors["escalation_need"] = _("Beschrijf wat de tweede lijn moet doen.")
    notes = (data.notes or "").strip()
    for name, value in (("other_support", other), ("escalation_need", need), ("notes", notes)):
        try:
            refuse_bsn(value, name)
        except DomainError as err:
            errors.setdefault(err.field or name, err.message)
    if len(other) > 200:
        errors["other_support"] = _("Houd dit korter dan 200 tekens.")
    if len(need) > 500:
        errors["escalation_need"] = _("Houd dit korter dan 500 tekens.")
    if len(notes) > 2000:
        errors["notes"] = _("Houd de notitie korter dan 2000 tekens.")
    if errors:
        raise FieldErrors(errors)
    return {"actions": [a for a in ACTIONS if a in actions], "other_support": other,
            "escalation_need": need, "notes": notes}


@unit_of_work()
def record_outcome(referral: Referral, data: OutcomeInput, *, actor: User):
    """Record what was done and the lasting solution; with a course chosen, enrol in the same
    transaction. Everything or nothing is saved. Returns (outcome, enrolment or None)."""
    if referral.status != Status.ATTENDED:
        raise DomainError(_("Leg de uitkomst vast nadat de inwoner is aangemeld aan de balie."))
    clean = check_outcome(data)
    course = None
    if data.solution == "course" and data.course_id:
        course = course_services.course_of_municipality(data.course_id, referral.municipality_id, user=actor)
        if course is None:
            raise DomainError(_("Kies een cursus uit de lijst."), "course_id")
    appointment = db.session.execute(
        select(Appointment).where(Appointment.referral_id == referral.id,
                                  Appointment.status == AppointmentStatus.ATTENDED)
        .order_by(Appointment.starts_at.desc()).limit(1)).scalar()
    now = clock.now()
    outcome = Outcome(referral_id=referral.id, appointment_id=appointment.id if appointment else None,
                      municipality_id=referral.municipality_id,
                      actions=[OutcomeAction(code=a) for a in clean["actions"]], minutes=data.minutes,
                      result=data.result, solution=data.solution, other_support=clean["other_support"],
                      escalation_need=clean["escalation_need"], notes=clean["notes"], recorded_at=now,
                      recorded_by_id=actor.id)
    enrolment = None
    try:
        db.session.add(outcome)
        db.session.flush()
        change_status(referral, Status.OUTCOME, actor=actor,
                      note=f"Uitkomst: {result_line(data.result)}, oplossing: {solution_label(data.solution)}")
        record_result(referral, result=data.result, solution=data.solution)
        if data.solution in ("none", "other"):
            change_status(referral, Status.CLOSED, actor=actor, note="Afgesloten na de uitkomst")
        record("counter", "update", "citizen", referral.citizen_id, detail=f"oplossing {data.solution}",
               actor=actor)
        if course is not None:
            enrolment = course_services.enrol(referral, course, actor=actor)
        outcome_recorded.send(referral, outcome=outcome, actor=actor)
        db.session.flush()
    except IntegrityError:
        raise DomainError(_("De uitkomst van deze verwijzing is al vastgelegd.")) from None
    return outcome, enrolment


# --- the coordinator's lists ----------------------------------------------------------------------------

def stale_query(municipality_id: int):
    """Referrals of the municipality the stale sweep flagged, with no progress since."""
    return (select(Referral).where(Referral.municipality_id == municipality_id, Referral.stale_since.is_not(None),
                                   Referral.stale_since > Referral.updated_at)
            .options(selectinload(Referral.referring_org)).order_by(Referral.updated_at, Referral.id))


# --- stale referrals (scheduler job) --------------------------------------------------------------------

@unit_of_work()
def sweep_stale() -> int:
    """Scheduler job: flag open referrals without progress for STALE_AFTER_WORKING_DAYS working
    days (a booked appointment still to come, or only just passed, is progress to wait for).

    Idempotent and safe with two schedulers: one conditional UPDATE flags only rows not flagged
    since their last change, and leaves updated_at alone (so any later progress ends the delay).
    Returns how many referrals were flagged."""
    days = int(current_app.config.get("STALE_AFTER_WORKING_DAYS") or 5)
    now = clock.now()
    cutoff = working_days_before(now, days)
    waiting_for_appointment = exists().where(
        Appointment.referral_id == Referral.id, Appointment.status == AppointmentStatus.BOOKED,
        Appointment.starts_at >= cutoff)
    result = db.session.execute(
        update(Referral)
        .where(Referral.status.in_(sorted(OPEN_STATUSES)), Referral.updated_at < cutoff,
               or_(Referral.stale_since.is_(None), Referral.stale_since <= Referral.updated_at),
               ~waiting_for_appointment)
        .values(stale_since=now, updated_at=Referral.updated_at)
        .execution_options(synchronize_session=False))
    return result.rowcount
