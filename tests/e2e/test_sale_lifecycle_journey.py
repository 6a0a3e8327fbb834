"""A sale parked at one register is finished at another; a layby takes a deposit at the
till and its last payment later, from the list of the outlet's open sales."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from comptoir.setup import ean13
from tests.e2e.conftest import LiveServer, sign_in

pytestmark = pytest.mark.e2e

COFFEE_BARCODE = ean13("376000000000")  # "Café en grains Éthiopie 250 g", 8,90 €
TEAPOT_BARCODE = ean13("376000000013")  # "Théière en fonte 0,8 L", 49,00 €


def open_sell(page: Page, server: LiveServer, register: str) -> None:
    page.goto(f"{server.url}/sell")
    expect(page.locator("html[data-sell-ready=true]")).to_have_count(1)
    page.select_option("#register", label=f"Paris Marais · {register}")


def scan(page: Page, barcode: str) -> None:
    page.locator("#search").fill(barcode)
    page.locator("#search").press("Enter")


def test_a_sale_parked_at_caisse_1_is_finished_at_caisse_2(
    page: Page, live_server: LiveServer
) -> None:
    sign_in(page, live_server, "/sell")
    open_sell(page, live_server, "Caisse 1")
    scan(page, COFFEE_BARCODE)
    expect(page.locator("#cart-lines tr")).to_have_count(1)
    page.click("#park-open")
    page.fill("#park-note", "Revient avec sa carte")
    page.click("#park-confirm")
    expect(page.locator("#cart-lines tr")).to_have_count(0)

    open_sell(page, live_server, "Caisse 2")
    page.click("#retrieve-open")
    row = page.locator("#retrieve-list tr", has_text="Revient avec sa carte")
    expect(row).to_have_count(1)
    row.get_by_role("button").first.click()
    expect(page.locator("#cart-lines tr")).to_have_count(1)
    expect(page.get_by_test_id("continuing")).to_contain_text("MA-1")
    expect(page.get_by_test_id("sale-total")).to_have_text(re.compile(r"8,90\s?€"))
    page.click("#pay")
    page.fill("#tendered", "10")
    page.click("#pay-confirm")
    expect(page).to_have_url(re.compile(r"/sales/[0-9a-f-]+/receipt$"))
    # The sale kept the number it had when parked at Caisse 1.
    expect(page.get_by_test_id("invoice-number")).to_have_text("MA-1")

    open_sell(page, live_server, "Caisse 2")
    page.click("#retrieve-open")
    expect(page.locator("#retrieve-list tr", has_text="Revient avec sa carte")).to_have_count(0)


def test_a_layby_takes_a_deposit_then_its_final_payment(
    page: Page, live_server: LiveServer
) -> None:
    sign_in(page, live_server, "/sell")
    open_sell(page, live_server, "Caisse 1")
    scan(page, TEAPOT_BARCODE)
    expect(page.get_by_test_id("sale-total")).to_have_text(re.compile(r"49,00\s?€"))
    # Without a customer, a layby is refused at the till.
    page.click("#pay")
    page.fill("#tendered", "15")
    page.click("#layby-confirm")
    expect(page.locator("#pay-error")).not_to_be_empty()
    page.click("#pay-cancel")

    page.locator("#customer-search").fill("Camille Durand")
    expect(page.locator("#customer-results li").first).to_contain_text("Camille")
    page.locator("#customer-search").press("Enter")
    expect(page.get_by_test_id("sale-customer")).to_have_text(re.compile("Camille"))
    page.click("#pay")
    page.fill("#tendered", "15")
    page.click("#layby-confirm")
    expect(page).to_have_url(re.compile(r"/sales/[0-9a-f-]+/receipt$"))
    expect(page.get_by_test_id("invoice-number")).to_have_text("MA-1")

    open_sell(page, live_server, "Caisse 2")
    page.click("#retrieve-open")
    row = page.locator("#retrieve-list tr", has_text="MA-1")
    expect(row).to_contain_text(re.compile(r"15,00\s?€"))
    row.get_by_role("button").first.click()
    expect(page.locator("#installment-due")).to_have_text(re.compile(r"34,00\s?€"))
    page.click("#installment-confirm")
    # Paid in full, the layby is closed and leaves the list of open sales.
    expect(page.locator("#retrieve-list tr", has_text="MA-1")).to_have_count(0)


def test_a_cashier_voids_a_parked_sale_from_the_till(page: Page, live_server: LiveServer) -> None:
    sign_in(page, live_server, "/sell")
    open_sell(page, live_server, "Caisse 1")
    scan(page, COFFEE_BARCODE)
    page.click("#park-open")
    page.fill("#park-note", "Finalement non")
    page.click("#park-confirm")
    expect(page.locator("#cart-lines tr")).to_have_count(0)
    page.click("#retrieve-open")
    row = page.locator("#retrieve-list tr", has_text="Finalement non")
    page.once("dialog", lambda dialog: dialog.accept())
    row.locator("button.void").click()
    expect(page.locator("#retrieve-list tr", has_text="Finalement non")).to_have_count(0)
