"""Signing in with MFA, and a protected user switch at the register followed by a sale."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pyotp
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select, update

from comptoir.accounts import service as accounts
from comptoir.accounts.models import User
from comptoir.accounts.permissions import Role
from comptoir.core.db import Database, open_database
from comptoir.sales.models import Sale
from comptoir.setup import ean13
from comptoir.store.models import Retailer
from tests.e2e.conftest import LiveServer, sign_in

pytestmark = pytest.mark.e2e

COFFEE_BARCODE = ean13("376000000000")
STAFF_PASSWORD = "staff-password"


@pytest.fixture
def store_db(live_server: LiveServer) -> Iterator[Database]:
    """The live server's database, to set up what other pages (users, PINs) would."""
    db = open_database(live_server.env["COMPTOIR_DATABASE_URL"])
    try:
        yield db
    finally:
        db.dispose()


def test_owner_turns_on_mfa_then_signs_in_with_a_totp_code(
    page: Page, live_server: LiveServer
) -> None:
    sign_in(page, live_server)
    expect(page).to_have_url(re.compile(r"/sell$"))
    page.goto(f"{live_server.url}/account/mfa")
    page.get_by_role("button", name=re.compile("Configurer")).click()
    expect(page.locator("img[src^='data:image/svg+xml']")).to_be_visible()
    secret = page.get_by_test_id("mfa-secret").inner_text().strip()
    page.fill("#f-code", pyotp.TOTP(secret).now())
    page.press("#f-code", "Enter")
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)

    page.get_by_role("button", name=re.compile("Se déconnecter")).click()
    expect(page).to_have_url(re.compile(r"/login$"))
    sign_in(page, live_server)
    expect(page).to_have_url(re.compile(r"/login/mfa"))
    page.fill("#code", "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    page.press("#code", "Enter")
    expect(page.get_by_role("alert")).to_contain_text("Code incorrect")
    page.goto(f"{live_server.url}/sell")
    expect(page).to_have_url(re.compile(r"/login"))  # not signed in before the code
    sign_in(page, live_server)
    page.fill("#code", pyotp.TOTP(secret).now())
    page.press("#code", "Enter")
    expect(page).to_have_url(re.compile(r"/sell$"))
    expect(page.get_by_test_id("seller")).to_be_visible()


def test_a_protected_switch_to_a_manager_then_the_sale_is_recorded_for_the_manager(
    page: Page, live_server: LiveServer, store_db: Database
) -> None:
    with store_db.unit_of_work() as uow:
        cashier = accounts.create_user(
            uow,
            username="camille",
            display_name="Camille",
            password=STAFF_PASSWORD,
            role=Role.CASHIER,
        )
    with store_db.unit_of_work() as uow:
        manager = accounts.create_user(
            uow,
            username="maxime",
            display_name="Maxime",
            password=STAFF_PASSWORD,
            role=Role.MANAGER,
        )
    with store_db.unit_of_work() as uow:
        uow.session.execute(
            update(User)
            .where(User.id == manager.id)
            .values(pin_hash=accounts.hash_password("2468"))
        )
        uow.session.execute(update(Retailer).values(switch_protection=True))
        uow.commit()

    sign_in(page, live_server, username="camille", password=STAFF_PASSWORD)
    expect(page).to_have_url(re.compile(r"/sell$"))
    expect(page.get_by_test_id("seller")).to_have_text("Camille")
    expect(page.locator("html[data-sell-ready=true]")).to_have_count(1)

    # Keyboard only: open the dialog, pick the manager, type the secret, Enter.
    page.locator("#switch-open").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#switch-dialog")).to_be_visible()
    page.locator("#switch-user").select_option(label="Maxime")
    expect(page.locator("#switch-secret-label")).to_have_text("Mot de passe")
    page.fill("#switch-secret", "2468")  # the PIN is not enough for a higher role
    page.press("#switch-secret", "Enter")
    expect(page.locator("#switch-error")).to_contain_text("incorrect")
    page.fill("#switch-secret", STAFF_PASSWORD)
    page.press("#switch-secret", "Enter")
    expect(page.locator("#switch-dialog")).to_be_hidden()
    expect(page.get_by_test_id("seller")).to_have_text("Maxime")

    search = page.locator("#search")
    search.fill(COFFEE_BARCODE)
    search.press("Enter")
    expect(page.locator("#cart-lines tr")).to_have_count(1)
    page.click("#pay")
    page.click("#pay-confirm")
    expect(page).to_have_url(re.compile(r"/sales/[0-9a-f-]+/receipt$"))
    expect(page.locator("body")).to_contain_text("Maxime")

    with store_db.read_sessions() as session:
        # The sale rung up here (the demo's own sales are on Caisse 2, numbered MB-).
        sellers = list(
            session.scalars(select(Sale.user_id).where(Sale.invoice_number.startswith("MA-")))
        )
    assert sellers == [manager.id]
    assert cashier.id not in sellers
