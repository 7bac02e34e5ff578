"""The buddy journey in the browser with only the demo data, as the README tells it: the coordinator
finds a buddy for Khadija Bouzid, reads the offer in the SMS outbox, answers as the volunteer on
the volunteer's page (no SMS provider in the demo), confirms the pairing, a visit is reported with
KLAAR, and the pairing ends. Registration and the VOG check with their error messages. axe on
every page visited."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.browser.axe import assert_accessible
from tests.browser.conftest import login_as

pytestmark = pytest.mark.browser


def nav(page, name: str) -> None:
    page.locator("nav.site-nav").get_by_role("link", name=name, exact=True).click()


def main_text(page) -> str:
    return page.locator("main").inner_text()


def play_volunteer(page, name: str, text: str) -> str:
    nav(page, "Vrijwilligers")
    page.locator("main").get_by_role("link", name=name).click()
    page.get_by_label("Sms van de vrijwilliger").fill(text)
    page.get_by_role("button", name="Sms ontvangen").click()
    assert_accessible(page)
    return main_text(page)


def test_the_coordinator_plays_the_whole_buddy_journey(browser_page):
    page = browser_page
    login_as(page, "coordinator@utrecht.demo.nl")
    nav(page, "Maatjes zoeken")
    assert_accessible(page)
    page.locator("main").get_by_role("link", name="Khadija Bouzid").click()
    assert_accessible(page)
    main = main_text(page)
    assert "Niemand blijft over" not in main
    assert re.search(r"Anna Haddou\s+spreekt Arabisch\s+zelfde postcodegebied \(3523\)", main), main
    assert "Actief (niet in intake, gepauzeerd of gestopt)" in main
    # Keyboard: the first offer button takes the focus and Enter sends it.
    button = page.get_by_role("button", name="Aanbod sturen aan Anna Haddou")
    button.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "De vrijwilliger antwoordt met JA of NEE" in main_text(page)
    assert_accessible(page)

    # The offer in the outbox: the short code, no name of the citizen.
    nav(page, "Sms-berichten")
    assert_accessible(page)
    outbox = main_text(page)
    code = re.search(r"Stuur JA (\d{3})", outbox).group(1)
    assert "Khadija" not in outbox.split("Stuur JA")[0].splitlines()[-1]

    # Playing Anna: JA with the code.
    assert "Antwoord aan de vrijwilliger: Dank u! De coordinator bevestigt" in play_volunteer(page, "Anna Haddou",
                                                                                            f"JA {code}")

    # The coordinator confirms with the first visit; a mistake first.
    nav(page, "Maatjes zoeken")
    page.locator("main").get_by_role("link", name="Khadija Bouzid").click()
    assert "Anna Haddou antwoordde JA" in main_text(page)
    page.get_by_role("button", name="Koppeling bevestigen").click()
    assert "Kies een eerste bezoek" in page.locator(".error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label("Datum van het eerste bezoek").fill((date.today() + timedelta(days=3)).isoformat())
    page.get_by_label("Tijd van het eerste bezoek").fill("10:30")
    page.get_by_role("button", name="Koppeling bevestigen").click()
    assert "Koppeling bevestigd" in main_text(page)
    assert_accessible(page)
    nav(page, "Sms-berichten")
    assert "Gekoppeld! Uw maatje is Khadija" in main_text(page)
    assert "Goed nieuws: Anna wordt uw maatje" in main_text(page)

    # A visit reported with KLAAR and minutes; the pairings list; the end with a reason.
    assert "Uw bezoek aan Khadija is genoteerd" in play_volunteer(page, "Anna Haddou", f"KLAAR {code} 60")
    nav(page, "Maatje-koppelingen")
    assert_accessible(page)
    page.locator("main").get_by_role("link", name=code).click()
    assert "60" in page.locator("table").last.inner_text()
    page.get_by_role("button", name="Beëindigen").click()
    assert "Kies een reden." in page.locator(".error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label("Doel bereikt").check()
    page.get_by_role("button", name="Beëindigen").click()
    assert "Koppeling beëindigd" in main_text(page) and "maatje-koppeling afgerond" in main_text(page)
    assert_accessible(page)


def test_registering_and_screening_a_volunteer(browser_page):
    page = browser_page
    login_as(page, "coordinator@utrecht.demo.nl")
    nav(page, "Vrijwilligers")
    assert_accessible(page)
    page.get_by_role("link", name="Vrijwilliger registreren").click()
    assert_accessible(page)
    page.get_by_label("Naam").fill("Ruud Nieuw")
    page.get_by_label("Mobiel nummer").fill("030 123 4567")
    page.get_by_role("button", name="Opslaan").click()
    summary = page.locator(".error-summary").inner_text()
    assert "Vul een mobiel nummer in" in summary and "Vul de postcode in" in summary
    assert_accessible(page)
    page.get_by_label("Mobiel nummer").fill("06 59876543")
    page.get_by_label("Postcode").fill("3511 AB")
    page.get_by_label("Engels", exact=True).last.check()
    page.get_by_label("Belastingaangifte").check()
    page.get_by_role("button", name="Opslaan").click()
    assert "Vrijwilliger geregistreerd" in main_text(page)
    assert_accessible(page)
    page.get_by_role("link", name="VOG-controle vastleggen").click()
    assert_accessible(page)
    page.get_by_label("Datum op de VOG").fill((date.today() - timedelta(days=30)).isoformat())
    page.get_by_label("Afgegeven (in orde)").check()
    page.get_by_role("button", name="Vastleggen").click()
    assert "VOG-controle vastgelegd" in main_text(page)
    page.get_by_label("Nieuwe status").select_option("active")
    page.get_by_role("button", name="Status opslaan").click()
    assert "nog niet bevestigd" in page.locator(".error-summary").inner_text()
    assert_accessible(page)
