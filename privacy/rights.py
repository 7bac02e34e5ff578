"""The rights of a person (AVG), for the municipality's privacy officer: find a person, inzage,
correction, erasure with a second person's approval, legal holds, and retention. Everything a
context holds is reached through privacy.registry; nothing here names a higher context.

Who approves an erasure: another privacy officer or the coordinator of the same municipality,
never the person who asked for it (ERASURE_APPROVERS).
"""
from __future__ import annotations

import calendar
from datetime import datetime, timedelta

from flask import abort, current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from accounts.models import Role, User
from accounts.policy import get_scoped_or_404, scoped
from extensions import DomainError, clock, db, job_step, unit_of_work
from extensions.dates import local_today, when
from privacy import registry
from privacy.models import Correction, ErasureRequest, LegalHold, RetentionRun
from privacy.registry import Due, Holding, Person
from privacy.services import log_lines_for_person, record

ERASURE_REASONS = {
    "request": _l("Verzoek van de persoon zelf"),
    "not_needed": _l("Gegevens zijn niet meer nodig"),
    "objection": _l("Bezwaar tegen de verwerking"),
    "unlawful": _l("Onrechtmatig verwerkt"),
}
ERASURE_STATUSES = {"requested": _l("Wacht op goedkeuring"), "done": _l("Uitgevoerd"), "refused": _l("Afgewezen")}
ERASURE_APPROVERS = {Role.PRIVACY_OFFICER, Role.COORDINATOR}
HOLD_REASONS = {
    "complaint": _l("Klacht of bezwaar loopt"),
    "legal": _l("Juridische procedure loopt"),
    "investigation": _l("Onderzoek of incident loopt"),
}


# --- finding a person -------------------------------------------------------------------------------

def find_persons(text: str, user) -> list[Person]:
    """Every registered kind of person of the officer's municipality that matches the typed name,
    telephone number or postcode (with house number)."""
    return [p for person_type in registry.PERSON_TYPES.values()
            for p in person_type.search(user.organisation_id, text)]


def person_type_or_404(code: str) -> registry.PersonType:
    if code not in registry.PERSON_TYPES:
        abort(404)
    return registry.PERSON_TYPES[code]


def person_or_404(code: str, person_id: int, user=None) -> Person:
    """The person of the officer's municipality (default: the login), or 404 (the type's `get` is scoped)."""
    return person_type_or_404(code).get(person_id, user=user)


# --- inzage -------------------------------------------------------------------------------------------

def inzage(person: Person, *, actor: User, form: str) -> dict:
    """Everything held about the person, from every context, with the processing-log lines about
    them, their corrections, erasure requests and holds. Writing it is itself logged."""
    sections = []
    for holding in registry.holdings_for(person.type):
        records = holding.export(person)
        sections.append({"code": holding.code, "label": str(holding.label), "records": records})
    corrections = _rows(Correction, person)
    erasures = _rows(ErasureRequest, person)
    holds = _rows(LegalHold, person)
    lines = log_lines_for_person(person.type, person.id)
    record("privacy-rights", "read", person.type, person.id, detail=f"inzage als {form}", actor=actor)
    return {"person": person, "sections": sections, "corrections": corrections, "erasures": erasures,
            "holds": holds, "log": lines, "produced_at": clock.now()}


def inzage_json(data: dict) -> dict:
    """The inzage as plain JSON values (the download)."""
    person = data["person"]

    def plain(value):
        if isinstance(value, datetime):
            return value.isoformat()
        return value if isinstance(value, (int, float, bool, type(None))) else str(value)

    return {
        "persoon": {"soort": person.type, "nummer": person.id,
                    **{str(k): plain(v) for k, v in person.details.items()}},
        "gegevens": {s["label"]: [{str(k): plain(v) for k, v in r.items()} for r in s["records"]]
                     for s in data["sections"]},
        "correcties": [{"veld": c.field, "oud": c.old_value, "nieuw": c.new_value, "reden": c.reason,
                        "op": plain(c.at)} for c in data["corrections"]],
        "wisverzoeken": [{"reden": str(ERASURE_REASONS.get(e.reason, e.reason)),
                          "status": str(ERASURE_STATUSES.get(e.status, e.status)), "gevraagd_op": plain(e.requested_at),
                          "besloten_op": plain(e.decided_at)} for e in data["erasures"]],
        "verwerkingen": [{k: plain(v) for k, v in line.items()} for line in data["log"]],
        "gemaakt_op": plain(data["produced_at"]),
    }


def _rows(model, person: Person) -> list:
    return list(db.session.execute(
        select(model).where(model.person_type == person.type, model.person_id == person.id,
                            model.municipality_id == person.municipality_id).order_by(model.id)).scalars())


def on_hold(person_type: str, person_id: int) -> bool:
    return db.session.execute(select(func.count()).select_from(LegalHold).where(
        LegalHold.person_type == person_type, LegalHold.person_id == person_id,
        LegalHold.lifted_at.is_(None))).scalar_one() > 0


# --- correction -----------------------------------------------------------------------------------------

@unit_of_work()
def correct(person: Person, field: str, value: str, reason: str, *, actor: User) -> Correction:
    """Change one field of the person; the old value stays in the correction history."""
    person_type = registry.PERSON_TYPES[person.type]
    if field not in person_type.fields:
        raise DomainError(_("Kies een gegeven uit de lijst."), "field")
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError(_("Schrijf op waarom het gegeven wordt verbeterd."), "reason")
    if person.anonymised:
        raise DomainError(_("Van deze persoon zijn geen gegevens meer om te verbeteren."))
    old, new = person_type.correct(person, field, value)
    if old == new:
        raise DomainError(_("De nieuwe waarde is dezelfde als de oude."), "value")
    correction = Correction(municipality_id=person.municipality_id, person_type=person.type, person_id=person.id,
                            field=field, old_value=old[:200], new_value=new[:200], reason=reason[:300],
                            by_user_id=actor.id, at=clock.now())
    db.session.add(correction)
    record("privacy-rights", "update", person.type, person.id, detail=f"veld {field} verbeterd",
           actor=actor)
    return correction


# --- legal hold -----------------------------------------------------------------------------------------

@unit_of_work()
def place_hold(person: Person, reason: str, *, actor: User) -> LegalHold:
    if reason not in HOLD_REASONS:
        raise DomainError(_("Kies een reden uit de lijst."), "reason")
    if on_hold(person.type, person.id):
        raise DomainError(_("Er staat al een bewaarplicht op deze persoon."))
    hold = LegalHold(municipality_id=person.municipality_id, person_type=person.type, person_id=person.id,
                     reason=reason, placed_by_id=actor.id, placed_at=clock.now())
    db.session.add(hold)
    record("privacy-rights", "update", person.type, person.id, detail=f"bewaarplicht gezet: {reason}", actor=actor)
    return hold


@unit_of_work()
def lift_hold(person: Person, *, actor: User) -> None:
    holds = [h for h in _rows(LegalHold, person) if h.lifted_at is None]
    if not holds:
        raise DomainError(_("Er staat geen bewaarplicht op deze persoon."))
    for hold in holds:
        hold.lifted_at, hold.lifted_by_id = clock.now(), actor.id
    record("privacy-rights", "update", person.type, person.id, detail="bewaarplicht opgeheven", actor=actor)


# --- erasure --------------------------------------------------------------------------------------------

def erasure_preview(person: Person) -> list[dict]:
    """What an erasure would do, per record type: how many records and how (deleted or anonymised)."""
    return [{"label": h.label, "count": len(h.export(person)), "how": h.how}
            for h in registry.holdings_for(person.type)]


def _refuse_erasure_now(person: Person) -> None:
    """Checked when the erasure is asked and again when it is approved: a legal hold, or what must
    end first (registry.register_erasure_check)."""
    if on_hold(person.type, person.id):
        raise DomainError(_("Er staat een bewaarplicht op deze persoon: wissen kan pas als die is opgeheven."))
    if why := registry.erasure_blocked(person.type, person.id):
        raise DomainError(why)


@unit_of_work()
def request_erasure(person: Person, reason: str, *, actor: User) -> ErasureRequest:
    if reason not in ERASURE_REASONS:
        raise DomainError(_("Kies een reden uit de lijst."), "reason")
    if person.anonymised:
        raise DomainError(_("De gegevens van deze persoon zijn al gewist."))
    _refuse_erasure_now(person)
    open_request = db.session.execute(select(ErasureRequest.id).where(
        ErasureRequest.person_type == person.type, ErasureRequest.person_id == person.id,
        ErasureRequest.status == "requested")).scalar()
    if open_request:
        raise DomainError(_("Er wacht al een wisverzoek voor deze persoon op goedkeuring."))
    request = ErasureRequest(municipality_id=person.municipality_id, person_type=person.type, person_id=person.id,
                             reason=reason, status="requested", requested_by_id=actor.id, requested_at=clock.now())
    db.session.add(request)
    record("privacy-rights", "update", person.type, person.id, detail=f"wisverzoek: {reason}", actor=actor)
    return request


def erasure_for_user(request_id: int) -> ErasureRequest:
    return get_scoped_or_404(ErasureRequest, request_id, ErasureRequest.municipality_id)


def open_erasures(user=None) -> list[ErasureRequest]:
    return list(db.session.execute(scoped(select(ErasureRequest), ErasureRequest.municipality_id, user)
                                   .where(ErasureRequest.status == "requested").order_by(ErasureRequest.id)).scalars())


def recent_erasures(user=None, limit: int = 20) -> list[ErasureRequest]:
    """The tombstones: done and refused requests, newest first."""
    return list(db.session.execute(scoped(select(ErasureRequest), ErasureRequest.municipality_id, user)
                                   .where(ErasureRequest.status != "requested")
                                   .order_by(ErasureRequest.id.desc()).limit(limit)).scalars())


def _check_approver(request: ErasureRequest, actor: User) -> None:
    if request.status != "requested":
        raise DomainError(_("Over dit wisverzoek is al besloten."))
    if actor.id == request.requested_by_id:
        raise DomainError(_("Een tweede persoon moet het wisverzoek goedkeuren, niet wie het vroeg."))
    if actor.role_enum not in ERASURE_APPROVERS or actor.organisation_id != request.municipality_id:
        raise DomainError(_("Alleen een andere privacyfunctionaris of de coördinator van de gemeente keurt goed."))


@unit_of_work()
def approve_erasure(request: ErasureRequest, person: Person, *, actor: User) -> ErasureRequest:
    """The second person approves: every holding erases or anonymises its records of the person.
    The request becomes the tombstone with counts per record type only."""
    _check_approver(request, actor)
    _refuse_erasure_now(person)
    counts = {}
    for holding in registry.holdings_for(person.type):
        counts[holding.code] = holding.erase(person)
    request.status, request.decided_by_id, request.decided_at = "done", actor.id, clock.now()
    request.summary = _summary(counts)
    record("privacy-rights", "update", person.type, person.id, detail=f"gewist: {request.summary}",
           actor=actor)
    return request


@unit_of_work()
def refuse_erasure(request: ErasureRequest, *, actor: User) -> None:
    _check_approver(request, actor)
    request.status, request.decided_by_id, request.decided_at = "refused", actor.id, clock.now()
    record("privacy-rights", "update", request.person_type, request.person_id, detail="wisverzoek afgewezen",
           actor=actor)


def _summary(counts: dict[str, int]) -> str:
    return ", ".join(f"{code}: {n}" for code, n in counts.items() if n)[:500]


# --- retention --------------------------------------------------------------------------------------------

def months_before(moment: datetime, months: int) -> datetime:
    """The same moment `months` calendar months earlier (the last day of a shorter month)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def term_months(holding: Holding) -> int:
    return int(current_app.config.get(holding.retention.setting) or holding.retention.default_months)


def retention_rules() -> list[dict]:
    """Every registered retention rule: record type, from when, the setting, its default and value."""
    return [{"label": h.label, "start": h.retention.start, "setting": h.retention.setting,
             "default": h.retention.default_months, "months": term_months(h), "how": h.how}
            for h in registry.HOLDINGS.values() if h.retention]


def _held_people() -> tuple[set[tuple[str, int]], set[str], set[tuple[str, int]]]:
    """The persons under a legal hold, their telephone numbers, and the records that tell about
    them (registry.sms_subjects_of: an SMS to someone else about them, an offer)."""
    people = set(db.session.execute(select(LegalHold.person_type, LegalHold.person_id)
                                    .where(LegalHold.lifted_at.is_(None))).tuples())
    phones = {phone for person_type, person_id in people if person_type in registry.PERSON_TYPES
              for phone in registry.PERSON_TYPES[person_type].phones(person_id)}
    subjects = {(subject_type, subject_id) for person_type, person_id in people
                for subject_type, ids in registry.sms_subjects_of(person_type, person_id).items() for subject_id in ids}
    return people, phones, subjects


def due_now(now: datetime | None = None) -> list[tuple[Holding, list[Due], list[Due]]]:
    """Per holding with a retention rule: the records due now (legal holds taken out) and those a
    legal hold keeps."""
    now = now or clock.now()
    people, phones, subjects = _held_people()

    def is_held(d: Due) -> bool:
        return (d.person_type, d.person_id) in people or (d.phone is not None and d.phone in phones) \
            or (d.subject is not None and d.subject in subjects)

    result = []
    for holding in registry.HOLDINGS.values():
        if not holding.retention:
            continue
        due = holding.retention.due(months_before(now, term_months(holding)))
        result.append((holding, [d for d in due if not is_held(d)], [d for d in due if is_held(d)]))
    return result


def retention_preview(user, *, days_ahead: int = 30) -> list[dict]:
    """Per record type, in the officer's municipality: how many records are due now (the next run
    takes them), how many more in the next `days_ahead` days, and how many a legal hold keeps."""
    now = clock.now()
    later = {holding.code: due for holding, due, _held in due_now(now + timedelta(days=days_ahead))}
    rows = []
    for holding, due, held in due_now(now):
        mine = [d for d in due if d.municipality_id == user.organisation_id]
        soon = [d for d in later[holding.code] if d.municipality_id == user.organisation_id]
        rows.append({"label": holding.label, "how": holding.how, "due": len(mine),
                     "soon": max(len(soon) - len(mine), 0),
                     "held": sum(1 for d in held if d.municipality_id == user.organisation_id),
                     "first": min((d.since for d in mine), default=None)})
    return rows


def recent_runs(limit: int = 10) -> list[RetentionRun]:
    return list(db.session.execute(select(RetentionRun).order_by(RetentionRun.run_on.desc()).limit(limit)).scalars())


def run_retention() -> RetentionRun | None:
    """The daily job: claim today's run (the unique day: a second scheduler gets nothing), then per
    record type anonymise or delete what is due, each in a step of its own, and keep a report of
    counts only. What a failed step left is due again tomorrow."""
    with job_step():
        try:
            with unit_of_work():  # a savepoint: the refused INSERT leaves the step usable
                run = RetentionRun(run_on=local_today(), started_at=clock.now())
                db.session.add(run)
                db.session.flush()
        except IntegrityError:
            return None
        run_id = run.id
    counts, held_total = {}, 0
    for holding, due, held in due_now():
        held_total += len(held)
        if not due:
            continue
        with job_step():
            counts[holding.code] = holding.retention.expire([d.row_id for d in due])
    with job_step():
        run = db.session.get(RetentionRun, run_id)
        run.finished_at, run.summary, run.held = clock.now(), _summary(counts), held_total
        record("retention", "update", "none", None, detail=f"bewaartermijnen {run_id}: {run.summary or 'niets'}")
    return run


# --- what privacy itself holds ------------------------------------------------------------------------------

def _export_corrections(person: Person) -> list[dict]:
    labels = registry.PERSON_TYPES[person.type].fields
    return [{_l("Gegeven"): str(labels.get(c.field, c.field)), _l("Oud"): c.old_value, _l("Nieuw"): c.new_value,
             _l("Reden"): c.reason, _l("Op"): when(c.at, "stamp_long")} for c in _rows(Correction, person)]


def _delete_corrections(ids: list[int]) -> int:
    if not ids:
        return 0
    return db.session.execute(delete(Correction).where(Correction.id.in_(ids))).rowcount


def _corrections_due(cutoff: datetime) -> list[Due]:
    rows = db.session.execute(select(Correction.id, Correction.municipality_id, Correction.person_type,
                                     Correction.person_id, Correction.at).where(Correction.at < cutoff)).all()
    return [Due(*row) for row in rows]


registry.register(Holding(
    code="correction", label=_l("Verbeterde gegevens (oude waarden)"), tables=("privacy_correction",),
    person_types=("citizen", "volunteer"), export=_export_corrections,
    erase=lambda p: _delete_corrections([c.id for c in _rows(Correction, p)]), how=_l("gewist"),
    retention=registry.Retention(setting="RETENTION_CORRECTION_MONTHS", default_months=12,
                                 start=_l("gegeven verbeterd"), due=_corrections_due, expire=_delete_corrections)))
registry.not_personal("privacy_erasure", "the tombstone of an erasure: reason code, counts, staff; no personal data")
registry.not_personal("privacy_legal_hold", "a hold on a person: reason code and staff; no personal data")
