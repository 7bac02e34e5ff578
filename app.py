"""create_app: wires configuration, extensions, blueprints, CLI commands and error pages."""
from __future__ import annotations

import importlib
import os
import sqlite3
import threading

import click
from flask import Flask, abort, g, has_request_context, render_template, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import event, text
from sqlalchemy.exc import DataError, OperationalError
from werkzeug.middleware.proxy_fix import ProxyFix

import config
from extensions import DomainError, babel, csrf, db, limiter, login_manager, migrate, unit_of_work

BLUEPRINTS = [
    "accounts.site",
    "accounts.views",
    "privacy.views",
    "messaging.views",
    "helpdesk.views",
    "referrals.views",
    "counter.views",
    "courses.views",
    "volunteers.views",
    "reports.views",
]

# What each context holds about a person, registered with privacy.registry at import (inzage,
# correction, erasure and retention reach it all through the registry).
PERSONAL_DATA = ["privacy.rights", "messaging.personal_data", "referrals.personal_data", "courses.personal_data",
                 "counter.personal_data", "helpdesk.personal_data", "volunteers.personal_data"]

# Demo data, lowest layer first: each module has seed().
DEMO_SEEDS = ["accounts.demo", "messaging.demo", "referrals.demo", "courses.demo", "counter.demo",
              "helpdesk.demo", "volunteers.demo", "reports.demo"]


# Requests that SQLite serves as readers first (_sqlite_pragmas): they take no write lock up front.
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_READ_FIRST, _WRITE_FIRST = "wegwijs.sqlite_read_first", "wegwijs.sqlite_write_first"  # per request (environ)
_WRITING_GETS = "wegwijs.sqlite_writing_gets"  # app.extensions: GET endpoints seen writing
_HOLDS_WRITERS = "wegwijs.sqlite_writer"  # in a connection's info: it holds its process's writer turn


class Wegwijs(Flask):
    def dispatch_request(self):
        """One unit of work per request: what the view and the services it calls change is saved
        together when the view has returned its page (rendered inside the transaction, so nothing
        it shows is expired by a commit), or not at all when the view raises (a 404 included).

        SQLite: a GET began as a reader (no write lock). When it writes after all (the processing
        log's entry for the page) and SQLite cannot upgrade its read to a write (another writer
        committed since the page read: its snapshot is too old, and SQLite answers "database is
        locked" at once, without waiting), the request was rolled back whole; it runs once more,
        now taking the write lock up front and waiting for it within the busy timeout like any
        writer. Safe for a GET: the first run saved nothing. The process remembers the page (its endpoint) and begins it as a
        writer from then on. If the lock still cannot be had: 503 (_error_pages)."""
        try:
            with unit_of_work():
                return super().dispatch_request()
        except OperationalError as err:
            if not (request.environ.get(_READ_FIRST) and _database_locked(err)):
                raise
        # This page writes: from now on this process begins it as a writer, without the wasted run.
        self.extensions[_WRITING_GETS].add(request.endpoint)
        request.environ[_WRITE_FIRST] = True
        with unit_of_work():
            return super().dispatch_request()


def create_app(override: dict | None = None) -> Flask:
    app = Wegwijs(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(config.build(app.instance_path, override))
    _proxy_fix(app)

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale, timezone_selector=lambda: "Europe/Amsterdam")
    limiter.init_app(app)
    _sqlite_pragmas(app)

    for path in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(path).bp)
    for path in PERSONAL_DATA:
        importlib.import_module(path)

    _require_policy(app)
    _error_pages(app)
    _security_headers(app)
    _hide_server_version()
    _template_globals(app)
    _cli(app)
    return app


def _select_locale():
    if not has_request_context():  # CLI commands and scheduler jobs: the default language
        return "nl"
    chosen = request.args.get("lang") or session.get("lang")
    if chosen in ("nl", "en"):
        return chosen
    if current_user and current_user.is_authenticated and current_user.language:
        return current_user.language
    return "nl"


def _proxy_fix(app: Flask) -> None:
    """Behind a reverse proxy every request comes from the proxy's address: trust its
    X-Forwarded-For (and -Proto) for as many proxies as configured, so the login limit per address
    counts each agent, not the call centre's proxy. Never set it without a proxy that overwrites
    these headers: a client could then choose its own address."""
    x_for, x_proto = app.config["PROXY_FIX_X_FOR"], app.config["PROXY_FIX_X_PROTO"]
    if x_for or x_proto:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=x_for, x_proto=x_proto, x_host=0, x_port=0, x_prefix=0)


def _sqlite_pragmas(app: Flask) -> None:
    """WAL, a busy timeout, foreign keys; write transactions that take the lock up front, and
    reading requests that never take it unless they write (Wegwijs.dispatch_request)."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine = db.engine
    busy_timeout_ms = int(app.config["SQLITE_BUSY_TIMEOUT_MS"])
    writers = threading.RLock()  # this process's turn at the write lock (an app: one database file)
    writing_gets = app.extensions[_WRITING_GETS] = set()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A GET, HEAD or OPTIONS request reads (WAL: readers never wait for a writer, nor make it
        # wait): a deferred BEGIN. Everything else (a POST, a job, a CLI command) and a GET run
        # again because it wrote: IMMEDIATE, the write lock taken at BEGIN, so writers queue on the
        # busy timeout instead of failing with "database is locked" half-way.
        if (has_request_context() and request.method in READING_METHODS
                and not request.environ.get(_WRITE_FIRST) and request.endpoint not in writing_gets):
            request.environ[_READ_FIRST] = True
            conn.exec_driver_sql("BEGIN")
            return
        # The threads of one process (gunicorn --threads) queue for the write lock here, in turn,
        # rather than each polling SQLite's busy handler, which lets a newcomer overtake a thread
        # that has waited long (some then run out of the busy timeout). Across processes the busy
        # handler arbitrates, between far fewer contenders.
        if not writers.acquire(timeout=busy_timeout_ms / 1000):
            raise OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))
        conn.info[_HOLDS_WRITERS] = True
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _let_writers_go(conn.info)
            raise

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(conn):
        _let_writers_go(conn.info)

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn, record):  # a transaction that ended without either event
        _let_writers_go(record.info)

    def _let_writers_go(info: dict) -> None:
        if info.pop(_HOLDS_WRITERS, False):
            writers.release()


def _require_policy(app: Flask) -> None:
    """A route that declares no access policy is refused, not silently open."""
    from accounts.policy import policy_for

    @app.before_request
    def check_declared():
        if request.endpoint is None or request.endpoint == "static" or request.endpoint.endswith(".static"):
            return None
        if policy_for(app.view_functions[request.endpoint]) is None:
            abort(403)
        return None


def _error_pages(app: Flask) -> None:
    # The request's unit of work has rolled back before any of these runs (app.Wegwijs).
    def page(code, template="site/error.html"):
        def handler(err):
            return render_template(template, code=code, error=err), code
        return handler

    for code in (400, 403, 404, 405, 429, 500):
        app.register_error_handler(code, page(code))

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def out_of_range(err):
        # A number or date beyond what the database or the calendar holds (an id of 30 digits, the
        # year 9999) can only come from a typed or tampered address: there is no such page.
        return render_template("site/error.html", code=404, error=err), 404

    @app.errorhandler(OperationalError)
    def busy(err):
        # SQLite (the embedded default) could not have the write lock within the busy timeout.
        # The unit of work has rolled back, so nothing of the request was saved: ask the user to try
        # again in a moment instead of a 500. Any other database failure stays a 500.
        if not _database_locked(err):
            raise err
        _no_user_lookup()  # the page must not ask the locked database for the user again
        response = app.make_response((render_template("site/error.html", code=503, error=err), 503))
        response.headers["Retry-After"] = str(app.config["BUSY_RETRY_AFTER_SECONDS"])
        return response

    @app.errorhandler(DomainError)
    def refused(err):
        # A rule refused what the view did not expect to be refused (views catch the ones they
        # expect and show them next to the form): the message, never a 500. Nothing was saved.
        return render_template("site/error.html", code=422, error=err, message=err.message), 422

    @app.errorhandler(CSRFError)
    def csrf_error(err):
        return render_template("site/error.html", code=400, csrf=True, error=err), 400


def _database_locked(err: OperationalError) -> bool:
    message = str(getattr(err, "orig", None) or err).lower()
    return "database is locked" in message or "database is busy" in message


def _no_user_lookup() -> None:
    """The busy page shows the anonymous navigation rather than ask the locked database for the
    user: it was not loaded (its query met the lock), or the rollback expired it (a GET that ran
    again as a writer)."""
    g._login_user = login_manager.anonymous_user()


def _security_headers(app: Flask) -> None:
    @app.after_request
    def headers(resp):
        if not app.config["SECURITY_HEADERS"]:
            return resp
        resp.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'",
        )
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["X-Frame-Options"] = "DENY"
        resp.headers["Referrer-Policy"] = "same-origin"
        resp.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if app.config["HSTS"]:
            resp.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        # Pages behind a login may show personal data: never keep them in a cache. Asked of the
        # user this request loaded without reading its attributes, which the request's commit has
        # expired (is_authenticated would load the user once more after every commit).
        user = g.get("_login_user")
        if getattr(g, "personal_page", False) or (user is not None and not user.is_anonymous):
            resp.headers["Cache-Control"] = "no-store"
        return resp


def _server_name(_handler) -> str:
    return "Wegwijs"


def _hide_server_version() -> None:
    """Responses do not advertise the server and Python versions. Werkzeug's development server
    (`flask run`, the browser tests) writes its Server header itself, below the app, so its handler
    is told another name; gunicorn sends only "Server: gunicorn" and needs nothing."""
    from werkzeug.serving import WSGIRequestHandler
    WSGIRequestHandler.version_string = _server_name


def _template_globals(app: Flask) -> None:
    from accounts.policy import navigation_for
    from extensions.dates import day, when

    # Dates and times on pages: `{{ moment|when("list") }}`, `{{ a_date|day("long") }}`, by name
    # (extensions.dates.FORMATS and DAY_FORMATS), so every page shows a kind of moment the same way.
    app.add_template_filter(when, "when")
    app.add_template_filter(day, "day")
    from accounts.redirects import safe_next

    app.add_template_global(safe_next)

    @app.context_processor
    def inject():
        nav = navigation_for(current_user) if current_user.is_authenticated else []
        return {"navigation": nav, "current_locale": str(get_locale())}


def _cli(app: Flask) -> None:
    @app.cli.command("demo-data")
    def demo_data():
        """Load the demo organisations, accounts and sample data (idempotent)."""
        with unit_of_work():
            for path in DEMO_SEEDS:
                importlib.import_module(path).seed()
        click.echo("Demo data loaded.")

    @app.cli.command("create-admin")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    @click.password_option()
    def create_admin(email, name, password):
        """Create the first administrator (production set-up)."""
        from accounts.services import create_first_admin
        create_first_admin(email=email, name=name, password=password)
        click.echo(f"Administrator {email} created.")

    @app.cli.command("check-db")
    def check_db():
        db.session.execute(text("SELECT 1"))
        click.echo("Database reachable.")
