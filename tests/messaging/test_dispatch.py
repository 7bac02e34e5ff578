"""The dispatcher against the Twilio stand-in, through the real twilio client and the database."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import select

from extensions import clock, db
from messaging import dispatcher
from messaging.gateways import gateway_from_config
from messaging.models import OutboxMessage, SmsStatus
from messaging.services import is_opted_out, queue_sms, set_opt_out
from tests.messaging.conftest import DAYTIME, SERVICE_SID, TIMEOUT_SECONDS


def _queue(n: int = 1, *, to: str | None = None, same_text: bool = False) -> list[int]:
    ids = []
    for i in range(n):
        msg = queue_sms(to=to or f"+3161000{i:04d}", purpose="test", language="nl",
                        values={"organisation": "Gemeente Utrecht" if same_text else f"Gemeente {i}"},
                        subject_type="demo", subject_id=i, dedup_key=f"test:{i}:{to}")
        ids.append(msg.id)
    db.session.commit()
    return ids


def _get(message_id: int) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id)


def _run(app):
    return dispatcher.dispatch_once(gateway_from_config(app.config))


def _later(seconds: int) -> None:
    clock.freeze(clock.now() + timedelta(seconds=seconds))


def test_sends_each_due_message_once(twilio_app, standin):
    ids = _queue(3)
    report = _run(twilio_app)
    assert report.claimed == 3 and report.sent == 3
    assert len(standin.received) == 3
    received = {m["body"]: m for m in standin.received}  # sent at once: in any order
    for message_id in ids:
        msg = _get(message_id)
        got = received[msg.body]
        assert msg.status == SmsStatus.SENT and msg.provider_sid == got["sid"] and msg.attempts == 1
        assert msg.sent_at == DAYTIME and msg.claimed_by is None and msg.lease_expires_at is None
        assert got["body"] == msg.body and got["to"] == msg.to_e164
        assert got["messaging_service_sid"] == SERVICE_SID
        callback = urlparse(got["status_callback"])
        assert callback.path == "/sms/status" and parse_qs(callback.query) == {"m": [str(message_id)]}
    assert _run(twilio_app).claimed == 0  # nothing more to do
    assert len(standin.received) == 3


def test_one_round_claims_one_batch_and_no_more(twilio_app, standin):
    _queue(120)
    report = dispatcher.send_due(gateway_from_config(twilio_app.config), batch=50)
    assert report.claimed == 50 and report.sent == 50 and standin.posts == 50
    statuses = db.session.execute(select(OutboxMessage.status)).scalars().all()
    assert statuses.count(SmsStatus.QUEUED) == 70


def test_429_retries_later_with_backoff(twilio_app, standin):
    [mid] = _queue(1)
    standin.script("429")
    report = _run(twilio_app)
    assert report.retry == 1 and standin.received == []
    msg = _get(mid)
    assert msg.status == SmsStatus.QUEUED and msg.attempts == 1 and msg.error_code == "rate_limited"
    assert msg.next_attempt_at >= DAYTIME + timedelta(seconds=24)
    assert _run(twilio_app).claimed == 0  # not yet due
    _later(3600)
    assert _run(twilio_app).sent == 1
    msg = _get(mid)
    assert msg.status == SmsStatus.SENT and msg.attempts == 2 and msg.error_code is None
    assert len(standin.received) == 1


def test_a_refusing_provider_is_not_hammered_with_the_rest_of_the_batch(twilio_app, standin):
    # One at a time, so the stand-in's script follows the batch's order (test_pacing.py has the pool).
    twilio_app.config["SMS_DISPATCH_CONCURRENCY"] = 1
    ids = _queue(5)
    standin.script("201", "429")
    report = _run(twilio_app)
    assert (report.sent, report.retry, report.released) == (1, 1, 3) and standin.posts == 2
    assert [_get(i).status for i in ids] == ["sent", "queued", "queued", "queued", "queued"]
    assert [_get(i).attempts for i in ids] == [1, 1, 0, 0, 0]
    report = _run(twilio_app)  # the released ones are due at once, the 429 one later
    assert report.sent == 3 and _get(ids[1]).status == SmsStatus.QUEUED


def test_connection_refused_is_retried(twilio_app, standin):
    [mid] = _queue(1)
    twilio_app.config["TWILIO_API_BASE_URL"] = "http://127.0.0.1:9"  # nothing listens there
    assert _run(twilio_app).retry == 1
    assert _get(mid).status == SmsStatus.QUEUED and _get(mid).error_code == "connection"
    twilio_app.config["TWILIO_API_BASE_URL"] = standin.base_url
    _later(3600)
    assert _run(twilio_app).sent == 1 and len(standin.received) == 1


def test_gives_up_after_max_attempts(twilio_app, standin):
    twilio_app.config["DISPATCH_MAX_ATTEMPTS"] = 3
    [mid] = _queue(1)
    standin.default = "429"
    for _ in range(3):
        _run(twilio_app)
        _later(7200)
    msg = _get(mid)
    assert msg.status == SmsStatus.FAILED and msg.attempts == 3 and msg.error_code == "unreachable"
    assert standin.posts == 3 and standin.received == []


@pytest.mark.parametrize("mode", ["timeout", "500-processed"])
def test_unknown_is_reconciled_without_resending_when_the_provider_has_it(twilio_app, standin, mode):
    [mid] = _queue(1)
    standin.script(mode)
    assert _run(twilio_app).unknown == 1
    msg = _get(mid)
    assert msg.status == SmsStatus.UNKNOWN and msg.provider_sid is None and "Onzeker" in msg.error_reason
    assert len(standin.received) == 1  # the provider has it; we do not know
    assert _run(twilio_app).reconciled == 0  # not before the settle delay
    _later(61)
    report = _run(twilio_app)
    assert report.reconciled == 1 and report.claimed == 0
    msg = _get(mid)
    assert msg.status == SmsStatus.SENT and msg.provider_sid == standin.received[0]["sid"]
    _later(3600)
    _run(twilio_app)
    assert len(standin.received) == 1 and standin.posts == 1  # never resent


@pytest.mark.parametrize("mode", ["timeout-unprocessed", "500"])
def test_unknown_is_resent_once_when_the_provider_never_got_it(twilio_app, standin, mode):
    [mid] = _queue(1)
    standin.script(mode)
    assert _run(twilio_app).unknown == 1
    _later(61)
    report = _run(twilio_app)
    assert report.requeued == 1 and report.sent == 1
    msg = _get(mid)
    assert msg.status == SmsStatus.SENT and msg.attempts == 2
    assert len(standin.received) == 1 and msg.provider_sid == standin.received[0]["sid"]


def test_reconcile_matches_two_identical_texts_to_distinct_provider_messages(twilio_app, standin):
    ids = _queue(2, to="+31612345678", same_text=True)
    standin.script("timeout", "timeout")
    assert _run(twilio_app).unknown == 2  # both were under way when the first timed out
    _later(61)
    assert _run(twilio_app).reconciled == 2
    sids = {_get(i).provider_sid for i in ids}
    assert sids == {m["sid"] for m in standin.received} and len(sids) == 2


def test_reconcile_with_a_known_sid_fetches_it(twilio_app, standin):
    [mid] = _queue(1)
    _run(twilio_app)
    sid = _get(mid).provider_sid
    standin.set_status(sid, "delivered")
    # As if the provider had answered but we then lost track (e.g. a restore): unknown with a sid.
    db.session.execute(OutboxMessage.__table__.update().where(OutboxMessage.id == mid)
                       .values(status="unknown", next_attempt_at=clock.now()))
    db.session.commit()
    assert _run(twilio_app).reconciled == 1
    assert _get(mid).status == SmsStatus.DELIVERED and standin.posts == 1


@pytest.mark.parametrize("code, words", [("21211", "Ongeldig telefoonnummer"), ("21614", "geen mobiel nummer"),
                                         ("21610", "afgemeld"), ("21408", "niet toegestaan")])
def test_permanent_errors_fail_at_once_with_a_readable_reason(twilio_app, standin, code, words):
    [mid] = _queue(1)
    standin.script(code)
    assert _run(twilio_app).failed == 1
    msg = _get(mid)
    assert msg.status == SmsStatus.FAILED and msg.error_code == code and words in msg.error_reason
    assert msg.attempts == 1 and standin.posts == 1
    _later(86400)
    _run(twilio_app)
    assert standin.posts == 1
    assert is_opted_out(msg.to_e164) is (code == "21610")


def test_an_opt_out_after_queueing_stops_the_message(twilio_app, standin):
    [mid] = _queue(1)
    # STOP arrives while the message is claimed (a race the dispatcher checks again).
    set_opt_out(_get(mid).to_e164, True, source="sms", keyword="STOP")
    db.session.commit()
    _run(twilio_app)
    assert _get(mid).status == SmsStatus.FAILED and standin.posts == 0


def test_an_expired_message_is_not_sent(twilio_app, standin):
    msg = queue_sms(to="0612345678", purpose="test", language="nl", values={"organisation": "X"},
                    subject_type="demo", subject_id=1, dedup_key="exp", expires_at=DAYTIME + timedelta(minutes=5))
    db.session.commit()
    _later(600)
    _run(twilio_app)
    assert _get(msg.id).status == SmsStatus.FAILED and _get(msg.id).error_code == "expired"
    assert standin.posts == 0


def test_quiet_hours_hold_messages_until_eight(twilio_app, standin):
    [mid] = _queue(1)
    clock.freeze(datetime(2026, 11, 23, 20, 30, tzinfo=UTC))  # 21:30 in Amsterdam
    assert _run(twilio_app).claimed == 0 and standin.posts == 0
    clock.freeze(datetime(2026, 11, 24, 6, 59, tzinfo=UTC))  # 07:59
    assert _run(twilio_app).claimed == 0
    clock.freeze(datetime(2026, 11, 24, 7, 0, tzinfo=UTC))  # 08:00
    assert _run(twilio_app).sent == 1 and _get(mid).status == SmsStatus.SENT


def test_a_killed_dispatchers_lease_expires_and_the_message_is_reconciled(twilio_app, standin):
    """A dispatcher claims, posts (the provider has it) and dies before recording: no resend."""
    ids = _queue(2)
    claimed = dispatcher._claim(SmsStatus.QUEUED, 10, "dead-worker", {
        "status": SmsStatus.SENDING, "lease_expires_at": clock.now() + timedelta(seconds=120),
        "last_attempt_at": clock.now(), "attempts": OutboxMessage.attempts + 1})
    db.session.commit()
    assert [r.id for r in claimed] == ids
    # The first reached the provider before the process died, the second did not.
    standin.record({"To": claimed[0].to_e164, "Body": claimed[0].body, "MessagingServiceSid": SERVICE_SID})
    assert _run(twilio_app).claimed == 0  # still leased: nobody touches it
    _later(121)
    assert _run(twilio_app).leases_expired == 2
    assert {_get(i).status for i in ids} == {SmsStatus.UNKNOWN}
    _later(61)
    report = _run(twilio_app)
    assert report.reconciled == 1 and report.requeued == 1 and report.sent == 1
    assert standin.bodies_received() == {_get(ids[0]).body: 1, _get(ids[1]).body: 1}
    assert {_get(i).status for i in ids} == {SmsStatus.SENT}


@pytest.mark.parametrize("concurrency", [1, 2])
def test_a_slow_batch_hands_back_what_it_cannot_send_within_its_lease(twilio_app, standin, concurrency):
    # A call may start only while the lease has a timeout plus 5 s left: 1 s budget.
    twilio_app.config.update(DISPATCH_LEASE_SECONDS=TIMEOUT_SECONDS + 5 + 1, SMS_DISPATCH_CONCURRENCY=concurrency)
    ids = _queue(4)
    # One slow call per thread of the pool (>= the timeout, more than 1 s) uses the budget up.
    standin.script(*["timeout"] * concurrency)
    report = _run(twilio_app)
    assert report.unknown == concurrency and report.released == 4 - concurrency and standin.posts == concurrency
    assert sorted(_get(i).status for i in ids) == sorted(["unknown"] * concurrency + ["queued"] * (4 - concurrency))
    handed_back = [_get(i) for i in ids if _get(i).status == SmsStatus.QUEUED]
    assert all(m.attempts == 0 and m.claimed_by is None for m in handed_back)


def test_outbox_gateway_sends_nothing(app, daytime, standin):
    [mid] = _queue(1)
    assert gateway_from_config(app.config).name == "outbox"
    assert dispatcher.dispatch().claimed == 0
    assert _get(mid).status == SmsStatus.QUEUED and standin.posts == 0


def test_gateway_choice_from_config(app, standin):
    assert gateway_from_config({"SMS_GATEWAY": None}).name == "outbox"
    assert gateway_from_config({"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t", "TWILIO_FROM_NUMBER": "+3197",
                                "PUBLIC_BASE_URL": "https://x"}).name == "twilio"
    with pytest.raises(ValueError):
        gateway_from_config({"SMS_GATEWAY": "twilio"})
    with pytest.raises(ValueError):
        gateway_from_config({"SMS_GATEWAY": "carrier-pigeon"})


def test_nothing_is_left_claimed(twilio_app, standin):
    _queue(5)
    standin.script("201", "21211", "201", "timeout", "429")
    _run(twilio_app)
    rows = db.session.execute(select(OutboxMessage.status, OutboxMessage.claimed_by)).all()
    assert all(claimed is None for _, claimed in rows)
    assert sorted(s for s, _ in rows) == ["failed", "queued", "sent", "sent", "unknown"]
    _run(twilio_app)  # all five went at once: nothing is due (the 429 waits for its backoff)
    rows = db.session.execute(select(OutboxMessage.status, OutboxMessage.claimed_by)).all()
    assert all(claimed is None for _, claimed in rows) and standin.posts == 5


def test_no_transaction_is_open_while_the_provider_is_called(twilio_app, standin):
    """While the stand-in handles our POST, another connection can take the write lock (SQLite)
    and no connection of ours sits idle in a transaction (PostgreSQL)."""
    from sqlalchemy import create_engine, text

    uri = twilio_app.config["SQLALCHEMY_DATABASE_URI"]
    probe = create_engine(uri, connect_args={"timeout": 0} if uri.startswith("sqlite") else {})
    seen = []
    one_probe = threading.Lock()  # the POSTs come at once: each probe must not see another's transaction

    def check(form):
        with one_probe, probe.connect() as conn:
            if uri.startswith("sqlite"):
                conn.exec_driver_sql("BEGIN IMMEDIATE")  # fails at once if anyone holds the lock
                conn.exec_driver_sql("ROLLBACK")
                seen.append("free")
            else:
                busy = conn.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()")).scalar_one()
                seen.append("free" if busy == 0 else f"{busy} open")

    standin.on_post = check
    _queue(3)
    assert _run(twilio_app).sent == 3
    assert seen == ["free", "free", "free"]
    probe.dispose()
