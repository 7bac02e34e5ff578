from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest

from accounts.models import User
from extensions import clock, db
from tests.conftest import DEFAULT_PASSWORD, csrf_from
from tests.privacy.lines import log_rows


def _log(action):
    return log_rows(action=action)


def test_login_and_logout(client, factory, login, post_form):
    user = factory.user("agent")
    assert client.get("/").status_code == 302
    login(client, user)
    home = client.get("/")
    assert home.status_code == 200
    assert user.name in home.get_data(as_text=True)
    assert user.organisation.name in home.get_data(as_text=True)
    assert home.headers["Cache-Control"] == "no-store"
    response = post_form(client, "/uitloggen", get_url="/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302
    assert _log("login")[0].actor_id == user.id


def test_passwords_get_the_owasp_argon2_cost_by_default_and_a_cheaper_hash_is_upgraded_at_login(app, client, factory,
                                                                                                 login, tmp_path):
    """The suite hashes cheaply (tests/conftest.py); this is the one test of the production cost."""
    import config
    defaults = config.build(str(tmp_path), environ={})  # its development key goes to tmp_path
    owasp = {"PASSWORD_HASH_TIME_COST": 2, "PASSWORD_HASH_MEMORY_KIB": 19 * 1024, "PASSWORD_HASH_PARALLELISM": 1}
    assert {key: defaults[key] for key in owasp} == owasp
    production = config.build(str(tmp_path), environ={"ENV_NAME": "production", "SECRET_KEY": "x" * 32,
                                                               "PROCESSING_LOG_KEY": "p1" * 32})
    assert {key: production[key] for key in owasp} == owasp
    user = factory.user("agent")
    assert user.password_hash.startswith("$argon2id$v=19$m=8,t=1,p=1$")  # the tests' cheap setting
    app.config.update(owasp)
    login(client, user)
    db.session.refresh(user)
    assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    from accounts.passwords import hash_password, verify_password
    assert hash_password(DEFAULT_PASSWORD).startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert verify_password(user.password_hash, DEFAULT_PASSWORD)
    assert not verify_password(user.password_hash, DEFAULT_PASSWORD + "x")


def test_wrong_password_says_nothing_about_the_account_and_is_logged(client, factory, post_form):
    user = factory.user("agent")
    wrong = post_form(client, "/inloggen", {"email": user.email, "password": "fout-fout-fout"})
    unknown = post_form(client, "/inloggen", {"email": "niemand@test.example.nl", "password": "fout-fout-fout"})
    assert wrong.status_code == unknown.status_code == 422
    message = "Het e-mailadres of het wachtwoord klopt niet."
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)
    entries = _log("login_failed")
    assert len(entries) == 2
    assert all("fout" not in (e.detail or "") for e in entries), "no secrets in the log"


@pytest.mark.config(LOGIN_MAX_FAILURES=3, LOGIN_LOCK_MINUTES=15)
def test_account_is_locked_after_failures_and_unlocks_later(client, factory, post_form):
    user = factory.user("counter")
    for _ in range(3):
        post_form(client, "/inloggen", {"email": user.email, "password": "helemaal-fout-123"})
    db.session.refresh(user)
    assert user.locked_until is not None
    locked = post_form(client, "/inloggen", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert locked.status_code == 422
    assert "klopt niet" in locked.get_data(as_text=True)  # the same answer as for an unknown address
    clock.freeze(clock.now() + timedelta(minutes=16))
    assert post_form(client, "/inloggen", {"email": user.email, "password": DEFAULT_PASSWORD}).status_code == 302


@pytest.mark.config(RATELIMIT_LOGIN="3 per minute")
def test_login_attempts_are_rate_limited_with_a_dutch_page(client, factory, post_form):
    user = factory.user("agent")
    codes = [post_form(client, "/inloggen", {"email": user.email, "password": "x"}).status_code for _ in range(4)]
    assert codes[:3] == [422, 422, 422]
    assert codes[3] == 429
    page = post_form(client, "/inloggen", {"email": user.email, "password": "x"})
    assert "Te veel pogingen" in page.get_data(as_text=True)


def test_login_starts_a_fresh_session_and_redirects_only_inside_the_app(client, factory):
    user = factory.user("agent")
    page = client.get("/inloggen?next=https://evil.example/x")
    response = client.post("/inloggen?next=https://evil.example/x",
                           data={"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": csrf_from(page)})
    assert response.headers["Location"] == "/"
    page = client.get("/inloggen")
    assert page.status_code == 302  # already logged in


def test_password_change_ends_other_sessions(app, factory, login, post_form):
    user = factory.user("counter")
    first, second = app.test_client(), app.test_client()
    login(first, user)
    login(second, user)
    bad = post_form(first, "/account/wachtwoord", {"current_password": DEFAULT_PASSWORD,
                                                   "new_password": "kort", "repeat_password": "kort"})
    assert bad.status_code == 422 and "minstens 12 tekens" in bad.get_data(as_text=True)
    mismatch = post_form(first, "/account/wachtwoord", {"current_password": DEFAULT_PASSWORD,
                                                        "new_password": "Een-lange-nieuwe-zin", "repeat_password": "anders"})
    assert "niet gelijk" in mismatch.get_data(as_text=True)
    ok = post_form(first, "/account/wachtwoord", {"current_password": DEFAULT_PASSWORD,
                                                  "new_password": "Een-lange-nieuwe-zin", "repeat_password": "Een-lange-nieuwe-zin"})
    assert ok.status_code == 302
    assert first.get("/").status_code == 200, "the session that changed it goes on"
    assert second.get("/").status_code == 302, "every other session has ended"
    fresh = app.test_client()
    login(fresh, user, password="Een-lange-nieuwe-zin")


def test_logout_ends_every_session_of_the_user(app, factory, login, post_form):
    user = factory.user("agent")
    first, second = app.test_client(), app.test_client()
    login(first, user)
    login(second, user)
    post_form(first, "/uitloggen", get_url="/")
    assert second.get("/").status_code == 302


def test_inactive_user_cannot_log_in(client, factory, post_form):
    user = factory.user("agent", active=False)
    response = post_form(client, "/inloggen", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 422
    assert "niet actief" in response.get_data(as_text=True)


def test_temporary_password_must_be_changed_first(client, factory, login):
    user = factory.user("agent", must_change_password=True)
    login(client, user)
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/wachtwoord")


def _code(user, offset=0):
    return pyotp.TOTP(user.totp_secret).at(clock.now() + timedelta(seconds=offset))


@pytest.mark.config(REQUIRE_2FA=True)
def test_two_factor_enrolment_is_required_and_a_code_cannot_be_replayed(app, factory, post_form):
    user = factory.user("counter")
    client = app.test_client()
    response = post_form(client, "/inloggen", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.headers["Location"].endswith("/account/tweestaps/instellen")
    assert client.get("/").headers["Location"].endswith("/account/tweestaps/instellen")
    client.get("/account/tweestaps/instellen")
    db.session.refresh(user)
    wrong = post_form(client, "/account/tweestaps/instellen", {"code": "000000"},
                      get_url="/toegankelijkheid")
    assert wrong.status_code == 422
    db.session.refresh(user)
    code = _code(user)
    assert post_form(client, "/account/tweestaps/instellen", {"code": code}, get_url="/toegankelijkheid").status_code == 302
    assert client.get("/").status_code == 200

    # A new login needs a code; the same code again is refused (replay).
    other = app.test_client()
    post_form(other, "/inloggen", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert other.get("/").headers["Location"].startswith("/account/tweestaps")
    replay = post_form(other, "/account/tweestaps", {"code": code})
    assert replay.status_code == 422 and "al gebruikt" in replay.get_data(as_text=True)
    clock.freeze(clock.now() + timedelta(seconds=30))
    assert post_form(other, "/account/tweestaps", {"code": _code(user)}).status_code == 302
    assert other.get("/").status_code == 200


@pytest.mark.config(REQUIRE_2FA=True)
def test_council_has_no_personal_data_and_needs_no_second_factor(client, factory, login):
    user = factory.user("council")
    login(client, user)
    assert client.get("/").status_code == 200


def test_csrf_is_required_on_every_form(client, factory):
    user = factory.user("agent")
    response = client.post("/inloggen", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert "formulier was verlopen" in response.get_data(as_text=True)


def test_refused_access_is_logged(client, factory, login):
    login(client, factory.user("agent"))
    assert client.get("/beheer/gebruikers").status_code == 403
    refused = _log("access_refused")
    assert refused and "accounts.users" in refused[0].detail


def test_users_reload_on_each_request_so_deactivation_takes_effect(app, factory, login):
    user = factory.user("agent")
    client = app.test_client()
    login(client, user)
    db.session.execute(db.update(User).where(User.id == user.id).values(active=False))
    db.session.commit()
    assert client.get("/").status_code == 302
