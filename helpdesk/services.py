"""The agencies' side: the contact log (logging a call, and referring the citizen when the call
could not solve it) and the second-line escalation queue (below)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask import abort
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from accounts.models import Organisation, OrgKind, Role, User
from accounts.policy import get_scoped_or_404
from counter.services import outcome_recorded
from extensions import DomainError, clock, db, job_step, unit_of_work
from extensions.dates import local_today, working_seconds_between
from helpdesk import sla
from helpdesk.models import (
    RESULTS,
    URGENCIES,
    AgencyClosure,
    Contact,
    Escalation,
    EscalationAlert,
    EscalationCategory,
    EscalationEvent,
    EscalationNote,
    EscalationStatus,
    SlaSettings,
)
from privacy.services import record
from referrals import categories as question_categories
from referrals.checks import refuse_bsn
from referrals.letters import Letter, register_letters, sender_values
from referrals.models import Citizen, Referral, Task
from referrals.outreach import add_task, register_sms_subject, tell_citizen
from referrals.services import (
    FieldErrors,
    ReferralInput,
    close_after_solution,
    create_referral,
    record_result,
)
from referrals.vocabulary import REASONS, Status, register_steps

# The steps this context writes on the referral's shared record (the agency's line).
register_steps({
    "escalation_sent": _l("bij de tweede lijn"),
    "escalation_solved": _l("tweede lijn: opgelost"),
    "escalation_partly": _l("tweede lijn: deels opgelost"),
    "escalation_not_possible": _l("tweede lijn: niet mogelijk"),
    "escalation_referred": _l("tweede lijn: doorverwezen naar een andere instantie"),
})



@dataclass
class ContactInput:
    categories: list[str] = field(default_factory=list)
    category_texts: dict[str, str] = field(default_factory=dict)  # the text of an "Anders", by code
    solved: str | None = None  # "yes" / "no"
    reason: str | None = None
    notes: str = ""


def contact_categories(user) -> list[question_categories.CategoryGroup]:
    """What the agent is offered: the shared categories, then their own agency's."""
    return question_categories.offered_groups(user.organisation_id)


@unit_of_work()
def log_contact(data: ContactInput, *, actor: User) -> Contact:
    """Store a call. A solved call needs no personal data; free text with a BSN is refused."""
    errors: dict[str, str] = {}
    categories = question_categories.check_choice(
        data.categories, data.category_texts, question_categories.flat(contact_categories(actor)), errors,
        empty_message=_("Kies minstens een onderwerp."))
    if data.solved not in ("yes", "no"):
        errors["solved"] = _("Kies of de vraag telefonisch is opgelost.")
    solved = data.solved == "yes"
    reason = None
    if data.solved == "no":
        if data.reason not in REASONS:
            errors["reason"] = _("Kies waarom de vraag niet telefonisch op te lossen was.")
        reason = data.reason
    notes = (data.notes or "").strip()
    try:
        refuse_bsn(notes, "notes")
    except DomainError as err:
        errors["notes"] = err.message
    if errors:
        raise FieldErrors(errors)
    contact = Contact(organisation_id=actor.organisation_id, agent_id=actor.id, at=clock.now(), solved=solved,
                      reason=reason, notes=notes)
    contact.categorise(categories)
    db.session.add(contact)
    db.session.flush()
    return contact


def contact_for_user(contact_id: int, user=None) -> Contact:
    return get_scoped_or_404(Contact, contact_id, Contact.organisation_id, user=user)


@unit_of_work()
def refer_contact(contact: Contact, data: ReferralInput, *, actor: User) -> Referral:
    """Create the referral for an unsolved contact, carrying its categories and reason (nothing
    retyped); the contact and the referral are saved together or not at all."""
    if contact.solved:
        raise DomainError(_("Deze vraag is telefonisch opgelost; er is geen verwijzing nodig."))
    if contact.referral_id:
        raise DomainError(_("Voor dit klantcontact is al een verwijzing gemaakt."))
    data.categories = contact.category_codes
    data.category_texts = {row.code: row.other_text for row in contact.categories if row.other_text}
    data.reason = contact.reason or "other"
    referral = create_referral(data, actor=actor)
    contact.referral_id = referral.id
    return referral


def recent_contacts(user, limit: int = 10) -> list[Contact]:
    return list(db.session.execute(
        select(Contact).where(Contact.organisation_id == user.organisation_id, Contact.agent_id == user.id)
        .order_by(Contact.at.desc(), Contact.id.desc()).limit(limit)).scalars())


def reason_counts(organisation_id: int) -> list[tuple[str, int]]:
    """How often each reason made a call unsolvable by phone (feedback to the agency)."""
    rows = db.session.execute(
        select(Contact.reason, func.count()).where(Contact.organisation_id == organisation_id,
                                                   Contact.solved.is_(False))
        .group_by(Contact.reason)).all()
    counts = dict(rows)
    return [(REASONS[code], counts.get(code, 0)) for code in REASONS]


# === the second-line escalation queue ===========================================================
#
# Every public function that writes does its work and commits once at its end (the unit-of-work
# decorator replaces that commit at merge); refusals are DomainError; claims and status moves are
# conditional UPDATEs, so two people clicking at once give one result. Helpers never commit.

OPEN_STATUSES = (EscalationStatus.OPEN, EscalationStatus.WAITING_MUNICIPALITY, EscalationStatus.WAITING_CITIZEN)
WAITING_FOR = {"municipality": EscalationStatus.WAITING_MUNICIPALITY, "citizen": EscalationStatus.WAITING_CITIZEN}


ANSWER_STEPS = {"solved": "escalation_solved", "partly": "escalation_partly",
                "not_possible": "escalation_not_possible", "referred": "escalation_referred"}


def _mark_referral(referral: Referral, step: str, *, actor: User | None, result: str | None = None) -> None:
    """The escalation's step on the referral's shared record (referrals.services.record_result), in
    one place: escalation_sent ("bij de tweede lijn" for everyone who sees the referral),
    escalation_answered (the second line's result), escalation_followed_up (the counter decided how
    the citizen hears it: the referral closes)."""
    if step == "escalation_sent":
        record_result(referral, step="escalation_sent")
    elif step == "escalation_answered":
        record_result(referral, step=ANSWER_STEPS[result])
    elif step == "escalation_followed_up":
        close_after_solution(referral, actor=actor, note="Afgesloten na het antwoord van de tweede lijn")
    else:
        raise ValueError(f"unknown escalation step {step!r}")
    referral.updated_at = clock.now()


def _referral_of_escalation(escalation_id: int) -> int | None:
    return db.session.execute(select(Escalation.referral_id).where(Escalation.id == escalation_id)).scalar()


register_sms_subject("escalation", _referral_of_escalation)  # a failed SMS becomes a call-back task


# --- settings and calendar ----------------------------------------------------------------------------

def settings_of(agency_id: int) -> SlaSettings:
    """The agency's service levels (the defaults, unsaved, when it never changed them)."""
    found = db.session.get(SlaSettings, agency_id)
    return found or SlaSettings(organisation_id=agency_id, first_response_hours=16, update_hours=40,
                                resolution_hours=80, idle_claim_hours=8)


def closed_days(agency_id: int) -> frozenset[date]:
    return frozenset(db.session.execute(select(AgencyClosure.day).where(
        AgencyClosure.organisation_id == agency_id)).scalars())


def closures_of(agency_id: int) -> list[AgencyClosure]:
    today = local_today()
    return list(db.session.execute(select(AgencyClosure).where(
        AgencyClosure.organisation_id == agency_id, AgencyClosure.day >= today).order_by(AgencyClosure.day)).scalars())


def budget_of(settings: SlaSettings) -> sla.Budget:
    return sla.Budget(first_response_hours=settings.first_response_hours, update_hours=settings.update_hours,
                      resolution_hours=settings.resolution_hours)


@dataclass
class SlaInput:
    first_response_hours: int | None = None
    update_hours: int | None = None
    resolution_hours: int | None = None
    idle_claim_hours: int | None = None


@unit_of_work()
def save_settings(agency_id: int, data: SlaInput, *, actor: User) -> None:
    errors = {}
    limits = {"first_response_hours": 400, "update_hours": 400, "resolution_hours": 2000, "idle_claim_hours": 400}
    for name, top in limits.items():
        value = getattr(data, name)
        if value is None or not 1 <= value <= top:
            errors[name] = _("Vul een aantal werkuren in van 1 tot %(top)s.", top=top)
    if errors:
        raise FieldErrors(errors)
    settings = db.session.get(SlaSettings, agency_id) or SlaSettings(organisation_id=agency_id)
    for name in limits:
        setattr(settings, name, getattr(data, name))
    db.session.add(settings)
    db.session.flush()
    _refresh_open(agency_id)


@unit_of_work()
def add_closure(agency_id: int, day: date | None, reason: str, *, actor: User) -> None:
    if day is None:
        raise DomainError(_("Vul een datum in."), "day")
    if day < local_today():
        raise DomainError(_("Kies vandaag of een dag in de toekomst."), "day")
    reason = " ".join((reason or "").split())[:120]
    exists_already = db.session.execute(select(AgencyClosure.id).where(
        AgencyClosure.organisation_id == agency_id, AgencyClosure.day == day)).scalar()
    if exists_already:
        raise DomainError(_("Die dag staat al als sluitingsdag."), "day")
    db.session.add(AgencyClosure(organisation_id=agency_id, day=day, reason=reason))
    db.session.flush()
    _refresh_open(agency_id)


@unit_of_work()
def remove_closure(agency_id: int, closure_id: int, *, actor: User) -> None:
    closure = db.session.execute(select(AgencyClosure).where(
        AgencyClosure.id == closure_id, AgencyClosure.organisation_id == agency_id)).scalar()
    if closure is None:
        raise DomainError(_("Deze sluitingsdag bestaat niet (meer)."))
    db.session.delete(closure)
    db.session.flush()
    _refresh_open(agency_id)


# --- the clocks ------------------------------------------------------------------------------------------

def _sla_events(events: list[EscalationEvent]) -> list[sla.Event]:
    return [sla.Event(e.at, e.kind, e.status, e.urgency) for e in events]


def _events_of(escalation_id: int) -> list[EscalationEvent]:
    return list(db.session.execute(select(EscalationEvent).where(EscalationEvent.escalation_id == escalation_id)
                                   .order_by(EscalationEvent.id)).scalars())


def clocks_of(escalation: Escalation, events: list[EscalationEvent], *, settings: SlaSettings | None = None,
              closed: frozenset[date] | None = None, now: datetime | None = None) -> dict[str, sla.Clock]:
    settings = settings or settings_of(escalation.agency_id)
    closed = closed if closed is not None else closed_days(escalation.agency_id)
    return sla.clocks(_sla_events(events), budget_of(settings), now or clock.now(), closed)


def _refresh(escalation: Escalation, *, settings=None, closed=None) -> dict[str, sla.Clock]:
    """Rewrite the sort copy (due_at, warn_at) from the history. Adds to the caller's transaction."""
    db.session.flush()
    state = clocks_of(escalation, _events_of(escalation.id), settings=settings, closed=closed)
    escalation.due_at, escalation.warn_at = sla.next_due(state)
    return state


def _refresh_open(agency_id: int) -> None:
    settings, closed = settings_of(agency_id), closed_days(agency_id)
    for escalation in db.session.execute(select(Escalation).where(
            Escalation.agency_id == agency_id, Escalation.status.in_(OPEN_STATUSES))).scalars():
        _refresh(escalation, settings=settings, closed=closed)


def _event(escalation: Escalation, kind: str, actor: User | None, *, text: str = "",
           to_user_id: int | None = None) -> EscalationEvent:
    event = EscalationEvent(escalation_id=escalation.id, at=clock.now(), by_user_id=actor.id if actor else None,
                            kind=kind, status=escalation.status, urgency=escalation.urgency, to_user_id=to_user_id,
                            text=text)
    db.session.add(event)
    return event


def _move(escalation: Escalation, *, where: list, values: dict, refusal: str) -> None:
    """One conditional UPDATE of an escalation (a claim, a status move): when another request got
    there first, nothing changes and the refusal is raised."""
    done = db.session.execute(update(Escalation).where(Escalation.id == escalation.id, *where).values(**values)
                              .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise DomainError(refusal)
    db.session.refresh(escalation)


# --- escalating (the counter) ---------------------------------------------------------------------------

def _on_outcome_recorded(referral, outcome, actor, **_kwargs) -> None:
    """The counter recorded "escalation" as the lasting solution: a draft escalation to the
    referring agency, with what the second line must do. The counter completes and sends it (the
    agency, urgency, consent). Adds to the caller's transaction; never commits."""
    if outcome.solution != "escalation":
        return
    db.session.add(Escalation(referral_id=referral.id, agency_id=referral.referring_org_id,
                              municipality_id=referral.municipality_id, status=EscalationStatus.DRAFT,
                              need=outcome.escalation_need, urgency="normal", created_at=clock.now(),
                              created_by_id=actor.id,
                              categories=[EscalationCategory(code=row.code, other_text=row.other_text)
                                          for row in referral.categories]))


outcome_recorded.connect(_on_outcome_recorded)


def participating_agencies() -> list[Organisation]:
    return list(db.session.execute(select(Organisation).where(
        Organisation.kind == OrgKind.AGENCY, Organisation.active.is_(True)).order_by(Organisation.name)).scalars())


def current_escalation(referral_id: int) -> Escalation | None:
    """The referral's escalation not closed, or else its latest one."""
    return db.session.execute(
        select(Escalation).where(Escalation.referral_id == referral_id)
        .order_by((Escalation.status == EscalationStatus.CLOSED).asc(), Escalation.id.desc()).limit(1)
        .options(selectinload(Escalation.agency), selectinload(Escalation.claimed_by))).scalar()


def escalation_refusal(referral: Referral) -> str | None:
    """Why the counter cannot escalate this referral now, or None."""
    if referral.status not in (Status.OUTCOME, Status.CLOSED):
        return _("Leg eerst de uitkomst van het gesprek vast; daarna kunt u doorzetten naar de tweede lijn.")
    existing = current_escalation(referral.id)
    if existing is not None and existing.status in OPEN_STATUSES:
        return _("Deze verwijzing ligt al bij de tweede lijn.")
    return None


def escalation_categories(referral: Referral) -> list[question_categories.CategoryGroup]:
    """What the counter is offered when it escalates: the shared categories and the referring
    agency's, and whatever the referral already has (also when retired since)."""
    return question_categories.offered_groups(referral.referring_org_id, keep=tuple(referral.category_codes))


@dataclass
class EscalationInput:
    agency_id: int | None = None
    need: str = ""
    categories: list[str] = field(default_factory=list)
    category_texts: dict[str, str] = field(default_factory=dict)  # the text of an "Anders", by code
    urgency: str = ""
    consent: bool = False


@unit_of_work()
def send_escalation(referral: Referral, data: EscalationInput, *, actor: User) -> Escalation:
    """Send the referral's question to an agency's second line (the draft from the outcome, or a
    new one from the referral page). From this moment the escalation belongs to the agency."""
    refusal = escalation_refusal(referral)
    if refusal:
        raise DomainError(refusal)
    errors: dict[str, str] = {}
    agency = db.session.get(Organisation, data.agency_id) if data.agency_id else None
    if agency is None or agency.kind != OrgKind.AGENCY or not agency.active:
        errors["agency_id"] = _("Kies de organisatie die de vraag oppakt.")
    need = (data.need or "").strip()
    if not need:
        errors["need"] = _("Beschrijf wat de tweede lijn moet doen.")
    elif len(need) > 1000:
        errors["need"] = _("Houd dit korter dan 1000 tekens.")
    else:
        try:
            refuse_bsn(need, "need")
        except DomainError as err:
            errors["need"] = err.message
    categories = question_categories.check_choice(
        data.categories, data.category_texts, question_categories.flat(escalation_categories(referral)), errors,
        empty_message=_("Kies minstens een onderwerp van de vraag."))
    if data.urgency not in URGENCIES:
        errors["urgency"] = _("Kies de urgentie.")
    if not data.consent:
        errors["consent"] = _("Zonder toestemming van de inwoner kunnen we de vraag niet delen met de tweede lijn.")
    if errors:
        raise FieldErrors(errors)
    now = clock.now()
    escalation = db.session.execute(select(Escalation).where(
        Escalation.referral_id == referral.id, Escalation.status == EscalationStatus.DRAFT)
        .options(selectinload(Escalation.categories))).scalar()
    if escalation is None:
        escalation = Escalation(referral_id=referral.id, municipality_id=referral.municipality_id,
                                created_at=now, created_by_id=actor.id, status=EscalationStatus.DRAFT)
        db.session.add(escalation)
    escalation.agency_id = agency.id
    escalation.need, escalation.urgency = need, data.urgency
    kept = {row.code: row for row in escalation.categories}  # a draft's rows that stay are not rewritten
    rows = []
    for code, text in categories:
        row = kept.get(code) or EscalationCategory(code=code)
        row.other_text = text
        rows.append(row)
    escalation.categories = rows
    escalation.consent_at, escalation.consent_by_id = now, actor.id
    escalation.status, escalation.sent_at = EscalationStatus.OPEN, now
    try:
        db.session.flush()
    except IntegrityError:  # a second click or a colleague at the same moment: one open escalation
        raise DomainError(_("Deze verwijzing ligt al bij de tweede lijn.")) from None
    _event(escalation, "sent", actor, text=need)
    _mark_referral(referral, "escalation_sent", actor=actor)
    record("escalation", "update", "citizen", referral.citizen_id,
           detail=f"escalatie {escalation.id} naar {agency.name}; toestemming inwoner vastgelegd", actor=actor)
    _refresh(escalation)
    return escalation


# --- reading, scoped ------------------------------------------------------------------------------------

def _detail_options():
    return (selectinload(Escalation.referral).selectinload(Referral.municipality),
            selectinload(Escalation.agency), selectinload(Escalation.municipality),
            selectinload(Escalation.claimed_by), selectinload(Escalation.created_by),
            selectinload(Escalation.consent_by), selectinload(Escalation.categories),
            selectinload(Escalation.events).selectinload(EscalationEvent.by_user),
            selectinload(Escalation.events).selectinload(EscalationEvent.to_user))


def escalation_for_agency(escalation_id: int, user=None) -> Escalation:
    """An escalation of the user's agency, or 404 (another agency's is not there for them)."""
    return get_scoped_or_404(Escalation, escalation_id, Escalation.agency_id, user=user,
                             options=_detail_options(),
                             base=select(Escalation).where(Escalation.status != EscalationStatus.DRAFT))


def escalation_for_municipality(escalation_id: int, user=None) -> Escalation:
    return get_scoped_or_404(Escalation, escalation_id, Escalation.municipality_id, user=user,
                             options=_detail_options())


def notes_of(escalation: Escalation, user) -> list[EscalationNote]:
    """Internal notes: only for the agency that owns the escalation."""
    if user.organisation_id != escalation.agency_id:
        return []
    return list(db.session.execute(select(EscalationNote).where(
        EscalationNote.escalation_id == escalation.id, EscalationNote.agency_id == escalation.agency_id)
        .options(selectinload(EscalationNote.by_user)).order_by(EscalationNote.id)).scalars())


def public_events(escalation: Escalation) -> list[EscalationEvent]:
    """What the municipality sees of the history: every step and message (internal notes are not
    events at all)."""
    return list(escalation.events)


QUEUE_TABS = ("nieuw", "mijn", "anderen", "wachtend", "beantwoord")


@dataclass
class QueueFilter:
    tab: str = "nieuw"
    urgency: str = ""
    category: str = ""
    municipality_id: int | None = None
    q: str = ""


def queue_query(user, f: QueueFilter):
    """The agency's queue: one tab, filtered, due first (the ix_escalation_agency_* indexes). The
    citizen is joined only to search on the name: a page and its count are then one index range."""
    stmt = (select(Escalation)
            .where(Escalation.agency_id == user.organisation_id)
            .options(selectinload(Escalation.referral), selectinload(Escalation.municipality),
                     selectinload(Escalation.claimed_by), selectinload(Escalation.events),
                     selectinload(Escalation.categories)))
    if f.tab == "mijn":
        stmt = stmt.where(Escalation.claimed_by_id == user.id, Escalation.status.in_(OPEN_STATUSES))
    elif f.tab == "anderen":
        stmt = stmt.where(Escalation.claimed_by_id.is_not(None), Escalation.claimed_by_id != user.id,
                          Escalation.status.in_(OPEN_STATUSES))
    elif f.tab == "wachtend":
        stmt = stmt.where(Escalation.status.in_((EscalationStatus.WAITING_MUNICIPALITY,
                                                 EscalationStatus.WAITING_CITIZEN)))
    elif f.tab == "beantwoord":
        stmt = stmt.where(Escalation.status == EscalationStatus.CLOSED)
    else:
        stmt = stmt.where(Escalation.status == EscalationStatus.OPEN, Escalation.claimed_by_id.is_(None))
    if f.urgency in URGENCIES:
        stmt = stmt.where(Escalation.urgency == f.urgency)
    if f.category:
        stmt = stmt.where(exists().where(EscalationCategory.escalation_id == Escalation.id,
                                         EscalationCategory.code == f.category))
    if f.municipality_id:
        stmt = stmt.where(Escalation.municipality_id == f.municipality_id)
    term = " ".join((f.q or "").split())[:100]
    if term:
        stmt = stmt.join(Referral, Referral.id == Escalation.referral_id).join(Citizen, Citizen.id == Referral.citizen_id)
        like = f"%{term.replace('%', '').replace('_', '')}%"
        conditions = [Citizen.name.ilike(like), Escalation.need.ilike(like)]
        if term.isdecimal():
            conditions += [Escalation.id == int(term), Escalation.referral_id == int(term)]
        stmt = stmt.where(or_(*conditions))
    if f.tab == "beantwoord":
        return stmt.order_by(Escalation.closed_at.desc(), Escalation.id.desc())
    # Due first; waiting ones (no due moment while the clock stands still) last.
    return stmt.order_by(Escalation.due_at.is_(None), Escalation.due_at, Escalation.id)


def queue_counts(user) -> dict[str, int]:
    rows = db.session.execute(
        select(Escalation.status, Escalation.claimed_by_id, func.count())
        .where(Escalation.agency_id == user.organisation_id, Escalation.status.in_(OPEN_STATUSES))
        .group_by(Escalation.status, Escalation.claimed_by_id)).all()
    counts = dict.fromkeys(QUEUE_TABS, 0)
    for status, owner, n in rows:
        if status == EscalationStatus.OPEN and owner is None:
            counts["nieuw"] += n
        if owner == user.id:
            counts["mijn"] += n
        if owner is not None and owner != user.id:
            counts["anderen"] += n
        if status != EscalationStatus.OPEN:
            counts["wachtend"] += n
    return counts


def clocks_for(escalations: list[Escalation], agency_id: int) -> dict[int, dict[str, sla.Clock]]:
    """The clocks of a page of escalations (their events are loaded with them)."""
    settings, closed, now = settings_of(agency_id), closed_days(agency_id), clock.now()
    return {e.id: clocks_of(e, list(e.events), settings=settings, closed=closed, now=now) for e in escalations}


def queue_municipalities(agency_id: int) -> list[Organisation]:
    """The municipalities the agency has escalations of: one probe of ix_escalation_agency_municipality
    per municipality, never a read of all the agency's escalations. (A scalar subquery with LIMIT 1:
    an EXISTS the planner may turn into a join that reads every escalation of the agency.)"""
    one = (select(Escalation.id).where(Escalation.agency_id == agency_id, Escalation.municipality_id == Organisation.id)
           .limit(1).correlate(Organisation).scalar_subquery())
    return list(db.session.execute(
        select(Organisation).where(Organisation.kind == OrgKind.MUNICIPALITY, one.is_not(None))
        .order_by(Organisation.name)).scalars())


def municipal_query(user):
    """The municipality's escalations, newest first (ix_escalation_municipality_created)."""
    return (select(Escalation).where(Escalation.municipality_id == user.organisation_id)
            .options(selectinload(Escalation.referral), selectinload(Escalation.agency))
            .order_by(Escalation.created_at.desc(), Escalation.id.desc()))


def breaches_query(agency_id: int):
    """For the agency lead: breaches the job recorded on escalations still open, newest first."""
    return (select(EscalationAlert).join(Escalation, Escalation.id == EscalationAlert.escalation_id)
            .where(EscalationAlert.agency_id == agency_id, EscalationAlert.kind == "breach",
                   Escalation.status.in_(OPEN_STATUSES))
            .options(selectinload(EscalationAlert.escalation).selectinload(Escalation.referral),
                     selectinload(EscalationAlert.escalation).selectinload(Escalation.claimed_by))
            .order_by(EscalationAlert.at.desc(), EscalationAlert.id.desc()))


def second_line_colleagues(agency_id: int) -> list[User]:
    return list(db.session.execute(select(User).where(
        User.organisation_id == agency_id, User.role == Role.SECOND_LINE, User.active.is_(True))
        .order_by(User.name)).scalars())


@unit_of_work()
def record_escalation_read(escalation: Escalation, *, actor: User) -> None:
    record("escalation", "read", "referral", escalation.referral_id, detail=f"escalatie {escalation.id}", actor=actor)


# --- the second line's work -----------------------------------------------------------------------------

def _must_be_agency(escalation: Escalation, actor: User) -> None:
    if actor.organisation_id != escalation.agency_id:
        abort(404)


def _must_own(escalation: Escalation, actor: User) -> None:
    _must_be_agency(escalation, actor)
    if escalation.status == EscalationStatus.CLOSED:
        raise DomainError(_("Deze escalatie is al afgerond."))
    if escalation.claimed_by_id != actor.id:
        raise DomainError(_("Pak de escalatie eerst op; daarna kunt u hem behandelen."))


@unit_of_work()
def claim(escalation: Escalation, *, actor: User) -> None:
    """Take an escalation: one conditional UPDATE, so two colleagues at once give one owner."""
    _must_be_agency(escalation, actor)
    now = clock.now()
    _move(escalation, where=[Escalation.claimed_by_id.is_(None), Escalation.status.in_(OPEN_STATUSES),
                             Escalation.agency_id == actor.organisation_id],
          values=dict(claimed_by_id=actor.id, claimed_at=now, owner_active_at=now),
          refusal=_("Een collega heeft deze escalatie net opgepakt."))
    _event(escalation, "claimed", actor, to_user_id=actor.id)


@unit_of_work()
def release(escalation: Escalation, *, actor: User) -> None:
    """Give an escalation back to the queue (its owner, or the agency lead)."""
    _must_be_agency(escalation, actor)
    owner = escalation.claimed_by_id
    if owner is None:
        raise DomainError(_("Niemand heeft deze escalatie opgepakt."))
    if owner != actor.id and actor.role_enum != Role.LEAD:
        raise DomainError(_("Alleen wie de escalatie heeft opgepakt of de leidinggevende kan hem vrijgeven."))
    _move(escalation, where=[Escalation.claimed_by_id == owner],
          values=dict(claimed_by_id=None, claimed_at=None, owner_active_at=None),
          refusal=_("Deze escalatie is intussen door iemand anders veranderd."))
    _event(escalation, "released", actor)


@unit_of_work()
def reassign(escalation: Escalation, to_user_id: int | None, *, actor: User) -> None:
    """The agency lead gives an escalation to a colleague of the second line (logged in the history)."""
    _must_be_agency(escalation, actor)
    if actor.role_enum != Role.LEAD:
        raise DomainError(_("Alleen de leidinggevende kan toewijzen."))
    if escalation.status not in OPEN_STATUSES:
        raise DomainError(_("Deze escalatie is al afgerond."))
    colleague = db.session.get(User, to_user_id) if to_user_id else None
    if (colleague is None or colleague.organisation_id != escalation.agency_id or colleague.role != Role.SECOND_LINE
            or not colleague.active):
        raise DomainError(_("Kies een collega van de tweede lijn."), "user_id")
    before, now = escalation.claimed_by_id, clock.now()
    if before == colleague.id:
        raise DomainError(_("Deze collega heeft de escalatie al."), "user_id")
    owner_is = Escalation.claimed_by_id.is_(None) if before is None else Escalation.claimed_by_id == before
    _move(escalation, where=[owner_is], values=dict(claimed_by_id=colleague.id, claimed_at=now, owner_active_at=now),
          refusal=_("Deze escalatie is intussen door iemand anders veranderd."))
    _event(escalation, "reassigned", actor, to_user_id=colleague.id)
    record("escalation", "update", "referral", escalation.referral_id,
           detail=f"escalatie {escalation.id} toegewezen aan {colleague.email}", actor=actor)


def _clean_text(text: str, field_name: str, *, limit: int = 1000, required: str) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError(required, field_name)
    if len(text) > limit:
        raise DomainError(_("Houd dit korter dan %(n)s tekens.", n=limit), field_name)
    refuse_bsn(text, field_name)
    return text


@unit_of_work()
def add_note(escalation: Escalation, text: str, *, actor: User) -> None:
    """An internal note: the agency only. It is no response (the clocks do not see it)."""
    _must_be_agency(escalation, actor)
    text = _clean_text(text, "note", limit=2000, required=_("Schrijf de notitie."))
    db.session.add(EscalationNote(escalation_id=escalation.id, agency_id=escalation.agency_id, at=clock.now(),
                                  by_user_id=actor.id, text=text))
    if escalation.claimed_by_id == actor.id:
        escalation.owner_active_at = clock.now()
    record("escalation", "update", "referral", escalation.referral_id,
           detail=f"escalatie {escalation.id}: interne notitie", actor=actor)


# The letter of this context (referrals.letters), printed in the citizen's language; the sender's
# location gives the address and the number to call.
register_letters({
    "escalation_answered": Letter(_l("Uw vraag is behandeld"),
                                  (_l("U had een vraag aan %(agency)s."), _l("Die vraag is nu behandeld."),
                                   _l("Wilt u weten wat dit voor u betekent?"), _l("Bel ons dan op %(phone)s."))),
})


def _agency_name(escalation: Escalation) -> str:
    return db.session.execute(select(Organisation.name).where(Organisation.id == escalation.agency_id)).scalar() or ""


@unit_of_work()
def answer_municipality(escalation: Escalation, text: str, *, actor: User) -> None:
    """An answer to the municipality while the work goes on: a response for the clocks."""
    _must_own(escalation, actor)
    text = _clean_text(text, "answer_text", required=_("Schrijf het antwoord aan de gemeente."))
    now = clock.now()
    _move(escalation, where=[Escalation.status == EscalationStatus.OPEN, Escalation.claimed_by_id == actor.id],
          values=dict(owner_active_at=now), refusal=_("Wacht op de reactie van de gemeente, of rond af."))
    event = _event(escalation, "answered", actor, text=text)
    db.session.flush()
    add_task(municipality_id=escalation.municipality_id, referral_id=escalation.referral_id, kind="call",
             reason="escalation", dedup_key=f"escalation:{escalation.id}:event:{event.id}",
             description=f"Tweede lijn {_agency_name(escalation)} over de inwoner (escalatie {escalation.id}): {text}")
    record("escalation", "update", "referral", escalation.referral_id,
           detail=f"escalatie {escalation.id}: antwoord aan de gemeente", actor=actor)
    _refresh(escalation)


@unit_of_work()
def ask(escalation: Escalation, who: str, text: str, *, actor: User) -> None:
    """Ask the municipality (or, through it, the citizen) for something: the clocks stand still
    until the municipality answers. The counter gets a task with the question."""
    _must_own(escalation, actor)
    errors = {} if who in WAITING_FOR else {"who": _("Kies aan wie de vraag is.")}
    try:
        text = _clean_text(text, "question", required=_("Schrijf de vraag."))
    except DomainError as err:
        errors[err.field or "question"] = err.message
    if errors:
        raise FieldErrors(errors)
    now = clock.now()
    _move(escalation, where=[Escalation.status == EscalationStatus.OPEN, Escalation.claimed_by_id == actor.id],
          values=dict(status=WAITING_FOR[who], owner_active_at=now),
          refusal=_("Er staat al een vraag open; wacht op de reactie van de gemeente."))
    kind = "asked_municipality" if who == "municipality" else "asked_citizen"
    event = _event(escalation, kind, actor, text=text)
    db.session.flush()
    task = (f"Tweede lijn {_agency_name(escalation)} vraagt (escalatie {escalation.id}): "
            f"{text}" if who == "municipality" else
            f"Vraag de inwoner namens de tweede lijn van {_agency_name(escalation)} "
            f"(escalatie {escalation.id}): {text}")
    add_task(municipality_id=escalation.municipality_id, referral_id=escalation.referral_id, kind="call",
             reason="escalation", description=task + " Antwoord op de escalatiepagina.",
             dedup_key=f"escalation:{escalation.id}:event:{event.id}")
    record("escalation", "update", "referral", escalation.referral_id,
           detail=f"escalatie {escalation.id}: vraag aan {'de gemeente' if who == 'municipality' else 'de inwoner'}",
           actor=actor)
    _refresh(escalation)


@unit_of_work()
def change_urgency(escalation: Escalation, urgency: str, *, actor: User) -> None:
    """Normal or urgent; the pauses already taken stay (the clocks read them from the history)."""
    _must_be_agency(escalation, actor)
    if escalation.status not in OPEN_STATUSES:
        raise DomainError(_("Deze escalatie is al afgerond."))
    if urgency not in URGENCIES:
        raise DomainError(_("Kies de urgentie."), "urgency")
    if urgency == escalation.urgency:
        raise DomainError(_("De urgentie is al zo."), "urgency")
    _move(escalation, where=[Escalation.urgency == escalation.urgency, Escalation.status.in_(OPEN_STATUSES)],
          values=dict(urgency=urgency), refusal=_("Deze escalatie is intussen door iemand anders veranderd."))
    _event(escalation, "urgency_changed", actor)
    _refresh(escalation)


@unit_of_work()
def close(escalation: Escalation, result: str, answer: str, *, actor: User) -> None:
    """Close with a result and a one-line answer. The counter sees it on the referral and gets a
    task to decide whether the citizen must be contacted; the referring agency sees the result."""
    _must_own(escalation, actor)
    errors = {}
    if result not in RESULTS:
        errors["result"] = _("Kies het resultaat.")
    line = " ".join((answer or "").split())
    if not line:
        errors["answer"] = _("Schrijf het antwoord in een regel.")
    elif len(line) > 200:
        errors["answer"] = _("Houd het antwoord korter dan 200 tekens.")
    else:
        try:
            refuse_bsn(line, "answer")
        except DomainError as err:
            errors["answer"] = err.message
    if errors:
        raise FieldErrors(errors)
    now = clock.now()
    _move(escalation, where=[Escalation.status.in_(OPEN_STATUSES), Escalation.claimed_by_id == actor.id],
          values=dict(status=EscalationStatus.CLOSED, result=result, answer=line, closed_at=now,
                      closed_by_id=actor.id, due_at=None, warn_at=None),
          refusal=_("Deze escalatie is al afgerond."))
    _event(escalation, "closed", actor, text=line)
    referral = db.session.get(Referral, escalation.referral_id)
    _mark_referral(referral, "escalation_answered", actor=actor, result=result)
    with force_locale("nl"):
        label = str(RESULTS[result])
    add_task(municipality_id=escalation.municipality_id, referral_id=referral.id, kind="call", reason="escalation",
             dedup_key=f"escalation:{escalation.id}:closed",
             description=f"Antwoord van de tweede lijn van {_agency_name(escalation)} voor de inwoner "
                         f"({label}): {line} Beslis op de escalatiepagina of de "
                         f"inwoner bericht krijgt.")
    record("escalation", "update", "citizen", referral.citizen_id,
           detail=f"escalatie {escalation.id} afgerond: {result}", actor=actor)


# --- the municipality's side ----------------------------------------------------------------------------

@unit_of_work()
def municipality_reply(escalation: Escalation, text: str, *, actor: User) -> None:
    """The municipality answers the second line's question (its own, or the citizen's): the clocks
    run again. The question's task is done."""
    if actor.organisation_id != escalation.municipality_id:
        abort(404)
    if not escalation.waiting:
        raise DomainError(_("De tweede lijn wacht nu niet op een antwoord."))
    text = _clean_text(text, "reply", required=_("Schrijf het antwoord aan de tweede lijn."))
    waiting_for = escalation.status
    # The owner could not work while waiting: the idle-claim timer starts again with the answer.
    _move(escalation, where=[Escalation.status == waiting_for],
          values=dict(status=EscalationStatus.OPEN, owner_active_at=clock.now()),
          refusal=_("Een collega heeft de tweede lijn net geantwoord."))
    _event(escalation, "municipality_replied", actor, text=text)
    asked = db.session.execute(select(EscalationEvent.id).where(
        EscalationEvent.escalation_id == escalation.id,
        EscalationEvent.kind.in_(("asked_municipality", "asked_citizen")))).scalars()
    question_keys = [f"escalation:{escalation.id}:event:{event_id}" for event_id in asked]
    db.session.execute(update(Task).where(Task.dedup_key.in_(question_keys), Task.done_at.is_(None))
                       .values(done_at=clock.now(), done_by_id=actor.id).execution_options(synchronize_session=False))
    record("escalation", "update", "referral", escalation.referral_id,
           detail=f"escalatie {escalation.id}: antwoord van de gemeente", actor=actor)
    _refresh(escalation)


FOLLOW_UPS = ("message", "none")


@unit_of_work()
def follow_up(escalation: Escalation, how: str, *, actor: User) -> str:
    """The counter decides how the citizen hears the answer: a message by the citizen's channel (an
    SMS, or a letter or call task), or nothing needed. The referral closes. Returns sms, letter,
    call or none."""
    if actor.organisation_id != escalation.municipality_id:
        abort(404)
    if escalation.status != EscalationStatus.CLOSED:
        raise DomainError(_("De tweede lijn heeft nog niet geantwoord."))
    if how not in FOLLOW_UPS:
        raise DomainError(_("Kies of de inwoner bericht krijgt."), "how")
    referral = db.session.get(Referral, escalation.referral_id)
    told = "none"
    if how == "message":
        citizen, agency = referral.citizen, _agency_name(escalation)
        municipality = db.session.execute(select(Organisation.name).where(
            Organisation.id == escalation.municipality_id)).scalar()
        told = tell_citizen(
            citizen, purpose="escalation_answered", values={"agency": agency, "municipality": municipality},
            subject_type="escalation", subject_id=escalation.id, dedup_key=f"escalation:{escalation.id}:citizen",
            municipality_id=escalation.municipality_id, referral_id=referral.id, reason="escalation",
            task_text=f"Bel de inwoner: de tweede lijn van {agency} heeft geantwoord: {escalation.answer}",
            letter="escalation_answered", letter_values=sender_values(escalation.municipality_id, agency=agency))
    _move(escalation, where=[Escalation.followed_up_at.is_(None)],
          values=dict(followed_up_at=clock.now(), followed_up_how=told),
          refusal=_("Een collega heeft dit net afgehandeld."))
    db.session.execute(update(Task).where(Task.dedup_key == f"escalation:{escalation.id}:closed",
                                          Task.done_at.is_(None))
                       .values(done_at=clock.now(), done_by_id=actor.id).execution_options(synchronize_session=False))
    _mark_referral(referral, "escalation_followed_up", actor=actor)
    record("escalation", "update", "citizen", referral.citizen_id,
           detail=f"escalatie {escalation.id}: inwoner {'bericht: ' + told if told != 'none' else 'geen bericht'}",
           actor=actor)
    return told


# --- scheduler jobs -------------------------------------------------------------------------------------

def _insert_ignore(model, values: dict, index_elements: list[str]) -> int:
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    added = db.session.execute(insert(model).values(**values).on_conflict_do_nothing(
        index_elements=index_elements).returning(model.id)).scalar()
    return 0 if added is None else 1


def _record_alert_batch(after_id: int, batch: int, now, per_agency: dict) -> tuple[int, int, int]:
    """One batch of record_alerts: (rows read, the last id, alerts recorded), in the caller's transaction."""
    rows = list(db.session.execute(
        select(Escalation).where(Escalation.status.in_(OPEN_STATUSES), Escalation.id > after_id)
        .options(selectinload(Escalation.events)).order_by(Escalation.id).limit(batch)).scalars())
    recorded = 0
    for escalation in rows:
        if escalation.agency_id not in per_agency:
            per_agency[escalation.agency_id] = (settings_of(escalation.agency_id), closed_days(escalation.agency_id))
        settings, closed = per_agency[escalation.agency_id]
        state = clocks_of(escalation, list(escalation.events), settings=settings, closed=closed, now=now)
        due, warn = sla.next_due(state)
        if (escalation.due_at, escalation.warn_at) != (due, warn):
            escalation.due_at, escalation.warn_at = due, warn
        for name, c in state.items():
            for kind in {"warning": ["warning"], "breached": ["warning", "breach"]}.get(c.state, []):
                recorded += _insert_ignore(EscalationAlert, dict(
                    escalation_id=escalation.id, agency_id=escalation.agency_id, clock_name=name, cycle=c.cycle,
                    kind=kind, due_at=c.due, at=now), ["escalation_id", "clock_name", "cycle", "kind"])
    return len(rows), (rows[-1].id if rows else after_id), recorded


def record_alerts(batch: int = 500) -> int:
    """Scheduler job: record each warning (75% used) and breach of every running clock once.
    Safe with two schedulers: the unique key turns a second insert into nothing. The sort copy
    (due_at, warn_at) is rewritten from the history on the way. One transaction a batch. Returns
    how many were recorded."""
    now, recorded, last_id = clock.now(), 0, 0
    while True:
        with job_step():
            count, last_id, added = _record_alert_batch(last_id, batch, now, {})
        recorded += added
        if count < batch:
            return recorded


def record_alerts_now() -> int:
    """record_alerts in the caller's transaction (demo data): every open escalation at once."""
    return _record_alert_batch(0, 2**31, clock.now(), {})[2]


@unit_of_work()
def release_idle_claims() -> int:
    """Scheduler job: a claim on an open escalation without any work by its owner for the agency's
    idle_claim_hours working hours goes back to the queue. One conditional UPDATE per claim (on
    the owner and the moment of their last work), so two schedulers release it once."""
    now, released = clock.now(), 0
    rows = db.session.execute(
        select(Escalation.id, Escalation.agency_id, Escalation.claimed_by_id, Escalation.owner_active_at)
        .where(Escalation.status == EscalationStatus.OPEN, Escalation.claimed_by_id.is_not(None))).all()
    per_agency: dict[int, tuple] = {}
    for escalation_id, agency_id, owner_id, active_at in rows:
        if agency_id not in per_agency:
            per_agency[agency_id] = (settings_of(agency_id).idle_claim_hours, closed_days(agency_id))
        hours, closed = per_agency[agency_id]
        if active_at is None or working_seconds_between(active_at, now, closed) < hours * 3600:
            continue
        done = db.session.execute(
            update(Escalation).where(Escalation.id == escalation_id, Escalation.claimed_by_id == owner_id,
                                     Escalation.owner_active_at == active_at,
                                     Escalation.status == EscalationStatus.OPEN)
            .values(claimed_by_id=None, claimed_at=None, owner_active_at=None)
            .execution_options(synchronize_session=False))
        if done.rowcount == 1:
            db.session.add(EscalationEvent(escalation_id=escalation_id, at=now, by_user_id=None, kind="auto_released",
                                           status=EscalationStatus.OPEN, to_user_id=owner_id,
                                           urgency=db.session.execute(select(Escalation.urgency).where(
                                               Escalation.id == escalation_id)).scalar_one()))
            released += 1
    return released
