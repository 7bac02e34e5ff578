"""The README's examples work as written (issue 16: the Twilio stand-in example used credentials
the stand-in refuses)."""
from __future__ import annotations

import re
from pathlib import Path

import config

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_the_twilio_standin_example_uses_the_credentials_the_standin_accepts():
    from tests.messaging.twilio_standin import TwilioStandIn
    block = README[README.index("tests.messaging.twilio_standin"):]
    block = block[:block.index("```")]
    sid = re.search(r"TWILIO_ACCOUNT_SID=(\S+)", block).group(1)
    token = re.search(r"TWILIO_AUTH_TOKEN=(\S+)", block).group(1)
    standin = TwilioStandIn.__init__.__defaults__
    assert (sid, token) == (standin[0], standin[1])


def test_the_settings_of_issue_16_are_read_from_the_environment_and_in_the_readme():
    new = ["RATELIMIT_LOGIN", "RATELIMIT_LOGIN_ADDRESS", "PROXY_FIX_X_FOR", "PROXY_FIX_X_PROTO",
           "SQLITE_BUSY_TIMEOUT_MS", "BUSY_RETRY_AFTER_SECONDS"]
    assert [key for key in new if key not in config.ENVIRONMENT or f"`{key}`" not in README] == []
