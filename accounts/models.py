"""Organisations, users and roles."""
from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import UTCDateTime, clock, db


class OrgKind(enum.StrEnum):
    AGENCY = "agency"  # Belastingdienst, SVB, Logius
    MUNICIPALITY = "municipality"
    COUNCIL = "council"  # client council: anonymised figures only
    SYSTEM = "system"  # the administrators' own organisation


class Role(enum.StrEnum):
    AGENT = "agent"
    SECOND_LINE = "second_line"
    COUNTER = "counter"
    COORDINATOR = "coordinator"
    LEAD = "lead"
    COUNCIL = "council"
    ADMIN = "admin"
    PRIVACY_OFFICER = "privacy_officer"  # the municipality's rights of citizens: inzage, correction, erasure


# The longest short name of a municipality in its SMS (the sender every citizen text names).
SMS_NAME_MAX = 24

# Which roles an organisation of each kind may hold.
ROLES_BY_KIND = {
    OrgKind.AGENCY: {Role.AGENT, Role.SECOND_LINE, Role.LEAD},
    OrgKind.MUNICIPALITY: {Role.COUNTER, Role.COORDINATOR, Role.LEAD, Role.PRIVACY_OFFICER},
    OrgKind.COUNCIL: {Role.COUNCIL},
    OrgKind.SYSTEM: {Role.ADMIN},
}

# Roles that see a citizen's personal data: two-factor is required for them when REQUIRE_2FA is on.
PERSONAL_DATA_ROLES = {Role.AGENT, Role.SECOND_LINE, Role.COUNTER, Role.COORDINATOR, Role.LEAD, Role.ADMIN,
                       Role.PRIVACY_OFFICER}


class Organisation(db.Model):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # A municipality's short name at the start of every SMS to citizens (the coordinator's setting;
    # empty: derived from the name, see `sms_sender`).
    sms_name: Mapped[str] = mapped_column(String(SMS_NAME_MAX), default="", server_default="")

    users: Mapped[list[User]] = relationship(back_populates="organisation")

    @property
    def kind_enum(self) -> OrgKind:
        return OrgKind(self.kind)

    @property
    def sms_sender(self) -> str:
        """Who writes: the short name every citizen text starts with ("Gemeente Utrecht")."""
        return self.sms_name or default_sms_name(self.name)


def default_sms_name(name: str) -> str:
    """The organisation's name, cut at a word to at most SMS_NAME_MAX characters."""
    name = " ".join((name or "").split())
    if len(name) <= SMS_NAME_MAX:
        return name
    cut = name[:SMS_NAME_MAX + 1].rsplit(" ", 1)[0]
    return cut if len(cut) >= 8 else name[:SMS_NAME_MAX]


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (UniqueConstraint("email", name="uq_user_account_email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    # Rotated on logout and password change: every session that carries the old value ends.
    session_token: Mapped[str] = mapped_column(String(64))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    totp_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    totp_last_step: Mapped[int | None] = mapped_column(Integer, nullable=True)  # refuses replay
    language: Mapped[str | None] = mapped_column(String(5), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    organisation: Mapped[Organisation] = relationship(back_populates="users", lazy="joined")

    def get_id(self) -> str:
        # Flask-Login stores this in the session; a rotated token invalidates old sessions.
        return f"{self.id}:{self.session_token}"

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def is_locked(self) -> bool:
        return bool(self.locked_until and self.locked_until > clock.now())

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return bool(self.active and self.organisation.active)
