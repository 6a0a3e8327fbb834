"""An owner points the demo's "Carte (terminal)" at a terminal simulator; a cashier sells by
card on it (the terminal's progress shown, the approved payment added to the sale), and the
processor shows on the sale page and in sales history; a declined card adds nothing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from comptoir.setup import ean13
from tests.e2e.conftest import LiveServer, sign_in
from tests.factories import running_simulator

pytestmark = pytest.mark.e2e

COFFEE_BARCODE = ean13("376000000000")  # the demo's first product, 8,90 €
TERMINAL_TYPE = "Carte (terminal)"


def _start_card_payment(page: Page) -> None:
    page.locator("#search").fill(COFFEE_BARCODE)
    page.locator("#search").press("Enter")
    expect(page.locator("#cart-lines tr")).to_have_count(1)
    page.click("#pay")
    page.get_by_label(TERMINAL_TYPE).check()
    expect(page.locator("#tendered")).to_have_value("8.9")
    expect(page.locator("#pay-confirm")).to_be_disabled()  # the terminal has not approved it
    page.click("#tender-add")


def test_cashier_takes_a_card_payment_on_the_terminal_and_the_processor_shows(
    page: Page, live_server: LiveServer
) -> None:
    with running_simulator(scenario="approve_delayed", delay="1") as simulator:
        sign_in(page, live_server, "/settings/payment-types")
        page.get_by_role("row", name=re.compile(re.escape(TERMINAL_TYPE))).get_by_role(
            "link", name="simulator"
        ).click()
        page.fill("#f-address", simulator.url)
        page.click("form.form button[type=submit]")
        expect(page).to_have_url(re.compile(r"/settings/payment-types$"))

        page.goto(f"{live_server.url}/sell")
        expect(page.locator("html[data-sell-ready=true]")).to_have_count(1)
        _start_card_payment(page)
        terminal = page.locator("#terminal-dialog")
        expect(terminal).to_be_visible()
        expect(page.locator("#terminal-cancel")).to_be_visible()  # waiting for the card
        expect(terminal).to_have_attribute("data-state", "APPROVED")
        expect(terminal).to_be_hidden()
        expect(page.get_by_test_id("tender-list")).to_contain_text(TERMINAL_TYPE)
        page.click("#pay-confirm")

        expect(page).to_have_url(re.compile(r"/sales/[0-9a-f-]+/receipt$"))
        sale_url = page.url.removesuffix("/receipt")
        page.goto(sale_url)
        expect(page.locator("#sale-payments td.processor")).to_contain_text("simulator · sim_")
        page.goto(f"{live_server.url}/sales")
        expect(page.locator("td.payments").first).to_have_text(f"{TERMINAL_TYPE} (simulator)")
        assert len(simulator.ledger("charge")) == 1

        simulator.set_scenario("decline")
        page.goto(f"{live_server.url}/sell")
        expect(page.locator("html[data-sell-ready=true]")).to_have_count(1)
        _start_card_payment(page)
        expect(terminal).to_have_attribute("data-state", "DECLINED")
        page.click("#terminal-close")
        expect(page.get_by_test_id("tender-list")).to_be_empty()
        expect(page.locator("#pay-confirm")).to_be_disabled()
        assert len(simulator.ledger("charge")) == 1
