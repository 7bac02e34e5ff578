"""Every demo role: log in, visit every page of its navigation, and let axe-core check each page.
New pages with nav=... in their policy are swept automatically."""
from __future__ import annotations

import pytest

from accounts.demo import USERS
from tests.browser.axe import assert_accessible
from tests.browser.conftest import login_as


@pytest.mark.parametrize("email", [u[0] for u in USERS])
def test_every_navigation_page_of_each_role_is_accessible(browser_page, email):
    page = browser_page
    login_as(page, email)
    assert_accessible(page)
    links = page.locator("nav.site-nav a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert links, "the role has no navigation"
    for href in links:
        response = page.goto(href)
        assert response.status == 200, f"{href} answered {response.status} for {email}"
        assert page.locator("h1").count() == 1, f"{href} needs exactly one h1"
        assert_accessible(page)


@pytest.mark.parametrize("path", ["/inloggen", "/toegankelijkheid", "/bestaat-niet"])
def test_public_pages_are_accessible(browser_page, path):
    browser_page.goto(path)
    assert_accessible(browser_page)


def test_login_errors_are_summarised_and_accessible(browser_page):
    page = browser_page
    page.goto("/inloggen")
    with page.expect_navigation():
        page.get_by_role("button", name="Inloggen").click()
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert "Vul uw e-mailadres in." in summary.inner_text()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')"), "focus on the summary"
    assert page.title().startswith("Fout: ")
    assert_accessible(page)


def test_skip_link_and_keyboard_login(browser_page):
    page = browser_page
    page.goto("/inloggen")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Naar de inhoud"
    page.get_by_label("E-mailadres").focus()
    page.keyboard.type(USERS[0][0])
    page.keyboard.press("Tab")
    from accounts.demo import DEMO_PASSWORD
    page.keyboard.type(DEMO_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text().startswith("Goedendag")


def test_admin_forms_are_accessible(browser_page):
    page = browser_page
    login_as(page, "beheer@wegwijs.demo.nl")
    for path in ["/beheer/organisaties/nieuw", "/beheer/gebruikers/nieuw", "/account/wachtwoord",
                 "/account/tweestaps/instellen"]:
        page.goto(path)
        assert_accessible(page)
    page.goto("/beheer/gebruikers/nieuw")
    with page.expect_navigation():
        page.get_by_role("button", name="Opslaan").click()
    assert page.locator(".error-summary").is_visible()
    assert_accessible(page)


def test_english_interface_on_request(browser_page):
    page = browser_page
    page.goto("/inloggen")
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Log in"
