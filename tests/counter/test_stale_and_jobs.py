"""Scheduler jobs of the counter with a frozen clock: the stale sweep (Dutch working days), failed
SMS to call-back tasks; and the SMS texts of the counter and courses fit one segment."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, update

from counter import services as counter_services
from counter.services import sweep_stale
from extensions import clock, db
from extensions.dates import working_days_before
from messaging import gsm7
from messaging.models import OutboxMessage, SmsStatus
from messaging.sms_texts import LONGEST_VALUES, SEGMENT_BUDGET, TEXTS, render
from referrals.models import Referral, Task
from referrals.outreach import tasks_for_failed_sms
from referrals.services import ReferralInput, book, create_referral, free_slots
from tests.counter.conftest import MONDAY
from tests.counter.test_counter import text_of


def refer(town, **overrides):
    data = dict(name="Jan de Vries", phone="06 12345678", postcode="3512 AB", house_number="14", channel="sms",
                categories=["digid_apply"], reason="no_device", consent=True)
    data.update(overrides)
    return create_referral(ReferralInput(**data), actor=town.agent)


def at(y, m, d, hour=10):
    return datetime(y, m, d, hour - 1, 0, tzinfo=UTC)  # Amsterdam winter time is UTC+1


def test_working_days_skip_weekends_and_dutch_public_holidays():
    # Wednesday 30 December 2026 minus 5 working days: 29, 28, (27 Sun, 26 Sat, 25 Christmas), 24, 23, 22.
    assert working_days_before(at(2026, 12, 30), 5).date() == date(2026, 12, 22)
    # Monday 23 November minus 1 working day: Friday 20 November.
    assert working_days_before(MONDAY, 1).date() == date(2026, 11, 20)
    assert working_days_before(at(2026, 11, 23), 5).hour == 9  # the same clock time (UTC 09:00 = 10:00 local)


@pytest.mark.config(STALE_AFTER_WORKING_DAYS=5)
def test_stale_sweep_flags_after_five_working_days_once_and_progress_ends_it(town, client, login):
    referral = refer(town)  # Monday 23 November 09:00, never booked
    fresh = refer(town, name="Piet Pieters", phone="06 22222222")
    clock.freeze(at(2026, 11, 27, 11))  # Friday: 4 working days
    assert sweep_stale() == 0
    clock.freeze(at(2026, 11, 30, 11))  # the next Monday: 5 working days
    db.session.execute(update(Referral).where(Referral.id == fresh.id).values(updated_at=clock.now()))
    db.session.commit()
    assert sweep_stale() == 1
    assert sweep_stale() == 0  # idempotent: a second scheduler flags nothing more
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).delayed
    assert not db.session.get(Referral, fresh.id).delayed

    agent = client.application.test_client()
    login(agent, town.agent)
    assert "Vertraagd" in text_of(agent.get("/verwijzingen"))
    login(client, town.coordinator)
    page = text_of(client.get("/gemeente/vertraagd"))
    assert "Jan de Vries" in page and "Piet Pieters" not in page
    outsider = client.application.test_client()
    login(outsider, town.other_coordinator)
    assert "Jan de Vries" not in text_of(outsider.get("/gemeente/vertraagd"))

    # Progress (a booking) ends the delay at once, without waiting for the sweep.
    referral = db.session.get(Referral, referral.id)
    slot = free_slots(town.municipality.id, limit=1)[0]
    book(referral, slot.id, actor=town.agent)
    db.session.expire_all()
    assert not db.session.get(Referral, referral.id).delayed
    assert "Vertraagd" not in text_of(agent.get("/verwijzingen"))
    assert sweep_stale() == 0  # a booked appointment still to come is not stale


def test_an_appointment_long_past_without_check_in_becomes_stale(town):
    referral = refer(town)
    slot = free_slots(town.municipality.id, limit=1)[0]
    book(referral, slot.id, actor=town.agent)
    clock.freeze(at(2026, 12, 1))  # Tuesday a week later: only 6 working days since the appointment
    assert sweep_stale() == 1


def test_failed_sms_become_call_back_tasks_once(town):
    referral = refer(town)
    slot = free_slots(town.municipality.id, limit=1)[0]
    appointment = book(referral, slot.id, actor=town.agent)
    message = db.session.execute(select(OutboxMessage).where(OutboxMessage.subject_id == appointment.id)).scalar_one()
    message.status, message.error_reason = SmsStatus.UNDELIVERED, "Niet afgeleverd: de telefoon is uit."
    db.session.commit()
    assert tasks_for_failed_sms() == 1
    assert tasks_for_failed_sms() == 0
    task = db.session.execute(select(Task)).scalar_one()
    assert (task.kind, task.reason, task.referral_id, task.municipality_id) == (
        "call", "sms_failed", referral.id, town.municipality.id)
    assert "Jan de Vries" not in task.description and "12345678" not in task.description
    assert task.referral_id == referral.id  # the work list shows who, from the referral


@pytest.mark.parametrize("purpose", ["no_show", "course_enrolled", "course_waiting", "course_promoted",
                                     "course_reminder"])
def test_issue5_sms_texts_fit_their_budget_in_both_languages(purpose):
    # Issue 11: the news of a seat is sent once and may take two segments; the others one.
    budget = SEGMENT_BUDGET.get(purpose, 1)
    for language in ("nl", "en"):
        assert language in TEXTS[purpose]
        body = render(purpose, language, LONGEST_VALUES)
        assert gsm7.segments(body) <= budget, (purpose, language, len(body))


def test_the_jobs_are_in_the_scheduler_table():
    import scheduler
    funcs = {job.func for job in scheduler.JOBS}
    assert {"counter.jobs:sweep_stale", "referrals.jobs:failed_sms_tasks",
            "courses.jobs:queue_reminders"} <= funcs
    for ref in funcs:
        assert callable(scheduler.resolve(ref))
    assert counter_services.sweep_stale
