"""Two dispatcher processes on PostgreSQL: every message reaches the provider exactly once, also
when one of them is killed with SIGKILL half-way."""
from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from extensions import db
from messaging.models import OutboxMessage, SmsStatus
from messaging.services import queue_sms
from tests.messaging.conftest import twilio_config

ROOT = Path(__file__).resolve().parents[2]
N = 2000
pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.config(QUIET_HOURS_START=0, QUIET_HOURS_END=0)]


def queue_many(n: int) -> None:
    for i in range(n):
        # A different number and text for each, so the stand-in's log shows every message apart.
        queue_sms(to=f"+316{20000000 + i}", purpose="test", language="nl", values={"organisation": f"Gemeente {i}"},
                  subject_type="load", subject_id=i, dedup_key=f"load:{i}")
        if i % 500 == 499:
            db.session.commit()
    db.session.commit()


def start_worker(app, standin, **extra) -> subprocess.Popen:
    config = {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "DATABASE_URL": None,
              "SECRET_KEY": "worker", "QUIET_HOURS_START": 0, "QUIET_HOURS_END": 0, "max_seconds": 240,
              **twilio_config(standin), "TWILIO_TIMEOUT_SECONDS": 2, **extra}
    env = {**os.environ, "WEGWIJS_WORKER_CONFIG": json.dumps(config)}
    return subprocess.Popen([sys.executable, "-m", "tests.messaging.dispatch_worker"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def report_of(proc: subprocess.Popen) -> dict:
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def assert_each_exactly_once(standin) -> None:
    rows = db.session.execute(select(OutboxMessage.body, OutboxMessage.status, OutboxMessage.provider_sid)).all()
    assert len(rows) == N
    received = standin.bodies_received()
    twice = {body: n for body, n in received.items() if n > 1}
    assert not twice, f"sent more than once: {list(twice.items())[:5]}"
    assert set(received) == {r.body for r in rows}, "a message never reached the provider"
    assert collections.Counter(r.status for r in rows) == {SmsStatus.SENT: N}
    by_body = {m["body"]: m["sid"] for m in standin.received}
    assert all(r.provider_sid == by_body[r.body] for r in rows)


def test_two_dispatchers_send_2000_messages_each_exactly_once(app, standin):
    queue_many(N)
    workers = [start_worker(app, standin), start_worker(app, standin)]
    reports = [report_of(w) for w in workers]
    print("dispatchers:", reports)
    db.session.expire_all()
    assert_each_exactly_once(standin)
    assert standin.posts == N
    # Both did a real share of the work (claims are one batch each, SKIP LOCKED never waits).
    assert all(r["sent"] >= N // 10 for r in reports), f"one dispatcher did (almost) nothing: {reports}"
    assert sum(r["sent"] for r in reports) == N


def test_a_dispatcher_killed_midway_loses_nothing_and_sends_nothing_twice(app, standin):
    queue_many(N)
    fast = {"DISPATCH_LEASE_SECONDS": 10, "DISPATCH_RECONCILE_DELAY_SECONDS": 1, "DISPATCH_BATCH_SIZE": 50}
    victim, survivor = start_worker(app, standin, **fast), start_worker(app, standin, **fast)
    deadline = time.monotonic() + 60
    while len(standin.received) < N // 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=10)
    at_kill = len(standin.received)
    report = report_of(survivor)
    print("survivor:", report, "received at kill:", len(standin.received))
    db.session.expire_all()
    assert N // 3 <= at_kill < N, "the kill did not land midway"
    assert_each_exactly_once(standin)
    # The victim held a claimed batch: its lease ran out and the survivor settled it.
    assert report["leases_expired"] >= 1
    assert report["reconciled"] + report["requeued"] == report["leases_expired"]
