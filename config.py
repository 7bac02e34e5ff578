"""Configuration: defaults < environment < explicit override (tests). Nothing is read at import time."""
from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

DEFAULTS: dict = {
    # Core
    "ENV_NAME": "development",  # development | production
    "SECRET_KEY": None,  # required in production; in development made once and kept in instance/secret_key
    "SQLALCHEMY_DATABASE_URI": None,  # None: SQLite file in instance/
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    # SQLite (the embedded default): how long a writer waits for the write lock, and the
    # Retry-After of the 503 "Even druk" page when it still cannot have it.
    "SQLITE_BUSY_TIMEOUT_MS": 5000,
    "BUSY_RETRY_AFTER_SECONDS": 5,
    # Behind a reverse proxy: how many proxies in front of the app set X-Forwarded-For and
    # X-Forwarded-Proto (Werkzeug's ProxyFix). 0: the address of the connection itself.
    "PROXY_FIX_X_FOR": 0,
    "PROXY_FIX_X_PROTO": 0,
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
    "BABEL_DEFAULT_LOCALE": "nl",
    "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
    "LANGUAGES": ["nl", "en"],
    # Accounts and security
    "REQUIRE_2FA": False,
    # Argon2id cost (accounts/passwords.py): the OWASP setting. Only the tests lower it.
    "PASSWORD_HASH_TIME_COST": 2,
    "PASSWORD_HASH_MEMORY_KIB": 19 * 1024,
    "PASSWORD_HASH_PARALLELISM": 1,
    "LOGIN_MAX_FAILURES": 5,  # failures before the account is locked for a while
    "LOGIN_LOCK_MINUTES": 15,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_LOGIN": "10 per minute",  # login POSTs per account (the typed address or the user)
    # and per client address: generous, since a call centre's agents share one address at 08:00
    "RATELIMIT_LOGIN_ADDRESS": "300 per minute",
    "RATELIMIT_ENABLED": True,
    "SESSION_COOKIE_SECURE": False,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_NAME": "wegwijs_session",
    "REMEMBER_COOKIE_DURATION": 0,
    # The session cookie lives as long as the browser; the server ends a login after this many
    # minutes without a request, and after this many hours in all (ASVS 7.3).
    "SESSION_IDLE_MINUTES": 30,
    "SESSION_MAX_HOURS": 12,
    # Changing another user, or turning one's own two-factor off, asks for the password again
    # when it was last given longer ago than this.
    "REAUTH_MINUTES": 15,
    "SECURITY_HEADERS": True,
    "HSTS": False,
    "PAGE_SIZE": 25,
    # Messaging (see README: SMS)
    "SMS_GATEWAY": None,  # None: "twilio" when credentials are set, otherwise "outbox"
    "TWILIO_ACCOUNT_SID": None,
    "TWILIO_AUTH_TOKEN": None,
    "TWILIO_MESSAGING_SERVICE_SID": None,
    "TWILIO_FROM_NUMBER": None,
    "TWILIO_API_BASE_URL": None,  # only for tests and local stand-ins
    "TWILIO_TIMEOUT_SECONDS": 10,
    "PUBLIC_BASE_URL": "http://localhost:5000",
    "QUIET_HOURS_START": 21,
    "QUIET_HOURS_END": 8,
    "DISPATCH_BATCH_SIZE": 50,
    "DISPATCH_LEASE_SECONDS": 120,
    "DISPATCH_RECONCILE_DELAY_SECONDS": 60,  # wait before asking the provider about an `unknown` SMS
    "DISPATCH_MAX_ATTEMPTS": 8,  # sends tried before a message the provider never took fails
    "DISPATCH_MAX_SECONDS": 50,  # one dispatcher run works at most this long
    "DISPATCH_INTERVAL_SECONDS": 10,  # how often the scheduler starts the dispatcher
    "SMS_DISPATCH_CONCURRENCY": 8,  # calls to the provider at once, per dispatcher process
    # Messages a second one dispatcher process starts at most: the rate the provider's senders
    # send (Twilio queues the excess and refuses new messages once its queue is hours long).
    "SMS_RATE_PER_SECOND": 10,
    # Referrals
    "BOOKING_WEEKS_AHEAD": 6,
    "STALE_AFTER_WORKING_DAYS": 5,
    # Volunteers
    "VOG_VALID_YEARS": 3,  # a VOG counts as valid this many years from its date
    "BUDDY_OFFER_HOURS": 48,  # an offer without an answer goes to the next volunteer after this
    # Processing log (see README: Verwerkingenlogboek). The key of the persons' pseudonyms is never
    # stored in the database; production refuses to start without one, like without a SECRET_KEY.
    "PROCESSING_LOG_KEY": None,  # development and tests: DEVELOPMENT_LOG_KEY
    "PROCESSING_LOG_RETENTION_DAYS": 730,  # the log's own retention term: lines older than this are purged
    # Retention (privacy/jobs.py), in months from the start the README's table names
    "RETENTION_CITIZEN_MONTHS": 12,  # the citizen's details: last referral closed
    "RETENTION_REFERRAL_MONTHS": 12,  # notes of a referral, the counter's outcome, escalations: referral closed
    "RETENTION_TASK_MONTHS": 12,  # a call or letter task's text: task done
    "RETENTION_SMS_MONTHS": 3,  # SMS bodies and phone numbers: sent or received
    "RETENTION_BUDDY_PAIRING_MONTHS": 24,  # the volunteer's number on a pairing: pairing ended
    "RETENTION_BUDDY_OFFER_MONTHS": 3,  # number and reason of an offer that was no pairing: answered or expired
    "RETENTION_VOLUNTEER_MONTHS": 12,  # the volunteer's details: stopped volunteering
    "RETENTION_VOG_MONTHS": 12,  # VOG check records: stopped volunteering
    "RETENTION_CORRECTION_MONTHS": 12,  # old values of a correction: corrected
}

PRODUCTION = {
    "REQUIRE_2FA": True,
    "SESSION_COOKIE_SECURE": True,
    "REMEMBER_COOKIE_SECURE": True,
    "HSTS": True,
    "PREFERRED_URL_SCHEME": "https",
}

# Environment variables that are read, with their type. Documented in README and .env.example.
ENVIRONMENT = {
    "ENV_NAME": str,
    "SECRET_KEY": str,
    "DATABASE_URL": str,
    "REQUIRE_2FA": bool,
    "RATELIMIT_STORAGE_URI": str,
    "RATELIMIT_LOGIN": str,
    "RATELIMIT_LOGIN_ADDRESS": str,
    "SQLITE_BUSY_TIMEOUT_MS": int,
    "BUSY_RETRY_AFTER_SECONDS": int,
    "PROXY_FIX_X_FOR": int,
    "PROXY_FIX_X_PROTO": int,
    "LOGIN_MAX_FAILURES": int,
    "LOGIN_LOCK_MINUTES": int,
    "SESSION_IDLE_MINUTES": int,
    "SESSION_MAX_HOURS": int,
    "REAUTH_MINUTES": int,
    "SMS_GATEWAY": str,
    "TWILIO_ACCOUNT_SID": str,
    "TWILIO_AUTH_TOKEN": str,
    "TWILIO_MESSAGING_SERVICE_SID": str,
    "TWILIO_FROM_NUMBER": str,
    "TWILIO_API_BASE_URL": str,
    "TWILIO_TIMEOUT_SECONDS": int,
    "PUBLIC_BASE_URL": str,
    "QUIET_HOURS_START": int,
    "QUIET_HOURS_END": int,
    "DISPATCH_BATCH_SIZE": int,
    "DISPATCH_LEASE_SECONDS": int,
    "DISPATCH_RECONCILE_DELAY_SECONDS": int,
    "DISPATCH_MAX_ATTEMPTS": int,
    "DISPATCH_INTERVAL_SECONDS": int,
    "SMS_DISPATCH_CONCURRENCY": int,
    "SMS_RATE_PER_SECOND": float,
    "STALE_AFTER_WORKING_DAYS": int,
    "VOG_VALID_YEARS": int,
    "BUDDY_OFFER_HOURS": int,
    "PROCESSING_LOG_KEY": str,
    "PROCESSING_LOG_RETENTION_DAYS": int,
    "RETENTION_CITIZEN_MONTHS": int,
    "RETENTION_REFERRAL_MONTHS": int,
    "RETENTION_TASK_MONTHS": int,
    "RETENTION_SMS_MONTHS": int,
    "RETENTION_BUDDY_PAIRING_MONTHS": int,
    "RETENTION_BUDDY_OFFER_MONTHS": int,
    "RETENTION_VOLUNTEER_MONTHS": int,
    "RETENTION_VOG_MONTHS": int,
    "RETENTION_CORRECTION_MONTHS": int,
}


def _parse(kind, raw: str):
    if kind is bool:
        return raw.strip().lower() in {"1", "true", "yes", "on", "ja"}
    return kind(raw)


def database_uri(url: str) -> str:
    """Accept the usual postgres:// and postgresql:// forms and use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


MIN_SECRET_KEY_BYTES = 32
_MAKE_ONE = "Make one with: python3 -c 'import secrets; print(secrets.token_hex(32))'"


def check_production_key(key: str | None, name: str = "SECRET_KEY") -> None:
    """Production refuses to start without a real key: the session cookie, and so every login, hangs
    on SECRET_KEY; the processing log's pseudonyms on PROCESSING_LOG_KEY."""
    if not key:
        raise RuntimeError(f"{name} must be set in production. {_MAKE_ONE}")
    if key.strip().lower().startswith("change-me"):
        raise RuntimeError(f"{name} is still the placeholder from .env.example. {_MAKE_ONE}")
    if len(key.encode("utf-8")) < MIN_SECRET_KEY_BYTES:
        raise RuntimeError(f"{name} is too short: at least {MIN_SECRET_KEY_BYTES} bytes are needed in production. "
                           f"{_MAKE_ONE}")


# Outside production without PROCESSING_LOG_KEY: a fixed, public value. Pseudonyms made with it
# protect nothing, which is fine for demo data and tests and never allowed in production.
DEVELOPMENT_LOG_KEY = "development-only-processing-log-key-not-secret"


DEVELOPMENT_KEY_FILE = "secret_key"


def development_key(instance_path: str) -> str:
    """Outside production without a SECRET_KEY: one random key, made once and kept in
    instance/secret_key (readable by the owner only), so every gunicorn worker and every restart
    signs sessions with the same key. Workers that start at the same moment agree: the key is
    written to a private temporary file and linked into place, and whoever links first wins."""
    os.makedirs(instance_path, exist_ok=True)
    path = Path(instance_path) / DEVELOPMENT_KEY_FILE
    for _ in range(2):
        try:
            key = path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            key = ""
        if key:
            return key
        fd, temporary = tempfile.mkstemp(dir=instance_path, prefix=".secret_key.")  # mode 0600
        try:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(secrets.token_hex(32) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(temporary, 0o600)
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass  # another worker was first (or an empty file is in the way: read again)
        finally:
            os.unlink(temporary)
    raise RuntimeError(f"{path} is empty: delete it (a new key is made) or set SECRET_KEY.")


def build(instance_path: str, override: dict | None = None, environ: dict | None = None) -> dict:
    environ = os.environ if environ is None else environ
    cfg = dict(DEFAULTS)
    for key, kind in ENVIRONMENT.items():
        if key in environ and environ[key] != "":
            cfg[key] = _parse(kind, environ[key])
    if cfg["ENV_NAME"] == "production":
        for key, value in PRODUCTION.items():
            if key not in ENVIRONMENT or key not in environ:
                cfg[key] = value
    cfg.update(override or {})

    if cfg.get("DATABASE_URL"):
        cfg["SQLALCHEMY_DATABASE_URI"] = database_uri(cfg["DATABASE_URL"])
    if not cfg["SQLALCHEMY_DATABASE_URI"]:
        cfg["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(Path(instance_path) / "wegwijs.db")
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True, **cfg["SQLALCHEMY_ENGINE_OPTIONS"]}
    if cfg["ENV_NAME"] == "production":
        check_production_key(cfg["SECRET_KEY"])
        check_production_key(cfg["PROCESSING_LOG_KEY"], "PROCESSING_LOG_KEY")
    if not cfg["SECRET_KEY"]:
        cfg["SECRET_KEY"] = development_key(instance_path)
    cfg["PROCESSING_LOG_KEY"] = cfg["PROCESSING_LOG_KEY"] or DEVELOPMENT_LOG_KEY
    cfg["RATELIMIT_STORAGE_URI"] = cfg["RATELIMIT_STORAGE_URI"] or "memory://"
    # Flask also refuses a session cookie signed longer ago than this (a second, coarser limit).
    cfg.setdefault("PERMANENT_SESSION_LIFETIME", cfg["SESSION_MAX_HOURS"] * 3600)
    return cfg
