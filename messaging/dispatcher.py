"""The dispatcher: claims due messages, sends them without holding a lock, records the outcome.

How a message can never be sent twice, nor lost:

1. Claim. In one short transaction, pick due `queued` ids (PostgreSQL: `FOR UPDATE SKIP
   LOCKED`, so two dispatchers take different rows and never wait for each other; SQLite: the
   transaction holds the database's write lock from BEGIN IMMEDIATE) and move exactly those to
   `sending` with our worker id and a lease, guarded by `status='queued'`. Commit.
2. Send, with no transaction open, from a pool of threads (SMS_DISPATCH_CONCURRENCY at once, at
   most SMS_RATE_PER_SECOND started a second, see messaging/pacing.py); the threads only call
   the provider, the database stays with the main thread. Only a message whose lease still has
   more time left than one HTTP call can take is sent; the rest of a slow batch is handed back,
   unsent, and so is what had not started when the provider refused or did not answer.
3. Record the whole batch in one step (one UPDATE), guarded by `status='sending' AND
   claimed_by=<us>`: sent, retry later (the provider certainly did not take it), failed (a
   permanent error), or unknown (timeout, 5xx, a broken connection: it may have been taken).
   The scheduler's run claims the next batch before it records this one (`dispatch`), so the
   pool keeps sending meanwhile; each transaction is short and never spans a call.
4. A lease that ran out (a killed dispatcher) turns `sending` into `unknown`.
5. Reconcile `unknown`: ask the provider. With a sid, fetch it. Without one (the answer to our
   POST never arrived) list the provider's recent messages to that number and take the one with
   our exact text, created after our attempt, whose sid none of our messages holds yet; it is
   ours (the status callback URL carries our id too, so a callback can settle it first). Found:
   take its status. Not found: the provider never processed it; back to `queued`, sent again.
"""
from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import case, literal, select, text, update

from extensions import clock, db, job_step
from messaging.gateways import GatewayUnavailable, Outgoing, SendResult, gateway_from_config
from messaging.models import OutboxMessage, SmsStatus
from messaging.pacing import SendPool
from messaging.services import (
    PROVIDER_STATUS,
    advance_status,
    in_quiet_hours,
    next_allowed_send,
    opted_out_numbers,
    reason_for,
    set_opt_out,
)

log = logging.getLogger(__name__)
WORKER_ID = f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class DispatchReport:
    claimed: int = 0
    sent: int = 0
    retry: int = 0
    unknown: int = 0
    failed: int = 0
    released: int = 0
    leases_expired: int = 0
    reconciled: int = 0
    requeued: int = 0
    outcomes: dict = field(default_factory=dict)

    def add(self, other: DispatchReport) -> None:
        for name in ("claimed", "sent", "retry", "unknown", "failed", "released", "leases_expired",
                     "reconciled", "requeued"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _cfg(key: str, default):
    value = current_app.config.get(key)
    return default if value is None else value


def _is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _claim(status: SmsStatus, batch: int, worker: str, values: dict) -> list:
    """Atomically take up to `batch` due rows of `status`; returns (id, to, body, sid, ...) rows."""
    now = clock.now()
    pick = (select(OutboxMessage.id)
            .where(OutboxMessage.status == status, OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(batch))
    if _is_postgres():
        pick = pick.with_for_update(skip_locked=True)
    # Two statements in one transaction, not UPDATE ... WHERE id IN (SELECT ... LIMIT n): the
    # planner may re-run such a subquery for every outer row, and with SKIP LOCKED each re-run
    # takes other rows, so one dispatcher claimed the whole table (seen in the benchmark).
    ids = list(db.session.execute(pick).scalars())
    if not ids:
        return []
    stmt = (update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status == status)
            .values(claimed_by=worker, **values)
            .returning(OutboxMessage.id, OutboxMessage.to_e164, OutboxMessage.body, OutboxMessage.provider_sid,
                       OutboxMessage.last_attempt_at, OutboxMessage.expires_at, OutboxMessage.attempts)
            .execution_options(synchronize_session=False))
    rows = db.session.execute(stmt).all()
    rows.sort(key=lambda r: r.id)
    return rows


@job_step()
def expire_leases() -> int:
    """`sending` rows whose dispatcher vanished become `unknown` (reconciled, never blindly resent)."""
    now = clock.now()
    settle = timedelta(seconds=_cfg("DISPATCH_RECONCILE_DELAY_SECONDS", 60))
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == SmsStatus.SENDING, OutboxMessage.lease_expires_at < now)
        .values(status=SmsStatus.UNKNOWN, claimed_by=None, lease_expires_at=None, next_attempt_at=now + settle,
                status_changed_at=now, error_code="uncertain", error_reason=reason_for("uncertain"))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def _guarded(message_id: int, worker: str, status: SmsStatus = SmsStatus.SENDING):
    return update(OutboxMessage).where(
        OutboxMessage.id == message_id, OutboxMessage.status == status, OutboxMessage.claimed_by == worker
    ).execution_options(synchronize_session=False)


def _backoff(attempts: int, retry_after: float | None) -> float:
    base = min(30 * 2 ** max(attempts - 1, 0), 1800)
    seconds = base * random.uniform(0.8, 1.2)
    return max(seconds, retry_after or 0)


def send_pool() -> SendPool:
    """The pool that sends for this process: SMS_DISPATCH_CONCURRENCY calls at once, at most
    SMS_RATE_PER_SECOND started a second."""
    return SendPool(int(_cfg("SMS_DISPATCH_CONCURRENCY", 8)), float(_cfg("SMS_RATE_PER_SECOND", 10)))


def _outcome_values(row, result: SendResult, now, report: DispatchReport) -> dict:
    """The columns one message's send result changes (applied under our claim only)."""
    if result.outcome == "sent":
        report.sent += 1
        return {"status": SmsStatus.SENT, "provider_sid": result.provider_sid, "sent_at": now,
                "next_attempt_at": None, "error_code": None, "error_reason": None}
    if result.outcome == "retry":
        if row.attempts >= _cfg("DISPATCH_MAX_ATTEMPTS", 8):
            report.failed += 1
            code = "auth" if result.error_code == "auth" else "unreachable"
            return {"status": SmsStatus.FAILED, "error_code": code, "error_reason": reason_for(code),
                    "next_attempt_at": None}
        report.retry += 1
        wait = timedelta(seconds=_backoff(row.attempts, result.retry_after))
        return {"status": SmsStatus.QUEUED, "next_attempt_at": next_allowed_send(now + wait),
                "error_code": result.error_code, "error_reason": reason_for(result.error_code)}
    if result.outcome == "unknown":
        report.unknown += 1
        settle = timedelta(seconds=_cfg("DISPATCH_RECONCILE_DELAY_SECONDS", 60))
        return {"status": SmsStatus.UNKNOWN, "next_attempt_at": now + settle, "error_code": "uncertain",
                "error_reason": reason_for("uncertain")}
    report.failed += 1
    if result.error_code == "21610":
        set_opt_out(row.to_e164, True, source="provider", keyword="21610")
    return {"status": SmsStatus.FAILED, "error_code": result.error_code,
            "error_reason": reason_for(result.error_code, result.detail), "next_attempt_at": None}


def _update_each(changes: dict[int, dict], worker: str, now):
    """One UPDATE for a whole batch: per column a CASE on the id where the messages' new values
    differ, guarded by our claim; RETURNING the ids it moved."""
    values = {"claimed_by": None, "lease_expires_at": None, "status_changed_at": now}
    for name in sorted({name for change in changes.values() for name in change}):
        column = OutboxMessage.__table__.c[name]
        given = {message_id: change[name] for message_id, change in changes.items() if name in change}
        if len(given) == len(changes) and len(set(given.values())) == 1:
            values[name] = next(iter(given.values()))
        else:
            values[name] = case(*((OutboxMessage.id == message_id, literal(value, column.type))
                                  for message_id, value in given.items()), else_=column)
    return (update(OutboxMessage)
            .where(OutboxMessage.id.in_(changes), OutboxMessage.status == SmsStatus.SENDING,
                   OutboxMessage.claimed_by == worker)
            .values(**values).returning(OutboxMessage.id).execution_options(synchronize_session=False))


@job_step()
def _record(attempts: list, worker: str, report: DispatchReport) -> None:
    """Save the outcome of a batch's sends in one step: one UPDATE for all of them, one for the
    messages handed back unsent (result None)."""
    now = clock.now()
    if _is_postgres():
        # This commit need not wait for the disk (3.5 ms -> 0.6 ms here): if a crash loses it, the
        # messages are back to `sending` under our lease, which runs out, and reconcile settles them
        # with the provider. The claim's commit, which guards against sending twice, stays durable.
        db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    changes = {row.id: _outcome_values(row, result, now, report) for row, result in attempts if result is not None}
    if changes:
        moved = set(db.session.execute(_update_each(changes, worker, now)).scalars())
        for message_id, change in changes.items():
            if change["status"] == SmsStatus.SENT and message_id not in moved:
                # Our lease ran out meanwhile, or a callback was faster: move forward only.
                advance_status(message_id, SmsStatus.SENT, provider_sid=change["provider_sid"])
    report.outcomes.update((row.id, result.outcome) for row, result in attempts if result is not None)
    unsent = [row.id for row, result in attempts if result is None]
    if unsent:
        report.released += _hand_back(unsent, worker)


@dataclass
class _Batch:
    """Claimed messages on their way: the rows to send, their calls on the pool, the lease's end."""

    rows: list
    deadline: float  # monotonic: no call starts after this
    calls: list = field(default_factory=list)


def _claim_batch(worker: str, size: int | None, report: DispatchReport) -> _Batch | None:
    """Claim up to `size` due messages in a step of their own (durable before anything is sent);
    fail those that may no longer go (opted out, expired). None when nothing was due."""
    size = size or _cfg("DISPATCH_BATCH_SIZE", 50)
    lease = _cfg("DISPATCH_LEASE_SECONDS", 120)
    timeout = float(_cfg("TWILIO_TIMEOUT_SECONDS", 10))
    now = clock.now()
    # Send only while the lease surely outlasts the call (one timeout plus a margin), measured on
    # this process's own monotonic clock.
    deadline = time.monotonic() + lease - (timeout + 5)
    with job_step():  # committed at the end of the block: the claim is visible to everyone; no lock is held after
        rows = _claim(SmsStatus.QUEUED, size, worker, {
            "status": SmsStatus.SENDING, "lease_expires_at": now + timedelta(seconds=lease),
            "last_attempt_at": now, "attempts": OutboxMessage.attempts + 1, "status_changed_at": now,
        })
        report.claimed += len(rows)
        stopped = opted_out_numbers(sorted({r.to_e164 for r in rows}))
        sendable = []
        for row in rows:
            if row.to_e164 in stopped:
                db.session.execute(_guarded(row.id, worker).values(
                    status=SmsStatus.FAILED, error_code="opted_out", error_reason=reason_for("opted_out"),
                    claimed_by=None, lease_expires_at=None, next_attempt_at=None, status_changed_at=now))
                report.failed += 1
            elif row.expires_at is not None and row.expires_at <= now:
                db.session.execute(_guarded(row.id, worker).values(
                    status=SmsStatus.FAILED, error_code="expired", error_reason=reason_for("expired"),
                    claimed_by=None, lease_expires_at=None, next_attempt_at=None, status_changed_at=now))
                report.failed += 1
            else:
                sendable.append(row)
    return _Batch(sendable, deadline) if rows else None


def _start(batch: _Batch, gateway, pool: SendPool, holding_back: threading.Event) -> None:
    """Hand the batch's sends to the pool; they run behind what it is still sending."""

    def attempt(row) -> SendResult | None:
        """On a pool thread: one call to the provider, no database. None: not sent, hand it back."""
        if holding_back.is_set() or time.monotonic() > batch.deadline:
            return None
        pool.rate.wait()
        if holding_back.is_set() or time.monotonic() > batch.deadline:
            return None
        result = gateway.send(Outgoing(id=row.id, to_e164=row.to_e164, body=row.body))
        if result.outcome in ("retry", "unknown"):
            # The provider is down, slow, rate-limits us or refuses our credentials: do not hammer
            # it with the rest (nor make more messages uncertain); what has not started yet waits
            # for the next run.
            holding_back.set()
        return result

    batch.calls = [pool.submit(attempt, row) for row in batch.rows]


def _finish(batch: _Batch, worker: str, report: DispatchReport) -> None:
    """Wait for the batch's sends and record them all in one step."""
    if batch.rows:
        _record(list(zip(batch.rows, (call.result() for call in batch.calls), strict=True)), worker, report)


def send_due(gateway, *, worker: str = WORKER_ID, batch: int | None = None,
             pool: SendPool | None = None) -> DispatchReport:
    """Claim one batch of due messages, send them from the pool, record the outcomes at once.
    Nothing is claimed in the quiet hours."""
    report = DispatchReport()
    if in_quiet_hours(clock.now()):
        return report
    if pool is None:
        with send_pool() as own:
            return send_due(gateway, worker=worker, batch=batch, pool=own)
    claimed = _claim_batch(worker, batch, report)
    if claimed:
        _start(claimed, gateway, pool, threading.Event())
        _finish(claimed, worker, report)
    return report


def _hand_back(ids: list[int], worker: str) -> int:
    """Hand claimed, never-sent messages back to the queue."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.status == SmsStatus.SENDING,
               OutboxMessage.claimed_by == worker)
        .values(status=SmsStatus.QUEUED, claimed_by=None, lease_expires_at=None,
                attempts=OutboxMessage.attempts - 1)
        .execution_options(synchronize_session=False))
    return result.rowcount or 0


def reconcile_unknown(gateway, *, worker: str = WORKER_ID, batch: int | None = None) -> DispatchReport:
    """Ask the provider about `unknown` messages; settle them, or requeue what it never got."""
    report = DispatchReport()
    batch = batch or _cfg("DISPATCH_BATCH_SIZE", 50)
    now = clock.now()
    settle = timedelta(seconds=_cfg("DISPATCH_RECONCILE_DELAY_SECONDS", 60))
    # The claim pushes next_attempt_at on: another dispatcher leaves it alone meanwhile, and
    # retries it after that delay if we die or the provider cannot be asked.
    with job_step():
        rows = _claim(SmsStatus.UNKNOWN, batch, worker, {"next_attempt_at": now + settle})
    for row in rows:
        try:
            found = _find_at_provider(gateway, row)
        except GatewayUnavailable as err:
            log.warning("reconcile of SMS %s postponed: %s", row.id, err)
            continue
        _settle(row, found, worker, now, report)
    return report


@job_step()
def _settle(row, found, worker: str, now, report: DispatchReport) -> None:
    """What the provider said about one `unknown` message, saved."""
    if found is not None:
        new = PROVIDER_STATUS.get(found.status.lower(), SmsStatus.SENT)
        code = found.error_code if new in (SmsStatus.FAILED, SmsStatus.UNDELIVERED) else None
        advance_status(row.id, new, provider_sid=found.sid if row.provider_sid is None else None,
                       error_code=code)
        if new != SmsStatus.FAILED or not code:
            db.session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id, OutboxMessage.sent_at.is_(None))
                               .values(sent_at=now).execution_options(synchronize_session=False))
        report.reconciled += 1
    else:
        db.session.execute(_guarded(row.id, worker, SmsStatus.UNKNOWN).values(
            status=SmsStatus.QUEUED, next_attempt_at=next_allowed_send(now), claimed_by=None,
            status_changed_at=now, error_code=None, error_reason=None))
        report.requeued += 1


def _find_at_provider(gateway, row):
    if row.provider_sid:
        return gateway.fetch(row.provider_sid)
    since = (row.last_attempt_at or clock.now()) - timedelta(minutes=2)  # allow for clock skew
    candidates = [m for m in gateway.recent_to(row.to_e164)
                  if m.body == row.body and (m.date_created is None or m.date_created >= since)]
    if not candidates:
        return None
    with job_step():  # a short read, ended before the next call to the provider
        taken = set(db.session.execute(
            select(OutboxMessage.provider_sid).where(OutboxMessage.provider_sid.in_([m.sid for m in candidates]))
        ).scalars())
    free = [m for m in candidates if m.sid not in taken]
    # Oldest first: if two of our messages with the same text to the same number are both
    # unknown, each takes one of the provider's messages.
    free.sort(key=lambda m: (m.date_created is None, m.date_created))
    return free[0] if free else None


def _upkeep(gateway, report: DispatchReport) -> None:
    """Expire the leases of vanished dispatchers; reconcile what is unknown."""
    report.leases_expired += expire_leases()
    report.add(reconcile_unknown(gateway))


def dispatch_once(gateway=None, pool: SendPool | None = None) -> DispatchReport:
    """One round: expire leases, reconcile what is unknown, send one batch and record it."""
    gateway = gateway or gateway_from_config(current_app.config)
    report = DispatchReport()
    if not gateway.sends:
        return report  # outbox gateway: messages wait, the admin page says why
    _upkeep(gateway, report)
    report.add(send_due(gateway, pool=pool))
    return report


def dispatch(max_seconds: float | None = None, gateway=None) -> DispatchReport:
    """Rounds until nothing is due, `max_seconds` passed or the provider refused (the scheduler's
    job). Each round claims the next batch and hands it to the pool before it records the batch
    the pool was sending, and looks after leases and unknown messages while the pool sends: the
    pool need not wait for the database, nor a batch's outcomes for the upkeep. The rounds share
    one pool, so its rate holds across batches."""
    gateway = gateway or gateway_from_config(current_app.config)
    total = DispatchReport()
    if not gateway.sends:
        return total
    limit = max_seconds if max_seconds is not None else _cfg("DISPATCH_MAX_SECONDS", 50)
    started = time.monotonic()
    holding_back = threading.Event()
    sending = None
    _upkeep(gateway, total)
    with send_pool() as pool:
        while True:
            claimed = None if in_quiet_hours(clock.now()) else _claim_batch(WORKER_ID, None, total)
            if claimed:
                _start(claimed, gateway, pool, holding_back)
            if sending:
                _finish(sending, WORKER_ID, total)
            sending = claimed
            if not claimed or holding_back.is_set() or time.monotonic() - started > limit:
                if sending:
                    _finish(sending, WORKER_ID, total)
                return total
            _upkeep(gateway, total)
