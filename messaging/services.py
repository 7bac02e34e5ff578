"""The rules of messaging: queue an SMS, quiet hours, opt-out, status callbacks, inbound SMS.

Higher layers call `queue_sms` inside their own transaction and register inbound handlers with
`register_inbound_handler`; messaging never imports them.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from datetime import datetime, time, timedelta

from blinker import Namespace
from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from extensions import DomainError, clock, db, insert_unless_taken, unit_of_work
from extensions.dates import AMSTERDAM
from messaging import gsm7, sms_texts
from messaging.models import RANK, InboundMessage, OutboxMessage, SmsOptOut, SmsStatus
from messaging.phone import parse_phone
from privacy.services import record_list_read, register_person_finder

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- quiet hours

def _quiet_bounds() -> tuple[int, int]:
    if has_app_context():
        return current_app.config["QUIET_HOURS_START"], current_app.config["QUIET_HOURS_END"]
    return 21, 8


def in_quiet_hours(moment: datetime) -> bool:
    """Between 21:00 and 08:00 Europe/Amsterdam nothing goes to a citizen or volunteer."""
    start, end = _quiet_bounds()
    hour = moment.astimezone(AMSTERDAM).hour
    return hour >= start or hour < end if start > end else start <= hour < end


def next_allowed_send(moment: datetime) -> datetime:
    """`moment` itself when sending is allowed then, otherwise the end of the quiet hours (UTC)."""
    if not in_quiet_hours(moment):
        return moment
    start, end = _quiet_bounds()
    local = moment.astimezone(AMSTERDAM)
    day = local.date() if local.hour < end else local.date() + timedelta(days=1)
    # Built from the local date and hour, so the daylight-saving change is handled by zoneinfo.
    return datetime.combine(day, time(end), tzinfo=AMSTERDAM).astimezone(moment.tzinfo)


# ---------------------------------------------------------------- opt-out

def is_opted_out(phone_e164: str) -> bool:
    row = db.session.execute(select(SmsOptOut.opted_out).where(SmsOptOut.phone_e164 == phone_e164)).scalar()
    return bool(row)


# Sent by set_opt_out with the number as sender and `opted_out`, `source`: a higher layer acts on
# STOP (volunteers pauses a volunteer and tells the coordinator). Handlers add to the caller's
# transaction and never commit.
opt_out_changed = Namespace().signal("sms-opt-out-changed")


def set_opt_out(phone_e164: str, opted_out: bool, *, source: str, keyword: str | None = None) -> None:
    """Record STOP (True) or START (False) for a number; the caller commits."""
    row = db.session.execute(select(SmsOptOut).where(SmsOptOut.phone_e164 == phone_e164)).scalar()
    if row is None:
        row = SmsOptOut(phone_e164=phone_e164, opted_out=opted_out, source=source, keyword=keyword)
        db.session.add(row)
    else:
        row.opted_out, row.source, row.keyword = opted_out, source, keyword
    row.changed_at = clock.now()
    if opted_out:
        # Messages still waiting for this number will not be sent; staff see why.
        now = clock.now()
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.to_e164 == phone_e164, OutboxMessage.status == SmsStatus.QUEUED)
            .values(status=SmsStatus.FAILED, error_code="opted_out", error_reason=reason_for("opted_out"),
                    status_changed_at=now, next_attempt_at=None)
            .execution_options(synchronize_session=False)
        )
    opt_out_changed.send(phone_e164, opted_out=opted_out, source=source)


def opted_out_numbers(numbers: list[str]) -> set[str]:
    if not numbers:
        return set()
    rows = db.session.execute(
        select(SmsOptOut.phone_e164).where(SmsOptOut.phone_e164.in_(numbers), SmsOptOut.opted_out.is_(True))
    ).scalars()
    return set(rows)


# ---------------------------------------------------------------- readable reasons

# Our own codes and the provider's error codes, in words staff understand (translated when asked:
# a booking asks for one of them, not for all).
_REASONS = {
    "opted_out": _l("Niet verzonden: dit nummer heeft zich afgemeld voor sms (STOP)."),
    "landline": _l("Niet verzonden: dit is een vast nummer, dat kan geen sms ontvangen. Kies bellen of een brief."),
    "invalid_number": _l("Niet verzonden: dit telefoonnummer is niet (meer) geldig. Verbeter het nummer."),
    "expired": _l("Niet verzonden: het bericht was verlopen voordat het verstuurd kon worden."),
    "no_provider": _l("Niet verzonden: geen sms-provider ingesteld."),
    "unreachable": _l("Niet verzonden: de sms-provider was steeds niet bereikbaar."),
    "auth": _l("Nog niet verzonden: de sms-provider weigert onze inloggegevens. Controleer de instellingen."),
    "rate_limited": _l("Nog niet verzonden: de sms-provider vraagt ons even te wachten. We proberen het opnieuw."),
    "connection": _l("Nog niet verzonden: de sms-provider was niet bereikbaar. We proberen het opnieuw."),
    "uncertain": _l("Onzeker of de sms-provider het bericht kreeg. We vragen het na voordat we het opnieuw sturen."),
    "21211": _l("Ongeldig telefoonnummer volgens de sms-provider."),
    "21408": _l("Sms naar dit land is niet toegestaan bij onze sms-provider."),
    "21610": _l("Niet verzonden: de ontvanger heeft zich bij de sms-provider afgemeld (STOP)."),
    "21612": _l("De sms-provider kan dit nummer niet bereiken."),
    "21614": _l("Dit nummer kan geen sms ontvangen (geen mobiel nummer)."),
    "21617": _l("Het bericht is te lang."),
    "21606": _l("Het afzendernummer is niet geldig voor sms. Controleer de instellingen."),
    "21659": _l("Het afzendernummer is niet geldig voor sms. Controleer de instellingen."),
    "30003": _l("Niet afgeleverd: de telefoon is uit of onbereikbaar."),
    "30004": _l("Niet afgeleverd: de ontvanger blokkeert berichten."),
    "30005": _l("Niet afgeleverd: onbekend nummer, of het nummer bestaat niet meer."),
    "30006": _l("Niet afgeleverd: vast nummer of de telefoonaanbieder is onbereikbaar."),
    "30007": _l("Niet afgeleverd: de telefoonaanbieder zag het bericht als spam."),
    "30008": _l("Niet afgeleverd: onbekende fout bij de telefoonaanbieder."),
}


# The codes whose reason is our own text (no provider's words in it): a withdrawal's too.
REASON_CODES = frozenset(_REASONS) | {"withdrawn"}


def reason_for(code: str | int | None, fallback: str | None = None) -> str:
    if code is not None and str(code) in _REASONS:
        return str(_REASONS[str(code)])
    if fallback:
        return (_("Fout bij de sms-provider") + f" ({code}): {fallback}")[:255]
    return _("Fout bij de sms-provider") + (f" ({code})." if code else ".")


# ---------------------------------------------------------------- queueing

def queue_sms(*, to: str, purpose: str, language: str, values: dict, subject_type: str, subject_id: int,
              dedup_key: str, organisation_id: int | None = None,
              expires_at: datetime | None = None) -> OutboxMessage:
    """Put an SMS in the outbox, in the caller's transaction (this function does not commit).

    - `to`: a stored number (E.164) or any form a person typed; normalised to E.164. One that does
      not parse (any more: a number plan changes) is stored as `failed` (`invalid_number`), so the
      caller's work (a booking, a batch of reminders) goes on and the failure is on the outbox and,
      for a referral's subject, a call-back task (referrals.outreach.tasks_for_failed_sms).
    - `purpose`/`language`: which text of messaging/sms_texts.py; `values` fill it in.
    - `subject_type`/`subject_id`: the record it concerns (e.g. "appointment", 12).
    - `dedup_key`: the same key is queued once, ever; a second call returns the first message.
    - `expires_at`: optional; a message still unsent by then is not sent (e.g. a reminder for an
      appointment that has passed).
    A landline, an invalid number or a number that said STOP is stored as `failed` with the
    reason, never sent.
    Outside the quiet hours it is due at once, otherwise at 08:00.
    """
    try:
        phone = parse_phone(to)
        e164, mobile, invalid = phone.e164, phone.is_mobile, False
    except DomainError:
        e164, mobile, invalid = (to or "").strip()[:20], False, True
    _template, used_language = sms_texts.template_for(purpose, language)
    body = sms_texts.render(purpose, used_language, values)
    now = clock.now()
    values = dict(
        organisation_id=organisation_id, to_e164=e164, purpose=purpose, language=used_language,
        body=body, segments=gsm7.segments(body), subject_type=subject_type, subject_id=subject_id,
        dedup_key=dedup_key, attempts=0, expires_at=expires_at, created_at=now, status_changed_at=now,
    )
    expressions = None
    if mobile:
        # The opt-out is read by the INSERT itself: one statement, no look-up before it.
        values.update(next_attempt_at=next_allowed_send(now), error_reason=reason_for("opted_out"))
        expressions = {name: f"CASE WHEN {_OPTED_OUT} THEN {if_out} ELSE {if_not} END"
                       for name, if_out, if_not in (("status", f"'{SmsStatus.FAILED.value}'",
                                                     f"'{SmsStatus.QUEUED.value}'"),
                                                    ("next_attempt_at", "NULL", ":next_attempt_at"),
                                                    ("error_code", "'opted_out'", "NULL"),
                                                    ("error_reason", ":error_reason", "NULL"))}
    else:
        code = "invalid_number" if invalid else "landline"
        values.update(status=SmsStatus.FAILED.value, next_attempt_at=None, error_code=code, error_reason=reason_for(code))
    # The UNIQUE constraint on dedup_key decides, also when two transactions race: the INSERT is
    # refused without aborting the caller's transaction. RETURNING gives the new message whole.
    message = insert_unless_taken(OutboxMessage, values, conflict="dedup_key", expressions=expressions)
    return message if message is not None else _by_dedup_key(dedup_key)


_OPTED_OUT = "EXISTS (SELECT 1 FROM sms_opt_out WHERE sms_opt_out.phone_e164 = :to_e164 AND sms_opt_out.opted_out)"


def _by_dedup_key(dedup_key: str) -> OutboxMessage | None:
    return db.session.execute(select(OutboxMessage).where(OutboxMessage.dedup_key == dedup_key)).scalar()


def messages_for(subject_type: str, subject_id: int) -> list[OutboxMessage]:
    """The SMS about one record, newest first (for the record's own page)."""
    return list(db.session.execute(
        select(OutboxMessage).where(OutboxMessage.subject_type == subject_type, OutboxMessage.subject_id == subject_id)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    ).scalars())


WITHDRAWN_REASON = "Ingetrokken: het bericht is niet meer nodig."


def withdraw(subject_type: str, subject_id: int, *, purposes: Iterable[str] | None = None,
             reason: str = WITHDRAWN_REASON) -> int:
    """Withdraw every still-queued SMS about one record (optionally only these purposes), in the
    caller's transaction (this function does not commit). Returns how many were withdrawn.

    They become `withdrawn`, with `reason` (plain Dutch, stored; the outbox page shows it), and are
    never sent. One conditional UPDATE ... WHERE status='queued': a message a dispatcher has
    already claimed (`sending`) or that went out is left alone. On PostgreSQL a claim that holds
    the row makes this wait and then re-check the condition; a withdrawal that holds it makes the
    dispatcher skip the row (SKIP LOCKED) and not see it again once committed.
    """
    now = clock.now()
    stmt = update(OutboxMessage).where(OutboxMessage.subject_type == subject_type,
                                       OutboxMessage.subject_id == subject_id,
                                       OutboxMessage.status == SmsStatus.QUEUED)
    if purposes is not None:
        stmt = stmt.where(OutboxMessage.purpose.in_(list(purposes)))
    result = db.session.execute(
        stmt.values(status=SmsStatus.WITHDRAWN, error_code="withdrawn", error_reason=reason[:255],
                    status_changed_at=now, next_attempt_at=None, claimed_by=None, lease_expires_at=None)
        # "fetch": messages this session already loaded show the new status too.
        .execution_options(synchronize_session="fetch"))
    return result.rowcount or 0


# ---------------------------------------------------------------- delivery status (provider callbacks)

# Twilio's MessageStatus -> ours. "accepted/queued/sending" at Twilio mean it has the message.
PROVIDER_STATUS = {
    "accepted": SmsStatus.SENT, "scheduled": SmsStatus.SENT, "queued": SmsStatus.SENT,
    "sending": SmsStatus.SENT, "sent": SmsStatus.SENT, "delivered": SmsStatus.DELIVERED,
    "read": SmsStatus.DELIVERED, "undelivered": SmsStatus.UNDELIVERED, "failed": SmsStatus.FAILED,
    "canceled": SmsStatus.FAILED,
}


def advance_status(message_id: int, new: SmsStatus, *, provider_sid: str | None = None,
                   error_code: str | None = None, reason: str | None = None) -> bool:
    """Move a message forward to `new` (never back, never sideways). Returns True when it moved.

    One conditional UPDATE, so two callbacks racing cannot move a message backwards. The
    caller commits.
    """
    lower = [s.value for s, r in RANK.items() if r < RANK[new]]
    now = clock.now()
    values: dict = {"status": new, "status_changed_at": now, "lease_expires_at": None, "next_attempt_at": None,
                    "claimed_by": None}
    if provider_sid:
        values["provider_sid"] = provider_sid
    if new in (SmsStatus.SENT, SmsStatus.DELIVERED, SmsStatus.UNDELIVERED):
        values["error_code"], values["error_reason"] = None, None
    if error_code or reason:
        values["error_code"] = error_code
        values["error_reason"] = reason or reason_for(error_code)
    if new == SmsStatus.DELIVERED:
        values["delivered_at"] = now
    result = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.status.in_(lower)).values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount and new in (SmsStatus.SENT, SmsStatus.DELIVERED, SmsStatus.UNDELIVERED):
        db.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None))
            .values(sent_at=now).execution_options(synchronize_session=False)
        )
    return bool(result.rowcount)


@unit_of_work()
def apply_status_callback(*, message_sid: str, provider_status: str, error_code: str | None = None,
                          outbox_id: int | None = None) -> bool:
    """A delivery status callback from the provider. Idempotent. Returns True if it moved.

    The message is found by the provider's sid, or, when the answer to our send never reached us
    (a timeout), by our own id that we put in the callback URL; then the sid is recorded too.
    """
    new = PROVIDER_STATUS.get((provider_status or "").lower())
    if new is None:
        return False
    row = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.provider_sid).where(OutboxMessage.provider_sid == message_sid)
    ).first()
    if row is None and outbox_id is not None:
        row = db.session.execute(
            select(OutboxMessage.id, OutboxMessage.provider_sid).where(OutboxMessage.id == outbox_id)
        ).first()
        if row is not None and row.provider_sid not in (None, message_sid):
            log.warning("status callback for sid %s names message %s, which has sid %s; ignored",
                        message_sid, outbox_id, row.provider_sid)
            row = None
    if row is None:
        log.info("status callback for unknown sid %s", message_sid)
        return False
    code = error_code or None
    if new in (SmsStatus.FAILED, SmsStatus.UNDELIVERED) and code == "21610":
        number = db.session.execute(select(OutboxMessage.to_e164).where(OutboxMessage.id == row.id)).scalar()
        set_opt_out(number, True, source="provider", keyword="21610")
    moved = advance_status(row.id, new, provider_sid=message_sid if row.provider_sid is None else None,
                           error_code=code if new in (SmsStatus.FAILED, SmsStatus.UNDELIVERED) else None)
    if not moved and row.provider_sid is None:
        # Not moved (e.g. already delivered) but we learn the sid: keep it for reconciling.
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id, OutboxMessage.provider_sid.is_(None))
                           .values(provider_sid=message_sid).execution_options(synchronize_session=False))
    return moved


# ---------------------------------------------------------------- inbound SMS

InboundHandler = Callable[[str, str], "str | None"]
_INBOUND_HANDLERS: list[InboundHandler] = []

OPT_OUT_WORDS = {"STOP", "STOPPEN", "STOPALL", "AFMELDEN", "UNSUBSCRIBE", "END", "QUIT"}
OPT_IN_WORDS = {"START", "UNSTOP", "AANMELDEN"}


def register_inbound_handler(fn: InboundHandler) -> InboundHandler:
    """Register `fn(from_e164, body) -> reply text or None`. Usable as a decorator.

    Handlers are asked in the order they registered, after STOP/START; the first that returns a
    text (or an empty string for "handled, no reply") wins. A handler runs in a nested unit of
    work (a savepoint): its changes are saved with the stored inbound message, or undone alone
    when it raises (the message is stored with outcome "error").
    """
    if fn not in _INBOUND_HANDLERS:
        _INBOUND_HANDLERS.append(fn)
    return fn


# Asked, in order, for the one answer to a message no handler understood: `fn(from_e164) -> text or
# None` (referrals answers a citizen with an appointment with the location's number). None from
# all of them: the general "we do not understand" text.
_UNCLEAR_REPLIERS: list[Callable[[str], str | None]] = []


def register_unclear_reply(fn: Callable[[str], str | None]) -> Callable[[str], str | None]:
    if fn not in _UNCLEAR_REPLIERS:
        _UNCLEAR_REPLIERS.append(fn)
    return fn


# Asked, in order, for the answer to STOP: `fn(from_e164) -> text or None` (referrals tells a citizen
# with an appointment to come that it still stands, and how to cancel). None from all: the general text.
_OPT_OUT_REPLIERS: list[Callable[[str], str | None]] = []


def register_opt_out_reply(fn: Callable[[str], str | None]) -> Callable[[str], str | None]:
    if fn not in _OPT_OUT_REPLIERS:
        _OPT_OUT_REPLIERS.append(fn)
    return fn


def unregister_inbound_handler(fn: InboundHandler) -> None:
    if fn in _INBOUND_HANDLERS:
        _INBOUND_HANDLERS.remove(fn)


def keyword_of(body: str) -> str:
    """The first word, upper case, without punctuation: "Stop." -> "STOP"."""
    words = re.findall(r"[^\W_]+", (body or "").upper())
    return words[0] if words else ""


def reply_language(phone_e164: str) -> str:
    """The language of the last SMS we sent this number (Dutch when we never did)."""
    lang = db.session.execute(
        select(OutboxMessage.language).where(OutboxMessage.to_e164 == phone_e164)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(1)
    ).scalar()
    return lang or sms_texts.DEFAULT_LANGUAGE


def _answered_recently(sender: str) -> bool:
    """One "we do not understand" per number per day: two auto-responders never ping-pong."""
    since = clock.now() - timedelta(hours=24)
    return db.session.execute(
        select(InboundMessage.id).where(InboundMessage.from_e164 == sender, InboundMessage.outcome == "unhandled",
                                        InboundMessage.reply.is_not(None), InboundMessage.received_at >= since)
        .limit(1)
    ).first() is not None


class _DuplicateInbound(Exception):
    """The same webhook was stored concurrently: everything this one did is undone."""


def receive_inbound(*, provider_sid: str, from_number: str, to_number: str, body: str) -> str | None:
    """Store an inbound SMS and act on it; returns the reply text (or None).

    The same provider sid twice (the provider retries a webhook) is handled once and gets the
    same reply again.
    """
    try:
        return _receive_inbound(provider_sid=provider_sid, from_number=from_number, to_number=to_number, body=body)
    except _DuplicateInbound:  # rolled back, what the handlers did included; answer as the first did
        seen = db.session.execute(select(InboundMessage).where(InboundMessage.provider_sid == provider_sid)).scalar()
        return seen.reply if seen else None


@unit_of_work()
def _receive_inbound(*, provider_sid: str, from_number: str, to_number: str, body: str) -> str | None:
    seen = db.session.execute(select(InboundMessage).where(InboundMessage.provider_sid == provider_sid)).scalar()
    if seen is not None:
        return seen.reply
    try:
        sender = parse_phone(from_number).e164
    except DomainError:  # kept as sent: a real number the phone library does not know yet still opts out
        sender = (from_number or "")[:20]
    body = (body or "")[:1600]
    # A sender without a digit ("", "abc", "+") is no number: it can opt nothing out or in.
    word = keyword_of(body) if any(c.isdigit() for c in sender) else ""
    handled_by, reply = None, None
    if word in OPT_OUT_WORDS and len(body.split()) <= 2:
        set_opt_out(sender, True, source="sms", keyword=word)
        reply = next((text for fn in list(_OPT_OUT_REPLIERS) if (text := fn(sender))), None)
        outcome, reply = "opt_out", reply or sms_texts.render("opt_out_reply", reply_language(sender))
    elif word in OPT_IN_WORDS and len(body.split()) <= 2:
        set_opt_out(sender, False, source="sms", keyword=word)
        outcome, reply = "opt_in", sms_texts.render("opt_in_reply", reply_language(sender))
    else:
        outcome = "unhandled"
        for handler in list(_INBOUND_HANDLERS):
            name = f"{handler.__module__}.{handler.__qualname__}"[-100:]
            try:
                with unit_of_work():  # a failing handler undoes its own work only
                    answer = handler(sender, body)
            except Exception:
                log.exception("inbound SMS handler %s failed", name)
                outcome, handled_by = "error", name
                break
            if answer is not None:
                outcome, handled_by, reply = "handled", name, answer or None
                break
        if outcome == "unhandled" and not _answered_recently(sender):
            reply = next((text for fn in list(_UNCLEAR_REPLIERS) if (text := fn(sender))), None) \
                or sms_texts.render("unknown_reply", reply_language(sender))
    try:
        with unit_of_work():  # a savepoint: the same webhook, concurrently, undoes only this insert
            db.session.add(InboundMessage(provider_sid=provider_sid, from_e164=sender,
                                          to_number=(to_number or "")[:40], body=body, outcome=outcome,
                                          handled_by=handled_by, reply=reply, received_at=clock.now()))
    except IntegrityError:
        raise _DuplicateInbound(provider_sid) from None
    return reply


# ---------------------------------------------------------------- the outbox page

def list_outbox(*, organisation_id: int | None, status: str | None = None, purpose: str | None = None,
                phone: str | None = None):
    """Select of the outbox, newest first; organisation_id None means every organisation (admin)."""
    from accounts.models import Organisation

    stmt = (select(OutboxMessage, Organisation.name.label("organisation_name"))
            .outerjoin(Organisation, Organisation.id == OutboxMessage.organisation_id)
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()))
    if organisation_id is not None:
        stmt = stmt.where(OutboxMessage.organisation_id == organisation_id)
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    if purpose:
        stmt = stmt.where(OutboxMessage.purpose == purpose)
    if phone:
        try:
            number = parse_phone(phone).e164
        except DomainError:
            number = None
        if number:
            stmt = stmt.where(OutboxMessage.to_e164 == number)
        else:
            digits = re.sub(r"\D", "", phone)
            stmt = stmt.where(OutboxMessage.to_e164.contains(digits or phone))
    return stmt


def list_inbound():
    return select(InboundMessage).order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())


@unit_of_work(savepoint=False)  # only INSERTs that cannot fail alone: no SAVEPOINT round trips
def log_page_read(numbers: list[str]) -> None:
    """Phone numbers and texts are personal data: reading a page of them goes in the processing
    log, one line per number shown (this page does not look up whose number it is)."""
    record_list_read("sms", "phone", numbers)


def _phone_person(typed: str) -> list[tuple[str, str]]:
    try:
        return [("phone", parse_phone(typed).e164)]
    except DomainError:
        return []


# The log's read interface finds the lines of a number typed in any form.
register_person_finder(_phone_person)
