"""Issue 15: account enumeration, the production key, sessions, re-authentication, the Server header."""
from __future__ import annotations

import re
import statistics
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from werkzeug.serving import make_server

from config import build
from extensions import clock, db
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
    assert build(str(tmp_path), environ={"ENV_NAME": "production", "SECRET_KEY": "a1" * 32,
                                         "PROCESSING_LOG_KEY": "p1" * 32})["SECRET_KEY"] == "a1" * 32
    assert build(str(tmp_path), environ={"SECRET_KEY": "kort"})["SECRET_KEY"] == "kort"


def test_the_example_environment_file_holds_the_refused_placeholder(tmp_path):
    from pathlib import Path
    example = (Path(__file__).resolve().parents[2] / ".env.example").read_text()
    key = re.search(r"^SECRET_KEY=(.*)$", example, re.M).group(1)
    with pytest.raises(RuntimeError):
        build(str(tmp_path), environ={"ENV_NAME": "production", "SECRET_KEY": key})


# --- sessions (ASVS 7.3) -----------------------------------------------------------------------

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def _at(minutes):
    clock.freeze(T0 + timedelta(minutes=minutes))


def test_the_session_cookie_ends_with_the_browser(client, factory, login):
    login(client, factory.user("counter"))
    cookie = client.get_cookie("wegwijs_session")
    assert cookie is not None and cookie.expires is None, "no Expires or Max-Age: a browser-session cookie"
    client.get("/")
    assert client.get_cookie("wegwijs_session").expires is None


def test_an_idle_session_ends_on_the_server_with_a_message(client, factory, login):
    _at(0)
    login(client, factory.user("counter"))
    for minute in (29, 58, 87):  # busy: every request starts the idle time again
        _at(minute)
        assert client.get("/").status_code == 200, minute
    _at(87 + 30)
    response = client.get("/")
    assert response.status_code == 302 and "/inloggen" in response.headers["Location"]
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "U bent uitgelogd omdat u een tijd niets deed" in page.get_data(as_text=True)
    assert client.get("/").status_code == 302, "the login has ended, not only this request"


@pytest.mark.config(SESSION_IDLE_MINUTES=5, SESSION_MAX_HOURS=2)
def test_idle_timeout_and_lifetime_are_settings(client, factory, login):
    user = factory.user("agent")
    _at(0)
    login(client, user)
    _at(4)
    assert client.get("/").status_code == 200
    _at(9)
    assert client.get("/").status_code == 302
    _at(10)
    login(client, user)
    for minute in range(14, 130, 4):
        _at(minute)
        assert client.get("/").status_code == 200, minute
    _at(130)
    response = client.get("/")
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert "U bent uitgelogd omdat u al 2 uur was ingelogd" in page.get_data(as_text=True)


def test_a_session_ends_after_twelve_hours_however_busy(client, factory, login):
    _at(0)
    login(client, factory.user("counter"))
    for minute in range(20, 12 * 60, 20):
        _at(minute)
        assert client.get("/").status_code == 200, minute
    _at(12 * 60)
    assert client.get("/").status_code == 302


def test_a_cookie_used_from_another_browser_ends_the_login(client, factory, login):
    login(client, factory.user("agent"))
    assert client.get("/").status_code == 200
    other = client.get("/", headers={"User-Agent": "Mozilla/5.0 (een andere browser)"})
    assert other.status_code == 302 and "/inloggen" in other.headers["Location"]
    assert client.get("/").status_code == 302


# --- re-authentication -------------------------------------------------------------------------

def test_admin_actions_on_users_ask_for_the_password_after_fifteen_minutes(client, factory, login, post_form):
    from accounts.models import User
    admin = factory.user("admin")
    target = factory.user("counter")
    _at(0)
    login(client, admin)
    assert client.get(f"/beheer/gebruikers/{target.id}").status_code == 200, "a fresh login is enough"
    _at(16)
    assert client.get("/beheer/gebruikers").status_code == 200, "reading needs no new password"
    for url in (f"/beheer/gebruikers/{target.id}", "/beheer/gebruikers/nieuw",
                f"/beheer/gebruikers/{target.id}/wachtwoord", f"/beheer/gebruikers/{target.id}/tweestaps"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/account/bevestigen"), url
    # A form posted with a stale login changes nothing.
    before = target.password_hash
    token = csrf_from(client.get("/beheer/gebruikers"))
    response = client.post(f"/beheer/gebruikers/{target.id}/wachtwoord", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].startswith("/account/bevestigen")
    db.session.refresh(target)
    assert target.password_hash == before
    confirm = f"/account/bevestigen?next=/beheer/gebruikers/{target.id}"
    wrong = post_form(client, confirm, {"password": "helemaal-fout-123"})
    assert wrong.status_code == 422 and "Het wachtwoord klopt niet." in wrong.get_data(as_text=True)
    right = post_form(client, confirm, {"password": DEFAULT_PASSWORD})
    assert right.status_code == 302 and right.headers["Location"] == f"/beheer/gebruikers/{target.id}"
    assert client.get(f"/beheer/gebruikers/{target.id}").status_code == 200
    _at(32)
    assert client.get(f"/beheer/gebruikers/{target.id}").status_code == 302, "fifteen minutes after confirming"
    assert db.session.get(User, target.id).must_change_password is False


@pytest.mark.config(REAUTH_MINUTES=5)
def test_turning_two_factor_off_asks_for_a_fresh_code(client, factory, post_form):
    secret = pyotp.random_base32()
    user = factory.user("agent", totp_secret=secret, totp_enabled=True)
    _at(0)
    post_form(client, "/inloggen", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert post_form(client, "/account/tweestaps", {"code": pyotp.TOTP(secret).at(clock.now())}).status_code == 302
    _at(6)
    token = csrf_from(client.get("/account"))
    response = client.post("/account/tweestaps/uitzetten", data={"csrf_token": token},
                           headers={"Referer": "http://localhost/account"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/account/bevestigen")
    db.session.refresh(user)
    assert user.totp_enabled
    confirm = response.headers["Location"]
    assert confirm.endswith("next=/account") or confirm.endswith("next=%2Faccount")
    reused = post_form(client, confirm, {"code": pyotp.TOTP(secret).at(T0)})
    assert reused.status_code == 422, "a code that was already used is not fresh"
    fresh = post_form(client, confirm, {"code": pyotp.TOTP(secret).at(clock.now())})
    assert fresh.status_code == 302 and fresh.headers["Location"] == "/account"
    assert post_form(client, "/account/tweestaps/uitzetten", {}, get_url="/account").headers["Location"] == "/inloggen"
    db.session.refresh(user)
    assert not user.totp_enabled


def test_changing_the_password_always_asks_for_the_current_one(client, factory, login, post_form):
    login(client, factory.user("agent"))
    response = post_form(client, "/account/wachtwoord", {"current_password": "helemaal-fout-123",
                                                         "new_password": "Een-lange-nieuwe-zin",
                                                         "repeat_password": "Een-lange-nieuwe-zin"})
    assert response.status_code == 422 and "Het huidige wachtwoord klopt niet." in response.get_data(as_text=True)


# --- the Server header -------------------------------------------------------------------------

def test_responses_do_not_advertise_server_or_python_versions(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/toegankelijkheid") as response:
            headers = response.headers
    finally:
        server.shutdown()
    served_by = " ".join(headers.get_all("Server") or [])
    assert "Python" not in served_by and "Werkzeug" not in served_by
    assert not re.search(r"\d", served_by), served_by


def test_gunicorn_names_itself_without_a_version():
    import gunicorn
    assert gunicorn.SERVER == "gunicorn"
