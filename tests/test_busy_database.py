"""SQLite, the embedded default, under write contention (issue 16): a request that cannot have the
write lock within the busy timeout answers 503 "Even druk" with Retry-After, never a 500, and saves
nothing of what it did before it met the lock."""
from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from accounts import services
from accounts.models import Organisation
from extensions import db
from tests.conftest import csrf_from, on_postgres

NEW_ORG = {"name": "Gemeente Even Druk", "kind": "municipality", "active": "y"}


def _admin(factory):
    return factory.user("admin", factory.org(kind="system", name="Beheer"))


def _saved() -> int:
    return db.session.execute(select(func.count(Organisation.id)).where(Organisation.name == NEW_ORG["name"])).scalar()


@pytest.mark.skipif(on_postgres(), reason="SQLite's write lock")
@pytest.mark.config(SQLITE_BUSY_TIMEOUT_MS=50, BUSY_RETRY_AFTER_SECONDS=7)
def test_a_post_that_cannot_have_the_write_lock_answers_503_and_saves_nothing(app, client, factory, login):
    login(client, _admin(factory))
    token = csrf_from(client.get("/beheer/organisaties/nieuw"))
    db.session.commit()  # the test's own session holds no transaction while the other one locks
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    other = sqlite3.connect(path, isolation_level=None, timeout=5)
    try:
        other.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
        response = client.post("/beheer/organisaties/nieuw", data={**NEW_ORG, "csrf_token": token})
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "7"
    page = response.get_data(as_text=True)
    assert "Even druk, probeer het zo opnieuw" in page and "Er is niets opgeslagen" in page
    assert _saved() == 0
    # Once the lock is free the same form saves.
    assert client.post("/beheer/organisaties/nieuw", data={**NEW_ORG, "csrf_token": token}).status_code == 302
    assert _saved() == 1


def test_the_lock_met_half_way_rolls_back_what_the_request_had_written(app, client, factory, login, monkeypatch):
    login(client, _admin(factory))
    token = csrf_from(client.get("/beheer/organisaties/nieuw"))
    real = services.save_organisation

    def locked_after_writing(*args, **kwargs):
        real(*args, **kwargs)
        db.session.flush()  # the organisation is in the transaction
        raise OperationalError("UPDATE ...", {}, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(services, "save_organisation", locked_after_writing)
    response = client.post("/beheer/organisaties/nieuw", data={**NEW_ORG, "csrf_token": token})
    assert response.status_code == 503 and "Retry-After" in response.headers
    assert _saved() == 0


def test_other_database_errors_are_not_disguised_as_busy(app, client, factory, login, monkeypatch):
    login(client, _admin(factory))
    token = csrf_from(client.get("/beheer/organisaties/nieuw"))

    def broken(*args, **kwargs):
        raise OperationalError("SELECT ...", {}, sqlite3.OperationalError("no such table: organisation"))

    monkeypatch.setattr(services, "save_organisation", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.post("/beheer/organisaties/nieuw", data={**NEW_ORG, "csrf_token": token})
    assert response.status_code == 500 and "Retry-After" not in response.headers


# --- readers never take the write lock (a GET begins deferred) ------------------------------------

def hold_write_lock(app, seconds: float | None = None, *, then_commit: str | None = None):
    """Another writer holds SQLite's write lock (until `release()`, or for `seconds` in a thread),
    and then rolls back, or commits the write `then_commit` (which makes every snapshot read
    before it too old to write)."""
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    other = sqlite3.connect(path, isolation_level=None, timeout=5, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    if then_commit:
        other.execute(then_commit)

    def release():
        other.execute("COMMIT" if then_commit else "ROLLBACK")
        other.close()
    if seconds is not None:
        threading.Timer(seconds, release).start()
    return release


@pytest.mark.skipif(on_postgres(), reason="SQLite's write lock")
@pytest.mark.config(SQLITE_BUSY_TIMEOUT_MS=50)
def test_a_page_that_only_reads_is_served_while_a_writer_holds_the_lock(app, client, factory, login):
    login(client, _admin(factory))
    db.session.commit()
    release = hold_write_lock(app)
    try:
        response = client.get("/")  # reads the user and nothing else
    finally:
        release()
    assert response.status_code == 200
