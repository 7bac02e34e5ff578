"""The SMS outbox, opt-outs and inbound messages."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from extensions import UTCDateTime, clock, db


class SmsStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for its time (next_attempt_at)
    SENDING = "sending"  # claimed by a dispatcher (lease until lease_expires_at); HTTP may be under way
    UNKNOWN = "unknown"  # we asked the provider but do not know whether it took it: reconcile first
    SENT = "sent"  # the provider accepted it (provider_sid)
    DELIVERED = "delivered"  # the phone received it
    UNDELIVERED = "undelivered"  # the provider could not deliver it
    FAILED = "failed"  # never sent, or refused by the provider; error_reason says why
    WITHDRAWN = "withdrawn"  # never sent: the record changed (e.g. the appointment moved); error_reason says why


# States only move forward: a status callback or a late answer never moves a message back.
RANK = {
    SmsStatus.QUEUED: 0,
    SmsStatus.SENDING: 1,
    SmsStatus.UNKNOWN: 1,
    SmsStatus.SENT: 2,
    SmsStatus.DELIVERED: 3,
    SmsStatus.UNDELIVERED: 3,
    SmsStatus.FAILED: 3,
    SmsStatus.WITHDRAWN: 3,
}
FINAL = frozenset(s for s, r in RANK.items() if r == 3)


class OutboxMessage(db.Model):
    __tablename__ = "sms_message"
    __table_args__ = (
        Index("ix_sms_message_due", "status", "next_attempt_at"),
        Index("ix_sms_message_subject", "subject_type", "subject_id"),
        # The outbox pages by (created_at, id), for everyone (admin) or one organisation (keyset).
        Index("ix_sms_message_created", "created_at", "id"),
        Index("ix_sms_message_organisation_created", "organisation_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True, nullable=True)
    to_e164: Mapped[str] = mapped_column(String(20), index=True)
    purpose: Mapped[str] = mapped_column(String(50))
    language: Mapped[str] = mapped_column(String(5))
    body: Mapped[str] = mapped_column(Text)
    segments: Mapped[int] = mapped_column(Integer, default=1)
    subject_type: Mapped[str] = mapped_column(String(50))
    subject_id: Mapped[int] = mapped_column(Integer)
    # The same reminder can never be queued twice: callers pass e.g. "appointment:12:reminder".
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)

    status: Mapped[str] = mapped_column(String(20), default=SmsStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # not sent after this
    # The dispatcher's claim: who holds it and until when. A lease that runs out (a killed
    # scheduler) turns the message `unknown`, and it is reconciled with the provider.
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    error_reason: Mapped[str | None] = mapped_column(String(255), nullable=True)  # Dutch, for staff

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.purpose} {self.status}>"


class SmsOptOut(db.Model):
    """A number that sent STOP (or that the provider reports as unsubscribed) gets no SMS."""

    __tablename__ = "sms_opt_out"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_e164: Mapped[str] = mapped_column(String(20), unique=True)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str] = mapped_column(String(30))  # "sms" (keyword from the person) or "provider"
    keyword: Mapped[str | None] = mapped_column(String(30), nullable=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class InboundMessage(db.Model):
    """Every SMS that reached us, and what we did with it."""

    __tablename__ = "sms_inbound"
    __table_args__ = (Index("ix_sms_inbound_received", "received_at", "id"),)  # the page's order (keyset)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_sid: Mapped[str] = mapped_column(String(64), unique=True)
    from_e164: Mapped[str] = mapped_column(String(20), index=True)
    to_number: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    outcome: Mapped[str] = mapped_column(String(20))  # opt_out, opt_in, handled, unhandled
    handled_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    reply: Mapped[str | None] = mapped_column(Text, nullable=True)
