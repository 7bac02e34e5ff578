"""The login session in the cookie: started at login, checked on every request.

The cookie is a browser-session cookie (not permanent) and holds three moments, in whole seconds:
`login_at` (the login), `seen_at` (the last request) and `auth_at` (the last time the password or
a code was given). The rules that judge them live in accounts.services.
"""
from __future__ import annotations

from flask import current_app, flash, request, session
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from accounts import services

SEEN_RESOLUTION = 30  # seconds: seen_at is written again at most this often (fewer new cookies)


def fresh_session() -> None:
    """Empty the session (nothing from before a login or logout survives), except the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def start(user, *, two_factor_done: bool = False) -> None:
    """Log `user` in, in a fresh session."""
    fresh_session()
    login_user(user)
    session.permanent = False  # closing the browser ends the session
    now = services.timestamp()
    session["login_at"] = session["seen_at"] = session["auth_at"] = now
    if two_factor_done:
        session["2fa_ok"] = True


def identity_confirmed() -> None:
    session["auth_at"] = services.timestamp()


def end_expired() -> None:
    """Before every request: log out a session that was idle or lived too long, with a message."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return
    reason = services.session_end_reason(session.get("login_at"), session.get("seen_at"))
    if reason is None:
        now = services.timestamp()
        if now - session["seen_at"] >= SEEN_RESOLUTION:
            session["seen_at"] = now
        return
    logout_user()
    fresh_session()
    if reason == "idle":
        flash(_("U bent uitgelogd omdat u een tijd niets deed. Log opnieuw in."), "info")
    else:
        flash(_("U bent uitgelogd omdat u al %(hours)s uur was ingelogd. Log opnieuw in.",
                hours=current_app.config["SESSION_MAX_HOURS"]), "info")
