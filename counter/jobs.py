"""Scheduler jobs of the counter (listed in scheduler.py). Each claims its rows in the database,
so two schedulers are safe."""
from __future__ import annotations

import logging

from counter import services

log = logging.getLogger("wegwijs.counter")


def sweep_stale() -> None:
    flagged = services.sweep_stale()
    if flagged:
        log.info("counter: %s referrals flagged as delayed", flagged)
