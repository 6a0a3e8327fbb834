"""A transfer in the browser: a second outlet is opened, 5 items are scanned onto a transfer
from the demo outlet and sent, 4 are scanned on arrival; the page shows the difference (one
lost in transit) and the stock at both outlets."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from comptoir.setup import DEMO_PRODUCTS, ean13
from tests.e2e.conftest import LiveServer, sign_in

pytestmark = pytest.mark.e2e

COFFEE = DEMO_PRODUCTS[0][0]
COFFEE_CODE = ean13("376000000000")  # the demo's first product's barcode


def test_a_transfer_of_five_received_four_shows_the_difference_and_both_stocks(
    page: Page, live_server: LiveServer
) -> None:
    sign_in(page, live_server, "/settings/outlets")
    page.fill("#f-name", "Bastille")
    page.locator("form.form button[type=submit]").click()
    expect(page.locator("table.grid")).to_contain_text("Bastille")

    page.goto(f"{live_server.url}/stock-control/transfers/new")
    page.select_option("#f-source_outlet_id", label="Paris Marais")
    page.select_option("#f-outlet_id", label="Bastille")
    page.fill("#f-name", "Réassort Bastille")
    page.click("#create-transfer")
    expect(page).to_have_url(re.compile(r"/stock-control/transfers/[0-9a-f-]{36}$"))

    # A scanner types the barcode and Enter; the quantity field says how many.
    page.fill("#f-quantity", "5")
    page.fill("#f-code", COFFEE_CODE)
    page.press("#f-code", "Enter")
    line = page.locator("#lines tbody tr", has_text=COFFEE)
    expect(line.locator("input")).to_have_value("5")
    before = int(line.locator("td").nth(2).inner_text())  # at Paris Marais (demo sales sold some)
    page.click("#send-transfer")
    expect(page.locator("#transfer-status")).to_have_attribute("data-status", "SENT")
    expect(page.locator("#in-transit")).to_be_visible()

    # On arrival: start from zero and scan each item received (4 of the 5).
    page.click("#received-zero")
    for _ in range(4):
        page.fill("#scan-received", COFFEE_CODE)
        page.press("#scan-received", "Enter")
    arriving = page.locator("#lines tbody tr", has_text=COFFEE)
    expect(arriving.locator("input.received")).to_have_value("4")
    expect(arriving.locator(".difference")).to_have_text("-1")
    page.screenshot(path="var/e2e-stock-transfer-receiving.png", full_page=True)
    page.click("#receive-transfer")

    expect(page.locator("#transfer-status")).to_have_attribute("data-status", "RECEIVED")
    expect(page.locator("#lost-in-transit")).to_be_visible()
    received = page.locator("#lines tbody tr", has_text=COFFEE)
    cells = received.locator("td")
    expect(cells.nth(2)).to_have_text("5")  # sent
    expect(cells.nth(3)).to_have_text("4")  # received
    expect(cells.nth(4)).to_have_text(re.compile(r"^[-−]1$"))  # the difference
    expect(cells.nth(6)).to_have_text(str(before - 5))  # left at Paris Marais
    expect(cells.nth(7)).to_have_text("4")  # arrived at Bastille
    expect(page.locator("#history-table")).to_contain_text(re.compile("Re[çc]u|Received"))
    page.screenshot(path="var/e2e-stock-transfer.png", full_page=True)
