"""Fixtures: a real app on a real database (SQLite by default, PostgreSQL when DATABASE_URL says
so), emptied before every test; a client; factories; login and form helpers."""
from __future__ import annotations

import contextvars
import os
import re
import shutil
import threading
import uuid

import psycopg
import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from app import create_app
from extensions import clock, db

DEFAULT_PASSWORD = "Correct-paard-batterij-42"
CHEAP_PASSWORD_HASH = {"PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_KIB": 8, "PASSWORD_HASH_PARALLELISM": 1}
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def database_url() -> str | None:
    return os.environ.get("DATABASE_URL") or None


def on_postgres() -> bool:
    return (database_url() or "").startswith(("postgres://", "postgresql"))


def pytest_collection_modifyitems(config, items):
    if on_postgres():
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgresql://...")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def base_config(uri: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": uri,
        "DATABASE_URL": None,
        "RATELIMIT_ENABLED": True,
        "SMS_GATEWAY": "outbox",
        # The cheapest Argon2id: the production cost (the default) is checked once, in
        # tests/accounts/test_login.py, and would otherwise be paid at every login of the suite.
        **CHEAP_PASSWORD_HASH,
    }


def _on_server(url: str, *statements: str) -> None:
    """Run statements (CREATE/DROP DATABASE) in the maintenance database of url's server."""
    admin = url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


@pytest.fixture(scope="session")
def schema(tmp_path_factory):
    """Build the schema once per run (per pytest-xdist worker). SQLite: a template file, in the
    worker's own temporary directory, copied per test; PostgreSQL: truncate. Under xdist each worker
    gets a database of its own, <DATABASE_URL's database>_<worker>, created here and dropped at the end."""
    if on_postgres():
        from config import database_uri
        url, worker = database_url(), os.environ.get("PYTEST_XDIST_WORKER")
        if worker:
            server, name = url.rsplit("/", 1)
            name = f"{name}_{worker}"
            url = f"{server}/{name}"
            _on_server(url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}")
        uri = database_uri(url)
        app = create_app(base_config(uri))
        with app.app_context():
            db.drop_all()
            with db.engine.begin() as conn:  # leftovers of other schema versions
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.create_all()
            tables = ", ".join(t.name for t in db.metadata.sorted_tables)
            db.engine.dispose()
        yield {"uri": uri, "tables": tables, "template": None}
        if worker:
            _on_server(url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        return
    template = tmp_path_factory.mktemp("db") / "template.sqlite"
    app = create_app(base_config(f"sqlite:///{template}"))
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    yield {"uri": None, "tables": None, "template": template}


@pytest.fixture
def empty_database(tmp_path):
    """The URI of a database of its own with no tables, for tests that run the migrations."""
    if not on_postgres():
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    from config import database_uri
    name = f"wegwijs_mig_{uuid.uuid4().hex[:8]}"
    server = database_url().rsplit("/", 1)[0]
    admin = server.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield database_uri(f"{server}/{name}")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _fresh_uri(schema, tmp_path) -> str:
    if schema["template"] is None:
        return schema["uri"]
    target = tmp_path / "test.sqlite"
    shutil.copy(schema["template"], target)
    return f"sqlite:///{target}"


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production: its own g (so Flask-Login
    loads the user afresh) and its own database session. The test's session commits first, so
    it holds no SQLite lock and sees the request's changes afterwards."""

    def open(self, *args, **kwargs):
        db.session.commit()
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def app(schema, tmp_path, request):
    """A fresh app on an empty database. Mark a test with @pytest.mark.config(KEY=value) to override."""
    override = base_config(_fresh_uri(schema, tmp_path))
    for mark in request.node.iter_markers("config"):
        override.update(mark.kwargs)
    application = create_app(override)
    application.test_client_class = IsolatedClient
    with application.app_context():
        if schema["tables"]:
            with db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {schema['tables']} RESTART IDENTITY CASCADE"))
        yield application
        db.session.remove()
        db.engine.dispose()
    clock.freeze(None)


@pytest.fixture
def client(app):
    return app.test_client()


class Factory:
    def __init__(self):
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def org(self, kind="municipality", name=None):
        from accounts.models import Organisation
        org = Organisation(name=name or f"Organisatie {kind} {self._next()}", kind=str(kind))
        db.session.add(org)
        db.session.commit()
        return org

    def user(self, role="agent", org=None, password=DEFAULT_PASSWORD, **fields):
        from accounts.models import ROLES_BY_KIND, OrgKind, Role, User
        from accounts.passwords import hash_password
        from accounts.services import new_session_token
        if org is None:
            kind = next(k for k, roles in ROLES_BY_KIND.items() if Role(role) in roles)
            org = self.org(kind=kind.value if kind != OrgKind.SYSTEM else "system")
        n = self._next()
        user = User(email=fields.pop("email", f"gebruiker{n}@test.example.nl"), name=fields.pop("name", f"Gebruiker {n}"),
                    role=str(role), organisation_id=org.id, password_hash=hash_password(password),
                    session_token=new_session_token(), **fields)
        db.session.add(user)
        db.session.commit()
        return user


@pytest.fixture
def factory(app):
    return Factory()


def csrf_from(response) -> str:
    match = _CSRF.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on the page ({response.status_code})"
    return match.group(1)


def _post_form(client, url, data=None, get_url=None, follow_redirects=False):
    page = client.get(get_url or url)
    payload = dict(data or {})
    payload["csrf_token"] = csrf_from(page)
    return client.post(url, data=payload, follow_redirects=follow_redirects)


@pytest.fixture
def post_form():
    return _post_form


def _login(client, user, password=DEFAULT_PASSWORD):
    response = _post_form(client, "/inloggen", {"email": user.email, "password": password})
    assert response.status_code == 302, f"login failed for {user.email}: {response.status_code}"
    return response


@pytest.fixture
def login():
    return _login


def run_together(app, n, work):
    """Run work(i) in n threads, each with its own app context (own session, own connection),
    released at the same moment. Returns the results (or the exceptions) in order. The work writes,
    so each thread is a POST (on SQLite a GET begins as a reader that cannot wait for the lock)."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        with app.app_context(), app.test_request_context(method="POST"):
            barrier.wait()
            try:
                results[i] = work(i)
            except Exception as err:  # noqa: BLE001 - the test inspects it
                results[i] = err
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results
