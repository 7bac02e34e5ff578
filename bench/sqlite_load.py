"""SQLite, the embedded default, under load (issue 16): gunicorn with 2 workers of 8 threads each
(`--threads 8`) on one SQLite file; 50 booking POSTs fired at the same moment while 16 readers
open booking pages (each writes its processing-log entry) and the start page (reads only).

    .venv/bin/python bench/sqlite_load.py                 # SQLite file in /tmp
    .venv/bin/python bench/sqlite_load.py --rounds 1      # one burst

Goal: 0 answers 500; every booking answered with its redirect (booked) or a clear 503 "Even druk"
with Retry-After; no booking saved behind a 503 (and every redirect's booking saved, the slots'
counts equal to the appointments). Exit 1 otherwise. Prints the counts of each round.
"""
from __future__ import annotations

import argparse
import math
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import booking_http  # noqa: E402
from _http import Client, Gunicorn  # noqa: E402

BOOKINGS = 50
READERS = 16


def burst(port: int, login: Client, pairs: list, pages: list[int]) -> tuple[Counter, Counter, dict, int]:
    """50 POSTs at once (each its own connection, the agent's session) and readers meanwhile."""
    posts: Counter = Counter()
    reads: Counter = Counter()
    answers: dict[int, int] = {}
    missing_retry_after = 0
    lock = threading.Lock()
    start = threading.Barrier(BOOKINGS + READERS)
    stop = threading.Event()

    def clone() -> Client:
        client = Client(port)
        client.cookies, client.token = dict(login.cookies), login.token
        return client

    def book(pair) -> None:
        nonlocal missing_retry_after
        client = clone()
        start.wait()
        rid, sid = pair
        status, _text = client.send("POST", f"/verwijzingen/{rid}/afspraak", {"slot": sid, "csrf_token": client.token})
        with lock:
            posts[status] += 1
            answers[rid] = status
            if status == 503 and not client.last_retry_after:
                missing_retry_after += 1

    def read(i: int) -> None:
        client = clone()
        start.wait()
        n = 0
        while not stop.is_set():
            path = "/" if n % 2 else f"/verwijzingen/{pages[(i + n) % len(pages)]}/afspraak"
            status, _text = client.send("GET", path)
            with lock:
                reads[status] += 1
            n += 1

    threads = [threading.Thread(target=book, args=(pair,)) for pair in pairs]
    readers = [threading.Thread(target=read, args=(i,)) for i in range(READERS)]
    for t in threads + readers:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    for t in readers:
        t.join()
    return posts, reads, answers, missing_retry_after


def check_saved(url: str, answers: dict[int, int]) -> tuple[int, int, bool]:
    """(bookings saved behind a 503 or another error, redirects without their booking, slot counts right)."""
    import sqlite3
    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    booked = {rid for (rid,) in conn.execute("SELECT referral_id FROM appointment WHERE status = 'booked'")}
    counts_right = conn.execute("SELECT (SELECT coalesce(sum(booked), 0) FROM slot) = "
                                "(SELECT count(*) FROM appointment WHERE status = 'booked')").fetchone()[0] == 1
    conn.close()
    behind_errors = sum(1 for rid, status in answers.items() if status != 302 and rid in booked)
    lost = sum(1 for rid, status in answers.items() if status == 302 and rid not in booked)
    return behind_errors, lost, counts_right


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="sqlite:////tmp/wegwijs_sqlite_load.sqlite")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--busy-timeout-ms", type=int, default=None, help="SQLITE_BUSY_TIMEOUT_MS (default: the app's)")
    args = parser.parse_args()

    booking_http.fresh_database(args.url)
    # booking_http.load gives a share of each municipality's referrals (SHARES) to the real app's pool.
    pools = booking_http.load(args.url, 3, math.ceil(BOOKINGS * args.rounds / 3 / booking_http.SHARES["real"]) + 20)
    env = {"DATABASE_URL": args.url, "SECRET_KEY": "bench-sqlite-load-" + "x" * 32, "SMS_GATEWAY": "outbox",
           "RATELIMIT_LOGIN": "10000 per minute", "RATELIMIT_LOGIN_ADDRESS": "10000 per minute"}
    if args.busy_timeout_ms is not None:
        env["SQLITE_BUSY_TIMEOUT_MS"] = str(args.busy_timeout_ms)
    server = Gunicorn("app:create_app()", env, workers=2, threads=8)
    ok = True
    totals: Counter = Counter()
    try:
        agent = Client(server.port)
        agent.login(pools["agent"]["email"], booking_http.PASSWORD, f"/verwijzingen/{pools['page'][0]}/afspraak")
        pairs = iter(pools["real"])
        for round_ in range(1, args.rounds + 1):
            batch = [next(pairs) for _ in range(BOOKINGS)]
            t0 = time.perf_counter()
            posts, reads, answers, no_retry_after = burst(server.port, agent, batch, pools["page"])
            seconds = time.perf_counter() - t0
            behind, lost, counts_right = check_saved(args.url, answers)
            print(f"round {round_}: {BOOKINGS} booking POSTs at once -> {dict(posts)}; reads meanwhile -> "
                  f"{dict(reads)}; {seconds:.1f} s; saved behind an error page: {behind}; redirect without "
                  f"booking: {lost}; 503 without Retry-After: {no_retry_after}; slot counts right: {counts_right}",
                  flush=True)
            totals.update({f"POST {k}": v for k, v in posts.items()})
            totals.update({f"GET {k}": v for k, v in reads.items()})
            round_ok = (set(posts) <= {302, 503} and set(reads) <= {200, 503} and behind == 0 and lost == 0
                        and no_retry_after == 0 and counts_right)
            ok = ok and round_ok
    finally:
        server.stop()
    errors = sum(v for k, v in totals.items() if k.endswith("500"))
    print(f"\nSQLite, gunicorn 2 workers x 8 threads, {args.rounds} rounds of {BOOKINGS} booking POSTs + "
          f"{READERS} readers: {dict(sorted(totals.items()))}")
    print(f"answers 500: {errors} (goal 0); every booking answered 302 or 503, none saved behind a 503: {ok}")
    return 0 if ok and errors == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
