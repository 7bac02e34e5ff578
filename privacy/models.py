"""The processing log (verwerkingenlogboek): append-only record of every processing of personal data."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column

from extensions import UTCDateTime, clock, db


class ProcessingLogEntry(db.Model):
    __tablename__ = "processing_log"
    __table_args__ = (
        Index("ix_processing_log_subject", "subject_type", "subject_id"),
        Index("ix_processing_log_at", "at", "id"),  # the log pages by (at, id) (keyset)
        Index("ix_processing_log_organisation_at", "organisation_id", "at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Kept as plain values, not only foreign keys: the log must outlive renamed or removed accounts.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    actor_name: Mapped[str] = mapped_column(String(254))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"), nullable=True)
    organisation_name: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(60), index=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    purpose: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(String(500), nullable=True)


@event.listens_for(ProcessingLogEntry, "before_update")
@event.listens_for(ProcessingLogEntry, "before_delete")
def _append_only(mapper, connection, target):
    raise RuntimeError("the processing log is append-only")


# --- the rights of a person (AVG): correction history, erasure requests, legal holds, retention runs --------
# A person is (person_type, person_id) as the registry knows them: "citizen", "volunteer".


class Correction(db.Model):
    """A field of a person changed on their request: the old value stays here (shown in the next
    inzage) until the person is erased or anonymised."""

    __tablename__ = "privacy_correction"
    __table_args__ = (Index("ix_privacy_correction_person", "person_type", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    person_type: Mapped[str] = mapped_column(String(20))
    person_id: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str] = mapped_column(String(200))
    new_value: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(300))
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class ErasureRequest(db.Model):
    """A request to erase a person, approved by a second person before anything is erased. Once
    done it is the tombstone: what (counts per record type), when, why (a reason code), by whom
    (the two staff members). It holds no personal data of the person."""

    __tablename__ = "privacy_erasure"
    __table_args__ = (
        Index("ix_privacy_erasure_person", "person_type", "person_id"),
        Index("ix_privacy_erasure_municipality_status", "municipality_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    person_type: Mapped[str] = mapped_column(String(20))
    person_id: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(20))  # ERASURE_REASONS code: never free text
    status: Mapped[str] = mapped_column(String(10), default="requested")  # requested, done, refused
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"),
                                                        nullable=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"),
                                                      nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    summary: Mapped[str] = mapped_column(String(500), default="")  # "referral: 2, sms_message: 5"


class LegalHold(db.Model):
    """While a hold is on (lifted_at empty), nothing of the person is erased, neither on request
    nor by retention."""

    __tablename__ = "privacy_legal_hold"
    __table_args__ = (Index("ix_privacy_legal_hold_person", "person_type", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    person_type: Mapped[str] = mapped_column(String(20))
    person_id: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(20))  # HOLD_REASONS code
    placed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class RetentionRun(db.Model):
    """One day's retention run: the unique day is the claim, so a second scheduler does nothing.
    The report holds counts per record type only."""

    __tablename__ = "privacy_retention_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_on: Mapped[date] = mapped_column(Date, unique=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    summary: Mapped[str] = mapped_column(String(500), default="")  # "sms_message: 12, referral: 3"
    held: Mapped[int] = mapped_column(Integer, default=0)  # records left alone for a legal hold
