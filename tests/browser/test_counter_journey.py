"""The counter's journey in the browser with only the demo data: the day list, check-in, the
outcome with a Digisterker course and enrolment, a no-show, the tasks; the coordinator's pages; and
the agency sees "cursus" and never the counter's notes. axe on every page visited."""
from __future__ import annotations

import re

import pytest

from tests.browser.axe import assert_accessible
from tests.browser.conftest import login_as, nav

pytestmark = pytest.mark.browser

NOTE = "Balienotitie: zoon helpt thuis verder met de app."



def test_counter_checks_in_records_a_course_outcome_and_the_agency_sees_cursus(browser_page):
    page = browser_page
    login_as(page, "balie@utrecht.demo.nl")
    nav(page, "Daglijst balie")
    assert_accessible(page)
    main = page.locator("main").inner_text()
    assert "Henk Visser" in main and "Leest slecht" in main and "Wil de DigiD-app" in main

    # Another date through the picker: an empty state, then back to today.
    page.get_by_label("Datum", exact=True).fill("2030-01-02")
    page.get_by_role("button", name="Tonen").click()
    assert "Geen afspraken op deze dag" in page.locator("main").inner_text()
    assert_accessible(page)
    nav(page, "Daglijst balie")

    # Check-in from the day list, then the visit page.
    page.get_by_role("button", name=re.compile(r"Is er.*Henk Visser")).click()
    if "Is er, zo vroeg?" in page.locator("h1").inner_text():  # the demo's slot is more than an hour away
        assert_accessible(page)
        page.get_by_role("button", name="Ja, is er").click()
    assert "Henk Visser is er" in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="Uitkomst vastleggen").click()
    assert_accessible(page)

    # A mistake first: clear messages next to the fields, nothing saved.
    page.get_by_role("button", name="Uitkomst opslaan").click()
    summary = page.locator(".error-summary").inner_text()
    assert "Kies minstens een ding dat u heeft gedaan." in summary and "Kies het resultaat." in summary
    assert_accessible(page)

    page.get_by_label("DigiD-app ingesteld").check()
    page.get_by_label("Uitleg gegeven").check()
    page.get_by_label("Hoeveel minuten?").fill("30")
    page.get_by_label("Deels opgelost").check()
    page.get_by_label("Cursus Digisterker").check()
    course = page.get_by_label("Cursus (bij Digisterker)")
    course.select_option(index=1)
    page.get_by_label("Notitie van de balie (alleen voor de gemeente)").fill(NOTE)
    page.get_by_role("button", name="Uitkomst opslaan").click()
    main = page.locator("main").inner_text()
    assert "ingeschreven voor de cursus" in main
    assert "Deels geholpen; ingeschreven voor cursus Digisterker" in main
    assert_accessible(page)

    # The course page shows Henk as enrolled.
    page.locator("main").get_by_role("link", name=re.compile("Digisterker")).first.click()
    main = page.locator("main").inner_text()
    assert "Henk Visser" in main and "1 van 8 bezet" in main
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(r"Afmelden.*Henk Visser")).click()
    assert "Weet u zeker" in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="Nee, terug").click()

    # A no-show: confirmation first, then a call-back task and an SMS.
    nav(page, "Daglijst balie")
    page.get_by_role("link", name=re.compile(r"Niet gekomen.*Mieke de Boer")).click()
    assert "Weet u zeker" in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Ja, niet gekomen").click()
    assert "sms" in page.locator("main").inner_text()
    nav(page, "Taken")
    assert "Mieke de Boer" in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("Gedaan")).first.click()
    assert "Taak gemarkeerd als gedaan" in page.locator("main").inner_text()
    page.goto("/balie/taken?status=gedaan")
    assert "Bo Balie" in page.locator("main").inner_text()
    assert_accessible(page)

    # The agency sees one line with "cursus", never the counter's notes.
    page.get_by_role("button", name="Uitloggen").click()
    login_as(page, "agent@belastingdienst.demo.nl")
    page.goto("/verwijzingen")
    row = page.locator("tr", has_text="Henk Visser")
    assert "cursus" in row.inner_text().lower()
    assert "Niet gekomen" in page.locator("tr", has_text="Mieke de Boer").inner_text()
    assert NOTE not in page.content()
    assert_accessible(page)
    row.get_by_role("link", name="Henk Visser").click()
    assert "cursus" in page.locator("main").inner_text().lower()
    assert NOTE not in page.content()
    assert_accessible(page)


def test_the_coordinator_plans_a_course_and_sees_the_lists(browser_page):
    page = browser_page
    login_as(page, "coordinator@utrecht.demo.nl")
    nav(page, "Cursussen Digisterker")
    assert_accessible(page)
    page.get_by_role("link", name="Cursus plannen").click()
    assert_accessible(page)
    page.get_by_label("Naam van de cursus").fill("")
    page.get_by_role("button", name="Cursus plannen").click()
    assert "Vul de naam van de cursus in." in page.locator(".error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label("Naam van de cursus").fill("Digisterker: DigiD en Berichtenbox")
    page.get_by_label("Datum van de eerste bijeenkomst").fill("2030-03-05")
    page.get_by_label("Begintijd").fill("13:30")
    page.get_by_label("Eindtijd").fill("15:30")
    page.get_by_role("button", name="Cursus plannen").click()
    main = page.locator("main").inner_text()
    assert "Cursus gepland" in main and "dinsdag 5 maart 2030" in main and "dinsdag 26 maart 2030" in main
    assert_accessible(page)
    for link in ("Maatjes zoeken", "Vertraagde verwijzingen", "Taken", "Daglijst balie"):
        nav(page, link)
        assert page.locator("h1").count() == 1
        assert_accessible(page)
