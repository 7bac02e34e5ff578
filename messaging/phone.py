"""Telephone numbers: one parser for the whole application (default region NL).

    >>> parse_phone("06 12345678")
    PhoneNumber(e164='+31612345678', national='06 12345678', is_mobile=True)

A landline cannot receive SMS: callers check `is_mobile` when the number is entered and let the
person choose another channel (a phone call or a letter).
"""
from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from flask_babel import gettext as _
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from extensions import DomainError

DEFAULT_REGION = "NL"

# FIXED_LINE_OR_MOBILE is what phonenumbers says when a region cannot tell the two apart
# (for example the United States): we give SMS the benefit of the doubt there.
_MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


@dataclass(frozen=True)
class PhoneNumber:
    e164: str  # "+31612345678": what we store and send to
    national: str  # "06 12345678" for Dutch numbers, "+32 470 12 34 56" for foreign ones
    is_mobile: bool

    def __str__(self) -> str:
        return self.national


def parse_phone(raw: str, region: str = DEFAULT_REGION) -> PhoneNumber:
    """Parse what a person typed (or what a provider sent) into a PhoneNumber.

    Raises DomainError (field None; views attach it to their own phone field) when it is no
    valid telephone number.
    """
    text = (raw or "").strip()
    if not text:
        raise DomainError(_("Vul een telefoonnummer in."))
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise DomainError(_("Dit is geen geldig telefoonnummer. Voorbeeld: 06 12345678.")) from None
    if not phonenumbers.is_valid_number(number):
        if number.country_code == 31 and str(number.national_number).startswith("60"):
            # 06-0...: no such mobile number exists; say why, not only that it is wrong.
            raise DomainError(_("Dit nummer bestaat niet: een mobiel nummer begint met 06-1 t/m 06-9."))
        raise DomainError(_("Dit is geen geldig telefoonnummer. Voorbeeld: 06 12345678."))
    kind = phonenumbers.number_type(number)
    is_dutch = number.country_code == 31
    display = phonenumbers.format_number(
        number, PhoneNumberFormat.NATIONAL if is_dutch else PhoneNumberFormat.INTERNATIONAL
    )
    return PhoneNumber(
        e164=phonenumbers.format_number(number, PhoneNumberFormat.E164),
        national=display,
        is_mobile=kind in _MOBILE_TYPES,
    )


def is_mobile_number(e164: str) -> bool:
    """A stored number that can take an SMS: False for a landline, an empty number, and one that no
    longer parses (a number plan changed since it was stored)."""
    try:
        return parse_phone(e164).is_mobile
    except DomainError:
        return False


def format_phone(e164: str) -> str:
    """Display form of a stored E.164 number; the raw value when it cannot be parsed."""
    try:
        return parse_phone(e164).national
    except DomainError:
        return e164
