"""Benchmark of the reports at a year of national volume (issue 13): 1,000,000 contacts and 200,000
referrals (with appointments, visits and outcomes) for 3 agencies and 20 municipalities, on
PostgreSQL, loaded with INSERT ... SELECT generate_series, then VACUUM ANALYZE (--reuse: the data of
an earlier run). Prints the time of each
report (the services that build the tables, counted in the database), median of --runs.

    .venv/bin/python bench/reports.py
    .venv/bin/python bench/reports.py --url postgresql://postgres@127.0.0.1:5432/wegwijs_reports_bench
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from sqlalchemy import text  # noqa: E402

LOAD = [
    "INSERT INTO organisation (id, name, kind, active, created_at, sms_name) "
    "SELECT g, 'Organisatie ' || g, CASE WHEN g <= 3 THEN 'agency' WHEN g <= 23 THEN 'municipality' ELSE 'council' END,"
    " true, now(), '' FROM generate_series(1, 24) g",
    "INSERT INTO user_account (id, email, name, role, organisation_id, password_hash, active, must_change_password,"
    " session_token, failed_logins, totp_enabled, created_at) SELECT g, 'u' || g || '@bench.nl', 'U', 'agent', g,"
    " 'x', true, false, 't', 0, false, now() FROM generate_series(1, 24) g",
    "INSERT INTO location (id, municipality_id, name, street, postcode, city, phone, slot_minutes, counters,"
    " what_to_bring, active) SELECT g, g, 'Balie', 'Plein 1', '3511 AB', 'Stad', '', 30, 50, '', true"
    " FROM generate_series(4, 23) g",
    # a year of calls: 1M, a fifth of them referred
    "INSERT INTO contact (id, organisation_id, agent_id, at, solved, reason, notes, referral_id) SELECT g, 1 + g % 3,"
    " 1 + g % 3, timestamptz '2025-01-01' + (g * interval '31 seconds'), g % 5 > 1,"
    " CASE WHEN g % 5 <= 1 THEN (ARRAY['no_device','no_letter','look_along','language','hearing','complex','other'])"
    "[1 + g % 7] END, '', NULL FROM generate_series(1, 1000000) g",
    "INSERT INTO contact_category (contact_id, category, organisation_id, at) SELECT c.id, (ARRAY['digid_apply',"
    "'digid_activate','toeslagen','aangifte','aow','berichtenbox'])[1 + c.id % 6], c.organisation_id, c.at"
    " FROM contact c",
    "INSERT INTO citizen (id, name, phone_e164, phone_is_mobile, postcode, house_number, street, city, channel,"
    " language, reads_poorly, hard_of_hearing, needs_interpreter, brings_helper, helper_name, helper_relation,"
    " helper_phone_e164, created_at) SELECT g, 'Inwoner', '+3161' || lpad(g::text, 7, '0'), true, '3511 AB', '1', '',"
    " '', 'sms', 'nl', false, false, false, false, '', '', '', now() FROM generate_series(1, 200000) g",
    "INSERT INTO referral (id, citizen_id, referring_org_id, referred_by_id, municipality_id, owner_org_id, status,"
    " reason, notes, consent_at, consent_by_id, result_code, solution_code, created_at, updated_at)"
    " SELECT g, g, 1 + (g * 5) % 3, 1 + (g * 5) % 3, 4 + g % 20, 4 + g % 20, 'outcome_recorded', 'other', '',"
    " c.at, 1 + (g * 5) % 3, CASE WHEN g % 4 > 0 THEN (ARRAY['solved','partly','not'])[1 + g % 3] END,"
    " CASE WHEN g % 4 > 0 THEN (ARRAY['none','course','buddy','other','escalation'])[1 + g % 5] END, c.at, c.at"
    " FROM generate_series(1, 200000) g JOIN contact c ON c.id = g * 5",
    "UPDATE contact SET referral_id = id / 5 WHERE id % 5 = 0",
    "INSERT INTO referral_category (referral_id, code) SELECT g, 'digid_apply' FROM generate_series(1, 200000) g",
    "INSERT INTO slot (id, location_id, municipality_id, starts_at, ends_at, capacity, booked) SELECT g, 4 + g % 20,"
    " 4 + g % 20, r.created_at + interval '3 days' + g * interval '1 second', r.created_at + interval '3 days 30 minutes',"
    " 1, 1 FROM generate_series(1, 200000) g JOIN referral r ON r.id = g",
    "INSERT INTO appointment (id, referral_id, slot_id, location_id, municipality_id, starts_at, status, channel,"
    " booked_at, booked_by_id) SELECT g, g, g, 4 + g % 20, 4 + g % 20, s.starts_at,"
    " CASE WHEN g % 9 = 0 THEN 'no_show' ELSE 'attended' END, 'sms', s.starts_at - interval '3 days', 1"
    " FROM generate_series(1, 200000) g JOIN slot s ON s.id = g",
    "INSERT INTO counter_visit (id, appointment_id, referral_id, municipality_id, kind, at, by_user_id)"
    " SELECT g, g, g, 4 + g % 20, CASE WHEN g % 9 = 0 THEN 'no_show' ELSE 'checked_in' END,"
    " a.starts_at, 4 + g % 20 FROM generate_series(1, 200000) g JOIN appointment a ON a.id = g",
    "INSERT INTO counter_outcome (id, referral_id, appointment_id, municipality_id, minutes, result, solution,"
    " other_support, escalation_need, notes, recorded_at, recorded_by_id) SELECT r.id, r.id, r.id,"
    " r.municipality_id, 30, r.result_code, r.solution_code, '', '', '', r.created_at + interval '4 days', 4"
    " FROM referral r WHERE r.result_code IS NOT NULL",
]


GOAL_MS = 1000  # issue 13: a report over a year of national volume answers within a second


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/wegwijs_reports_bench")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="time the reports on the data of an earlier run")
    args = parser.parse_args()
    server, name = args.url.rsplit("/", 1)
    if not args.reuse:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name}")
    from app import create_app
    from config import database_uri
    from extensions import clock, db
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_uri(args.url), "DATABASE_URL": None, "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "PASSWORD_HASH_TIME_COST": 1,
                      "PASSWORD_HASH_MEMORY_KIB": 8})
    with app.app_context(), app.test_request_context():
        if not args.reuse:
            db.create_all()
            started = time.perf_counter()
            with db.engine.begin() as conn:
                for statement in LOAD:
                    conn.execute(text(statement))
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))  # as autovacuum would: index-only scans, statistics
            print(f"loaded in {time.perf_counter() - started:.1f} s")
        from datetime import UTC, datetime

        from reports import council, ido, periods, services
        clock.freeze(datetime(2026, 1, 15, tzinfo=UTC))
        year, quarter = periods.year(2025), periods.quarter(2025, 4)
        reports = {
            "agency lead (year)": lambda: services.agency_report(1, year),
            "municipality (year)": lambda: services.municipality_report(4, year),
            "second line (year)": lambda: services.second_line_report(1, year),
            "IDO export (year)": lambda: ido.ido_report(4, year),
            "client council (quarter)": lambda: council.council_report(quarter),
        }
        medians: dict[str, float] = {}
        for label, build in reports.items():
            times = []
            for _run in range(args.runs):
                begin = time.perf_counter()
                build()
                db.session.rollback()
                times.append(time.perf_counter() - begin)
            medians[label] = statistics.median(times) * 1000
            print(f"{label:28s} median {medians[label]:7.0f} ms   max {max(times) * 1000:7.0f} ms")
        db.session.rollback()
        pages = _pages(app, db, args.runs, year, quarter)
    for label, times in pages.items():
        medians[label] = statistics.median(times) * 1000
        print(f"{label:28s} median {medians[label]:7.0f} ms   max {max(times) * 1000:7.0f} ms")
    slow = [label for label, ms in medians.items() if ms >= GOAL_MS]
    print(f"every report and page within {GOAL_MS} ms (median): {not slow}" + (f"; not: {', '.join(slow)}" if slow else ""))
    return 1 if slow else 0


# Who opens which page (organisation ids of LOAD: 1 an agency, 4 a municipality, 24 the council).
READERS = [("lead", 1, "page: agency lead (year)", "/rapportage?periode=year&jaar={year}"),
           ("coordinator", 4, "page: municipality (year)", "/rapportage?periode=year&jaar={year}"),
           ("second_line", 1, "page: second line (year)", "/rapportage?periode=year&jaar={year}"),
           ("coordinator", 4, "page: IDO export (year)", "/rapportage/ido?periode=year&jaar={year}"),
           ("council", 24, "page: council (quarter)", "/rapportage/clientenraad?kwartaal={quarter}")]


def _pages(app, db, runs: int, year, quarter) -> dict[str, list[float]]:
    """Each report page, logged in as its reader (users 101.. made here, once)."""
    from accounts.passwords import hash_password
    password = "Bench-rapportage-2026"
    hashed = hash_password(password)
    for n, (role, org, _label, _path) in enumerate(READERS, start=101):
        db.session.execute(text(
            "INSERT INTO user_account (id, email, name, role, organisation_id, password_hash, active,"
            " must_change_password, session_token, failed_logins, totp_enabled, created_at) VALUES (:id, :email,"
            " 'Lezer', :role, :org, :hash, true, false, 't', 0, false, now()) ON CONFLICT (id) DO UPDATE"
            " SET password_hash = :hash"), {"id": n, "email": f"lezer{n}@bench.nl", "role": role, "org": org,
                                            "hash": hashed})
    db.session.commit()
    times: dict[str, list[float]] = {}
    for n, (_role, _org, label, path) in enumerate(READERS, start=101):
        client = app.test_client()
        answer = client.post("/inloggen", data={"email": f"lezer{n}@bench.nl", "password": password})
        assert answer.status_code == 302, (label, answer.status_code)
        url = path.format(year=year.start.year, quarter=quarter.key)
        times[label] = []
        for _run in range(runs):
            begin = time.perf_counter()
            answer = client.get(url)
            times[label].append(time.perf_counter() - begin)
            assert answer.status_code == 200 and b"<svg" in answer.data, (label, answer.status_code)
    return times


if __name__ == "__main__":
    raise SystemExit(main())
