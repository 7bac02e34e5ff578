"""Issue 11: a citizen of each channel (SMS, letter, phone call) is told of every step of the
journey by that channel: booked, moved, the reminder, cancelled by the counter, a no-show, a seat in
a course and the removal from it. SMS citizens find an SMS in the outbox; letter citizens a letter
task (printed from its code in their language); phone citizens a call task."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from counter.services import OutcomeInput, check_in, mark_no_show, record_outcome
from courses import services as course_services
from extensions import clock, db
from messaging.models import OutboxMessage
from referrals.models import Referral, Task
from referrals.services import (
    ReferralInput,
    book,
    cancel_appointment,
    create_referral,
    free_slots,
    queue_reminders,
    reschedule,
)
from tests.counter.conftest import plan

CITIZENS = {
    "sms": dict(phone="06 12345678"),
    "letter": dict(phone="030 765 4321", street="Kanaalweg", city="Utrecht"),
    "phone": dict(phone="030 765 4321"),
}
TASK_KIND = {"letter": "letter", "phone": "call"}


def _told(referral: Referral, channel: str, purpose: str) -> bool:
    """Did the citizen hear of this step by their channel?"""
    db.session.expire_all()
    if channel == "sms":
        return db.session.execute(select(OutboxMessage.id).where(
            OutboxMessage.purpose == purpose, OutboxMessage.to_e164 == "+31612345678")).first() is not None
    tasks = db.session.execute(select(Task).where(Task.referral_id == referral.id,
                                                  Task.kind == TASK_KIND[channel])).scalars().all()
    return any(t.reason == purpose or f":{purpose}:" in (t.dedup_key or "") for t in tasks)


def _first_slot(town, day: date):
    return free_slots(town.municipality.id, location_id=town.location.id, from_day=day, limit=1)[0]


@pytest.mark.parametrize("channel", ["sms", "letter", "phone"])
def test_every_step_reaches_the_citizen_by_their_channel(town, channel):
    referral = create_referral(ReferralInput(
        name="Gerrit Jansen", postcode="3512 AB", house_number="14", channel=channel, language="nl",
        categories=["digid_apply"], reason="no_device", consent=True, **CITIZENS[channel]), actor=town.agent)
    steps = []

    def step(purpose: str, heard: bool = True):
        assert _told(referral, channel, purpose) is heard, f"{channel}: {purpose}"
        steps.append(purpose)

    # Booked on Monday for Monday 30 November: a letter arrives in time, so no warning.
    appointment = book(referral, _first_slot(town, date(2026, 11, 30)).id, actor=town.agent)
    step("appointment_confirmation")
    moved = reschedule(appointment, _first_slot(town, date(2026, 12, 1)).id, actor=town.counter, by="counter")
    step("appointment_moved")

    clock.freeze(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))  # the day before, 10:00 in Amsterdam
    queue_reminders()
    # SMS and phone citizens are reminded the day before; a letter would come too late, which is why
    # booking warns when the letter itself cannot arrive in time.
    step("appointment_reminder", heard=channel != "letter")

    cancel_appointment(moved, actor=town.counter, by="counter")
    step("appointment_cancelled")

    missed = book(referral, _first_slot(town, date(2026, 12, 3)).id, actor=town.counter, letter_late_ok=True)
    clock.freeze(missed.starts_at.replace(hour=missed.starts_at.hour + 2))
    mark_no_show(missed, actor=town.counter)
    step("no_show")

    visit = book(referral, _first_slot(town, date(2026, 12, 9)).id, actor=town.counter)
    clock.freeze(visit.starts_at)
    check_in(visit, actor=town.counter)
    record_outcome(db.session.get(Referral, referral.id),
                   OutcomeInput(actions=["explained"], minutes=20, result="partly", solution="course"),
                   actor=town.counter)
    course = plan(town, days_ahead=7)
    enrolment = course_services.enrol(db.session.get(Referral, referral.id), course, actor=town.counter)
    step("course_enrolled")
    course_services.cancel_enrolment(enrolment, actor=town.counter)
    step("course_removed")
    assert len(steps) == 7


def test_a_letter_about_the_course_is_printed_in_the_citizens_language(town, client, login):
    """The task stores a code and values, no copied name or address; the letter is written in the
    citizen's language when it is printed, in the same frame as the appointment letter."""
    referral = create_referral(ReferralInput(
        name="Gerrit Jansen", postcode="3512 AB", house_number="14", channel="letter", language="en",
        categories=["digid_apply"], reason="no_device", consent=True, **CITIZENS["letter"]), actor=town.agent)
    visit = book(referral, _first_slot(town, date(2026, 11, 23)).id, actor=town.counter, letter_late_ok=True)
    clock.freeze(visit.starts_at)
    check_in(visit, actor=town.counter)
    record_outcome(db.session.get(Referral, referral.id),
                   OutcomeInput(actions=["explained"], minutes=20, result="partly", solution="course"),
                   actor=town.counter)
    course = plan(town, days_ahead=7)
    course_services.enrol(db.session.get(Referral, referral.id), course, actor=town.counter)
    db.session.commit()
    task = db.session.execute(select(Task).where(Task.referral_id == referral.id, Task.kind == "letter",
                                                 Task.letter == "course_enrolled")).scalar_one()
    assert "Gerrit" not in str(task.letter_values) and "Kanaalweg" not in str(task.letter_values)
    login(client, town.counter)
    page = client.get(f"/balie/taken/{task.id}/brief").get_data(as_text=True)
    for part in ("Dear Gerrit Jansen,", "Subject: You have a place in the Digisterker course",
                 "Digisterker is a course about DigiD and the internet.", "Neem uw telefoon mee.",
                 "Call us on 030 123 4567", "Stadsplein 1", "Gemeente Utrecht"):
        assert part in page, part
    assert "U doet mee" not in page
