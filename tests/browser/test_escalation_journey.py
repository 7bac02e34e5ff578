"""The second-line escalation in the browser with only the demo data (issue 10): the counter
escalates from the outcome, the second line claims and asks the municipality, the counter answers,
the second line closes, the counter decides on the citizen, and the referring agency's overview
shows the result. The internal note never reaches a municipal page. axe on every page visited."""
from __future__ import annotations

import re

import pytest

from tests.browser.axe import assert_accessible
from tests.browser.conftest import login_as, logout, nav

pytestmark = pytest.mark.browser

NOTE = "Interne notitie: bekend probleem bij toeslagen, niet aan de gemeente vertellen."
NAME = "Willem de Graaf"




def test_the_whole_escalation_in_the_browser(browser_page):
    page = browser_page

    # 1. The counter records the outcome "escalation" and sends it to the Belastingdienst.
    login_as(page, "balie@utrecht.demo.nl")
    nav(page, "Verwijzingen")
    page.get_by_role("link", name=NAME).click()
    page.get_by_role("link", name="Uitkomst vastleggen of bekijken").click()
    page.get_by_label("Uitleg gegeven").check()
    page.get_by_label("Hoeveel minuten?").fill("20")
    page.get_by_label("Niet opgelost", exact=True).check()
    page.get_by_label("Doorzetten naar de tweede lijn van de organisatie").check()
    page.get_by_label("Wat moet de tweede lijn doen?").fill("Huurtoeslag gestopt zonder brief: uitzoeken en herstellen.")
    page.get_by_role("button", name="Uitkomst opslaan").click()
    assert "Maak de escalatie af" in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Versturen naar de tweede lijn").click()  # no consent yet
    assert "Zonder toestemming van de inwoner" in page.locator(".error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label(re.compile("De inwoner geeft toestemming")).check()
    page.get_by_role("button", name="Versturen naar de tweede lijn").click()
    main = page.locator("main").inner_text()
    assert "Verstuurd naar de tweede lijn" in main and "Bij de tweede lijn" in main
    assert_accessible(page)
    escalation_url = page.url
    logout(page)

    # 2. The second line claims it, writes an internal note and asks the municipality.
    login_as(page, "tweedelijn@belastingdienst.demo.nl")
    nav(page, "Escalaties tweede lijn")
    assert_accessible(page)
    page.get_by_role("button", name=re.compile(f"Oppakken.*{NAME}")).click()
    assert "U heeft de escalatie opgepakt." in page.locator("main").inner_text()
    assert_accessible(page)
    agency_url = page.url
    page.get_by_label("Interne notitie (alleen voor de tweede lijn van uw organisatie)").fill(NOTE)
    page.get_by_role("button", name="Notitie opslaan").click()
    assert NOTE in page.locator("main").inner_text()
    page.get_by_role("button", name="Vraag versturen").click()  # nothing filled in: errors on top
    assert "Schrijf de vraag." in page.locator(".error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label("De gemeente", exact=True).check()
    page.get_by_label("Wat wilt u weten?").fill("Sinds wanneer krijgt de inwoner geen huurtoeslag meer?")
    page.get_by_role("button", name="Vraag versturen").click()
    main = page.locator("main").inner_text()
    assert "Wacht op gemeente" in main and "de klok staat stil" in main
    assert_accessible(page)
    logout(page)

    # 3. The counter sees the question (task list, escalations) and answers; never the note.
    login_as(page, "balie@utrecht.demo.nl")
    nav(page, "Taken")
    assert "Sinds wanneer krijgt de inwoner geen huurtoeslag meer?" in page.locator("main").inner_text()
    assert NOTE not in page.content()
    nav(page, "Escalaties")
    assert_accessible(page)
    page.get_by_role("link", name=NAME).click()
    assert page.url == escalation_url and NOTE not in page.content()
    page.get_by_label("Antwoord aan de tweede lijn").fill("Sinds 1 november; de inwoner heeft geen brief gehad.")
    page.get_by_role("button", name="Antwoord versturen").click()
    assert "Antwoord verstuurd naar de tweede lijn." in page.locator("main").inner_text()
    assert_accessible(page)
    logout(page)

    # 4. The second line closes with a result and a one-line answer.
    login_as(page, "tweedelijn@belastingdienst.demo.nl")
    page.goto(agency_url)
    assert "Sinds 1 november" in page.locator("main").inner_text()
    page.get_by_role("link", name="Afronden met resultaat").click()
    assert_accessible(page)
    page.get_by_label("Opgelost", exact=True).check()
    page.get_by_label("Antwoord in een regel (de gemeente ziet dit)").fill("Huurtoeslag hersteld vanaf 1 november.")
    page.get_by_role("button", name="Afronden").click()
    assert "Afgerond. De gemeente ziet het antwoord." in page.locator("main").inner_text()
    assert_accessible(page)
    logout(page)

    # 5. The counter sees the answer on the referral, decides that no message is needed.
    login_as(page, "balie@utrecht.demo.nl")
    page.goto(escalation_url)
    main = page.locator("main").inner_text()
    assert "Huurtoeslag hersteld vanaf 1 november." in main and NOTE not in page.content()
    page.get_by_role("link", name="Naar de verwijzing").click()
    assert "Huurtoeslag hersteld vanaf 1 november." in page.locator("main").inner_text()
    assert_accessible(page)
    page.goto(escalation_url)
    page.get_by_label("Nee, niet nodig").check()
    page.get_by_role("button", name="Afhandelen").click()
    assert "de inwoner krijgt geen bericht" in page.locator("main").inner_text()
    assert_accessible(page)
    logout(page)

    # 6. The referring agency's overview shows the result, never the internal note.
    login_as(page, "agent@belastingdienst.demo.nl")
    page.goto("/verwijzingen")
    assert "tweede lijn: opgelost" in page.locator("tr", has_text=NAME).inner_text()
    assert NOTE not in page.content()
    assert_accessible(page)


def test_the_lead_sees_breaches_and_sets_service_levels(browser_page):
    page = browser_page
    login_as(page, "leiding@belastingdienst.demo.nl")
    nav(page, "Bewaking tweede lijn")
    assert "Ahmed Yilmaz" in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="Servicenormen en sluitingsdagen").click()
    assert_accessible(page)
    page.get_by_label("Eerste reactie binnen (werkuren)").fill("0")
    page.get_by_role("button", name="Opslaan").click()
    assert "Vul een aantal werkuren in van 1 tot 400." in page.locator(".error-summary").inner_text()
    assert_accessible(page)
    nav(page, "Escalaties tweede lijn")
    page.get_by_role("link", name="Ahmed Yilmaz", exact=True).click()
    assert "Te laat" in page.locator("main").inner_text()
    assert_accessible(page)
