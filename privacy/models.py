"""The processing log (verwerkingenlogboek), in the shape of the Logboek Dataverwerkingen: one line
per processing per person, and who did it in a separate audit record joined by operation id.
Both are append-only; only the log's own retention (services.purge_expired_log) deletes."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from extensions import UTCDateTime, clock, db


class LogLine(db.Model):
    """One processing of one person's data. The person is a keyed pseudonym (HMAC-SHA256, the key
    is configuration, never in the database), so the log alone names nobody."""

    __tablename__ = "processing_log_line"
    __table_args__ = (
        Index("ix_processing_log_line_person", "person", "started_at", "id"),
        Index("ix_processing_log_line_started", "started_at", "id"),  # keyset paging and the purge
        Index("ix_processing_log_line_activity", "activity_id", "started_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # W3C Trace Context: the trace of the request or job, and the span of this processing.
    trace_id: Mapped[str] = mapped_column(String(32), index=True)
    operation_id: Mapped[str] = mapped_column(String(16), index=True)
    parent_operation_id: Mapped[str | None] = mapped_column(String(16), nullable=True)
    activity_id: Mapped[str] = mapped_column(String(40))
    activity_version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(30))  # read, create, update, login...
    person_type: Mapped[str] = mapped_column(String(20))  # citizen, volunteer, user, phone, none
    person: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the pseudonym
    status: Mapped[str] = mapped_column(String(10))  # ok, refused, failed
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditRecord(db.Model):
    """Who did the processing with that operation id. Kept as plain values, not only foreign keys:
    the record must outlive renamed or removed accounts."""

    __tablename__ = "processing_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[str] = mapped_column(String(16), unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    actor_name: Mapped[str] = mapped_column(String(254))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"),
                                                        nullable=True, index=True)
    organisation_name: Mapped[str] = mapped_column(String(120))
    # What was touched, never personal data (a page, a record number): security events need it.
    detail: Mapped[str | None] = mapped_column(String(500), nullable=True)


LOG_TABLES = (LogLine.__table__, AuditRecord.__table__)
PURGE_OPTION = "processing_log_purge"


@event.listens_for(LogLine, "before_update")
@event.listens_for(LogLine, "before_delete")
@event.listens_for(AuditRecord, "before_update")
@event.listens_for(AuditRecord, "before_delete")
def _append_only(mapper, connection, target):
    raise RuntimeError("the processing log is append-only")


@event.listens_for(Session, "do_orm_execute")
def _no_bulk_change(state):
    """Bulk UPDATE and DELETE through the session pass the mapper events: refused here too, except
    the retention purge, which says so with its execution option."""
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is not None and table in LOG_TABLES:
        if state.is_delete and state.execution_options.get(PURGE_OPTION):
            return
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
