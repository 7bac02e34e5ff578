"""Dispatcher throughput against the local Twilio stand-in, answering at once and after 200 ms.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/wegwijs_bench .venv/bin/python bench/dispatch_throughput.py
    .venv/bin/python bench/dispatch_throughput.py --repeat 1       # SQLite file in a temp dir, one run each

Each run queues the messages, starts dispatcher processes (tests/messaging/dispatch_worker.py,
with the app's defaults: SMS_DISPATCH_CONCURRENCY 8, DISPATCH_BATCH_SIZE 50) and waits until
every message is sent. The stand-in has no sending rate of its own, so SMS_RATE_PER_SECOND is set
out of the way (--rate). Messages per second are counted at the stand-in, from the first to the
last message it accepted, so process start-up is left out; wall time includes it.

Goals (issue 16): one process, stand-in answering at once: at least 300 msg/s; answering after
200 ms (as a real provider can): at least 30 msg/s per process. Each is run --repeat times and
the median is held against the goal. Two processes at 200 ms show the rate is per process.

The database is emptied and rebuilt (metadata.create_all) for every run: use a database of its own.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from app import create_app  # noqa: E402
from config import database_uri  # noqa: E402
from extensions import db  # noqa: E402
from messaging.services import queue_sms  # noqa: E402
from tests.messaging.twilio_standin import TwilioStandIn  # noqa: E402

GOALS = {0: 300, 200: 30}  # latency in ms: messages a second one process must reach


def prepare(uri: str, n: int) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "DATABASE_URL": None, "SECRET_KEY": "bench",
                      "SMS_GATEWAY": "outbox", "QUIET_HOURS_START": 0, "QUIET_HOURS_END": 0})
    with app.app_context():
        db.drop_all()
        if uri.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.create_all()
        for i in range(n):
            queue_sms(to=f"+316{20000000 + i}", purpose="test", language="nl",
                      values={"organisation": f"Gemeente {i}"}, subject_type="bench", subject_id=i,
                      dedup_key=f"bench:{i}")
            if i % 1000 == 999:
                db.session.commit()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def run(uri: str, n: int, dispatchers: int, latency_ms: int, rate: float) -> dict:
    prepare(uri, n)
    standin = TwilioStandIn(latency=latency_ms / 1000).start()
    config = {"SQLALCHEMY_DATABASE_URI": uri, "DATABASE_URL": None, "SECRET_KEY": "bench",
              "QUIET_HOURS_START": 0, "QUIET_HOURS_END": 0, "SMS_GATEWAY": "twilio",
              "TWILIO_ACCOUNT_SID": standin.account_sid, "TWILIO_AUTH_TOKEN": standin.auth_token,
              "TWILIO_MESSAGING_SERVICE_SID": "MG" + "1" * 32, "TWILIO_API_BASE_URL": standin.base_url,
              "TWILIO_TIMEOUT_SECONDS": 5, "PUBLIC_BASE_URL": "https://wegwijs.example.nl",
              "SMS_RATE_PER_SECOND": rate, "max_seconds": 600}
    env = {**os.environ, "WEGWIJS_WORKER_CONFIG": json.dumps(config)}
    started, standin_cpu = time.monotonic(), time.process_time()
    procs = [subprocess.Popen([sys.executable, "-m", "tests.messaging.dispatch_worker"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(dispatchers)]
    reports = []
    for proc in procs:
        out, err = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(err[-2000:])
        reports.append(json.loads(out.strip().splitlines()[-1]))
    wall, standin_cpu = time.monotonic() - started, time.process_time() - standin_cpu
    standin.stop()
    times = sorted(m["_created"] for m in standin.received)
    counts = standin.bodies_received()
    span = (times[-1] - times[0]).total_seconds() if len(times) > 1 else float("nan")
    return {"dispatchers": dispatchers, "latency_ms": latency_ms, "messages": len(standin.received),
            "duplicates": sum(c - 1 for c in counts.values()), "most_at_once": standin.most_at_once,
            "per_second": len(times) / span if span else float("nan"), "wall_seconds": wall,
            "sent_by": [r["sent"] for r in reports],
            "cpu_ms_per_message": {"dispatchers": 1000 * sum(r["cpu_seconds"] for r in reports) / n,
                                   "stand-in": 1000 * standin_cpu / n}}


def line(r: dict) -> str:
    return (f"{r['dispatchers']} dispatcher(s), stand-in {r['latency_ms']:>3} ms: {r['per_second']:7.1f} msg/s  "
            f"(sent {r['messages']}, duplicates {r['duplicates']}, per dispatcher {r['sent_by']}, "
            f"at most {r['most_at_once']} at once, wall {r['wall_seconds']:.1f} s, CPU ms per message: "
            f"dispatchers {r['cpu_ms_per_message']['dispatchers']:.2f}, stand-in {r['cpu_ms_per_message']['stand-in']:.2f})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000, help="messages per run, stand-in answering at once")
    parser.add_argument("--slow-messages", type=int, default=600, help="messages per run, stand-in at 200 ms")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rate", type=float, default=10000, help="SMS_RATE_PER_SECOND for the dispatchers")
    options = parser.parse_args()
    if os.environ.get("DATABASE_URL"):
        uri = database_uri(os.environ["DATABASE_URL"])
    else:
        uri = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite'}"
    print(f"database: {uri.split('@')[-1]}, messages: {options.messages} (at 0 ms) and {options.slow_messages} "
          f"(at 200 ms), repetitions: {options.repeat}, SMS_RATE_PER_SECOND: {options.rate:g}", flush=True)
    medians, everything = {}, []
    for latency, n in ((0, options.messages), (200, options.slow_messages)):
        runs = []
        for _ in range(options.repeat):
            runs.append(run(uri, n, 1, latency, options.rate))
            print("  " + line(runs[-1]), flush=True)
        medians[latency] = statistics.median(r["per_second"] for r in runs)
        everything += [(r, n) for r in runs]
    two = run(uri, options.slow_messages, 2, 200, options.rate)
    print("  " + line(two), flush=True)
    everything.append((two, options.slow_messages))
    exactly_once = all(r["duplicates"] == 0 and r["messages"] == n for r, n in everything)
    failed = not exactly_once
    print()
    for latency, goal in GOALS.items():
        ok = medians[latency] >= goal
        failed |= not ok
        print(f"one dispatcher, stand-in answering after {latency:>3} ms: median {medians[latency]:7.1f} msg/s "
              f"of {options.repeat}, goal >= {goal}: {'PASS' if ok else 'FAIL'}")
    print(f"two dispatchers at 200 ms: {two['per_second']:.1f} msg/s, "
          f"{two['per_second'] / 2:.1f} per process")
    print(f"every message reached the stand-in exactly once, in every run: {'yes' if exactly_once else 'NO'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
