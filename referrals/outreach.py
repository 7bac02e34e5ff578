"""Reaching the citizen by the channel they chose, and the municipality's one work list of calls and
letters (one `Task` model, the page /balie/taken). Every context that must tell a citizen something
goes through `tell_citizen`: an SMS through the outbox, or a task for the municipality. Below
referrals.services (which books through it): this module never imports the services."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import String, cast, exists, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload

from accounts.models import User
from accounts.pagination import capped_count
from accounts.policy import get_scoped_or_404
from extensions import DomainError, clock, db, unit_of_work
from extensions.dates import sms_date_time
from messaging.models import OutboxMessage, SmsStatus
from messaging.services import queue_sms
from privacy.services import record
from referrals import (
    letters,
    persons,  # noqa: F401  (whom our records are about, for the processing log)
)
from referrals.models import Appointment, Citizen, Location, Task
from referrals.vocabulary import Channel

# Reasons that say what a task is about; any other reason of a call to a landline becomes "landline".
_SPECIFIC_REASONS = {"appointment_confirmation", "appointment_moved", "appointment_cancelled",
                     "appointment_reminder"}

# --- telling the citizen by their channel -----------------------------------------------------------


def place_values(location: Location, moment: datetime | None, language: str) -> dict[str, str]:
    """The values every appointment and course text about a place uses: who writes (the
    municipality's short SMS name), address, city, where (room "Stadskantoor, 2e verdieping",
    street and city together), what to bring and phone of the location, and (with a moment) its date and
    time in the citizen's language."""
    values = {"sender": location.municipality.sms_sender, "address": location.street, "city": location.city,
              "where": ", ".join(part for part in (location.room, location.street, location.city) if part),
              "bring": letters.bring_of(location, language), "phone": location.phone}
    if moment is not None:
        values.update(sms_date_time(moment, language))
    return values


def tell_citizen(citizen: Citizen, *, purpose: str, values: dict, subject_type: str, subject_id: int,
                 dedup_key: str, municipality_id: int, referral_id: int | None, task_text: str,
                 letter_text: str | None = None, reason: str = "other",
                 expires_at: datetime | None = None, appointment_id: int | None = None,
                 letter: str | None = None, letter_values: dict | None = None) -> str:
    """SMS through the outbox when the citizen gets SMS; otherwise a task for the municipality: a
    letter for letter citizens, a call (with `task_text`) for the others and when there is no
    letter. The letter is a code of referrals.letters with its values (`letter`, `letter_values`:
    ids and times, no personal data), printed in the citizen's language; `letter_text` (a stored
    body) is the older form. Idempotent through the dedup key. Adds to the caller's transaction.
    Returns "sms", "letter" or "call". `expires_at`: an SMS still unsent then is not sent (the
    tasks have no expiry). `appointment_id`: the appointment the task is about (see `withdraw_tasks`)."""
    if citizen.gets_sms:
        queue_sms(to=citizen.phone_e164, purpose=purpose, language=citizen.language, values=values,
                  subject_type=subject_type, subject_id=subject_id, dedup_key=dedup_key,
                  organisation_id=municipality_id, expires_at=expires_at)
        return "sms"
    kind = "letter" if citizen.channel == Channel.LETTER and (letter or letter_text) else "call"
    if kind == "call" and not citizen.phone_is_mobile and reason not in _SPECIFIC_REASONS:
        reason = "landline"
    if kind == "letter" and letter:
        letter_text = letters.plain_text(letter, letter_values or {})
    add_task(municipality_id=municipality_id, referral_id=referral_id, kind=kind, reason=reason,
             description=letter_text if kind == "letter" else task_text, dedup_key=f"{dedup_key}:task",
             appointment_id=appointment_id, letter=letter if kind == "letter" else None,
             letter_values=letter_values if kind == "letter" and letter else None)
    return kind


def add_task(*, municipality_id: int, referral_id: int | None, kind: str, reason: str, description: str,
             dedup_key: str | None = None, appointment_id: int | None = None, letter: str | None = None,
             letter_values: dict | None = None) -> None:
    """Add a task in the caller's transaction. With a dedup key, a second call (a second
    scheduler, a double click) adds nothing: INSERT ... ON CONFLICT DO NOTHING."""
    values = dict(municipality_id=municipality_id, referral_id=referral_id, appointment_id=appointment_id,
                  kind=kind, reason=reason, description=description, dedup_key=dedup_key,
                  letter=letter, letter_values=letter_values, created_at=clock.now())
    if dedup_key is None:
        db.session.add(Task(**values))
        return
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(Task).values(**values).on_conflict_do_nothing(index_elements=["dedup_key"]))


def withdraw_tasks(appointment_id: int) -> None:
    """The appointment changed (moved, cancelled): its tasks still open no longer make sense (a
    letter with the old time). They are closed with no one as `done_by` (shown as withdrawn), in
    the caller's transaction."""
    db.session.execute(
        update(Task).where(Task.appointment_id == appointment_id, Task.done_at.is_(None))
        .values(done_at=clock.now(), done_by_id=None).execution_options(synchronize_session=False))


# --- tasks ----------------------------------------------------------------------------------------------

def tasks_query(municipality_id: int, *, done: bool = False):
    stmt = (select(Task).where(Task.municipality_id == municipality_id)
            .options(selectinload(Task.referral), selectinload(Task.done_by)))
    if done:
        return stmt.where(Task.done_at.is_not(None)).order_by(Task.done_at.desc(), Task.id.desc())
    return stmt.where(Task.done_at.is_(None)).order_by(Task.created_at, Task.id)


def count_open_tasks(municipality_id: int) -> int:
    """Open tasks, counted up to the pager's cap (capped_count)."""
    return capped_count(select(Task.id).where(Task.municipality_id == municipality_id, Task.done_at.is_(None)))


def task_for_user(task_id: int, user=None) -> Task:
    return get_scoped_or_404(Task, task_id, Task.municipality_id, user=user,
                             options=(selectinload(Task.referral),
                                      selectinload(Task.appointment).selectinload(Appointment.location)))


@unit_of_work()
def complete_task(task: Task, *, actor: User) -> None:
    done = db.session.execute(
        update(Task).where(Task.id == task.id, Task.done_at.is_(None))
        .values(done_at=clock.now(), done_by_id=actor.id).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise DomainError(_("Deze taak was al gedaan."))
    if task.referral_id:
        record("outreach-task", "update", "referral", task.referral_id, detail=f"taak {task.id} ({task.kind}) gedaan",
               actor=actor)


@unit_of_work()
def record_letter_read(task: Task, *, actor: User) -> None:
    if task.referral_id:
        record("outreach-task", "read", "referral", task.referral_id, detail=f"taak {task.id}: brief", actor=actor)


def printed_letter(task: Task) -> tuple[Location | None, str, list[str]] | None:
    """(location, subject, paragraphs) of a task's letter in the current language (the view sets
    the citizen's); None for a letter stored as text before letters had codes."""
    if not task.letter or task.letter not in letters.LETTERS:
        return None
    location = letters.location_of(task.letter_values)
    subject, paragraphs = letters.render(task.letter, task.letter_values or {}, location)
    return location, subject, paragraphs


# SMS subject types whose failure becomes a call-back task, each with how to find its referral (None
# when the subject belongs to no one referral). Contexts above referrals register their own types.
_REFERRAL_OF_SUBJECT: dict[str, Callable[[int], int | None]] = {}


def register_sms_subject(subject_type: str, referral_of: Callable[[int], int | None]) -> None:
    _REFERRAL_OF_SUBJECT[subject_type] = referral_of


def _referral_of_appointment(appointment_id: int) -> int | None:
    return db.session.execute(select(Appointment.referral_id).where(Appointment.id == appointment_id)).scalar()


register_sms_subject("appointment", _referral_of_appointment)


@unit_of_work()
def tasks_for_failed_sms(days: int = 14) -> int:
    """Scheduler job: every SMS of a municipality about a registered subject (an appointment, a
    course) that failed or was not delivered becomes a call-back task (once: the task's dedup key)."""
    since = clock.now() - timedelta(days=days)
    rows = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.subject_type, OutboxMessage.subject_id, OutboxMessage.organisation_id,
               OutboxMessage.error_reason)
        .where(OutboxMessage.status.in_((SmsStatus.FAILED, SmsStatus.UNDELIVERED)),
               OutboxMessage.subject_type.in_(sorted(_REFERRAL_OF_SUBJECT)),
               OutboxMessage.organisation_id.is_not(None), OutboxMessage.status_changed_at >= since,
               ~exists().where(Task.dedup_key == literal("sms:") + cast(OutboxMessage.id, String)
                               + literal(":failed")))).all()
    added = 0
    for message_id, subject_type, subject_id, organisation_id, reason in rows:
        referral_id = _REFERRAL_OF_SUBJECT[subject_type](subject_id)
        # The work list shows the citizen's name and number from the referral: the text names no one.
        add_task(municipality_id=organisation_id, referral_id=referral_id, kind="call", reason="sms_failed",
                 description=f"Sms aan de inwoner is niet aangekomen ({reason or 'onbekend'}). Bel de inwoner.",
                 dedup_key=f"sms:{message_id}:failed")
        added += 1
    return added

