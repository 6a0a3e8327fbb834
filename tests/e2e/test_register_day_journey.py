"""A register's day: open with a 150 € float counted by note, sell in cash and by card on a
terminal simulator (its own process), take 20 € out, close counting the cash 1 € short; the
closure shows every figure, the card's processor and the difference."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Locator, Page, expect

from comptoir.setup import ean13
from tests.e2e.conftest import LiveServer, sign_in
from tests.factories import TerminalSimulator, running_simulator

pytestmark = pytest.mark.e2e

COFFEE_BARCODE = ean13("376000000000")  # the demo's "Café en grains Éthiopie", 8.90 €
TERMINAL_TYPE = "Carte (terminal)"  # the demo's integrated card type


def euros(amount: str) -> re.Pattern[str]:
    return re.compile(rf"{re.escape(amount)}\s?€")


def _point_the_terminal_at(
    page: Page, live_server: LiveServer, simulator: TerminalSimulator
) -> None:
    page.goto(f"{live_server.url}/settings/payment-types")
    page.get_by_role("row", name=re.compile(re.escape(TERMINAL_TYPE))).get_by_role(
        "link", name="simulator"
    ).click()
    page.fill("#f-address", simulator.url)
    page.click("form.form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/settings/payment-types$"))


def _section(closure: Locator, title: str) -> Locator:
    return closure.locator("section").filter(
        has=closure.page.locator("h3", has_text=re.compile(rf"^{re.escape(title)}$"))
    )


def _scan(page: Page, barcode: str) -> None:
    page.locator("#search").fill(barcode)
    page.locator("#search").press("Enter")


def test_open_sell_cash_and_card_cash_out_and_close_one_euro_short(
    page: Page, live_server: LiveServer
) -> None:
    with running_simulator(scenario="approve") as simulator:
        _register_day(page, live_server, simulator)


def _register_day(page: Page, live_server: LiveServer, simulator: TerminalSimulator) -> None:
    sign_in(page, live_server, "/registers")
    _point_the_terminal_at(page, live_server, simulator)
    page.goto(f"{live_server.url}/registers")
    till = page.locator("#registers tr", has_text="Caisse 1")
    # The demo opened it this morning: close that session first, as yesterday's end of day.
    till.locator("a[href$='/close']").click()
    page.click("#close-button")
    expect(page).to_have_url(re.compile(r"/registers/closures/[0-9a-f-]+$"))

    page.goto(f"{live_server.url}/sell")
    expect(page.locator("html[data-sell-ready=true]")).to_have_count(1)
    page.select_option("#register", label="Paris Marais · Caisse 1")
    expect(page.get_by_test_id("register-state")).to_have_attribute("data-state", "closed")
    page.get_by_test_id("open-register").click()
    page.locator("details summary").first.click()
    page.fill("input[name='d_20.00']", "5")
    page.fill("input[name='d_10.00']", "5")
    page.click("#open-button")
    expect(page).to_have_url(re.compile(r"/sell$"))
    expect(page.get_by_test_id("register-state")).to_have_attribute("data-state", "open")

    _scan(page, COFFEE_BARCODE)
    expect(page.get_by_test_id("sale-total")).to_have_text(euros("8,90"))
    page.click("#pay")
    page.fill("#tendered", "20")
    expect(page.get_by_test_id("change-due")).to_have_text(euros("11,10"))
    page.click("#pay-confirm")
    expect(page).to_have_url(re.compile(r"/sales/[0-9a-f-]+/receipt$"))

    # Two coffees by card: the terminal approves them, the sale records its processor.
    page.goto(f"{live_server.url}/sell")
    expect(page.locator("html[data-sell-ready=true]")).to_have_count(1)
    page.select_option("#register", label="Paris Marais · Caisse 1")
    _scan(page, COFFEE_BARCODE)
    expect(page.get_by_test_id("sale-total")).to_have_text(euros("8,90"))
    _scan(page, COFFEE_BARCODE)
    expect(page.get_by_test_id("sale-total")).to_have_text(euros("17,80"))
    page.click("#pay")
    page.get_by_label(TERMINAL_TYPE).check()
    page.click("#tender-add")
    expect(page.locator("#terminal-dialog")).to_have_attribute("data-state", "APPROVED")
    expect(page.get_by_test_id("tender-list")).to_contain_text(TERMINAL_TYPE)
    page.click("#pay-confirm")
    expect(page).to_have_url(re.compile(r"/sales/[0-9a-f-]+/receipt$"))
    assert [Decimal(e["amount"]) for e in simulator.ledger("charge")] == [Decimal("17.80")]

    page.goto(f"{live_server.url}/sell")
    page.select_option("#register", label="Paris Marais · Caisse 1")
    page.click("#register-cash-link")
    page.select_option("#f-type", "CASH_OUT")
    page.fill("#f-amount", "20")
    page.fill("#f-note", "Monnaie à la banque")
    page.click("#record-movement")
    expect(page.locator("#movements")).to_contain_text("Monnaie à la banque")

    page.goto(f"{live_server.url}/sell")
    page.select_option("#register", label="Paris Marais · Caisse 1")
    page.click("#register-close-link")
    cash = page.locator("tr[data-payment-type='Espèces']")
    expect(cash.locator("[data-expected]")).to_have_text(euros("138,90"))  # 150 + 8.90 - 20
    cash.locator("input[name^='counted_']").fill("137.90")
    cash.locator("input[name^='note_']").fill("Il manque 1 €")
    page.click("#close-button")

    expect(page).to_have_url(re.compile(r"/registers/closures/[0-9a-f-]+$"))
    closure = page.locator("#closure")
    for figure in ("150,00", "8,90", "20,00", "138,90", "137,90", "-1,00"):
        expect(closure).to_contain_text(euros(figure))
    expect(closure).to_contain_text("Il manque 1 €")
    payments = _section(closure, "Paiements")
    cash_row = payments.locator("tr", has_text="Espèces")
    expect(cash_row).to_contain_text(euros("20,00"))  # tendered
    expect(cash_row).to_contain_text(euros("-11,10"))  # the change given back
    card_row = payments.locator("tr", has_text=TERMINAL_TYPE)
    expect(card_row).to_contain_text("simulator")  # the processor
    expect(card_row).to_contain_text(euros("17,80"))
    movements = _section(closure, "Mouvements d’espèces")
    expect(movements.locator("tr", has_text="Sortie d’espèces")).to_contain_text(euros("20,00"))
    counted = _section(closure, "Compté")
    cash_count = counted.locator("tr", has_text="Espèces")
    for figure in ("138,90", "137,90", "-1,00"):
        expect(cash_count).to_contain_text(euros(figure))
    expect(cash_count).to_contain_text("Il manque 1 €")
    card_count = counted.locator("tr", has_text=TERMINAL_TYPE)
    expect(card_count).to_contain_text(euros("17,80"))
    page.screenshot(path="var/e2e-register-closure.png", full_page=True)
    assert page.request.get(page.url + "/pdf").body().startswith(b"%PDF")
