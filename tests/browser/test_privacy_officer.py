"""The privacy officer in the browser with only the demo data (issue 12): find a citizen, read the
inzage (page and letter), correct a detail with a reason, request an erasure; the coordinator, a
second person, approves it and the tombstone shows no personal data. axe on every page visited."""
from __future__ import annotations

import re

import pytest

from tests.browser.axe import assert_accessible
from tests.browser.conftest import login_as, logout, nav

pytestmark = pytest.mark.browser

NAME = "Fatima El Amrani"  # a demo citizen of Utrecht that no other browser test needs




def test_inzage_correction_and_erasure_with_a_second_person(browser_page):
    page = browser_page

    # 1. Find the citizen and read the inzage, on screen and as a letter.
    login_as(page, "privacy@utrecht.demo.nl")
    nav(page, "Personen (AVG)")
    assert_accessible(page)
    page.get_by_label("Naam, telefoonnummer, of postcode met huisnummer").fill("Fatima")
    page.get_by_role("button", name="Zoeken").click()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(NAME)).click()
    assert page.get_by_role("heading", name=f"Inzage: {NAME}").is_visible()
    assert page.get_by_text("Verwijzingen, afspraken en hun geschiedenis").is_visible()
    assert page.get_by_text("Wie heeft uw gegevens gebruikt").is_visible()
    assert_accessible(page)
    person_url = page.url
    page.get_by_role("link", name="Brief afdrukken").click()
    assert page.get_by_text(f"Beste {NAME},").is_visible()
    assert_accessible(page)
    page.goto(person_url)

    # 2. Correct a detail with a reason: the old value stays in the history.
    page.get_by_role("link", name="Gegeven verbeteren").click()
    assert_accessible(page)
    page.get_by_label("Welk gegeven").select_option(label="Taal (nl of en)")
    page.get_by_label("Nieuwe waarde").fill("nl")
    page.get_by_label("Waarom (het verzoek)").fill("Mevrouw wil voortaan alles in het Nederlands.")
    page.get_by_role("button", name="Verbeteren").click()
    assert page.get_by_text("Het gegeven is verbeterd.").is_visible()
    assert page.get_by_text("Mevrouw wil voortaan alles in het Nederlands.").is_visible()
    assert_accessible(page)

    # 3. Request the erasure (a confirmation page first).
    page.get_by_role("link", name="Wissen aanvragen").click()
    assert page.get_by_role("table", name="Wat er gebeurt").is_visible()
    assert_accessible(page)
    page.get_by_label("Reden").select_option(label="Verzoek van de persoon zelf")
    page.get_by_label("Ik heb gecontroleerd dat dit de juiste persoon is.").check()
    page.get_by_role("button", name="Wisverzoek vastleggen").click()
    assert page.get_by_text("Een tweede persoon moet het goedkeuren.").is_visible()
    nav(page, "Bewaartermijnen")
    assert_accessible(page)
    logout(page)

    # 4. The coordinator, a second person, approves; the tombstone names no one.
    login_as(page, "coordinator@utrecht.demo.nl")
    nav(page, "Wisverzoeken")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(r"Wisverzoek \d+")).first.click()
    assert page.get_by_role("heading", name=re.compile(NAME)).is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Goedkeuren en wissen").click()
    assert page.get_by_text("Vink aan dat u begrijpt").first.is_visible()  # not without the confirmation
    page.get_by_label("Ik begrijp dat wissen niet terug te draaien is.").check()
    page.get_by_role("button", name="Goedkeuren en wissen").click()
    assert page.get_by_text("De gegevens zijn gewist of geanonimiseerd.").is_visible()
    tombstones = page.get_by_role("table", name="Besloten wisverzoeken")
    assert "Uitgevoerd" in tombstones.inner_text() and NAME not in page.content()
    assert_accessible(page)


def test_an_erased_volunteers_page_offers_no_actions_and_is_accessible(browser_page):
    """The volunteer's own page after an erasure: a heading without the name, a notice, no buttons."""
    page = browser_page
    login_as(page, "privacy@utrecht.demo.nl")
    nav(page, "Personen (AVG)")
    page.get_by_label("Naam, telefoonnummer, of postcode met huisnummer").fill("Lotte")
    page.get_by_role("button", name="Zoeken").click()
    page.get_by_role("link", name=re.compile("Lotte Jansen")).click()
    page.get_by_role("link", name="Wissen aanvragen").click()
    page.get_by_label("Reden").select_option(label="Verzoek van de persoon zelf")
    page.get_by_label("Ik heb gecontroleerd dat dit de juiste persoon is.").check()
    page.get_by_role("button", name="Wisverzoek vastleggen").click()
    assert page.get_by_text("Een tweede persoon moet het goedkeuren.").is_visible()
    logout(page)

    login_as(page, "coordinator@utrecht.demo.nl")
    nav(page, "Wisverzoeken")
    page.get_by_role("link", name=re.compile(r"Wisverzoek \d+")).first.click()
    assert page.get_by_role("heading", name=re.compile("Lotte Jansen")).is_visible()
    page.get_by_label("Ik begrijp dat wissen niet terug te draaien is.").check()
    page.get_by_role("button", name="Goedkeuren en wissen").click()
    assert page.get_by_text("De gegevens zijn gewist of geanonimiseerd.").is_visible()
    nav(page, "Vrijwilligers")
    assert_accessible(page)
    page.get_by_role("link", name="gewist", exact=True).first.click()  # the list names no one, and no link is empty
    assert page.get_by_role("heading", name="Gewiste vrijwilliger").is_visible()
    assert page.get_by_text("Deze vrijwilliger is gewist.").is_visible()
    assert page.get_by_role("button", name="Status opslaan").count() == 0
    assert_accessible(page)
