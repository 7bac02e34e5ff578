"""Each role opens its report with the demo data, axe checks it, and a CSV comes down."""
from __future__ import annotations

import pytest

from tests.browser.axe import assert_accessible
from tests.browser.conftest import login_as


@pytest.mark.parametrize("email, path, heading", [
    ("leiding@belastingdienst.demo.nl", "/rapportage?periode=year", "Rapportage voor de leiding"),
    ("tweedelijn@belastingdienst.demo.nl", "/rapportage?periode=year", "Rapportage tweede lijn"),
    ("coordinator@utrecht.demo.nl", "/rapportage?periode=year", "Rapportage van de gemeente"),
    ("leiding@utrecht.demo.nl", "/rapportage/ido?periode=year", "Registratie Informatiepunt Digitale Overheid"),
    ("raad@clientenraad.demo.nl", "/rapportage/clientenraad", "Rapportage voor de cliëntenraad"),
])
def test_each_role_opens_its_report_and_downloads_a_csv(browser_page, email, path, heading):
    page = browser_page
    login_as(page, email)
    response = page.goto(path)
    assert response.status == 200
    assert page.locator("h1").inner_text() == heading
    assert page.locator('svg[role="img"]').count() >= 2
    assert_accessible(page)
    with page.expect_download() as download:
        page.locator("a[download]").first.click()
    assert download.value.suggested_filename.endswith(".csv")
    with open(download.value.path(), "rb") as f:
        assert f.read(3) == b"\xef\xbb\xbf"


def test_a_wrong_period_is_shown_next_to_the_field(browser_page):
    page = browser_page
    login_as(page, "leiding@utrecht.demo.nl")
    page.goto("/rapportage?periode=custom&van=2026-03-31&tot=2026-03-01")
    assert "De laatste dag ligt voor de eerste dag." in page.locator(".error-summary").inner_text()
    assert_accessible(page)
