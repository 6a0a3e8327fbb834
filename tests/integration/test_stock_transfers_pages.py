"""The transfer and supplier return pages: a manager creates, fills, sends and receives a
transfer and sends a return with its credit note; bad input is shown, nothing changes; a
cashier is refused every page and action (403)."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import select

from comptoir.accounts.permissions import Role
from comptoir.catalog import entities
from comptoir.inventory.consignments.common import lines_of
from comptoir.inventory.consignments.models import Consignment
from comptoir.inventory.models import InventoryLevel
from comptoir.store import service as store
from comptoir.store.models import Outlet
from tests.factories import Store, csrf_of, make_product, make_user, sign_in_as


def _annex(shop: Store) -> Outlet:
    with shop.uow() as uow:
        return store.create_outlet(
            uow, fields=store.OutletFields(name="Annex", time_zone="Europe/Paris")
        )


def _count(shop: Store, product_id: uuid.UUID, outlet_id: uuid.UUID) -> Decimal:
    with shop.db.read_sessions() as session:
        value = session.scalar(
            select(InventoryLevel.count).where(
                InventoryLevel.product_id == product_id, InventoryLevel.outlet_id == outlet_id
            )
        )
    return value if value is not None else Decimal(0)


def _post(client: TestClient, page: str, action: str, **data: str):
    token = csrf_of(client.get(page).text)
    return client.post(action, data={"csrf": token, **data}, follow_redirects=False)


def _new_transfer(client: TestClient, shop: Store, annex: Outlet) -> str:
    reply = _post(
        client,
        "/stock-control/transfers/new",
        "/stock-control/transfers/new",
        source_outlet_id=str(shop.outlet.id),
        outlet_id=str(annex.id),
        name="Weekly top-up",
    )
    assert reply.status_code == 303, reply.text
    return reply.headers["location"]


def test_a_manager_sends_a_transfer_and_receives_it_short(browser: TestClient, shop: Store) -> None:
    annex = _annex(shop)
    mug = make_product(shop, name="Blue mug", sku="MUG-1", stock=10)
    page = _new_transfer(browser, shop, annex)
    assert _post(browser, page, f"{page}/lines", code="MUG-1", quantity="5").status_code == 303
    html = browser.get(page).text
    assert "Blue mug" in html and "Weekly top-up" in html
    assert _post(browser, page, f"{page}/send").status_code == 303
    assert _count(shop, mug.id, shop.outlet.id) == Decimal(5)
    html = browser.get(page).text
    assert "Quantity in transit: 5" in html
    delivery = re.search(r'name="delivery_id" value="([^"]+)"', html)
    assert delivery
    form = {"delivery_id": delivery.group(1), f"received.{mug.id}": "4"}
    assert _post(browser, page, f"{page}/receive", **form).status_code == 303
    # The same form posted again (a double click) changes nothing.
    assert _post(browser, page, f"{page}/receive", **form).status_code == 303
    assert _count(shop, mug.id, annex.id) == Decimal(4)
    html = browser.get(page).text
    assert 'id="lost-in-transit"' in html and "Quantity lost in transit: 1 " in html
    assert "-1" in html


def test_a_bad_quantity_or_the_same_outlet_is_shown_and_changes_nothing(
    browser: TestClient, shop: Store
) -> None:
    annex = _annex(shop)
    mug = make_product(shop, name="Blue mug", sku="MUG-1", stock=10)
    reply = _post(
        browser,
        "/stock-control/transfers/new",
        "/stock-control/transfers/new",
        source_outlet_id=str(shop.outlet.id),
        outlet_id=str(shop.outlet.id),
    )
    assert reply.status_code == 422
    assert "A transfer goes to another outlet" in reply.text
    page = _new_transfer(browser, shop, annex)
    for quantity in ("-1", "abc"):
        reply = _post(browser, page, f"{page}/lines", code="MUG-1", quantity=quantity)
        assert reply.status_code == 422
        assert "Enter a quantity of zero or more" in reply.text
    reply = _post(browser, page, f"{page}/lines", code="NO-SUCH-THING")
    assert reply.status_code == 422 and "No product matches" in reply.text
    with shop.db.read_sessions() as session:
        transfer_id = uuid.UUID(page.rsplit("/", 1)[1])
        assert lines_of(session, transfer_id) == {}
    assert _count(shop, mug.id, shop.outlet.id) == Decimal(10)


def test_a_received_transfer_refuses_changes(browser: TestClient, shop: Store) -> None:
    annex = _annex(shop)
    mug = make_product(shop, sku="MUG-1", stock=10)
    page = _new_transfer(browser, shop, annex)
    _post(browser, page, f"{page}/lines", code="MUG-1", quantity="2")
    _post(browser, page, f"{page}/send")
    html = browser.get(page).text
    delivery = re.search(r'name="delivery_id" value="([^"]+)"', html)
    assert delivery
    _post(
        browser,
        page,
        f"{page}/receive",
        delivery_id=delivery.group(1),
        **{f"received.{mug.id}": "2"},
    )
    for action, data in (
        ("cancel", {}),
        ("send", {}),
        ("lines", {"code": "MUG-1", "quantity": "1"}),
        ("receive", {"delivery_id": str(uuid.uuid4()), f"received.{mug.id}": "5"}),
    ):
        reply = _post(browser, page, f"{page}/{action}", **data)
        assert reply.status_code == 409, action
    assert (_count(shop, mug.id, shop.outlet.id), _count(shop, mug.id, annex.id)) == (
        Decimal(8),
        Decimal(2),
    )


def test_a_manager_sends_a_supplier_return_and_downloads_its_credit_note(
    browser: TestClient, shop: Store
) -> None:
    mug = make_product(shop, name="Blue mug", sku="MUG-1", stock=10, supply_price="4.00")
    with shop.uow() as uow:
        acme = entities.create_supplier(uow, fields=entities.SupplierFields(name="Acme"))
    reply = _post(
        browser,
        "/stock-control/returns/new",
        "/stock-control/returns/new",
        outlet_id=str(shop.outlet.id),
        supplier_id=str(acme.id),
        reason="",
    )
    assert reply.status_code == 422 and "Give the reason" in reply.text
    reply = _post(
        browser,
        "/stock-control/returns/new",
        "/stock-control/returns/new",
        outlet_id=str(shop.outlet.id),
        supplier_id=str(acme.id),
        reason="Damaged",
    )
    assert reply.status_code == 303
    page = reply.headers["location"]
    assert _post(browser, page, f"{page}/lines", code="MUG-1", quantity="3").status_code == 303
    assert _post(browser, page, f"{page}/send").status_code == 303
    assert _count(shop, mug.id, shop.outlet.id) == Decimal(7)
    html = browser.get(page).text
    assert "credit-note.pdf" in html and "Damaged" in html
    pdf = browser.get(f"{page}/credit-note.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    assert _post(browser, page, f"{page}/cancel").status_code == 409


def test_a_cashier_is_refused_the_transfer_and_return_pages(
    app_client: TestClient, shop: Store
) -> None:
    annex = _annex(shop)
    with shop.uow() as uow:
        transfer = Consignment(
            type="OUTLET", status="OPEN", outlet_id=annex.id, source_outlet_id=shop.outlet.id
        )
        uow.session.add(transfer)
        returned = Consignment(type="RETURN", status="OPEN", outlet_id=shop.outlet.id)
        uow.session.add(returned)
        uow.commit()
        transfer_id, return_id = transfer.id, returned.id
    sign_in_as(app_client, make_user(shop, role=Role.CASHIER).username)
    token = csrf_of(app_client.get("/account").text)
    for path in (
        "/stock-control/transfers/new",
        f"/stock-control/transfers/{transfer_id}",
        "/stock-control/returns/new",
        f"/stock-control/returns/{return_id}",
        f"/stock-control/returns/{return_id}/credit-note.pdf",
    ):
        assert app_client.get(path).status_code == 403, path
    for path in (
        "/stock-control/transfers/new",
        f"/stock-control/transfers/{transfer_id}/lines",
        f"/stock-control/transfers/{transfer_id}/send",
        f"/stock-control/transfers/{transfer_id}/receive",
        f"/stock-control/transfers/{transfer_id}/cancel",
        "/stock-control/returns/new",
        f"/stock-control/returns/{return_id}/lines",
        f"/stock-control/returns/{return_id}/send",
        f"/stock-control/returns/{return_id}/cancel",
    ):
        assert app_client.post(path, data={"csrf": token}).status_code == 403, path
