"""Each agency's question categories in the browser (issue 14): the shared ones first, then the
agency's own, never another agency's; "Anders" shows its text field when ticked (no script); the
admin moves a category up with the keyboard."""
from __future__ import annotations

import pytest

from tests.browser.axe import assert_accessible
from tests.browser.conftest import login_as

pytestmark = pytest.mark.browser


def _labels(page) -> list[str]:
    return page.locator("#categories .choice label").all_inner_texts()


def test_each_agency_sees_its_own_categories_after_the_shared_ones(browser_page):
    page = browser_page
    login_as(page, "agent@belastingdienst.demo.nl")
    page.goto("/klantcontact/nieuw")
    labels = _labels(page)
    assert labels[0] == "DigiD aanvragen" and labels.index("Anders") < labels.index("Toeslagen")
    assert "Betalingsregeling" in labels and "AOW" not in labels and "MijnOverheid" not in labels
    assert "DigiD met sms-controle" not in labels  # retired in the demo
    other_text = page.get_by_label("Anders, namelijk")
    assert not other_text.is_visible()
    page.get_by_role("checkbox", name="Anders", exact=True).check()
    assert other_text.is_visible()
    page.get_by_label("Ja, opgelost").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Vastleggen").click()
    assert "Beschrijf in een paar woorden" in page.locator(".error-summary").inner_text()
    assert other_text.is_visible()
    assert_accessible(page)

    page.context.clear_cookies()
    login_as(page, "agent@svb.demo.nl")
    page.goto("/klantcontact/nieuw")
    labels = _labels(page)
    assert "AOW" in labels and "Toeslagen" not in labels and "Betalingsregeling" not in labels
    assert labels.index("Anders") < labels.index("AOW")


def test_the_admin_moves_a_category_up_by_keyboard(browser_page):
    page = browser_page
    login_as(page, "beheer@wegwijs.demo.nl")
    page.goto("/beheer/onderwerpen")
    assert_accessible(page)
    section = page.get_by_role("region", name="Belastingdienst")
    names = section.locator("tbody tr td:first-child a").all_inner_texts()
    assert names[:2] == ["Toeslagen", "Belastingaangifte"]
    section.get_by_role("button", name="Omhoog Belastingaangifte").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    section = page.get_by_role("region", name="Belastingdienst")
    assert section.locator("tbody tr td:first-child a").all_inner_texts()[:2] == ["Belastingaangifte", "Toeslagen"]
    page.goto(f"/beheer/onderwerpen/{_id_of(page, 'Betalingsregeling')}/intrekken")
    assert page.get_by_role("button", name="Intrekken").is_visible()
    assert_accessible(page)


def _id_of(page, name: str) -> str:
    page.goto("/beheer/onderwerpen")
    return page.get_by_role("link", name=name, exact=True).get_attribute("href").rsplit("/", 1)[1]
