"""GSM 03.38 (GSM-7): the alphabet in which one SMS segment holds 160 characters.

One character outside it (ë, ï, ú, a curly quote) turns the whole message into UCS-2, where a
segment holds only 70 characters: a 160-character reminder then costs three messages.
"""
from __future__ import annotations

import unicodedata

BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Characters that need the escape code and so count as two.
EXTENDED = "^{}\\[~]|€\f"
SEGMENT = 160
_BASIC = frozenset(BASIC) - {"\x1b"}
_EXTENDED = frozenset(EXTENDED)
_GSM7 = _BASIC | _EXTENDED

# Typographic characters that have a plain GSM-7 counterpart.
_REPLACE = {
    "‘": "'", "’": "'", "‚": "'", "′": "'", "“": '"', "”": '"', "„": '"', "″": '"',
    "–": "-", "—": "-", "‐": "-", "‑": "-", "…": "...", "\u00a0": " ", "\u202f": " ",
    "\u2009": " ", "\t": " ",
}


def is_gsm7(text: str) -> bool:
    return _GSM7.issuperset(text)


def gsm7_length(text: str) -> int:
    """Septets the text takes in GSM-7 (extended characters count two)."""
    return sum(2 if ch in _EXTENDED else 1 for ch in text)


def segments(text: str) -> int:
    """How many SMS segments the text costs (153 septets / 67 characters per part when split)."""
    if is_gsm7(text):
        n = gsm7_length(text)
        return 1 if n <= 160 else -(-n // 153)
    n = len(text.encode("utf-16-le")) // 2
    return 1 if n <= 70 else -(-n // 67)


def to_gsm7(text: str) -> str:
    """Make a value safe for GSM-7: curly quotes straight, ë -> e, unknown characters -> '?'.

    Used on the *values* put into a template (names of places and people), so that one
    "Súdwest-Fryslân" does not turn a one-part message into three.
    """
    if _GSM7.issuperset(text):  # the usual case: nothing to change
        return text
    out = []
    for ch in text:
        ch = _REPLACE.get(ch, ch)
        if all(c in _BASIC or c in _EXTENDED for c in ch):
            out.append(ch)
            continue
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        out.append(base if base and all(c in _BASIC for c in base) else "?")
    return "".join(out)
