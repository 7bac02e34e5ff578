from __future__ import annotations

import pytest

from config import build


def test_health_checks_the_database(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_accessibility_statement_is_public(client):
    response = client.get("/toegankelijkheid")
    assert response.status_code == 200
    assert "WCAG 2.1" in response.get_data(as_text=True)


def test_security_headers(client):
    headers = client.get("/inloggen").headers
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


@pytest.mark.config(ENV_NAME="production", HSTS=True, SESSION_COOKIE_SECURE=True, SECRET_KEY="k" * 40,
                    PROCESSING_LOG_KEY="p" * 40)
def test_production_cookies_are_secure(client, factory, login):
    login(client, factory.user("agent"))
    cookie = client.get_cookie("wegwijs_session")
    assert cookie.secure and cookie.http_only and cookie.same_site == "Lax"
    assert "max-age" in client.get("/").headers["Strict-Transport-Security"]


def test_production_configuration_needs_a_secret_and_turns_on_two_factor(tmp_path):
    with pytest.raises(RuntimeError):
        build(str(tmp_path), environ={"ENV_NAME": "production"})
    cfg = build(str(tmp_path), environ={"ENV_NAME": "production", "SECRET_KEY": "s" * 40, "PROCESSING_LOG_KEY": "p1" * 32})
    assert cfg["REQUIRE_2FA"] and cfg["SESSION_COOKIE_SECURE"] and cfg["HSTS"]
    demo = build(str(tmp_path), environ={})
    assert demo["REQUIRE_2FA"] is False and demo["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")


def test_environment_overrides_defaults_and_override_wins(tmp_path):
    cfg = build(str(tmp_path), override={"LOGIN_MAX_FAILURES": 9},
                environ={"LOGIN_MAX_FAILURES": "7", "DATABASE_URL": "postgres://u@h/db", "REQUIRE_2FA": "ja"})
    assert cfg["LOGIN_MAX_FAILURES"] == 9
    assert cfg["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    assert cfg["REQUIRE_2FA"] is True


def test_language_switch(client):
    page = client.get("/inloggen")
    from tests.conftest import csrf_from
    client.post("/taal", data={"lang": "en", "next": "/inloggen", "csrf_token": csrf_from(page)})
    english = client.get("/inloggen").get_data(as_text=True)
    assert 'lang="en"' in english


def test_sqlite_runs_in_wal_with_foreign_keys(app):
    from extensions import db
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


def test_server_errors_get_a_dutch_page_and_nothing_is_saved(app, factory):
    from accounts.models import Organisation
    from accounts.policy import public
    from extensions import db

    @public
    def boom():
        db.session.add(Organisation(name="Half opgeslagen", kind="municipality"))
        db.session.flush()
        raise RuntimeError("kapot")

    app.add_url_rule("/test-boom", "test_boom", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/test-boom")
    assert response.status_code == 500
    assert "Er ging iets mis" in response.get_data(as_text=True)
    assert db.session.query(Organisation).filter_by(name="Half opgeslagen").count() == 0


@pytest.mark.config(RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/15", RATELIMIT_LOGIN="2 per minute")
def test_rate_limit_can_live_in_redis(app, factory, post_form):
    import redis
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/15").flushdb()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    client = app.test_client()
    codes = [post_form(client, "/inloggen", {"email": "x@test.example.nl", "password": "x"}).status_code
             for _ in range(3)]
    assert codes == [422, 422, 429]
    # A second web process sharing the Redis storage sees the same count.
    from app import create_app
    from tests.conftest import base_config
    other = create_app({**base_config(app.config["SQLALCHEMY_DATABASE_URI"]),
                        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15", "RATELIMIT_LOGIN": "2 per minute"})
    other_client = other.test_client()
    assert post_form(other_client, "/inloggen", {"email": "x@test.example.nl", "password": "x"}).status_code == 429
    redis.Redis.from_url("redis://127.0.0.1:6379/15").flushdb()
