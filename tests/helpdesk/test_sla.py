"""The SLA arithmetic with a frozen clock, table-driven. Every due moment is written out by hand
(Amsterdam local time) from the working-time rules: 09:00-17:00 Monday to Friday, no public or
optional holiday (Good Friday and 5 May are off, as extensions/dates.py decides), no closure day of
the agency. Budgets: first response 16 working hours (2 days), update 40 (5 days), resolution 80
(10 days); urgent halves them."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from extensions.dates import AMSTERDAM, add_working_time, working_seconds_between
from helpdesk.sla import Budget, Event, clocks


def at(y, m, d, h=9, mi=0):
    return datetime(y, m, d, h, mi, tzinfo=AMSTERDAM).astimezone(UTC)


def ev(moment, kind, status="open", urgency="normal"):
    return Event(moment, kind, status, urgency)


SENT_MON_10 = [ev(at(2026, 11, 23, 10), "sent")]
SENT_MON_9 = [ev(at(2026, 11, 23, 9), "sent")]
PAUSE_OVER_WEEKEND = SENT_MON_9 + [ev(at(2026, 11, 26, 12), "asked_municipality", "waiting_municipality"),
                                   ev(at(2026, 11, 30, 11), "municipality_replied", "open")]

# (case, history, now, clock, due (local, by hand) or None, state, closure days)
CASES = [
    ("same week", SENT_MON_10, at(2026, 11, 23, 11), "first_response", at(2026, 11, 25, 10), "on_time", ()),
    ("across a weekend", [ev(at(2026, 11, 27, 14), "sent")], at(2026, 11, 27, 15), "first_response",
     at(2026, 12, 1, 14), "on_time", ()),
    ("sent on a Saturday starts on Monday", [ev(at(2026, 11, 28, 11), "sent")], at(2026, 11, 28, 12),
     "first_response", at(2026, 12, 1, 17), "on_time", ()),
    ("sent after hours starts the next morning", [ev(at(2026, 11, 23, 18, 30), "sent")], at(2026, 11, 23, 19),
     "first_response", at(2026, 11, 25, 17), "on_time", ()),
    ("urgent halves the first response", [ev(at(2026, 11, 23, 10), "sent", urgency="urgent")],
     at(2026, 11, 23, 11), "first_response", at(2026, 11, 24, 10), "on_time", ()),
    ("Koningsdag is off", [ev(at(2027, 4, 26, 10), "sent")], at(2027, 4, 26, 11), "first_response",
     at(2027, 4, 29, 10), "on_time", ()),
    ("Kerst: both days off", [ev(at(2026, 12, 24, 10), "sent")], at(2026, 12, 24, 11), "first_response",
     at(2026, 12, 29, 10), "on_time", ()),
    ("resolution across Kerst and New Year", [ev(at(2026, 12, 21, 9), "sent")], at(2026, 12, 21, 10),
     "resolution", at(2027, 1, 5, 17), "on_time", ()),
    ("Good Friday, Easter Monday and the change to summer time", [ev(at(2027, 3, 25, 13), "sent")],
     at(2027, 3, 25, 14), "first_response", at(2027, 3, 31, 13), "on_time", ()),
    ("5 May and Ascension Day are off", [ev(at(2027, 5, 4, 9), "sent")], at(2027, 5, 4, 10), "first_response",
     at(2027, 5, 7, 17), "on_time", ()),
    ("the change to winter time", [ev(at(2026, 10, 23, 15), "sent")], at(2026, 10, 23, 16), "first_response",
     at(2026, 10, 27, 15), "on_time", ()),
    ("a pause over a weekend shifts the resolution", PAUSE_OVER_WEEKEND, at(2026, 11, 30, 12), "resolution",
     at(2026, 12, 8, 16), "on_time", ()),
    ("the update clock starts at the question and waits with it", PAUSE_OVER_WEEKEND, at(2026, 11, 30, 12),
     "update", at(2026, 12, 7, 11), "on_time", ()),
    ("while waiting the update clock has no due moment", PAUSE_OVER_WEEKEND[:2], at(2026, 11, 28, 12), "update",
     None, "on_time", ()),
    ("a question met the first response, late", PAUSE_OVER_WEEKEND, at(2026, 11, 30, 12), "first_response",
     at(2026, 11, 24, 17), "met_late", ()),
    ("urgency changed mid-pause keeps the pause",
     SENT_MON_9 + [ev(at(2026, 11, 24, 9), "asked_municipality", "waiting_municipality"),
                   ev(at(2026, 11, 25, 10), "urgency_changed", "waiting_municipality", "urgent"),
                   ev(at(2026, 11, 26, 9), "municipality_replied", "open", "urgent")],
     at(2026, 11, 26, 10), "resolution", at(2026, 12, 1, 17), "on_time", ()),
    ("urgent from the morning: the first response halves",
     SENT_MON_9 + [ev(at(2026, 11, 23, 12), "urgency_changed", "open", "urgent")], at(2026, 11, 23, 13),
     "first_response", at(2026, 11, 23, 17), "on_time", ()),
    ("a claim released and retaken does not move the clock",
     SENT_MON_10 + [ev(at(2026, 11, 23, 11), "claimed"), ev(at(2026, 11, 23, 15), "released"),
                    ev(at(2026, 11, 24, 10), "claimed")], at(2026, 11, 24, 11), "first_response",
     at(2026, 11, 25, 10), "on_time", ()),
    ("a closure day of the agency is off", SENT_MON_10, at(2026, 11, 23, 11), "first_response",
     at(2026, 11, 26, 10), "on_time", (date(2026, 11, 24),)),
    ("an answer starts the update clock", SENT_MON_9 + [ev(at(2026, 11, 24, 14), "answered")],
     at(2026, 11, 24, 15), "update", at(2026, 12, 1, 14), "on_time", ()),
    ("an internal note is no response", SENT_MON_9 + [ev(at(2026, 11, 23, 10), "note")], at(2026, 11, 23, 11),
     "first_response", at(2026, 11, 24, 17), "on_time", ()),
    ("a question for the citizen is a response",
     [ev(at(2026, 11, 27, 16), "sent"), ev(at(2026, 11, 30, 10), "asked_citizen", "waiting_citizen")],
     at(2026, 11, 30, 11), "first_response", at(2026, 12, 1, 16), "met", ()),
    ("breached after the due moment", SENT_MON_9, at(2026, 11, 25, 9, 30), "first_response",
     at(2026, 11, 24, 17), "breached", ()),
    ("after hours on the due day it is breached", SENT_MON_9, at(2026, 11, 24, 18), "first_response",
     at(2026, 11, 24, 17), "breached", ()),
    ("warning at 75 percent", SENT_MON_9, at(2026, 11, 24, 13), "first_response", at(2026, 11, 24, 17),
     "warning", ()),
    ("closed while waiting: resolution met", SENT_MON_9 + [
        ev(at(2026, 11, 23, 10), "asked_municipality", "waiting_municipality"),
        ev(at(2026, 11, 24, 11), "closed", "closed")], at(2026, 11, 24, 12), "resolution", at(2026, 12, 8, 10),
     "met", ()),
]


@pytest.mark.parametrize("case,history,now,name,due,state,closed", CASES, ids=[c[0] for c in CASES])
def test_sla_clock(case, history, now, name, due, state, closed):
    clock = clocks(history, Budget(), now, frozenset(closed))[name]
    assert clock.due == due, f"{case}: due {clock.due and clock.due.astimezone(AMSTERDAM)}"
    assert clock.state == state


def test_there_are_at_least_twenty_cases():
    assert len(CASES) >= 20


def test_warning_moment_and_pause_flag():
    state = clocks(SENT_MON_9, Budget(), at(2026, 11, 23, 10))
    assert state["first_response"].warn_at == at(2026, 11, 24, 13)
    assert state["update"].state == "not_started" and state["update"].due is None
    waiting = clocks(PAUSE_OVER_WEEKEND[:2], Budget(), at(2026, 11, 28, 12))
    assert waiting["resolution"].paused and waiting["resolution"].due is None
    assert waiting["update"].cycle == 1


def test_working_time_primitives():
    assert working_seconds_between(at(2026, 11, 27, 16), at(2026, 11, 30, 10)) == 2 * 3600
    assert working_seconds_between(at(2026, 11, 30, 10), at(2026, 11, 27, 16)) == 0
    assert add_working_time(at(2026, 11, 27, 17), 0) == at(2026, 11, 27, 17)
    assert add_working_time(at(2026, 11, 27, 17), 1) == at(2026, 11, 30, 9, 0).replace(second=1)
