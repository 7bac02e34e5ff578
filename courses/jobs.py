"""Scheduler jobs of the Digisterker courses (listed in scheduler.py). Each session is claimed in
the database before its reminders are queued, so two schedulers are safe."""
from __future__ import annotations

import logging

from courses import services

log = logging.getLogger("wegwijs.courses")


def queue_reminders() -> None:
    reminded = services.queue_course_reminders()
    if reminded:
        log.info("courses: %s citizens reminded of tomorrow's session", reminded)
