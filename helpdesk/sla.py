"""The second line's service levels, as pure functions of an escalation's history.

Three clocks per escalation, each a budget of working time (extensions.dates: 09:00-17:00 Amsterdam
on working days, minus the agency's closure days):
- first response: from sending until the first response (an answer to the municipality, or a
  question to the municipality or, through it, to the citizen; closing counts too). An internal
  note is no response.
- update while open: from the latest response until the next one (or closing); it runs only
  after the first response, and starts afresh with every response (`cycle` counts them).
- resolution: from sending until closing.

Time in a waiting state ("wacht op gemeente", "wacht op inwoner") does not count for any clock.
Urgent halves every budget; the urgency that counts is the one in force when the clock stops (or
now, while it runs), so changing urgency keeps the pauses already taken. Nothing is stored: the
due moments follow from the history, so they cannot drift (the queue keeps a copy of the
earliest due moment only to sort by, rewritten from the history at every change).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from extensions.dates import add_working_time, working_seconds_between

CLOCKS = ("first_response", "update", "resolution")
RESPONSES = frozenset({"answered", "asked_municipality", "asked_citizen", "closed"})
WAITING = frozenset({"waiting_municipality", "waiting_citizen"})
WARNING_AT = 0.75


@dataclass(frozen=True)
class Event:
    """One line of the history as the clocks see it: when, what, and the status and urgency after it."""

    at: datetime
    kind: str
    status: str
    urgency: str = "normal"


@dataclass(frozen=True)
class Budget:
    """Working hours per clock (normal urgency)."""

    first_response_hours: float = 16  # 2 working days
    update_hours: float = 40  # 5 working days
    resolution_hours: float = 80  # 10 working days

    def seconds(self, clock_name: str, urgency: str) -> float:
        hours = {"first_response": self.first_response_hours, "update": self.update_hours,
                 "resolution": self.resolution_hours}[clock_name]
        return hours * 3600 / (2 if urgency == "urgent" else 1)


@dataclass(frozen=True)
class Clock:
    name: str
    running: bool  # False: not started yet (update before the first response) or stopped
    started: datetime | None
    stopped: datetime | None
    due: datetime | None  # None while paused before the budget is used up, or not started
    warn_at: datetime | None
    used: float  # fraction of the budget used at `now` (or when stopped)
    state: str  # on_time, warning, breached, met, met_late, not_started
    paused: bool
    cycle: int = 0


def pauses(events: list[Event]) -> list[tuple[datetime, datetime | None]]:
    """The intervals spent waiting (end None: still waiting)."""
    result, since = [], None
    for event in events:
        if event.status in WAITING and since is None:
            since = event.at
        elif event.status not in WAITING and since is not None:
            result.append((since, event.at))
            since = None
    if since is not None:
        result.append((since, None))
    return result


def _active(start: datetime, stop: datetime | None, paused: list[tuple[datetime, datetime | None]]):
    """The intervals from start to stop (None: open) outside the pauses."""
    segments, cursor = [], start
    for p_start, p_end in paused:
        if p_end is not None and p_end <= cursor:
            continue
        if stop is not None and p_start >= stop:
            break
        if p_start > cursor:
            segments.append((cursor, p_start))
        if p_end is None:
            return segments, True
        cursor = max(cursor, p_end)
    if stop is None or cursor < stop:
        segments.append((cursor, stop))
    return segments, False


def _moment(segments, open_pause: bool, budget: float, closed: frozenset[date], tail: datetime) -> datetime | None:
    """When `budget` seconds of working time within the segments are used up. None while the
    escalation waits and the budget is not used up yet (the moment depends on when it resumes).
    A stopped clock with budget left keeps counting on from its stop, so it shows its due moment."""
    used = 0.0
    for begin, end in segments:
        if end is None:
            return add_working_time(begin, budget - used, closed)
        span = working_seconds_between(begin, end, closed)
        if used + span >= budget:
            return add_working_time(begin, budget - used, closed)
        used += span
    if open_pause:
        return None
    return add_working_time(tail, budget - used, closed)


def _used(segments, upto: datetime, closed: frozenset[date]) -> float:
    return float(sum(working_seconds_between(begin, min(end or upto, upto), closed) for begin, end in segments
                     if begin < upto))


def _urgency_at(events: list[Event], moment: datetime) -> str:
    urgency = "normal"
    for event in events:
        if event.at <= moment:
            urgency = event.urgency
    return urgency


def _clock(name: str, start: datetime | None, stop: datetime | None, events: list[Event], budget: Budget,
           now: datetime, closed: frozenset[date], cycle: int = 0) -> Clock:
    if start is None:
        return Clock(name, False, None, None, None, None, 0.0, "not_started", False, cycle)
    paused = pauses(events)
    segments, open_pause = _active(start, stop, paused)
    seconds = budget.seconds(name, _urgency_at(events, stop or now))
    due = _moment(segments, open_pause, seconds, closed, stop or start)
    warn_at = _moment(segments, open_pause, seconds * WARNING_AT, closed, stop or start)
    upto = min(stop, now) if stop else now
    used = _used(segments, upto, closed) / seconds if seconds else 1.0
    is_paused = stop is None and open_pause
    if stop is not None:
        state = "met" if due is None or stop <= due else "met_late"
    elif due is not None and now > due:
        state = "breached"
    elif used >= WARNING_AT:
        state = "warning"
    else:
        state = "on_time"
    return Clock(name, stop is None, start, stop, due, warn_at, used, state, is_paused, cycle)


def clocks(history: Iterable[Event], budget: Budget, now: datetime,
           closed_days: frozenset[date] = frozenset()) -> dict[str, Clock]:
    """The three clocks of one escalation at `now`, from its history (events in any order)."""
    events = sorted((e for e in history if e.at <= now), key=lambda e: e.at)
    sent = next((e.at for e in events if e.kind == "sent"), None)
    if sent is None:  # a draft: no clock runs
        return {name: _clock(name, None, None, events, budget, now, closed_days) for name in CLOCKS}
    events = [e for e in events if e.at >= sent]
    responses = [e.at for e in events if e.kind in RESPONSES]
    closed_at = next((e.at for e in events if e.kind == "closed"), None)
    first = responses[0] if responses else None
    last_open_response = [e.at for e in events if e.kind in RESPONSES and e.kind != "closed"]
    update_start = last_open_response[-1] if last_open_response else None
    return {
        "first_response": _clock("first_response", sent, first, events, budget, now, closed_days),
        "update": _clock("update", update_start, closed_at if update_start else None, events, budget, now,
                         closed_days, cycle=len(last_open_response)),
        "resolution": _clock("resolution", sent, closed_at, events, budget, now, closed_days),
    }


def next_due(state: dict[str, Clock]) -> tuple[datetime | None, datetime | None]:
    """The earliest due moment and warning moment of the clocks still running (for sorting)."""
    running = [c for c in state.values() if c.running and c.due is not None]
    if not running:
        return None, None
    first = min(running, key=lambda c: c.due)
    warns = [c.warn_at for c in running if c.warn_at is not None]
    return first.due, min(warns) if warns else None
