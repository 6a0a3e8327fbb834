"""The return without a receipt page (/returns/new): managers only, items by SKU or barcode
priced from the catalog, refunded in cash or to a customer's store credit, once per form."""

from __future__ import annotations

import re
from decimal import Decimal

from fastapi.testclient import TestClient

from comptoir.accounts.permissions import Role
from comptoir.sales.models import Sale
from tests.factories import (
    Store,
    count_rows,
    credit_of,
    csrf_of,
    make_customer,
    make_product,
    make_user,
    sign_in_as,
    stock_of,
)


def _form(page: str, shop: Store, **values: str) -> dict[str, str]:
    """What the page posts: its CSRF token and return id (hidden), the shop's register and
    cash, then `values`."""
    return_id = re.search(r'name="return_id" value="([^"]+)"', page)
    assert return_id, "the page has no return id"
    return {
        "csrf": csrf_of(page),
        "return_id": return_id.group(1),
        "register_id": str(shop.register.id),
        "refund_with": str(shop.cash.id),
        "refund_to": "tenders",
        **values,
    }


def test_a_manager_refunds_scanned_items_in_cash_and_they_go_back_to_stock(
    app_client: TestClient, shop: Store
) -> None:
    mug = make_product(shop, price="14.00", stock=3, barcode="3760000000017")
    sign_in_as(app_client, make_user(shop, role=Role.MANAGER).username)
    page = app_client.get("/returns/new")
    assert page.status_code == 200
    form = _form(page.text, shop, code_0="3760000000017", qty_0="2", reason_0="Faulty")

    for _ in range(2):  # a double click posts the same form twice
        reply = app_client.post("/returns/new", data=form, follow_redirects=False)
        assert reply.status_code == 303, reply.text

    assert count_rows(shop.db, Sale) == 1
    receipt = app_client.get(reply.headers["location"])
    assert 'data-testid="receipt-refund"' in receipt.text
    assert "28.00" in receipt.text
    assert stock_of(shop, mug) == Decimal(5)


def test_a_receiptless_return_to_store_credit_credits_the_customer_typed_by_code(
    app_client: TestClient, shop: Store
) -> None:
    alice = make_customer(shop, first_name="Alice")
    scarf = make_product(shop, price="19.90", stock=2, sku="SCARF-1")
    sign_in_as(app_client, make_user(shop, role=Role.MANAGER).username)
    page = app_client.get(f"/returns/new?customer={alice.customer_code}")
    assert f'value="{alice.customer_code}"' in page.text
    form = _form(
        page.text,
        shop,
        code_0="SCARF-1",
        damaged_0="on",
        refund_to="store_credit",
        customer=alice.customer_code,
    )

    reply = app_client.post("/returns/new", data=form, follow_redirects=False)

    assert reply.status_code == 303, reply.text
    assert credit_of(shop, alice) == (Decimal("19.90"), Decimal("19.90"))
    assert stock_of(shop, scarf) == Decimal(2)  # damaged: not restocked


def test_a_cashier_can_neither_open_nor_post_a_receiptless_return(
    app_client: TestClient, shop: Store
) -> None:
    make_product(shop, price="14.00", sku="MUG-1")
    sign_in_as(app_client, make_user(shop, role=Role.CASHIER).username)
    assert app_client.get("/returns/new").status_code == 403
    history = app_client.get("/sales")
    assert 'id="find-return"' in history.text
    assert 'id="receiptless-return"' not in history.text
    csrf = csrf_of(app_client.get("/returns/find").text)

    refused = app_client.post(
        "/returns/new",
        data={
            "csrf": csrf,
            "register_id": str(shop.register.id),
            "refund_with": str(shop.cash.id),
            "code_0": "MUG-1",
        },
    )

    assert refused.status_code == 403
    assert count_rows(shop.db, Sale) == 0


def test_bad_input_on_the_page_shows_the_error_and_records_nothing(
    app_client: TestClient, shop: Store
) -> None:
    make_product(shop, price="14.00", sku="MUG-1")
    sign_in_as(app_client, make_user(shop, role=Role.MANAGER).username)
    page = app_client.get("/returns/new").text

    cases = [
        (_form(page, shop, code_0="NOPE"), "NOPE"),  # unknown product
        (_form(page, shop, code_0="MUG-1", qty_0="two"), "return-error"),  # not a number
        (_form(page, shop, code_0="MUG-1", qty_0="-1"), "return-error"),  # not positive
        (_form(page, shop), "return-error"),  # no line
        (_form(page, shop, code_0="MUG-1", refund_to="store_credit"), "return-error"),  # nobody
        (_form(page, shop, code_0="MUG-1", customer="nobody@example.com"), "nobody@example.com"),
        (_form(page, shop, code_0="MUG-1", refund_with=str(shop.card.id)), "return-error"),
    ]
    for form, shown in cases:
        reply = app_client.post("/returns/new", data=form)
        assert reply.status_code in (404, 409, 422), (form, reply.status_code)
        assert shown in reply.text, form
        assert 'id="return-error"' in reply.text

    assert count_rows(shop.db, Sale) == 0
