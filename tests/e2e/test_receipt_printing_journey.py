"""An administrator sets the outlet's receipt (58 mm, a header) and the till's network printer;
a sale prints on that printer (a TCP listener on loopback, answering as a printer) through the
server's own outbox, the sell screen shows the printer's state, and without a printer the
receipt page prints itself only while the register prints receipts."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from comptoir.setup import ean13
from tests.e2e.conftest import LiveServer, sign_in
from tests.integration.printing_support import FakePrinter

pytestmark = pytest.mark.e2e

COFFEE_BARCODE = ean13("376000000000")  # "Café en grains Éthiopie", 8.90 €
# window.print() counted instead of opening the print dialog.
COUNT_PRINTS = "window.__prints = 0; window.print = () => { window.__prints += 1; };"


def sell(page: Page, server: LiveServer, *, email: str | None = None) -> None:
    page.goto(f"{server.url}/sell")
    expect(page.locator("html[data-sell-ready=true]")).to_have_count(1)
    page.fill("#search", COFFEE_BARCODE)
    page.press("#search", "Enter")
    expect(page.locator("#cart-lines tr")).to_have_count(1)
    page.click("#pay")
    page.fill("#tendered", "10")
    if email:
        page.fill("#receipt-email", email)
    page.click("#pay-confirm")
    expect(page).to_have_url(re.compile(r"/sales/[0-9a-f-]+/receipt$"))


def prints_after_load(page: Page) -> int:
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)
    return int(page.evaluate("window.__prints"))


def test_receipt_settings_printer_and_browser_printing(page: Page, live_server: LiveServer) -> None:
    page.add_init_script(COUNT_PRINTS)
    sign_in(page, live_server, "/settings/receipts")
    page.select_option("#f-paper_width", "58")
    page.fill("#f-header", "Bienvenue au comptoir")
    page.fill("#f-siret", "73282932000074")
    page.click("#save-receipts")
    expect(page.locator("#saved")).to_be_visible()

    # No printer: the receipt prints itself from the browser, at the template's width.
    sell(page, live_server, email="walk-in@example.com")
    expect(page.locator(".receipt.receipt-58")).to_contain_text("Bienvenue au comptoir")
    expect(page.get_by_test_id("receipt-legal")).to_contain_text("SIRET 73282932000074")
    assert prints_after_load(page) == 1
    # The address typed at the till has its receipt email queued on the sale's page.
    sale_id = page.url.split("/sales/")[1].split("/")[0]
    page.goto(f"{live_server.url}/sales/{sale_id}")
    expect(page.locator(".email-deliveries")).to_contain_text("walk-in@example.com")
    # A reprint is a numbered duplicate, recorded in the fiscal journal, with its own mark.
    page.click("#action-receipt")
    expect(page).to_have_url(re.compile(r"/receipt\?duplicate=1$"))
    expect(page.get_by_test_id("receipt-duplicate")).to_have_text("DUPLICATA n°1")
    expect(page.get_by_test_id("receipt-fiscal-software")).to_contain_text("Comptoir ")
    expect(page.get_by_test_id("receipt-fiscal-signature")).to_have_text(re.compile(r"^\S{8}$"))

    # The register stops printing receipts: the page no longer prints itself.
    page.goto(f"{live_server.url}/settings/registers")
    page.locator('tr:has-text("Caisse 1") a[href*="edit="]').click()
    page.uncheck("#f-print_receipt")
    page.locator("form.form button[type=submit]").click()
    page.goto(f"{live_server.url}/sales/{sale_id}/receipt")
    assert prints_after_load(page) == 0
    page.goto(f"{live_server.url}/settings/registers")
    page.locator('tr:has-text("Caisse 1") a[href*="edit="]').click()
    page.check("#f-print_receipt")
    page.locator("form.form button[type=submit]").click()

    # A network printer on the register: the sale prints there, not in the browser.
    printer = FakePrinter()
    try:
        page.goto(f"{live_server.url}/settings/registers")
        page.locator('tr:has-text("Caisse 1") a[href$="/printer"]').click()
        page.select_option("#f-kind", "epson_escpos")
        page.fill("#f-host", "127.0.0.1")
        page.fill("#f-port", str(printer.port))
        page.check("#f-enabled")
        page.click("#save-printer")
        expect(page.locator("#saved")).to_be_visible()
        sell(page, live_server)
        assert prints_after_load(page) == 0
        deadline = time.monotonic() + 10
        while not printer.jobs and time.monotonic() < deadline:
            time.sleep(0.1)  # the server's outbox thread prints after the sale's commit
        assert len(printer.jobs) == 1
        assert "Bienvenue au comptoir" in printer.jobs[0].decode("cp858")
        page.goto(f"{live_server.url}/sell")
        expect(page.get_by_test_id("printer-status")).to_have_attribute("data-status", "ok")
    finally:
        printer.stop()
