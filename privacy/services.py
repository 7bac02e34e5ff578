"""Writing and reading the processing log (Logboek Dataverwerkingen). Other contexts call record()
and record_list_read(); the accounts signals (logins, refused access, account changes) are recorded
here, so accounts never imports privacy.

A line is one processing of one person's data: the activity of the register (privacy/activities.py),
the person as a keyed pseudonym, the trace of the request (W3C Trace Context) and a new operation
id. Who did it is one audit record per operation. Higher contexts tell privacy which persons their
records are about (`register_subject_persons`) and how to find a person from what an officer types
(`register_person_finder`): privacy imports no higher context."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from flask import current_app, g, has_request_context, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import delete, exists, insert, select, text

from accounts.models import User
from accounts.policy import access_refused
from accounts.services import account_changed, login_attempted
from extensions import DomainError, clock, db, durably, job_step
from privacy import activities
from privacy.models import PURGE_OPTION, AuditRecord, LogLine

ACTIONS = {
    "login": _l("Inloggen gelukt"),
    "login_failed": _l("Inloggen mislukt"),
    "access_refused": _l("Toegang geweigerd"),
    "account": _l("Account gewijzigd"),
    "create": _l("Aangemaakt"),
    "read": _l("Bekeken"),
    "update": _l("Gewijzigd"),
}

# Whom a line is about. "phone": a number shown without its person (the SMS pages); "none": a
# security event without a known person (a login with an unknown address).
PERSON_TYPES = {
    "citizen": _l("Inwoner"),
    "volunteer": _l("Vrijwilliger"),
    "user": _l("Medewerker"),
    "phone": _l("Telefoonnummer"),
    "none": _l("Geen persoon"),
}
STATUSES = {"ok": _l("Gelukt"), "refused": _l("Geweigerd"), "failed": _l("Mislukt")}

PersonRef = tuple[str, int | str]
# subject type -> (subject ids -> the persons those records are about), one query for all ids.
_SUBJECT_PERSONS: dict[str, Callable[[list[int]], Iterable[PersonRef]]] = {}
# what an officer typed (a phone number) -> the persons it names
_PERSON_FINDERS: list[Callable[[str], Iterable[PersonRef]]] = []


def register_subject_persons(subject_type: str, resolve: Callable[[list[int]], Iterable[PersonRef]]) -> None:
    """A higher context says whom its records are about: `resolve(ids)` gives (person type, id) of
    every person behind those records (a referral: its citizen; a pairing: citizen and volunteer)."""
    _SUBJECT_PERSONS[subject_type] = resolve


def register_person_finder(find: Callable[[str], Iterable[PersonRef]]) -> None:
    """A higher context finds persons by what an officer types in the log's search (a phone number)."""
    if find not in _PERSON_FINDERS:
        _PERSON_FINDERS.append(find)


# --- pseudonyms and trace context ------------------------------------------------------------------

def pseudonym(person_type: str, ref: int | str) -> str:
    """HMAC-SHA256 of the person with PROCESSING_LOG_KEY, which is configuration and never stored
    in the database: the log alone names nobody, and whoever holds the key finds a person's lines."""
    key = current_app.config["PROCESSING_LOG_KEY"].encode()
    return hmac.new(key, f"{person_type}:{ref}".encode(), hashlib.sha256).hexdigest()


TRACEPARENT = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
_ENVIRON_KEY = "wegwijs.trace"


def parse_traceparent(value: str | None) -> tuple[str, str] | None:
    """(trace id, parent span id) of a valid W3C `traceparent`, else None (and a new trace starts)."""
    match = TRACEPARENT.match((value or "").strip())
    if not match:
        return None
    version, trace_id, parent_id, _flags = match.groups()
    if version == "ff" or trace_id == "0" * 32 or parent_id == "0" * 16:
        return None
    return trace_id, parent_id


def new_operation_id() -> str:
    return secrets.token_hex(8)


def current_trace() -> dict:
    """The trace of this request (from the caller's `traceparent`, or new) or of this job's app
    context: trace id, the caller's span, this request's own span and when it started."""
    if has_request_context():
        trace = request.environ.get(_ENVIRON_KEY)
        if trace is None:
            trace_id, parent = parse_traceparent(request.headers.get("traceparent")) or (secrets.token_hex(16), None)
            trace = request.environ[_ENVIRON_KEY] = {"trace_id": trace_id, "parent": parent,
                                                     "span": new_operation_id(), "started": clock.now()}
        return trace
    if "wegwijs_trace" not in g:
        g.wegwijs_trace = {"trace_id": secrets.token_hex(16), "parent": None, "span": new_operation_id(),
                           "started": None}
    return g.wegwijs_trace


def traceresponse_header() -> str:
    """The `traceresponse` header (W3C Trace Context level 2): the caller learns the trace we logged under."""
    trace = current_trace()
    return f"00-{trace['trace_id']}-{trace['span']}-01"


# --- writing ---------------------------------------------------------------------------------------

def _persons_of(subject_type: str, ids: list) -> list[PersonRef]:
    if subject_type in PERSON_TYPES:
        return [(subject_type, i) for i in ids]
    resolve = _SUBJECT_PERSONS.get(subject_type)
    if resolve is None:
        raise ValueError(f"unknown subject type {subject_type!r}: a person type or register_subject_persons()")
    return list(resolve(ids)) if ids else []


def _write(activity_id: str, action: str, persons: list[PersonRef], *, actor: User | None, detail: str | None,
           status: str) -> str | None:
    activity = activities.current(activity_id)
    if activity is None:
        raise ValueError(f"unknown processing activity {activity_id!r}: add it to privacy/activities.py")
    if action not in ACTIONS or status not in STATUSES:
        raise ValueError(f"unknown action {action!r} or status {status!r}")
    if not persons:
        return None  # a record about nobody (a task without a referral): nothing to log
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    trace, operation_id, now = current_trace(), new_operation_id(), clock.now()
    started = trace["started"] or now
    db.session.execute(_ADD_AUDIT, dict(
        operation_id=operation_id, at=now, actor_id=actor.id if actor else None,
        actor_name=actor.email if actor else "systeem",
        organisation_id=actor.organisation_id if actor else None,
        organisation_name=actor.organisation.name if actor else "Wegwijs",
        detail=(detail or None) and detail[:500]))
    lines = [dict(trace_id=trace["trace_id"], operation_id=operation_id, parent_operation_id=trace["parent"],
                  activity_id=activity.id, activity_version=activity.version, action=action,
                  person_type=person_type, person=pseudonym(person_type, ref) if person_type != "none" else None,
                  status=status, started_at=started, ended_at=now)
             for person_type, ref in dict.fromkeys(persons)]
    db.session.execute(_ADD_LINE, lines)  # one statement, or one executemany for a whole page
    return operation_id


# Cached Core INSERTs (no ORM bulk-insert work, no RETURNING): the log is written on every page.
_ADD_AUDIT = insert(AuditRecord.__table__).inline()  # inline: no RETURNING id
_ADD_LINE = insert(LogLine.__table__).inline()


def record(activity_id: str, action: str, subject_type: str, subject_id: int | str | None, *,
           detail: str | None = None, actor: User | None = None, status: str = "ok") -> str | None:
    """Log one processing in the current transaction: a line per person behind the subject (a
    person type with its id, or a record a higher context registered, such as a referral). The
    caller's commit makes it durable, so the log and the change it describes are saved together
    or not at all. Returns the operation id."""
    persons = [("none", 0)] if subject_id is None else _persons_of(subject_type, [subject_id])
    return _write(activity_id, action, persons, actor=actor, detail=detail, status=status)


def record_many(activity_id: str, action: str, subject_type: str, ids: Iterable[int | str], *,
                detail: str | None = None, actor: User | None = None) -> None:
    """One processing of many records (a page that lists people, the attendance of a session):
    one line per person (one operation, one audit record, one executemany), nothing for nobody."""
    shown = list(dict.fromkeys(i for i in ids if i is not None))
    _write(activity_id, action, _persons_of(subject_type, shown) if shown else [], actor=actor, detail=detail,
           status="ok")


def record_list_read(activity_id: str, subject_type: str, ids: Iterable[int | str]) -> None:
    """A page showed these records: one line per person shown. Part of the request's unit of
    work: saved with it, after the page rendered, or not at all."""
    record_many(activity_id, "read", subject_type, ids)


# --- retention --------------------------------------------------------------------------------------

PURGE_BATCH = 5000


def purge_expired_log(now: datetime) -> int:
    """Delete the log lines (and then their audit records) older than the log's own retention term,
    PROCESSING_LOG_RETENTION_DAYS. In batches, each its own transaction; on PostgreSQL the batch
    says so with a transaction-local setting that the append-only trigger lets through (nothing
    else does), and two schedulers skip each other's rows. Returns the number of lines deleted."""
    cutoff = now - timedelta(days=int(current_app.config["PROCESSING_LOG_RETENTION_DAYS"]))
    postgres = db.engine.dialect.name == "postgresql"
    deleted = 0
    for model, moment, extra in (
        (LogLine, LogLine.ended_at, ()),
        # an audit record goes with the last line of its operation
        (AuditRecord, AuditRecord.at, (~exists().where(LogLine.operation_id == AuditRecord.operation_id),)),
    ):
        while True:
            with job_step():
                if postgres:
                    db.session.execute(text("SET LOCAL wegwijs.log_purge = 'on'"))
                ids = select(model.id).where(moment < cutoff, *extra).order_by(model.id).limit(PURGE_BATCH)
                if postgres:
                    ids = ids.with_for_update(skip_locked=True)
                batch = list(db.session.execute(ids).scalars())
                if batch:
                    db.session.execute(delete(model).where(model.id.in_(batch))
                                       .execution_options(synchronize_session=False, **{PURGE_OPTION: True}))
            if model is LogLine:
                deleted += len(batch)
            if len(batch) < PURGE_BATCH:
                break
    return deleted


# --- reading ---------------------------------------------------------------------------------------

PSEUDONYM = re.compile(r"^[0-9a-f]{64}$")
PERSON_ID = re.compile(r"^\d{1,9}$")


def person_pseudonyms(person_type: str, typed: str) -> list[str]:
    """The pseudonyms an officer means: a pseudonym itself, the number of a person of the chosen
    type, or a phone number (its own pseudonym and those of the persons with that number)."""
    typed = (typed or "").strip()
    if PSEUDONYM.match(typed.lower()):
        return [typed.lower()]
    if PERSON_ID.match(typed):
        if person_type not in PERSON_TYPES or person_type in ("none", "phone"):
            raise DomainError(_("Kies wat voor persoon dit nummer is."), "person_type")
        return [pseudonym(person_type, int(typed))]
    found = [ref for find in _PERSON_FINDERS for ref in find(typed)]
    if not found:
        raise DomainError(_("Geen persoon gevonden. Vul een nummer, telefoonnummer of pseudoniem in."), "person")
    return list(dict.fromkeys(pseudonym(t, ref) for t, ref in found))


def log_query(*, persons: list[str] | None = None, trace_id: str | None = None, activity_id: str | None = None,
              action: str | None = None, organisation_id: int | None = None, since: datetime | None = None,
              until: datetime | None = None):
    """Lines with their audit record, newest first. A query must name a person, a trace or an
    activity: the log is read to answer a question about a processing, not browsed."""
    if not (persons or trace_id or activity_id):
        raise DomainError(_("Kies een persoon, een trace-id of een verwerkingsactiviteit."), "person")
    stmt = (select(LogLine, AuditRecord).outerjoin(AuditRecord, AuditRecord.operation_id == LogLine.operation_id)
            .order_by(LogLine.started_at.desc(), LogLine.id.desc()))
    if persons:
        stmt = stmt.where(LogLine.person.in_(persons))
    if trace_id:
        stmt = stmt.where(LogLine.trace_id == trace_id)
    if activity_id:
        stmt = stmt.where(LogLine.activity_id == activity_id)
    if action:
        stmt = stmt.where(LogLine.action == action)
    if organisation_id:
        stmt = stmt.where(AuditRecord.organisation_id == organisation_id)
    if since:
        stmt = stmt.where(LogLine.started_at >= since)
    if until:
        stmt = stmt.where(LogLine.started_at < until)
    return stmt


def activity_of(line: LogLine) -> activities.Activity | None:
    return activities.version_of(line.activity_id, line.activity_version)


def log_lines_for_person(person_type: str, person_id: int) -> list[dict]:
    """Every log line about one person, oldest first, with who did it (for inzage)."""
    rows = db.session.execute(log_query(persons=[pseudonym(person_type, person_id)])
                              .order_by(None).order_by(LogLine.started_at, LogLine.id)).all()
    out = []
    for line, audit in rows:
        activity = activity_of(line)
        out.append({"at": line.started_at, "end": line.ended_at, "activity_id": line.activity_id,
                    "activity_name": activity.name if activity else line.activity_id,
                    "purpose": activity.purpose if activity else "", "status": line.status,
                    "actor_name": audit.actor_name if audit else "", "trace_id": line.trace_id,
                    "organisation_name": audit.organisation_name if audit else "",
                    "operation_id": line.operation_id})
    return out


def action_choices() -> list[tuple[str, str]]:
    """(value, label) of every action the code writes, by label: constants, so the filter costs
    nothing at a million log lines."""
    return sorted(((v, ACTIONS[v]) for v in ACTIONS), key=lambda pair: str(pair[1]).lower())


def activity_choices() -> list[tuple[str, str]]:
    return [(a.id, a.name) for a in sorted(activities.all_current(), key=lambda a: a.name.lower())]


def person_type_choices() -> list[tuple[str, str]]:
    return [(t, PERSON_TYPES[t]) for t in ("citizen", "volunteer", "user")]


# --- handlers for the accounts signals ----------------------------------------------------------

@login_attempted.connect
def _on_login(sender, user, email, outcome, **_):
    # Never the password; an unknown address is logged without the address itself (it may be a typo
    # of someone's private e-mail). A failed attempt ends in a DomainError that rolls back the
    # login's unit of work: its record is written in one of its own.
    if outcome == "success":
        record("account-login", "login", "user", user.id, actor=user)
    else:
        durably(lambda: record("access-security", "login_failed", "user", user.id if user else None,
                               detail=f"uitkomst: {outcome}", actor=user, status="failed"))


@access_refused.connect
def _on_refused(sender, user, endpoint, reason, **_):
    # Followed by a 403 or 404 that rolls back the request: the record is written in its own unit of work.
    durably(lambda: record("access-security", "access_refused", "user", user.id if user else None,
                           detail=f"{endpoint}: {reason}", actor=user, status="refused"))


@account_changed.connect
def _on_account_changed(sender, actor, user, action, **_):
    record("account-management", "account", "user", user.id, detail=action, actor=actor)
