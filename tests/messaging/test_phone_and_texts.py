"""Phone numbers, GSM-7 and the SMS texts."""
from __future__ import annotations

import pytest

from extensions import DomainError
from messaging import gsm7, sms_texts
from messaging.phone import parse_phone


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


def test_every_text_fits_one_gsm7_segment_with_the_longest_values():
    assert sms_texts.TEXTS, "no texts"
    for purpose, texts in sms_texts.TEXTS.items():
        assert list(texts)[:2] == ["nl", "en"], f"{purpose}: Dutch first, English second"
        for language, template in texts.items():
            assert gsm7.is_gsm7(template), f"{purpose}/{language}: a character outside GSM-7 in the template"
            fields = sms_texts.fields_of(template)
            missing = fields - sms_texts.LONGEST_VALUES.keys()
            assert not missing, f"{purpose}/{language}: add {sorted(missing)} to LONGEST_VALUES"
            text = sms_texts.render(purpose, language, {f: sms_texts.LONGEST_VALUES[f] for f in fields})
            assert gsm7.is_gsm7(text), f"{purpose}/{language}: not GSM-7: {text!r}"
            assert gsm7.gsm7_length(text) <= 160, f"{purpose}/{language}: {gsm7.gsm7_length(text)} > 160: {text!r}"
            assert gsm7.segments(text) == 1


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
