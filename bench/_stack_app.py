"""Our stack serving the bare booking's SQL (the third line of bench/booking_http.py): the real app,
with its session cookie, CSRF, Flask-Login's user load, access policy, unit of work, rate limiter
and security headers, plus one route that runs _bare_app.essential_booking through the request's
own database connection (raw DB-API calls, the same SQL with the same values).

What this costs above the bare booking is the cost of our stack around a request; what the real
booking POST costs above this is the cost of the booking's own code (SQLAlchemy, the rules, the
SMS text). Served by gunicorn like the others; for the bench only, never in the app.
"""
from __future__ import annotations

from datetime import UTC, datetime

from flask import redirect, request
from flask_login import current_user

from accounts.models import Role
from accounts.policy import allow
from app import create_app as create_real_app
from bench._bare_app import essential_booking, executor, stored_moment
from extensions import db


def create_app():
    app = create_real_app()

    @allow(Role.AGENT, Role.COUNTER, Role.COORDINATOR)
    def book():
        referral_id, slot_id = int(request.form["referral"]), int(request.form["slot"])
        raw = db.session.connection().connection.driver_connection  # in the request's unit of work
        sqlite = db.engine.dialect.name == "sqlite"
        execute = executor(raw, sqlite=sqlite)
        user = (current_user.id, current_user.email, current_user.session_token, current_user.organisation_id,
                current_user.organisation.name)
        at = stored_moment(datetime.now(UTC), sqlite=sqlite)
        if essential_booking(execute, at, user, referral_id, slot_id) is None:
            return "taken", 409
        return redirect(f"/verwijzingen/{referral_id}/bevestiging")

    app.add_url_rule("/bench/boeking", "bench_book", book, methods=["POST"])
    return app
