"""The processing log's read interface in a real browser: a search without a person, trace or
activity is refused next to the field, a search by activity shows lines; both pass axe."""
from __future__ import annotations

import pytest

from tests.browser.axe import assert_accessible
from tests.browser.conftest import login_as

pytestmark = pytest.mark.browser
ADMIN_EMAIL = "beheer@wegwijs.demo.nl"


def test_the_officer_searches_the_log(browser_page):
    page = browser_page
    login_as(page, ADMIN_EMAIL)
    page.goto("/beheer/verwerkingenlogboek")
    assert page.get_by_role("heading", name="Verwerkingenlogboek").is_visible()
    page.get_by_role("button", name="Zoeken").click()
    page.wait_for_load_state()
    message = "Kies een persoon, een trace-id of een verwerkingsactiviteit."
    assert page.get_by_text(message).count() == 2  # summary and next to the field
    assert_accessible(page)
    page.get_by_label("Verwerkingsactiviteit").select_option("referral")
    page.get_by_role("button", name="Zoeken").click()
    page.wait_for_load_state()
    assert "activity=referral" in page.url
    assert page.get_by_role("cell", name="Verwijzen naar de gemeente").first.is_visible()
    assert_accessible(page)
    page.get_by_role("link", name="trace").first.click()  # all lines of that trace
    page.wait_for_load_state()
    assert "trace_id=" in page.url and page.get_by_role("table").is_visible()
