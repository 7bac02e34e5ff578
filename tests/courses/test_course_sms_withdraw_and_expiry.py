"""Course SMS: a cancelled enrolment's waiting messages are withdrawn, a promotion withdraws the
waiting-list message, and 'Morgen om ...' never arrives on the day of the lesson."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from courses import services as course_services
from extensions import clock, db
from extensions.dates import AMSTERDAM
from messaging import dispatcher
from messaging.gateways import gateway_from_config
from messaging.models import OutboxMessage, SmsStatus
from tests.counter.conftest import plan
from tests.courses.test_courses import with_outcome
from tests.messaging.conftest import standin, twilio_config  # noqa: F401 - the stand-in fixture


def _at(day: int, hour: int, minute: int = 0) -> None:
    clock.freeze(datetime(2026, 11, day, hour, minute, tzinfo=AMSTERDAM).astimezone(UTC))


def _course_sms(purpose: str) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.execute(select(OutboxMessage).where(OutboxMessage.purpose == purpose)
                                   .order_by(OutboxMessage.id)).scalars())


@pytest.fixture
def sending(app, town, standin):  # noqa: F811 - the imported fixture
    app.config.update(twilio_config(standin))
    return standin


def test_cancelling_overnight_withdraws_the_reminder_and_the_promotion_replaces_the_waiting_message(
        app, town, sending):
    course = plan(town, capacity=1, days_ahead=2)  # first lesson Wednesday 25 November 10:00
    first = with_outcome(town)
    second = with_outcome(town, name="Piet Pieters", phone="06 22222222", slot_index=2)
    enrolment = course_services.enrol(first, course, actor=town.counter)
    course_services.enrol(second, course, actor=town.counter)
    [enrolled] = _course_sms("course_enrolled")
    lesson = datetime(2026, 11, 25, 10, tzinfo=AMSTERDAM)
    assert enrolled.expires_at == lesson
    _at(24, 0, 35)  # the reminder is queued at night and held until 08:00 ...
    assert course_services.queue_course_reminders() == 1
    [reminder] = _course_sms("course_reminder")
    assert reminder.status == SmsStatus.QUEUED
    assert reminder.expires_at == datetime(2026, 11, 25, 0, tzinfo=AMSTERDAM)  # the lesson's day begins

    _at(24, 7, 0)  # ... and the first citizen cancels before 08:00
    promoted = course_services.cancel_enrolment(enrolment, actor=town.counter)
    assert promoted is not None
    db.session.expire_all()
    mine = {m.purpose: m for m in db.session.execute(select(OutboxMessage).where(
        OutboxMessage.subject_type == "course_enrolment", OutboxMessage.subject_id == enrolment.id)).scalars()}
    assert {p: m.status for p, m in mine.items()} == {"course_enrolled": SmsStatus.WITHDRAWN,
                                                       "course_reminder": SmsStatus.WITHDRAWN,
                                                       "course_removed": SmsStatus.QUEUED,  # issue 11: told
                                                       "course_note": SmsStatus.WITHDRAWN}  # the intake note too
    assert "afgemeld" in mine["course_reminder"].error_reason
    [waiting] = _course_sms("course_waiting")
    assert waiting.status == SmsStatus.WITHDRAWN and "plaats" in waiting.error_reason
    [news] = _course_sms("course_promoted")
    assert news.status == SmsStatus.QUEUED and news.expires_at == lesson

    _at(24, 8, 0)
    db.session.rollback()
    dispatcher.dispatch_once(gateway_from_config(app.config))
    bodies = [m["body"] for m in sending.received]
    [note] = [m for m in _course_sms("course_note") if m.subject_id == news.subject_id]  # the promoted one's
    assert sorted(b for b in bodies if "Digisterker" in b) == sorted([news.body, note.body,
                                                                       mine["course_removed"].body])


def test_no_course_reminder_is_queued_in_the_evening_for_a_lesson_tomorrow(town):
    course = plan(town, days_ahead=1)  # Tuesday 24 November 10:00
    course_services.enrol(with_outcome(town), course, actor=town.counter)
    _at(23, 22, 35)  # it could only go out at 08:00 on Tuesday itself
    assert course_services.queue_course_reminders() == 0
    assert _course_sms("course_reminder") == []
