"""Sending from a pool at the provider's rate (issue 16): the rate limit, the pool's bound,
outcomes recorded in one UPDATE per batch, the database kept on the dispatcher's own thread."""
from __future__ import annotations

import contextlib
import threading

import pytest
from sqlalchemy import event, select

from extensions import db
from messaging import dispatcher
from messaging.gateways import gateway_from_config
from messaging.models import OutboxMessage, SmsStatus
from messaging.pacing import RateLimit, SendPool
from messaging.services import queue_sms


class FakeTime:
    """A monotonic clock for RateLimit: `sleep` moves it on, or only records when frozen."""

    def __init__(self, start: float = 100.0, frozen: bool = False):
        self.now, self.frozen, self.slept = start, frozen, []
        self.lock = threading.Lock()

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.slept.append(seconds)
            if not self.frozen:
                self.now += seconds


def _queue(n: int) -> list[int]:
    ids = [queue_sms(to=f"+3161000{i:04d}", purpose="test", language="nl", values={"organisation": f"Gemeente {i}"},
                     subject_type="demo", subject_id=i, dedup_key=f"pacing:{i}").id for i in range(n)]
    db.session.commit()
    return ids


@contextlib.contextmanager
def statements_run():
    """Every SQL statement run meanwhile: its verb, its text and the thread that ran it."""
    seen = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement.split()[0].upper(), statement, threading.current_thread()))

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


def _statuses() -> dict[int, tuple]:
    db.session.expire_all()
    rows = db.session.execute(select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.error_code,
                                     OutboxMessage.provider_sid, OutboxMessage.claimed_by)).all()
    return {r.id: r for r in rows}


def test_n_messages_at_rate_r_take_at_least_n_minus_one_over_r():
    time = FakeTime()
    rate = RateLimit(4, clock=time.clock, sleep=time.sleep)
    moments = [rate.wait() for _ in range(5)]
    assert moments == [100.0, 100.25, 100.5, 100.75, 101.0]
    assert time.now - 100.0 == pytest.approx((5 - 1) / 4)


def test_an_idle_spell_saves_up_no_burst():
    time = FakeTime()
    rate = RateLimit(2, clock=time.clock, sleep=time.sleep)
    rate.wait()
    time.now += 60  # a quiet minute
    rate.wait()  # at once
    rate.wait()  # then the rate again
    assert time.slept == [0.5]


def test_the_threads_of_a_pool_share_one_rate():
    time = FakeTime(frozen=True)  # every thread reserves its moment without time passing
    with SendPool(8, 10) as pool:
        pool.rate = RateLimit(10, clock=time.clock, sleep=time.sleep)
        moments = [call.result() for call in [pool.submit(pool.rate.wait) for _ in range(40)]]
    assert sorted(moments) == pytest.approx([100 + i / 10 for i in range(40)])


def test_a_rate_or_pool_of_nothing_is_refused():
    with pytest.raises(ValueError):
        RateLimit(0)
    with pytest.raises(ValueError):
        SendPool(0, 10)


def test_the_dispatchers_sends_keep_to_the_rate(twilio_app, standin):
    _queue(10)
    time = FakeTime(frozen=True)
    with SendPool(4, 5) as pool:
        pool.rate = RateLimit(5, clock=time.clock, sleep=time.sleep)
        report = dispatcher.send_due(gateway_from_config(twilio_app.config), pool=pool)
    assert report.sent == 10 and standin.posts == 10
    # The first at once, each next one 1/5 s after the one before, across the pool's threads.
    assert sorted(time.slept) == pytest.approx([i / 5 for i in range(1, 10)])


def test_the_rate_comes_from_the_settings(twilio_app):
    twilio_app.config["SMS_RATE_PER_SECOND"] = 4
    with dispatcher.send_pool() as pool:
        assert pool.rate.interval == 0.25


@pytest.mark.parametrize("size", [1, 4])
def test_the_pool_size_bounds_the_calls_under_way(twilio_app, standin, size):
    twilio_app.config["SMS_DISPATCH_CONCURRENCY"] = size
    standin.latency = 0.1
    _queue(12)
    report = dispatcher.send_due(gateway_from_config(twilio_app.config))
    assert report.sent == 12 and len(standin.received) == 12
    assert standin.most_at_once == size


def test_outcomes_of_a_batch_are_recorded_in_one_update_from_the_dispatchers_own_thread(twilio_app, standin):
    ids = _queue(12)
    standin.script("21211", "201", "21614")  # permanent errors hold nothing back
    with statements_run() as statements:
        report = dispatcher.send_due(gateway_from_config(twilio_app.config))
    assert (report.claimed, report.sent, report.failed) == (12, 10, 2)
    updates = [verb for verb, _, _ in statements if verb == "UPDATE"]
    assert len(updates) == 2  # the claim, and every outcome of the batch at once
    assert {thread for _, _, thread in statements} == {threading.current_thread()}
    rows = _statuses()
    by_body = {m["body"]: m["sid"] for m in standin.received}
    bodies = dict(db.session.execute(select(OutboxMessage.id, OutboxMessage.body)).all())
    assert sorted(rows[i].error_code or "" for i in ids) == [""] * 10 + ["21211", "21614"]
    for i in ids:
        assert rows[i].claimed_by is None
        if rows[i].status == SmsStatus.SENT:
            assert rows[i].provider_sid == by_body[bodies[i]] and rows[i].error_code is None
        else:
            assert rows[i].status == SmsStatus.FAILED and rows[i].provider_sid is None


def test_every_kind_of_outcome_in_one_update(twilio_app, standin):
    twilio_app.config["SMS_DISPATCH_CONCURRENCY"] = 1  # the script in the batch's order
    ids = _queue(5)
    standin.script("201", "21211", "201", "500")  # the 500 holds the fifth back
    with statements_run() as statements:
        report = dispatcher.send_due(gateway_from_config(twilio_app.config))
    assert (report.sent, report.failed, report.unknown, report.released) == (2, 1, 1, 1)
    assert [verb for verb, _, _ in statements].count("UPDATE") == 3  # claim, outcomes, the one handed back
    rows = _statuses()
    assert [rows[i].status for i in ids] == ["sent", "failed", "sent", "unknown", "queued"]
    assert [rows[i].error_code for i in ids] == [None, "21211", None, "uncertain", None]
    assert len({rows[i].provider_sid for i in (ids[0], ids[2])}) == 2


def test_a_refusal_holds_back_what_the_pool_has_not_started(twilio_app, standin):
    twilio_app.config["SMS_DISPATCH_CONCURRENCY"] = 4
    standin.latency = 0.2
    standin.script("429")
    ids = _queue(20)
    report = dispatcher.send_due(gateway_from_config(twilio_app.config))
    # The four under way when the 429 came finish; at most the three others' next calls had
    # started before the refusal was seen; nothing more goes to the provider.
    assert 4 <= standin.posts <= 7
    assert report.retry == 1 and report.sent == standin.posts - 1 and report.released == 20 - standin.posts
    rows = _statuses()
    assert all(rows[i].claimed_by is None for i in ids)
    assert sorted(rows[i].status for i in ids).count(SmsStatus.QUEUED) == 20 - standin.posts + 1


def test_each_thread_has_its_own_twilio_client(twilio_app, standin):
    gateway = gateway_from_config(twilio_app.config)
    with SendPool(2, 100) as pool:
        barrier = threading.Barrier(2)
        calls = [pool.submit(lambda: (barrier.wait(), gateway.client)[1]) for _ in range(2)]
        clients = [call.result() for call in calls]
    assert len({id(c) for c in clients}) == 2
    assert clients[0].http_client.session is not clients[1].http_client.session
    assert gateway.client not in clients


def test_a_run_claims_the_next_batch_before_it_records_the_one_being_sent(twilio_app, standin):
    twilio_app.config.update(DISPATCH_BATCH_SIZE=4, SMS_DISPATCH_CONCURRENCY=2)
    ids = _queue(12)
    with statements_run() as statements:
        total = dispatcher.dispatch()
    kinds = []
    for verb, sql, _ in statements:
        if verb == "UPDATE" and "attempts" in sql:
            kinds.append("claim")
        elif verb == "UPDATE" and "CASE" in sql:
            kinds.append("record")
    assert kinds == ["claim", "claim", "record", "claim", "record", "record"]
    assert (total.claimed, total.sent) == (12, 12) and len(standin.received) == 12
    rows = _statuses()
    assert all(rows[i].status == SmsStatus.SENT and rows[i].claimed_by is None for i in ids)
    assert standin.bodies_received().most_common(1)[0][1] == 1


def test_a_run_stops_at_a_refusal_and_hands_back_what_it_claimed(twilio_app, standin):
    twilio_app.config.update(DISPATCH_BATCH_SIZE=3, SMS_DISPATCH_CONCURRENCY=1)
    ids = _queue(9)
    standin.script("201", "429")
    total = dispatcher.dispatch()
    # The first batch met the 429, the second was already claimed and handed to the pool: it
    # goes back unsent, and the run ends instead of claiming the third.
    assert (total.claimed, total.sent, total.retry, total.released) == (6, 1, 1, 4) and standin.posts == 2
    rows = _statuses()
    assert [rows[i].status for i in ids] == ["sent"] + ["queued"] * 8
    assert all(rows[i].claimed_by is None for i in ids)
