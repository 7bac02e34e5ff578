"""Issue 15: account enumeration, the production key, sessions, re-authentication, the Server header."""
from __future__ import annotations

import re
import statistics
import time

import pytest

from config import build
from extensions import db
from tests.conftest import DEFAULT_PASSWORD, csrf_from

# --- account enumeration -----------------------------------------------------------------------


def _answer(response, email):
    """The page without what differs by request only: the CSRF token and the typed address."""
    html = response.get_data(as_text=True).replace(email, "ADRES")
    return response.status_code, re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "", html)


@pytest.mark.config(LOGIN_MAX_FAILURES=5, RATELIMIT_LOGIN="1000 per minute")
def test_a_locked_account_and_an_unknown_address_get_the_same_answer(client, factory, post_form):
    user = factory.user("agent")
    for _ in range(5):
        post_form(client, "/inloggen", {"email": user.email, "password": "helemaal-fout-123"})
    db.session.refresh(user)
    assert user.locked_until is not None
    unknown = "niemand@test.example.nl"
    expected = _answer(post_form(client, "/inloggen", {"email": unknown, "password": "helemaal-fout-123"}), unknown)
    assert expected[0] == 422
    for password in ("helemaal-fout-123", DEFAULT_PASSWORD):
        locked = post_form(client, "/inloggen", {"email": user.email, "password": password})
        assert _answer(locked, user.email) == expected
    assert "klopt niet" in expected[1]


@pytest.mark.config(LOGIN_MAX_FAILURES=5, RATELIMIT_LOGIN="1000 per minute")
def test_a_locked_account_and_an_unknown_address_take_about_as_long(client, factory, post_form):
    user = factory.user("agent")
    for _ in range(5):
        post_form(client, "/inloggen", {"email": user.email, "password": "helemaal-fout-123"})

    def timed(email):
        token = csrf_from(client.get("/inloggen"))
        started = time.perf_counter()
        client.post("/inloggen", data={"email": email, "password": "helemaal-fout-123", "csrf_token": token})
        return time.perf_counter() - started

    locked, unknown = [], []
    for _ in range(7):
        locked.append(timed(user.email))
        unknown.append(timed("niemand@test.example.nl"))
    ratio = statistics.median(locked) / statistics.median(unknown)
    assert 1 / 3 < ratio < 3, f"locked {statistics.median(locked):.4f}s, unknown {statistics.median(unknown):.4f}s"


# --- the production key ------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["change-me-to-64-random-hex-characters", "CHANGE-ME-to-64-random-hex-characters-x",
                                 "kort", "s" * 31, "é" * 15])
def test_production_refuses_the_placeholder_and_short_keys(tmp_path, key):
    with pytest.raises(RuntimeError) as refused:
        build(str(tmp_path), environ={"ENV_NAME": "production", "SECRET_KEY": key})
    message = str(refused.value)
    assert "SECRET_KEY" in message and "secrets.token_hex(32)" in message


def test_production_accepts_a_long_random_key_and_development_any(tmp_path):
    assert build(str(tmp_path), environ={"ENV_NAME": "production", "SECRET_KEY": "a1" * 32})["SECRET_KEY"] == "a1" * 32
    assert build(str(tmp_path), environ={"SECRET_KEY": "kort"})["SECRET_KEY"] == "kort"


def test_the_example_environment_file_holds_the_refused_placeholder(tmp_path):
    from pathlib import Path
    example = (Path(__file__).resolve().parents[2] / ".env.example").read_text()
    key = re.search(r"^SECRET_KEY=(.*)$", example, re.M).group(1)
    with pytest.raises(RuntimeError):
        build(str(tmp_path), environ={"ENV_NAME": "production", "SECRET_KEY": key})
