"""gettext that also works outside a request (the scheduler, CLI commands, jobs).

Flask-Babel's locale selector of this app reads the request; a job has none. Outside a request
the Dutch source text is used, which is the default language anyway. The function is named `_`
where it is used, so the usual message extraction finds the texts.
"""
from __future__ import annotations

from flask import has_request_context
from flask_babel import gettext


def gettext_safe(text: str, **values) -> str:
    if has_request_context():
        return gettext(text, **values)
    return text % values if values else text
