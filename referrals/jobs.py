"""Scheduler jobs of referrals (scheduler.py's table calls `hourly`). Safe to run twice and in two
schedulers at once: reminders are claimed row by row (services.queue_reminders) and deduplicated in
the outbox; slots are unique per location and start, so a second scheduler adding the same slot
fails harmlessly and the next run finds them there."""
from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from extensions import db, job_step
from referrals.models import Location
from referrals.outreach import tasks_for_failed_sms
from referrals.services import queue_reminders
from referrals.slots import sync_location

log = logging.getLogger("wegwijs.referrals")


def extend_slots() -> int:
    """Keep bookable slots for the coming BOOKING_WEEKS_AHEAD weeks at every active location."""
    added = 0
    ids = list(db.session.execute(select(Location.id).where(Location.active.is_(True))).scalars())
    for location_id in ids:
        try:
            with job_step():  # one location per step
                location = db.session.execute(select(Location).where(Location.id == location_id)
                                              .options(selectinload(Location.hours), selectinload(Location.closures))
                                              ).scalar_one()
                step_added = sync_location(location)["added"]
        except IntegrityError:
            continue  # another scheduler added them at the same moment; rolled back, the next run finds them
        added += step_added
    return added


def hourly() -> None:
    reminders = queue_reminders()
    added = extend_slots()
    log.info("referrals: %s reminders queued, %s slots added", reminders, added)


def failed_sms_tasks() -> None:
    """A call-back task for every SMS to a citizen that did not arrive."""
    added = tasks_for_failed_sms()
    if added:
        log.info("referrals: %s call-back tasks for failed SMS", added)
