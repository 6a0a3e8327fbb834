"""A manager finds last sales in the history with the keyboard: filters by register and
receipt number, opens the sale and sees its lines and payments."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from comptoir.setup import ean13
from tests.e2e.conftest import LiveServer, sign_in

pytestmark = pytest.mark.e2e

COFFEE_BARCODE = ean13("376000000000")  # "Café en grains Éthiopie", 8.90 €
TEA_SKU = "10002"  # "Thé vert Sencha 100 g", 9.20 €


def sell(page: Page, server: LiveServer, code: str, tendered: str) -> None:
    page.goto(f"{server.url}/sell")
    expect(page.locator("html[data-sell-ready=true]")).to_have_count(1)
    page.fill("#search", code)
    page.press("#search", "Enter")
    expect(page.locator("#cart-lines tr")).to_have_count(1)
    page.click("#pay")
    page.fill("#tendered", tendered)
    page.click("#pay-confirm")
    expect(page).to_have_url(re.compile(r"/sales/[0-9a-f-]+/receipt$"))


def test_a_manager_filters_the_history_and_opens_a_sale(
    page: Page, live_server: LiveServer
) -> None:
    sign_in(page, live_server, "/sell")
    sell(page, live_server, COFFEE_BARCODE, "10")
    sell(page, live_server, TEA_SKU, "10")

    page.goto(f"{live_server.url}/sell")
    page.click('nav a[href="/sales"]')
    expect(page).to_have_url(re.compile(r"/sales$"))
    # Ours on Caisse 1 (MA-), beside the demo's sales on Caisse 2 (MB-), recorded before them.
    expect(page.locator('#sales tbody tr[data-invoice^="MA-"]')).to_have_count(2)
    # Newest first: the tea sale (MA-2), then the coffee (MA-1).
    rows = page.locator("#sales tbody tr[data-invoice]")
    expect(rows.nth(0)).to_have_attribute("data-invoice", "MA-2")
    expect(rows.nth(1)).to_have_attribute("data-invoice", "MA-1")

    # Keyboard only: choose the register, type the receipt number, Enter submits.
    page.focus("#filter-register")
    page.select_option("#filter-register", label="Caisse 1")
    page.focus("#filter-invoice")
    page.keyboard.type("MA-1")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"invoice=MA-1"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-invoice", "MA-1")

    # The in-progress tab, with the same filters, has nothing: both sales are completed.
    page.click("#tab-in_progress")
    expect(page.locator("#sales tbody tr[data-invoice]")).to_have_count(0)
    page.click("#tab-all")

    page.locator('#sales a:has-text("MA-1")').focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/sales/[0-9a-f-]+$"))
    lines = page.locator("#sale-lines tbody tr")
    expect(lines).to_have_count(1)
    expect(lines.first).to_contain_text("Café en grains")
    expect(page.locator("#sale-total")).to_have_text(re.compile(r"8,90\s?€"))
    payments = page.locator("#sale-payments tbody tr")
    # 10 € in cash tendered, 1.10 € given back: the payments net to the total.
    expect(payments).to_have_count(2)
    expect(payments.nth(0)).to_contain_text(re.compile(r"10,00\s?€"))
    expect(payments.nth(1)).to_contain_text(re.compile(r"1,10\s?€"))
    expect(page.locator("#action-receipt")).to_be_visible()
    expect(page.locator("#action-return")).to_be_visible()
