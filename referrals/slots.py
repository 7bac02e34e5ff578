"""Turning opening hours into bookable slots.

Slots are rows (so capacity is a row to lock); `sync_location` makes the rows for a date range
match the location's opening hours, slot length, counters and closures, with Dutch public holidays
closed by themselves. Slots already booked are never deleted: when they fall outside the new hours
their capacity shrinks to what is booked, so nothing new is booked there and the municipality
reschedules them. A slot that a cancelled or moved appointment still points to is kept too, with
capacity 0.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import case, delete, exists, insert, select

from extensions import clock, db
from extensions.dates import AMSTERDAM, is_public_holiday, local_day_bounds, local_today
from referrals.models import Appointment, Location, Slot


def desired_slots(location: Location, start: date, end: date) -> Iterator[tuple[datetime, datetime]]:
    """(starts_at, ends_at) in UTC of every slot the location offers on days start..end-1."""
    by_weekday: dict[int, list] = {}
    for hours in location.hours:
        by_weekday.setdefault(hours.weekday, []).append(hours)
    closed = [(c.starts_on, c.ends_on) for c in location.closures]
    length = timedelta(minutes=location.slot_minutes)
    day = start
    while day < end:
        if day.weekday() in by_weekday and not is_public_holiday(day) and not any(
                a <= day <= b for a, b in closed):
            for hours in by_weekday[day.weekday()]:
                t = datetime.combine(day, hours.opens, AMSTERDAM)
                closes = datetime.combine(day, hours.closes, AMSTERDAM)
                while t + length <= closes:
                    yield t.astimezone(UTC), (t + length).astimezone(UTC)
                    t += length
        day += timedelta(days=1)


def sync_location(location: Location, start: date | None = None, end: date | None = None,
                  weeks: int | None = None) -> dict[str, int]:
    """Make the future slots of one location in [start, end) match its settings. Adds to the
    session; the caller commits. Returns counts (added, removed, shrunk, resized)."""
    if weeks is None:
        weeks = current_app.config.get("BOOKING_WEEKS_AHEAD", 6) if has_app_context() else 6
    start = start or local_today()
    end = end or start + timedelta(weeks=weeks)
    now = clock.now()
    lo, _ = local_day_bounds(start)
    hi, _ = local_day_bounds(end)
    lo = max(lo, now)
    wanted = {s: e for s, e in desired_slots(location, start, end) if s > now}  # a slot starting now is gone
    if not location.active:
        wanted = {}
    existing = db.session.execute(
        select(Slot.id, Slot.starts_at, Slot.ends_at, Slot.capacity, Slot.booked)
        .where(Slot.location_id == location.id, Slot.starts_at >= lo, Slot.starts_at < hi)).all()
    counts = {"added": 0, "removed": 0, "shrunk": 0, "resized": 0}
    remove, have = [], set()
    for row in existing:
        end = wanted.get(row.starts_at)
        if end is not None and (end == row.ends_at or row.booked == 0):
            # A slot the settings still want: the same row. Its length follows a new slot length
            # when nobody is booked on it (booked == 0 again in the statement).
            have.add(row.starts_at)
            if end != row.ends_at:
                moved = db.session.execute(Slot.__table__.update().where(Slot.id == row.id, Slot.booked == 0)
                                           .values(ends_at=end))
                if moved.rowcount == 0:  # booked meanwhile: it keeps its old length, and no free seat
                    db.session.execute(Slot.__table__.update().where(Slot.id == row.id)
                                       .values(capacity=Slot.booked))
                    counts["shrunk"] += 1
                    continue
                counts["resized"] += 1
            capacity = max(location.counters, row.booked)
            if capacity != row.capacity:
                # In SQL, so a booking made meanwhile is never left above capacity.
                db.session.execute(Slot.__table__.update().where(Slot.id == row.id).values(
                    capacity=case((Slot.booked > location.counters, Slot.booked), else_=location.counters)))
                counts["resized"] += 1
        elif row.booked == 0:
            remove.append(row.id)
        else:
            if end is not None:
                have.add(row.starts_at)  # booked at the old length: no second slot at that time
            if row.capacity != row.booked:
                db.session.execute(Slot.__table__.update().where(Slot.id == row.id).values(capacity=Slot.booked))
                counts["shrunk"] += 1
    for chunk in range(0, len(remove), 500):
        ids = remove[chunk:chunk + 500]
        # booked == 0 again in the statement: a booking that came in meanwhile keeps its slot. A slot
        # that a cancelled or moved appointment still points to stays, closed (capacity 0).
        result = db.session.execute(delete(Slot).where(
            Slot.id.in_(ids), Slot.booked == 0, ~exists().where(Appointment.slot_id == Slot.id))
            .execution_options(synchronize_session=False))
        counts["removed"] += result.rowcount
        # What is left: kept for an appointment that points to it (capacity 0), or booked meanwhile
        # (capacity = booked): no free seat either way.
        closed = db.session.execute(Slot.__table__.update().where(Slot.id.in_(ids), Slot.capacity != Slot.booked)
                                    .values(capacity=Slot.booked))
        counts["shrunk"] += closed.rowcount
    rows = [{"location_id": location.id, "municipality_id": location.municipality_id, "starts_at": s,
             "ends_at": e, "capacity": location.counters, "booked": 0}
            for s, e in sorted(wanted.items()) if s not in have]
    if rows:
        db.session.execute(insert(Slot), rows)
        counts["added"] = len(rows)
    return counts
