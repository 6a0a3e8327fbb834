"""The stock control list and the purchase order pages: a manager creates, fills, sends and
receives an order on the pages; a cashier may not see them; bad input shows an error and
changes nothing; a receive form posted twice receives once."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select

from comptoir.accounts.permissions import Role
from comptoir.catalog.models import Product
from comptoir.inventory.consignments.models import Consignment
from tests.factories import (
    Store,
    csrf_of,
    make_product,
    make_purchase_supplier,
    make_user,
    set_reorder,
    sign_in_as,
    stock_of,
    supply_product,
)

D = Decimal


def _post(client: TestClient, page: str, action: str, data: dict[str, Any]) -> httpx.Response:
    form = client.get(page)
    assert form.status_code == 200, form.text
    return client.post(action, data={"csrf": csrf_of(form.text), **data}, follow_redirects=False)


def _new_order(browser: TestClient, shop: Store, supplier_id: uuid.UUID) -> str:
    created = _post(
        browser,
        "/stock-control/orders/new",
        "/stock-control/orders/new",
        {"supplier_id": str(supplier_id), "outlet_id": str(shop.outlet.id), "name": "Weekly",
         "due_at": "2030-01-15"},
    )  # fmt: skip
    assert created.status_code == 303, created.text
    location = created.headers["location"]
    assert re.fullmatch(r"/stock-control/orders/[0-9a-f-]{36}", location)
    return location


def _delivery_id(html: str) -> str:
    match = re.search(r'name="delivery_id" value="([0-9a-f-]{36})"', html)
    assert match
    return match.group(1)


def _supply_price(shop: Store, product: Product) -> Decimal | None:
    with shop.db.read_sessions() as session:
        return session.scalar(select(Product.supply_price).where(Product.id == product.id))


def test_a_manager_fills_sends_and_receives_an_order_in_two_deliveries_on_the_pages(
    browser: TestClient, shop: Store
) -> None:
    supplier = make_purchase_supplier(shop, name="Acme", email="orders@acme.example")
    beans = make_product(shop, name="Beans", stock=2, supply_price="4.00", sku="BEANS-1")
    filter_ = make_product(
        shop, name="Filter", stock=0, supply_price="1.00", barcode="3760000000017"
    )
    supply_product(shop, beans, supplier.id)
    set_reorder(shop, beans, point="3", restock="12")
    page = _new_order(browser, shop, supplier.id)

    filled = _post(browser, page, page + "/fill", {})
    assert filled.headers["location"].endswith("?notice=filled")
    scanned = _post(browser, page, page + "/add", {"code": "3760000000017", "quantity": "4"})
    assert scanned.status_code == 303, scanned.text
    html = browser.get(page).text
    assert "PO-00001" in html and "Beans" in html and "Filter" in html
    assert f'name="count_{beans.id}" value="10"' in html
    assert f'name="count_{filter_.id}" value="4"' in html

    sent = _post(browser, page, page + "/send", {})
    assert sent.headers["location"].endswith("?notice=sent")
    assert "by email" in browser.get(sent.headers["location"]).text

    form = browser.get(page).text
    half = browser.post(
        page + "/receive",
        data={"csrf": csrf_of(form), "delivery_id": _delivery_id(form),
              f"received_{beans.id}": "5", f"received_{filter_.id}": "2"},
        follow_redirects=False,
    )  # fmt: skip
    assert half.headers["location"].endswith("?notice=received"), half.text
    assert (stock_of(shop, beans), stock_of(shop, filter_)) == (D(7), D(2))
    assert 'id="order-status">Partly received' in browser.get(page).text

    form = browser.get(page).text
    rest = browser.post(
        page + "/receive",
        data={"csrf": csrf_of(form), "delivery_id": _delivery_id(form),
              f"received_{beans.id}": "5", f"new_cost_{beans.id}": "4,50",
              f"received_{filter_.id}": "2", "complete": "1"},
        follow_redirects=False,
    )  # fmt: skip
    assert rest.status_code == 303, rest.text
    assert (stock_of(shop, beans), stock_of(shop, filter_)) == (D(12), D(4))
    assert _supply_price(shop, beans) == D("4.50")
    done = browser.get(page).text
    assert 'id="order-status">Received' in done
    assert 'id="receive-form"' not in done  # a received order offers no more changes

    pdf = browser.get(page + "/pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    listed = browser.get("/stock-control?tab=orders&status=RECEIVED&q=po-000").text
    assert "PO-00001" in listed and page in listed
    assert "PO-00001" not in browser.get("/stock-control?tab=orders&status=OPEN").text


def test_the_list_has_a_tab_per_type_and_searches_the_note(
    browser: TestClient, shop: Store
) -> None:
    supplier = make_purchase_supplier(shop)
    _new_order(browser, shop, supplier.id)
    page = browser.get("/stock-control")
    assert page.status_code == 200
    for tab in ("orders", "transfers", "returns", "counts"):
        assert f'id="tab-{tab}"' in page.text
    assert "PO-00001" in browser.get("/stock-control?q=weekly").text
    assert "PO-00001" not in browser.get("/stock-control?q=monthly").text
    assert "PO-00001" not in browser.get("/stock-control?tab=transfers").text
    assert 'id="nav-stock-control"' in page.text


def test_a_supplier_without_email_is_shown_a_message_when_the_order_is_sent(
    browser: TestClient, shop: Store
) -> None:
    supplier = make_purchase_supplier(shop, email=None)
    mug = make_product(shop, sku="MUG-1")
    page = _new_order(browser, shop, supplier.id)
    _post(browser, page, page + "/add", {"code": "MUG-1"})
    sent = _post(browser, page, page + "/send", {})
    assert "no email address" in browser.get(sent.headers["location"]).text
    assert stock_of(shop, mug) == D(10)


def test_a_bad_received_quantity_shows_an_error_and_changes_nothing(
    browser: TestClient, shop: Store
) -> None:
    supplier = make_purchase_supplier(shop)
    mug = make_product(shop, sku="MUG-2", stock=1)
    page = _new_order(browser, shop, supplier.id)
    _post(browser, page, page + "/add", {"code": "MUG-2", "quantity": "3"})
    for typed in ("-2", "two"):
        form = browser.get(page).text
        reply = browser.post(
            page + "/receive",
            data={"csrf": csrf_of(form), "delivery_id": _delivery_id(form),
                  f"received_{mug.id}": typed},
            follow_redirects=False,
        )  # fmt: skip
        assert reply.status_code == 422
        assert 'id="order-error"' in reply.text
    bad_scan = _post(browser, page, page + "/add", {"code": "NO-SUCH-CODE"})
    assert bad_scan.status_code == 422 and 'id="order-error"' in bad_scan.text
    assert stock_of(shop, mug) == D(1)
    with shop.db.read_sessions() as session:
        assert session.scalars(select(Consignment.status)).one() == "OPEN"


def test_a_receive_form_posted_twice_receives_once(browser: TestClient, shop: Store) -> None:
    supplier = make_purchase_supplier(shop)
    mug = make_product(shop, sku="MUG-3", stock=0)
    page = _new_order(browser, shop, supplier.id)
    _post(browser, page, page + "/add", {"code": "MUG-3", "quantity": "6"})
    form = browser.get(page).text
    data = {"csrf": csrf_of(form), "delivery_id": _delivery_id(form), f"received_{mug.id}": "2"}
    first = browser.post(page + "/receive", data=data, follow_redirects=False)
    again = browser.post(page + "/receive", data=data, follow_redirects=False)
    assert first.headers["location"].endswith("?notice=received")
    assert again.headers["location"].endswith("?notice=replayed")
    assert stock_of(shop, mug) == D(2)


def test_changing_a_received_order_on_its_page_is_refused(browser: TestClient, shop: Store) -> None:
    supplier = make_purchase_supplier(shop)
    mug = make_product(shop, sku="MUG-4", stock=0)
    page = _new_order(browser, shop, supplier.id)
    _post(browser, page, page + "/add", {"code": "MUG-4", "quantity": "2"})
    _post(browser, page, page + "/receive-all", {"delivery_id": str(uuid.uuid4())})
    assert stock_of(shop, mug) == D(2)
    form = browser.get(page).text
    refused = browser.post(
        page + "/lines", data={"csrf": csrf_of(form), f"count_{mug.id}": "9"},
        follow_redirects=False,
    )  # fmt: skip
    assert refused.status_code == 409 and 'id="order-error"' in refused.text
    cancelled = browser.post(page + "/cancel", data={"csrf": csrf_of(form)},
                             follow_redirects=False)  # fmt: skip
    assert cancelled.status_code == 409
    assert stock_of(shop, mug) == D(2)


def test_a_cashier_may_not_see_or_change_purchase_orders(
    app_client: TestClient, shop: Store
) -> None:
    supplier = make_purchase_supplier(shop)
    with shop.uow() as uow:
        from comptoir.inventory.consignments import orders

        order = orders.create_order(uow, outlet_id=shop.outlet.id, supplier_id=supplier.id,
                                    user_id=shop.owner.id)  # fmt: skip
        uow.commit()
    cashier = make_user(shop, role=Role.CASHIER)
    sign_in_as(app_client, cashier.username)
    assert app_client.get("/stock-control").status_code == 403
    assert app_client.get("/stock-control/orders/new").status_code == 403
    assert app_client.get(f"/stock-control/orders/{order.id}").status_code == 403
    assert app_client.get(f"/stock-control/orders/{order.id}/pdf").status_code == 403
    sell = app_client.get("/sell").text
    assert 'id="nav-stock-control"' not in sell
    posted = app_client.post(
        f"/stock-control/orders/{order.id}/cancel",
        data={"csrf": csrf_of(sell)},
        follow_redirects=False,
    )
    assert posted.status_code == 403
    with shop.db.read_sessions() as session:
        assert session.scalars(select(Consignment.status)).one() == "OPEN"


def test_a_product_found_by_search_is_added_and_an_over_receipt_is_flagged(
    browser: TestClient, shop: Store
) -> None:
    supplier = make_purchase_supplier(shop)
    kettle = make_product(shop, name="Copper kettle", stock=0)
    page = _new_order(browser, shop, supplier.id)
    found = browser.get(page + "?q=copper").text
    assert 'id="search-results"' in found and "Copper kettle" in found
    added = browser.post(
        page + "/add",
        data={"csrf": csrf_of(found), "product_id": str(kettle.id)},
        follow_redirects=False,
    )
    assert added.status_code == 303
    form = browser.get(page).text
    over = browser.post(
        page + "/receive",
        data={"csrf": csrf_of(form), "delivery_id": _delivery_id(form),
              f"received_{kettle.id}": "3"},
        follow_redirects=False,
    )  # fmt: skip
    assert over.headers["location"].endswith("?notice=over")
    shown = browser.get(over.headers["location"]).text
    assert "More was received than ordered" in shown and "over-received" in shown
    assert stock_of(shop, kettle) == D(3)
