"""A cashier signs in, sells two products for cash and the stock goes down."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from comptoir.setup import ean13
from tests.e2e.conftest import OWNER, LiveServer

pytestmark = pytest.mark.e2e

COFFEE_BARCODE = ean13("376000000000")  # the demo's first product, "Café en grains Éthiopie"
COFFEE_SKU, TEA_SKU = "10000", "10002"


def stock_of(page: Page, sku: str) -> int:
    cell = page.locator(f'#products tr[data-sku="{sku}"] td.stock').first
    return int(cell.inner_text().strip())


def test_cashier_sells_two_products_for_cash_and_stock_goes_down(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(f"{live_server.url}/products")
    expect(page).to_have_url(re.compile(r"/login"))
    page.fill("#username", OWNER[0])
    page.fill("#password", OWNER[1])
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/products$"))
    coffee_before, tea_before = stock_of(page, COFFEE_SKU), stock_of(page, TEA_SKU)

    page.goto(f"{live_server.url}/sell")
    expect(page.locator("html[data-sell-ready=true]")).to_have_count(1)
    search = page.locator("#search")
    # A scanner types the barcode and Enter.
    search.fill(COFFEE_BARCODE)
    search.press("Enter")
    expect(page.locator("#cart-lines tr")).to_have_count(1)
    # A cashier searches by words of the name and picks the first result with Enter.
    search.fill("thé vert")
    expect(page.locator("#results [role=option]").first).to_contain_text("Thé vert")
    search.press("Enter")
    expect(page.locator("#cart-lines tr")).to_have_count(2)
    quantity = page.locator("#cart-lines tr").first.locator("input.qty")
    quantity.fill("2")
    quantity.press("Enter")
    # 2 x 8.90 + 9.20
    expect(page.get_by_test_id("sale-total")).to_have_text(re.compile(r"27,00\s?€"))

    page.click("#pay")
    page.fill("#tendered", "50")
    expect(page.get_by_test_id("change-due")).to_have_text(re.compile(r"23,00\s?€"))
    page.click("#pay-confirm")

    expect(page).to_have_url(re.compile(r"/sales/[0-9a-f-]+/receipt$"))
    expect(page.get_by_test_id("invoice-number")).to_have_text("MA-1")
    expect(page.get_by_test_id("receipt-total")).to_have_text(re.compile(r"27,00\s?€"))
    expect(page.get_by_test_id("receipt-change")).to_have_text(re.compile(r"23,00\s?€"))
    expect(page.locator(".receipt .line")).to_have_count(2)

    page.goto(f"{live_server.url}/products")
    assert stock_of(page, COFFEE_SKU) == coffee_before - 2
    assert stock_of(page, TEA_SKU) == tea_before - 1
