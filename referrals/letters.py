"""Letters on the work list printed from a code and its values, in the citizen's language at print
time (an English citizen gets an English letter, written the day it is printed). A task stores the
code (`Task.letter`) and the values (`Task.letter_values`: the location's id, a time, course words),
never the citizen's name, phone or address: those come from the citizen's record when printed.

Every letter has the same frame as the appointment letter (templates/referrals/task_letter.html):
the municipality and the location's address and phone as sender, place and date, a subject line,
the paragraphs, and the number to call. A paragraph whose values are empty is left out, or a
paragraph given as a pair (with the value, without it) says it the second way.

A person other than the citizen (a buddy) is named by a letter's `people` lookup, from an id in
the values when the letter is printed: the task stores no copy of the name, so an erased person
is no longer named. The work list's description (`plain_text`) is written without it.

Contexts above referrals register their own letters (`register_letters`), as they do their steps.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from extensions import db
from extensions.dates import when
from referrals.models import Location

# What a citizen brings when the location has no setting of its own.
BRING_DEFAULT = _l("paspoort of ID-kaart")

# Explained once in every letter about a course.
DIGISTERKER = _l("Digisterker is een cursus over DigiD en internet.")


@dataclass(frozen=True)
class Letter:
    subject: object  # lazy text
    # Lazy texts with %(name)s values (when, place, bring, phone, title, note, name), or pairs of
    # them: (with the values, without them).
    paragraphs: tuple
    # The values that name people, looked up from the stored values when the letter is printed.
    people: Callable[[dict], dict] | None = None


LETTERS: dict[str, Letter] = {
    "appointment_cancelled": Letter(
        _l("Uw afspraak gaat niet door"),
        (_l("Uw afspraak van %(when)s gaat niet door."),
         _l("Wilt u een nieuwe afspraak? Bel ons op %(phone)s."))),
    "no_show": Letter(
        _l("U was er niet bij uw afspraak"),
        (_l("U had een afspraak op %(when)s."),
         _l("Waar: %(place)s."),
         _l("U was er niet."),
         _l("Wilt u een nieuwe afspraak? Bel ons op %(phone)s."))),
}


def register_letters(letters: dict[str, Letter]) -> None:
    LETTERS.update(letters)


def _names(text: str) -> set[str]:
    return set(re.findall(r"%\((\w+)\)s", text))


def place_of(location: Location) -> str:
    """Where: the building or room ("Stadskantoor, 2e verdieping"; else the location's name) and the address."""
    return f"{location.room or location.name}, {location.address}"


def bring_of(location: Location, language: str | None = None) -> str:
    """What to bring, in `language` (default: the current one): the location's English text for
    English, else its Dutch text, else "paspoort of ID-kaart" in that language."""
    language = language or str(get_locale() or "nl")
    if language == "en" and location.what_to_bring_en:
        return location.what_to_bring_en
    if location.what_to_bring:
        return location.what_to_bring
    with force_locale(language):
        return str(BRING_DEFAULT)


def values_for(values: dict, location: Location | None) -> dict[str, str]:
    """The values of a letter's paragraphs in the current language."""
    out = {key: str(value or "") for key, value in values.items() if key not in ("at", "location_id")}
    if values.get("at"):
        out["when"] = when(datetime.fromisoformat(values["at"]), "long")
    if location is not None:
        out.update(place=place_of(location), phone=location.phone, bring=bring_of(location))
    return out


def render(letter: str, values: dict, location: Location | None, *, people: bool = True) -> tuple[str, list[str]]:
    """(subject, paragraphs) of a letter in the current language; `people=False` leaves out the
    names the letter looks up (`Letter.people`)."""
    spec = LETTERS[letter]
    filled = values_for(values, location)
    if people and spec.people is not None:
        filled.update(spec.people(values))
    paragraphs = []
    for paragraph in spec.paragraphs:
        for way in paragraph if isinstance(paragraph, tuple) else (paragraph,):
            text = str(way)
            names = _names(text)
            if all(filled.get(name) for name in names):
                paragraphs.append(text % {name: filled[name] for name in names} if names else text)
                break
    return str(spec.subject), paragraphs


def location_of(values: dict | None) -> Location | None:
    location_id = (values or {}).get("location_id")
    return db.session.get(Location, location_id) if location_id else None


# The number on a letter when the municipality has no location with one (the government's 14 + area code).
FALLBACK_PHONE = "14 030"


def contact_location(municipality_id: int) -> Location | None:
    """Where a citizen calls or writes to the municipality when no appointment names a location:
    its first active location with a phone number (a letter's sender and its number to call)."""
    return db.session.execute(select(Location).where(
        Location.municipality_id == municipality_id, Location.active.is_(True), Location.phone != "")
        .order_by(Location.id).limit(1)).scalar()


def sender_values(municipality_id: int, **values) -> dict:
    """A letter's values when no appointment names the place: the municipality's contact location
    (the sender's address and number) and the letter's own words; the number also by itself."""
    location = contact_location(municipality_id)
    return {"location_id": location.id if location else None,
            "phone": location.phone if location else FALLBACK_PHONE, **values}


def plain_text(letter: str, values: dict, language: str = "nl") -> str:
    """The letter's body as one text (stored on the task for the work list: Dutch), naming no one
    but the citizen's municipality."""
    with force_locale(language):
        _subject, paragraphs = render(letter, values, location_of(values), people=False)
    return " ".join(paragraphs)
