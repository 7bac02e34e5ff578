"""Input checks the intake needs: a BSN hidden in free text, Dutch postcodes, house numbers."""
from __future__ import annotations

import re

import phonenumbers
from flask_babel import gettext as _
from stdnum.nl import bsn as stdnum_bsn
from stdnum.nl import postcode as stdnum_postcode

from extensions import DomainError

# A run of digits with single spaces, dots or dashes between them: "123 456 782", "12.34.56.782".
_DIGIT_RUN = re.compile(r"(?<![\d])\d+(?:[ .\-]\d+)*(?![\d])")
_SEPARATORS = re.compile(r"[ .\-]")


def _candidates(run: str):
    groups = _SEPARATORS.split(run)
    whole = "".join(groups)
    if len(whole) in (8, 9):
        yield whole
    if len(groups) == 1:
        return
    # A longer run may hold a BSN next to other numbers ("01-02-1950 123456782"): try every
    # stretch of whole groups of 8 or 9 digits. A run that is a telephone number is not a BSN.
    if _is_phone(run):
        return
    for i in range(len(groups)):
        digits = ""
        for j in range(i, len(groups)):
            digits += groups[j]
            if len(digits) > 9:
                break
            if len(digits) in (8, 9) and not (i == 0 and j == len(groups) - 1):
                yield digits


def _is_phone(run: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(run, "NL"))
    except phonenumbers.NumberParseException:
        return False


def contains_bsn(text: str | None) -> bool:
    """True when the text holds a number that passes the BSN eleven-test (8 or 9 digits, also
    written with spaces, dots or dashes)."""
    if not text:
        return False
    for match in _DIGIT_RUN.finditer(text):
        for candidate in _candidates(match.group(0)):
            if stdnum_bsn.is_valid(candidate):
                return True
    return False


def refuse_bsn(text: str | None, field: str) -> None:
    if contains_bsn(text):
        raise DomainError(_("Haal het burgerservicenummer (BSN) uit de tekst: Wegwijs bewaart nooit een BSN."),
                          field)


def normalise_postcode(raw: str | None, field: str = "postcode") -> str:
    """'1234ab' -> '1234 AB', or DomainError next to the field."""
    text = (raw or "").strip()
    if not text:
        raise DomainError(_("Vul de postcode in, bijvoorbeeld 1234 AB."), field)
    try:
        return stdnum_postcode.validate(text)
    except Exception:
        raise DomainError(_("Dit is geen geldige postcode. Een postcode is vier cijfers en twee letters, "
                            "bijvoorbeeld 1234 AB."), field) from None


_HOUSE_NUMBER = re.compile(r"^\d{1,5}(?:\s*[-\s]?\s*[A-Za-z0-9]{1,4})?$")


def normalise_house_number(raw: str | None, field: str = "house_number") -> str:
    text = " ".join((raw or "").split())
    if not text:
        raise DomainError(_("Vul het huisnummer in."), field)
    if not _HOUSE_NUMBER.match(text) or text.startswith("0"):
        raise DomainError(_("Dit is geen geldig huisnummer. Voorbeeld: 12 of 12 A."), field)
    return text.upper()
