"""Phone numbers, GSM-7 and the SMS texts."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from extensions import DomainError
from messaging import gsm7, sms_texts
from messaging.phone import parse_phone
from volunteers import texts as _buddy_texts  # noqa: F401  (registers them: the same table in any test order)


@pytest.mark.parametrize("raw, e164, national, mobile", [
    ("06 12345678", "+31612345678", "06 12345678", True),
    ("06-1234 5678", "+31612345678", "06 12345678", True),
    ("+31612345678", "+31612345678", "06 12345678", True),
    ("0031 6 12345678", "+31612345678", "06 12345678", True),
    ("020 123 4567", "+31201234567", "020 123 4567", False),
    ("085 123 4567", "+31851234567", "085 123 4567", False),
    ("+32 470 12 34 56", "+32470123456", "+32 470 12 34 56", True),
])
def test_parse_phone(raw, e164, national, mobile):
    number = parse_phone(raw)
    assert (number.e164, number.national, number.is_mobile) == (e164, national, mobile)


@pytest.mark.parametrize("raw", ["", "   ", "12", "06 1234", "hallo", "+31 6 1234567890"])
def test_invalid_numbers_raise_a_readable_domain_error(app, raw):
    with pytest.raises(DomainError) as err:
        parse_phone(raw)
    assert "telefoonnummer" in err.value.message


# The citizen's journey: every text about an appointment or a course names who writes.
JOURNEY = ("appointment_", "afzeggen_reply", "afzeggen_unclear", "no_show", "course_")


def _sentences(text: str) -> list[str]:
    body = text.split(": ", 1)[1] if ": " in text else text  # after the sender
    return [s for s in re.split(r"(?<=[.?!])\s+", body) if s]


# B1: words nobody explains ("ID" alone, "referentie", "kenmerk", "verzet") stay out of every text.
UNEXPLAINED = re.compile(r"\bID\b(?!-kaart| card)|referentie|kenmerk|verzet", re.IGNORECASE)


# Texts to volunteers ("vol_") have rules of their own (tests/volunteers/test_texts.py); the rest reach citizens.
CITIZEN_TEXTS = [(p, lang) for p, texts in sms_texts.TEXTS.items() if not p.startswith("vol_") for lang in texts]


@pytest.mark.parametrize("purpose, language", CITIZEN_TEXTS)
def test_every_text_keeps_its_budget_with_the_longest_values(purpose, language):
    """Table-driven: every text in both languages, with the longest values the forms accept, keeps
    its segment budget (two for the texts sent once, SEGMENT_BUDGET; one for the rest), names the
    sender, gives a number to call where it asks the citizen to act, and keeps sentences short."""
    texts = sms_texts.TEXTS[purpose]
    assert list(texts)[:2] == ["nl", "en"], f"{purpose}: Dutch first, English second"
    template = texts[language]
    assert gsm7.is_gsm7(template), f"{purpose}/{language}: a character outside GSM-7 in the template"
    fields = sms_texts.fields_of(template)
    missing = fields - sms_texts.LONGEST_VALUES.keys()
    assert not missing, f"{purpose}/{language}: add {sorted(missing)} to LONGEST_VALUES"
    text = sms_texts.render(purpose, language, {f: sms_texts.LONGEST_VALUES[f] for f in fields})
    assert gsm7.is_gsm7(text), f"{purpose}/{language}: not GSM-7: {text!r}"
    budget = sms_texts.SEGMENT_BUDGET.get(purpose, 1)
    assert gsm7.segments(text) <= budget, f"{purpose}/{language}: {gsm7.gsm7_length(text)} characters: {text!r}"
    if purpose.startswith(JOURNEY):
        assert text.startswith(sms_texts.LONGEST_VALUES["sender"] + ": "), f"{purpose}/{language}: who writes?"
    if purpose in sms_texts.NEEDS_PHONE:
        assert sms_texts.LONGEST_VALUES["phone"] in text, f"{purpose}/{language}: no number to call"
    # At most 10 words a sentence, a value ("donderdag 30 september") counting as one word; the
    # coordinator's own words (a course's note) are theirs.
    for sentence in _sentences(template.replace("{sender}: ", "")):
        assert len(sentence.split()) <= 10, f"{purpose}/{language}: a long sentence: {sentence!r}"
    assert not UNEXPLAINED.search(text.replace(sms_texts.LONGEST_VALUES["note"], "")), \
        f"{purpose}/{language}: a word without explanation"
    if language == "en":
        assert "Cannot come" not in text, f"{purpose}: write \"Can't come\""


def test_only_texts_sent_once_may_take_two_segments():
    assert set(sms_texts.SEGMENT_BUDGET) == {"appointment_confirmation", "appointment_moved", "course_enrolled",
                                             "course_promoted", "helper_confirmation", "course_note"}
    assert set(sms_texts.SEGMENT_BUDGET.values()) == {2}
    # The moved text says that the old time no longer counts.
    assert "oude tijd geldt niet meer" in sms_texts.TEXTS["appointment_moved"]["nl"]
    assert "old time no longer counts" in sms_texts.TEXTS["appointment_moved"]["en"]


def test_the_longest_values_are_the_longest_that_occur(app):
    """The date is as long as Babel writes it on the longest day (\"donderdag 10 september\": 22
    characters), the sender as long as the setting allows, the phone as long as the location form
    accepts."""
    from accounts.models import SMS_NAME_MAX
    from extensions.dates import AMSTERDAM, sms_date_time

    with app.app_context():
        longest = max(len(sms_date_time(datetime(2026, 1, 1, 12, tzinfo=AMSTERDAM) + timedelta(days=d), lang)["date"])
                      for d in range(366) for lang in sms_texts.LANGUAGES)
    assert len(sms_texts.LONGEST_VALUES["date"]) >= longest == 22
    assert len(sms_texts.LONGEST_VALUES["sender"]) == SMS_NAME_MAX
    assert len(sms_texts.LONGEST_VALUES["maker"]) == len("De ") + sms_texts.AGENCY_MAX
    # "Waar:" is room, street and city together, as long as the location form accepts (tested there).
    where = sms_texts.LONGEST_VALUES["where"]
    assert where.endswith(", Leidschendam") and len(where) == 60 and len(sms_texts.LONGEST_VALUES["bring"]) == 40


@pytest.mark.parametrize("name, nl, en", [
    ("Belastingdienst", "De Belastingdienst", "Belastingdienst"),
    ("SVB", "De SVB", "SVB"),
    ("UWV", "Het UWV", "UWV"),
    ("Logius", "Logius", "Logius"),
    ("Een heel lange naam van een dienst", "De Een heel lange naam van een", "Een heel lange naam van een"),
])
def test_the_agency_with_its_article(name, nl, en):
    assert sms_texts.agency_with_article(name, "nl") == nl[:len("De ") + sms_texts.AGENCY_MAX].strip()
    assert sms_texts.agency_with_article(name, "en") == en[:sms_texts.AGENCY_MAX].strip()


def test_values_are_made_gsm7_safe_and_missing_values_are_refused():
    text = sms_texts.render("test", "nl", {"organisation": "Gemeente Súdwest-Fryslân “Noord”"})
    assert "Sudwest-Fryslan \"Noord\"" in text and gsm7.is_gsm7(text)
    with pytest.raises(ValueError):
        sms_texts.render("test", "nl", {})
    with pytest.raises(ValueError):
        sms_texts.render("no-such-purpose", "nl", {})
    # A language without a translation falls back to Dutch.
    assert sms_texts.template_for("test", "tr")[1] == "nl"


def test_gsm7_counting():
    assert gsm7.is_gsm7("Café à Zürich") and not gsm7.is_gsm7("ë") and not gsm7.is_gsm7("’")
    assert gsm7.gsm7_length("€10") == 4
    assert gsm7.segments("a" * 160) == 1 and gsm7.segments("a" * 161) == 2
    assert gsm7.segments("ë" * 70) == 1 and gsm7.segments("ë" * 71) == 2
