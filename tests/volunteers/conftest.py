"""Fixtures of the volunteers (issue 9): the counter's town (Utrecht and Amersfoort, frozen on a
Monday morning), citizens waiting for a buddy, volunteers in any state, and signed inbound SMS."""
from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from extensions import db
from extensions.dates import local_today
from messaging.models import OutboxMessage
from tests.counter.conftest import checked_in
from tests.counter.conftest import town as town  # noqa: F401  (the fixture)

PUBLIC_BASE_URL = "https://wegwijs.example.nl"
TOKEN = "test-token"
_sids = itertools.count(1)
_phones = itertools.count(1)


@pytest.fixture
def webhook(app):
    """The inbound webhook's settings (the provider's token and our public address); no SMS leaves."""
    app.config.update(TWILIO_AUTH_TOKEN=TOKEN, PUBLIC_BASE_URL=PUBLIC_BASE_URL, TWILIO_ACCOUNT_SID="AC" + "0" * 32)
    return app


def sms_from(client, phone_e164: str, body: str) -> str:
    """Send an SMS to Wegwijs as Twilio does (signed webhook); returns the reply text ('' for none)."""
    data = {"MessageSid": f"SM{next(_sids):032d}", "From": phone_e164, "To": "+3197010000000", "Body": body,
            "AccountSid": "AC" + "0" * 32}
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC_BASE_URL + "/sms/inbound", data)
    response = client.post("/sms/inbound", data=data, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200, response.status_code
    match = re.search(r"<Message>(.*)</Message>", response.get_data(as_text=True), re.S)
    return match.group(1).replace("&amp;", "&") if match else ""


def waiting(place, **overrides):
    """A citizen for whom the counter recorded the outcome "buddy": returns the BuddySearch."""
    from counter.services import OutcomeInput, record_outcome
    from referrals.models import Referral
    from volunteers.models import BuddySearch
    appointment = checked_in(place, **overrides)
    referral = db.session.get(Referral, appointment.referral_id)
    record_outcome(referral, OutcomeInput(actions=["explained"], minutes=30, result="partly", solution="buddy"),
                   actor=place.counter)
    return db.session.execute(select(BuddySearch).where(BuddySearch.referral_id == referral.id)).scalar_one()


def volunteer(place, name="Anna Haddou", *, phone=None, postcode="3512 CD", languages="nl", skills="digid",
              status="active", vog_days=400, confirmed=True, max_buddies=1, municipality=None, language="nl"):
    """A volunteer straight in the table (the registry's own pages are tested through the app)."""
    from extensions import clock
    from volunteers.models import Volunteer
    number = phone or f"+316{52000000 + next(_phones)}"
    v = Volunteer(municipality_id=(municipality or place.municipality).id, name=name, phone_e164=number,
                  postcode=postcode, pc4=postcode[:4], language=language, languages=languages, skills=skills,
                  weekdays="", dayparts="", max_buddies=max_buddies, load=0, status=status,
                  phone_confirmed_at=clock.now() if confirmed else None,
                  vog_valid_until=local_today() + timedelta(days=vog_days) if vog_days is not None else None)
    db.session.add(v)
    db.session.commit()
    return v


def outbox(purpose: str, to: str | None = None) -> list[OutboxMessage]:
    stmt = select(OutboxMessage).where(OutboxMessage.purpose == purpose).order_by(OutboxMessage.id)
    if to:
        stmt = stmt.where(OutboxMessage.to_e164 == to)
    db.session.expire_all()
    return list(db.session.execute(stmt).scalars())


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def paired(place, v=None, **waiting_overrides):
    """A confirmed pairing: offer, JA (through the inbound handler, as messaging calls it), confirmation."""
    from datetime import timedelta

    from extensions import clock
    from volunteers import services as vs
    search = waiting(place, **waiting_overrides)
    v = v or volunteer(place)
    offer = vs.send_offer(search, v.id, actor=place.coordinator)
    assert vs.handle_inbound_sms(v.phone_e164, f"JA {offer.code}").startswith("Dank u!")
    db.session.commit()
    db.session.refresh(search)
    return vs.confirm_pairing(search, first_visit_at=clock.now() + timedelta(days=2), actor=place.coordinator)
