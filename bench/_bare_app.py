"""The bare baselines of bench/booking_http.py (issue 16), served by gunicorn like the real app:
a Flask app without our extensions, one raw DB-API connection per worker process (psycopg on
PostgreSQL, sqlite3 on SQLite), the URL in BARE_DATABASE_URL.

- POST /insert: one INSERT in its own transaction (the issue's "bare INSERT").
- POST /book: the essential work of a booking in one transaction: load the session's user (with
  its organisation), the conditional slot UPDATE ... RETURNING, INSERT appointment, history, SMS
  and processing-log rows (an audit record and a line). Form fields: user, referral, slot.
- POST /book-complete: the same with the three statements the real booking also runs: read the
  referral (this organisation's, and bookable) with its citizen, read the slot's location (the
  SMS names it), move the referral to "booked". Ten statements, as the real POST.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sqlite3
from datetime import UTC, datetime

from flask import Flask, request

USER = ("SELECT u.id, u.email, u.session_token, u.organisation_id, o.name FROM user_account u "
        "JOIN organisation o ON o.id = u.organisation_id WHERE u.id = %s")
CLAIM = ("UPDATE slot SET booked = booked + 1 WHERE id = %s AND booked < capacity AND starts_at > %s "
         "RETURNING id, location_id, municipality_id, starts_at")
APPOINTMENT = ("INSERT INTO appointment (referral_id, slot_id, location_id, municipality_id, starts_at, status, "
               "channel, booked_at, booked_by_id) VALUES (%s, %s, %s, %s, %s, 'booked', 'sms', %s, %s) RETURNING id")
HISTORY = ("INSERT INTO referral_status_change (referral_id, at, by_user_id, from_status, to_status, owner_org_id, "
           "note) VALUES (%s, %s, %s, 'referred', 'booked', %s, 'Afspraak')")
SMS = ("INSERT INTO sms_message (organisation_id, to_e164, purpose, language, body, segments, subject_type, "
       "subject_id, dedup_key, status, attempts, next_attempt_at, expires_at, created_at, status_changed_at) "
       "VALUES (%s, '+31612345678', 'appointment_confirmation', 'nl', %s, 1, 'appointment', %s, %s, 'queued', 0, "
       "%s, %s, %s, %s) ON CONFLICT (dedup_key) DO NOTHING")
# The processing log as the app writes it (privacy.services._write): one audit record per operation
# and one line per person, the person as a keyed pseudonym (HMAC-SHA256).
AUDIT = ("INSERT INTO processing_audit (operation_id, at, actor_id, actor_name, organisation_id, organisation_name, "
         "detail) VALUES (%s, %s, %s, %s, %s, %s, %s)")
LINE = ("INSERT INTO processing_log_line (trace_id, operation_id, activity_id, activity_version, action, "
        "person_type, person, status, started_at, ended_at) VALUES (%s, %s, 'appointment', 1, 'create', 'citizen', "
        "%s, 'ok', %s, %s)")
# The three statements the essential SQL leaves out, for POST /book-complete.
REFERRAL = ("SELECT r.status, c.phone_e164, c.language FROM referral r JOIN citizen c ON c.id = r.citizen_id "
            "WHERE r.id = %s AND %s IN (r.referring_org_id, r.municipality_id)")
LOCATION = "SELECT name, street, city FROM location WHERE id = %s"
STATUS = "UPDATE referral SET status = 'booked', updated_at = %s WHERE id = %s"
BOOKABLE = ("referred", "cancelled", "no_show")
LOG_KEY = b"bench-processing-log-key"
INSERT = "INSERT INTO bench_bare_insert (at, note) VALUES (%s, %s)"


def stored_moment(value: datetime, *, sqlite: bool):
    """SQLite keeps naive UTC text, as the app's UTCDateTime column type stores it."""
    return value.replace(tzinfo=None).isoformat(sep=" ") if sqlite else value


def executor(conn, *, sqlite: bool):
    """execute(sql, params) on a DB-API connection, the SQL written with psycopg's %s."""
    if not sqlite:
        return conn.execute
    return lambda sql, params: conn.execute(sql.replace("%s", "?"), params)


class Database:
    """One connection per worker process; `transaction(work)` runs work(execute) and commits."""

    def __init__(self, url: str):
        self.url = url
        self.sqlite = url.startswith("sqlite")
        self.conn = None

    def connect(self):
        if self.conn is None:
            if self.sqlite:
                self.conn = sqlite3.connect(self.url.removeprefix("sqlite:///"), isolation_level=None,
                                            check_same_thread=False, timeout=5)
                self.conn.execute("PRAGMA journal_mode=WAL")
            else:
                import psycopg
                self.conn = psycopg.connect(self.url.replace("postgresql+psycopg://", "postgresql://"))
        return self.conn

    def moment(self, value: datetime):
        return stored_moment(value, sqlite=self.sqlite)

    def transaction(self, work):
        conn = self.connect()
        if self.sqlite:
            execute = executor(conn, sqlite=True)
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = work(execute)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            return result
        with conn.transaction():
            return work(conn.execute)


def create_app() -> Flask:
    app = Flask(__name__)
    database = Database(os.environ["BARE_DATABASE_URL"])

    @app.post("/insert")
    def insert():
        now = database.moment(datetime.now(UTC))
        database.transaction(lambda execute: execute(INSERT, (now, "bench")))
        return "", 204

    @app.post("/book")
    @app.post("/book-complete", endpoint="book_complete", defaults={"complete": True})
    def book(complete=False):
        user_id, referral_id, slot_id = (int(request.form[k]) for k in ("user", "referral", "slot"))
        at = database.moment(datetime.now(UTC))

        def work(execute):
            return essential_booking(execute, at, execute(USER, (user_id,)).fetchone(), referral_id, slot_id,
                                     complete=complete)

        if database.transaction(work) is None:
            return "taken", 409
        return "", 302, {"Location": f"/verwijzingen/{referral_id}/bevestiging"}

    return app


def essential_booking(execute, at, user, referral_id: int, slot_id: int, *, complete: bool = False) -> int | None:
    """The essential SQL of a booking after the user is known (`user`: id, email, session token,
    organisation id and name): the conditional slot UPDATE ... RETURNING, INSERT appointment,
    history, SMS and the processing log's audit record and line. None when the slot is taken.
    `complete`: also the referral's check, the location's read and the status UPDATE (/book-complete).
    Also run by bench/_stack_app.py, inside our own stack."""
    sms = "Gemeente Bench: uw afspraak is op ..."
    if complete:
        referral = execute(REFERRAL, (referral_id, user[3])).fetchone()
        if referral is None or referral[0] not in BOOKABLE:
            return None
    slot = execute(CLAIM, (slot_id, at)).fetchone()
    if slot is None:
        return None
    _id, location_id, municipality_id, starts_at = slot
    appointment_id = execute(APPOINTMENT, (referral_id, slot_id, location_id, municipality_id, starts_at,
                                           at, user[0])).fetchone()[0]
    if complete:
        name, street, city = execute(LOCATION, (location_id,)).fetchone()
        sms = f"Gemeente Bench: uw afspraak is op ... bij {name}, {street}, {city}."
        execute(STATUS, (at, referral_id))
    execute(HISTORY, (referral_id, at, user[0], municipality_id))
    execute(SMS, (municipality_id, sms, appointment_id,
                  f"appointment:{appointment_id}:appointment_confirmation", at, starts_at, at, at))
    operation = secrets.token_hex(8)
    execute(AUDIT, (operation, at, user[0], user[1], user[3], user[4], f"afspraak {appointment_id} geboekt"))
    person = hmac.new(LOG_KEY, f"citizen:{referral_id}".encode(), hashlib.sha256).hexdigest()
    execute(LINE, (secrets.token_hex(16), operation, person, at, at))
    return appointment_id
