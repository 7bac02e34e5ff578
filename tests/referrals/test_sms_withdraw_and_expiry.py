"""SMS about an appointment that changed are withdrawn, and SMS that no longer make sense expire:
through the services, the real database and the dispatcher against the Twilio stand-in."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from counter.services import mark_no_show
from extensions import clock, db
from extensions.dates import AMSTERDAM
from messaging import dispatcher
from messaging.gateways import gateway_from_config
from messaging.models import OutboxMessage, SmsStatus
from messaging.services import receive_inbound
from referrals.models import Appointment
from referrals.services import book, cancel_appointment, free_slots, queue_reminders, reschedule
from tests.messaging.conftest import standin, twilio_config  # noqa: F401 - the stand-in fixture
from tests.referrals.conftest import make_referral

WEDNESDAY, THURSDAY = date(2026, 11, 25), date(2026, 11, 26)
CHANGED = "Ingetrokken: de afspraak is gewijzigd of afgezegd"


def _at(day: int, hour: int, minute: int = 0) -> None:
    """Freeze the clock at this Amsterdam time in November 2026 (UTC+1)."""
    clock.freeze(datetime(2026, 11, day, hour, minute, tzinfo=AMSTERDAM).astimezone(UTC))


def _dispatch(app):
    db.session.rollback()  # end this session's transaction first (on SQLite it holds the write lock)
    report = dispatcher.dispatch_once(gateway_from_config(app.config))
    db.session.expire_all()
    return report


def _sms(purpose: str) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.execute(select(OutboxMessage).where(OutboxMessage.purpose == purpose)
                                   .order_by(OutboxMessage.id)).scalars())


@pytest.fixture
def sending(app, world, standin):  # noqa: F811 - the imported fixture
    """The world, with a gateway that really sends (to the Twilio stand-in)."""
    app.config.update(twilio_config(standin))
    return standin


def _booked_wednesday_with_reminder_waiting(app, world, sending):
    """Booked on Monday for Wednesday 09:00 (the confirmation goes out at once); the day-before
    reminder is queued at 00:05 on Tuesday and held by the quiet hours until 08:00."""
    referral = make_referral(world.agent)
    slot = free_slots(world.municipality.id, from_day=WEDNESDAY, limit=1)[0]
    appointment = book(referral, slot.id, actor=world.agent)
    assert _dispatch(app).sent == 1 and sending.posts == 1
    _at(24, 0, 5)
    assert queue_reminders() == 1
    [reminder] = _sms("appointment_reminder")
    assert reminder.status == SmsStatus.QUEUED
    assert reminder.next_attempt_at == datetime(2026, 11, 24, 8, tzinfo=AMSTERDAM)
    assert reminder.expires_at == datetime(2026, 11, 25, 0, tzinfo=AMSTERDAM)  # Wednesday begins
    assert _dispatch(app).claimed == 0  # quiet hours
    return db.session.get(Appointment, appointment.id), reminder.id


def test_afzeggen_before_eight_withdraws_the_waiting_reminder(app, world, sending, client, login):
    appointment, reminder_id = _booked_wednesday_with_reminder_waiting(app, world, sending)
    _at(24, 7, 0)
    reply = receive_inbound(provider_sid="SM-afz", from_number="+31612345678", to_number="+3197010000000",
                            body="AFZEGGEN")
    assert reply.startswith("Gemeente Utrecht: uw afspraak van woensdag 25 november om 09:00 is afgezegd.")
    _at(24, 8, 0)
    assert _dispatch(app).claimed == 0
    assert sending.posts == 1  # only Monday's confirmation ever went out
    reminder = db.session.get(OutboxMessage, reminder_id)
    assert (reminder.status, reminder.error_reason) == (SmsStatus.WITHDRAWN, CHANGED)
    login(client, world.coordinator)
    html = client.get("/beheer/sms").get_data(as_text=True)
    assert CHANGED in html and "Ingetrokken" in html


def test_a_reschedule_overnight_withdraws_the_old_reminder_and_sends_the_new_time(app, world, sending):
    appointment, reminder_id = _booked_wednesday_with_reminder_waiting(app, world, sending)
    _at(24, 6, 30)
    new_slot = free_slots(world.municipality.id, from_day=THURSDAY, limit=1)[0]
    new = reschedule(appointment, new_slot.id, actor=world.counter, by="counter")
    assert db.session.get(OutboxMessage, reminder_id).status == SmsStatus.WITHDRAWN
    [moved] = _sms("appointment_moved")
    assert moved.subject_id == new.id and moved.status == SmsStatus.QUEUED and moved.expires_at == new.starts_at
    _at(24, 8, 0)
    report = _dispatch(app)
    assert report.claimed == 1 and report.sent == 1
    bodies = [m["body"] for m in sending.received]
    assert bodies[-1].startswith(
        "Gemeente Utrecht: uw afspraak is veranderd. De oude tijd geldt niet meer. Nieuwe tijd: donderdag 26 november om 09:00")
    assert not any(b.startswith("Morgen") for b in bodies)


def test_the_agent_cancels_overnight_the_reminder_is_withdrawn_the_cancellation_goes(app, world, sending):
    appointment, reminder_id = _booked_wednesday_with_reminder_waiting(app, world, sending)
    _at(24, 7, 30)
    cancel_appointment(appointment, actor=world.agent, by="agent")
    assert db.session.get(OutboxMessage, reminder_id).status == SmsStatus.WITHDRAWN
    _at(24, 8, 0)
    assert _dispatch(app).sent == 1
    assert sending.received[-1]["body"].startswith("Gemeente Utrecht: uw afspraak van woensdag 25 november om 09:00 gaat niet door.")
    assert [m.status for m in _sms("appointment_cancelled")] == [SmsStatus.SENT]


def test_a_reminder_still_unsent_when_the_day_begins_is_never_sent(app, world, sending):
    _booked_wednesday_with_reminder_waiting(app, world, sending)
    _at(25, 8, 0)  # the dispatcher did not run all Tuesday; it is Wednesday morning now
    report = _dispatch(app)
    assert report.claimed == 1 and report.sent == 0 and sending.posts == 1
    [reminder] = _sms("appointment_reminder")
    assert (reminder.status, reminder.error_code) == (SmsStatus.FAILED, "expired")


def test_booked_at_ten_in_the_evening_for_nine_tomorrow(app, world, sending):
    """The confirmation is held until 08:00 and still goes (the appointment has not begun); a
    day-before reminder is never queued for a day that has begun by the time it could go out."""
    _at(23, 22, 0)
    referral = make_referral(world.agent)
    slot = free_slots(world.municipality.id, from_day=date(2026, 11, 24), limit=1)[0]
    assert slot.starts_at == datetime(2026, 11, 24, 9, tzinfo=AMSTERDAM)
    book(referral, slot.id, actor=world.agent)
    [confirmation] = _sms("appointment_confirmation")
    assert confirmation.expires_at == slot.starts_at
    assert confirmation.next_attempt_at == datetime(2026, 11, 24, 8, tzinfo=AMSTERDAM)
    for day, hour in ((23, 22), (23, 23), (24, 0), (24, 7)):
        _at(day, hour, 5)
        assert queue_reminders() == 0
    assert _sms("appointment_reminder") == []
    _at(24, 8, 0)
    report = _dispatch(app)
    assert report.sent == 1 and sending.posts == 1
    assert sending.received[0]["body"].startswith(
        "Gemeente Utrecht: De Belastingdienst heeft een afspraak voor u gemaakt. Op dinsdag 24 november om 09:00")
    assert _sms("appointment_confirmation")[0].status == SmsStatus.SENT


def test_a_no_show_withdraws_what_still_waits_and_tells_the_citizen(app, world, sending):
    referral = make_referral(world.agent)
    slot = free_slots(world.municipality.id, limit=1)[0]  # today 09:30
    appointment = book(referral, slot.id, actor=world.agent)
    [confirmation] = _sms("appointment_confirmation")  # not sent yet (the dispatcher has not run)
    _at(23, 10, 0)
    assert mark_no_show(appointment, actor=world.counter) == "sms"
    confirmation = db.session.get(OutboxMessage, confirmation.id)
    assert confirmation.status == SmsStatus.WITHDRAWN and "niet op de afspraak gekomen" in confirmation.error_reason
    report = _dispatch(app)
    assert report.sent == 1 and sending.received[0]["body"].startswith("Gemeente Utrecht: u had een afspraak op")
