"""Queueing: the caller's transaction, deduplication, landlines, opt-out, quiet hours."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from extensions import clock, db
from messaging.models import OutboxMessage, SmsStatus
from messaging.services import in_quiet_hours, next_allowed_send, queue_sms, set_opt_out


def _queue(key="k1", to="06 12345678", **kw):
    args = dict(to=to, purpose="test", language="nl", values={"organisation": "Gemeente Utrecht"},
                subject_type="demo", subject_id=1, dedup_key=key)
    args.update(kw)
    return queue_sms(**args)


def _count():
    return db.session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()


def test_queue_sms_is_part_of_the_callers_transaction(daytime, factory):
    org = factory.org("municipality", name="Gemeente Utrecht")
    msg = _queue(organisation_id=org.id)
    assert msg.id and msg.status == SmsStatus.QUEUED and msg.to_e164 == "+31612345678"
    assert msg.body == "Wegwijs: dit is een testbericht van Gemeente Utrecht. U hoeft niets te doen."
    assert msg.next_attempt_at == daytime and msg.segments == 1
    db.session.rollback()  # the caller's transaction fails: no message either
    assert _count() == 0
    _queue(organisation_id=org.id)
    db.session.commit()
    assert _count() == 1


def test_the_same_dedup_key_queues_once(daytime):
    first = _queue("appointment:1:reminder")
    again = _queue("appointment:1:reminder", to="06 87654321")
    assert again.id == first.id
    db.session.commit()
    third = _queue("appointment:1:reminder")
    db.session.commit()
    assert third.id == first.id and _count() == 1


def test_english_text_and_fallback(daytime):
    en = _queue("a", language="en")
    tr = _queue("b", language="tr")
    assert en.body.startswith("Wegwijs: this is a test message") and en.language == "en"
    assert tr.language == "nl"


def test_landline_is_stored_but_never_sent(daytime):
    msg = _queue(to="020 123 4567")
    assert msg.status == SmsStatus.FAILED and msg.error_code == "landline"
    assert "vast nummer" in msg.error_reason


def test_a_number_that_does_not_parse_is_stored_but_never_sent(daytime):
    """A stored number that no longer parses (a new number plan) must not fail the caller's work
    (a booking, a batch of reminders): the message is kept as failed, with the reason."""
    msg = _queue(to="+31600000000")
    assert msg.status == SmsStatus.FAILED and msg.error_code == "invalid_number" and msg.next_attempt_at is None
    assert msg.to_e164 == "+31600000000" and "niet (meer) geldig" in msg.error_reason


def test_opted_out_number_is_stored_but_never_sent(daytime):
    set_opt_out("+31612345678", True, source="sms", keyword="STOP")
    msg = _queue()
    assert msg.status == SmsStatus.FAILED and msg.error_code == "opted_out"
    assert "afgemeld" in msg.error_reason


def test_stop_fails_messages_still_waiting(daytime):
    waiting = _queue()
    db.session.commit()
    set_opt_out("+31612345678", True, source="sms", keyword="STOP")
    db.session.commit()
    db.session.refresh(waiting)
    assert waiting.status == SmsStatus.FAILED and waiting.error_code == "opted_out"


AMS_WINTER = [  # (UTC moment, quiet?, next allowed in UTC)
    (datetime(2026, 11, 23, 19, 59, tzinfo=UTC), False, datetime(2026, 11, 23, 19, 59, tzinfo=UTC)),  # 20:59
    (datetime(2026, 11, 23, 20, 0, tzinfo=UTC), True, datetime(2026, 11, 24, 7, 0, tzinfo=UTC)),  # 21:00
    (datetime(2026, 11, 23, 23, 30, tzinfo=UTC), True, datetime(2026, 11, 24, 7, 0, tzinfo=UTC)),  # 00:30
    (datetime(2026, 11, 24, 6, 59, tzinfo=UTC), True, datetime(2026, 11, 24, 7, 0, tzinfo=UTC)),  # 07:59
    (datetime(2026, 11, 24, 7, 0, tzinfo=UTC), False, datetime(2026, 11, 24, 7, 0, tzinfo=UTC)),  # 08:00
    # Summer time (UTC+2): 21:30 on 28 March 2026, the night the clocks go forward -> 08:00 CEST.
    (datetime(2026, 3, 28, 20, 30, tzinfo=UTC), True, datetime(2026, 3, 29, 6, 0, tzinfo=UTC)),
    (datetime(2026, 7, 1, 18, 59, tzinfo=UTC), False, datetime(2026, 7, 1, 18, 59, tzinfo=UTC)),  # 20:59 CEST
]


@pytest.mark.parametrize("moment, quiet, allowed", AMS_WINTER)
def test_quiet_hours_europe_amsterdam(app, moment, quiet, allowed):
    assert in_quiet_hours(moment) is quiet
    assert next_allowed_send(moment) == allowed


def test_a_message_queued_at_night_waits_until_eight(app):
    clock.freeze(datetime(2026, 11, 23, 21, 15, tzinfo=UTC))  # 22:15 in Amsterdam
    msg = _queue()
    assert msg.status == SmsStatus.QUEUED
    assert msg.next_attempt_at == datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


@pytest.mark.postgres
def test_two_transactions_racing_on_one_dedup_key_queue_once(app, daytime):
    import threading
    import time

    ids, errors = [], []

    def caller(hold: float):
        with app.app_context():
            try:
                msg = _queue("race:1")
                ids.append(msg.id)
                time.sleep(hold)  # the first keeps its transaction open; the second waits for it
                db.session.commit()
            except Exception as err:  # pragma: no cover - reported below
                errors.append(err)
            finally:
                db.session.remove()

    first = threading.Thread(target=caller, args=(0.5,))
    first.start()
    time.sleep(0.1)
    second = threading.Thread(target=caller, args=(0,))
    second.start()
    first.join()
    second.join()
    assert not errors and len(ids) == 2 and ids[0] == ids[1]
    assert _count() == 1
