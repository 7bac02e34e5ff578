"""The processing log (verwerkingenlogboek): append-only record of every processing of personal data."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, event
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
