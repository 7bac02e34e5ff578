"""Benchmark of the lists that grow with the data (issue 16): does a page cost the same at national
volume as on a small database?

    .venv/bin/python bench/lists.py               # PostgreSQL: databases wegwijs_lists_bench_small and _large
    .venv/bin/python bench/lists.py --url postgresql://postgres@127.0.0.1:5432/other_name
    .venv/bin/python bench/lists.py --large-log 200000     # a quicker run

It makes two databases of its own on the server of --url, <name>_small and <name>_large (dropped
and created afresh; the schema built with create_all: the models carry the keyset indexes of
migration 0008). Data for one agency and one municipality, loaded with INSERT ... SELECT
generate_series (seconds, not minutes), then ANALYZE: referrals (each with its citizen),
processing-log rows and SMS messages; small: 10,000 of each; large: 200,000 referrals, 1,000,000
log rows, 100,000 SMS (a year of national volume in the issue's terms).

Through the real app in-process (the Flask test client, each request in an app context of its
own, as in production; so the time is the server's, without network), with a logged-in agent and
a logged-in administrator on each database, it requests each page --runs times per size, the two
sizes in turn request by request (after two warm-up requests), so the ratio is measured side by
side and the machine's changing load weighs on both alike; median time and SQL statements of:
Mijn verwijzingen page 1 and its last page (the "laatste" link taken from page 1, `laatste=1`),
the Verwerkingenlogboek (processing log), Sms-berichten, the municipality's referral list and its
work list of tasks (a counter employee; 100,000 tasks at the large size, a quarter open). It prints, measured in one run, the
time at the large size divided by the time at the small size, and the statement counts.
"""
from __future__ import annotations

import argparse
import contextvars
import html
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _db import fresh_database  # noqa: E402
from sqlalchemy import event, text  # noqa: E402

PASSWORD = "Bench-lijsten-2026"
GOAL_RATIO = 1.2  # large / small, the "within 1.2x" (checked for every list)
GOAL_STATEMENTS = {"Sms-berichten, page 1": 6}
LAST_LINK = re.compile(r'href="([^"]*laatste=1[^"]*)"')


def build_app(url: str):
    from app import create_app
    return create_app({"SECRET_KEY": "bench-lists", "DATABASE_URL": url, "WTF_CSRF_ENABLED": False,
                       "RATELIMIT_ENABLED": False, "SMS_GATEWAY": "outbox", "SECURITY_HEADERS": False,
                       "PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_KIB": 8})


def seed_people(db):
    """An agency with its agent, a municipality, and the administrator; ids returned."""
    from accounts.models import Organisation, User
    from accounts.passwords import hash_password
    from accounts.services import new_session_token
    from extensions import unit_of_work

    with unit_of_work():
        system = Organisation(name="Beheer", kind="system")
        agency = Organisation(name="Bench Callcentre", kind="agency")
        town = Organisation(name="Gemeente Bench", kind="municipality")
        db.session.add_all([system, agency, town])
        db.session.flush()
        agent = User(email="agent@bench.example.nl", name="Agent Bench", role="agent", organisation_id=agency.id,
                     password_hash=hash_password(PASSWORD), session_token=new_session_token())
        admin = User(email="beheer@bench.example.nl", name="Beheer Bench", role="admin", organisation_id=system.id,
                     password_hash=hash_password(PASSWORD), session_token=new_session_token())
        counter = User(email="balie@bench.example.nl", name="Balie Bench", role="counter", organisation_id=town.id,
                       password_hash=hash_password(PASSWORD), session_token=new_session_token())
        db.session.add_all([agent, admin, counter])
        db.session.flush()
        ids = {"agency": agency.id, "town": town.id, "agent": agent.id, "admin": admin.id, "agent_email": agent.email,
               "admin_email": admin.email, "counter_email": counter.email}
    return ids


REFERRALS = text("""
WITH c AS (
  INSERT INTO citizen (name, phone_e164, phone_is_mobile, postcode, house_number, street, city, channel,
                       language, reads_poorly, hard_of_hearing, needs_interpreter, brings_helper, helper_name,
                       helper_relation, helper_phone_e164, created_at)
  SELECT 'Inwoner ' || (CAST(:start AS integer) + g), '+316' || lpad((CAST(:start AS integer) + g)::text, 8, '0'), true, '3511 AB',
         (1 + g % 200)::text, 'Bankstraat', 'Bench', 'sms', 'nl', false, false, false, false, '', '', '',
         now() - random() * interval '365 days'
  FROM generate_series(1, CAST(:n AS integer)) AS g
  RETURNING id, created_at
)
INSERT INTO referral (citizen_id, referring_org_id, referred_by_id, municipality_id, owner_org_id, status, reason,
                      notes, consent_at, consent_by_id, created_at, updated_at)
SELECT c.id, :agency, :agent, :town, :town, (CAST(:statuses AS text[]))[1 + c.id % cardinality(CAST(:statuses AS text[]))],
       (CAST(:reasons AS text[]))[1 + c.id % cardinality(CAST(:reasons AS text[]))], '', c.created_at, :agent, c.created_at, c.created_at
FROM c
""")

LOG = text("""
WITH s AS (SELECT g, substr(md5(g::text || ':' || CAST(:start AS text)), 1, 16) AS op,
                  now() - random() * interval '365 days' AS t
           FROM generate_series(1, CAST(:n AS integer)) AS g),
     a AS (INSERT INTO processing_audit (operation_id, at, actor_id, actor_name, organisation_id, organisation_name)
           SELECT op, t, :agent, 'Agent Bench', :agency, 'Bench Callcentre' FROM s)
INSERT INTO processing_log_line (trace_id, operation_id, activity_id, activity_version, action, person_type, person,
                                 status, started_at, ended_at)
SELECT md5(op), op, (CAST(:activities AS text[]))[1 + g % cardinality(CAST(:activities AS text[]))], 1,
       (CAST(:actions AS text[]))[1 + g % cardinality(CAST(:actions AS text[]))], 'citizen',
       encode(sha256(CAST(g % 50000 AS text)::bytea), 'hex'), 'ok', t, t
FROM s
""")

SMS = text("""
INSERT INTO sms_message (organisation_id, to_e164, purpose, language, body, segments, subject_type, subject_id,
                         dedup_key, status, attempts, created_at, status_changed_at, sent_at)
SELECT :town, '+316' || lpad(g::text, 8, '0'), (CAST(:purposes AS text[]))[1 + g % cardinality(CAST(:purposes AS text[]))], 'nl',
       'Uw afspraak bij Gemeente Bench staat vast.', 1, 'referral', g, 'bench:' || (CAST(:start AS integer) + g), 'sent', 1,
       t, t, t
FROM (SELECT g, now() - random() * interval '365 days' AS t FROM generate_series(1, CAST(:n AS integer)) AS g) AS s
""")


TASKS = text("""
INSERT INTO task (municipality_id, referral_id, kind, reason, description, created_at, done_at)
SELECT :town, r.id, CASE WHEN r.id % 3 = 0 THEN 'letter' ELSE 'call' END, 'appointment_confirmation',
       'Bel de inwoner om de afspraak te bevestigen.', r.created_at,
       CASE WHEN r.id % 4 = 0 THEN NULL ELSE r.created_at + interval '1 day' END
FROM referral AS r ORDER BY r.id LIMIT CAST(:n AS integer)
""")


def grow(db, ids, sizes: dict, target: dict) -> dict:
    """Insert up to the target counts; returns the new counts."""
    from messaging import sms_texts
    from referrals.vocabulary import REASONS, Status

    params = {"agency": ids["agency"], "agent": ids["agent"], "town": ids["town"]}
    with db.engine.begin() as conn:
        n = target["referrals"] - sizes["referrals"]
        if n > 0:
            conn.execute(REFERRALS, {**params, "n": n, "start": sizes["referrals"],
                                     "statuses": [s.value for s in Status], "reasons": list(REASONS)})
        n = target["log"] - sizes["log"]
        if n > 0:
            conn.execute(LOG, {**params, "n": n, "start": sizes["log"], "actions": ["read", "create", "update"],
                               "activities": ["referral", "appointment", "counter", "course"]})
        n = target["sms"] - sizes["sms"]
        if n > 0:
            conn.execute(SMS, {**params, "n": n, "start": sizes["sms"], "purposes": list(sms_texts.TEXTS)})
        if target.get("tasks", 0) > sizes.get("tasks", 0):  # a quarter still open, the rest done
            conn.execute(TASKS, {**params, "n": target["tasks"]})
    with db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
        return {"referrals": conn.execute(text("SELECT count(*) FROM referral")).scalar_one(),
                "log": conn.execute(text("SELECT count(*) FROM processing_log_line")).scalar_one(),
                "sms": conn.execute(text("SELECT count(*) FROM sms_message")).scalar_one(),
                "tasks": conn.execute(text("SELECT count(*) FROM task")).scalar_one()}


class Browser:
    """A logged-in user's browser: every request in a context of its own (own g, own session)."""

    def __init__(self, app, email):
        self.client = app.test_client()
        response = self.get("/inloggen", method="post", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302, response.status_code

    def get(self, url, method="get", **kwargs):
        return contextvars.Context().run(getattr(self.client, method), url, **kwargs)


class Counter:
    """Counts the SQL statements one app's engine executes."""

    def __init__(self, engine):
        self.statements = 0
        event.listen(engine, "before_cursor_execute", self._one)

    def _one(self, conn, cursor, statement, params, context, executemany):
        self.statements += 1


class Size:
    """One database of its own (small or large), its app, its logged-in agent and administrator."""

    def __init__(self, label: str, url: str, target: dict):
        from extensions import db
        self.label, self.url = label, url
        fresh_database(url)
        self.app = build_app(url)
        started = time.perf_counter()
        with self.app.app_context():
            db.create_all()
            ids = seed_people(db)
            self.sizes = grow(db, ids, {"referrals": 0, "log": 0, "sms": 0}, target)
            self.counter = Counter(db.engine)
        print(f"{label}: loaded {self.sizes} in {time.perf_counter() - started:.0f} s", flush=True)
        self.agent, self.admin = Browser(self.app, ids["agent_email"]), Browser(self.app, ids["admin_email"])
        self.counter_user = Browser(self.app, ids["counter_email"])

    def pages(self) -> dict:
        return {
            "Mijn verwijzingen, page 1": (self.agent, "/verwijzingen"),
            "Mijn verwijzingen, last page (laatste=1)": (self.agent, last_page_url(self.agent)),
            # The log answers a question (a person, a trace or an activity), it is not browsed.
            "Verwerkingenlogboek, page 1": (self.admin, "/beheer/verwerkingenlogboek?activity=counter"),
            "Sms-berichten, page 1": (self.admin, "/beheer/sms"),
            "Verwijzingen van de gemeente, page 1": (self.counter_user, "/gemeente/verwijzingen"),
            "Taken (balie), open, page 1": (self.counter_user, "/balie/taken"),
        }

    def request(self, browser, url) -> tuple[float, int]:
        before = self.counter.statements
        started = time.perf_counter()
        response = browser.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (self.label, url, response.status_code)
        return elapsed, self.counter.statements - before


def last_page_url(browser) -> str:
    page = browser.get("/verwijzingen").get_data(as_text=True)
    match = LAST_LINK.search(page)
    assert match, "no link to the last page on Mijn verwijzingen"
    return html.unescape(match.group(1))


def measure_side_by_side(small: Size, large: Size, runs: int) -> dict:
    """Each page on both databases in turn, request by request, so a change in the machine's load
    during the run weighs on both sizes alike: the ratio is measured side by side."""
    results = {}
    small_pages, large_pages = small.pages(), large.pages()
    for name in small_pages:
        both = ((small, *small_pages[name]), (large, *large_pages[name]))
        for size, browser, url in both:
            for _ in range(2):  # warm-up
                size.request(browser, url)
        times = {small.label: [], large.label: []}
        counts = {small.label: set(), large.label: set()}
        for _ in range(runs):
            for size, browser, url in both:
                ms, statements = size.request(browser, url)
                times[size.label].append(ms)
                counts[size.label].add(statements)
        results[name] = {label: {"median_ms": statistics.median(ms), "statements": sorted(counts[label])}
                         for label, ms in times.items()}
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/wegwijs_lists_bench",
                        help="server and base name: the databases <name>_small and <name>_large are made afresh")
    parser.add_argument("--small", type=int, default=10_000, help="referrals, log rows and SMS at the small size")
    parser.add_argument("--large-referrals", type=int, default=200_000)
    parser.add_argument("--large-log", type=int, default=1_000_000)
    parser.add_argument("--large-sms", type=int, default=100_000)
    parser.add_argument("--large-tasks", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    if not args.url.startswith("postgres"):
        raise SystemExit("PostgreSQL only (--url postgresql://...)")

    small = Size("small", args.url + "_small", {"referrals": args.small, "log": args.small, "sms": args.small,
                                                "tasks": args.small})
    large = Size("large", args.url + "_large", {"referrals": args.large_referrals, "log": args.large_log,
                                                "sms": args.large_sms, "tasks": args.large_tasks})
    results = measure_side_by_side(small, large, args.runs)

    print(f"\nPostgreSQL, median of {args.runs} requests per page and size, the sizes side by side in one run:"
          f"\nsmall {small.sizes} vs large {large.sizes}")
    print("| page | small ms | large ms | large / small | SQL statements small / large | goal (issue 16) |")
    print("| --- | --- | --- | --- | --- | --- |")
    met = True
    for name, r in results.items():
        s, big = r["small"], r["large"]
        ratio = big["median_ms"] / s["median_ms"]
        most = GOAL_STATEMENTS.get(name)
        ok = ratio <= GOAL_RATIO and (most is None or max(big["statements"]) <= most)
        met = met and ok
        goal = f"within {GOAL_RATIO}x" + (f", at most {most} statements" if most else "")
        print(f"| {name} | {s['median_ms']:.1f} | {big['median_ms']:.1f} | {ratio:.2f}x "
              f"| {s['statements']} / {big['statements']} | {goal}: {'met' if ok else 'NOT met'} |")
    print("all goals met:", met)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
