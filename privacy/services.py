"""Writing and reading the processing log. Other contexts call record(); the accounts signals
(logins, refused access, account changes) are recorded here, so accounts never imports privacy."""
from __future__ import annotations

from datetime import datetime

from flask import has_request_context
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from accounts.models import User
from accounts.policy import access_refused
from accounts.services import account_changed, login_attempted
from extensions import db
from privacy.models import ProcessingLogEntry

ACTIONS = {
    "login": _l("Inloggen gelukt"),
    "login_failed": _l("Inloggen mislukt"),
    "access_refused": _l("Toegang geweigerd"),
    "account": _l("Account gewijzigd"),
}


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


def action_choices() -> list[str]:
    return sorted(set(ACTIONS) | set(db.session.execute(select(ProcessingLogEntry.action).distinct()).scalars()))


# --- handlers for the accounts signals ----------------------------------------------------------

@login_attempted.connect
def _on_login(sender, user, email, outcome, **_):
    # Never the password; an unknown address is logged without the address itself (it may be a typo
    # of someone's private e-mail).
    if outcome == "success":
        record("login", "user", user.id, "inloggen", actor=user)
    else:
        record("login_failed", "user", user.id if user else None, "beveiliging", detail=f"uitkomst: {outcome}",
               actor=user)
    db.session.commit()


@access_refused.connect
def _on_refused(sender, user, endpoint, reason, **_):
    record("access_refused", "endpoint", None, "beveiliging", detail=f"{endpoint}: {reason}", actor=user)
    db.session.commit()


@account_changed.connect
def _on_account_changed(sender, actor, user, action, **_):
    record("account", "user", user.id, "beheer", detail=action, actor=actor)
