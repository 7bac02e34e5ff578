"""Benchmark of the lists that grow with the data (issue 16): does a page cost the same at national
volume as on a small database?

    .venv/bin/python bench/lists.py               # PostgreSQL: databases wegwijs_lists_bench_small and _large
    .venv/bin/python bench/lists.py --url postgresql://postgres@127.0.0.1:5432/other_name
    .venv/bin/python bench/lists.py --large-log 200000     # a quicker run

It makes two databases of its own on the server of --url, <name>_small and <name>_large (dropped
and created afresh; the schema built with create_all: the models carry the keyset indexes of
migration 0008 and the queue's of 0016). Data for one agency and one municipality with four counter
locations, loaded with INSERT ... SELECT generate_series (seconds, not minutes), then ANALYZE:
referrals (each with its citizen), processing-log rows, SMS messages, tasks, appointments and
second-line escalations; small: 10,000 of each; large: 200,000 referrals, 1,000,000 log rows,
100,000 SMS, 100,000 tasks (a quarter open), 200,000 appointments and 100,000 escalations (a year
of national volume in the issue's terms).

The appointments (one per referral) fill the half-hour slots of the four locations on the weekdays
of a year around today, except at the first location today: there both sizes have the same
--day-appointments (40; some seen, some not come, some still expected), so the day list shows the
same page on both, while the large database has the town's other ~550 appointments of the day
beside them. The escalations (one per referral, evenly over the year) are closed but for the newest
--open-share (4%: 400 and 4,000 open, half of them new, the rest claimed or waiting), so the queue's
first page is full on both sizes.

Through the real app in-process (the Flask test client, each request in an app context of its own,
as in production; so the time is the server's, without network), with a logged-in agent,
administrator, counter employee and second-line employee on each database, it requests each page
--runs times per size, the two sizes in turn request by request (after two warm-up requests), so
the ratio is measured side by side and the machine's changing load weighs on both alike; median
time and SQL statements of: Mijn verwijzingen page 1 and its last page (the "laatste" link taken
from page 1, `laatste=1`), the Verwerkingenlogboek (processing log), Sms-berichten, the
municipality's referral list, its work list of open tasks, the counter's day list (one location,
today), and the second line's escalation queue (/tweede-lijn: the Nieuw tab and the Beantwoord tab,
closed ones newest first). It prints, measured in one run, the time at the large size divided by
the time at the small size (goal: within GOAL_RATIO), and the statement counts.
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
    from extensions.dates import local_today
    from referrals.models import Location

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
        second = User(email="tweedelijn@bench.example.nl", name="Tweede Lijn Bench", role="second_line",
                      organisation_id=agency.id, password_hash=hash_password(PASSWORD),
                      session_token=new_session_token())
        # A large town's counters: the day list shows one of them (the first), the year's
        # appointments are spread over all four.
        locations = [Location(municipality_id=town.id, name=f"Balie {name}", street="Bankstraat 1", postcode="3511 AB",
                              city="Bench", slot_minutes=30, counters=12)
                     for name in ("Centrum", "Noord", "Oost", "West")]
        db.session.add_all([agent, admin, counter, second, *locations])
        db.session.flush()
        ids = {"agency": agency.id, "town": town.id, "agent": agent.id, "admin": admin.id, "agent_email": agent.email,
               "admin_email": admin.email, "counter_email": counter.email, "counter": counter.id, "second": second.id,
               "second_email": second.email, "location": locations[0].id, "locations": [loc.id for loc in locations],
               "day": local_today()}
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


# Half-hour slots of the four locations on the weekdays of a year around the measured day (300 days
# back, 64 ahead), and on the measured day itself; the same slots on both sizes.
SLOTS = text("""
INSERT INTO slot (location_id, municipality_id, starts_at, ends_at, capacity, booked)
SELECT l.id, :town, (d + t) AT TIME ZONE 'Europe/Amsterdam', (d + t + interval '30 minutes') AT TIME ZONE 'Europe/Amsterdam',
       50, 0
FROM unnest(CAST(:locations AS integer[])) AS l(id),
     generate_series(CAST(:day AS date) - 300, CAST(:day AS date) + 64, interval '1 day') AS d,
     (SELECT interval '9 hours' + h * interval '30 minutes' FROM generate_series(0, 15) AS h) AS t(t)
WHERE extract(isodow FROM d) < 6 OR d = CAST(:day AS date)
""")

# The measured day at the measured location: the first :n referrals, some seen, some not, some still expected.
DAY_APPOINTMENTS = text("""
WITH s AS (SELECT id, starts_at, row_number() OVER (ORDER BY starts_at) - 1 AS k FROM slot
           WHERE location_id = :location AND starts_at >= :lo AND starts_at < :hi),
     r AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM referral ORDER BY id LIMIT CAST(:n AS integer))
INSERT INTO appointment (referral_id, slot_id, location_id, municipality_id, starts_at, status, channel, booked_at,
                         booked_by_id)
SELECT r.id, s.id, :location, :town, s.starts_at, (ARRAY['attended', 'no_show', 'booked'])[1 + r.k % 3], 'sms',
       s.starts_at - interval '7 days', :agent
FROM r JOIN s ON s.k = r.k % (SELECT count(*) FROM s)
""")

# The rest of the year, one appointment per further referral, spread evenly over every slot except
# the measured location's on the measured day: in the past seen (most), not come or cancelled; ahead booked.
YEAR_APPOINTMENTS = text("""
WITH s AS (SELECT id, location_id, starts_at, row_number() OVER (ORDER BY id) - 1 AS k FROM slot
           WHERE NOT (location_id = :location AND starts_at >= :lo AND starts_at < :hi)),
     r AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM referral ORDER BY id
           OFFSET CAST(:skip AS integer) LIMIT CAST(:n AS integer))
INSERT INTO appointment (referral_id, slot_id, location_id, municipality_id, starts_at, status, channel, booked_at,
                         booked_by_id, cancelled_at, cancelled_by)
SELECT r.id, s.id, s.location_id, :town, s.starts_at, st.status, 'sms', s.starts_at - interval '7 days', :agent,
       CASE WHEN st.status = 'cancelled' THEN s.starts_at - interval '1 day' END,
       CASE WHEN st.status = 'cancelled' THEN 'citizen' END
FROM r JOIN s ON s.k = (r.k * 7919) % (SELECT count(*) FROM s)
CROSS JOIN LATERAL (SELECT CASE WHEN s.starts_at > now() THEN 'booked' WHEN r.id % 20 = 0 THEN 'cancelled'
                                WHEN r.id % 10 = 1 THEN 'no_show' ELSE 'attended' END AS status) AS st
""")

# A year of escalations to the agency's second line, one per referral, evenly over the year; the
# newest :open_share still open (half new, the rest claimed or waiting), the others closed.
ESCALATIONS = text("""
WITH r AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM referral ORDER BY id LIMIT CAST(:n AS integer)),
     t AS (SELECT r.id, r.k, now() - (CAST(:n AS integer) - r.k) * (interval '365 days' / CAST(:n AS integer)) AS at,
                  CASE WHEN r.k < CAST(:n AS integer) * (1 - CAST(:open_share AS float)) THEN 'closed'
                       WHEN r.k % 10 < 5 THEN 'open' WHEN r.k % 10 < 7 THEN 'claimed'
                       WHEN r.k % 10 < 9 THEN 'waiting_municipality' ELSE 'waiting_citizen' END AS state
           FROM r)
INSERT INTO escalation (referral_id, agency_id, municipality_id, status, need, urgency, consent_at, consent_by_id,
                        created_at, created_by_id, sent_at, claimed_by_id, claimed_at, owner_active_at, due_at, warn_at,
                        result, answer, closed_at, closed_by_id)
SELECT t.id, :agency, :town, CASE WHEN t.state = 'claimed' THEN 'open' ELSE t.state END,
       'Controleer de toeslag van de inwoner en laat de gemeente weten wat er nodig is.',
       CASE WHEN t.k % 10 = 3 THEN 'urgent' ELSE 'normal' END, t.at, :counter, t.at, :counter, t.at,
       CASE WHEN t.state IN ('claimed', 'closed') THEN :second END,
       CASE WHEN t.state IN ('claimed', 'closed') THEN t.at + interval '2 hours' END,
       CASE WHEN t.state IN ('claimed', 'closed') THEN t.at + interval '2 hours' END,
       CASE WHEN t.state IN ('open', 'claimed') THEN t.at + interval '2 days' END,
       CASE WHEN t.state IN ('open', 'claimed') THEN t.at + interval '36 hours' END,
       CASE WHEN t.state = 'closed' THEN 'solved' END,
       CASE WHEN t.state = 'closed' THEN 'De toeslag is hersteld.' ELSE '' END,
       CASE WHEN t.state = 'closed' THEN t.at + interval '3 days' END,
       CASE WHEN t.state = 'closed' THEN :second END
FROM t
""")

# Their history: sent; then claimed, asked or closed as their state says.
ESCALATION_EVENTS = text("""
INSERT INTO escalation_event (escalation_id, at, by_user_id, kind, status, urgency, to_user_id, text)
SELECT e.id, e.sent_at, :counter, 'sent', 'open', e.urgency, NULL, '' FROM escalation AS e
UNION ALL
SELECT e.id, e.claimed_at, :second, 'claimed', 'open', e.urgency, :second, '' FROM escalation AS e
WHERE e.claimed_at IS NOT NULL
UNION ALL
SELECT e.id, e.sent_at + interval '1 day', :second,
       CASE WHEN e.status = 'waiting_citizen' THEN 'asked_citizen' ELSE 'asked_municipality' END, e.status, e.urgency,
       NULL, 'Welke toeslag betreft het?' FROM escalation AS e
WHERE e.status IN ('waiting_municipality', 'waiting_citizen')
UNION ALL
SELECT e.id, e.closed_at, :second, 'closed', 'closed', e.urgency, NULL, e.answer FROM escalation AS e
WHERE e.status = 'closed'
""")


def grow(db, ids, sizes: dict, target: dict) -> dict:
    """Insert up to the target counts; returns the new counts."""
    from extensions.dates import local_day_bounds
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
        if target.get("appointments", 0) > sizes.get("appointments", 0):
            lo, hi = local_day_bounds(ids["day"])
            day = {**params, "location": ids["location"], "lo": lo, "hi": hi}
            conn.execute(SLOTS, {**params, "locations": ids["locations"], "day": ids["day"]})
            conn.execute(DAY_APPOINTMENTS, {**day, "n": target["day_appointments"]})
            conn.execute(YEAR_APPOINTMENTS, {**day, "skip": target["day_appointments"],
                                             "n": target["appointments"] - target["day_appointments"]})
        if target.get("escalations", 0) > sizes.get("escalations", 0):
            people = {**params, "counter": ids["counter"], "second": ids["second"]}
            conn.execute(ESCALATIONS, {**people, "n": target["escalations"], "open_share": target["open_share"]})
            conn.execute(ESCALATION_EVENTS, people)
    with db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
        return {"referrals": conn.execute(text("SELECT count(*) FROM referral")).scalar_one(),
                "log": conn.execute(text("SELECT count(*) FROM processing_log_line")).scalar_one(),
                "sms": conn.execute(text("SELECT count(*) FROM sms_message")).scalar_one(),
                "tasks": conn.execute(text("SELECT count(*) FROM task")).scalar_one(),
                "appointments": conn.execute(text("SELECT count(*) FROM appointment")).scalar_one(),
                "escalations": conn.execute(text("SELECT count(*) FROM escalation")).scalar_one(),
                "open escalations": conn.execute(text(
                    "SELECT count(*) FROM escalation WHERE status <> 'closed'")).scalar_one()}


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
        self.second_line = Browser(self.app, ids["second_email"])
        self.day_list = f"/balie/daglijst?locatie={ids['location']}&datum={ids['day'].isoformat()}"

    def pages(self) -> dict:
        return {
            "Mijn verwijzingen, page 1": (self.agent, "/verwijzingen"),
            "Mijn verwijzingen, last page (laatste=1)": (self.agent, last_page_url(self.agent)),
            # The log answers a question (a person, a trace or an activity), it is not browsed.
            "Verwerkingenlogboek, page 1": (self.admin, "/beheer/verwerkingenlogboek?activity=counter"),
            "Sms-berichten, page 1": (self.admin, "/beheer/sms"),
            "Verwijzingen van de gemeente, page 1": (self.counter_user, "/gemeente/verwijzingen"),
            "Taken (balie), open, page 1": (self.counter_user, "/balie/taken"),
            "Daglijst balie, one location, today": (self.counter_user, self.day_list),
            "Escalaties tweede lijn, Nieuw, page 1": (self.second_line, "/tweede-lijn"),
            "Escalaties tweede lijn, Beantwoord, page 1": (self.second_line, "/tweede-lijn?tab=beantwoord"),
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
    parser.add_argument("--large-appointments", type=int, default=200_000)
    parser.add_argument("--large-escalations", type=int, default=100_000)
    parser.add_argument("--day-appointments", type=int, default=40,
                        help="appointments at the measured location on the measured day (both sizes)")
    parser.add_argument("--open-share", type=float, default=0.04, help="share of the escalations still open")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    if not args.url.startswith("postgres"):
        raise SystemExit("PostgreSQL only (--url postgresql://...)")

    common = {"day_appointments": args.day_appointments, "open_share": args.open_share}
    small = Size("small", args.url + "_small", {"referrals": args.small, "log": args.small, "sms": args.small,
                                                "tasks": args.small, "appointments": args.small,
                                                "escalations": args.small, **common})
    large = Size("large", args.url + "_large", {"referrals": args.large_referrals, "log": args.large_log,
                                                "sms": args.large_sms, "tasks": args.large_tasks,
                                                "appointments": args.large_appointments,
                                                "escalations": args.large_escalations, **common})
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
