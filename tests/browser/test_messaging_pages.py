"""The outbox pages in a real browser: they render the demo messages and pass axe (WCAG 2.1 AA)."""
from __future__ import annotations

import pytest

from tests.browser.axe import assert_accessible
from tests.browser.conftest import login_as

pytestmark = pytest.mark.browser
ADMIN_EMAIL = "beheer@wegwijs.demo.nl"


def test_outbox_page_as_admin(browser_page):
    page = browser_page
    login_as(page, ADMIN_EMAIL)
    page.goto("/beheer/sms")
    assert page.get_by_role("heading", name="Sms-berichten").is_visible()
    assert page.get_by_text("Niet verzonden: geen sms-provider ingesteld.").first.is_visible()
    assert_accessible(page)
    page.get_by_label("Status").select_option("queued")
    page.get_by_role("button", name="Zoeken").click()
    page.wait_for_load_state()
    assert "status=queued" in page.url
    assert_accessible(page)
    page.goto("/beheer/sms/ontvangen")
    assert page.get_by_role("heading", name="Ontvangen sms").is_visible()
    assert_accessible(page)
