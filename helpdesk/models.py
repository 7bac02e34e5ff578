"""The contact log of the agencies: one row per call, its question categories, solved or not."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import UTCDateTime, clock, db
from referrals.models import Referral
from referrals.vocabulary import CATEGORIES, REASONS


class Contact(db.Model):
    """A call with a citizen at an agency. No personal data: that is on the referral, if any."""

    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    agent_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    solved: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(String(20), nullable=True)  # REASONS code when not solved
    notes: Mapped[str] = mapped_column(Text, default="")
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id"), nullable=True, unique=True)

    categories: Mapped[list[ContactCategory]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", lazy="selectin")
    referral: Mapped[Referral | None] = relationship(lazy="raise")

    __table_args__ = (Index("ix_contact_organisation_at", "organisation_id", "at"),)

    @property
    def category_codes(self) -> list[str]:
        order = list(CATEGORIES)
        return sorted((c.category for c in self.categories), key=lambda c: order.index(c) if c in order else 99)

    @property
    def category_labels(self) -> list:
        return [CATEGORIES.get(c, c) for c in self.category_codes]

    @property
    def reason_label(self):
        return REASONS.get(self.reason, self.reason) if self.reason else ""


class ContactCategory(db.Model):
    """One question category of a contact (a row each, so they can be counted)."""

    __tablename__ = "contact_category"

    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True)
    category: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)

    contact: Mapped[Contact] = relationship(back_populates="categories")
