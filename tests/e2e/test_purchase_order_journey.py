"""A purchase order's journey: a manager orders two teas from their supplier, filled from
the reorder points, sends the order, receives half of it, then the rest with a new supply
price; the order page shows the stock arriving and the product page the new supply price."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from comptoir.catalog import entities
from comptoir.catalog.models import Product
from comptoir.core.db import open_database
from comptoir.inventory import service as inventory
from comptoir.store.models import Outlet
from tests.e2e.conftest import LiveServer, sign_in

pytestmark = pytest.mark.e2e

TEAS = ("Thé vert Sencha 100 g", "Thé noir Earl Grey 100 g")
NUMBER = "PO-00004"  # the next order number: the demo store has three orders (demo_stock.py)


def _supply_the_teas(live_server: LiveServer) -> dict[str, tuple[str, Decimal]]:
    """A supplier for the demo's two teas, each 10 under its restock level and at or below
    its reorder point; the teas' (id, stock) by name."""
    db = open_database(live_server.env["COMPTOIR_DATABASE_URL"])
    try:
        with db.unit_of_work() as uow:
            supplier = entities.create_supplier(
                uow,
                fields=entities.SupplierFields(name="Maison du thé", email="commandes@the.example"),
            )
        teas: dict[str, tuple[str, Decimal]] = {}
        with db.unit_of_work() as uow:
            outlet_id = uow.session.scalars(
                select(Outlet.id).where(Outlet.name == "Paris Marais")
            ).one()
            settings = []
            for name in TEAS:
                product = uow.session.scalars(select(Product).where(Product.name == name)).one()
                product.supplier_id = supplier.id
                stock = inventory.stock_by_product(
                    uow.session, product_ids=[product.id], outlet_id=outlet_id
                )[product.id]
                teas[name] = (str(product.id), stock)
                settings.append(
                    inventory.ReorderSettings(
                        product_id=product.id,
                        outlet_id=outlet_id,
                        reorder_point=stock,
                        restock_level=stock + 10,
                    )
                )
            inventory.set_reorder_levels(uow.session, settings=settings)
            uow.commit()
        return teas
    finally:
        db.dispose()


def _stock_cell(page: Page, name: str) -> str:
    return page.locator("#order-lines tr", has_text=name).get_by_test_id("stock").inner_text()


def _number(text: str) -> Decimal:
    return Decimal(re.sub(r"[\s\u202f\xa0]", "", text).replace(",", "."))


def test_order_filled_from_reorder_points_received_in_two_deliveries_with_a_new_supply_price(
    page: Page, live_server: LiveServer
) -> None:
    teas = _supply_the_teas(live_server)
    sencha, earl_grey = TEAS
    sign_in(page, live_server, "/stock-control")

    page.click("#new-order")
    page.select_option("#f-supplier", label="Maison du thé")
    page.select_option("#f-outlet", label="Paris Marais")
    page.fill("#f-note", "Commande de la semaine")
    page.click("#create-order")
    expect(page).to_have_url(re.compile(r"/stock-control/orders/[0-9a-f-]{36}$"))
    order_url = page.url
    expect(page.locator("h1")).to_contain_text(NUMBER)

    page.click("#fill-reorder")
    for name in TEAS:
        row = page.locator("#order-lines tr", has_text=name)
        expect(row.locator("input[name^='count_']")).to_have_value("10")
    page.click("#send-order")
    expect(page.locator("#order-notice")).to_be_visible()
    expect(page.locator(".page.stock-order")).to_have_attribute("data-status", "SENT")

    # The first delivery: half of each, the Sencha typed, the Earl Grey scanned five times.
    page.locator("#receive-lines tr", has_text=sencha).locator("input[name^='received_']").fill("5")
    earl_grey_sku = page.locator("#receive-lines tr", has_text=earl_grey).get_attribute("data-sku")
    assert earl_grey_sku
    for _ in range(5):
        page.fill("#receive-scan", earl_grey_sku)
        page.press("#receive-scan", "Enter")
    expect(
        page.locator("#receive-lines tr", has_text=earl_grey).locator("input[name^='received_']")
    ).to_have_value("5")
    page.click("#receive-button")
    expect(page.locator(".page.stock-order")).to_have_attribute("data-status", "DISPATCHED")
    for name in TEAS:
        assert _number(_stock_cell(page, name)) == teas[name][1] + 5

    # The rest, the Sencha at a new supply price; nothing more will come.
    sencha_row = page.locator("#receive-lines tr", has_text=sencha)
    sencha_row.locator("input[name^='received_']").fill("5")
    sencha_row.locator("input[name^='new_cost_']").fill("4,20")
    page.locator("#receive-lines tr", has_text=earl_grey).locator("input[name^='received_']").fill(
        "5"
    )
    page.check("#receive-complete")
    page.click("#receive-button")
    expect(page.locator(".page.stock-order")).to_have_attribute("data-status", "RECEIVED")
    for name in TEAS:
        assert _number(_stock_cell(page, name)) == teas[name][1] + 10
    expect(page.locator("#order-lines tr", has_text=sencha).get_by_test_id("cost")).to_contain_text(
        "4,20"
    )
    page.screenshot(path="var/e2e-purchase-order.png", full_page=True)

    # The product page shows the new supply price and the stock.
    page.goto(f"{live_server.url}/products/{teas[sencha][0]}")
    supply = page.locator("dl.facts dt", has_text="Prix d'achat").locator(
        "xpath=following-sibling::dd[1]"
    )
    expect(supply).to_contain_text("4,20")
    outlet_row = page.locator("#product-outlets tr", has_text="Paris Marais")
    expect(outlet_row).to_contain_text(f"{(teas[sencha][1] + 10).normalize():f}")

    page.goto(f"{live_server.url}/stock-control?tab=orders&status=RECEIVED")
    expect(page.locator("#consignments")).to_contain_text(NUMBER)
    page.locator("#consignments a", has_text=NUMBER).click()
    expect(page).to_have_url(order_url)
