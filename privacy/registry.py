"""The registry of personal data: every context registers, at import, what it holds about a person
(how to find it, export it for an inzage, correct it, erase or anonymise it, and when its retention
ends). privacy imports no higher context: inzage, correction, erasure and retention reach all data
through this registry. tests/privacy/test_rights.py fails when a table with a citizen, volunteer
or phone column is in no registration.

A person is (person_type, person_id): "citizen" (referrals; a helper is kept on the citizen's row
and is found by their phone number too) or "volunteer" (volunteers).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Person:
    """Who an inzage, correction or erasure is about, as the person type's context describes them."""

    type: str
    id: int
    municipality_id: int
    name: str
    phones: tuple[str, ...]  # E.164: where the SMS holdings look
    address: str = ""
    anonymised: bool = False
    details: dict = field(default_factory=dict)  # label -> value, what the inzage shows first


@dataclass(frozen=True)
class PersonType:
    code: str
    label: object
    # (municipality_id, typed text) -> persons; refuses nothing: an unreadable text finds no one
    search: Callable[[int, str], list[Person]]
    # (person_id, user) -> Person, scoped to the user's municipality (404 otherwise; user None: the login)
    get: Callable[..., Person]
    # field code -> label of what a correction may change
    fields: dict
    # (person, field, value) -> (old, new) as shown; raises DomainError on a value that is not right
    correct: Callable[[Person, str, str], tuple[str, str]]
    # (person_id) -> [(subject_type, subject_id)] that the processing log writes about them
    log_subjects: Callable[[int], list[tuple[str, int]]]
    # (person_id) -> their numbers (E.164), unscoped: the retention job keeps a held person's SMS
    phones: Callable[[int], tuple[str, ...]]


@dataclass(frozen=True)
class Due:
    """One record whose retention has ended."""

    row_id: int
    municipality_id: int | None
    person_type: str | None
    person_id: int | None
    since: datetime  # when the term started
    phone: str | None = None  # for records found by number only (an SMS): a hold on its person holds it
    # The record it tells about (an SMS's subject, an offer): a hold on a person it tells about
    # (registry.sms_subjects_of) holds it.
    subject: tuple[str, int] | None = None


@dataclass(frozen=True)
class Retention:
    setting: str  # the config key of the term in months
    default_months: int
    start: object  # label: from when the term runs ("referral closed")
    # (cutoff) -> the records whose term started before the cutoff and that still hold personal data
    due: Callable[[datetime], list[Due]]
    # (row ids) -> how many were anonymised or deleted; in the caller's transaction
    expire: Callable[[list[int]], int]


@dataclass(frozen=True)
class Holding:
    """What one context holds about a person, in one or more tables."""

    code: str
    label: object
    tables: tuple[str, ...]
    person_types: tuple[str, ...]
    # (person) -> records, each a dict label -> value (readable, for the inzage page, letter and JSON)
    export: Callable[[Person], list[dict]]
    # (person) -> how many records were erased or anonymised; in the caller's transaction
    erase: Callable[[Person], int]
    how: object  # label: "gewist" or "geanonimiseerd (telt mee in rapportages)"
    retention: Retention | None = None


PERSON_TYPES: dict[str, PersonType] = {}
HOLDINGS: dict[str, Holding] = {}
# Tables with a column that looks personal but is not a person's (a location's phone): table -> why.
NOT_PERSONAL: dict[str, str] = {}


# person_type -> functions (person_id) -> [(subject_type, subject_id)]: the records whose SMS, to
# whatever number, tell about the person (a helper's copy of the citizen's appointment, the
# volunteer's SMS naming the citizen of a pairing). The SMS holding erases and exports those too.
SMS_SUBJECTS: dict[str, list[Callable[[int], list[tuple[str, int]]]]] = {}


def register_sms_subjects(person_type: str, subjects: Callable[[int], list[tuple[str, int]]]) -> None:
    SMS_SUBJECTS.setdefault(person_type, []).append(subjects)


def sms_subjects_of(person_type: str, person_id: int) -> dict[str, list[int]]:
    """subject_type -> ids of the records whose SMS tell about this person."""
    found: dict[str, list[int]] = {}
    for subjects in SMS_SUBJECTS.get(person_type, []):
        for subject_type, subject_id in subjects(person_id):
            found.setdefault(subject_type, []).append(subject_id)
    return found


# person_type -> functions (person_id) -> why the person cannot be erased now, or None (a volunteer
# with a buddy: the pairing is ended first).
ERASURE_CHECKS: dict[str, list[Callable[[int], str | None]]] = {}


def register_erasure_check(person_type: str, check: Callable[[int], str | None]) -> None:
    ERASURE_CHECKS.setdefault(person_type, []).append(check)


def erasure_blocked(person_type: str, person_id: int) -> str | None:
    return next((why for check in ERASURE_CHECKS.get(person_type, []) if (why := check(person_id))), None)


def register_person_type(person_type: PersonType) -> None:
    PERSON_TYPES[person_type.code] = person_type


def register(holding: Holding) -> None:
    HOLDINGS[holding.code] = holding


def not_personal(table: str, why: str) -> None:
    NOT_PERSONAL[table] = why


def holdings_for(person_type: str) -> list[Holding]:
    return [h for h in HOLDINGS.values() if person_type in h.person_types]


def registered_tables() -> set[str]:
    return {t for h in HOLDINGS.values() for t in h.tables} | set(NOT_PERSONAL)
