"""The rules of the buddy journey. Views translate; services decide, each public function that writes
a unit of work. The inbound-SMS handler and the signal handlers add to their caller's transaction.

Matching is explainable: hard rules first (each one counts whom it removed), then a ranking whose
every position is explained in words. Distance without a map service: see `pc4_distance`.
"""
from __future__ import annotations

import calendar
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from accounts.models import Organisation, User
from accounts.policy import get_scoped_or_404
from counter.models import Outcome
from counter.services import outcome_recorded
from extensions import DomainError, clock, db, unit_of_work
from extensions.dates import local_today, sms_date_time, stored_date, when
from messaging import services as messaging
from messaging.models import InboundMessage, OutboxMessage
from messaging.phone import parse_phone
from privacy.services import record, record_list_read, register_person_finder, register_subject_persons
from referrals.checks import normalise_postcode, refuse_bsn
from referrals.letters import FALLBACK_PHONE, Letter, contact_location, register_letters, sender_values
from referrals.models import Citizen, Referral, ReferralCategory
from referrals.outreach import add_task, tell_citizen
from referrals.services import (
    FieldErrors,
    close_after_solution,
    display_phone,
    record_result,
)
from referrals.vocabulary import register_steps
from volunteers import texts  # noqa: F401  (registers the SMS texts with messaging)
from volunteers.models import (
    END_REASONS,
    SKILLS,
    SPOKEN,
    STATUSES,
    VOG_OUTCOMES,
    BuddyOffer,
    BuddyPairing,
    BuddySearch,
    BuddyVisit,
    VogCheck,
    Volunteer,
)

# The steps this context writes on the referral's shared record (the agency's line).
register_steps({
    "buddy_searching": _l("maatje (vrijwilliger) wordt gezocht"),
    "buddy_paired": _l("maatje gekoppeld"),
    "buddy_ended": _l("maatje-koppeling afgerond"),
})



def _persons_of_pairings(ids: list[int]) -> list[tuple[str, int]]:
    """A pairing is about two persons: the citizen and the volunteer (for the processing log)."""
    rows = db.session.execute(select(Referral.citizen_id, BuddyPairing.volunteer_id)
                              .join(Referral, Referral.id == BuddyPairing.referral_id)
                              .where(BuddyPairing.id.in_(ids)).order_by(BuddyPairing.id)).all()
    return [person for citizen_id, volunteer_id in rows for person in (("citizen", citizen_id),
                                                                       ("volunteer", volunteer_id))]


def _volunteers_by_phone(typed: str) -> list[tuple[str, int]]:
    try:
        e164 = parse_phone(typed).e164
    except DomainError:
        return []
    return [("volunteer", vid) for vid in db.session.execute(
        select(Volunteer.id).where(Volunteer.phone_e164 == e164).order_by(Volunteer.id)).scalars()]


# privacy, the lower layer, asks whom our records are about and finds volunteers by phone number.
register_subject_persons("buddy_pairing", _persons_of_pairings)
register_person_finder(_volunteers_by_phone)

OPEN_SEARCH = ("searching", "accepted")


def _setting(name: str, default: int) -> int:
    return int(current_app.config.get(name) or default)


def add_months(moment, months: int):
    """The same day `months` later (the last day of a shorter month): works on date and datetime."""
    month0 = moment.month - 1 + months
    year, month = moment.year + month0 // 12, month0 % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


# --- the referral's shared record ---------------------------------------------------------------------

def _mark_referral(referral: Referral, step: str, *, actor: User | None = None) -> None:
    """The one place the buddy step reaches the referral's shared record (the agency sees the line
    that referrals.services.agency_line derives). Adds to the caller's transaction."""
    record_result(referral, step=step)
    referral.updated_at = clock.now()
    if step == "buddy_ended":
        close_after_solution(referral, actor=actor, note="Maatje-koppeling afgerond")


# --- small helpers -----------------------------------------------------------------------------------

def municipality_phone(municipality_id: int) -> str:
    """The municipality's number for citizens and volunteers (its first active location's)."""
    location = contact_location(municipality_id)
    return location.phone if location else FALLBACK_PHONE


# The letters of this context (referrals.letters), printed in the citizen's language.
def _buddy_named(values: dict) -> dict:
    """The buddy's first name for a letter being printed, from the pairing in its values (the task
    keeps no copy: an erased volunteer is no longer named)."""
    pairing = db.session.get(BuddyPairing, values["pairing_id"]) if values.get("pairing_id") else None
    volunteer = db.session.get(Volunteer, pairing.volunteer_id) if pairing else None
    return {"name": volunteer.first_name if volunteer else ""}


register_letters({
    "buddy_paired": Letter(_l("U krijgt een maatje"),
                           ((_l("Goed nieuws: %(name)s wordt uw maatje."), _l("Goed nieuws: u krijgt een maatje.")),
                            _l("Het eerste bezoek is op %(when)s."),
                            (_l("%(name)s belt u vooraf."), _l("Uw maatje belt u vooraf.")),
                            _l("Vragen? Bel ons op %(phone)s.")), people=_buddy_named),
    "buddy_ended": Letter(_l("Uw maatje stopt"),
                          ((_l("Uw maatje %(name)s komt niet meer."), _l("Uw maatje komt niet meer.")),
                           _l("Vragen? Bel ons op %(phone)s.")), people=_buddy_named),
})


def _place(municipality_id: int) -> str:
    name = db.session.execute(select(Organisation.name).where(Organisation.id == municipality_id)).scalar() or ""
    return name.removeprefix("Gemeente ").strip()


def _labels(mapping: dict, codes: list[str]) -> str:
    return ", ".join(str(mapping.get(c, c)) for c in codes)


def first_name(name: str) -> str:
    return (name.split() or [""])[0]


def record_volunteer_list(ids: list[int], *, activity: str) -> None:
    record_list_read(activity, "volunteer", ids)


def record_pairing_list(ids: list[int]) -> None:
    record_list_read("buddy", "buddy_pairing", ids)


def record_referral_list(ids: list[int]) -> None:
    record_list_read("buddy", "referral", ids)


@unit_of_work()
def record_read(*, volunteer_id: int | None = None, referral_id: int | None = None, activity: str) -> None:
    """A page showed one volunteer's or one citizen's record: the processing log. Commits."""
    if volunteer_id:
        record(activity, "read", "volunteer", volunteer_id)
    if referral_id:
        record(activity, "read", "referral", referral_id)


# --- the registry --------------------------------------------------------------------------------------

@dataclass
class VolunteerInput:
    name: str = ""
    phone: str = ""
    postcode: str = ""
    language: str = "nl"
    languages: list[str] = field(default_factory=list)
    skills: list[str] = field(default_factory=list)
    weekdays: list[str] = field(default_factory=list)
    dayparts: list[str] = field(default_factory=list)
    max_buddies: int | None = 1
    notes: str = ""


def check_volunteer(data: VolunteerInput) -> dict:
    errors: dict[str, str] = {}
    name = " ".join((data.name or "").split())
    if not name:
        errors["name"] = _("Vul de naam in.")
    elif len(name) > 120:
        errors["name"] = _("Houd de naam korter dan 120 tekens.")
    phone = None
    try:
        phone = parse_phone(data.phone or "")
        if not phone.is_mobile:
            errors["phone"] = _("Vul een mobiel nummer in: vrijwilligers krijgen hun vragen per sms.")
    except DomainError as err:
        errors["phone"] = err.message
    try:
        postcode = normalise_postcode(data.postcode or "")
    except DomainError as err:
        errors["postcode"], postcode = err.message, ""
    languages = [c for c in data.languages if c in SPOKEN]
    if not languages:
        errors["languages"] = _("Kies minstens een taal die de vrijwilliger spreekt.")
    if data.language not in ("nl", "en"):
        errors["language"] = _("Kies de taal van de sms.")
    if data.max_buddies is None or not 1 <= data.max_buddies <= 10:
        errors["max_buddies"] = _("Vul een aantal van 1 tot 10 in.")
    notes = (data.notes or "").strip()
    if len(notes) > 2000:
        errors["notes"] = _("Houd de notitie korter dan 2000 tekens.")
    try:
        refuse_bsn(notes, "notes")
    except DomainError as err:
        errors.setdefault("notes", err.message)
    if errors:
        raise FieldErrors(errors)
    return dict(name=name, phone_e164=phone.e164, postcode=postcode, pc4=postcode[:4], language=data.language,
                languages=",".join(c for c in SPOKEN if c in languages),
                skills=",".join(c for c in SKILLS if c in data.skills),
                weekdays=",".join(data.weekdays), dayparts=",".join(data.dayparts),
                max_buddies=data.max_buddies, notes=notes)


def _refuse_double(municipality_id: int, phone_e164: str, volunteer_id: int | None = None) -> None:
    stmt = select(Volunteer.id).where(Volunteer.municipality_id == municipality_id,
                                      Volunteer.phone_e164 == phone_e164)
    if volunteer_id:
        stmt = stmt.where(Volunteer.id != volunteer_id)
    if db.session.execute(stmt).first():
        raise DomainError(_("Er staat al een vrijwilliger met dit nummer in uw register."), "phone")


def _send_confirm_code(volunteer: Volunteer) -> None:
    code = f"{secrets.randbelow(9000) + 1000}"
    now = clock.now()
    volunteer.confirm_code, volunteer.confirm_sent_at, volunteer.phone_confirmed_at = code, now, None
    messaging.queue_sms(to=volunteer.phone_e164, purpose="vol_confirm", language=volunteer.language,
                        values={"municipality": _municipality_name(volunteer.municipality_id), "confirm": code},
                        subject_type="volunteer", subject_id=volunteer.id,
                        dedup_key=f"volunteer:{volunteer.id}:confirm:{now.isoformat()}",
                        organisation_id=volunteer.municipality_id)


def _municipality_name(municipality_id: int) -> str:
    return db.session.execute(select(Organisation.name).where(Organisation.id == municipality_id)).scalar() or ""


@unit_of_work()
def register_volunteer(municipality_id: int, data: VolunteerInput, *, actor: User) -> Volunteer:
    """Add a volunteer (status intake) and send the code that confirms the mobile number."""
    clean = check_volunteer(data)
    _refuse_double(municipality_id, clean["phone_e164"])
    volunteer = Volunteer(municipality_id=municipality_id, status="intake", load=0, **clean)
    db.session.add(volunteer)
    db.session.flush()
    _send_confirm_code(volunteer)
    record("volunteer", "create", "volunteer", volunteer.id, actor=actor)
    return volunteer


def _refuse_erased(volunteer: Volunteer) -> None:
    """An erased volunteer is a row kept for the counts, no person: nothing of them changes again."""
    if volunteer.erased:
        raise DomainError(_("Deze vrijwilliger is gewist. Wil de persoon weer meedoen? Schrijf hem of haar "
                            "opnieuw in als nieuwe vrijwilliger."))


@unit_of_work()
def update_volunteer(volunteer: Volunteer, data: VolunteerInput, *, actor: User) -> None:
    _refuse_erased(volunteer)
    clean = check_volunteer(data)
    _refuse_double(volunteer.municipality_id, clean["phone_e164"], volunteer.id)
    if clean["max_buddies"] < volunteer.load:
        raise DomainError(ngettext("Deze vrijwilliger heeft nu %(num)s maatje; kies niet minder.",
                                   "Deze vrijwilliger heeft nu %(num)s maatjes; kies niet minder.", volunteer.load),
                          "max_buddies")
    new_number = clean["phone_e164"] != volunteer.phone_e164
    for key, value in clean.items():
        setattr(volunteer, key, value)
    if new_number:  # a new number is confirmed again before any offer
        if volunteer.status == "active":
            volunteer.status, volunteer.pause_reason = "intake", None
        _send_confirm_code(volunteer)
    record("volunteer", "update", "volunteer", volunteer.id, actor=actor)


@unit_of_work()
def resend_confirm_code(volunteer: Volunteer, *, actor: User) -> None:
    _refuse_erased(volunteer)
    if volunteer.phone_confirmed_at is not None:
        raise DomainError(_("Het nummer is al bevestigd."))
    _send_confirm_code(volunteer)
    record("volunteer", "update", "volunteer", volunteer.id, detail="code opnieuw gestuurd", actor=actor)


def vog_valid_on(volunteer: Volunteer, day: date) -> bool:
    return volunteer.vog_valid_until is not None and volunteer.vog_valid_until >= day


@unit_of_work()
def set_status(volunteer: Volunteer, status: str, *, actor: User) -> None:
    """intake, active, paused (by the coordinator) or stopped. Active needs a confirmed number and a
    valid VOG; stopping is refused while the volunteer has buddies."""
    _refuse_erased(volunteer)
    if status not in STATUSES:
        raise DomainError(_("Kies een status."), "status")
    if status == "active":
        if volunteer.phone_confirmed_at is None:
            raise DomainError(_("Het mobiele nummer is nog niet bevestigd: de vrijwilliger stuurt eerst de code "
                                "terug."), "status")
        if not vog_valid_on(volunteer, local_today()):
            raise DomainError(_("Leg eerst een geldige VOG vast."), "status")
        if messaging.is_opted_out(volunteer.phone_e164):
            raise DomainError(_("Dit nummer heeft STOP gestuurd. Vraag de vrijwilliger START te sturen."), "status")
    if status == "stopped" and volunteer.load:
        raise DomainError(_("Beëindig eerst de koppelingen van deze vrijwilliger."), "status")
    volunteer.status = status
    volunteer.pause_reason = "coordinator" if status == "paused" else None
    record("volunteer", "update", "volunteer", volunteer.id, detail=f"status {status}", actor=actor)


@unit_of_work()
def record_vog(volunteer: Volunteer, *, issued_on: date | None, outcome: str, actor: User) -> VogCheck:
    """The coordinator saw the original VOG (no copy is kept). Valid VOG_VALID_YEARS from its date."""
    _refuse_erased(volunteer)
    errors = {}
    today = local_today()
    years = _setting("VOG_VALID_YEARS", 3)
    if issued_on is None:
        errors["issued_on"] = _("Vul de datum op de VOG in.")
    elif issued_on > today:
        errors["issued_on"] = _("De datum op de VOG ligt in de toekomst.")
    elif outcome == "ok" and add_months(issued_on, 12 * years) < today:
        errors["issued_on"] = _("Deze VOG is ouder dan %(n)s jaar en dus niet meer geldig.", n=years)
    if outcome not in VOG_OUTCOMES:
        errors["outcome"] = _("Kies de uitkomst.")
    if errors:
        raise FieldErrors(errors)
    valid_until = add_months(issued_on, 12 * years) if outcome == "ok" else None
    check = VogCheck(volunteer_id=volunteer.id, checked_by_id=actor.id, checked_at=clock.now(),
                     issued_on=issued_on, outcome=outcome, valid_until=valid_until)
    db.session.add(check)
    volunteer.vog_valid_until = valid_until
    volunteer.vog_reminded_at = None
    if valid_until is None and volunteer.status == "active":
        volunteer.status, volunteer.pause_reason = "paused", "vog_expired"
    elif valid_until and volunteer.status == "paused" and volunteer.pause_reason == "vog_expired":
        volunteer.status, volunteer.pause_reason = "active", None
    record("volunteer", "update", "volunteer", volunteer.id, detail=f"VOG {outcome}", actor=actor)
    return check


def volunteers_query(municipality_id: int, status: str | None = None):
    stmt = select(Volunteer).where(Volunteer.municipality_id == municipality_id)
    if status:
        stmt = stmt.where(Volunteer.status == status)
    return stmt.order_by(Volunteer.name, Volunteer.id)


def volunteer_for_user(volunteer_id: int, user=None) -> Volunteer:
    return get_scoped_or_404(Volunteer, volunteer_id, Volunteer.municipality_id, user=user)


@dataclass
class VolunteerView:
    volunteer: Volunteer
    vog_checks: list
    offers: list
    pairings: list
    offers_90: int


def volunteer_detail(volunteer: Volunteer) -> VolunteerView:
    checks = list(db.session.execute(select(VogCheck).where(VogCheck.volunteer_id == volunteer.id)
                                     .options(selectinload(VogCheck.checked_by))
                                     .order_by(VogCheck.checked_at.desc(), VogCheck.id.desc())).scalars())
    offers = list(db.session.execute(select(BuddyOffer).where(BuddyOffer.volunteer_id == volunteer.id)
                                     .order_by(BuddyOffer.created_at.desc(), BuddyOffer.id.desc()).limit(20)).scalars())
    pairings = list(db.session.execute(select(BuddyPairing).where(BuddyPairing.volunteer_id == volunteer.id)
                                       .options(selectinload(BuddyPairing.referral))
                                       .order_by(BuddyPairing.started_at.desc())).scalars())
    return VolunteerView(volunteer, checks, offers, pairings, offers_last_90_days([volunteer.id]).get(volunteer.id, 0))


def offers_last_90_days(volunteer_ids: list[int]) -> dict[int, int]:
    if not volunteer_ids:
        return {}
    since = clock.now() - timedelta(days=90)
    rows = db.session.execute(select(BuddyOffer.volunteer_id, func.count()).where(
        BuddyOffer.volunteer_id.in_(volunteer_ids), BuddyOffer.created_at >= since).group_by(BuddyOffer.volunteer_id))
    return dict(rows.all())


# --- the waiting list (the counter's outcome "buddy") ----------------------------------------------------

@outcome_recorded.connect
def _on_outcome_recorded(referral, outcome: Outcome, actor, **_kw):
    """The counter recorded "buddy": the citizen joins the waiting list (in the counter's transaction)."""
    if outcome.solution != "buddy":
        return
    citizen_language = db.session.execute(select(Citizen.language).where(Citizen.id == referral.citizen_id)).scalar()
    db.session.add(BuddySearch(referral_id=referral.id, citizen_id=referral.citizen_id,
                               municipality_id=referral.municipality_id, status="searching",
                               language=citizen_language or "nl", planned_start=local_today() + timedelta(days=14),
                               auto_next=True, offer_open=False, created_at=clock.now()))
    _mark_referral(referral, "buddy_searching", actor=actor)


def waiting_query(municipality_id: int):
    """Citizens waiting for a buddy (searching, or a volunteer said yes), the longest waiting first."""
    return (select(BuddySearch).where(BuddySearch.municipality_id == municipality_id,
                                      BuddySearch.status.in_(OPEN_SEARCH))
            .options(selectinload(BuddySearch.citizen),
                     selectinload(BuddySearch.referral).selectinload(Referral.categories))
            .order_by(BuddySearch.created_at, BuddySearch.id))


def search_for_user(search_id: int, user=None) -> BuddySearch:
    return get_scoped_or_404(BuddySearch, search_id, BuddySearch.municipality_id, user=user,
                             options=(selectinload(BuddySearch.citizen),
                                      selectinload(BuddySearch.referral).selectinload(Referral.categories)))


def search_of_referral(referral_id: int, municipality_id: int) -> BuddySearch | None:
    return db.session.execute(select(BuddySearch).where(BuddySearch.referral_id == referral_id,
                                                        BuddySearch.municipality_id == municipality_id)).scalar()


@unit_of_work()
def update_search(search: BuddySearch, *, planned_start: date | None, language: str, auto_next: bool,
                  actor: User) -> None:
    today = local_today()
    if planned_start is None or not today <= planned_start <= today + timedelta(days=366):
        raise DomainError(_("Kies een startdatum vanaf vandaag, binnen een jaar."), "planned_start")
    if language not in SPOKEN:
        raise DomainError(_("Kies een taal."), "language")
    search.planned_start, search.language, search.auto_next = planned_start, language, auto_next
    record("buddy", "update", "referral", search.referral_id, detail="zoekinstellingen", actor=actor)


# --- matching --------------------------------------------------------------------------------------------

# Question categories of the referral -> the skills that fit them.
CATEGORY_SKILLS = {
    "digid_apply": "digid", "digid_activate": "digid", "digid_app": "digid", "digid_recovery": "digid",
    "machtigen": "digid", "berichtenbox": "berichtenbox", "aangifte": "aangifte", "toeslagen": "toeslagen",
    "aow": "toeslagen", "kinderbijslag": "toeslagen", "svb_other": "toeslagen", "other": "paperwork",
}

# Hard rules, in the order they are applied: (code, label, may the coordinator relax it?).
HARD_RULES = [
    ("municipality", _l("Vrijwilliger van uw gemeente"), False),
    ("active", _l("Actief (niet in intake, gepauzeerd of gestopt)"), False),
    ("confirmed", _l("Mobiel nummer bevestigd"), False),
    ("vog", _l("VOG geldig op de geplande start"), True),
    ("capacity", _l("Heeft nog ruimte (onder het maximum aantal maatjes)"), False),
    ("declined", _l("Zei niet eerder nee tegen deze inwoner"), True),
    ("sms", _l("Niet afgemeld voor sms (STOP)"), False),
    ("asked", _l("Is voor deze inwoner nog niet gevraagd (of antwoordde niet op tijd)"), True),
]
RELAXABLE = {code for code, _label, relax in HARD_RULES if relax}
RELAX_LABELS = {"vog": _l("Laat ook vrijwilligers zien van wie de VOG vandaag geldig is, maar niet meer op de "
                          "geplande start"),
                "declined": _l("Laat ook vrijwilligers zien die eerder nee zeiden tegen deze inwoner"),
                "asked": _l("Laat ook vrijwilligers zien die al gevraagd zijn maar niet op tijd antwoordden")}


def needed_skills(referral: Referral) -> list[str]:
    codes = db.session.execute(select(ReferralCategory.code).where(ReferralCategory.referral_id == referral.id)).scalars()
    wanted = {CATEGORY_SKILLS.get(c, "paperwork") for c in codes} or {"paperwork"}
    return [c for c in SKILLS if c in wanted]


def pc4_distance(a: str, b: str) -> tuple[int, int]:
    """(band, difference) between two PC4 areas, without a map service.

    Dutch postcodes were handed out along the routes of the postal service: the first two digits
    name a region (35.. is Utrecht and surroundings), the third a part of it, and numbers close to
    each other are mostly neighbours. So the shared prefix gives an honest, coarse band: 0 the same
    area, 1 the same first three digits (neighbouring areas), 2 the same region, 3 farther away. The
    numeric difference only breaks ties within a band. It is never shown as kilometres."""
    if not (a.isdecimal() and b.isdecimal()):
        return 3, 9999
    diff = abs(int(a) - int(b))
    if a == b:
        return 0, 0
    if a[:3] == b[:3]:
        return 1, diff
    if a[:2] == b[:2]:
        return 2, diff
    return 3, diff


def _distance_words(band: int, a: str, b: str) -> str:
    if band == 0:
        return _("zelfde postcodegebied (%(pc)s)", pc=a)
    if band == 1:
        return _("dichtbij: %(a)s en %(b)s liggen naast elkaar", a=a, b=b)
    if band == 2:
        return _("zelfde regio: %(a)s en %(b)s", a=a, b=b)
    return _("verder weg: %(a)s en %(b)s", a=a, b=b)


@dataclass
class Candidate:
    volunteer: Volunteer
    key: tuple
    reasons: list[str]
    above_next: str = ""  # why this one ranks above the next, in words
    offers_90: int = 0


@dataclass
class Match:
    ranked: list[Candidate]
    removed: list[tuple[str, object, int, bool]]  # (code, label, how many removed, may be relaxed)
    relax: frozenset
    considered: int

    @property
    def relaxable(self) -> list[tuple[str, object, int]]:
        return [(code, RELAX_LABELS[code], n) for code, _label, n, can in self.removed
                if can and n and code not in self.relax]


def _rule_failed(v: Volunteer, search: BuddySearch, *, today: date, declined: set[int], asked: set[int],
                 pending: set[int], opted_out: set[str], relax: frozenset) -> str | None:
    if v.municipality_id != search.municipality_id:
        return "municipality"
    if v.status != "active":
        return "active"
    if v.phone_confirmed_at is None:
        return "confirmed"
    if not vog_valid_on(v, today if "vog" in relax else max(today, search.planned_start)):
        return "vog"
    if v.load >= v.max_buddies:
        return "capacity"
    if v.id in declined and "declined" not in relax:
        return "declined"
    if v.phone_e164 in opted_out:
        return "sms"
    if v.id in asked and ("asked" not in relax or v.id in pending):
        return "asked"
    return None


def match(search: BuddySearch, relax=frozenset()) -> Match:
    """The hard rules, then the ranking with reasons. Only this municipality's volunteers are read."""
    relax = frozenset(r for r in relax if r in RELAXABLE)
    today = local_today()
    referral = db.session.get(Referral, search.referral_id)
    citizen = db.session.get(Citizen, search.citizen_id)
    volunteers = list(db.session.execute(select(Volunteer).where(
        Volunteer.municipality_id == search.municipality_id, Volunteer.status != "stopped")
        .order_by(Volunteer.id)).scalars())
    offers = db.session.execute(select(BuddyOffer.volunteer_id, BuddyOffer.status).where(
        BuddyOffer.search_id == search.id)).all()
    declined = {vid for vid, status in offers if status in ("declined", "cancelled")}
    asked = {vid for vid, status in offers if status in ("open", "accepted", "timed_out", "withdrawn", "too_late")}
    pending = {vid for vid, status in offers if status in ("open", "accepted")}
    opted_out = messaging.opted_out_numbers([v.phone_e164 for v in volunteers])
    counts = {code: 0 for code, *_rest in HARD_RULES}
    passed = []
    for v in volunteers:
        failed = _rule_failed(v, search, today=today, declined=declined, asked=asked, pending=pending,
                              opted_out=opted_out, relax=relax)
        if failed:
            counts[failed] += 1
        else:
            passed.append(v)
    need = needed_skills(referral)
    language_label = SPOKEN.get(search.language, search.language)
    citizen_pc4 = (citizen.postcode or "")[:4]
    offers90 = offers_last_90_days([v.id for v in passed])
    ranked = []
    for v in passed:
        speaks = search.language in v.language_codes
        band, diff = pc4_distance(citizen_pc4, v.pc4)
        fits = [c for c in need if c in v.skill_codes]
        general = not fits and "paperwork" in v.skill_codes
        last = v.last_offered_at
        key = (0 if speaks else 1, band, -len(fits) - (0.5 if general else 0), v.load,
               last.timestamp() if last else 0.0, diff, v.id)
        reasons = [
            _("spreekt %(language)s", language=language_label) if speaks
            else _("spreekt geen %(language)s", language=language_label),
            _distance_words(band, citizen_pc4, v.pc4),
            _("past bij de vraag: %(skills)s", skills=_labels(SKILLS, fits)) if fits
            else (_("helpt met papieren in het algemeen") if general
                  else _("geen van de gevraagde onderwerpen (%(skills)s)", skills=_labels(SKILLS, need))),
            _("heeft nu %(load)s van %(max)s maatjes", load=v.load, max=v.max_buddies),
            _("laatste aanbod: %(when)s", when=when(last, "date") if last else _("nog nooit")),
        ]
        ranked.append(Candidate(v, key, reasons, offers_90=offers90.get(v.id, 0)))
    ranked.sort(key=lambda c: c.key)
    for upper, lower in zip(ranked, ranked[1:], strict=False):
        upper.above_next = _why_above(upper.key, lower.key, lower.volunteer.first_name)
    removed = [(code, label, counts[code], can) for code, label, can in HARD_RULES]
    return Match(ranked, removed, relax, len(volunteers))


def _why_above(a: tuple, b: tuple, other: str) -> str:
    words = [
        _("spreekt de taal van de inwoner, %(name)s niet", name=other),
        _("woont dichterbij dan %(name)s", name=other),
        _("past beter bij de vraag dan %(name)s", name=other),
        _("heeft minder maatjes dan %(name)s", name=other),
        _("kreeg langer geleden een aanbod dan %(name)s (eerlijke verdeling)", name=other),
        _("postcodenummer ligt iets dichterbij dan bij %(name)s", name=other),
        _("gelijk met %(name)s; eerder aangemeld", name=other),
    ]
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return words[i]
    return words[-1]


# --- offers ------------------------------------------------------------------------------------------------

def _new_code(phone_e164: str) -> str:
    used = set(db.session.execute(select(BuddyOffer.code).where(BuddyOffer.phone_e164 == phone_e164)).scalars())
    digits = 3 if len(used) < 600 else 4
    while True:
        code = str(secrets.randbelow(9 * 10 ** (digits - 1)) + 10 ** (digits - 1))
        if code not in used:
            return code


@unit_of_work()
def send_offer(search: BuddySearch, volunteer_id: int, *, actor: User | None, relax=frozenset()) -> BuddyOffer:
    """Offer this citizen to one volunteer by SMS (no name, address or phone of the citizen: the
    area and the kind of help). One open offer per citizen: the search's `offer_open` is claimed."""
    result = match(search, relax)
    chosen = next((c for c in result.ranked if c.volunteer.id == volunteer_id), None)
    if chosen is None:
        raise DomainError(_("Deze vrijwilliger voldoet niet (meer) aan de regels voor deze inwoner."))
    claimed = db.session.execute(
        update(BuddySearch).where(BuddySearch.id == search.id, BuddySearch.status == "searching",
                                  BuddySearch.offer_open.is_(False))
        .values(offer_open=True).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise DomainError(_("Er staat al een aanbod open voor deze inwoner, of er is al een maatje. Wacht op het "
                            "antwoord."))
    volunteer = chosen.volunteer
    now = clock.now()
    hours = _setting("BUDDY_OFFER_HOURS", 48)
    position = result.ranked.index(chosen) + 1
    with force_locale("nl"):
        reason = f"Plek {position}: " + "; ".join(str(r) for r in chosen.reasons)
    offer = BuddyOffer(search_id=search.id, volunteer_id=volunteer.id, municipality_id=search.municipality_id,
                       phone_e164=volunteer.phone_e164, code=_new_code(volunteer.phone_e164), status="open",
                       reason=reason[:300], sent_by_id=actor.id if actor else None, created_at=now,
                       expires_at=messaging.next_allowed_send(now) + timedelta(hours=hours))
    db.session.add(offer)
    db.session.flush()
    referral = db.session.get(Referral, search.referral_id)
    citizen = db.session.get(Citizen, search.citizen_id)
    with force_locale(volunteer.language):
        help_text = " en ".join(str(SKILLS[c]) for c in needed_skills(referral)[:3])
    messaging.queue_sms(to=volunteer.phone_e164, purpose="vol_offer", language=volunteer.language,
                        values={"area": f"{citizen.postcode[:4]} ({_place(search.municipality_id)})",
                                "help": help_text, "code": offer.code},
                        subject_type="buddy_offer", subject_id=offer.id, dedup_key=f"buddy_offer:{offer.id}",
                        organisation_id=search.municipality_id, expires_at=offer.expires_at)
    db.session.execute(update(Volunteer).where(Volunteer.id == volunteer.id).values(last_offered_at=now)
                       .execution_options(synchronize_session="fetch"))
    record("buddy", "update", "volunteer", volunteer.id, detail=f"aanbod {offer.code} (zonder "
           f"gegevens van de inwoner)", actor=actor)
    return offer


def _offer_next(search_id: int) -> BuddyOffer | None:
    """When a volunteer says no or does not answer: the next one, automatically (if the coordinator
    left that on). Adds to the caller's transaction."""
    search = db.session.get(BuddySearch, search_id)
    db.session.refresh(search)
    if not search.auto_next or search.status != "searching" or search.offer_open:
        return None
    result = match(search)
    if not result.ranked:
        return None
    try:
        return send_offer(search, result.ranked[0].volunteer.id, actor=None)
    except DomainError:
        return None


def _close_offer(offer_id: int, status: str, from_statuses=("open",)) -> bool:
    """Move an offer out of `from_statuses`; an open one frees the citizen for the next offer."""
    now = clock.now()
    done = db.session.execute(update(BuddyOffer).where(BuddyOffer.id == offer_id,
                                                       BuddyOffer.status.in_(from_statuses))
                              .values(status=status, answered_at=now).execution_options(synchronize_session="fetch"))
    if done.rowcount != 1:
        return False
    if "open" in from_statuses:
        search_id = db.session.execute(select(BuddyOffer.search_id).where(BuddyOffer.id == offer_id)).scalar()
        db.session.execute(update(BuddySearch).where(BuddySearch.id == search_id, BuddySearch.status == "searching")
                           .values(offer_open=False).execution_options(synchronize_session="fetch"))
    return True


@dataclass
class OfferRow:
    offer: BuddyOffer
    sms_status: str | None
    delivered_at: datetime | None


def offers_of_search(search: BuddySearch) -> list[OfferRow]:
    offers = list(db.session.execute(select(BuddyOffer).where(BuddyOffer.search_id == search.id)
                                     .options(selectinload(BuddyOffer.volunteer))
                                     .order_by(BuddyOffer.created_at, BuddyOffer.id)).scalars())
    keys = [f"buddy_offer:{o.id}" for o in offers]
    sms = {m.dedup_key: m for m in db.session.execute(
        select(OutboxMessage).where(OutboxMessage.dedup_key.in_(keys))).scalars()} if keys else {}
    return [OfferRow(o, getattr(sms.get(f"buddy_offer:{o.id}"), "status", None),
                     getattr(sms.get(f"buddy_offer:{o.id}"), "delivered_at", None)) for o in offers]


@unit_of_work()
def expire_offers(batch: int = 200) -> int:
    """Scheduler job: offers without an answer in time time out, and the next volunteer is asked.
    Each offer is claimed by a conditional UPDATE, so two schedulers time it out (and move on) once."""
    ids = list(db.session.execute(select(BuddyOffer.id).where(BuddyOffer.status == "open",
                                                              BuddyOffer.expires_at <= clock.now())
                                  .order_by(BuddyOffer.expires_at).limit(batch)).scalars())
    done = 0
    for offer_id in ids:
        if _close_offer(offer_id, "timed_out"):
            done += 1
            _offer_next(db.session.get(BuddyOffer, offer_id).search_id)
    return done


# --- pairing ------------------------------------------------------------------------------------------------

@unit_of_work()
def confirm_pairing(search: BuddySearch, *, first_visit_at: datetime | None, actor: User) -> BuddyPairing:
    """The coordinator confirms the volunteer who said yes. Only now the volunteer gets the citizen's
    first name, phone and the first visit; the citizen is told by their own channel."""
    now = clock.now()
    if first_visit_at is None or not now < first_visit_at <= now + timedelta(days=92):
        raise DomainError(_("Kies een eerste bezoek in de komende drie maanden."), "first_visit")
    if search.status != "accepted" or not search.accepted_offer_id:
        raise DomainError(_("Er is geen vrijwilliger die ja zei om te bevestigen."))
    claimed = db.session.execute(update(BuddySearch).where(BuddySearch.id == search.id,
                                                           BuddySearch.status == "accepted")
                                 .values(status="paired").execution_options(synchronize_session="fetch"))
    if claimed.rowcount != 1:
        raise DomainError(_("Deze koppeling is al bevestigd."))
    offer = db.session.get(BuddyOffer, search.accepted_offer_id)
    offer.status = "confirmed"
    volunteer = db.session.get(Volunteer, offer.volunteer_id)
    referral = db.session.get(Referral, search.referral_id)
    citizen = db.session.get(Citizen, search.citizen_id)
    pairing = BuddyPairing(search_id=search.id, offer_id=offer.id, referral_id=referral.id,
                           volunteer_id=volunteer.id, municipality_id=search.municipality_id,
                           phone_e164=volunteer.phone_e164, code=offer.code, status="active",
                           first_visit_at=first_visit_at, started_at=now, confirmed_by_id=actor.id,
                           max_until=add_months(now, 12), extended=False,
                           next_reminder_at=add_months(first_visit_at, 1), missed_checkins=0, evaluations_due=0)
    db.session.add(pairing)
    db.session.flush()
    phone = municipality_phone(search.municipality_id)
    messaging.queue_sms(to=volunteer.phone_e164, purpose="vol_paired", language=volunteer.language,
                        values={"name": first_name(citizen.name), "phone": display_phone(citizen.phone_e164),
                                "code": pairing.code, **sms_date_time(first_visit_at, volunteer.language)},
                        subject_type="buddy_pairing", subject_id=pairing.id,
                        dedup_key=f"buddy_pairing:{pairing.id}:paired", organisation_id=search.municipality_id)
    visit = sms_date_time(first_visit_at, "nl")
    tell_citizen(citizen, purpose="buddy_paired_citizen",
                 values={"name": volunteer.first_name, "phone": phone,
                         **sms_date_time(first_visit_at, citizen.language)},
                 subject_type="buddy_pairing", subject_id=pairing.id,
                 dedup_key=f"buddy_pairing:{pairing.id}:citizen", municipality_id=search.municipality_id,
                 referral_id=referral.id, reason="other",
                 task_text=f"Bel de inwoner: er is een maatje gekoppeld; eerste bezoek {visit['date']} om "
                           f"{visit['time']}. Naam en telefoon van het maatje staan bij de koppeling.",
                 letter="buddy_paired", letter_values=sender_values(
                     search.municipality_id, pairing_id=pairing.id, at=first_visit_at.isoformat()))
    _mark_referral(referral, "buddy_paired", actor=actor)
    record("buddy", "update", "citizen", referral.citizen_id,
           detail=f"voornaam en telefoon naar vrijwilliger {volunteer.id}", actor=actor)
    return pairing


@unit_of_work()
def reopen_search(search: BuddySearch, *, actor: User) -> None:
    """The coordinator does not pair the volunteer who said yes: the search goes on."""
    offer_id = search.accepted_offer_id
    done = db.session.execute(update(BuddySearch).where(BuddySearch.id == search.id,
                                                        BuddySearch.status == "accepted")
                              .values(status="searching", accepted_offer_id=None, offer_open=False)
                              .execution_options(synchronize_session="fetch"))
    if done.rowcount != 1 or not offer_id:
        raise DomainError(_("Er is geen vrijwilliger die ja zei."))
    offer = db.session.get(BuddyOffer, offer_id)
    offer.status = "cancelled"
    _release(offer.volunteer_id)
    record("buddy", "update", "referral", search.referral_id, detail="niet gekoppeld", actor=actor)


def _release(volunteer_id: int) -> None:
    db.session.execute(update(Volunteer).where(Volunteer.id == volunteer_id, Volunteer.load > 0)
                       .values(load=Volunteer.load - 1).execution_options(synchronize_session="fetch"))


def pairings_query(municipality_id: int, *, active: bool = True):
    stmt = select(BuddyPairing).where(BuddyPairing.municipality_id == municipality_id,
                                      BuddyPairing.status == ("active" if active else "ended"))
    return (stmt.options(selectinload(BuddyPairing.volunteer), selectinload(BuddyPairing.referral))
            .order_by(BuddyPairing.started_at, BuddyPairing.id))


def attention_list(municipality_id: int) -> list[BuddyPairing]:
    """Active pairings that need the coordinator: two missed check-ins, HULP, or the maximum duration."""
    return list(db.session.execute(
        pairings_query(municipality_id).where(
            (BuddyPairing.missed_checkins >= 2) | BuddyPairing.help_asked_at.is_not(None)
            | BuddyPairing.max_flagged_at.is_not(None))).scalars())


def pairing_for_user(pairing_id: int, user=None) -> BuddyPairing:
    return get_scoped_or_404(BuddyPairing, pairing_id, BuddyPairing.municipality_id, user=user,
                             options=(selectinload(BuddyPairing.volunteer), selectinload(BuddyPairing.referral)))


def visits_of(pairing: BuddyPairing) -> list[BuddyVisit]:
    return list(db.session.execute(select(BuddyVisit).where(BuddyVisit.pairing_id == pairing.id)
                                   .order_by(BuddyVisit.reported_at.desc())).scalars())


@unit_of_work()
def handled_attention(pairing: BuddyPairing, *, actor: User) -> None:
    pairing.help_asked_at, pairing.missed_checkins = None, 0
    record("buddy", "update", "referral", pairing.referral_id, detail="aandacht afgehandeld",
           actor=actor)


@unit_of_work()
def extend_pairing(pairing: BuddyPairing, *, actor: User) -> None:
    if pairing.status != "active":
        raise DomainError(_("Deze koppeling is al beëindigd."))
    if pairing.extended:
        raise DomainError(_("Deze koppeling is al een keer verlengd."))
    pairing.max_until, pairing.extended, pairing.max_flagged_at = add_months(pairing.max_until, 12), True, None
    record("buddy", "update", "referral", pairing.referral_id, detail="verlengd", actor=actor)


@unit_of_work()
def end_pairing(pairing: BuddyPairing, *, reason: str, actor: User) -> None:
    """End with a reason; the volunteer and the citizen are told; the referral gets its closing result."""
    if reason not in END_REASONS:
        raise DomainError(_("Kies een reden."), "reason")
    now = clock.now()
    done = db.session.execute(update(BuddyPairing).where(BuddyPairing.id == pairing.id,
                                                         BuddyPairing.status == "active")
                              .values(status="ended", ended_at=now, end_reason=reason)
                              .execution_options(synchronize_session="fetch"))
    if done.rowcount != 1:
        raise DomainError(_("Deze koppeling is al beëindigd."))
    _release(pairing.volunteer_id)
    db.session.execute(update(BuddySearch).where(BuddySearch.id == pairing.search_id).values(status="ended")
                       .execution_options(synchronize_session="fetch"))
    volunteer = db.session.get(Volunteer, pairing.volunteer_id)
    referral = db.session.get(Referral, pairing.referral_id)
    citizen = db.session.get(Citizen, referral.citizen_id)
    phone = municipality_phone(pairing.municipality_id)
    messaging.withdraw("buddy_pairing", pairing.id, purposes=["vol_visit_reminder"])
    messaging.queue_sms(to=volunteer.phone_e164, purpose="vol_ended", language=volunteer.language,
                        values={"name": first_name(citizen.name), "phone": phone},
                        subject_type="buddy_pairing", subject_id=pairing.id,
                        dedup_key=f"buddy_pairing:{pairing.id}:ended", organisation_id=pairing.municipality_id)
    tell_citizen(citizen, purpose="buddy_ended_citizen", values={"name": volunteer.first_name, "phone": phone},
                 subject_type="buddy_pairing", subject_id=pairing.id,
                 dedup_key=f"buddy_pairing:{pairing.id}:ended:citizen", municipality_id=pairing.municipality_id,
                 referral_id=referral.id, reason="other",
                 task_text="Bel de inwoner: de koppeling met het maatje is beëindigd.",
                 letter="buddy_ended", letter_values=sender_values(pairing.municipality_id, pairing_id=pairing.id))
    _mark_referral(referral, "buddy_ended", actor=actor)
    record("buddy", "update", "citizen", referral.citizen_id, detail=f"reden {reason}", actor=actor)


# --- scheduler jobs -------------------------------------------------------------------------------------------

def _task(municipality_id: int, referral_id: int | None, text: str, dedup_key: str | None) -> None:
    add_task(municipality_id=municipality_id, referral_id=referral_id, kind="call", reason="other",
             description=text, dedup_key=dedup_key)


@unit_of_work()
def vog_reminders_and_expiry() -> tuple[int, int]:
    """8 weeks before a VOG expires: an SMS to the volunteer and a task for the coordinator (claimed
    per volunteer). An expired VOG pauses the volunteer (one conditional UPDATE)."""
    today = local_today()
    soon = today + timedelta(weeks=8)
    due = db.session.execute(select(Volunteer.id).where(
        Volunteer.status.in_(("intake", "active", "paused")), Volunteer.vog_valid_until.is_not(None),
        Volunteer.vog_valid_until <= soon, Volunteer.vog_valid_until >= today,
        Volunteer.vog_reminded_at.is_(None)).limit(500)).scalars().all()
    reminded = 0
    for volunteer_id in due:
        claimed = db.session.execute(update(Volunteer).where(Volunteer.id == volunteer_id,
                                                             Volunteer.vog_reminded_at.is_(None))
                                     .values(vog_reminded_at=clock.now(), updated_at=Volunteer.updated_at)
                                     .execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            continue
        v = db.session.get(Volunteer, volunteer_id)
        key = f"volunteer:{v.id}:vog:{v.vog_valid_until.isoformat()}"
        messaging.queue_sms(to=v.phone_e164, purpose="vol_vog_reminder", language=v.language,
                            values={"date": stored_date(v.vog_valid_until, v.language)},
                            subject_type="volunteer", subject_id=v.id, dedup_key=key,
                            organisation_id=v.municipality_id)
        _task(v.municipality_id, None, f"De VOG van vrijwilliger nummer {v.id} verloopt op "
              f"{stored_date(v.vog_valid_until)}. Vraag om een nieuwe VOG en leg die vast.", key)
        reminded += 1
    paused = db.session.execute(update(Volunteer).where(
        Volunteer.status == "active",
        (Volunteer.vog_valid_until.is_(None)) | (Volunteer.vog_valid_until < today))
        .values(status="paused", pause_reason="vog_expired").execution_options(synchronize_session=False)).rowcount
    return reminded, paused


@unit_of_work()
def monthly_reminders(batch: int = 500) -> int:
    """Once a month per pairing: a reminder to the volunteer; a month without KLAAR counts as a missed
    check-in (two in a row: the attention list). Claimed by moving next_reminder_at conditionally."""
    now = clock.now()
    rows = db.session.execute(select(BuddyPairing.id, BuddyPairing.next_reminder_at).where(
        BuddyPairing.status == "active", BuddyPairing.next_reminder_at <= now)
        .order_by(BuddyPairing.next_reminder_at).limit(batch)).all()
    sent = 0
    for pairing_id, due_at in rows:
        pairing = db.session.get(BuddyPairing, pairing_id)
        period_start = add_months(due_at, -1)
        visited = pairing.last_visit_at is not None and pairing.last_visit_at > period_start
        following = add_months(due_at, 1)
        while following <= now:  # a scheduler that was off for months sends one reminder, not a backlog
            following = add_months(following, 1)
        claimed = db.session.execute(update(BuddyPairing).where(BuddyPairing.id == pairing_id,
                                                                BuddyPairing.next_reminder_at == due_at)
                                     .values(next_reminder_at=following,
                                             missed_checkins=0 if visited else BuddyPairing.missed_checkins + 1)
                                     .execution_options(synchronize_session="fetch"))
        if claimed.rowcount != 1:
            continue
        volunteer = db.session.get(Volunteer, pairing.volunteer_id)
        citizen_name = db.session.execute(select(Citizen.name).join(Referral, Referral.citizen_id == Citizen.id)
                                          .where(Referral.id == pairing.referral_id)).scalar()
        messaging.queue_sms(to=volunteer.phone_e164, purpose="vol_visit_reminder", language=volunteer.language,
                            values={"name": first_name(citizen_name), "code": pairing.code},
                            subject_type="buddy_pairing", subject_id=pairing.id,
                            dedup_key=f"buddy_pairing:{pairing.id}:reminder:{due_at.date().isoformat()}",
                            organisation_id=pairing.municipality_id)
        sent += 1
    return sent


EVALUATION_MONTHS = (2, 6, 12)


@unit_of_work()
def evaluation_tasks_and_max_duration() -> int:
    """Evaluations at 2, 6 and 12 months as tasks for the coordinator (each claimed by raising
    `evaluations_due` conditionally; the task's dedup key makes it once), and the flag at the
    maximum duration."""
    now = clock.now()
    added = 0
    rows = db.session.execute(select(BuddyPairing).where(BuddyPairing.status == "active",
                                                         BuddyPairing.evaluations_due < len(EVALUATION_MONTHS))
                              .options(selectinload(BuddyPairing.volunteer))).scalars().all()
    for pairing in rows:
        n = pairing.evaluations_due
        while n < len(EVALUATION_MONTHS) and add_months(pairing.started_at, EVALUATION_MONTHS[n]) <= now:
            claimed = db.session.execute(update(BuddyPairing).where(BuddyPairing.id == pairing.id,
                                                                    BuddyPairing.evaluations_due == n)
                                         .values(evaluations_due=n + 1).execution_options(synchronize_session=False))
            if claimed.rowcount != 1:
                break
            months = EVALUATION_MONTHS[n]
            _task(pairing.municipality_id, pairing.referral_id,
                  f"Evaluatie maatje-koppeling {pairing.code} na {months} maanden: bel de inwoner en vrijwilliger "
                  f"nummer {pairing.volunteer_id}.", f"buddy_pairing:{pairing.id}:evaluation:{months}")
            added += 1
            n += 1
    flagged = db.session.execute(select(BuddyPairing.id, BuddyPairing.municipality_id, BuddyPairing.referral_id,
                                        BuddyPairing.code).where(
        BuddyPairing.status == "active", BuddyPairing.max_until <= now, BuddyPairing.max_flagged_at.is_(None))).all()
    for pairing_id, municipality_id, referral_id, code in flagged:
        claimed = db.session.execute(update(BuddyPairing).where(BuddyPairing.id == pairing_id,
                                                                BuddyPairing.max_flagged_at.is_(None))
                                     .values(max_flagged_at=now).execution_options(synchronize_session=False))
        if claimed.rowcount == 1:
            _task(municipality_id, referral_id, f"Maatje-koppeling {code} heeft de maximale duur bereikt: "
                  f"beëindig of verleng (een keer).", f"buddy_pairing:{pairing_id}:max:{now.date().isoformat()}")
    return added


# --- inbound SMS ---------------------------------------------------------------------------------------------

WORDS = {"JA": "JA", "YES": "JA", "NEE": "NEE", "NO": "NEE", "KLAAR": "KLAAR", "DONE": "KLAAR",
         "HULP": "HULP", "HELP": "HULP"}


def _open_conversation(volunteer_ids: list[int]) -> bool:
    if not volunteer_ids:
        return False
    recent = clock.now() - timedelta(days=30)
    offers = db.session.execute(select(BuddyOffer.id).where(
        BuddyOffer.volunteer_id.in_(volunteer_ids),
        (BuddyOffer.status.in_(("open", "accepted"))) | (BuddyOffer.created_at >= recent)).limit(1)).first()
    pairings = db.session.execute(select(BuddyPairing.id).where(
        BuddyPairing.volunteer_id.in_(volunteer_ids), BuddyPairing.status == "active").limit(1)).first()
    pending = db.session.execute(select(Volunteer.id).where(
        Volunteer.id.in_(volunteer_ids), Volunteer.confirm_code.is_not(None)).limit(1)).first()
    return bool(offers or pairings or pending)


def _reply(purpose: str, language: str, **values) -> str:
    from messaging.sms_texts import render
    return render(purpose, language, values)


def handle_inbound_sms(sender: str, body: str) -> str | None:
    """Registered with messaging (after STOP/START and the citizen's AFZEGGEN). A number that belongs
    to a volunteer: JA/NEE with the offer's code, KLAAR/HULP with the pairing's code, the 4-digit code
    that confirms the number; other text in an open conversation gets one helpful answer. Anything
    else is not ours (None). Adds to messaging's transaction; never commits."""
    volunteers = list(db.session.execute(select(Volunteer).where(Volunteer.phone_e164 == sender)
                                         .order_by(Volunteer.id)).scalars())
    if not volunteers:
        return None
    words = re.findall(r"[^\W_]+", (body or "").upper())
    language = volunteers[0].language
    phone = municipality_phone(volunteers[0].municipality_id)
    word = WORDS.get(words[0]) if words else None
    code = words[1] if len(words) > 1 and words[1].isdecimal() else None
    digits = words[-1] if words and words[-1].isdecimal() and len(words[-1]) == 4 and len(words) <= 2 else None
    if word is None and digits and (len(words) == 1 or words[0] == "CODE"):
        for v in volunteers:
            if v.confirm_code == digits:
                v.confirm_code, v.phone_confirmed_at = None, clock.now()
                return _reply("vol_confirmed", v.language)
    if word in ("JA", "NEE"):
        return _answer_offer(sender, word, code, language, phone)
    if word in ("KLAAR", "HULP"):
        return _pairing_message(sender, word, code, words, language, phone)
    if not _open_conversation([v.id for v in volunteers]):
        return None
    if _answered_help_recently(sender):
        return ""  # handled, but no second explanation within the hour (no ping-pong with a machine)
    example = db.session.execute(select(BuddyOffer.code).where(BuddyOffer.phone_e164 == sender)
                                 .order_by(BuddyOffer.created_at.desc(), BuddyOffer.id.desc()).limit(1)).scalar() or "123"
    return _reply("vol_help_text", language, code=example, phone=phone)


def _answered_help_recently(sender: str) -> bool:
    since = clock.now() - timedelta(hours=1)
    return db.session.execute(select(InboundMessage.id).where(
        InboundMessage.from_e164 == sender, InboundMessage.received_at >= since,
        InboundMessage.handled_by.like("%volunteers%"), InboundMessage.reply.like("%JA %NEE %KLAAR%")).limit(1)
    ).first() is not None


def _answer_offer(sender: str, word: str, code: str | None, language: str, phone: str) -> str:
    if code:
        offer = db.session.execute(select(BuddyOffer).where(BuddyOffer.phone_e164 == sender,
                                                            BuddyOffer.code == code)).scalar()
        if offer is None:
            return _reply("vol_no_offer", language, phone=phone)
    else:
        open_offers = list(db.session.execute(select(BuddyOffer).where(
            BuddyOffer.phone_e164 == sender, BuddyOffer.status == "open")
            .order_by(BuddyOffer.created_at, BuddyOffer.id)).scalars())
        if not open_offers:
            return _reply("vol_no_offer", language, phone=phone)
        if len(open_offers) > 1:
            codes = ", ".join(o.code for o in open_offers[:3])
            return _reply("vol_which", language, codes=codes, code=open_offers[0].code)
        offer = open_offers[0]
    volunteer = db.session.get(Volunteer, offer.volunteer_id)
    language = volunteer.language
    if word == "NEE":
        return _decline(offer, language, phone)
    return _accept(offer, volunteer, language)


def _accept(offer: BuddyOffer, volunteer: Volunteer, language: str) -> str:
    """JA: the first JA for a citizen wins (conditional UPDATE of the search), within the
    volunteer's maximum (conditional UPDATE of the load). Later ones: "al geregeld"."""
    if offer.status in ("accepted", "confirmed"):
        return _reply("vol_accepted", language, code=offer.code)
    if offer.status not in ("open", "timed_out", "declined"):
        return _reply("vol_too_late", language, code=offer.code)
    reserved = db.session.execute(update(Volunteer).where(Volunteer.id == volunteer.id, Volunteer.status == "active",
                                                          Volunteer.load < Volunteer.max_buddies)
                                  .values(load=Volunteer.load + 1).execution_options(synchronize_session="fetch"))
    if reserved.rowcount != 1:
        if _close_offer(offer.id, "declined"):
            _offer_next(offer.search_id)
        return _reply("vol_full" if volunteer.status == "active" else "vol_too_late", language, code=offer.code)
    won = db.session.execute(update(BuddySearch).where(BuddySearch.id == offer.search_id,
                                                       BuddySearch.status == "searching")
                             .values(status="accepted", accepted_offer_id=offer.id, offer_open=False)
                             .execution_options(synchronize_session="fetch"))
    if won.rowcount != 1:
        _release(volunteer.id)
        _close_offer(offer.id, "too_late", ("open", "timed_out", "declined"))
        return _reply("vol_too_late", language, code=offer.code)
    db.session.execute(update(BuddyOffer).where(BuddyOffer.id == offer.id)
                       .values(status="accepted", answered_at=clock.now()).execution_options(synchronize_session="fetch"))
    # Another volunteer's offer for the same citizen that is still open: withdrawn, and told so.
    others = db.session.execute(select(BuddyOffer).where(BuddyOffer.search_id == offer.search_id,
                                                         BuddyOffer.id != offer.id,
                                                         BuddyOffer.status == "open")).scalars().all()
    for other in others:
        if _close_offer(other.id, "withdrawn") and not messaging.withdraw("buddy_offer", other.id):
            other_volunteer = db.session.get(Volunteer, other.volunteer_id)
            messaging.queue_sms(to=other.phone_e164, purpose="vol_too_late", language=other_volunteer.language,
                                values={"code": other.code}, subject_type="buddy_offer", subject_id=other.id,
                                dedup_key=f"buddy_offer:{other.id}:withdrawn", organisation_id=other.municipality_id)
    return _reply("vol_accepted", language, code=offer.code)


def _decline(offer: BuddyOffer, language: str, phone: str) -> str:
    if offer.status == "open":
        if _close_offer(offer.id, "declined"):
            _offer_next(offer.search_id)
    elif offer.status == "timed_out":
        _close_offer(offer.id, "declined", ("timed_out",))
    elif offer.status == "accepted":  # changed their mind before the coordinator confirmed
        back = db.session.execute(update(BuddySearch).where(BuddySearch.id == offer.search_id,
                                                            BuddySearch.status == "accepted",
                                                            BuddySearch.accepted_offer_id == offer.id)
                                  .values(status="searching", accepted_offer_id=None, offer_open=False)
                                  .execution_options(synchronize_session="fetch"))
        if back.rowcount == 1:
            _close_offer(offer.id, "declined", ("accepted",))
            _release(offer.volunteer_id)
            _offer_next(offer.search_id)
    elif offer.status == "confirmed":
        return _reply("vol_no_offer", language, phone=phone)
    return _reply("vol_declined", language)


def _pairing_message(sender: str, word: str, code: str | None, words: list[str], language: str, phone: str) -> str:
    stmt = (select(BuddyPairing).where(BuddyPairing.phone_e164 == sender, BuddyPairing.status == "active")
            .order_by(BuddyPairing.id))
    pairings = list(db.session.execute(stmt.where(BuddyPairing.code == code) if code else stmt).scalars())
    if len(pairings) != 1:
        if len(pairings) > 1:
            return _reply("vol_which", language, codes=", ".join(p.code for p in pairings[:3]), code=pairings[0].code)
        return _reply("vol_no_offer", language, phone=phone)
    pairing = pairings[0]
    volunteer = db.session.get(Volunteer, pairing.volunteer_id)
    now = clock.now()
    if word == "KLAAR":
        minutes = int(words[2]) if len(words) > 2 and words[2].isdecimal() and 1 <= int(words[2]) <= 600 else None
        db.session.add(BuddyVisit(pairing_id=pairing.id, reported_at=now, minutes=minutes))
        pairing.last_visit_at, pairing.missed_checkins = now, 0
        citizen_name = db.session.execute(select(Citizen.name).join(Referral, Referral.citizen_id == Citizen.id)
                                          .where(Referral.id == pairing.referral_id)).scalar()
        return _reply("vol_visit_noted", volunteer.language, name=first_name(citizen_name))
    pairing.help_asked_at = now
    _task(pairing.municipality_id, pairing.referral_id,
          f"Vrijwilliger nummer {volunteer.id} vraagt hulp bij maatje-koppeling {pairing.code} (HULP per sms). Bel de "
          f"vrijwilliger.", None)
    return _reply("vol_help_noted", volunteer.language, municipality=_municipality_name(pairing.municipality_id))


@messaging.opt_out_changed.connect
def _on_opt_out(phone_e164: str, opted_out: bool, source: str, **_kw):
    """STOP from a volunteer: paused for offers, their open offers close (the next one is asked),
    and the coordinator gets a task. In messaging's transaction."""
    if not opted_out:
        return
    volunteers = db.session.execute(select(Volunteer).where(Volunteer.phone_e164 == phone_e164,
                                                            Volunteer.status.in_(("active", "intake")))).scalars().all()
    for v in volunteers:
        v.status, v.pause_reason = "paused", "sms_stop"
        _task(v.municipality_id, None, f"Vrijwilliger nummer {v.id} stuurde STOP: gepauzeerd, krijgt geen sms meer. "
              f"Bel de vrijwilliger.", f"volunteer:{v.id}:stop:{clock.now().isoformat()}")
    for offer in db.session.execute(select(BuddyOffer).where(BuddyOffer.phone_e164 == phone_e164,
                                                             BuddyOffer.status == "open")).scalars().all():
        if _close_offer(offer.id, "declined"):
            _offer_next(offer.search_id)


# --- the demo: play the volunteer -----------------------------------------------------------------------------

def simulation_allowed() -> bool:
    """Only without an SMS provider (the demo): the coordinator may type a volunteer's reply."""
    from messaging.gateways import gateway_from_config
    try:
        return gateway_from_config(current_app.config).name == "outbox"
    except ValueError:
        return False


def simulate_reply(volunteer: Volunteer, body: str, *, actor: User) -> str | None:
    """The volunteer's reply, typed in the demo, goes through messaging exactly as a webhook would
    (messaging stores and commits it). Returns the reply the volunteer would get."""
    if not simulation_allowed():
        raise DomainError(_("Alleen in de demo zonder sms-provider."))
    body = " ".join((body or "").split())
    if not body or len(body) > 160:
        raise DomainError(_("Typ een sms van hoogstens 160 tekens."), "body")
    elsewhere = db.session.execute(select(Volunteer.id).where(
        Volunteer.phone_e164 == volunteer.phone_e164, Volunteer.municipality_id != volunteer.municipality_id)
        .limit(1)).scalar()
    if elsewhere is not None:  # the reply would reach another municipality's offers and pairings
        raise DomainError(_("Dit nummer hoort ook bij een vrijwilliger van een andere gemeente. Nabootsen kan hier "
                            "niet."), "body")
    return messaging.receive_inbound(provider_sid=f"SIM{secrets.token_hex(16)}", from_number=volunteer.phone_e164,
                                     to_number="demo", body=body)
