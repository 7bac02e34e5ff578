"""Every `next` the app follows stays inside the app (issue 15: open redirect)."""
from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest

from accounts.redirects import safe_next
from tests.conftest import DEFAULT_PASSWORD, csrf_from

HOSTILE = [
    "/%09/x", "/\t/x", "/\r/x", "/\n/x", "/\r\n/x", "/%0d/x", "/%0a/x", "/%0D%0A/x",
    "//x", "///x", "////x", "//x/%2e%2e", "//x.example/path", "//x:80",
    "/\\x", "\\\\x", "\\/x", "/\\/x", "/%5Cx", "/%5cx", "%5C%5Cx", "/%5C/x", "/%255C/x",
    "https:x", "https:/x", "https://x", "http://x", "HTTP://x", "ftp://x", "javascript:x",
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x", "mailto:a@x", "x", "x/y", ".x",
    " //x", " /x", "\t//x", "\x00//x", "/\x00/x", "/%00/x", "/\x1b/x", "/\x7f/x", "/\x85/x",
    "/%2F/x", "/%2f/x", "%2F%2Fx", "/%252F/x", "/%25252F/x", "/%2F%2Fx",
    "/\u3000/x", "/\u00a0/x", "\uff0f\uff0fx", "/\uff0fx", "/\uff3cx", "\u2215\u2215x",
    "//x\u3002example", "\u200b//x", "/\u200b/x", "/\u202e/x", "\ufeff//x",
    "https:\\\\x", "/.\\x", "\\\\?\\x", "@x", "//@x", "/@x/../x" + "\t",
    "", None,
]
SAFE = ["/", "/verwijzingen", "/verwijzingen/12?page=2", "/inloggen?next=%2Fx", "/beheer/sms?telefoon=%2B316",
        "/a/b/c?x=1&y=2#top", "/zoek?q=caf%C3%A9"]


@pytest.mark.parametrize("value", HOSTILE)
def test_safe_next_refuses_hostile_targets(value):
    assert safe_next(value, "/terug") == "/terug"


@pytest.mark.parametrize("value", SAFE)
def test_safe_next_keeps_paths_inside_the_app(value):
    assert safe_next(value, "/terug") == value


def _local(location: str) -> bool:
    parts = urlsplit(location)
    return (not parts.scheme and not parts.netloc and location.startswith("/") and not location.startswith("//")
            and "\\" not in location and not any(ord(c) < 32 for c in location))


@pytest.mark.parametrize("value", [v for v in HOSTILE if v])
def test_language_switch_never_leaves_the_app(client, value):
    page = client.get("/inloggen")
    response = client.post("/taal", data={"lang": "en", "next": value, "csrf_token": csrf_from(page)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/", f"{value!r} -> {response.headers['Location']!r}"


@pytest.mark.parametrize("value", [v for v in HOSTILE if v])
def test_login_never_redirects_out_of_the_app(app, factory, value):
    user = factory.user("agent")
    client = app.test_client()
    url = "/inloggen?next=" + quote(value, safe="")
    page = client.get(url)
    response = client.post(url, data={"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": csrf_from(page)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/", f"{value!r} -> {response.headers['Location']!r}"


def test_login_and_language_follow_a_path_inside_the_app(app, factory):
    user = factory.user("agent")
    client = app.test_client()
    page = client.get("/inloggen?next=/account")
    response = client.post("/inloggen?next=/account",
                           data={"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": csrf_from(page)})
    assert response.headers["Location"] == "/account"
    page = client.get("/account")
    response = client.post("/taal", data={"lang": "en", "next": "/account?x=1", "csrf_token": csrf_from(page)})
    assert response.headers["Location"] == "/account?x=1"


@pytest.mark.parametrize("path", ["/%09/evil.example", "/%5C/evil.example", "/%0d%0a/evil.example",
                                  "/%1b/evil.example"])
def test_the_404_page_does_not_carry_a_dangerous_next(client, path):
    page = client.get(path)
    assert page.status_code == 404
    html = page.get_data(as_text=True)
    assert 'name="next" value=""' in html, "the language form on the 404 page offers no way out"
    response = client.post("/taal", data={"lang": "en", "next": "/\t/evil.example?", "csrf_token": csrf_from(page)})
    assert response.headers["Location"] == "/"


def test_the_language_form_keeps_an_ordinary_page(client):
    html = client.get("/toegankelijkheid?x=1").get_data(as_text=True)
    assert 'name="next" value="/toegankelijkheid?x=1"' in html
