"""The scheduler process: runs the periodic jobs of every context. The web process never starts it.

    python scheduler.py            # run until stopped (make scheduler; make run starts it with web)
    python scheduler.py --once     # run every job once, now, and exit (development, cron, tests)
    python scheduler.py --list     # print the table of jobs

It is an entry point beside app.py, and layers.py lets no module import an entry point (app.py
may not import this file, so it is no `flask` command; this file may not import app.py). So it
loads the app the way the `flask` command does, by name: ScriptInfo("app:create_app"). APScheduler 3 keeps its jobs in memory: running two schedulers is allowed, because every job
claims its rows in the database (the SMS dispatcher: a lease, FOR UPDATE SKIP LOCKED).
"""
from __future__ import annotations

import argparse
import importlib
import logging
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from apscheduler.schedulers.blocking import BlockingScheduler
from flask.cli import ScriptInfo

from extensions import db

TIMEZONE = "Europe/Amsterdam"
log = logging.getLogger("wegwijs.scheduler")


@dataclass(frozen=True)
class Job:
    id: str
    func: str  # "module:function", called without arguments inside an app context
    trigger: str  # "interval" or "cron" (APScheduler 3 triggers, in Europe/Amsterdam)
    # Trigger arguments; a callable value is called with app.config (e.g. an interval from config).
    args: dict = field(default_factory=dict)


# One table of jobs. Contexts add a line here; the function lives in <context>/jobs.py.
JOBS: list[Job] = [
    Job("sms-dispatch", "messaging.jobs:dispatch", "interval",
        {"seconds": lambda config: config.get("DISPATCH_INTERVAL_SECONDS") or 10}),
    Job("referrals-hourly", "referrals.jobs:hourly", "cron", {"minute": 5}),  # reminders for tomorrow; slots ahead
    Job("failed-sms-tasks", "referrals.jobs:failed_sms_tasks", "interval", {"minutes": 10}),
    Job("referrals-stale", "counter.jobs:sweep_stale", "cron", {"minute": 20}),
    Job("course-reminders", "courses.jobs:queue_reminders", "cron", {"minute": 35}),
    Job("escalation-clocks", "helpdesk.jobs:escalation_clocks", "interval", {"minutes": 5}),
    Job("buddy-offer-timeouts", "volunteers.jobs:offers", "interval", {"minutes": 5}),
    Job("volunteers-hourly", "volunteers.jobs:hourly", "cron", {"minute": 50}),
    Job("privacy-log-purge", "privacy.jobs:purge_log", "cron", {"hour": 3, "minute": 15}),  # the log's own retention
    Job("privacy-retention", "privacy.jobs:retention", "cron", {"hour": 3, "minute": 40}),  # daily, at night
]

JOB_DEFAULTS = {
    "coalesce": True,  # after a pause (a sleeping laptop, a long job), run once, not once per missed tick
    "misfire_grace_time": 300,  # a run up to 5 minutes late still runs; later ones are skipped
    "max_instances": 1,  # never overlap with itself within this process
}


def load_app():
    """create_app() of app.py, found by name (FLASK_APP style), with the configuration from the
    environment."""
    return ScriptInfo(app_import_path="app:create_app", set_debug_flag=False).load_app()


def resolve(ref: str) -> Callable[[], object]:
    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(module), name)


def run_job(app, job_id: str, ref: str) -> None:
    """Run one job in its own app context, with its own database session. The job saves through
    its own units of work (one per step or batch: extensions.job_step); what a failed step did is
    rolled back by it, and remove() ends whatever a job left open."""
    with app.app_context():
        try:
            resolve(ref)()
        except Exception:
            log.exception("job %s failed", job_id)
        finally:
            db.session.remove()


def build_scheduler(app, jobs: list[Job] | None = None) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone=TIMEZONE, job_defaults=JOB_DEFAULTS)
    for job in jobs if jobs is not None else JOBS:
        resolve(job.func)  # fail at start, not at the first run, when a line is wrong
        trigger_args = {k: (v(app.config) if callable(v) else v) for k, v in job.args.items()}
        scheduler.add_job(run_job, job.trigger, args=[app, job.id, job.func], id=job.id, name=job.id,
                          replace_existing=True, **trigger_args)
    return scheduler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Wegwijs scheduler")
    parser.add_argument("--once", action="store_true", help="run every job once and exit")
    parser.add_argument("--list", action="store_true", help="list the jobs and exit")
    options = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)  # it logs every request at INFO
    app = load_app()
    if options.list:
        for job in JOBS:
            print(f"{job.id:24} {job.trigger:9} {job.func}")
        return 0
    if options.once:
        for job in JOBS:
            run_job(app, job.id, job.func)
        return 0
    scheduler = build_scheduler(app)

    def stop(signum, _frame):
        log.info("signal %s: stopping the scheduler", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    log.info("scheduler started with %d job(s), timezone %s", len(JOBS), TIMEZONE)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
