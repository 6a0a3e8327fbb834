"""Pricing at the till in Chromium: a cashier's discount beyond the store's limit is approved
by a manager's PIN on the cashier's screen, and the receipt shows it; a sale is split
between a card and cash, the change coming from the cash."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from playwright.sync_api import Page, expect

from comptoir.setup import ean13
from tests.e2e.conftest import LiveServer, sign_in

pytestmark = pytest.mark.e2e

COFFEE_BARCODE = ean13("376000000000")  # "Café en grains Éthiopie", 8.90 € (VAT 5.5 %)
CASHIER = ("caisse", "cashier-password")
MANAGER = ("gerant", "manager-password", "2468")

MAKE_USERS = """
from sqlalchemy import update
from comptoir.accounts import service
from comptoir.accounts.models import User
from comptoir.accounts.permissions import Role
from comptoir.core.db import open_database
from comptoir.core.settings import get_settings

db = open_database(get_settings().database_url)
with db.unit_of_work() as uow:
    service.create_user(uow, username="{0}", display_name="Camille", password="{1}",
                        role=Role.CASHIER)
    manager = service.create_user(uow, username="{2}", display_name="Maxime",
                                  password="{3}", role=Role.MANAGER)
    uow.session.execute(update(User).where(User.id == manager.id)
                        .values(pin_hash=service.hash_password("{4}")))
    uow.commit()
"""


def make_users(server: LiveServer) -> None:
    script = MAKE_USERS.format(*CASHIER, *MANAGER)
    subprocess.run([sys.executable, "-c", script], env=server.env, check=True)


def money(amount: str) -> re.Pattern[str]:
    return re.compile(rf"{re.escape(amount)}\s?€")


def start_sale(page: Page, server: LiveServer) -> None:
    sign_in(page, server, "/sell", username=CASHIER[0], password=CASHIER[1])
    expect(page.locator("html[data-sell-ready=true]")).to_have_count(1)
    page.fill("#search", COFFEE_BARCODE)
    page.press("#search", "Enter")
    expect(page.locator("#cart-lines tr")).to_have_count(1)


def test_a_discount_over_the_limit_is_approved_by_a_managers_pin(
    page: Page, live_server: LiveServer
) -> None:
    make_users(live_server)
    start_sale(page, live_server)

    page.click("#cart-lines .line-edit")
    page.fill("#line-percent", "30")
    page.fill("#line-note", "Fin de série")
    page.click("#line-confirm")
    # 8.90 less 30 % (2.67): the screen prices it as the server will.
    expect(page.get_by_test_id("sale-total")).to_have_text(money("6,23"))
    expect(page.get_by_test_id("sale-discount")).to_have_text(re.compile(r"2,67\s?€"))

    page.click("#pay")
    page.click("#pay-confirm")
    # Beyond the cashier's 10 %: the server refuses, the screen asks a manager.
    expect(page.locator("#approval-dialog")).to_be_visible()
    page.select_option("#approval-user", MANAGER[0])
    page.fill("#approval-secret", "0000")
    page.click("#approval-confirm")
    expect(page.locator("#approval-error")).not_to_be_empty()
    page.fill("#approval-secret", MANAGER[2])
    page.click("#approval-confirm")

    expect(page).to_have_url(re.compile(r"/sales/[0-9a-f-]+/receipt$"))
    expect(page.get_by_test_id("receipt-total")).to_have_text(money("6,23"))
    expect(page.get_by_test_id("receipt-line-discount")).to_contain_text("2,67")
    expect(page.get_by_test_id("receipt-total-discount")).to_contain_text("2,67")
    expect(page.locator(".receipt")).to_contain_text("Fin de série")


def test_a_sale_is_split_between_card_and_cash_with_change_from_the_cash(
    page: Page, live_server: LiveServer
) -> None:
    make_users(live_server)
    start_sale(page, live_server)
    page.fill("#cart-lines input.qty", "2")
    page.press("#cart-lines input.qty", "Enter")
    expect(page.get_by_test_id("sale-total")).to_have_text(money("17,80"))

    page.click("#pay")
    page.locator(
        "#pay-dialog label.tender", has_text=re.compile(r"Carte bancaire|Credit card")
    ).click()
    page.fill("#tendered", "10")
    page.click("#tender-add")
    expect(page.get_by_test_id("tender-list").locator("li")).to_have_count(1)
    expect(page.get_by_test_id("remaining")).to_have_text(money("7,80"))
    page.locator("#pay-dialog label.tender", has_text=re.compile("Espèces|Cash")).click()
    page.locator("#quick-cash button.quick", has_text="10").first.click()
    expect(page.get_by_test_id("change-due")).to_have_text(money("2,20"))
    page.click("#pay-confirm")

    expect(page).to_have_url(re.compile(r"/sales/[0-9a-f-]+/receipt$"))
    expect(page.get_by_test_id("receipt-tender")).to_have_count(2)
    expect(page.get_by_test_id("receipt-change")).to_have_text(money("2,20"))
