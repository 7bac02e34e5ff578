"""Password hashing with Argon2id. The cost is a setting (PASSWORD_HASH_*); its default is the OWASP
Password Storage Cheat Sheet setting (m=19 MiB, t=2, p=1). Only the tests choose a cheaper one."""
from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

from config import DEFAULTS

MIN_LENGTH = 12
_KEYS = ("PASSWORD_HASH_TIME_COST", "PASSWORD_HASH_MEMORY_KIB", "PASSWORD_HASH_PARALLELISM")


@lru_cache(maxsize=8)
def _hasher_for(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)


def _hasher() -> PasswordHasher:
    config = current_app.config if has_app_context() else DEFAULTS
    return _hasher_for(*(int(config.get(key, DEFAULTS[key])) for key in _KEYS))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher().check_needs_rehash(stored)


# Spent on unknown accounts too, so timing does not tell which e-mail addresses exist.
_DUMMY: dict[PasswordHasher, str] = {}


def burn_time(password: str) -> None:
    hasher = _hasher()
    if hasher not in _DUMMY:
        _DUMMY[hasher] = hasher.hash("not-a-real-password")
    verify_password(_DUMMY[hasher], password)
