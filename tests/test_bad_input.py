"""Every form that a demo user can reach gets bad input: the app answers with a page, never a 500.

The crawl starts at each role's navigation, follows links one step further (detail pages), and
posts every POST form it finds with junk in every field. A 500 anywhere fails the test."""
from __future__ import annotations

import importlib
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from accounts.demo import DEMO_PASSWORD, USERS
from app import DEMO_SEEDS
from extensions import db
from tests.conftest import csrf_from

JUNK = ["", " ", "x" * 5000, "<script>alert(1)</script>", "-1", "0", "99999999999999999999", "2026-13-45",
        "9999-12-31", "0001-01-01",
        "é€ü😀", "'; DROP TABLE referral; --", "123456782"]  # the last is a valid BSN
# Control characters are refused at the form layer and never stored.
JUNK += ["Naam\x00met NUL", "Naam\x1b[31mmet ESC"]
# A digit that str.isdigit() accepts and int() refuses: a number field must not take it for one.
JUNK += ["²", "12³"]
NEVER_POST = ("/uitloggen", "/taal")
CSRF_REFUSED = "Het formulier was verlopen"  # templates/core/error.html
# How many distinct forms each demo role must at least reach and post, so that a crawl that silently
# posts nothing fails. Every role has its account forms (password, two-step); the counter roles' day
# lists depend on the date and the hour, hence some margin there.
MIN_FORMS = {
    "beheer@wegwijs.demo.nl": 40,  # every demo user and organisation, the "nieuw" forms, account, question categories
    "agent@belastingdienst.demo.nl": 3,
    "agent@svb.demo.nl": 3,
    "tweedelijn@belastingdienst.demo.nl": 2,
    "leiding@belastingdienst.demo.nl": 2,
    "balie@utrecht.demo.nl": 5,  # at least three check-ins of today's appointments
    "coordinator@utrecht.demo.nl": 12,  # check-ins, locations with their hours and closures, a new course
    "privacy@utrecht.demo.nl": 2,  # account forms; the rights forms need a person searched first
    "balie@amersfoort.demo.nl": 3,
    "raad@clientenraad.demo.nl": 2,
}


class Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms, self.links, self._form = [], [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href", "").startswith("/"):
            self.links.append(a["href"])
        elif tag == "form" and (a.get("method") or "get").lower() == "post":
            self._form = {"action": a.get("action"), "fields": {}}
        elif self._form is not None and tag in ("input", "select", "textarea") and a.get("name"):
            if a.get("type") in ("hidden", "submit") and a["name"] != "csrf_token":
                self._form["fields"].setdefault(a["name"], a.get("value", ""))
            elif a["name"] != "csrf_token":
                self._form["fields"][a["name"]] = None  # to be filled with junk

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


def _parse(html: str) -> Forms:
    parser = Forms()
    parser.feed(html)
    return parser


@pytest.fixture
def demo(app):
    for module in DEMO_SEEDS:
        importlib.import_module(module).seed()
    db.session.commit()


def _login(client, email):
    page = client.get("/inloggen")
    response = client.post("/inloggen", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": csrf_from(page)})
    assert response.status_code == 302


@pytest.mark.parametrize("email", [u[0] for u in USERS])
def test_no_form_answers_bad_input_with_a_server_error(app, demo, email):
    client = app.test_client()
    _login(client, email)
    home = client.get("/")
    nav = [href for href in _parse(home.get_data(as_text=True)).links if href not in ("/", "/toegankelijkheid")]
    pages, seen = [], set()
    for href in nav:
        response = client.get(href)
        assert response.status_code < 500, f"GET {href}: {response.status_code}"
        pages.append(href)
        seen.add(urlsplit(href).path)
        for link in _parse(response.get_data(as_text=True)).links[:40]:
            path = urlsplit(link).path
            if path not in seen and not path.startswith("/static"):
                seen.add(path)
                pages.append(link)
    # Each form once (one that shows on several pages is the same form), all with one CSRF token:
    # it lives as long as the session, so only a new login needs a new one.
    posted, token = set(), None
    for href in pages[:80]:
        response = client.get(href)
        assert response.status_code < 500, f"GET {href}: {response.status_code}"
        if response.status_code != 200:
            continue
        html = response.get_data(as_text=True)
        for form in _parse(html).forms:
            action = urljoin(href, form["action"] or href)
            key = (action, tuple(sorted(form["fields"].items(), key=lambda kv: kv[0])))
            if urlsplit(action).path in NEVER_POST or key in posted:
                continue
            posted.add(key)
            token = token or csrf_from(response)
            for junk in JUNK:
                data = {name: (value if value is not None else junk) for name, value in form["fields"].items()}
                data["csrf_token"] = token
                result = client.post(action, data=data)
                assert result.status_code < 500, f"POST {action} with {junk[:20]!r}: {result.status_code}"
                assert result.status_code != 400 or CSRF_REFUSED not in result.get_data(as_text=True), \
                    f"POST {action}: the CSRF token was refused, so the junk never reached the form"
            if client.get("/").status_code == 302:  # a form ended the session: log in again
                _login(client, email)
                token = None
    assert len(posted) >= MIN_FORMS[email], (
        f"{email} posted {len(posted)} forms, expected at least {MIN_FORMS[email]}: the crawl lost its way")
    assert pages, "the role reached no pages"
    # Tampered addresses: ids, page numbers and dates beyond what the database or calendar holds.
    for href in pages[:80]:
        path = urlsplit(href).path
        for bad in ("?page=99999999999999999999", "?datum=9999-12-31", "?vanaf=0001-01-01", "?vanaf=9999-12-31",
                    "?q=²", "?page=²", "?na=²"):
            assert client.get(path + bad).status_code < 500, f"GET {path}{bad}"
        huge = re.sub(r"/\d+(?=/|$)", "/99999999999999999999", path)
        if huge != path:
            assert client.get(huge).status_code == 404, f"GET {huge}"
    _assert_no_control_characters_stored()
    # Issue 15: the language switch (the one `next` a logged-in page posts) never leaves the app.
    from tests.accounts.test_redirects import HOSTILE
    token = csrf_from(client.get("/toegankelijkheid"))
    for value in filter(None, HOSTILE):
        response = client.post("/taal", data={"lang": "nl", "next": value, "csrf_token": token})
        assert response.headers["Location"] == "/", f"next={value!r}: {response.headers['Location']!r}"


def _assert_no_control_characters_stored():
    """Issue 15: after the crawl no text column holds a control character (newline and tab aside)."""
    from sqlalchemy import String, select
    control = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, String):
                for value in db.session.execute(select(column).where(column.is_not(None))).scalars():
                    assert not control.search(value), f"{table.name}.{column.name} holds {value[:40]!r}"
