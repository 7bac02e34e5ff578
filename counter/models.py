"""The municipal counter: check-in and no-show, and the outcome of a visit.

A visit is the check-in or no-show of one appointment; the outcome of a referral is what was done,
the result and the lasting solution (the counter's notes never leave the municipality).
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.models import User
from extensions import UTCDateTime, clock, db
from referrals.models import Appointment, Referral
from referrals.vocabulary import in_vocabulary_order

# What was done at the counter (stored as codes, a row each: OutcomeAction).
ACTIONS: dict[str, object] = {
    "digid_apply": _l("DigiD aangevraagd"),
    "digid_activate": _l("DigiD geactiveerd"),
    "digid_app": _l("DigiD-app ingesteld"),
    "berichtenbox": _l("Berichtenbox ingesteld"),
    "machtigen": _l("Machtiging geregeld"),
    "application": _l("Aanvraag gedaan bij een organisatie"),
    "explained": _l("Uitleg gegeven"),
    "other": _l("Anders"),
}

RESULTS: dict[str, object] = {
    "solved": _l("Opgelost"),
    "partly": _l("Deels opgelost"),
    "not": _l("Niet opgelost"),
}

# The lasting solution.
SOLUTIONS: dict[str, object] = {
    "none": _l("Niet nodig"),
    "course": _l("Cursus Digisterker"),
    "buddy": _l("Vrijwilliger als maatje"),
    "other": _l("Andere hulp in de buurt"),
    "escalation": _l("Doorzetten naar de tweede lijn van de organisatie"),
}

class CounterVisit(db.Model):
    """What the counter did with one appointment: checked in or marked as not come. One per
    appointment (the unique key refuses a second, also when two counters click at once)."""

    __tablename__ = "counter_visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointment.id"), unique=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    kind: Mapped[str] = mapped_column(String(12))  # "checked_in" or "no_show"
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    by_user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    by_user: Mapped[User] = relationship(lazy="raise")


class Outcome(db.Model):
    """The outcome of a referral at the counter. One per referral. `notes` stay with the
    municipality: the agency sees only the line derived from the referral's result codes
    (referrals.services.agency_line)."""

    __tablename__ = "counter_outcome"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), unique=True)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointment.id"), nullable=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    minutes: Mapped[int] = mapped_column(Integer)
    result: Mapped[str] = mapped_column(String(10))  # RESULTS
    solution: Mapped[str] = mapped_column(String(12))  # SOLUTIONS
    other_support: Mapped[str] = mapped_column(String(200), default="")  # which other local support
    escalation_need: Mapped[str] = mapped_column(String(500), default="")  # what the second line must do
    notes: Mapped[str] = mapped_column(Text, default="")  # the counter's notes: never to the agency
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    referral: Mapped[Referral] = relationship(lazy="raise")
    appointment: Mapped[Appointment | None] = relationship(lazy="raise")
    recorded_by: Mapped[User] = relationship(lazy="raise")
    actions: Mapped[list[OutcomeAction]] = relationship(
        back_populates="outcome", cascade="all, delete-orphan", lazy="raise")

    __table_args__ = (
        CheckConstraint("minutes BETWEEN 1 AND 600", name="minutes"),
        Index("ix_counter_outcome_municipality_solution", "municipality_id", "solution"),
    )

    @property
    def action_codes(self) -> list[str]:
        return in_vocabulary_order((a.code for a in self.actions), ACTIONS)

    @property
    def action_labels(self) -> list:
        return [ACTIONS.get(c, c) for c in self.action_codes]

    @property
    def result_label(self):
        return RESULTS.get(self.result, self.result)

    @property
    def solution_label(self):
        return SOLUTIONS.get(self.solution, self.solution)


class OutcomeAction(db.Model):
    """One thing done at the counter for an outcome (ACTIONS code; a row each, so they can be counted)."""

    __tablename__ = "counter_outcome_action"

    outcome_id: Mapped[int] = mapped_column(ForeignKey("counter_outcome.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)

    outcome: Mapped[Outcome] = relationship(back_populates="actions")
