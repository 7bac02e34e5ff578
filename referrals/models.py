"""Citizens, referrals with their status history, municipal areas, locations, slots, appointments.

Ownership: a referral names the agency that referred (referring_org_id), the municipality it is
addressed to (municipality_id) and its owner at this moment (owner_org_id, never empty). The
status history is append-only (see the before_flush guard at the bottom).

Capacity: a Slot row carries `capacity` and `booked`; booking is one conditional UPDATE
(`booked = booked + 1 WHERE booked < capacity`), so capacity holds under any concurrency.
"""
from __future__ import annotations

from datetime import date, datetime, time

from flask_babel import get_locale
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    event,
    false,
    func,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from accounts.models import Organisation, User
from extensions import UTCDateTime, clock, db
from referrals.vocabulary import (
    CHANNELS,
    LANGUAGES,
    REASONS,
    STATUS_LABELS,
    SUPPORT_NEEDS,
    TASK_KINDS,
    TASK_REASONS,
    AppointmentStatus,
    Status,
)

# The free text of an "Anders" (shown to the counter and the second line; never a BSN).
OTHER_TEXT_MAX = 120


class QuestionCategory(db.Model):
    """A question category the agent picks when logging a call (managed by the admin): shared by
    all agencies (agency_id empty) or one agency's own. Stored rows of contacts, referrals and
    escalations keep the code; a retired category is no longer offered but keeps its name for
    what was stored with it. An "Anders" (is_other) asks for a short text; one per group."""

    __tablename__ = "question_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), nullable=True, index=True)
    name_nl: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_other: Mapped[bool] = mapped_column(Boolean, default=False)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    @property
    def label(self) -> str:
        """The name in the interface language (Dutch when no English name was given)."""
        locale = get_locale()
        if locale is not None and locale.language == "en" and self.name_en:
            return self.name_en
        return self.name_nl

    @property
    def sort_key(self) -> tuple:
        """Shared ones first, then the agency's own; in the admin's order; "Anders" last in its group."""
        return (self.agency_id is not None, self.is_other, self.position, self.id)


class CategoryRow:
    """What the rows of question categories of a contact, a referral and an escalation share: the
    category (joined on the code, so the name is there without another query) and the free text of
    an "Anders"."""

    @property
    def label(self) -> str:
        name = self.category.label if self.category is not None else self.code
        return f"{name}: {self.other_text}" if self.other_text else name

    @property
    def sort_key(self) -> tuple:
        return self.category.sort_key if self.category is not None else (True, True, 0, 0)


def category_rows_in_order(rows) -> list:
    return sorted(rows, key=lambda r: (r.sort_key, r.code))



class MunicipalityArea(db.Model):
    """A PC4 area (the four digits of a postcode) served by a participating municipality."""

    __tablename__ = "municipality_area"

    pc4: Mapped[str] = mapped_column(String(4), primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)

    municipality: Mapped[Organisation] = relationship(lazy="joined")


class Location(db.Model):
    """A municipal counter location where appointments take place."""

    __tablename__ = "location"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    street: Mapped[str] = mapped_column(String(120))  # street and house number
    postcode: Mapped[str] = mapped_column(String(7))
    city: Mapped[str] = mapped_column(String(80))
    phone: Mapped[str] = mapped_column(String(20), default="")  # the municipality's number for citizens
    # Where in the building ("Stadskantoor, 2e verdieping"): in every appointment text (ROOM_MAX).
    room: Mapped[str] = mapped_column(String(30), default="", server_default="")
    slot_minutes: Mapped[int] = mapped_column(Integer, default=30)
    counters: Mapped[int] = mapped_column(Integer, default=1)  # appointments in parallel
    # What the citizen brings; empty: letters.BRING_DEFAULT ("paspoort of ID-kaart"). The English
    # text is for citizens who chose English; empty: the Dutch text (letters.bring_of).
    what_to_bring: Mapped[str] = mapped_column(String(300), default="")
    what_to_bring_en: Mapped[str] = mapped_column(String(300), default="", server_default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    municipality: Mapped[Organisation] = relationship(lazy="joined")
    hours: Mapped[list[OpeningHours]] = relationship(
        back_populates="location", cascade="all, delete-orphan",
        order_by="(OpeningHours.weekday, OpeningHours.opens)")
    closures: Mapped[list[Closure]] = relationship(
        back_populates="location", cascade="all, delete-orphan", order_by="Closure.starts_on")

    __table_args__ = (
        CheckConstraint("slot_minutes BETWEEN 5 AND 240", name="slot_minutes"),
        CheckConstraint("counters BETWEEN 1 AND 50", name="counters"),
    )

    @property
    def address(self) -> str:
        return f"{self.street}, {self.postcode} {self.city}"


class OpeningHours(db.Model):
    """Opening hours of a location on one weekday (0 = Monday); several rows make a lunch break."""

    __tablename__ = "opening_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    opens: Mapped[time] = mapped_column(Time)
    closes: Mapped[time] = mapped_column(Time)

    location: Mapped[Location] = relationship(back_populates="hours")

    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("opens < closes", name="opens_before_closes"),
    )


class Closure(db.Model):
    """Days a location is closed (inclusive). Dutch public holidays are closed without a row."""

    __tablename__ = "closure"

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(120), default="")

    location: Mapped[Location] = relationship(back_populates="closures")

    __table_args__ = (CheckConstraint("starts_on <= ends_on", name="starts_before_ends"),)


class Slot(db.Model):
    """A bookable time at a location. `booked` never exceeds `capacity` (a CHECK and the
    conditional UPDATE in services.book). municipality_id is copied from the location so the
    first free slots of a municipality are one index range scan."""

    __tablename__ = "slot"

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)

    location: Mapped[Location] = relationship(lazy="raise")

    __table_args__ = (
        UniqueConstraint("location_id", "starts_at", name="uq_slot_location_starts"),
        Index("ix_slot_municipality_starts", "municipality_id", "starts_at"),
        CheckConstraint("booked >= 0 AND booked <= capacity", name="booked_within_capacity"),
    )

    @property
    def free(self) -> int:
        return self.capacity - self.booked


class Citizen(db.Model):
    """What is needed to help a citizen and no more. Never a BSN. One person within a municipality:
    a second referral of the same person links to the same row (services.find_or_create_citizen).
    `anonymised_at`: erased or past retention; the row stays so referrals still count."""

    __tablename__ = "citizen"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Nullable only for rows older than migration 0012 that no referral names.
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), nullable=True, index=True)
    name: Mapped[str] = mapped_column(String(120))
    phone_e164: Mapped[str] = mapped_column(String(20), index=True)
    phone_is_mobile: Mapped[bool] = mapped_column(Boolean)
    postcode: Mapped[str] = mapped_column(String(7))  # "1234 AB"
    house_number: Mapped[str] = mapped_column(String(12))
    street: Mapped[str] = mapped_column(String(120), default="")  # only needed for a letter
    city: Mapped[str] = mapped_column(String(80), default="")
    channel: Mapped[str] = mapped_column(String(10))  # vocabulary.Channel
    language: Mapped[str] = mapped_column(String(5), default="nl")
    reads_poorly: Mapped[bool] = mapped_column(Boolean, default=False)
    hard_of_hearing: Mapped[bool] = mapped_column(Boolean, default=False)
    needs_interpreter: Mapped[bool] = mapped_column(Boolean, default=False)
    brings_helper: Mapped[bool] = mapped_column(Boolean, default=False)
    helper_name: Mapped[str] = mapped_column(String(120), default="")
    helper_relation: Mapped[str] = mapped_column(String(60), default="")
    helper_phone_e164: Mapped[str] = mapped_column(String(20), default="")
    # The citizen agreed that the helper gets a copy of the confirmation and the reminder by SMS.
    helper_gets_copy: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        # "Mijn verwijzingen" finds a citizen who calls back (referrals.services.search_condition):
        # by phone through the index on phone_e164, by postcode (and house number), by the start of
        # the name (a range on lower(name), the one form of a name search a B-tree index serves).
        Index("ix_citizen_postcode_house", "postcode", "house_number"),
        Index("ix_citizen_name_lower", func.lower(name)),
    )

    @property
    def support_needs(self) -> list:
        return [label for attr, label in SUPPORT_NEEDS.items() if getattr(self, attr)]

    @property
    def channel_label(self):
        return CHANNELS.get(self.channel, self.channel)

    @property
    def language_label(self):
        return LANGUAGES.get(self.language, self.language)

    @property
    def gets_sms(self) -> bool:
        return self.channel == "sms" and self.phone_is_mobile


class Referral(db.Model):
    __tablename__ = "referral"

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"), index=True)
    referring_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    referred_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=Status.REFERRED)
    reason: Mapped[str] = mapped_column(String(20))  # vocabulary.REASONS code
    notes: Mapped[str] = mapped_column(Text, default="")  # the agent's notes; travel to the counter
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    consent_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # Where the journey stands, as codes each context writes through referrals.services.record_result;
    # the agency's one line is derived from them (services.agency_line), never stored as text.
    result_code: Mapped[str | None] = mapped_column(String(10), nullable=True)  # vocabulary.RESULT_LINES
    solution_code: Mapped[str | None] = mapped_column(String(12), nullable=True)  # vocabulary.SOLUTION_LINES
    step_code: Mapped[str | None] = mapped_column(String(20), nullable=True)  # vocabulary.STEP_LINES
    # Set by the stale sweep (counter.services.sweep_stale); any later
    # progress (a newer updated_at) ends the delay by itself: see `delayed`.
    stale_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)

    citizen: Mapped[Citizen] = relationship(lazy="joined", innerjoin=True)
    referring_org: Mapped[Organisation] = relationship(foreign_keys=[referring_org_id], lazy="raise")
    municipality: Mapped[Organisation] = relationship(foreign_keys=[municipality_id], lazy="raise")
    owner_org: Mapped[Organisation] = relationship(foreign_keys=[owner_org_id], lazy="raise")
    referred_by: Mapped[User] = relationship(foreign_keys=[referred_by_id], lazy="raise")
    history: Mapped[list[StatusChange]] = relationship(
        back_populates="referral", order_by="StatusChange.id", lazy="raise")
    appointments: Mapped[list[Appointment]] = relationship(
        back_populates="referral", order_by="Appointment.id", lazy="raise")
    # The question categories, a row each (so they can be counted); pages load them with selectinload.
    categories: Mapped[list[ReferralCategory]] = relationship(
        back_populates="referral", cascade="all, delete-orphan", lazy="raise")

    __table_args__ = (
        # The lists page by (created_at, id) within an organisation or a referring agent (keyset).
        Index("ix_referral_referring_org_created", "referring_org_id", "created_at", "id"),
        Index("ix_referral_municipality_created", "municipality_id", "created_at", "id"),
        Index("ix_referral_referred_by_created", "referred_by_id", "created_at", "id"),
        # Reports: results and lasting solutions per municipality and per referring agency.
        Index("ix_referral_municipality_result", "municipality_id", "result_code", "solution_code"),
        Index("ix_referral_referring_org_result", "referring_org_id", "result_code", "solution_code"),
    )

    @property
    def status_label(self):
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def category_codes(self) -> list[str]:
        return [row.code for row in category_rows_in_order(self.categories)]

    @property
    def category_labels(self) -> list:
        return [row.label for row in category_rows_in_order(self.categories)]

    @property
    def reason_label(self):
        return REASONS.get(self.reason, self.reason)

    @property
    def delayed(self) -> bool:
        """Flagged by the stale sweep and no progress since."""
        return self.stale_since is not None and self.stale_since > self.updated_at


class ReferralCategory(CategoryRow, db.Model):
    """One question category of a referral (a QuestionCategory code), with the text of an "Anders"."""

    __tablename__ = "referral_category"

    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)
    other_text: Mapped[str | None] = mapped_column(String(OTHER_TEXT_MAX), nullable=True)

    referral: Mapped[Referral] = relationship(back_populates="categories")
    category: Mapped[QuestionCategory | None] = relationship(
        primaryjoin="foreign(ReferralCategory.code) == QuestionCategory.code", viewonly=True, lazy="joined")


class StatusChange(db.Model):
    """Append-only: who moved a referral from which status to which, when, and who owned it after."""

    __tablename__ = "referral_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)  # None: citizen/system
    from_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_status: Mapped[str] = mapped_column(String(20))
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    note: Mapped[str] = mapped_column(String(200), default="")

    referral: Mapped[Referral] = relationship(back_populates="history")
    by_user: Mapped[User | None] = relationship(lazy="raise")

    @property
    def from_label(self):
        return STATUS_LABELS.get(self.from_status, self.from_status or "")

    @property
    def to_label(self):
        return STATUS_LABELS.get(self.to_status, self.to_status)


class Appointment(db.Model):
    """One booking of one slot for one referral. A referral has at most one active (booked)
    appointment (a partial unique index); a reschedule marks the old one 'moved'."""

    __tablename__ = "appointment"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("slot.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)  # copied from the slot
    status: Mapped[str] = mapped_column(String(12), default=AppointmentStatus.BOOKED)
    channel: Mapped[str] = mapped_column(String(10))  # how the citizen is told: sms, phone, letter
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    booked_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # Claimed by the reminder job (conditional UPDATE), so two schedulers send one reminder.
    reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancelled_by: Mapped[str | None] = mapped_column(String(10), nullable=True)  # vocabulary.CANCELLED_BY

    referral: Mapped[Referral] = relationship(back_populates="appointments")
    slot: Mapped[Slot] = relationship(lazy="raise")
    location: Mapped[Location] = relationship(lazy="raise")

    __table_args__ = (
        Index("uq_appointment_one_active", "referral_id", unique=True,
              sqlite_where=text("status = 'booked'"), postgresql_where=text("status = 'booked'")),
        Index("ix_appointment_municipality_starts", "municipality_id", "starts_at"),
        Index("ix_appointment_status_starts", "status", "starts_at"),
    )

    @property
    def active(self) -> bool:
        return self.status == AppointmentStatus.BOOKED


@event.listens_for(Session, "before_flush")
def _history_is_append_only(session, flush_context, instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, StatusChange) and (obj in session.deleted or session.is_modified(obj)):
            raise RuntimeError("the status history of a referral is append-only")


class Task(db.Model):
    """A call to make or a letter to send for the municipality: the one work list (outreach.py).
    `dedup_key` (when set) makes creating the same task twice (two schedulers, a double click) a
    no-op. `appointment_id`: the appointment it is about (its letter prints the appointment letter;
    a change of the appointment withdraws the tasks still open). Done with no one as `done_by`:
    withdrawn because it no longer made sense."""

    __tablename__ = "task"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id"), nullable=True, index=True)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointment.id"), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(10))  # TASK_KINDS
    reason: Mapped[str] = mapped_column(String(30))  # TASK_REASONS
    # Stored text for the municipality; a letter task's body is the whole letter, never cut off.
    description: Mapped[str] = mapped_column(Text)
    dedup_key: Mapped[str | None] = mapped_column(String(200), unique=True, nullable=True)
    # A letter printed from a code and its values (referrals.letters), in the citizen's language at
    # print time: ids, times and course words, never the citizen's name, phone or address.
    letter: Mapped[str | None] = mapped_column(String(30), nullable=True)
    letter_values: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)

    referral: Mapped[Referral | None] = relationship(lazy="raise")
    appointment: Mapped[Appointment | None] = relationship(lazy="raise")
    done_by: Mapped[User | None] = relationship(lazy="raise")

    # The work list pages open tasks by (created_at, id) and done ones by (done_at, id) (keyset).
    __table_args__ = (Index("ix_task_municipality_done", "municipality_id", "done_at", "id"),
                      Index("ix_task_municipality_created", "municipality_id", "created_at", "id"))

    @property
    def kind_label(self):
        return TASK_KINDS.get(self.kind, self.kind)

    @property
    def withdrawn(self) -> bool:
        return self.done_at is not None and self.done_by_id is None

    @property
    def reason_label(self):
        return TASK_REASONS.get(self.reason, self.reason)
