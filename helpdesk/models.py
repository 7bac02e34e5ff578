"""The agencies' side: the contact log (one row per call, its question categories, solved or not)
and the second-line escalation queue (escalations with their question categories, their history,
internal notes, alerts, the service levels and closure days per agency)."""
from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.models import Organisation, User
from extensions import UTCDateTime, clock, db
from referrals.models import OTHER_TEXT_MAX, CategoryRow, QuestionCategory, Referral, category_rows_in_order
from referrals.vocabulary import REASONS


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

    def categorise(self, categories) -> None:
        """Sets the question categories, (code, text of an "Anders") pairs. Each row carries the
        contact's organisation and time, so the reports count them without joining the contacts."""
        self.categories = [ContactCategory(code=code, other_text=text, organisation_id=self.organisation_id,
                                           at=self.at) for code, text in categories]

    @property
    def category_codes(self) -> list[str]:
        return [row.code for row in category_rows_in_order(self.categories)]

    @property
    def category_labels(self) -> list:
        return [row.label for row in category_rows_in_order(self.categories)]

    @property
    def reason_label(self):
        return REASONS.get(self.reason, self.reason) if self.reason else ""


class ContactCategory(CategoryRow, db.Model):
    """One question category of a contact (a row each, so they can be counted), with the text of an
    "Anders"."""

    __tablename__ = "contact_category"

    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True)
    # The QuestionCategory code (the column's name is older than the table of categories).
    code: Mapped[str] = mapped_column("category", String(20), primary_key=True, index=True)
    other_text: Mapped[str | None] = mapped_column(String(OTHER_TEXT_MAX), nullable=True)
    # Copies of the contact's (Contact.categorise): a year of one agency is an index range, not a
    # join over every category row (issue 13).
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    contact: Mapped[Contact] = relationship(back_populates="categories")
    category: Mapped[QuestionCategory | None] = relationship(
        primaryjoin="foreign(ContactCategory.code) == QuestionCategory.code", viewonly=True, lazy="joined")

    __table_args__ = (Index("ix_contact_category_organisation_at", "organisation_id", "at", "category"),)


# --- the second-line escalation queue --------------------------------------------------------

class EscalationStatus(enum.StrEnum):
    DRAFT = "draft"  # the counter recorded "escalation" as the outcome; not yet sent
    OPEN = "open"
    WAITING_MUNICIPALITY = "waiting_municipality"
    WAITING_CITIZEN = "waiting_citizen"
    CLOSED = "closed"


ESCALATION_STATUSES: dict[str, object] = {
    EscalationStatus.DRAFT: _l("Nog niet verstuurd"),
    EscalationStatus.OPEN: _l("Bij de tweede lijn"),
    EscalationStatus.WAITING_MUNICIPALITY: _l("Wacht op gemeente"),
    EscalationStatus.WAITING_CITIZEN: _l("Wacht op inwoner"),
    EscalationStatus.CLOSED: _l("Afgerond"),
}

URGENCIES: dict[str, object] = {"normal": _l("Normaal"), "urgent": _l("Spoed (bijvoorbeeld: een uitkering stopt)")}

RESULTS: dict[str, object] = {
    "solved": _l("Opgelost"),
    "partly": _l("Deels opgelost"),
    "not_possible": _l("Niet mogelijk"),
    "referred": _l("Doorverwezen naar een andere instantie"),
}

CLOCK_LABELS: dict[str, object] = {
    "first_response": _l("Eerste reactie"),
    "update": _l("Tussentijdse update"),
    "resolution": _l("Oplossing"),
}

CLOCK_STATES: dict[str, object] = {
    "on_time": _l("Op tijd"),
    "warning": _l("Waarschuwing: 75% van de tijd is op"),
    "breached": _l("Te laat"),
    "met": _l("Gehaald"),
    "met_late": _l("Te laat gehaald"),
    "not_started": _l("Loopt nog niet"),
}

# What the history shows for each kind of event (the texts of answers and questions are stored).
EVENT_LABELS: dict[str, object] = {
    "sent": _l("Verstuurd naar de tweede lijn"),
    "claimed": _l("Opgepakt"),
    "released": _l("Vrijgegeven"),
    "auto_released": _l("Vrijgegeven: te lang niets gedaan"),
    "reassigned": _l("Toegewezen door de leidinggevende"),
    "answered": _l("Antwoord aan de gemeente"),
    "asked_municipality": _l("Vraag aan de gemeente"),
    "asked_citizen": _l("Vraag aan de inwoner (via de gemeente)"),
    "municipality_replied": _l("Reactie van de gemeente"),
    "urgency_changed": _l("Urgentie gewijzigd"),
    "closed": _l("Afgerond"),
}


class SlaSettings(db.Model):
    """An agency's service levels for its second line, in working hours (8 = one working day)."""

    __tablename__ = "escalation_sla"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True)
    first_response_hours: Mapped[int] = mapped_column(Integer, default=16)
    update_hours: Mapped[int] = mapped_column(Integer, default=40)
    resolution_hours: Mapped[int] = mapped_column(Integer, default=80)
    idle_claim_hours: Mapped[int] = mapped_column(Integer, default=8)

    __table_args__ = (
        CheckConstraint("first_response_hours BETWEEN 1 AND 400 AND update_hours BETWEEN 1 AND 400 "
                        "AND resolution_hours BETWEEN 1 AND 2000 AND idle_claim_hours BETWEEN 1 AND 400",
                        name="hours"),
    )


class AgencyClosure(db.Model):
    """A day the agency's second line is closed (besides weekends and holidays): no clock runs."""

    __tablename__ = "escalation_closure"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(120), default="")

    __table_args__ = (UniqueConstraint("organisation_id", "day", name="uq_escalation_closure_org_day"),)


class Escalation(db.Model):
    """A question the counter puts to an agency's second line about one referral. Belongs to the
    agency (agency_id) from sending; claimed_by_id is the one colleague working on it (or none).
    At most one escalation per referral is not closed (a partial unique index).

    due_at and warn_at are a copy of the earliest running clock's due and 75% moments, computed
    from the history (helpdesk.sla) at every change, only so the queue can sort by them."""

    __tablename__ = "escalation"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    status: Mapped[str] = mapped_column(String(24), default=EscalationStatus.DRAFT)
    need: Mapped[str] = mapped_column(Text, default="")  # what the second line must do (no BSN)
    urgency: Mapped[str] = mapped_column(String(10), default="normal")
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    consent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    owner_active_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # idle-claim release
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    result: Mapped[str | None] = mapped_column(String(20), nullable=True)  # RESULTS
    answer: Mapped[str] = mapped_column(String(200), default="")  # the one-line answer at closing
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    followed_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # the counter decided
    followed_up_how: Mapped[str | None] = mapped_column(String(10), nullable=True)  # sms, letter, call, none

    referral: Mapped[Referral] = relationship(lazy="raise")
    agency: Mapped[Organisation] = relationship(foreign_keys=[agency_id], lazy="raise")
    municipality: Mapped[Organisation] = relationship(foreign_keys=[municipality_id], lazy="raise")
    claimed_by: Mapped[User | None] = relationship(foreign_keys=[claimed_by_id], lazy="raise")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id], lazy="raise")
    consent_by: Mapped[User | None] = relationship(foreign_keys=[consent_by_id], lazy="raise")
    events: Mapped[list[EscalationEvent]] = relationship(back_populates="escalation", order_by="EscalationEvent.id",
                                                         lazy="raise")
    # The question categories, a row each (so they can be counted); pages load them with selectinload.
    categories: Mapped[list[EscalationCategory]] = relationship(
        back_populates="escalation", cascade="all, delete-orphan", lazy="raise")

    __table_args__ = (
        Index("uq_escalation_one_open", "referral_id", unique=True,
              sqlite_where=text("status != 'closed'"), postgresql_where=text("status != 'closed'")),
        Index("ix_escalation_agency_status_due", "agency_id", "status", "due_at", "id"),
        Index("ix_escalation_agency_claimed_due", "agency_id", "claimed_by_id", "due_at", "id"),
        # The queue's Nieuw tab in its order ((due_at IS NULL, due_at, id), queue_query): its first page
        # is the first rows of this index, not a sort of every new escalation (issue 16).
        Index("ix_escalation_agency_new", "agency_id", text("(due_at IS NULL)"), "due_at", "id",
              sqlite_where=text("status = 'open' AND claimed_by_id IS NULL"),
              postgresql_where=text("status = 'open' AND claimed_by_id IS NULL")),
        Index("ix_escalation_agency_status_closed", "agency_id", "status", "closed_at", "id"),  # Beantwoord
        Index("ix_escalation_agency_municipality", "agency_id", "municipality_id"),  # the queue's filter
        Index("ix_escalation_municipality_created", "municipality_id", "created_at", "id"),
        CheckConstraint("urgency IN ('normal', 'urgent')", name="urgency"),
    )

    @property
    def status_label(self):
        return ESCALATION_STATUSES.get(self.status, self.status)

    @property
    def urgency_label(self):
        return URGENCIES.get(self.urgency, self.urgency)

    @property
    def result_label(self):
        return RESULTS.get(self.result, self.result) if self.result else ""

    @property
    def category_codes(self) -> list[str]:
        return [row.code for row in category_rows_in_order(self.categories)]

    @property
    def category_labels(self) -> list:
        return [row.label for row in category_rows_in_order(self.categories)]

    @property
    def waiting(self) -> bool:
        return self.status in (EscalationStatus.WAITING_MUNICIPALITY, EscalationStatus.WAITING_CITIZEN)


class EscalationCategory(CategoryRow, db.Model):
    """One question category of an escalation (a QuestionCategory code; a row each, so they can be
    counted), with the text of an "Anders"."""

    __tablename__ = "escalation_category"

    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalation.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)
    other_text: Mapped[str | None] = mapped_column(String(OTHER_TEXT_MAX), nullable=True)

    escalation: Mapped[Escalation] = relationship(back_populates="categories")
    category: Mapped[QuestionCategory | None] = relationship(
        primaryjoin="foreign(EscalationCategory.code) == QuestionCategory.code", viewonly=True, lazy="joined")


class EscalationEvent(db.Model):
    """Append-only history of an escalation: every step the clocks count, with its text when it is
    a message between the second line and the municipality (never an internal note: those live in
    EscalationNote, which no municipal page reads)."""

    __tablename__ = "escalation_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalation.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)  # None: system
    kind: Mapped[str] = mapped_column(String(24))  # EVENT_LABELS
    status: Mapped[str] = mapped_column(String(24))  # the escalation's status after this event
    urgency: Mapped[str] = mapped_column(String(10))  # and its urgency after it
    to_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)  # claim, reassign
    text: Mapped[str] = mapped_column(Text, default="")  # a message the municipality may read

    escalation: Mapped[Escalation] = relationship(back_populates="events")
    by_user: Mapped[User | None] = relationship(foreign_keys=[by_user_id], lazy="raise")
    to_user: Mapped[User | None] = relationship(foreign_keys=[to_user_id], lazy="raise")

    @property
    def label(self):
        return EVENT_LABELS.get(self.kind, self.kind)


class EscalationNote(db.Model):
    """An internal note of the second line: read only by the agency that owns the escalation."""

    __tablename__ = "escalation_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalation.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    by_user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    text: Mapped[str] = mapped_column(Text)

    by_user: Mapped[User] = relationship(lazy="raise")


class EscalationAlert(db.Model):
    """A warning (75% used) or breach of one clock, recorded once by the scheduler job: the unique
    key makes a second scheduler's insert a no-op. `cycle` tells the update clock's rounds apart."""

    __tablename__ = "escalation_alert"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalation.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    clock_name: Mapped[str] = mapped_column(String(20))  # CLOCK_LABELS
    cycle: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(10))  # warning, breach
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # None: while waiting
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    escalation: Mapped[Escalation] = relationship(lazy="raise")

    __table_args__ = (
        UniqueConstraint("escalation_id", "clock_name", "cycle", "kind", name="uq_escalation_alert_once"),
        Index("ix_escalation_alert_agency_kind_at", "agency_id", "kind", "at", "id"),
    )
