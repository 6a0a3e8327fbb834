"""A customer buys three bags of coffee; at the counter, the cashier scans the receipt's
number, gives one back to the original tender, then another to the customer's store credit,
which their profile then shows."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from comptoir.setup import ean13
from tests.e2e.conftest import LiveServer, sign_in

pytestmark = pytest.mark.e2e

COFFEE_BARCODE = ean13("376000000000")  # the demo's "Café en grains Éthiopie", 8.90


def return_one(page: Page, server: LiveServer, invoice: str, *, refund_to: str) -> None:
    page.goto(f"{server.url}/returns/find")
    page.fill("#f-invoice", invoice)  # a scanner types the receipt's number and Enter
    page.press("#f-invoice", "Enter")
    expect(page).to_have_url(re.compile(r"/sales/[0-9a-f-]+/return$"))
    page.locator("#return-lines tbody tr input[name^=qty_]").first.fill("1")
    page.check(f"input[name=refund_to][value={refund_to}]")
    page.click("#record-return")
    expect(page).to_have_url(re.compile(r"/sales/[0-9a-f-]+/receipt$"))
    expect(page.get_by_test_id("receipt-original")).to_contain_text(invoice)
    expect(page.get_by_test_id("receipt-total")).to_have_text(re.compile(r"-8,90\s?€"))


def test_a_partial_return_to_the_original_tender_then_another_to_store_credit(
    page: Page, live_server: LiveServer
) -> None:
    sign_in(page, live_server, "/sell")
    expect(page.locator("html[data-sell-ready=true]")).to_have_count(1)
    page.locator("#search").fill(COFFEE_BARCODE)
    page.locator("#search").press("Enter")
    quantity = page.locator("#cart-lines tr").first.locator("input.qty")
    quantity.fill("3")
    quantity.press("Enter")
    page.locator("#customer-search").fill("Zoé Lefèvre")
    page.locator("#customer-results li.add-new").dispatch_event("mousedown")
    page.click("#customer-create")
    expect(page.get_by_test_id("sale-customer")).to_have_text("Zoé Lefèvre")
    page.click("#pay")
    page.fill("#tendered", "26.70")
    page.click("#pay-confirm")
    expect(page).to_have_url(re.compile(r"/sales/[0-9a-f-]+/receipt$"))
    invoice = page.get_by_test_id("invoice-number").inner_text().strip()
    expect(page.locator("[data-testid=receipt-barcode] svg")).to_have_count(1)

    # One bag back to the cash it was paid with.
    return_one(page, live_server, invoice, refund_to="tenders")
    expect(page.get_by_test_id("receipt-refund")).to_have_text(re.compile(r"8,90\s?€"))

    # Another to store credit: the receipt says what is left to spend.
    return_one(page, live_server, invoice, refund_to="store_credit")
    expect(page.get_by_test_id("receipt-credit-left")).to_have_text(re.compile(r"8,90\s?€"))

    # The customer's profile shows the credit and its ledger.
    page.goto(f"{live_server.url}/customers?q=lefevre")
    page.locator("a", has_text="Zoé Lefèvre").first.click()
    expect(page.locator("#store-credit-balance")).to_have_text(re.compile(r"8,90\s?€"))
    page.click("#store-credit-link")
    expect(page.locator("#credit-ledger tbody tr")).to_have_count(1)

    # The sale has one bag left to return.
    page.goto(f"{live_server.url}/returns/find")
    page.fill("#f-invoice", invoice)
    page.press("#f-invoice", "Enter")
    expect(page.locator("#earlier-returns li")).to_have_count(2)


def test_a_manager_takes_back_an_item_without_a_receipt_and_refunds_it_in_cash(
    page: Page, live_server: LiveServer
) -> None:
    sign_in(page, live_server, "/sales")
    page.click("#receiptless-return")
    expect(page).to_have_url(re.compile(r"/returns/new$"))
    page.fill("input[name=code_0]", COFFEE_BARCODE)  # scanned
    page.select_option("select[name=reason_0]", label="Défectueux")
    page.check("input[name=refund_to][value=tenders]")
    page.click("#record-return")
    expect(page).to_have_url(re.compile(r"/sales/[0-9a-f-]+/receipt$"))
    expect(page.get_by_test_id("receipt-total")).to_have_text(re.compile(r"-8,90\s?€"))
    expect(page.get_by_test_id("receipt-refund")).to_have_text(re.compile(r"8,90\s?€"))
