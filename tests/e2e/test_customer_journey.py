"""A cashier creates a customer from the sell screen during a sale and completes the sale
with them attached; the customer's profile then shows the sale."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from comptoir.setup import ean13
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

COFFEE_BARCODE = ean13("376000000000")  # the demo's "Café en grains Éthiopie", 8,90 €


def test_cashier_adds_a_new_customer_during_a_sale_and_the_sale_is_theirs(
    page: Page, live_server: object
) -> None:
    sign_in(page, live_server, "/sell")  # type: ignore[arg-type]
    expect(page.locator("html[data-sell-ready=true]")).to_have_count(1)
    page.locator("#search").fill(COFFEE_BARCODE)
    page.locator("#search").press("Enter")
    expect(page.locator("#cart-lines tr")).to_have_count(1)

    # Nobody of that name yet: the list offers to add them.
    customer_search = page.locator("#customer-search")
    customer_search.fill("Zoé Lefèvre")
    offer = page.locator("#customer-results li.add-new")
    expect(offer).to_contain_text("Zoé Lefèvre")
    offer.dispatch_event("mousedown")
    dialog = page.locator("#customer-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#c-first_name")).to_have_value("Zoé")
    expect(page.locator("#c-last_name")).to_have_value("Lefèvre")
    expect(page.locator("#c-customer_group_id option")).to_contain_text(["All Customers"])

    # A bad email is refused next to its field; the sale is still there.
    page.fill("#c-email", "zoe-at-example")
    page.click("#customer-create")
    expect(page.locator("#ce-email")).not_to_be_empty()
    page.fill("#c-email", "zoe@example.fr")
    page.fill("#c-phone", "06 11 22 33 44")
    page.click("#customer-tab-details")
    page.fill("#c-physical_city", "Lyon")
    page.click("#customer-create")
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("sale-customer")).to_have_text("Zoé Lefèvre")
    expect(page.locator("#cart-lines tr")).to_have_count(1)

    page.click("#pay")
    page.fill("#tendered", "10")
    page.click("#pay-confirm")
    expect(page).to_have_url(re.compile(r"/sales/[0-9a-f-]+/receipt$"))

    # The sale is the customer's: found by phone, their profile lists it.
    page.goto(f"{live_server.url}/customers?q=0611")  # type: ignore[attr-defined]
    page.get_by_role("link", name="Zoé Lefèvre").click()
    expect(page.locator("#customer-sales tbody tr")).to_have_count(1)
    expect(page.locator("#ytd")).to_have_text(re.compile(r"8,90\s?€"))

    # Back at the register, the same customer is found and attached, not created again.
    page.goto(f"{live_server.url}/sell")  # type: ignore[attr-defined]
    expect(page.locator("html[data-sell-ready=true]")).to_have_count(1)
    page.locator("#customer-search").fill("lefevre zo")
    first = page.locator("#customer-results li").first
    expect(first).to_contain_text("Zoé Lefèvre")
    page.locator("#customer-search").press("Enter")
    expect(page.get_by_test_id("sale-customer")).to_have_text("Zoé Lefèvre")
