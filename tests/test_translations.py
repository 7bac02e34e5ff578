"""The English interface is complete and stays complete.

Dutch is the source language: every interface text is a Dutch msgid. These tests collect the msgids
from the sources the way `make translations-update` does (babel.cfg, plus the keywords _l and
lazy_gettext) and require an English msgstr for each in translations/en/LC_MESSAGES/messages.po.
After adding or changing a text: `make translations-update`, translate what is new, commit the .po.

The .mo files are not committed, so the page tests compile the .po into their own directory: a
stale or missing .mo in the working tree cannot hide (or cause) a failure here."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from accounts.models import Role
from extensions import babel

ROOT = Path(__file__).resolve().parent.parent
PO_FILE = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}  # the Makefile's -k _l -k lazy_gettext
IGNORED_DIRS = {".venv", "tests", "bench", "migrations", "instance", "__pycache__", "node_modules"}
PLACEHOLDER = re.compile(r"%\(([^)]+)\)[a-zA-Z]")


def _extracted() -> dict[str | tuple, list[str]]:
    """msgid (a tuple for plural forms) -> where it occurs, from the sources as they are now."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh, filename="babel.cfg")

    def wanted_dir(path: str) -> bool:
        name = os.path.basename(path)
        return name not in IGNORED_DIRS and not name.startswith(".")

    found: dict[str | tuple, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS, directory_filter=wanted_dir):
        if message and (not isinstance(message, tuple) or message[0]):
            found.setdefault(message, []).append(f"{filename}:{lineno}")
    return found


def _catalog():
    assert PO_FILE.exists(), "no English catalogue: run `make translations-update` and translate it"
    with PO_FILE.open("rb") as fh:
        return read_po(fh, locale="en")


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


# --- the catalogue ------------------------------------------------------------------------------

def test_every_interface_text_has_an_english_translation():
    extracted = _extracted()
    assert len(extracted) > 500, "extraction found almost nothing: is babel.cfg still right?"
    catalog = _catalog()
    assert not catalog.fuzzy, "the catalogue header is marked fuzzy: pybabel compile would skip it"
    problems = []
    for msgid, where in sorted(extracted.items(), key=lambda item: str(item[0])):
        message = catalog.get(msgid)
        strings = () if message is None else (
            message.string if isinstance(message.string, tuple) else (message.string,))
        if message is None:
            problems.append(f"not in the catalogue (run make translations-update): {msgid!r} ({where[0]})")
        elif message.fuzzy:
            problems.append(f"fuzzy, check and remove the flag: {msgid!r} ({where[0]})")
        elif not strings or not all(s and s.strip() for s in strings):
            problems.append(f"no English text: {msgid!r} ({where[0]})")
    assert not problems, f"{len(problems)} interface texts without English:\n" + "\n".join(problems)


def test_translations_keep_the_placeholders():
    problems = []
    for message in _catalog():
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = _placeholders(ids[-1])
        for text in strings:
            if text and _placeholders(text) != wanted:
                problems.append(f"{ids[0]!r} -> {text!r}: placeholders {wanted} vs {_placeholders(text)}")
    assert not problems, "\n".join(problems)


def test_catalogue_passes_babels_own_checks():
    errors = [f"{message.id!r}: {'; '.join(map(str, errs))}" for message, errs in _catalog().check()]
    assert not errors, "\n".join(errors)


# --- the pages in English -----------------------------------------------------------------------

@pytest.fixture(scope="session")
def compiled_translations(tmp_path_factory):
    """The .po as it is in the tree, compiled into a directory of the tests' own."""
    target = tmp_path_factory.mktemp("translations")
    out = target / "en" / "LC_MESSAGES"
    out.mkdir(parents=True)
    with (out / "messages.mo").open("wb") as fh:
        write_mo(fh, _catalog())
    return target


@pytest.fixture(autouse=True)
def english_from_the_tests_own_catalogue(request, compiled_translations):
    """Point the app fixture (tests/conftest.py) at the compiled catalogue."""
    request.node.add_marker(pytest.mark.config(BABEL_TRANSLATION_DIRECTORIES=str(compiled_translations)))


@pytest.fixture
def app(app):
    """The usual app. Flask-Babel keeps loaded translations per locale for the whole process, across
    apps: start and end with an empty cache, so this test reads the catalogue compiled above."""
    babel.domain_instance.cache.clear()
    yield app
    babel.domain_instance.cache.clear()


def _h1(response) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", response.get_data(as_text=True), re.S)
    assert match, "no h1 on the page"
    return match.group(1).strip()


def test_dutch_by_default(client):
    page = client.get("/inloggen")
    assert _h1(page) == "Inloggen"
    assert '<html lang="nl">' in page.get_data(as_text=True)


def test_english_on_request_with_the_language_button(client, post_form):
    response = post_form(client, "/taal", {"lang": "en", "next": "/inloggen"}, get_url="/inloggen")
    assert response.status_code == 302 and response.headers["Location"].endswith("/inloggen")
    page = client.get("/inloggen")
    html = page.get_data(as_text=True)
    assert _h1(page) == "Log in"
    assert '<html lang="en">' in html
    assert "Email address" in html and "Password" in html and "Skip to content" in html
    assert ">Nederlands</button>" in html  # the way back to Dutch

    # Form errors and service messages are in English too.
    html = post_form(client, "/inloggen", {"email": "", "password": ""}).get_data(as_text=True)
    assert "Enter your email address." in html and "Enter your password." in html
    html = post_form(client, "/inloggen", {"email": "nobody@example.nl", "password": "wrong-password-123"}).get_data(as_text=True)
    assert "The email address or password is incorrect." in html


def test_english_with_the_query_parameter(client):
    assert _h1(client.get("/inloggen?lang=en")) == "Log in"


def test_language_chosen_on_the_login_page_survives_login_and_logout(client, factory, login, post_form):
    agent = factory.user(Role.AGENT)
    post_form(client, "/taal", {"lang": "en", "next": "/inloggen"}, get_url="/inloggen")
    login(client, agent)
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html
    for english in ("Home", "Record customer contact", "My referrals", "Log out", "Logged in as", "Main menu"):
        assert english in html, english
    for dutch in ("Klantcontact vastleggen", "Mijn verwijzingen", "Uitloggen", "Ingelogd als"):
        assert dutch not in html, dutch

    assert post_form(client, "/uitloggen", {}, get_url="/").status_code == 302
    page = client.get("/inloggen")
    assert _h1(page) == "Log in" and "You have logged out." in page.get_data(as_text=True)


def test_an_agent_who_chooses_english_keeps_it_at_the_next_login(app, factory, login, post_form):
    agent = factory.user(Role.AGENT)
    first = app.test_client()
    login(first, agent)
    assert "Mijn verwijzingen" in first.get("/").get_data(as_text=True)
    post_form(first, "/taal", {"lang": "en", "next": "/"}, get_url="/")
    assert "My referrals" in first.get("/").get_data(as_text=True)

    second = app.test_client()  # another browser: no language in its session
    login(second, agent)
    html = second.get("/").get_data(as_text=True)
    assert "My referrals" in html and "Record customer contact" in html
