"""Settings > Fiscal in the browser: the demo's journal verifies intact, the fiscal year's
first month is saved, last month is archived and listed, the public keys download."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer, sign_in

pytestmark = pytest.mark.e2e


def test_a_manager_verifies_the_journal_archives_a_month_and_takes_the_keys(
    page: Page, live_server: LiveServer
) -> None:
    sign_in(page, live_server, "/settings/fiscal")
    expect(page.locator("h1")).to_have_text(re.compile("Fiscal"))

    page.click("#verify-journal")
    expect(page.locator("#verification")).to_have_attribute("data-intact", "true")

    page.select_option("#fiscal_year_start_month", "7")
    page.locator("form[action='/settings/fiscal'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/settings/fiscal\?saved=1$"))
    expect(page.locator("#fiscal_year_start_month")).to_have_value("7")

    month = page.input_value("#period")  # last month, proposed by the page
    page.locator("form[action='/settings/fiscal/archives'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/settings/fiscal\?archived=1$"))
    archive = page.locator("table tbody tr", has_text=month)
    expect(archive).to_have_count(1)
    zipped = page.request.get(live_server.url + (archive.locator("a").get_attribute("href") or ""))
    assert zipped.ok and zipped.body().startswith(b"PK")

    keys = page.request.get(f"{live_server.url}/settings/fiscal/public-keys.pem")
    assert "BEGIN PUBLIC KEY" in keys.text()
    page.screenshot(path="var/e2e-fiscal-settings.png", full_page=True)
