"""A cashier signs in, sells products at two VAT rates for cash and the stock goes down; the
sell screen shows the tax by rate the receipt prints."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from comptoir.setup import ean13
from tests.e2e.conftest import OWNER, LiveServer

pytestmark = pytest.mark.e2e

COFFEE_BARCODE = ean13("376000000000")  # the demo's first product, "Café en grains Éthiopie"
COFFEE_SKU, TEA_SKU, CUP_SKU = "10000", "10002", "10012"


def stock_of(page: Page, sku: str) -> int:
    cell = page.locator(f'#products tr[data-sku="{sku}"] td.stock').first
    return int(cell.inner_text().strip())


def test_cashier_sells_products_at_two_rates_for_cash_and_stock_goes_down(
    page: Page, live_server: LiveServer
) -> None:
    page.goto(f"{live_server.url}/products")
    expect(page).to_have_url(re.compile(r"/login"))
    page.fill("#username", OWNER[0])
    page.fill("#password", OWNER[1])
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/products$"))
    coffee_before, tea_before = stock_of(page, COFFEE_SKU), stock_of(page, TEA_SKU)
    cup_before = stock_of(page, CUP_SKU)

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
    expect(page.locator(".totals dt.tax-rate")).to_have_count(0)  # one rate: just "Tax"
    search.fill(CUP_SKU)
    search.press("Enter")
    expect(page.locator("#cart-lines tr")).to_have_count(3)
    expect(page.get_by_test_id("sale-total")).to_have_text(re.compile(r"41,00\s?€"))
    # 5.5 % on 17.80 and 9.20 (0.93 + 0.48), 20 % on 14.00 (2.33), as the receipt has it.
    by_rate = [("TVA 5,5 %", "1,41"), ("TVA 20 %", "2,33")]
    expect(page.locator(".totals dt.tax-rate")).to_have_text([name for name, _ in by_rate])
    expect(page.locator(".totals dd.tax-rate")).to_have_text(
        [re.compile(rf"{amount}\s?€") for _, amount in by_rate]
    )

    page.click("#pay")
    page.fill("#tendered", "50")
    expect(page.get_by_test_id("change-due")).to_have_text(re.compile(r"9,00\s?€"))
    page.click("#pay-confirm")

    expect(page).to_have_url(re.compile(r"/sales/[0-9a-f-]+/receipt$"))
    expect(page.get_by_test_id("invoice-number")).to_have_text("MA-1")
    expect(page.get_by_test_id("receipt-total")).to_have_text(re.compile(r"41,00\s?€"))
    expect(page.get_by_test_id("receipt-change")).to_have_text(re.compile(r"9,00\s?€"))
    expect(page.locator(".receipt .line")).to_have_count(3)
    expect(page.get_by_test_id("receipt-tax-name")).to_have_text([name for name, _ in by_rate])
    expect(page.get_by_test_id("receipt-tax-amount")).to_have_text(
        [re.compile(rf"{amount}\s?€") for _, amount in by_rate]
    )

    page.goto(f"{live_server.url}/products")
    assert stock_of(page, COFFEE_SKU) == coffee_before - 2
    assert stock_of(page, TEA_SKU) == tea_before - 1
    assert stock_of(page, CUP_SKU) == cup_before - 1
