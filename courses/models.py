"""Digisterker courses: a course at a location with sessions, a capacity and a waiting
list; enrolments of referred citizens; attendance per session.

Capacity: `Course.taken` counts the enrolled seats and never exceeds `capacity` (a CHECK and the
conditional UPDATE in course_services.enrol), so two counters enrolling at once cannot overfill.
A seat given up passes straight to the first on the waiting list.
"""
from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.models import User
from extensions import UTCDateTime, clock, db
from referrals.models import Location, Referral


class EnrolmentStatus(enum.StrEnum):
    ENROLLED = "enrolled"
    WAITING = "waiting"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


ENROLMENT_LABELS: dict[str, object] = {
    EnrolmentStatus.ENROLLED: _l("Ingeschreven"),
    EnrolmentStatus.WAITING: _l("Op de wachtlijst"),
    EnrolmentStatus.CANCELLED: _l("Afgemeld"),
    EnrolmentStatus.COMPLETED: _l("Afgerond"),
}


class Course(db.Model):
    __tablename__ = "course"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    title: Mapped[str] = mapped_column(String(120))
    capacity: Mapped[int] = mapped_column(Integer)
    taken: Mapped[int] = mapped_column(Integer, default=0)  # enrolled seats
    intake_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    location: Mapped[Location] = relationship(lazy="raise")
    sessions: Mapped[list[CourseSession]] = relationship(
        back_populates="course", order_by="CourseSession.starts_at", lazy="raise", cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint("capacity BETWEEN 1 AND 100", name="capacity"),
        CheckConstraint("taken >= 0 AND taken <= capacity", name="taken_within_capacity"),
    )

    @property
    def free(self) -> int:
        return self.capacity - self.taken


class CourseSession(db.Model):
    __tablename__ = "course_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Claimed by the reminder job (conditional UPDATE), so two schedulers remind once.
    reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    course: Mapped[Course] = relationship(back_populates="sessions")

    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="starts_before_ends"),
        Index("ix_course_session_starts", "starts_at"),
    )


class Enrolment(db.Model):
    """A referred citizen in a course, or on its waiting list (first come, first served by id).
    A referral has at most one active (enrolled or waiting) enrolment: a partial unique index."""

    __tablename__ = "course_enrolment"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"))
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    status: Mapped[str] = mapped_column(String(12))  # EnrolmentStatus
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # got a seat
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    course: Mapped[Course] = relationship(lazy="raise")
    referral: Mapped[Referral] = relationship(lazy="raise")
    created_by: Mapped[User] = relationship(lazy="raise")

    __table_args__ = (
        Index("uq_course_enrolment_one_active", "referral_id", unique=True,
              sqlite_where=text("status IN ('enrolled', 'waiting')"),
              postgresql_where=text("status IN ('enrolled', 'waiting')")),
        Index("ix_course_enrolment_course_status", "course_id", "status", "id"),
    )

    @property
    def status_label(self):
        return ENROLMENT_LABELS.get(self.status, self.status)


class Attendance(db.Model):
    __tablename__ = "course_attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("course_session.id", ondelete="CASCADE"))
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("course_enrolment.id"), index=True)
    present: Mapped[bool] = mapped_column(Boolean)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    __table_args__ = (UniqueConstraint("session_id", "enrolment_id", name="uq_course_attendance_session"),)
