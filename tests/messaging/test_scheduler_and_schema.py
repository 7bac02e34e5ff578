"""The scheduler's table of jobs. (The migrations, messaging's included, are compared with the models at
head in tests/test_migrations.py.)"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from apscheduler.triggers.interval import IntervalTrigger
from flask import has_app_context

import scheduler
from extensions import db

ROOT = Path(__file__).resolve().parents[2]
CALLS = []


def record_context():
    CALLS.append((has_app_context(), db.session is not None))


def failing_job():
    raise RuntimeError("this job fails")


def test_the_table_of_jobs_builds_a_scheduler_in_amsterdam_time(app):
    sched = scheduler.build_scheduler(app)
    jobs = {job.id: job for job in sched.get_jobs()}
    assert "sms-dispatch" in jobs
    assert {j.id for j in scheduler.JOBS} == set(jobs)
    dispatch = jobs["sms-dispatch"]
    assert isinstance(dispatch.trigger, IntervalTrigger)
    assert dispatch.trigger.interval.total_seconds() == app.config["DISPATCH_INTERVAL_SECONDS"]
    assert str(sched.timezone) == "Europe/Amsterdam"
    # Applied to every job when the scheduler starts.
    assert sched._job_defaults == {"coalesce": True, "misfire_grace_time": 300, "max_instances": 1}


def test_each_job_runs_in_its_own_app_context_and_a_failure_is_contained(app):
    CALLS.clear()
    scheduler.run_job(app, "t", "tests.messaging.test_scheduler_and_schema:record_context")
    scheduler.run_job(app, "f", "tests.messaging.test_scheduler_and_schema:failing_job")  # logged, not raised
    assert CALLS == [(True, True)]


def test_the_scheduler_process_lists_its_jobs(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'once.sqlite'}", "SMS_GATEWAY": "outbox",
           "HOME": str(tmp_path)}
    listing = subprocess.run([sys.executable, "scheduler.py", "--list"], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=60)
    assert listing.returncode == 0, listing.stderr
    assert "sms-dispatch" in listing.stdout and "messaging.jobs:dispatch" in listing.stdout
