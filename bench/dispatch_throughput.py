"""Dispatcher throughput against the local Twilio stand-in, with one and with two dispatcher processes.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/wegwijs_bench .venv/bin/python bench/dispatch_throughput.py
    .venv/bin/python bench/dispatch_throughput.py --messages 1000          # SQLite file in a temp dir

The database is emptied and rebuilt (metadata.create_all) for every run: use a database of its own.
Messages per second are counted at the stand-in, from the first to the last message it accepted,
so process start-up is left out; wall time includes it.
"""
from __future__ import annotations

import argparse
import json
import os
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


def run(uri: str, n: int, dispatchers: int, batch: int) -> dict:
    prepare(uri, n)
    standin = TwilioStandIn().start()
    config = {"SQLALCHEMY_DATABASE_URI": uri, "DATABASE_URL": None, "SECRET_KEY": "bench",
              "QUIET_HOURS_START": 0, "QUIET_HOURS_END": 0, "SMS_GATEWAY": "twilio",
              "TWILIO_ACCOUNT_SID": standin.account_sid, "TWILIO_AUTH_TOKEN": standin.auth_token,
              "TWILIO_MESSAGING_SERVICE_SID": "MG" + "1" * 32, "TWILIO_API_BASE_URL": standin.base_url,
              "TWILIO_TIMEOUT_SECONDS": 5, "PUBLIC_BASE_URL": "https://wegwijs.example.nl",
              "DISPATCH_BATCH_SIZE": batch, "max_seconds": 600}
    env = {**os.environ, "WEGWIJS_WORKER_CONFIG": json.dumps(config)}
    started = time.monotonic()
    procs = [subprocess.Popen([sys.executable, "-m", "tests.messaging.dispatch_worker"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(dispatchers)]
    reports = []
    for proc in procs:
        out, err = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(err[-2000:])
        reports.append(json.loads(out.strip().splitlines()[-1]))
    wall = time.monotonic() - started
    standin.stop()
    times = sorted(m["_created"] for m in standin.received)
    counts = standin.bodies_received()
    span = (times[-1] - times[0]).total_seconds() if len(times) > 1 else float("nan")
    return {"dispatchers": dispatchers, "messages": len(standin.received), "duplicates": sum(c - 1 for c in counts.values()),
            "per_second": len(times) / span if span else float("nan"), "wall_seconds": wall,
            "sent_by": [r["sent"] for r in reports], "reports": reports}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=50)
    options = parser.parse_args()
    if os.environ.get("DATABASE_URL"):
        uri = database_uri(os.environ["DATABASE_URL"])
    else:
        uri = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite'}"
    print(f"database: {uri.split('@')[-1]}, messages: {options.messages}, batch: {options.batch}")
    results = [run(uri, options.messages, k, options.batch) for k in (1, 2)]
    for r in results:
        print(f"{r['dispatchers']} dispatcher(s): {r['per_second']:8.1f} messages/s  "
              f"(sent {r['messages']}, duplicates {r['duplicates']}, per dispatcher {r['sent_by']}, "
              f"wall {r['wall_seconds']:.1f} s)")
    for r in results:
        print("  ", r["reports"])
    print(f"ratio two/one: {results[1]['per_second'] / results[0]['per_second']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
