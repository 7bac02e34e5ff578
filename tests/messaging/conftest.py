"""Fixtures for messaging: a Twilio stand-in, an app that talks to it, a daytime clock."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from twilio.request_validator import RequestValidator

from extensions import clock
from tests.messaging.twilio_standin import TwilioStandIn

PUBLIC_BASE_URL = "https://wegwijs.example.nl"
SERVICE_SID = "MG" + "1" * 32
TIMEOUT_SECONDS = 2
# Monday 23 November 2026, 10:00 in Amsterdam (UTC+1): not in the quiet hours.
DAYTIME = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def standin():
    server = TwilioStandIn(now=clock.now).start()
    yield server
    server.stop()


def twilio_config(standin: TwilioStandIn) -> dict:
    return {
        "SMS_GATEWAY": "twilio",
        "TWILIO_ACCOUNT_SID": standin.account_sid,
        "TWILIO_AUTH_TOKEN": standin.auth_token,
        "TWILIO_MESSAGING_SERVICE_SID": SERVICE_SID,
        "TWILIO_API_BASE_URL": standin.base_url,
        # Long enough that a loaded machine still answers a normal call in time; a "timeout" answer of
        # the stand-in hangs until the client gives up, so each scripted timeout costs this long.
        "TWILIO_TIMEOUT_SECONDS": TIMEOUT_SECONDS,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "DISPATCH_RECONCILE_DELAY_SECONDS": 60,
        "DISPATCH_LEASE_SECONDS": 120,
        # The pacing has tests of its own (test_pacing.py); here it should not slow the sends down.
        "SMS_RATE_PER_SECOND": 10000,
    }


@pytest.fixture
def twilio_app(app, standin):
    """The test app, configured for the Twilio gateway pointed at the stand-in, at 10:00."""
    app.config.update(twilio_config(standin))
    clock.freeze(DAYTIME)
    yield app
    clock.freeze(None)


@pytest.fixture
def daytime(app):
    clock.freeze(DAYTIME)
    yield DAYTIME
    clock.freeze(None)


def signed_post(client, path: str, data: dict, token: str, *, query: str = "", signature: str | None = None):
    """POST as Twilio does: form data and X-Twilio-Signature over PUBLIC_BASE_URL + path (+ query)."""
    url = PUBLIC_BASE_URL + path + (f"?{query}" if query else "")
    if signature is None:
        signature = RequestValidator(token).compute_signature(url, data)
    headers = {"X-Twilio-Signature": signature} if signature else {}
    return client.post(path + (f"?{query}" if query else ""), data=data, headers=headers)
