"""The agent's journey in the browser, by keyboard: log the call, refer, book, confirmation, and
"Mijn verwijzingen"; then the municipality's pages for the same booking. axe on every page."""
from __future__ import annotations

import re

import pytest

from tests.browser.axe import assert_accessible
from tests.browser.conftest import login_as

pytestmark = pytest.mark.browser


def _submit_with_enter(page, locator) -> None:
    locator.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_agent_logs_refers_and_books_by_keyboard(browser_page):
    page = browser_page
    login_as(page, "agent@belastingdienst.demo.nl")

    page.goto("/klantcontact/nieuw")
    assert_accessible(page)
    page.get_by_label("DigiD aanvragen").focus()
    page.keyboard.press("Space")
    page.get_by_label("Nee, doorverwijzen naar de gemeente").focus()
    page.keyboard.press("Space")
    page.get_by_label("Heeft iemand nodig die meekijkt").focus()
    page.keyboard.press("Space")
    page.get_by_label("Notitie (zonder BSN)").fill("Wil DigiD aanvragen, heeft geen computer thuis.")
    _submit_with_enter(page, page.get_by_role("button", name="Vastleggen"))

    # The referral form: the categories and the notes came along.
    assert re.search(r"/klantcontact/\d+/verwijzen$", page.url)
    assert "DigiD aanvragen" in page.locator(".card").inner_text()
    assert page.get_by_label("Notitie voor de balie").input_value().startswith("Wil DigiD aanvragen")
    assert_accessible(page)
    # A mistake first: the message is next to the field and in the summary, nothing is saved.
    page.get_by_label("Naam van de inwoner").fill("Mies Browser")
    page.get_by_label("Telefoonnummer", exact=True).fill("12345")
    page.get_by_label("Postcode").fill("3512 AB")
    page.get_by_label("Huisnummer").fill("7")
    _submit_with_enter(page, page.get_by_role("button", name="Verwijzen en afspraak kiezen"))
    assert "Dit is geen geldig telefoonnummer" in page.locator(".error-summary").inner_text()
    assert "Zonder toestemming" in page.locator(".error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label("Telefoonnummer", exact=True).fill("06 55501234")
    page.get_by_label("De inwoner geeft toestemming").focus()
    page.keyboard.press("Space")
    _submit_with_enter(page, page.get_by_role("button", name="Verwijzen en afspraak kiezen"))

    # The first free slots in the citizen's municipality, soonest first, the first one chosen.
    assert re.search(r"/verwijzingen/\d+/afspraak$", page.url)
    assert "Gemeente Utrecht" in page.locator("dl").inner_text()
    assert page.locator("input[name=slot]").first.is_checked()
    assert_accessible(page)
    page.get_by_role("link", name="Latere tijden").click()
    assert "vanaf=" in page.url
    assert_accessible(page)
    page.get_by_role("link", name="Wijkbureau Overvecht").click()
    assert "locatie=" in page.url
    chosen = page.locator("input[name=slot]").first.get_attribute("id")
    _submit_with_enter(page, page.get_by_role("button", name="Afspraak maken"))

    assert page.url.endswith("/bevestiging")
    assert "Afspraak gemaakt" in page.locator("h1").inner_text()
    assert "Wijkbureau Overvecht" in page.locator("main").inner_text()
    assert "sms" in page.locator("main").inner_text()
    assert chosen
    assert_accessible(page)

    page.goto("/verwijzingen")
    row = page.locator("tr", has_text="Mies Browser")
    assert "Afspraak gemaakt" in row.inner_text()
    assert_accessible(page)
    row.get_by_role("link", name="Mies Browser").click()
    assert "Wil DigiD aanvragen" in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="Verzetten").click()
    assert_accessible(page)
    page.go_back()
    page.get_by_role("link", name="Afzeggen").click()
    assert_accessible(page)


def test_the_municipality_pages(browser_page):
    page = browser_page
    login_as(page, "coordinator@utrecht.demo.nl")
    page.goto("/gemeente/brieven-en-telefoontjes")
    assert_accessible(page)
    letter = page.get_by_role("link", name="Brief afdrukken").first
    letter.click()
    assert "Beste Gerrit Jansen" in page.locator("main").inner_text()
    assert_accessible(page)
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert page.locator(".letter").is_visible()
    page.emulate_media(media="screen")

    page.goto("/gemeente/locaties")
    assert_accessible(page)
    page.get_by_role("link", name="Openingstijden Stadskantoor").click()
    assert page.get_by_label("Open maandag vanaf").input_value() == "09:00"
    assert_accessible(page)
    page.goto("/gemeente/locaties")
    page.get_by_role("link", name="Sluitingen Stadskantoor").click()
    assert_accessible(page)
    page.goto("/gemeente/locaties")
    page.get_by_role("link", name="Gegevens wijzigen Stadskantoor").click()
    assert_accessible(page)
    page.goto("/gemeente/locaties/nieuw")
    page.get_by_role("button", name="Opslaan").click()
    assert page.locator(".error-summary").is_visible()
    assert_accessible(page)
    page.goto("/gemeente/verwijzingen")
    assert_accessible(page)
