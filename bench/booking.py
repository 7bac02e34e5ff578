"""Benchmark of the booking page and the booking POST on a database the size of the full pilot.

    .venv/bin/python bench/booking.py                       # SQLite file in /tmp
    .venv/bin/python bench/booking.py --url postgresql://postgres@127.0.0.1:5432/wegwijs_bench
    .venv/bin/python bench/booking.py --referrals 20000 --municipalities 30   # a quicker run

It builds the schema (drop_all/create_all: the database is the benchmark's own), bulk-loads N
municipalities with PC4 areas, a location each with a year of slots (Mon-Fri, 12 slots a day,
2 counters), and R referrals with citizens, history and (half of them) appointments. Then, through
the real app in-process (test client, so the time is the server's time, no network), it measures
for `--runs` referrals: GET /verwijzingen/<id>/afspraak and POST of the first free slot, with the
number of SQL statements each makes. It measures twice: first on a small database (`--small`
referrals), then after loading the rest, to show that the statement counts do not grow with data.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, func, insert, select, text  # noqa: E402

WEEKDAY_HOURS = [(9, 0), (9, 30), (10, 0), (10, 30), (11, 0), (11, 30),
                 (13, 0), (13, 30), (14, 0), (14, 30), (15, 0), (15, 30)]
CHUNK = 5000


def build_app(url: str):
    from app import create_app
    return create_app({"SECRET_KEY": "bench", "DATABASE_URL": url if url.startswith("postgres") else None,
                       "SQLALCHEMY_DATABASE_URI": url if not url.startswith("postgres") else None,
                       "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "SMS_GATEWAY": "outbox",
                       "SECURITY_HEADERS": False})


class Loader:
    """Bulk inserts with explicit ids, in chunks, through SQLAlchemy Core (so column types such as
    UTCDateTime store exactly what the app stores)."""

    def __init__(self, db, seed: int = 4):
        self.db = db
        self.rng = random.Random(seed)
        self.ids = {"citizen": 0, "referral": 0, "slot": 0, "appointment": 0, "referral_status_change": 0}
        self.rows = 0

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def put(self, model, rows: list[dict]) -> None:
        for i in range(0, len(rows), CHUNK):
            self.db.session.execute(insert(model), rows[i:i + CHUNK])
        self.rows += len(rows)

    def fix_sequences(self) -> None:
        if self.db.engine.dialect.name != "postgresql":
            return
        for table in ("organisation", "user_account", "location", "opening_hours", *self.ids):
            self.db.session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT max(id) FROM {table}), 1))"))


def load_organisations(db, n_municipalities: int):
    from accounts.models import Organisation, User
    from accounts.passwords import hash_password
    from accounts.services import new_session_token
    from referrals.models import Location, MunicipalityArea, OpeningHours
    agencies = [Organisation(name=name, kind="agency") for name in ("Belastingdienst", "SVB", "Logius")]
    db.session.add_all(agencies)
    municipalities = [Organisation(name=f"Gemeente Bench {i:03d}", kind="municipality") for i in range(n_municipalities)]
    db.session.add_all(municipalities)
    db.session.flush()
    password = hash_password("Bench-wachtwoord-2026")
    agents = [User(email=f"agent{i}@bench.nl", name=f"Agent {i}", role="agent", organisation_id=a.id,
                   password_hash=password, session_token=new_session_token()) for i, a in enumerate(agencies)]
    db.session.add_all(agents)
    # PC4 areas 1000-9999 spread over the municipalities.
    db.session.execute(insert(MunicipalityArea), [
        {"pc4": str(pc4), "municipality_id": municipalities[pc4 % n_municipalities].id} for pc4 in range(1000, 10000)])
    locations = []
    for m in municipalities:
        loc = Location(municipality_id=m.id, name="Stadskantoor", street="Markt 1", postcode="1234 AB",
                       city=m.name[9:], phone="030 123 4567", slot_minutes=30, counters=2, what_to_bring="")
        for weekday in range(5):
            loc.hours.append(OpeningHours(weekday=weekday, opens=datetime(2000, 1, 1, 9).time(),
                                          closes=datetime(2000, 1, 1, 12).time()))
            loc.hours.append(OpeningHours(weekday=weekday, opens=datetime(2000, 1, 1, 13).time(),
                                          closes=datetime(2000, 1, 1, 16).time()))
        locations.append(loc)
    db.session.add_all(locations)
    db.session.commit()
    return agencies, agents, municipalities, locations


def slot_times(start: date, days: int):
    from extensions.dates import AMSTERDAM, is_public_holiday
    result = []
    for d in range(days):
        day = start + timedelta(days=d)
        if day.weekday() >= 5 or is_public_holiday(day):
            continue
        for h, m in WEEKDAY_HOURS:
            local = datetime(day.year, day.month, day.day, h, m, tzinfo=AMSTERDAM)
            result.append(local.astimezone(UTC))
    return result


class SlotBook:
    """Every municipality has the same slot times (same hours), its slots have consecutive ids:
    slot id = first[m] + index into `times`. `booked` keeps the counts (one byte a slot), so the
    second phase can book more without holding a million rows in memory."""

    def __init__(self, times: list[datetime]):
        self.times = times
        self.first: dict[int, int] = {}
        self.booked = bytearray()

    def add_municipality(self, municipality_id: int, loader: Loader) -> int:
        self.first[municipality_id] = loader.ids["slot"] + 1
        loader.ids["slot"] += len(self.times)
        self.booked.extend(bytes(len(self.times)))
        return self.first[municipality_id]

    def take(self, municipality_id: int, rng) -> tuple[int, datetime] | None:
        for _ in range(4):
            index = rng.randrange(len(self.times))
            slot_id = self.first[municipality_id] + index
            if self.booked[slot_id - 1] < 2:
                self.booked[slot_id - 1] += 1
                return slot_id, self.times[index]
        return None


def load_municipality(loader: Loader, book: SlotBook, municipality, location, agents, n_referrals: int, now,
                      with_slots: bool) -> set[int]:
    """One municipality's referrals (half of them with an appointment); with_slots: first its slots.
    Returns the ids of slots booked here."""
    from referrals.models import Appointment, Citizen, Referral, ReferralCategory, Slot, StatusChange
    rng = loader.rng
    if with_slots:
        book.add_municipality(municipality.id, loader)
    citizens, referrals, history, appointments, touched = [], [], [], [], set()
    categories = []
    for _ in range(n_referrals):
        agent = agents[rng.randrange(len(agents))]
        cid, rid = loader.next_id("citizen"), loader.next_id("referral")
        created = now - timedelta(minutes=rng.randrange(365 * 24 * 60))
        citizens.append({"id": cid, "name": f"Inwoner {cid}", "phone_e164": f"+316{10000000 + cid:08d}",
                         "phone_is_mobile": True, "postcode": "1234 AB", "house_number": str(cid % 200 + 1),
                         "street": "", "city": "", "channel": "sms", "language": "nl", "reads_poorly": False,
                         "hard_of_hearing": False, "needs_interpreter": False, "brings_helper": False,
                         "helper_name": "", "helper_relation": "", "helper_phone_e164": "", "created_at": created})
        roll = rng.random()
        status = "booked" if roll < 0.5 else ("referred" if roll < 0.7 else "closed")
        taken = book.take(municipality.id, rng) if status == "booked" else None
        if status == "booked" and taken is None:
            status = "referred"
        referrals.append({"id": rid, "citizen_id": cid, "referring_org_id": agent.organisation_id,
                          "referred_by_id": agent.id, "municipality_id": municipality.id,
                          "owner_org_id": municipality.id, "status": status,
                          "reason": "no_device", "notes": "", "consent_at": created, "consent_by_id": agent.id,
                          "created_at": created, "updated_at": created})
        categories.append({"referral_id": rid, "code": "digid_apply"})
        history.append({"id": loader.next_id("referral_status_change"), "referral_id": rid, "at": created,
                        "by_user_id": agent.id, "from_status": None, "to_status": "referred",
                        "owner_org_id": municipality.id, "note": ""})
        if taken:
            slot_id, starts_at = taken
            touched.add(slot_id)
            appointments.append({"id": loader.next_id("appointment"), "referral_id": rid, "slot_id": slot_id,
                                 "location_id": location.id, "municipality_id": municipality.id,
                                 "starts_at": starts_at, "status": "booked", "channel": "sms",
                                 "booked_at": created, "booked_by_id": agent.id})
            history.append({"id": loader.next_id("referral_status_change"), "referral_id": rid, "at": created,
                            "by_user_id": agent.id, "from_status": "referred", "to_status": "booked",
                            "owner_org_id": municipality.id, "note": ""})
    if with_slots:
        first = book.first[municipality.id]
        loader.put(Slot, [{"id": first + i, "location_id": location.id, "municipality_id": municipality.id,
                           "starts_at": t, "ends_at": t + timedelta(minutes=30), "capacity": 2,
                           "booked": book.booked[first + i - 1]} for i, t in enumerate(book.times)])
    loader.put(Citizen, citizens)
    loader.put(Referral, referrals)
    loader.put(ReferralCategory, categories)
    loader.put(StatusChange, history)
    loader.put(Appointment, appointments)
    return set() if with_slots else touched


def write_booked(db, book: SlotBook, slot_ids: set[int]) -> None:
    from sqlalchemy import bindparam, update

    from referrals.models import Slot
    rows = [{"sid": sid, "n": book.booked[sid - 1]} for sid in sorted(slot_ids)]
    stmt = update(Slot.__table__).where(Slot.__table__.c.id == bindparam("sid")).values(booked=bindparam("n"))
    for i in range(0, len(rows), CHUNK):
        db.session.execute(stmt, rows[i:i + CHUNK])


def count_statements(db):
    statements: list[str] = []

    def before(conn, cursor, statement, params, context, executemany):
        # SQLite's explicit BEGIN is not counted (PostgreSQL's driver sends its own unseen), as in
        # tests/referrals/test_queries.py: the same count on both databases.
        if not statement.startswith("BEGIN"):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    return statements, lambda: event.remove(db.engine, "before_cursor_execute", before)


def measure(app, db, agents, runs: int, label: str) -> dict:
    from referrals.models import Referral
    rng = random.Random(7)
    client = app.test_client()
    agent = agents[0]
    response = client.post("/inloggen", data={"email": agent.email, "password": "Bench-wachtwoord-2026"})
    assert response.status_code == 302, response.status_code
    candidates = list(db.session.execute(
        select(Referral.id).where(Referral.status == "referred", Referral.referring_org_id == agent.organisation_id)
        .order_by(Referral.id)).scalars())
    db.session.rollback()
    targets = rng.sample(candidates, min(runs, len(candidates)))
    statements, stop = count_statements(db)
    page_ms, post_ms, page_q, post_q, list_ms, list_q = [], [], [], [], [], []
    try:
        for rid in targets:
            statements.clear()
            t0 = time.perf_counter()
            page = client.get(f"/verwijzingen/{rid}/afspraak")
            page_ms.append((time.perf_counter() - t0) * 1000)
            page_q.append(len(statements))
            assert page.status_code == 200, page.status_code
            slot = re.search(r'name="slot" id="slot-(\d+)"', page.get_data(as_text=True)).group(1)
            statements.clear()
            t0 = time.perf_counter()
            done = client.post(f"/verwijzingen/{rid}/afspraak", data={"slot": slot})
            post_ms.append((time.perf_counter() - t0) * 1000)
            post_q.append(len(statements))
            assert done.status_code == 302, (done.status_code, done.get_data(as_text=True)[:500])
        for _ in range(min(runs, 10)):
            statements.clear()
            t0 = time.perf_counter()
            assert client.get("/verwijzingen").status_code == 200
            list_ms.append((time.perf_counter() - t0) * 1000)
            list_q.append(len(statements))
    finally:
        stop()

    def summary(ms, q):
        ms = sorted(ms)
        return {"median_ms": round(statistics.median(ms), 1), "p95_ms": round(ms[int(len(ms) * 0.95) - 1], 1),
                "max_ms": round(ms[-1], 1), "queries": sorted(set(q))}

    result = {"label": label, "runs": len(targets), "booking page": summary(page_ms, page_q),
              "booking POST": summary(post_ms, post_q), "Mijn verwijzingen (page 1)": summary(list_ms, list_q)}
    return result


def sizes(db) -> dict:
    from referrals.models import Appointment, Referral, Slot
    return {name: db.session.execute(select(func.count()).select_from(model)).scalar_one()
            for name, model in (("referrals", Referral), ("slots", Slot), ("appointments", Appointment))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="sqlite:////tmp/wegwijs_bench.sqlite")
    parser.add_argument("--municipalities", type=int, default=300)
    parser.add_argument("--referrals", type=int, default=200_000)
    parser.add_argument("--small", type=int, default=3_000, help="referrals in the first (small) measurement")
    parser.add_argument("--days", type=int, default=365, help="days of slots")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    if args.url.startswith("sqlite:///"):
        path = args.url[len("sqlite:///"):]
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
    app = build_app(args.url)
    from extensions import clock, db
    from extensions.dates import local_today
    with app.app_context():
        db.drop_all()
        db.create_all()
        now = clock.now()
        t0 = time.perf_counter()
        agencies, agents, municipalities, locations = load_organisations(db, args.municipalities)
        times = [t for t in slot_times(local_today(), args.days) if t > now]
        book = SlotBook(times)
        loader = Loader(db)
        per_small = max(1, args.small // args.municipalities)
        per_full = max(1, -(-args.referrals // args.municipalities))
        # Phase 1: every municipality's year of slots, and a few referrals.
        for m, loc in zip(municipalities, locations, strict=True):
            load_municipality(loader, book, m, loc, agents, per_small, now, with_slots=True)
            db.session.commit()
        loader.fix_sequences()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
        db.session.commit()
        print(f"loaded small: {sizes(db)} in {time.perf_counter() - t0:.0f} s", flush=True)
        results = [measure(app, db, agents, args.runs, "small")]
        small_sizes = sizes(db)
        # Phase 2: the rest of the referrals (their slots are already there; no new slots).
        t1 = time.perf_counter()
        # The measurement booked some slots itself: take its counts, then book on.
        from referrals.models import Slot
        for sid, n in db.session.execute(select(Slot.id, Slot.booked).where(Slot.booked > 0)):
            book.booked[sid - 1] = n
        loader.ids["appointment"] = db.session.execute(text("SELECT max(id) FROM appointment")).scalar_one()
        loader.ids["referral_status_change"] = db.session.execute(
            text("SELECT max(id) FROM referral_status_change")).scalar_one()
        for m, loc in zip(municipalities, locations, strict=True):
            touched = load_municipality(loader, book, m, loc, agents, per_full - per_small, now, with_slots=False)
            write_booked(db, book, touched)
            db.session.commit()
        loader.fix_sequences()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))
        db.session.commit()
        full_sizes = sizes(db)
        print(f"loaded full: {full_sizes} in {time.perf_counter() - t1:.0f} s", flush=True)
        results.append(measure(app, db, agents, args.runs, "full"))
        dialect = db.engine.dialect.name

    print(f"\n{dialect}: small {small_sizes} vs full {full_sizes}")
    for r in results:
        print(f"[{r['label']}] runs={r['runs']}")
        for key in ("booking page", "booking POST", "Mijn verwijzingen (page 1)"):
            print(f"  {key:28s} {r[key]}")
    same = all(results[0][k]["queries"] == results[1][k]["queries"]
               for k in ("booking page", "booking POST", "Mijn verwijzingen (page 1)"))
    print("statement counts the same on the small and the full database:", same)
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
