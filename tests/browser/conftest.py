"""A live Wegwijs with demo data in a thread, and headless Chromium (Debian's package) driven by
Playwright. No browser is ever downloaded."""
from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from accounts.demo import DEMO_PASSWORD
from app import DEMO_SEEDS, create_app
from extensions import db

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    import importlib

    from flask_migrate import upgrade

    path = tmp_path_factory.mktemp("live") / "live.sqlite"
    app = create_app({
        "SECRET_KEY": "browser-tests",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
        "DATABASE_URL": None,
        "RATELIMIT_LOGIN": "1000 per minute",
        "SMS_GATEWAY": "outbox",
    })
    with app.app_context():
        upgrade()  # the real migrations, as `make run` does
        for module in DEMO_SEEDS:
            importlib.import_module(module).seed()
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def browser_page(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def login_as(page, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/inloggen")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Inloggen").click()
    assert "/inloggen" not in page.url, f"login failed for {email}"


def nav(page, name: str) -> None:
    """Follow a link of the site's navigation by its exact name."""
    page.locator("nav.site-nav").get_by_role("link", name=name, exact=True).click()


def logout(page) -> None:
    page.get_by_role("button", name="Uitloggen").click()
