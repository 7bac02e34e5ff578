"""Scheduler jobs of privacy (listed in scheduler.py). Both are safe to run twice and in two
schedulers at once: the log purge deletes in batches, each its own transaction, and on PostgreSQL a
second scheduler skips the rows the first one holds (FOR UPDATE SKIP LOCKED); for retention the day's
run row is the claim, so the second one does nothing."""
from __future__ import annotations

import logging

from extensions import clock
from privacy import rights
from privacy.services import purge_expired_log

log = logging.getLogger("wegwijs.privacy")


def purge_log() -> None:
    deleted = purge_expired_log(clock.now())
    if deleted:
        log.info("processing log: %d line(s) past the retention term deleted", deleted)


def retention() -> None:
    """Daily: anonymise or delete what is past its retention term (privacy.rights.run_retention)."""
    rights.run_retention()
