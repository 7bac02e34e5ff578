"""Status callbacks and inbound SMS: signature, forward-only states, STOP/START, handlers, TwiML."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from extensions import clock, db
from messaging import dispatcher, services
from messaging.gateways import gateway_from_config
from messaging.models import InboundMessage, OutboxMessage, SmsOptOut, SmsStatus
from messaging.services import is_opted_out, queue_sms, register_inbound_handler, unregister_inbound_handler
from tests.messaging.conftest import signed_post


@pytest.fixture
def only_our_handlers():
    """Other contexts register their handlers at import; these tests look at the registry alone."""
    saved = list(services._INBOUND_HANDLERS)
    services._INBOUND_HANDLERS.clear()
    yield
    services._INBOUND_HANDLERS[:] = saved


def _sent_message(app, standin, n=0) -> OutboxMessage:
    msg = queue_sms(to=f"+3161234567{n}", purpose="test", language="nl", values={"organisation": "Gemeente Ede"},
                    subject_type="demo", subject_id=n, dedup_key=f"wh:{n}")
    db.session.commit()
    dispatcher.dispatch_once(gateway_from_config(app.config))
    return _get(msg.id)


def _get(message_id):
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id)


def _status(client, standin, sid, status, *, query="", error=None, **kw):
    data = {"MessageSid": sid, "MessageStatus": status, "AccountSid": standin.account_sid}
    if error:
        data["ErrorCode"] = error
    return signed_post(client, "/sms/status", data, standin.auth_token, query=query, **kw)


def test_signed_callbacks_move_the_state_forward_and_repeats_change_nothing(twilio_app, client, standin):
    msg = _sent_message(twilio_app, standin)
    assert msg.status == SmsStatus.SENT
    query = f"m={msg.id}"
    assert _status(client, standin, msg.provider_sid, "sent", query=query).status_code == 204
    assert _get(msg.id).status == SmsStatus.SENT
    clock.freeze(clock.now() + timedelta(minutes=1))
    assert _status(client, standin, msg.provider_sid, "delivered", query=query).status_code == 204
    delivered = _get(msg.id)
    assert delivered.status == SmsStatus.DELIVERED and delivered.delivered_at == clock.now()
    first_change = delivered.status_changed_at
    clock.freeze(clock.now() + timedelta(minutes=1))
    for status in ("delivered", "sent", "queued", "failed"):  # repeated and out of order
        assert _status(client, standin, msg.provider_sid, status, query=query).status_code == 204
    again = _get(msg.id)
    assert again.status == SmsStatus.DELIVERED and again.status_changed_at == first_change


def test_out_of_order_delivered_before_sent(twilio_app, client, standin):
    msg = _sent_message(twilio_app, standin)
    _status(client, standin, msg.provider_sid, "delivered")
    _status(client, standin, msg.provider_sid, "sent")
    assert _get(msg.id).status == SmsStatus.DELIVERED


def test_undelivered_callback_keeps_a_readable_reason(twilio_app, client, standin):
    msg = _sent_message(twilio_app, standin)
    _status(client, standin, msg.provider_sid, "undelivered", error="30003")
    got = _get(msg.id)
    assert got.status == SmsStatus.UNDELIVERED and got.error_code == "30003"
    assert "telefoon is uit of onbereikbaar" in got.error_reason


def test_callback_settles_a_message_whose_send_answer_was_lost(twilio_app, client, standin):
    msg = queue_sms(to="+31612345678", purpose="test", language="nl", values={"organisation": "Ede"},
                    subject_type="demo", subject_id=1, dedup_key="lost")
    db.session.commit()
    standin.script("timeout")
    dispatcher.dispatch_once(gateway_from_config(twilio_app.config))
    assert _get(msg.id).status == SmsStatus.UNKNOWN
    sid = standin.received[0]["sid"]
    _status(client, standin, sid, "delivered", query=f"m={msg.id}")
    got = _get(msg.id)
    assert got.status == SmsStatus.DELIVERED and got.provider_sid == sid
    clock.freeze(clock.now() + timedelta(hours=1))
    dispatcher.dispatch_once(gateway_from_config(twilio_app.config))
    assert standin.posts == 1  # never resent


def test_a_callback_cannot_steal_another_messages_id(twilio_app, client, standin):
    a = _sent_message(twilio_app, standin, 1)
    b = _sent_message(twilio_app, standin, 2)
    _status(client, standin, "SM" + "f" * 32, "failed", query=f"m={a.id}")  # a sid that is not a's
    assert _get(a.id).status == SmsStatus.SENT and _get(a.id).provider_sid != "SM" + "f" * 32
    assert _get(b.id).status == SmsStatus.SENT


@pytest.mark.parametrize("signature", ["", "forged", "wrong-url"])
def test_forged_or_missing_signatures_get_403(twilio_app, client, standin, signature):
    msg = _sent_message(twilio_app, standin)
    data = {"MessageSid": msg.provider_sid, "MessageStatus": "delivered"}
    if signature == "wrong-url":  # signed for another address (a replay elsewhere)
        from twilio.request_validator import RequestValidator
        signature = RequestValidator(standin.auth_token).compute_signature("https://evil.example/sms/status", data)
    response = signed_post(client, "/sms/status", data, standin.auth_token, signature=signature or "")
    assert response.status_code == 403
    # A valid signature with altered parameters is refused too.
    from twilio.request_validator import RequestValidator
    good = RequestValidator(standin.auth_token).compute_signature("https://wegwijs.example.nl/sms/status", data)
    assert signed_post(client, "/sms/status", {**data, "MessageStatus": "failed"}, standin.auth_token,
                       signature=good).status_code == 403
    assert _get(msg.id).status == SmsStatus.SENT
    inbound = signed_post(client, "/sms/inbound", {"MessageSid": "SM1", "From": "+31612345678", "Body": "STOP"},
                          standin.auth_token, signature=signature or "")
    assert inbound.status_code == 403 and not is_opted_out("+31612345678")


def test_webhooks_refuse_everything_without_a_configured_token(app, client):
    app.config["TWILIO_AUTH_TOKEN"] = None
    response = signed_post(client, "/sms/inbound", {"MessageSid": "SM1", "From": "+31612345678", "Body": "STOP"},
                           "any-token")
    assert response.status_code == 403


def _inbound(client, standin, body, sid, sender="+31612345678"):
    return signed_post(client, "/sms/inbound", {"MessageSid": sid, "From": sender, "To": "+3197010000000",
                                                "Body": body, "AccountSid": standin.account_sid}, standin.auth_token)


@pytest.mark.parametrize("word", ["STOP", "stop", "Stoppen.", " STOPPEN "])
def test_stop_opts_out_and_start_opts_in(twilio_app, client, standin, word):
    response = _inbound(client, standin, word, "SMin1")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    assert "U krijgt geen sms meer van Wegwijs" in response.get_data(as_text=True)
    assert is_opted_out("+31612345678")
    msg = queue_sms(to="06 12345678", purpose="test", language="nl", values={"organisation": "Ede"},
                    subject_type="demo", subject_id=1, dedup_key="after-stop")
    db.session.commit()
    assert msg.status == SmsStatus.FAILED and msg.error_code == "opted_out"
    dispatcher.dispatch_once(gateway_from_config(twilio_app.config))
    assert standin.posts == 0
    response = _inbound(client, standin, "Start", "SMin2")
    assert "U krijgt weer sms van Wegwijs" in response.get_data(as_text=True)
    assert not is_opted_out("+31612345678")
    outcomes = db.session.execute(select(InboundMessage.outcome).order_by(InboundMessage.id)).scalars().all()
    assert outcomes == ["opt_out", "opt_in"]


def test_stop_reply_uses_the_language_of_our_last_message(twilio_app, client, standin):
    queue_sms(to="+31612345678", purpose="test", language="en", values={"organisation": "Ede"},
              subject_type="demo", subject_id=1, dedup_key="en")
    db.session.commit()
    assert "You will not get any more" in _inbound(client, standin, "STOP", "SMen").get_data(as_text=True)


def test_unknown_text_is_stored_and_answered(twilio_app, client, standin, only_our_handlers):
    response = _inbound(client, standin, "Hoe laat is mijn afspraak?", "SMq")
    assert "Wegwijs begrijpt uw bericht niet" in response.get_data(as_text=True)
    row = db.session.execute(select(InboundMessage)).scalar_one()
    assert row.outcome == "unhandled" and row.body == "Hoe laat is mijn afspraak?" and row.from_e164 == "+31612345678"
    assert not is_opted_out("+31612345678")  # a sentence with "stop" in it is no keyword
    second = _inbound(client, standin, "stop met die berichten over de cursus alstublieft", "SMq2")
    assert not is_opted_out("+31612345678")
    # One generic answer per number per day (an auto-responder must not get us into a loop).
    assert "<Message>" not in second.get_data(as_text=True)
    clock.freeze(clock.now() + timedelta(hours=25))
    assert "begrijpt uw bericht niet" in _inbound(client, standin, "hallo?", "SMq3").get_data(as_text=True)


def test_registered_handlers_get_other_texts(twilio_app, client, standin, only_our_handlers):
    seen = []

    def afzeggen(from_e164, body):
        seen.append((from_e164, body))
        return "Uw afspraak is afgezegd." if body.strip().upper() == "AFZEGGEN" else None

    register_inbound_handler(afzeggen)
    try:
        response = _inbound(client, standin, "afzeggen", "SMa")
        assert "Uw afspraak is afgezegd." in response.get_data(as_text=True)
        row = db.session.execute(select(InboundMessage)).scalar_one()
        assert row.outcome == "handled" and row.handled_by.endswith("afzeggen")
        assert seen == [("+31612345678", "afzeggen")]
        # The provider retries the same webhook: handled once, same answer.
        again = _inbound(client, standin, "afzeggen", "SMa")
        assert "Uw afspraak is afgezegd." in again.get_data(as_text=True) and len(seen) == 1
        assert db.session.execute(select(func.count()).select_from(InboundMessage)).scalar_one() == 1
        # Not its text: falls through to the generic answer.
        assert "begrijpt uw bericht niet" in _inbound(client, standin, "hallo", "SMb",
                                                      sender="+31687654321").get_data(as_text=True)
    finally:
        unregister_inbound_handler(afzeggen)


def test_a_failing_handler_rolls_back_its_work_and_is_recorded(twilio_app, client, standin, only_our_handlers):
    def broken(from_e164, body):
        db.session.add(SmsOptOut(phone_e164="+31600000000", opted_out=True, source="broken"))
        raise RuntimeError("boom")

    register_inbound_handler(broken)
    try:
        response = _inbound(client, standin, "iets", "SMx")
        assert response.status_code == 200
        row = db.session.execute(select(InboundMessage)).scalar_one()
        assert row.outcome == "error" and row.reply is None
        assert db.session.execute(select(func.count()).select_from(SmsOptOut)).scalar_one() == 0
    finally:
        unregister_inbound_handler(broken)


def test_odd_but_signed_webhooks_are_refused_or_trimmed_never_an_error(twilio_app, client, standin):
    """Values longer than their columns (PostgreSQL would refuse them) and a STOP from no number."""
    too_long = signed_post(client, "/sms/inbound", {"MessageSid": "SM" + "9" * 100, "From": "+31612345678",
                                                    "Body": "STOP"}, standin.auth_token)
    assert too_long.status_code == 400 and not is_opted_out("+31612345678")
    msg = _sent_message(twilio_app, standin)
    assert _status(client, standin, msg.provider_sid, "failed", query=f"m={msg.id}", error="3" * 40).status_code == 204
    failed = _get(msg.id)
    assert failed.status == SmsStatus.FAILED and failed.error_code == "3" * 20
    for sender in ("abc", "", "+"):
        answer = signed_post(client, "/sms/inbound", {"MessageSid": f"SMx{sender}", "From": sender, "Body": "STOP"},
                             standin.auth_token)
        assert answer.status_code == 200
    assert db.session.execute(select(func.count()).select_from(SmsOptOut)).scalar_one() == 0
    # A number the phone library does not know (yet) is still a number: its STOP counts.
    signed_post(client, "/sms/inbound", {"MessageSid": "SMnew", "From": "+31699999999", "Body": "STOP"},
                standin.auth_token)
    assert is_opted_out("+31699999999")
