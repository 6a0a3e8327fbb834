"""A partial stock count of one brand: created for the brand, counted on a phone-sized
screen by scanning (one tea found short by one), reviewed, applied; the product's page then
shows the stock counted, and the other products of the shop did not move."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select, update

from comptoir.catalog.models import Brand, Product, ProductCode
from comptoir.core.db import open_database
from comptoir.inventory.models import InventoryLevel
from comptoir.setup import ean13
from tests.e2e.conftest import LiveServer, sign_in

pytestmark = pytest.mark.e2e

SENCHA, EARL_GREY = ean13("376000000002"), ean13("376000000003")  # the demo's two teas


def _tea_brand(live_server: LiveServer) -> dict[str, tuple[uuid.UUID, Decimal]]:
    """A brand given to the demo's two teas (the catalog pages are not this journey's);
    their ids and stock by barcode."""
    db = open_database(live_server.env["COMPTOIR_DATABASE_URL"])
    try:
        with db.unit_of_work() as uow:
            brand = Brand(name="Maison du thé")
            uow.session.add(brand)
            uow.session.flush()
            found = dict(
                uow.session.execute(
                    select(ProductCode.code, ProductCode.product_id).where(
                        ProductCode.code.in_([SENCHA, EARL_GREY])
                    )
                ).all()
            )
            uow.session.execute(
                update(Product).where(Product.id.in_(found.values())).values(brand_id=brand.id)
            )
            uow.commit()
        with db.read_sessions() as session:
            return {
                code: (
                    product_id,
                    session.scalar(
                        select(InventoryLevel.count).where(InventoryLevel.product_id == product_id)
                    )
                    or Decimal(0),
                )
                for code, product_id in found.items()
            }
    finally:
        db.dispose()


def _scan(page: Page, code: str, quantity: str = "") -> None:
    page.fill("#scan-code", code)
    page.fill("#scan-quantity", quantity)
    page.click("#scan-add")
    expect(page.locator("#scan-last")).to_be_visible()


def test_a_partial_count_of_one_brand_with_one_difference_applied(
    page: Page, live_server: LiveServer
) -> None:
    teas = _tea_brand(live_server)
    sencha_id, sencha_stock = teas[SENCHA]
    earl_id, earl_stock = teas[EARL_GREY]
    sign_in(page, live_server, "/stock-control/counts/new")
    page.fill("#f-name", "Thés, rayon 3")
    page.check("#f-partial")
    page.select_option("#f-brand_ids", label="Maison du thé")
    page.click("#create-count")
    expect(page).to_have_url(re.compile(r"/stock-control/counts/[0-9a-f-]+$"))
    expect(page.locator("#count-lines")).to_have_text("2")

    page.set_viewport_size({"width": 390, "height": 844})  # a phone, held upright
    page.click("#go-count")
    expect(page.locator("#scan-code")).to_be_focused()
    box = page.locator("#scan-add").bounding_box()
    assert box is not None and box["height"] >= 48
    _scan(page, SENCHA, str(sencha_stock))
    _scan(page, EARL_GREY, str(earl_stock - 2))
    _scan(page, EARL_GREY)  # one more found on the shelf below: scanned once
    expect(page.locator("#scan-figures")).to_contain_text("2")
    expect(page.locator("#counted-lines li")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    page.screenshot(path="var/e2e-stocktake-phone.png", full_page=True)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.click("nav.subnav a")
    page.click("#go-review")
    expect(page.locator("#total-count-loss")).to_have_text("-1")
    expect(page.locator("#total-count-gain")).to_have_text("0")
    earl_row = page.locator(f"#review-lines tr[data-product='{earl_id}']")
    expect(earl_row.locator("td.diff")).to_have_text("-1")
    page.screenshot(path="var/e2e-stocktake-review.png", full_page=True)
    page.check("#u-keep")
    page.click("#apply-count")
    expect(page.locator("#count-status")).to_have_attribute("data-status", "STOCKTAKE_COMPLETE")

    page.goto(f"{live_server.url}/products/{earl_id}")
    expect(page.locator("td.stock").first).to_have_text(str(int(earl_stock - 1)))
    page.goto(f"{live_server.url}/products/{sencha_id}")
    expect(page.locator("td.stock").first).to_have_text(str(int(sencha_stock)))
