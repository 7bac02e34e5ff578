"""Volunteers, their VOG checks, the search for a buddy per referral, offers, pairings and visits.

Claims are conditional UPDATEs on counters and states held here:
- `Volunteer.load` (buddies now, offers accepted and waiting for the coordinator included) never
  exceeds `max_buddies`: `UPDATE ... SET load = load + 1 WHERE load < max_buddies` (and a CHECK).
- `BuddySearch.status` moves `searching -> accepted` once: the first JA wins, every later JA gets
  "al geregeld". `BuddySearch.offer_open` is claimed before an offer is written: one open offer per
  citizen at a time, also with two schedulers or two coordinators.
"""
from __future__ import annotations

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
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.models import User
from extensions import UTCDateTime, clock, db
from referrals.models import Citizen, Referral

STATUSES: dict[str, object] = {
    "intake": _l("Intake"),
    "active": _l("Actief"),
    "paused": _l("Gepauzeerd"),
    "stopped": _l("Gestopt"),
}

PAUSE_REASONS: dict[str, object] = {
    "coordinator": _l("door de coördinator"),
    "vog_expired": _l("VOG verlopen"),
    "sms_stop": _l("stuurde STOP"),
}

# Languages a volunteer speaks (codes are stored).
SPOKEN: dict[str, object] = {
    "nl": _l("Nederlands"), "en": _l("Engels"), "ar": _l("Arabisch"), "tr": _l("Turks"),
    "pl": _l("Pools"), "zgh": _l("Tamazight (Berbers)"), "pap": _l("Papiaments"), "uk": _l("Oekraïens"),
}

SKILLS: dict[str, object] = {
    "digid": _l("DigiD"),
    "berichtenbox": _l("Berichtenbox"),
    "aangifte": _l("Belastingaangifte"),
    "toeslagen": _l("Toeslagen en uitkeringen"),
    "paperwork": _l("Papieren en post in het algemeen"),
}

WEEKDAYS: dict[str, object] = {"ma": _l("maandag"), "di": _l("dinsdag"), "wo": _l("woensdag"),
                               "do": _l("donderdag"), "vr": _l("vrijdag"), "za": _l("zaterdag"), "zo": _l("zondag")}
DAYPARTS: dict[str, object] = {"ochtend": _l("ochtend"), "middag": _l("middag"), "avond": _l("avond")}

VOG_OUTCOMES: dict[str, object] = {"ok": _l("Afgegeven (in orde)"), "refused": _l("Niet afgegeven")}

SEARCH_STATUSES: dict[str, object] = {
    "searching": _l("Zoekt een maatje"),
    "accepted": _l("Vrijwilliger zei ja: bevestigen"),
    "paired": _l("Maatje gekoppeld"),
    "ended": _l("Afgerond"),
}

OFFER_STATUSES: dict[str, object] = {
    "open": _l("Wacht op antwoord"),
    "accepted": _l("Ja gezegd"),
    "confirmed": _l("Gekoppeld"),
    "declined": _l("Nee gezegd"),
    "timed_out": _l("Geen antwoord op tijd"),
    "withdrawn": _l("Ingetrokken: al geregeld"),
    "too_late": _l("Ja, maar al geregeld"),
    "cancelled": _l("Niet gekoppeld door de coördinator"),
}

END_REASONS: dict[str, object] = {
    "goal_reached": _l("Doel bereikt"),
    "citizen_stopped": _l("Inwoner gestopt"),
    "volunteer_stopped": _l("Vrijwilliger gestopt"),
    "moved": _l("Verhuisd"),
    "other": _l("Anders"),
}


def _codes(value: str) -> list[str]:
    return [c for c in (value or "").split(",") if c]


# The number of an erased volunteer (and of its pairings and offers): a number that is no number, so
# the unique (municipality, phone) keeps holding.
ERASED = "gewist-"

class Volunteer(db.Model):
    __tablename__ = "volunteer"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    name: Mapped[str] = mapped_column(String(120))
    phone_e164: Mapped[str] = mapped_column(String(20), index=True)
    postcode: Mapped[str] = mapped_column(String(7))  # "3512 AB"
    pc4: Mapped[str] = mapped_column(String(4))
    language: Mapped[str] = mapped_column(String(5), default="nl")  # the language of our SMS (nl, en)
    languages: Mapped[str] = mapped_column(String(100), default="nl")  # spoken, comma-separated SPOKEN codes
    skills: Mapped[str] = mapped_column(String(200), default="")  # comma-separated SKILLS codes
    weekdays: Mapped[str] = mapped_column(String(40), default="")
    dayparts: Mapped[str] = mapped_column(String(40), default="")
    max_buddies: Mapped[int] = mapped_column(Integer, default=1)
    load: Mapped[int] = mapped_column(Integer, default=0)  # pairings now + accepted offers awaiting confirmation
    status: Mapped[str] = mapped_column(String(10), default="intake")
    pause_reason: Mapped[str | None] = mapped_column(String(20), nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    confirm_code: Mapped[str | None] = mapped_column(String(6), nullable=True)
    confirm_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    phone_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    vog_valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)  # of the latest good VOG check
    vog_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # claimed by the job
    last_offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)

    __table_args__ = (
        UniqueConstraint("municipality_id", "phone_e164", name="uq_volunteer_municipality_phone"),
        CheckConstraint("max_buddies BETWEEN 1 AND 10", name="max_buddies"),
        CheckConstraint("load >= 0 AND load <= max_buddies", name="load_within_max"),
        Index("ix_volunteer_municipality_name", "municipality_id", "name", "id"),
        Index("ix_volunteer_status_vog", "status", "vog_valid_until"),
    )

    @property
    def language_codes(self) -> list[str]:
        return _codes(self.languages)

    @property
    def skill_codes(self) -> list[str]:
        return _codes(self.skills)

    @property
    def weekday_codes(self) -> list[str]:
        return _codes(self.weekdays)

    @property
    def daypart_codes(self) -> list[str]:
        return _codes(self.dayparts)

    @property
    def first_name(self) -> str:
        return (self.name.split() or [""])[0]

    @property
    def erased(self) -> bool:
        """Anonymised by an erasure or its retention term (volunteers/personal_data.py)."""
        return self.phone_e164.startswith(ERASED)

    @property
    def status_label(self):
        label = STATUSES.get(self.status, self.status)
        if self.status == "paused" and self.pause_reason:
            return f"{label} ({PAUSE_REASONS.get(self.pause_reason, self.pause_reason)})"
        return label


class VogCheck(db.Model):
    """The coordinator saw the original VOG: who, the date on it, the outcome. No scan, no copy."""

    __tablename__ = "volunteer_vog_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"), index=True)
    checked_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    issued_on: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(10))  # VOG_OUTCOMES
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)

    checked_by: Mapped[User] = relationship(lazy="raise")

    @property
    def outcome_label(self):
        return VOG_OUTCOMES.get(self.outcome, self.outcome)


class BuddySearch(db.Model):
    """A citizen for whom the municipality seeks a buddy (from the counter's outcome "buddy")."""

    __tablename__ = "buddy_search"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), unique=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    status: Mapped[str] = mapped_column(String(10), default="searching")
    language: Mapped[str] = mapped_column(String(5), default="nl")  # the language the buddy should speak
    planned_start: Mapped[date] = mapped_column(Date)
    auto_next: Mapped[bool] = mapped_column(Boolean, default=True)  # offer to the next one by itself
    offer_open: Mapped[bool] = mapped_column(Boolean, default=False)  # claimed while one offer waits
    accepted_offer_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)

    referral: Mapped[Referral] = relationship(lazy="raise")
    citizen: Mapped[Citizen] = relationship(lazy="raise")

    __table_args__ = (Index("ix_buddy_search_municipality_status_created", "municipality_id", "status",
                            "created_at", "id"),)

    @property
    def status_label(self):
        return SEARCH_STATUSES.get(self.status, self.status)


class BuddyOffer(db.Model):
    """One SMS offer to one volunteer, with a short code per number (`JA 123`)."""

    __tablename__ = "buddy_offer"

    id: Mapped[int] = mapped_column(primary_key=True)
    search_id: Mapped[int] = mapped_column(ForeignKey("buddy_search.id"))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    phone_e164: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(4))
    status: Mapped[str] = mapped_column(String(10), default="open")
    reason: Mapped[str] = mapped_column(String(300), default="")  # why this volunteer (stored Dutch)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)  # None: automatic
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    volunteer: Mapped[Volunteer] = relationship(lazy="raise")

    __table_args__ = (
        UniqueConstraint("phone_e164", "code", name="uq_buddy_offer_phone_code"),
        Index("ix_buddy_offer_search_created", "search_id", "created_at"),
        Index("ix_buddy_offer_volunteer_created", "volunteer_id", "created_at"),
        Index("ix_buddy_offer_status_expires", "status", "expires_at"),
    )

    @property
    def status_label(self):
        return OFFER_STATUSES.get(self.status, self.status)


class BuddyPairing(db.Model):
    __tablename__ = "buddy_pairing"

    id: Mapped[int] = mapped_column(primary_key=True)
    search_id: Mapped[int] = mapped_column(ForeignKey("buddy_search.id"), unique=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("buddy_offer.id"), unique=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    phone_e164: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(4))  # the offer's code: KLAAR 123, HULP 123
    status: Mapped[str] = mapped_column(String(10), default="active")
    first_visit_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    confirmed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    max_until: Mapped[datetime] = mapped_column(UTCDateTime)  # 12 months; extendable once
    extended: Mapped[bool] = mapped_column(Boolean, default=False)
    next_reminder_at: Mapped[datetime] = mapped_column(UTCDateTime)  # claimed by the monthly job
    last_visit_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    missed_checkins: Mapped[int] = mapped_column(Integer, default=0)
    help_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    evaluations_due: Mapped[int] = mapped_column(Integer, default=0)  # evaluations turned into tasks (0..3)
    max_flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    end_reason: Mapped[str | None] = mapped_column(String(20), nullable=True)

    volunteer: Mapped[Volunteer] = relationship(lazy="raise")
    referral: Mapped[Referral] = relationship(lazy="raise")

    __table_args__ = (
        Index("ix_buddy_pairing_municipality_status_started", "municipality_id", "status", "started_at", "id"),
        Index("ix_buddy_pairing_status_reminder", "status", "next_reminder_at"),
    )

    @property
    def needs_attention(self) -> bool:
        return self.status == "active" and (self.missed_checkins >= 2 or self.help_asked_at is not None
                                            or self.max_flagged_at is not None)

    @property
    def end_reason_label(self):
        return END_REASONS.get(self.end_reason, self.end_reason or "")


class BuddyVisit(db.Model):
    """A visit the volunteer reported with KLAAR 123 [minutes]."""

    __tablename__ = "buddy_visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("buddy_pairing.id"), index=True)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
