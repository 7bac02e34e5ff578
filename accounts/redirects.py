"""The one check for every `next` the app follows (login, two-factor, language switch, any future one).

A target is followed only when it is a path on this site: it starts with a single "/", has no scheme
and no host, and contains no backslash, control character, whitespace or invisible character, also
not after percent-decoding (once or several times) or after Unicode compatibility folding (a
full-width solidus becomes "/"). Browsers drop tab, CR and LF from addresses and read "\\" as "/",
so "/\\t/evil.example" and "/\\\\evil.example" would both leave the site.
"""
from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

_REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"}
_MAX_LENGTH = 2000


def _is_local_path(value: str) -> bool:
    if "\\" in value or any(unicodedata.category(c) in _REFUSED_CATEGORIES for c in value):
        return False
    if not value.startswith("/") or value.startswith("//"):
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc


def safe_next(value: str | None, fallback: str) -> str:
    """`value` when it is a path on this site, otherwise `fallback`."""
    if not isinstance(value, str) or not value or len(value) > _MAX_LENGTH:
        return fallback
    seen, current = set(), value
    while current not in seen:  # "%255C" -> "%5C" -> "\\": every layer of encoding is checked
        seen.add(current)
        if not (_is_local_path(current) and _is_local_path(unicodedata.normalize("NFKC", current))):
            return fallback
        current = unquote(current)
    return value
