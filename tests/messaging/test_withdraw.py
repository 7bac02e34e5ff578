"""Withdrawing queued SMS about a record: never sent, the reason on the outbox page, and a message a
dispatcher has already claimed is left alone (also when both happen at the same moment)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from accounts.models import Role
from extensions import clock, db
from messaging import dispatcher
from messaging.gateways import gateway_from_config
from messaging.models import OutboxMessage, SmsStatus
from messaging.services import queue_sms, withdraw
from tests.conftest import run_together

REASON = "Ingetrokken: de afspraak is gewijzigd of afgezegd"


def _queue(key: str, *, subject_id: int = 1, purpose: str = "test", to: str = "0612345678") -> int:
    msg = queue_sms(to=to, purpose=purpose, language="nl", values={"organisation": f"Gemeente {key}"},
                    subject_type="appointment", subject_id=subject_id, dedup_key=key)
    db.session.commit()
    return msg.id


def _get(message_id: int) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id)


def _claim(worker: str) -> list:
    now = clock.now()
    return dispatcher._claim(SmsStatus.QUEUED, 1000, worker, {
        "status": SmsStatus.SENDING, "lease_expires_at": now + timedelta(seconds=120), "last_attempt_at": now,
        "attempts": OutboxMessage.attempts + 1, "status_changed_at": now})


def test_a_withdrawn_message_is_never_sent_and_others_are_untouched(twilio_app, standin):
    mine = _queue("mine")
    other_record = _queue("other", subject_id=2)
    assert withdraw("appointment", 1, reason=REASON) == 1
    db.session.commit()
    msg = _get(mine)
    assert (msg.status, msg.error_code, msg.error_reason) == (SmsStatus.WITHDRAWN, "withdrawn", REASON)
    assert msg.next_attempt_at is None
    report = dispatcher.dispatch_once(gateway_from_config(twilio_app.config))
    assert report.claimed == 1 and report.sent == 1 and standin.posts == 1  # only the other record's message
    assert _get(other_record).status == SmsStatus.SENT and _get(mine).status == SmsStatus.WITHDRAWN
    # Final: a second withdrawal, or one for a message already sent, changes nothing.
    assert withdraw("appointment", 1) == 0 and withdraw("appointment", 2) == 0


def test_only_the_purposes_asked_for(app, daytime):
    confirmation = _queue("w", purpose="test")
    reminder = queue_sms(to="0612345678", purpose="appointment_reminder", language="nl",
                         values={"sender": "Gemeente Utrecht", "time": "09:00", "where": "Stadsplein 1, Utrecht",
                                 "phone": "030 123 4567"},
                         subject_type="appointment", subject_id=1, dedup_key="r").id
    db.session.commit()
    assert withdraw("appointment", 1, purposes=["appointment_reminder"]) == 1
    db.session.commit()
    assert _get(reminder).status == SmsStatus.WITHDRAWN and _get(confirmation).status == SmsStatus.QUEUED


def test_a_message_a_dispatcher_already_claimed_stays_sending(twilio_app, standin):
    mid = _queue("claimed")
    assert [r.id for r in _claim("other-dispatcher")] == [mid]
    db.session.commit()
    assert withdraw("appointment", 1, reason=REASON) == 0
    db.session.commit()
    msg = _get(mid)
    assert msg.status == SmsStatus.SENDING and msg.claimed_by == "other-dispatcher" and msg.error_reason is None


def test_the_outbox_page_says_why(client, factory, login, daytime):
    ede = factory.org("municipality", name="Gemeente Ede")
    queue_sms(to="0612345678", purpose="test", language="nl", values={"organisation": "Gemeente Ede"},
              subject_type="appointment", subject_id=7, dedup_key="page", organisation_id=ede.id)
    withdraw("appointment", 7, reason=REASON)
    db.session.commit()
    login(client, factory.user(Role.COORDINATOR, ede))
    html = client.get("/beheer/sms").get_data(as_text=True)
    assert "Ingetrokken" in html and REASON in html
    assert "Niet verzonden: geen sms-provider ingesteld." not in html  # it is not waiting for a provider
    filtered = client.get("/beheer/sms?status=withdrawn").get_data(as_text=True)
    assert REASON in filtered


@pytest.mark.postgres
def test_withdraw_and_a_claim_at_the_same_moment_never_both_take_a_message(app, daytime):
    for i in range(300):
        queue_sms(to=f"+316{30000000 + i}", purpose="test", language="nl", values={"organisation": f"G {i}"},
                  subject_type="appointment", subject_id=1, dedup_key=f"race:{i}")
    db.session.commit()

    def work(i):
        if i == 0:
            rows = _claim("racer")
            db.session.commit()
            return {r.id for r in rows}
        count = withdraw("appointment", 1, reason=REASON)
        db.session.commit()
        return count

    claimed, withdrawn = run_together(app, 2, work)
    assert not isinstance(claimed, Exception) and not isinstance(withdrawn, Exception)
    rows = db.session.execute(select(OutboxMessage.id, OutboxMessage.status)).all()
    assert {r.id for r in rows if r.status == SmsStatus.SENDING} == claimed
    assert sum(r.status == SmsStatus.WITHDRAWN for r in rows) == withdrawn
    assert len(claimed) + withdrawn == 300
