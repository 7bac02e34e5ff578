"""Scheduler jobs of privacy (scheduler.py's table calls `purge_log`). Safe to run twice and in two
schedulers at once: the purge deletes in batches, each its own transaction, and on PostgreSQL a
second scheduler skips the rows the first one holds (FOR UPDATE SKIP LOCKED)."""
from __future__ import annotations

import logging

from extensions import clock
from privacy.services import purge_expired_log

log = logging.getLogger("wegwijs.privacy")


def purge_log() -> None:
    deleted = purge_expired_log(clock.now())
    if deleted:
        log.info("processing log: %d line(s) past the retention term deleted", deleted)
