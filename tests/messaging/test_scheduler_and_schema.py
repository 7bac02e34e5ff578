"""The scheduler's table of jobs, and migration 0002 against the messaging models."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from apscheduler.triggers.interval import IntervalTrigger
from flask import has_app_context
from flask_migrate import upgrade

import scheduler
from app import create_app
from extensions import db
from tests.conftest import base_config, on_postgres

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


def test_migration_0002_matches_the_messaging_models(tmp_path):
    if on_postgres():
        return  # tests/test_migrations.py covers PostgreSQL for the whole schema
    migrated = create_app(base_config(f"sqlite:///{tmp_path / 'mig.sqlite'}"))
    with migrated.app_context():
        upgrade(revision="0002")
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        ours = [d for d in diff if "sms_" in repr(d)]
        assert ours == [], f"messaging models and migration 0002 differ: {ours}"
        db.engine.dispose()
