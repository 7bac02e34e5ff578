"""Writing and reading the processing log. Other contexts call record(); the accounts signals
(logins, refused access, account changes) are recorded here, so accounts never imports privacy."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask import has_request_context
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import and_, or_, select

from accounts.models import User
from accounts.policy import access_refused
from accounts.services import account_changed, login_attempted
from extensions import db, durably
from privacy import registry
from privacy.models import ProcessingLogEntry

ACTIONS = {
    "login": _l("Inloggen gelukt"),
    "login_failed": _l("Inloggen mislukt"),
    "access_refused": _l("Toegang geweigerd"),
    "account": _l("Account gewijzigd"),
    "create": _l("Aangemaakt"),
    "read": _l("Bekeken"),
    "read_list": _l("Lijst bekeken"),
    "update": _l("Gewijzigd"),
}

# What an entry is about (the subject_type every record() call in the code writes).
SUBJECT_TYPES = {
    "user": _l("Gebruiker"),
    "endpoint": _l("Pagina"),
    "citizen": _l("Inwoner"),
    "referral": _l("Verwijzing"),
    "referral_list": _l("Lijst van verwijzingen"),
    "task_list": _l("Lijst van taken"),
    "location": _l("Locatie"),
    "course": _l("Cursus"),
    "sms_message": _l("Sms-berichten"),
    "sms_inbound": _l("Ontvangen sms"),
}

# The kinds of list record_list_read() logs (subject_type "<kind>_list").
LIST_KINDS = {"referral", "task"}


def register_subject(subject_type: str, label, *, list_label=None) -> None:
    """A higher context names what its log entries are about (and, with `list_label`, the list of
    them that record_list_read logs): privacy imports no higher context."""
    SUBJECT_TYPES.setdefault(subject_type, label)
    if list_label is not None:
        SUBJECT_TYPES.setdefault(f"{subject_type}_list", list_label)
        LIST_KINDS.add(subject_type)


def record(action: str, subject_type: str, subject_id: int | None, purpose: str, detail: str | None = None,
           actor: User | None = None) -> ProcessingLogEntry:
    """Add a log entry to the current transaction. The caller's commit makes it durable, so the
    log and the change it describes are saved together or not at all."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    entry = ProcessingLogEntry(
        actor_id=actor.id if actor else None,
        actor_name=actor.email if actor else "systeem",
        organisation_id=actor.organisation_id if actor else None,
        organisation_name=actor.organisation.name if actor else "Wegwijs",
        action=action, subject_type=subject_type, subject_id=subject_id, purpose=purpose,
        detail=(detail or None) and detail[:500],
    )
    db.session.add(entry)
    return entry


def record_list_read(kind: str, ids: Iterable[int], purpose: str) -> None:
    """One log entry for one view of a page listing people (not one per row): action "read_list",
    subject "<kind>_list", the ids shown in the detail. Nothing when the page shows nobody.
    Part of the request's unit of work: saved with it, after the page rendered, or not at all."""
    if kind not in LIST_KINDS:
        raise ValueError(f"unknown list kind {kind!r}; add it to LIST_KINDS and SUBJECT_TYPES")
    shown = list(dict.fromkeys(ids))
    if not shown:
        return
    detail = f"{len(shown)} getoond: " + ", ".join(str(i) for i in shown)
    if len(detail) > 500:
        detail = detail[:496].rsplit(", ", 1)[0] + ", …"
    record("read_list", f"{kind}_list", None, purpose, detail=detail)


def log_query(*, action: str | None = None, subject_type: str | None = None, subject_id: int | None = None,
              organisation_id: int | None = None, since: datetime | None = None, until: datetime | None = None):
    stmt = select(ProcessingLogEntry).order_by(ProcessingLogEntry.at.desc(), ProcessingLogEntry.id.desc())
    if action:
        stmt = stmt.where(ProcessingLogEntry.action == action)
    if subject_type:
        stmt = stmt.where(ProcessingLogEntry.subject_type == subject_type)
    if subject_id:
        stmt = stmt.where(ProcessingLogEntry.subject_id == subject_id)
    if organisation_id:
        stmt = stmt.where(ProcessingLogEntry.organisation_id == organisation_id)
    if since:
        stmt = stmt.where(ProcessingLogEntry.at >= since)
    if until:
        stmt = stmt.where(ProcessingLogEntry.at < until)
    return stmt


def action_choices() -> list[tuple[str, str]]:
    """(value, label) of every action the code writes, by label: constants, so the filter costs
    nothing at a million log lines."""
    return _labelled(ACTIONS, set(ACTIONS))


def subject_type_choices() -> list[tuple[str, str]]:
    return _labelled(SUBJECT_TYPES, set(SUBJECT_TYPES))


def _labelled(labels: dict, values: set[str]) -> list[tuple[str, str]]:
    return sorted(((v, labels.get(v, v)) for v in values), key=lambda pair: str(pair[1]).lower())


# --- handlers for the accounts signals ----------------------------------------------------------

@login_attempted.connect
def _on_login(sender, user, email, outcome, **_):
    # Never the password; an unknown address is logged without the address itself (it may be a typo
    # of someone's private e-mail). A failed attempt ends in a DomainError that rolls back the
    # login's unit of work: its record is written in one of its own.
    if outcome == "success":
        record("login", "user", user.id, "inloggen", actor=user)
    else:
        durably(lambda: record("login_failed", "user", user.id if user else None, "beveiliging",
                               detail=f"uitkomst: {outcome}", actor=user))


@access_refused.connect
def _on_refused(sender, user, endpoint, reason, **_):
    # Followed by a 403 or 404 that rolls back the request: the record is written in its own unit of work.
    durably(lambda: record("access_refused", "endpoint", None, "beveiliging", detail=f"{endpoint}: {reason}",
                           actor=user))


@account_changed.connect
def _on_account_changed(sender, actor, user, action, **_):
    record("account", "user", user.id, "beheer", detail=action, actor=actor)


def log_lines_for_person(person_type: str, person_id: int) -> list[dict]:
    """The processing-log lines about one person, newest first, for their inzage: the entries
    about the person and about what the registry says is theirs (a citizen's referrals)."""
    subjects = [(person_type, person_id)]
    if person_type in registry.PERSON_TYPES:
        subjects += registry.PERSON_TYPES[person_type].log_subjects(person_id)
    conditions = [and_(ProcessingLogEntry.subject_type == t, ProcessingLogEntry.subject_id == i) for t, i in subjects]
    entries = db.session.execute(select(ProcessingLogEntry).where(or_(*conditions))
                                 .order_by(ProcessingLogEntry.at.desc(), ProcessingLogEntry.id.desc())).scalars()
    return [{"at": e.at, "end": e.at, "activity_id": e.action, "activity_name": str(ACTIONS.get(e.action, e.action)),
             "purpose": e.purpose, "status": "ok", "actor_name": e.actor_name,
             "organisation_name": e.organisation_name, "trace_id": None, "operation_id": str(e.id)}
            for e in entries]
