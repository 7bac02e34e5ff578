"""Accounts: authentication, lockout, passwords, two-factor, and the administration of
organisations and users. Services decide, each entry point a unit of work; views only translate."""
from __future__ import annotations

import secrets
from datetime import timedelta

import pyotp
from blinker import Namespace
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select, update

from accounts.models import ROLES_BY_KIND, Organisation, OrgKind, Role, User
from accounts.passwords import MIN_LENGTH, burn_time, hash_password, needs_rehash, verify_password
from extensions import DomainError, clock, db, durably, unit_of_work

signals = Namespace()
# Sent for every login attempt; privacy/ records them. kwargs: user (or None), email, outcome.
login_attempted = signals.signal("login-attempted")
# Sent when an administrator changes an account. kwargs: actor, user, action.
account_changed = signals.signal("account-changed")

ISSUER = "Wegwijs"


def new_session_token() -> str:
    return secrets.token_hex(16)


# Built once: the loader runs on every request (with the user's organisation, User.organisation is joined).
_USER_BY_ID = select(User).where(User.id == bindparam("user_id"))


def load_user(user_id: str) -> User | None:
    """Flask-Login loader: 'id:token'; a rotated token means the session has ended."""
    ident, _sep, token = (user_id or "").partition(":")
    if not ident.isdecimal() or not token:
        return None
    user = db.session.execute(_USER_BY_ID, {"user_id": int(ident)}).scalar()
    if user is None or not secrets.compare_digest(user.session_token, token):
        return None
    return user


def check_password_rules(password: str, field: str = "new_password") -> None:
    if len(password) < MIN_LENGTH:
        raise DomainError(_("Kies een wachtwoord van minstens %(n)s tekens.", n=MIN_LENGTH), field)
    if password.strip() != password or not password.strip():
        raise DomainError(_("Het wachtwoord mag niet beginnen of eindigen met een spatie."), field)


def failed_login_message() -> str:
    """The one answer to a wrong address, a wrong password and a locked account alike."""
    return _("Het e-mailadres of het wachtwoord klopt niet. Na %(n)s mislukte pogingen blijft een account "
             "%(minutes)s minuten geblokkeerd; vraag dan zo nodig de beheerder om hulp.",
             n=current_app.config["LOGIN_MAX_FAILURES"], minutes=current_app.config["LOGIN_LOCK_MINUTES"])


@unit_of_work()
def authenticate(email: str, password: str) -> User:
    """Return the user for a correct e-mail and password, or raise DomainError.

    Failures are counted per account in the database; after LOGIN_MAX_FAILURES the account is
    locked for LOGIN_LOCK_MINUTES. An unknown address, a wrong password and a locked account get the
    same message after the same work (one password hash), so neither the answer nor its timing
    tells which addresses exist.
    """
    email = (email or "").strip().lower()
    user = db.session.execute(select(User).where(func.lower(User.email) == email)).scalar()
    now = clock.now()
    if user is None:
        burn_time(password)
        login_attempted.send(current_app._get_current_object(), user=None, email=email, outcome="unknown")
        raise DomainError(failed_login_message())
    if user.locked_until and user.locked_until > now:
        burn_time(password)
        login_attempted.send(current_app._get_current_object(), user=user, email=email, outcome="locked")
        raise DomainError(failed_login_message())
    if not verify_password(user.password_hash, password):
        # The DomainError below rolls back this unit of work: the failure is counted in its own.
        user_id = user.id
        durably(lambda: _count_failure(user_id, now))
        login_attempted.send(current_app._get_current_object(), user=user, email=email, outcome="failed")
        raise DomainError(failed_login_message())
    if not user.is_active:
        # Only after the right password: whoever reads this already knows the account.
        login_attempted.send(current_app._get_current_object(), user=user, email=email, outcome="inactive")
        raise DomainError(_("Dit account is niet actief. Vraag de beheerder om hulp."))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    login_attempted.send(current_app._get_current_object(), user=user, email=email, outcome="success")
    return user


def _count_failure(user_id: int, now) -> None:
    """Counted in one UPDATE so parallel attempts cannot lose a failure; enough of them lock."""
    db.session.execute(update(User).where(User.id == user_id).values(failed_logins=User.failed_logins + 1))
    user = db.session.get(User, user_id)
    db.session.refresh(user)
    if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
        user.locked_until = now + timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
        user.failed_logins = 0


# --- the login session (the cookie holds the moments; these rules judge them) ---------------------

def timestamp() -> int:
    """Now, in whole seconds since 1970 (UTC): what the session cookie stores."""
    return int(clock.now().timestamp())


def session_end_reason(login_at: int | None, seen_at: int | None) -> str | None:
    """'idle' after SESSION_IDLE_MINUTES without a request, 'lifetime' after SESSION_MAX_HOURS since
    the login (also for a session without these moments), None while the session may go on."""
    if not isinstance(login_at, int) or not isinstance(seen_at, int):
        return "lifetime"
    now = timestamp()
    if now - login_at >= current_app.config["SESSION_MAX_HOURS"] * 3600:
        return "lifetime"
    if now - seen_at >= current_app.config["SESSION_IDLE_MINUTES"] * 60:
        return "idle"
    return None


def login_is_recent(auth_at: int | None) -> bool:
    """True when the password (or a code) was given less than REAUTH_MINUTES ago."""
    return isinstance(auth_at, int) and timestamp() - auth_at < current_app.config["REAUTH_MINUTES"] * 60


def confirm_identity(user: User, password: str, code: str) -> None:
    """Re-authentication before a sensitive change: the current password, or a fresh two-factor code."""
    if code and user.totp_enabled:
        if not _accept_code(user, code):
            raise DomainError(_("Die code klopt niet of is al gebruikt. Wacht op een nieuwe code."), "code")
        return
    if not password or not verify_password(user.password_hash, password):
        raise DomainError(_("Het wachtwoord klopt niet."), "password")


def end_all_sessions(user: User) -> None:
    user.session_token = new_session_token()


@unit_of_work()
def change_password(user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise DomainError(_("Het huidige wachtwoord klopt niet."), "current_password")
    check_password_rules(new)
    if verify_password(user.password_hash, new):
        raise DomainError(_("Kies een ander wachtwoord dan het huidige."), "new_password")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    end_all_sessions(user)


# --- two-factor (TOTP) -------------------------------------------------------------------------

@unit_of_work()
def start_two_factor(user: User) -> str:
    """A fresh secret for enrolment; stored but not active until a code confirms it."""
    user.totp_secret = pyotp.random_base32()
    user.totp_enabled = False
    return user.totp_secret


def provisioning_uri(user: User) -> str:
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def _accept_code(user: User, code: str) -> bool:
    """True for a valid code whose time step is newer than the last one used: no replay."""
    code = (code or "").replace(" ", "")
    if not user.totp_secret or not code.isdecimal() or len(code) != 6:
        return False
    totp = pyotp.TOTP(user.totp_secret)
    now = clock.now()
    for drift in (-1, 0, 1):  # one step of clock drift either way
        at = now + timedelta(seconds=30 * drift)
        if secrets.compare_digest(totp.at(at), code):
            step = totp.timecode(at)
            # Conditional update: two requests with the same code cannot both pass.
            claimed = db.session.execute(
                update(User)
                .where(User.id == user.id, (User.totp_last_step.is_(None)) | (User.totp_last_step < step))
                .values(totp_last_step=step)
            ).rowcount
            db.session.refresh(user)
            return claimed == 1
    return False


@unit_of_work()
def confirm_two_factor(user: User, code: str) -> None:
    if not _accept_code(user, code):
        raise DomainError(_("Die code klopt niet. Typ de zes cijfers die de app nu laat zien."), "code")
    user.totp_enabled = True


@unit_of_work()
def verify_two_factor(user: User, code: str) -> None:
    if not _accept_code(user, code):
        raise DomainError(_("Die code klopt niet of is al gebruikt. Wacht op een nieuwe code."), "code")


@unit_of_work()
def disable_two_factor(user: User) -> None:
    user.totp_enabled = False
    user.totp_secret = None
    user.totp_last_step = None
    end_all_sessions(user)


# --- administration ----------------------------------------------------------------------------

def list_organisations(kind: str | None = None):
    stmt = select(Organisation).order_by(Organisation.kind, Organisation.name)
    if kind in {k.value for k in OrgKind}:  # anything else typed in the address: all kinds
        stmt = stmt.where(Organisation.kind == kind)
    return stmt


@unit_of_work()
def save_organisation(org: Organisation | None, *, name: str, kind: str, active: bool, actor: User) -> Organisation:
    name = name.strip()
    clash = db.session.execute(
        select(Organisation.id).where(func.lower(Organisation.name) == name.lower(),
                                      Organisation.id != (org.id if org else -1))
    ).scalar()
    if clash:
        raise DomainError(_("Er is al een organisatie met deze naam."), "name")
    if kind not in {k.value for k in OrgKind}:
        raise DomainError(_("Kies een soort organisatie."), "kind")
    if org is None:
        org = Organisation(name=name, kind=kind, active=active)
        db.session.add(org)
    else:
        if org.kind != kind and org.users:
            raise DomainError(_("De soort kan niet meer veranderen: er zijn al gebruikers."), "kind")
        if not active and org.kind == OrgKind.SYSTEM and org.id == actor.organisation_id:
            raise DomainError(_("U kunt uw eigen beheerorganisatie niet uitzetten."), "active")
        org.name, org.kind, org.active = name, kind, active
    return org


def list_users(organisation_id: int | None = None, query: str | None = None):
    stmt = select(User).join(User.organisation).order_by(Organisation.name, User.name)
    if organisation_id:
        stmt = stmt.where(User.organisation_id == organisation_id)
    if query:
        like = f"%{query.strip().lower()}%"
        stmt = stmt.where(func.lower(User.name).like(like) | func.lower(User.email).like(like))
    return stmt


def _check_role_fits(role: str, org: Organisation) -> None:
    if Role(role) not in ROLES_BY_KIND[OrgKind(org.kind)]:
        raise DomainError(_("Deze rol past niet bij de soort organisatie."), "role")


@unit_of_work()
def create_user(*, email: str, name: str, role: str, organisation_id: int, actor: User) -> tuple[User, str]:
    """Create a user with a one-time password that must be changed at first login."""
    email = email.strip().lower()
    if db.session.execute(select(User.id).where(func.lower(User.email) == email)).scalar():
        raise DomainError(_("Er is al een gebruiker met dit e-mailadres."), "email")
    org = db.session.get(Organisation, organisation_id)
    if org is None:
        raise DomainError(_("Kies een organisatie."), "organisation_id")
    _check_role_fits(role, org)
    temporary = secrets.token_urlsafe(12)
    user = User(email=email, name=name.strip(), role=role, organisation_id=org.id,
                password_hash=hash_password(temporary), must_change_password=True,
                session_token=new_session_token())
    db.session.add(user)
    db.session.flush()
    account_changed.send(current_app._get_current_object(), actor=actor, user=user, action="account aangemaakt")
    return user, temporary


@unit_of_work()
def update_user(user: User, *, name: str, role: str, organisation_id: int, active: bool, actor: User) -> None:
    org = db.session.get(Organisation, organisation_id)
    if org is None:
        raise DomainError(_("Kies een organisatie."), "organisation_id")
    _check_role_fits(role, org)
    if user.id == actor.id and (not active or role != user.role):
        raise DomainError(_("U kunt uw eigen rol niet wijzigen en uzelf niet uitzetten."), "active")
    changed_access = (role != user.role or org.id != user.organisation_id or active != user.active)
    user.name, user.role, user.organisation_id, user.active = name.strip(), role, org.id, active
    if changed_access:
        end_all_sessions(user)  # new rights take effect at once
    account_changed.send(current_app._get_current_object(), actor=actor, user=user, action="account gewijzigd")


@unit_of_work()
def reset_password(user: User, actor: User) -> str:
    temporary = secrets.token_urlsafe(12)
    user.password_hash = hash_password(temporary)
    user.must_change_password = True
    user.failed_logins = 0
    user.locked_until = None
    end_all_sessions(user)
    account_changed.send(current_app._get_current_object(), actor=actor, user=user, action="wachtwoord hersteld")
    return temporary


@unit_of_work()
def reset_two_factor(user: User, actor: User) -> None:
    account_changed.send(current_app._get_current_object(), actor=actor, user=user, action="tweestapsverificatie hersteld")
    disable_two_factor(user)


@unit_of_work()
def create_first_admin(*, email: str, name: str, password: str) -> User:
    check_password_rules(password, "password")
    org = db.session.execute(select(Organisation).where(Organisation.kind == OrgKind.SYSTEM)).scalar()
    if org is None:
        org = Organisation(name="Wegwijs beheer", kind=OrgKind.SYSTEM)
        db.session.add(org)
        db.session.flush()
    user = User(email=email.strip().lower(), name=name, role=Role.ADMIN, organisation_id=org.id,
                password_hash=hash_password(password), session_token=new_session_token())
    db.session.add(user)
    return user
