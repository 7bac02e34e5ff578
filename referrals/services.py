"""Referrals: the rules. Views translate; services decide, each entry point a unit of work.

What the contexts above build on:
- `record_result(referral, result=..., solution=..., step=...)`: the one way a context writes where
  the referral's result stands (codes); `agency_line(referral)` derives the agency's one line.
- `referral_for_user(id)` / `appointment_for_user(id)`: scoped fetches (404 on a foreign id).
- `change_status(referral, to, actor=..., note=..., owner_org_id=None)`: the only way a status or
  the owner changes; appends to the history. (`book` writes the same rows with `_change_status_now`,
  the same rule as cached Core statements: the hot path of issue 16.)
- `book`, `reschedule`, `cancel_appointment`: capacity-safe slot changes with the SMS in the outbox.
- `free_slots(municipality_id, ...)`: the first free slots, soonest first.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import Integer, and_, bindparam, exists, false, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, lazyload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from accounts.models import SMS_NAME_MAX, Organisation, OrgKind, User
from accounts.policy import get_scoped_or_404, prepared_get
from extensions import (
    DomainError,
    clock,
    db,
    in_savepoint,
    insert_unless_taken,
    job_step,
    unit_of_work,
    written,
)
from extensions.dates import (
    AMSTERDAM,
    is_working_day,
    local_date,
    local_day_bounds,
    local_day_start,
    local_today,
    stored_when,
    working_days_before,
)
from messaging.gsm7 import is_gsm7
from messaging.phone import format_phone, is_mobile_number, parse_phone
from messaging.services import next_allowed_send, queue_sms, withdraw
from messaging.sms_texts import LONGEST_VALUES, agency_with_article, render
from privacy.services import record
from referrals.checks import normalise_house_number, normalise_postcode, refuse_bsn
from referrals.letters import bring_of, place_of
from referrals.models import (
    Appointment,
    Citizen,
    Closure,
    Location,
    MunicipalityArea,
    OpeningHours,
    Referral,
    ReferralCategory,
    Slot,
    StatusChange,
)
from referrals.outreach import add_task, place_values, tell_citizen, withdraw_tasks
from referrals.slots import sync_location
from referrals.vocabulary import (
    CHANNELS,
    LANGUAGES,
    REASONS,
    RESULT_LINES,
    SOLUTION_LINES,
    STEP_LINES,
    TRANSITIONS,
    AppointmentStatus,
    Channel,
    Status,
)


class FieldErrors(DomainError):
    """Several fields at once were not right: `errors` maps field name -> message."""

    def __init__(self, errors: dict[str, str]):
        first_field, first_message = next(iter(errors.items()))
        super().__init__(first_message, first_field)
        self.errors = errors


class SlotTaken(DomainError):
    """The slot filled up between showing and booking: the view offers the next free slots."""


class LetterTooLate(DomainError):
    """The citizen chose a letter and a letter posted today cannot arrive before this slot: the
    view warns, and the agent books it anyway (`letter_late_ok`) or picks a later slot."""


# --- municipalities and their areas ---------------------------------------------------------------

def municipality_for_postcode(postcode: str) -> Organisation | None:
    pc4 = (postcode or "").strip()[:4]
    return db.session.execute(
        select(Organisation).join(MunicipalityArea, MunicipalityArea.municipality_id == Organisation.id)
        .where(MunicipalityArea.pc4 == pc4, Organisation.active.is_(True))).scalar()


def participating_municipalities() -> list[Organisation]:
    """Municipalities with at least one active location (those an agent can refer to)."""
    has_location = exists().where(Location.municipality_id == Organisation.id, Location.active.is_(True))
    return list(db.session.execute(
        select(Organisation).where(Organisation.kind == OrgKind.MUNICIPALITY, Organisation.active.is_(True),
                                   has_location).order_by(Organisation.name)).scalars())


def set_areas(municipality_id: int, pc4s: list[str]) -> None:
    """Replace a municipality's PC4 areas (demo data and administration). Adds to the caller's unit of work."""
    for pc4 in pc4s:
        if not (len(pc4) == 4 and pc4.isdecimal() and pc4[0] != "0"):
            raise DomainError(_("%(pc4)s is geen geldig postcodegebied (vier cijfers).", pc4=pc4), "areas")
    db.session.execute(MunicipalityArea.__table__.delete().where(MunicipalityArea.municipality_id == municipality_id))
    db.session.add_all(MunicipalityArea(pc4=pc4, municipality_id=municipality_id) for pc4 in sorted(set(pc4s)))


# --- creating a referral --------------------------------------------------------------------------

@dataclass
class ReferralInput:
    """What the agent typed, as typed. create_referral checks all of it."""

    name: str = ""
    phone: str = ""
    postcode: str = ""
    house_number: str = ""
    street: str = ""
    city: str = ""
    channel: str = Channel.SMS
    language: str = "nl"
    reads_poorly: bool = False
    hard_of_hearing: bool = False
    needs_interpreter: bool = False
    brings_helper: bool = False
    helper_name: str = ""
    helper_relation: str = ""
    helper_phone: str = ""
    helper_gets_copy: bool = False
    municipality_id: int | None = None  # the agent's override of the postcode's municipality
    categories: list[str] = field(default_factory=list)  # the contact's, checked when it was logged
    category_texts: dict[str, str] = field(default_factory=dict)  # the text of an "Anders", by code
    reason: str = ""
    notes: str = ""
    consent: bool = False


def check_referral_input(data: ReferralInput) -> dict:
    """Validate everything at once; FieldErrors with a message per field, or the clean values."""
    errors: dict[str, str] = {}
    clean: dict = {}

    def check(name, fn):
        try:
            return fn()
        except DomainError as err:
            errors.setdefault(err.field or name, err.message)
            return None

    name = " ".join((data.name or "").split())
    if not name:
        errors["name"] = _("Vul de naam van de inwoner in.")
    clean["name"] = name
    check("name", lambda: refuse_bsn(name, "name"))

    def phone_of(raw, fieldname):
        try:
            return parse_phone(raw)
        except DomainError as err:
            raise DomainError(err.message, fieldname) from None

    phone = check("phone", lambda: phone_of(data.phone, "phone"))
    clean["phone"] = phone
    clean["postcode"] = check("postcode", lambda: normalise_postcode(data.postcode))
    clean["house_number"] = check("house_number", lambda: normalise_house_number(data.house_number))

    if data.channel not in CHANNELS:
        errors["channel"] = _("Kies hoe de inwoner de bevestiging krijgt.")
    elif data.channel == Channel.SMS and phone is not None and not phone.is_mobile:
        errors["channel"] = _("Dit is een vast nummer: daar kan geen sms naartoe. Kies telefoontje of brief.")
    clean["street"] = " ".join((data.street or "").split())
    clean["city"] = " ".join((data.city or "").split())
    if data.channel == Channel.LETTER:
        if not clean["street"]:
            errors["street"] = _("Voor een brief is de straat nodig.")
        if not clean["city"]:
            errors["city"] = _("Voor een brief is de woonplaats nodig.")
    if data.language not in LANGUAGES:
        errors["language"] = _("Kies een taal.")

    # The helper's details count only when the citizen brings a helper (the form shows them only then).
    with_helper = bool(data.brings_helper)
    clean["helper_name"] = " ".join((data.helper_name or "").split()) if with_helper else ""
    clean["helper_relation"] = " ".join((data.helper_relation or "").split()) if with_helper else ""
    clean["helper_phone"] = ""
    if with_helper and (data.helper_phone or "").strip():
        helper_phone = check("helper_phone", lambda: phone_of(data.helper_phone, "helper_phone"))
        clean["helper_phone"] = helper_phone.e164 if helper_phone else ""
        if not clean["helper_name"]:
            errors.setdefault("helper_name", _("Vul ook de naam van de helper in."))
    clean["helper_gets_copy"] = bool(data.helper_gets_copy) and bool(clean["helper_phone"])
    if with_helper and data.helper_gets_copy and not clean["helper_phone"]:
        errors.setdefault("helper_phone", _("Voor een kopie per sms is het mobiele nummer van de helper nodig."))
    for fieldname in ("street", "city", "helper_name", "helper_relation"):
        check(fieldname, lambda f=fieldname: refuse_bsn(clean[f], f))

    clean["categories"] = list(dict.fromkeys(c for c in data.categories if c))
    if not clean["categories"]:
        errors["categories"] = _("Kies minstens een onderwerp van de vraag.")
    if data.reason not in REASONS:
        errors["reason"] = _("Kies waarom de vraag niet telefonisch op te lossen was.")
    notes = (data.notes or "").strip()
    check("notes", lambda: refuse_bsn(notes, "notes"))
    if len(notes) > 2000:
        errors["notes"] = _("Houd de notitie korter dan 2000 tekens.")
    clean["notes"] = notes
    if not data.consent:
        errors["consent"] = _("Zonder toestemming van de inwoner kunnen we de gegevens niet delen met de gemeente.")

    municipality = None
    if data.municipality_id:
        municipality = db.session.get(Organisation, int(data.municipality_id))
        if (municipality is None or municipality.kind != OrgKind.MUNICIPALITY or not municipality.active):
            errors["municipality_id"] = _("Kies een deelnemende gemeente.")
            municipality = None
    elif clean["postcode"]:
        municipality = municipality_for_postcode(clean["postcode"])
        if municipality is None:
            errors["postcode"] = _(
                "Deze postcode valt niet onder een gemeente die meedoet. Verwijs de inwoner naar het "
                "Informatiepunt Digitale Overheid in de bibliotheek, of kies zelf een gemeente die meedoet.")
    clean["municipality"] = municipality
    if errors:
        raise FieldErrors(errors)
    return clean


@unit_of_work()
def create_referral(data: ReferralInput, *, actor: User) -> Referral:
    """Citizen + referral (status 'referred', owner the municipality) + history + processing log."""
    clean = check_referral_input(data)
    now = clock.now()
    municipality = clean["municipality"]
    citizen = find_or_create_citizen(clean, data, municipality.id, now)
    referral = Referral(
        citizen=citizen, referring_org_id=actor.organisation_id, referred_by_id=actor.id,
        municipality_id=municipality.id, owner_org_id=municipality.id, status=Status.REFERRED,
        categories=[ReferralCategory(code=c, other_text=data.category_texts.get(c) or None)
                    for c in clean["categories"]], reason=data.reason,
        notes=clean["notes"], consent_at=now, consent_by_id=actor.id, created_at=now, updated_at=now)
    db.session.add(referral)
    db.session.flush()
    db.session.add(StatusChange(referral_id=referral.id, at=now, by_user_id=actor.id, from_status=None,
                                to_status=Status.REFERRED, owner_org_id=municipality.id,
                                note="Toestemming inwoner telefonisch gegeven"))
    record("referral", "create", "citizen", citizen.id, detail=f"verwijzing {referral.id}", actor=actor)
    return referral


def find_or_create_citizen(clean: dict, data: ReferralInput, municipality_id: int, now: datetime) -> Citizen:
    """The one person within a municipality: the citizen with the same mobile number, or the same
    postcode, house number and name (normalised: spaces, case), gets the new referral too, with the
    details the agent just heard (the newest are the right ones); otherwise a new citizen. One
    SELECT, served by the indexes on phone_e164 and (postcode, house_number). Nothing of the other
    referral is shown: agents see their own agency's referrals only. An anonymised citizen has no
    details left to match. Adds to the caller's transaction."""
    phone = clean["phone"]
    same_person = and_(Citizen.postcode == clean["postcode"], Citizen.house_number == clean["house_number"],
                       func.lower(Citizen.name) == func.lower(clean["name"]))  # the database's lower() on both sides
    if phone.is_mobile:
        same_person = or_(and_(Citizen.phone_e164 == phone.e164, Citizen.phone_is_mobile.is_(True)), same_person)
    citizen = db.session.execute(
        select(Citizen).where(Citizen.municipality_id == municipality_id, Citizen.anonymised_at.is_(None), same_person)
        .order_by(Citizen.id).limit(1)).scalar()
    details = dict(
        name=clean["name"], phone_e164=phone.e164, phone_is_mobile=phone.is_mobile,
        postcode=clean["postcode"], house_number=clean["house_number"], street=clean["street"],
        city=clean["city"], channel=data.channel, language=data.language,
        reads_poorly=bool(data.reads_poorly), hard_of_hearing=bool(data.hard_of_hearing),
        needs_interpreter=bool(data.needs_interpreter), brings_helper=bool(data.brings_helper),
        helper_name=clean["helper_name"], helper_relation=clean["helper_relation"],
        helper_phone_e164=clean["helper_phone"], helper_gets_copy=clean["helper_gets_copy"])
    if citizen is None:
        return Citizen(municipality_id=municipality_id, created_at=now, **details)
    for name, value in details.items():
        setattr(citizen, name, value)
    return citizen


def change_status(referral: Referral, to: str, *, actor: User | None, note: str = "",
                  owner_org_id: int | None = None) -> StatusChange:
    """Move a referral to another status (and optionally another owner), appending to the history.
    Refuses transitions TRANSITIONS does not allow. Adds to the caller's unit of work."""
    change = StatusChange(**_status_change(referral, to, actor=actor, note=note, owner_org_id=owner_org_id))
    referral.status = change.to_status
    if owner_org_id:
        referral.owner_org_id = owner_org_id
    referral.updated_at = change.at
    db.session.add(change)
    return change


def _status_change(referral: Referral, to: str, *, actor: User | None, note: str, owner_org_id: int | None) -> dict:
    """The history row of a move, or DomainError for a transition TRANSITIONS does not allow."""
    to = Status(to)
    if to not in TRANSITIONS.get(referral.status, set()):
        raise DomainError(_("Deze verwijzing kan niet van %(a)s naar %(b)s.", a=referral.status_label,
                            b=Status(to).value))
    return dict(referral_id=referral.id, at=clock.now(), by_user_id=actor.id if actor else None,
                from_status=referral.status, to_status=to, owner_org_id=owner_org_id or referral.owner_org_id,
                note=note[:200])


# The booking's status change as two cached Core statements (issue 16): no unit-of-work flush.
_MOVE_REFERRAL = update(Referral.__table__).where(Referral.__table__.c.id == bindparam("moved_id"))
_ADD_HISTORY = insert(StatusChange.__table__).inline()  # inline: no RETURNING id


def _change_status_now(referral: Referral, to: str, *, actor: User, note: str) -> None:
    """`change_status` for the booking's hot path: the same rule, the same UPDATE of the referral
    and the same history row, written at once by cached Core statements instead of add() and the
    flush, and shown on the loaded referral (extensions.written). Inside a caller's SAVEPOINT,
    whose rollback must expire the referral again, it is change_status itself."""
    if in_savepoint():
        change_status(referral, to, actor=actor, note=note)
        return
    change = _status_change(referral, to, actor=actor, note=note, owner_org_id=None)
    moved = db.session.execute(_MOVE_REFERRAL, {"moved_id": referral.id, "status": change["to_status"],
                                                "updated_at": change["at"]})
    if moved.rowcount != 1:
        raise StaleDataError(f"referral {referral.id} was not updated")
    db.session.execute(_ADD_HISTORY, change)
    written(referral, status=change["to_status"], updated_at=change["at"])


# --- reading, scoped to the user's organisation ---------------------------------------------------

def _org_column_for(user) -> object:
    """The column that makes a referral 'ours' for this user: the referring agency, or the
    municipality it is addressed to."""
    if user.organisation.kind == OrgKind.AGENCY:
        return Referral.referring_org_id
    return Referral.municipality_id


def _referral_options():
    return (selectinload(Referral.appointments).selectinload(Appointment.location),
            selectinload(Referral.categories), selectinload(Referral.municipality),
            selectinload(Referral.referring_org), selectinload(Referral.referred_by))


def referral_for_user(referral_id: int, *, detail: bool = False, user=None) -> Referral:
    """The referral if it is the user's organisation's (as agency or as municipality), or 404.
    `detail=True` also loads the history."""
    options = _referral_options()
    if detail:
        options += (selectinload(Referral.history).selectinload(StatusChange.by_user),)
    return get_scoped_or_404(Referral, referral_id, _org_column_for, user=user, options=options)


def referral_to_book(referral_id: int, user=None, *, categories: bool = True) -> Referral:
    """The referral for the booking page and POST, in one statement: with its citizen, its
    municipality (the page names it), its agency (the SMS names it), its appointments (is one still
    active?) and, for the page, its categories; not the user who referred it. Scoped as
    `referral_for_user`. The POST passes categories=False: on success it only redirects (a refused
    POST that shows the page again loads them then)."""
    return (_referral_to_book if categories else _referral_to_book_post)(referral_id, user=user)


# Built once (accounts.policy.prepared_get): the booking page and POST pay for no statement construction.
_TO_BOOK = (joinedload(Referral.municipality), joinedload(Referral.referring_org), joinedload(Referral.appointments))
_referral_to_book = prepared_get(Referral, _org_column_for, options=(*_TO_BOOK, joinedload(Referral.categories)))
_referral_to_book_post = prepared_get(Referral, _org_column_for, options=_TO_BOOK)


def _appointment_owner(user):
    return Referral.referring_org_id if user.organisation.kind == OrgKind.AGENCY else Appointment.municipality_id


def appointment_for_user(appointment_id: int, user=None) -> Appointment:
    return get_scoped_or_404(
        Appointment, appointment_id, _appointment_owner, user=user,
        base=select(Appointment).join(Referral, Referral.id == Appointment.referral_id),
        options=(selectinload(Appointment.location), selectinload(Appointment.slot),
                 selectinload(Appointment.referral).selectinload(Referral.municipality)))


_POSTCODE_SEARCH = re.compile(r"^\s*(\d{4})\s*([A-Za-z]{2})\s*(?:[,-]?\s*(\d+\s*[A-Za-z0-9-]{0,6}))?\s*$")
_PHONE_SEARCH = re.compile(r"^[\d\s()+.\-]+$")


@dataclass(frozen=True)
class Search:
    """What a search on the referral lists looks for: `kind` is 'phone', 'postcode', 'name', or
    'invalid' (with `message`), `value` the normalised form."""

    kind: str
    value: str = ""
    house_number: str = ""
    message: str = ""


def parse_search(text: str | None) -> Search | None:
    """Read what the agent typed into the one search field: a telephone number (compared in E.164,
    so "06-12345678" finds "+31612345678"), a postcode with or without house number, or else the
    start of a name. None when nothing was typed."""
    text = " ".join((text or "").split())
    if not text:
        return None
    if _PHONE_SEARCH.match(text) and sum(c.isdigit() for c in text) >= 6:
        try:
            return Search("phone", parse_phone(text).e164)
        except DomainError as err:
            return Search("invalid", message=err.message)
    match = _POSTCODE_SEARCH.match(text)
    if match:
        try:
            postcode = normalise_postcode(match.group(1) + match.group(2))
        except DomainError as err:
            return Search("invalid", message=err.message)
        house = ""
        if match.group(3):
            try:
                house = normalise_house_number(match.group(3))
            except DomainError as err:
                return Search("invalid", message=err.message)
        return Search("postcode", postcode, house_number=house)
    if len(text) < 2:
        return Search("invalid", message=_("Typ minstens twee letters van de naam."))
    return Search("name", text.lower())


def search_condition(search: Search):
    """The WHERE clause on Citizen for a search, each served by an index: phone equality
    (ix on citizen.phone_e164), postcode (and house number) equality (ix_citizen_postcode_house),
    and the start of the name as a range on lower(name) (ix_citizen_name_lower). A name is matched
    from its start ("jan de" finds "Jan de Vries"): a match anywhere in the name cannot use a B-tree
    index and would read every referral of the organisation."""
    if search.kind == "phone":
        return Citizen.phone_e164 == search.value
    if search.kind == "postcode":
        condition = Citizen.postcode == search.value
        if search.house_number:
            condition = and_(condition, Citizen.house_number == search.house_number)
        return condition
    if search.kind == "name":
        prefix = search.value
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        lowered = func.lower(Citizen.name)
        return and_(lowered >= prefix, lowered < upper, lowered.like(escaped + "%", escape="\\"))
    return false()


def referrals_query(user, *, only_mine: bool = False, status: str | None = None, search: Search | None = None):
    """Select of the referrals this user's organisation may see, newest first, eager-loaded;
    optionally only the user's own, of one status, or those whose citizen matches `search`."""
    stmt = (select(Referral).where(_org_column_for(user) == user.organisation_id)
            .options(*_referral_options()).order_by(Referral.created_at.desc(), Referral.id.desc()))
    if only_mine:
        stmt = stmt.where(Referral.referred_by_id == user.id)
    if status:
        stmt = stmt.where(Referral.status == status)
    if search is not None:
        stmt = stmt.join(Citizen, Citizen.id == Referral.citizen_id).where(search_condition(search))
    return stmt


def reminder_expected(appointment: Appointment) -> bool:
    """Whether the day-before reminder (queue_reminders) can still go out for this appointment: an
    SMS appointment on a later day, with sending time left before that day begins. A same-day
    appointment, or one tomorrow booked in the quiet hours, gets its confirmation only."""
    if appointment.channel != Channel.SMS:
        return False
    day_starts, _end = local_day_bounds(appointment.starts_at.astimezone(AMSTERDAM).date())
    return next_allowed_send(clock.now()) < day_starts


def what_to_say(referral: Referral, appointment: Appointment) -> list[str]:
    """What the agent tells the citizen on the phone about how they will hear of the appointment:
    by whom and by which channel, the extra call, the helper's copy, a letter that comes late, and
    what to bring. From what the confirmation page has loaded already (no query)."""
    citizen, location = referral.citizen, appointment.location
    sender = referral.municipality.sms_sender
    if appointment.channel == Channel.SMS:
        lines = [_("U krijgt een sms van %(sender)s.", sender=sender)]
        if citizen.reads_poorly:
            lines.append(_("De gemeente belt u ook, en leest de sms voor."))
        if reminder_expected(appointment):
            lines.append(_("De dag ervoor krijgt u nog een sms."))
    elif appointment.channel == Channel.LETTER:
        lines = [_("U krijgt een brief van %(municipality)s.", municipality=referral.municipality.name)]
        if letter_too_late(appointment.starts_at):
            lines.append(_("De brief komt misschien te laat. Schrijf nu de datum en tijd op."))
    else:
        lines = [_("%(municipality)s belt u om de afspraak te bevestigen.", municipality=sender),
                 _("De dag ervoor belt de gemeente u nog een keer.")]
    if citizen.helper_gets_copy:
        lines.append(_("%(helper)s krijgt een kopie per sms.", helper=citizen.helper_name))
    lines.append(_("Neem mee: %(bring)s.", bring=bring_of(location)))
    if location.room:
        lines.append(_("Waar: %(room)s, %(address)s.", room=location.room, address=location.address))
    return lines


def current_appointment(referral: Referral) -> Appointment | None:
    """The active appointment (or, when none is active, the latest one)."""
    if not referral.appointments:
        return None
    active = [a for a in referral.appointments if a.status == AppointmentStatus.BOOKED]
    return active[-1] if active else referral.appointments[-1]


def record_result(referral: Referral, *, result: str | None = None, solution: str | None = None,
                  step: str | None = None) -> None:
    """The one way a context writes where the referral's result stands, as codes (None: leave as
    it is): the result of the visit (vocabulary.RESULT_LINES), the lasting solution
    (SOLUTION_LINES) and the step that solution has reached (STEP_LINES). Adds to the caller's
    transaction; the agency's line (`agency_line`) is derived from these codes."""
    for code, known in ((result, RESULT_LINES), (solution, SOLUTION_LINES), (step, STEP_LINES)):
        if code is not None and code not in known:
            raise ValueError(f"unknown result code {code!r}")
    if result is not None:
        referral.result_code = result
    if solution is not None:
        referral.solution_code = solution
    if step is not None:
        referral.step_code = step


def close_after_solution(referral: Referral, *, actor: User | None, note: str) -> None:
    """The lasting solution reached its end (a course completed, a buddy pairing ended, the second
    line's answer followed up): a referral that waits at its outcome closes. Adds to the caller's
    transaction."""
    if referral.status == Status.OUTCOME:
        change_status(referral, Status.CLOSED, actor=actor, note=note)


def agency_line(referral: Referral) -> str:
    """What an agency may see of the result, in one line: status and outcome, never notes. Derived
    from the codes record_result wrote: '<result>; <step, or else the solution>'."""
    if referral.delayed:  # the stale sweep flagged it and nothing happened since
        return _("Vertraagd")
    if referral.result_code or referral.step_code:
        head = str(RESULT_LINES.get(referral.result_code or "solved", referral.result_code))
        if referral.step_code:
            tail = STEP_LINES.get(referral.step_code, referral.step_code)
        else:
            tail = SOLUTION_LINES.get(referral.solution_code or "none", "")
        return f"{head}; {tail}" if str(tail) else head
    if referral.status == Status.NO_SHOW:  # the counter marked a no-show
        return _("Niet gekomen")
    appointment = current_appointment(referral)  # the appointment itself has its own column
    if referral.status == Status.CANCELLED and appointment and appointment.cancelled_by == "citizen":
        return _("Afgezegd door de inwoner")
    return ""


# --- slots ----------------------------------------------------------------------------------------

def free_slots(municipality_id: int, *, location_id: int | None = None, from_day: date | None = None,
               limit: int = 12, exclude_slot_id: int | None = None) -> list[Slot]:
    """The first free slots of a municipality (or one location), soonest first, from now or from
    the start of `from_day`. One indexed range query, the locations joined."""
    now = clock.now()
    start = now
    if from_day:
        start = max(now, local_day_bounds(from_day)[0])
    shape = (bool(location_id), bool(exclude_slot_id))  # four statements at most
    stmt = _FREE_SLOTS.get(shape)
    if stmt is None:
        stmt = _FREE_SLOTS[shape] = _free_slots_statement(*shape)
    return list(db.session.execute(stmt, {"municipality_id": municipality_id, "start": start, "limit": limit,
                                          "location_id": location_id, "exclude_slot_id": exclude_slot_id}).scalars())


# The booking page's statements, built once per shape (issue 16: the page runs on every booking).
# The picker names each slot's location, not the location's municipality: no join for that.
_FREE_SLOTS: dict = {}


def _free_slots_statement(one_location: bool, excluding: bool):
    stmt = (select(Slot).where(Slot.municipality_id == bindparam("municipality_id"),
                               Slot.starts_at > bindparam("start"), Slot.booked < Slot.capacity)
            .order_by(Slot.starts_at, Slot.location_id).limit(bindparam("limit", type_=Integer))
            .options(joinedload(Slot.location).lazyload(Location.municipality)))
    if one_location:
        stmt = stmt.where(Slot.location_id == bindparam("location_id"))
    if excluding:
        stmt = stmt.where(Slot.id != bindparam("exclude_slot_id"))
    return stmt


def slots_by_day(slots: list[Slot]) -> OrderedDict:
    days: OrderedDict = OrderedDict()
    for slot in slots:
        days.setdefault(slot.starts_at.astimezone(AMSTERDAM).date(), []).append(slot)
    return days


def municipality_locations(municipality_id: int) -> list[Location]:
    return list(db.session.execute(_ACTIVE_LOCATIONS, {"municipality_id": municipality_id}).scalars())


_ACTIVE_LOCATIONS = (select(Location).where(Location.municipality_id == bindparam("municipality_id"),
                                            Location.active.is_(True))
                     .order_by(Location.name).options(lazyload(Location.municipality)))


# --- booking --------------------------------------------------------------------------------------

# Stored reasons (Dutch) for SMS that are withdrawn because the appointment changed.
WITHDRAWN_CHANGED = "Ingetrokken: de afspraak is gewijzigd of afgezegd"


def sms_expiry(appointment: Appointment, purpose: str) -> datetime | None:
    """Until when an SMS about this appointment still means something: a day-before reminder
    ('Morgen om ...') until the appointment's day begins, a confirmation or the new time until the
    appointment starts. Others (the cancellation) do not expire."""
    if purpose == "appointment_reminder":
        return local_day_start(appointment.starts_at)
    if purpose in ("appointment_confirmation", "appointment_moved"):
        return appointment.starts_at
    return None


def _task_texts(appointment: Appointment, location: Location, citizen: Citizen, purpose: str) -> tuple[str, str]:
    """(what to tell on the phone, the letter's text) for a citizen without SMS. Stored Dutch text
    for the municipality (written outside requests too); the printed letter of a confirmation or a
    move is the appointment letter itself (templates/referrals/letter.html). Every text names the
    number to call (the location's)."""
    when, place = stored_when(appointment.starts_at), place_of(location)
    bring = bring_of(location, "nl")
    sender = location.municipality.sms_sender
    if purpose == "appointment_moved":
        return (f"Bel de inwoner: de afspraak is verzet naar {when}, {place}. Zeg: de oude tijd geldt niet "
                f"meer. Neem mee: {bring}. Vragen? Bel {location.phone}.",
                f"Uw afspraak is veranderd. De oude tijd geldt niet meer. De nieuwe tijd is {when}. "
                f"Waar: {place}. Neem mee: {bring}. Kunt u niet komen? Bel ons op {location.phone}.")
    if purpose == "appointment_cancelled":
        return (f"Bel de inwoner: de afspraak van {when} bij {location.name} gaat niet door. Vertel hoe een "
                f"nieuwe afspraak te maken (bel {location.phone}).",
                "")  # the letter is printed from its code (letters.LETTERS), in the citizen's language
    if purpose == "appointment_reminder":
        return (f"Bel de inwoner de dag ervoor: morgen is de afspraak, {when}, {place}. Zeg wie belt "
                f"({sender}). Neem mee: {bring}. Niet komen? Dan afzeggen of nieuwe afspraak (bel "
                f"{location.phone}).", "")
    return (f"Bel de inwoner om de afspraak te bevestigen: {when}, {place}. Zeg wie belt ({sender}). "
            f"Neem mee: {bring}. Niet komen? Bel {location.phone}.",
            f"U heeft een afspraak bij de gemeente: {when}. Waar: {place}. Neem mee: {bring}. "
            f"Kunt u niet komen? Bel ons op {location.phone}.")


# What a citizen's helper gets a copy of (with the citizen's consent, Citizen.helper_gets_copy).
HELPER_COPIES = {"appointment_confirmation": "helper_confirmation", "appointment_moved": "helper_confirmation",
                 "appointment_reminder": "helper_reminder"}
# A citizen who reads poorly gets the SMS and a call that reads it out.
READ_ALOUD = ("appointment_confirmation", "appointment_moved", "appointment_cancelled")


def _tell_citizen(appointment: Appointment, location: Location, citizen: Citizen, purpose: str) -> None:
    """Tell the citizen about this event by their channel (outreach.tell_citizen): an SMS, or a
    letter or call task on the municipality's work list, in the caller's transaction. Idempotent
    through the dedup key. An SMS that is still unsent when it no longer makes sense is dropped
    (`sms_expiry`). The day-before reminder is an SMS, or a call for phone citizens (a letter
    would come too late). A helper with the citizen's consent gets a copy of the confirmation and
    the reminder; a citizen who reads poorly also gets a call that reads the SMS out."""
    if purpose == "appointment_reminder" and not (citizen.gets_sms or citizen.channel == Channel.PHONE):
        return
    # The call's and the letter's texts only for a citizen who gets no SMS (tell_citizen uses them then).
    task_text, letter_text = ("", "") if citizen.gets_sms else _task_texts(appointment, location, citizen, purpose)
    values = place_values(location, appointment.starts_at, citizen.language)
    agency = db.session.get(Referral, appointment.referral_id).referring_org_id
    values["maker"] = agency_with_article(db.session.get(Organisation, agency).name, citizen.language)
    key = f"appointment:{appointment.id}:{purpose}"
    letter = "appointment_cancelled" if purpose == "appointment_cancelled" else None
    tell_citizen(citizen, purpose=purpose, values=values,
                 subject_type="appointment", subject_id=appointment.id,
                 dedup_key=key, municipality_id=appointment.municipality_id,
                 referral_id=appointment.referral_id, task_text=task_text, letter_text=letter_text or None,
                 reason=purpose, expires_at=sms_expiry(appointment, purpose), appointment_id=appointment.id,
                 letter=letter, letter_values={"location_id": location.id,
                                               "at": appointment.starts_at.isoformat()} if letter else None)
    if purpose in HELPER_COPIES and citizen.helper_gets_copy and is_mobile_number(citizen.helper_phone_e164):
        queue_sms(to=citizen.helper_phone_e164, purpose=HELPER_COPIES[purpose], language=citizen.language,
                  values={**values, "name": citizen.name.split()[0]}, subject_type="appointment",
                  subject_id=appointment.id, dedup_key=f"{key}:helper", organisation_id=appointment.municipality_id,
                  expires_at=sms_expiry(appointment, purpose))
    if purpose in READ_ALOUD and citizen.gets_sms and citizen.reads_poorly:
        add_task(municipality_id=appointment.municipality_id, referral_id=appointment.referral_id, kind="call",
                 reason=purpose, appointment_id=appointment.id, dedup_key=f"{key}:read_aloud",
                 description=f"De inwoner leest slecht. Bel en lees de sms voor: "
                             f"\"{render(purpose, citizen.language, values)}\"")


# A letter is posted the working day it is printed and takes up to two more working days.
LETTER_WORKING_DAYS = 3


def letter_too_late(starts_at: datetime) -> bool:
    """A letter posted today arrives too late for an appointment at `starts_at`: fewer than
    LETTER_WORKING_DAYS working days before it (Dutch working days: no weekend, no holiday)."""
    return local_date(working_days_before(starts_at, LETTER_WORKING_DAYS)) < local_today()


def first_day_for_letter() -> date:
    """The first day whose appointments a letter posted today still reaches in time."""
    day, counted = local_today(), 0
    while counted < LETTER_WORKING_DAYS:
        day += timedelta(days=1)
        counted += is_working_day(day)
    return day


def _refuse_late_letter(citizen: Citizen, slot_id: int, municipality_id: int) -> None:
    """Only for letter citizens: the slot is read once, and _claim_seat finds it in the session."""
    if citizen.channel != Channel.LETTER:
        return
    slot = db.session.get(Slot, slot_id)
    if slot is not None and slot.municipality_id == municipality_id and letter_too_late(slot.starts_at):
        raise LetterTooLate(_("De inwoner krijgt een brief. Die komt niet op tijd aan: er zijn minder dan drie "
                              "werkdagen tot deze afspraak. Kies een latere tijd, of boek toch en noem de "
                              "inwoner nu de datum en tijd."), "slot")


def _claim_seat(slot_id: int, municipality_id: int):
    """One conditional UPDATE ... RETURNING: takes a seat only if the slot is the municipality's, in
    the future and not full, and returns what the appointment copies (id, location_id,
    municipality_id, starts_at). Only a refusal reads the slot again, to say why."""
    now = clock.now()
    claimed = db.session.execute(_CLAIM_SEAT, {"seat_slot": slot_id, "of_municipality": municipality_id,
                                               "now": now}).first()
    if claimed is not None:
        return claimed
    slot = db.session.execute(select(Slot.municipality_id, Slot.starts_at).where(Slot.id == slot_id)).first()
    if slot is None or slot.municipality_id != municipality_id:
        raise DomainError(_("Kies een tijdslot uit de lijst."), "slot")
    if slot.starts_at <= now:
        raise DomainError(_("Dit tijdslot is al voorbij. Kies een later tijdslot."), "slot")
    raise SlotTaken(_("Dit tijdslot is net vergeven. Kies een van de volgende vrije tijden."), "slot")


def _release_seat(slot_id: int) -> None:
    """Give a seat back. A slot the location's settings no longer want (new hours or slot length,
    a closure, the location switched off) kept its seats only for the booked ones: its day is
    synced at once, so the freed seat is never offered (slots.py closes it)."""
    slot = db.session.execute(_RELEASE_SEAT, {"seat_slot": slot_id}).first()
    if slot is None:
        return
    location = db.session.execute(select(Location).where(Location.id == slot.location_id).options(
        selectinload(Location.hours), selectinload(Location.closures))).scalar_one()
    day = local_date(slot.starts_at)
    sync_location(location, start=day, end=day + timedelta(days=1))


# The seat's UPDATEs, built once (Core, on the table: no statement to build, no ORM bulk-update work
# per booking; like synchronize_session=False, a Slot loaded in the session is not changed).
_SLOTS = Slot.__table__
_CLAIM_SEAT = (
    update(_SLOTS).where(_SLOTS.c.id == bindparam("seat_slot"), _SLOTS.c.municipality_id == bindparam("of_municipality"),
                         _SLOTS.c.booked < _SLOTS.c.capacity, _SLOTS.c.starts_at > bindparam("now"))
    .values(booked=_SLOTS.c.booked + 1)
    .returning(_SLOTS.c.id, _SLOTS.c.location_id, _SLOTS.c.municipality_id, _SLOTS.c.starts_at))
_RELEASE_SEAT = (update(_SLOTS).where(_SLOTS.c.id == bindparam("seat_slot"), _SLOTS.c.booked > 0)
                 .values(booked=_SLOTS.c.booked - 1).returning(_SLOTS.c.location_id, _SLOTS.c.starts_at))


def _new_appointment(referral: Referral, slot, actor: User) -> Appointment:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING on the one-active-appointment index: a second
    booking for the same referral at the same moment (two agents, a double click) frees the seat
    it claimed and is refused, without a failed INSERT that would need a savepoint to recover."""
    appointment = insert_unless_taken(Appointment, dict(
        referral_id=referral.id, slot_id=slot.id, location_id=slot.location_id,
        municipality_id=slot.municipality_id, starts_at=slot.starts_at, status=AppointmentStatus.BOOKED.value,
        channel=referral.citizen.channel, booked_at=clock.now(), booked_by_id=actor.id),
        conflict="referral_id", where="status = 'booked'")
    if appointment is None:
        _release_seat(slot.id)
        raise DomainError(_("Deze verwijzing heeft net al een afspraak gekregen."))
    return appointment


# The booked slot's location, built once. Its municipality is the referral's, in the session already
# (referral_to_book): no join for it.
_BOOKED_LOCATION = (select(Location).where(Location.id == bindparam("location_id"))
                    .options(lazyload(Location.municipality)))


@unit_of_work(savepoint=False)
def book(referral: Referral, slot_id: int, *, actor: User, letter_late_ok: bool = False) -> Appointment:
    """Book a slot for a referral without an active appointment. Raises SlotTaken (with nothing
    saved) when the slot filled up meanwhile, LetterTooLate when the citizen's letter cannot arrive
    in time (unless `letter_late_ok`).

    The hot path (issue 16): the referral comes with its citizen, municipality and agency
    (`referral_to_book`); then one conditional UPDATE ... RETURNING claims the seat, one SELECT
    reads the location (its municipality is the referral's, loaded already), and the appointment, the history, the SMS and the
    log entry are one INSERT each. No savepoint: every refusal comes before the first write, or
    (`_new_appointment`) undoes the seat it claimed before it raises; a stored number that no
    longer parses does not refuse (queue_sms stores that SMS as failed)."""
    if referral.status not in (Status.REFERRED, Status.CANCELLED, Status.NO_SHOW):
        raise DomainError(_("Deze verwijzing heeft al een afspraak. Verzet die afspraak als dat nodig is."))
    if not letter_late_ok:
        _refuse_late_letter(referral.citizen, slot_id, referral.municipality_id)
    slot = _claim_seat(slot_id, referral.municipality_id)
    appointment = _new_appointment(referral, slot, actor)
    location = db.session.execute(_BOOKED_LOCATION, {"location_id": slot.location_id}).scalar_one()
    _change_status_now(referral, Status.BOOKED, actor=actor,
                       note=f"Afspraak {stored_when(slot.starts_at)}, {location.name}")
    _tell_citizen(appointment, location, referral.citizen, "appointment_confirmation")
    record("appointment", "create", "citizen", referral.citizen_id, detail=f"afspraak {appointment.id} geboekt",
           actor=actor)
    return appointment


@unit_of_work()
def reschedule(appointment: Appointment, slot_id: int, *, actor: User, by: str,
               letter_late_ok: bool = False) -> Appointment:
    """Move an active appointment to another slot: the new seat is claimed first (so the citizen
    never ends up without one), then the old one is freed. `by`: 'agent' or 'counter'."""
    if appointment.status != AppointmentStatus.BOOKED:
        raise DomainError(_("Alleen een geplande afspraak kan worden verzet."))
    if slot_id == appointment.slot_id:
        raise DomainError(_("Kies een ander tijdslot dan het huidige."), "slot")
    referral = db.session.get(Referral, appointment.referral_id)
    citizen = referral.citizen
    if not letter_late_ok:
        _refuse_late_letter(citizen, slot_id, appointment.municipality_id)
    old_id, old_slot_id = appointment.id, appointment.slot_id
    try:
        slot = _claim_seat(slot_id, appointment.municipality_id)
        appointment = db.session.get(Appointment, old_id)
        if appointment.status != AppointmentStatus.BOOKED:
            raise DomainError(_("Deze afspraak is intussen al gewijzigd."))
        appointment.status = AppointmentStatus.MOVED
        appointment.cancelled_at = clock.now()
        appointment.cancelled_by = by
        db.session.flush()
        _release_seat(old_slot_id)
        # The old time's confirmation or reminder, if still waiting (quiet hours), must not go out;
        # neither must a letter or call about it still on the work list.
        withdraw("appointment", old_id, reason=WITHDRAWN_CHANGED)
        withdraw_tasks(old_id)
        location = db.session.get(Location, slot.location_id)
        new = _new_appointment(referral, slot, actor)
        change_status(referral, Status.BOOKED, actor=actor,
                      note=f"Verzet naar {stored_when(slot.starts_at)}, {location.name}")
        _tell_citizen(new, location, citizen, "appointment_moved")
        record("appointment", "update", "citizen", citizen.id, detail=f"afspraak {old_id} verzet naar {new.id}",
               actor=actor)
        db.session.flush()
    except IntegrityError:
        raise DomainError(_("Deze afspraak is intussen al gewijzigd.")) from None
    return new


@unit_of_work()
def cancel_appointment(appointment: Appointment, *, actor: User | None, by: str, note: str = "") -> None:
    """Cancel an active appointment, free its seat, cancel the referral, tell the citizen (unless
    the citizen cancelled). `by`: 'agent', 'counter' or 'citizen'."""
    claimed = db.session.execute(
        update(Appointment).where(Appointment.id == appointment.id, Appointment.status == AppointmentStatus.BOOKED)
        .values(status=AppointmentStatus.CANCELLED, cancelled_at=clock.now(), cancelled_by=by)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise DomainError(_("Deze afspraak is al afgezegd of gewijzigd."))
    db.session.refresh(appointment)
    _release_seat(appointment.slot_id)
    referral = db.session.get(Referral, appointment.referral_id)
    location = db.session.get(Location, appointment.location_id)
    # Stored text (Dutch): written outside requests too (the inbound SMS webhook, jobs).
    default_note = {"citizen": "Afgezegd door de inwoner (AFZEGGEN per sms)",
                    "agent": "Afgezegd door de organisatie", "counter": "Afgezegd door de gemeente"}
    change_status(referral, Status.CANCELLED, actor=actor, note=note or default_note.get(by, ""))
    # A confirmation or reminder still waiting (e.g. held by the quiet hours) must not go out;
    # withdrawn before the cancellation message is queued, which does go.
    withdraw("appointment", appointment.id, reason=WITHDRAWN_CHANGED)
    withdraw_tasks(appointment.id)
    if by != "citizen":
        _tell_citizen(appointment, location, referral.citizen, "appointment_cancelled")
    else:  # the municipality sees it on its work list (with the citizen's name and number, from the referral)
        add_task(municipality_id=appointment.municipality_id, referral_id=referral.id, kind="call",
                 reason="cancelled_by_citizen", appointment_id=appointment.id,
                 description=f"De inwoner heeft de afspraak van "
                             f"{stored_when(appointment.starts_at)} bij {location.name} afgezegd (AFZEGGEN per sms). "
                             f"Bel de inwoner als een nieuwe afspraak nodig is.",
                 dedup_key=f"appointment:{appointment.id}:cancelled_by_citizen:task")
    record("appointment", "update", "citizen", referral.citizen_id, detail=f"afspraak {appointment.id} afgezegd ({by})",
           actor=actor)


# --- the citizen replies AFZEGGEN -------------------------------------------------------------------

# Cancelling as people write it: "AFZEGGEN", "af zeggen", "AFZEGEN", "ik wil afzeggen", "annuleren",
# "ik kan niet komen", "CANCEL". STOP, AFMELDEN and the like are opt-out words of messaging (handled
# before this). CANCEL only reaches us when the provider does not treat it as an opt-out word (see
# README, "SMS replies").
KEYWORDS = {"AFZEGGEN", "AFZEGEN", "AFZEGGE", "ANNULEREN", "ANNULEER", "CANCEL"}
_CANCEL_PHRASES = re.compile(r"AF ?ZEGG?E|ANNULE|CANCEL|NIET (?:\w+ )?KOMEN|KOM (?:\w+ )?NIET")


def is_cancel(body: str) -> bool:
    """Does this short reply ask to cancel? The first word, or a cancel phrase in a message of at
    most eight words (a long message goes to a person, not to a rule)."""
    words = re.findall(r"[^\W_]+", (body or "").upper())
    if not words:
        return False
    if words[0] in KEYWORDS or "".join(words[:2]) in KEYWORDS:
        return True
    return len(words) <= 8 and bool(_CANCEL_PHRASES.search(" ".join(words)))


def _next_appointment(from_e164: str):
    return db.session.execute(
        select(Appointment, Citizen.language)
        .join(Referral, Referral.id == Appointment.referral_id).join(Citizen, Citizen.id == Referral.citizen_id)
        .where(Citizen.phone_e164 == from_e164, Appointment.status == AppointmentStatus.BOOKED,
               Appointment.starts_at > clock.now())
        .order_by(Appointment.starts_at).limit(1)).first()


def handle_inbound_sms(from_e164: str, body: str) -> str | None:
    """Inbound handler registered with messaging: a cancel reply (`is_cancel`) cancels the citizen's
    next appointment (the one soonest to come) and frees its slot; the municipality sees it on its
    work list. Returns the reply text, or None when the message is not ours."""
    if not is_cancel(body):
        return None
    row = _next_appointment(from_e164)
    if row is None:
        language = db.session.execute(select(Citizen.language).where(Citizen.phone_e164 == from_e164)
                                      .order_by(Citizen.id.desc()).limit(1)).scalar() or "nl"
        return render("afzeggen_none", language, {})
    appointment, language = row
    location = db.session.get(Location, appointment.location_id)
    values = place_values(location, appointment.starts_at, language)
    try:
        cancel_appointment(appointment, actor=None, by="citizen")  # nested in messaging's unit of work
    except DomainError:
        return render("afzeggen_none", language, {})
    return render("afzeggen_reply", language, values)


def unclear_reply(from_e164: str) -> str | None:
    """Registered with messaging for a reply nobody understood: a citizen with an appointment to
    come gets one helpful answer, with how to cancel and the location's number. None otherwise."""
    row = _next_appointment(from_e164)
    if row is None:
        return None
    appointment, language = row
    location = db.session.get(Location, appointment.location_id)
    return render("afzeggen_unclear", language, place_values(location, None, language))


def opt_out_reply(from_e164: str) -> str | None:
    """Registered with messaging for STOP: a citizen with an appointment to come hears that the SMS
    stop but the appointment still stands, and the number to call to cancel. None otherwise."""
    row = _next_appointment(from_e164)
    if row is None:
        return None
    appointment, language = row
    location = db.session.get(Location, appointment.location_id)
    return render("opt_out_appointment", language, place_values(location, appointment.starts_at, language))


# --- reminders (scheduler job) ---------------------------------------------------------------------

def queue_reminders(batch: int = 200) -> int:
    """Queue the day-before reminder for every active SMS appointment tomorrow (Amsterdam), and a
    call task the day before for every citizen who chose a phone call.

    Safe to run twice and with two schedulers at once: each appointment is claimed with a
    conditional UPDATE (reminder_at IS NULL) before its SMS is queued, in the same transaction,
    and the outbox's dedup key refuses a second reminder anyway. Returns how many were queued."""
    tomorrow = local_today() + timedelta(days=1)
    lo, hi = local_day_bounds(tomorrow)
    if next_allowed_send(clock.now()) >= lo:
        # In the quiet hours before that day: the reminder could only go out on the day itself
        # ('Morgen om ...' would be wrong). These appointments were booked late and got their
        # confirmation; they get no reminder (and are not claimed).
        return 0
    queued = 0
    while True:
        with job_step():  # one batch: claims and messages saved together
            ids, queued_now = _remind_batch(lo, hi, batch)
        queued += queued_now
        if len(ids) < batch:
            break
    return queued


def _remind_batch(lo: datetime, hi: datetime, batch: int) -> tuple[list[int], int]:
    queued = 0
    ids = list(db.session.execute(
        select(Appointment.id).where(Appointment.status == AppointmentStatus.BOOKED,
                                     Appointment.starts_at >= max(lo, clock.now()), Appointment.starts_at < hi,
                                     Appointment.reminder_at.is_(None),
                                     Appointment.channel.in_((Channel.SMS, Channel.PHONE)))
        .order_by(Appointment.id).limit(batch)).scalars())
    for appointment_id in ids:
        claimed = db.session.execute(
            update(Appointment).where(Appointment.id == appointment_id, Appointment.reminder_at.is_(None),
                                      Appointment.status == AppointmentStatus.BOOKED)
            .values(reminder_at=clock.now()).execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            continue  # another scheduler has it
        appointment = db.session.get(Appointment, appointment_id)
        referral = db.session.get(Referral, appointment.referral_id)
        location = db.session.get(Location, appointment.location_id)
        if referral.citizen.gets_sms or referral.citizen.channel == Channel.PHONE:
            _tell_citizen(appointment, location, referral.citizen, "appointment_reminder")  # an SMS or a call
            queued += 1
    return ids, queued


# --- letters (the one work list of tasks is in outreach.py) ------------------------------------------

@unit_of_work()
def record_letter_printed(appointment: Appointment, *, actor: User) -> None:
    record("appointment", "read", "referral", appointment.referral_id, detail=f"afspraak {appointment.id}: brief",
           actor=actor)


@unit_of_work(savepoint=False)  # inserts only: nothing a savepoint could undo
def record_read(referral: Referral, *, actor: User, activity: str = "referral") -> None:
    record(activity, "read", "citizen", referral.citizen_id, detail=f"verwijzing {referral.id}", actor=actor)


# --- locations and the SMS name (the coordinator) --------------------------------------------------

@unit_of_work()
def set_sms_name(municipality_id: int, name: str, *, actor: User) -> Organisation:
    """The short name every SMS to citizens starts with ("Gemeente Den Bosch"): at most
    SMS_NAME_MAX characters, GSM-7 only; empty: derived from the municipality's name."""
    name = " ".join((name or "").split())
    if len(name) > SMS_NAME_MAX:
        raise DomainError(_("Gebruik hoogstens %(n)s tekens: de naam staat in elke sms.", n=SMS_NAME_MAX), "sms_name")
    if not is_gsm7(name):
        raise DomainError(_("Gebruik geen tekens als ë of ’: die maken elke sms duurder."), "sms_name")
    refuse_bsn(name, "sms_name")
    municipality = db.session.get(Organisation, municipality_id)
    municipality.sms_name = name
    return municipality


@dataclass
class LocationInput:
    name: str = ""
    street: str = ""
    postcode: str = ""
    city: str = ""
    phone: str = ""
    slot_minutes: int = 30
    counters: int = 1
    room: str = ""
    what_to_bring: str = ""
    what_to_bring_en: str = ""
    active: bool = True


def _check_location(data: LocationInput) -> dict:
    errors: dict[str, str] = {}
    clean = {k: " ".join(str(getattr(data, k) or "").split())
             for k in ("name", "street", "city", "room", "what_to_bring", "what_to_bring_en")}
    for k, message in (("name", _("Vul de naam van de locatie in.")), ("street", _("Vul straat en huisnummer in.")),
                       ("city", _("Vul de plaats in."))):
        if not clean[k]:
            errors[k] = message
    # The address goes into every confirmation SMS, which must stay one segment of 160 characters.
    for k, longest in (("street", len(LONGEST_VALUES["address"])), ("city", len(LONGEST_VALUES["city"]))):
        if len(clean[k]) > longest:
            errors.setdefault(k, _("Dit staat in elke sms: gebruik hoogstens %(n)s tekens.", n=longest))
    # Room, street and city make "Waar:" in every appointment SMS; what to bring follows it.
    where = ", ".join(part for part in (clean["room"], clean["street"], clean["city"]) if part)
    if len(where) > len(LONGEST_VALUES["where"]):
        errors.setdefault("room", _("Ruimte, straat en plaats staan samen in elke sms: samen hoogstens %(n)s tekens. "
                                    "Maak de ruimte korter.", n=len(LONGEST_VALUES["where"])))
    for k in ("what_to_bring", "what_to_bring_en"):
        if len(clean[k]) > len(LONGEST_VALUES["bring"]):
            errors[k] = _("Dit staat in elke sms: gebruik hoogstens %(n)s tekens.", n=len(LONGEST_VALUES["bring"]))
    if clean["what_to_bring_en"] and not clean["what_to_bring"]:
        errors.setdefault("what_to_bring", _("Vul ook de Nederlandse tekst in, of maak de Engelse leeg."))
    for k in ("room", "what_to_bring", "what_to_bring_en"):
        if not is_gsm7(clean[k]):
            errors.setdefault(k, _("Gebruik geen tekens als ë of ’: die maken elke sms duurder."))
    try:
        clean["postcode"] = normalise_postcode(data.postcode)
    except DomainError as err:
        errors["postcode"] = err.message
    try:
        clean["phone"] = parse_phone(data.phone).national
    except DomainError as err:
        errors["phone"] = err.message
    else:
        if len(clean["phone"]) > len(LONGEST_VALUES["phone"]):  # it is in every SMS too
            errors["phone"] = _("Dit staat in elke sms: gebruik een Nederlands nummer van hoogstens %(n)s tekens.",
                                n=len(LONGEST_VALUES["phone"]))
    if not (isinstance(data.slot_minutes, int) and 5 <= data.slot_minutes <= 240):
        errors["slot_minutes"] = _("Kies een duur van 5 tot 240 minuten.")
    if not (isinstance(data.counters, int) and 1 <= data.counters <= 50):
        errors["counters"] = _("Kies 1 tot 50 balies.")
    if errors:
        raise FieldErrors(errors)
    clean.update(slot_minutes=data.slot_minutes, counters=data.counters, active=bool(data.active))
    return clean


@unit_of_work()
def save_location(municipality_id: int, data: LocationInput, *, location: Location | None = None,
                  actor: User | None = None) -> Location:
    clean = _check_location(data)
    if location is None:
        location = Location(municipality_id=municipality_id)
        db.session.add(location)
    for key, value in clean.items():
        setattr(location, key, value)
    db.session.flush()
    sync_location(location)
    return location


@unit_of_work()
def set_opening_hours(location: Location, hours: dict[int, list[tuple]]) -> None:
    """Replace the opening hours: weekday -> [(opens, closes), ...]; then resync the slots."""
    errors = {}
    for weekday, ranges in hours.items():
        for opens, closes in ranges:
            if opens >= closes:
                errors[f"day{weekday}"] = _("De openingstijd moet voor de sluitingstijd liggen.")
        ordered = sorted(ranges)
        for (_a1, b1), (a2, _b2) in zip(ordered, ordered[1:], strict=False):
            if a2 < b1:
                errors[f"day{weekday}"] = _("De tijden op deze dag overlappen.")
    if errors:
        raise FieldErrors(errors)
    location.hours.clear()
    db.session.flush()
    for weekday, ranges in sorted(hours.items()):
        for opens, closes in ranges:
            location.hours.append(OpeningHours(weekday=weekday, opens=opens, closes=closes))
    db.session.flush()
    sync_location(location)


@unit_of_work()
def add_closure(location: Location, starts_on: date, ends_on: date, reason: str) -> list[Appointment]:
    """Close a location on some days. Free slots go; booked ones stay (capacity shrinks to what is
    booked) and are returned so the coordinator can reschedule them."""
    if ends_on < starts_on:
        raise DomainError(_("De einddatum ligt voor de begindatum."), "ends_on")
    if ends_on < local_today():
        raise DomainError(_("Deze dagen zijn al voorbij."), "ends_on")
    refuse_bsn(reason, "reason")
    if any(c.starts_on <= starts_on and ends_on <= c.ends_on for c in location.closures):
        raise DomainError(_("Deze dagen zijn al gesloten: zie de sluitingen bovenaan."), "starts_on")
    location.closures.append(Closure(starts_on=starts_on, ends_on=ends_on, reason=reason.strip()[:120]))
    db.session.flush()
    sync_location(location, end=max(ends_on + timedelta(days=1), local_today() + timedelta(weeks=6)))
    return affected_by_closures(location)


@unit_of_work()
def remove_closure(location: Location, closure_id: int) -> None:
    get_scoped_or_404(Closure, closure_id, Closure.location_id, owner_id=location.id)  # a closure of this location
    closure = next(c for c in location.closures if c.id == int(closure_id))
    location.closures.remove(closure)
    db.session.flush()
    sync_location(location)


def affected_by_closures(location: Location) -> list[Appointment]:
    """Active appointments on days the location is now closed: to be rescheduled."""
    conditions = []
    for c in location.closures:
        lo, _end = local_day_bounds(c.starts_on)
        _lo, hi = local_day_bounds(c.ends_on)
        conditions.append(and_(Appointment.starts_at >= lo, Appointment.starts_at < hi))
    if not conditions:
        return []
    return list(db.session.execute(
        select(Appointment).where(Appointment.location_id == location.id,
                                  Appointment.status == AppointmentStatus.BOOKED,
                                  Appointment.starts_at > clock.now(), or_(*conditions))
        .options(selectinload(Appointment.referral)).order_by(Appointment.starts_at)).scalars())


def locations_of(municipality_id: int) -> list[Location]:
    return list(db.session.execute(
        select(Location).where(Location.municipality_id == municipality_id)
        .options(selectinload(Location.hours), selectinload(Location.closures)).order_by(Location.name)).scalars())


def location_for_user(location_id: int, user=None, *, municipality_id: int | None = None) -> Location:
    """The location if it is the user's municipality's (or `municipality_id`'s), or 404."""
    return get_scoped_or_404(Location, location_id, Location.municipality_id, user=user, owner_id=municipality_id,
                             options=(selectinload(Location.hours), selectinload(Location.closures)))


def upcoming_slot_counts(location_id: int, days: int = 14) -> list[tuple[date, int, int]]:
    """Per day for the next `days` days: (day, capacity, booked), for the coordinator's overview."""
    start = local_today()
    lo, _end = local_day_bounds(start)
    hi, _end2 = local_day_bounds(start + timedelta(days=days))
    rows = db.session.execute(
        select(Slot.starts_at, Slot.capacity, Slot.booked)
        .where(Slot.location_id == location_id, Slot.starts_at >= lo, Slot.starts_at < hi,
               Slot.capacity > 0)).all()  # not a closed slot kept for a cancelled appointment (slots.py)
    per_day: dict[date, list[int]] = {}
    for starts_at, capacity, booked in rows:
        totals = per_day.setdefault(starts_at.astimezone(AMSTERDAM).date(), [0, 0])
        totals[0] += capacity
        totals[1] += booked
    return [(d, c, b) for d, (c, b) in sorted(per_day.items())]


def display_phone(e164: str) -> str:
    return format_phone(e164) if e164 else ""
