"""PUT /api/2.0/sales/{id}/actions/return and POST /api/2.0/returns."""

from __future__ import annotations

import uuid
from decimal import Decimal

from fastapi.testclient import TestClient

from comptoir.accounts.permissions import Role
from tests.factories import (
    Store,
    credit_of,
    decimal_json,
    make_customer,
    make_product,
    make_sale,
    make_scoped_token,
    make_user,
    snapshot,
    stock_of,
)


def returning(sale_id: object) -> str:
    return f"/api/2.0/sales/{sale_id}/actions/return"


def test_the_return_action_without_a_body_gives_everything_back_to_its_tenders(
    api: TestClient, shop: Store
) -> None:
    mug = make_product(shop, price="14.00", stock=10)
    sale = make_sale(shop, [(mug, 2)], payments=[(shop.card, "28.00")])

    reply = api.put(returning(sale.id))

    assert reply.status_code == 200, reply.text
    data = decimal_json(reply)["data"]
    assert (data["return_for"], data["status"], data["total_price_incl"]) == (
        str(sale.id),
        "CLOSED",
        Decimal(-28),
    )
    (line,) = data["line_items"]
    assert (line["quantity"], line["is_return"]) == (Decimal(-2), True)
    assert [p["amount"] for p in data["payments"]] == [Decimal(-28)]
    assert stock_of(shop, mug) == Decimal(10)
    assert api.put(returning(sale.id)).status_code in (409, 422)  # nothing left


def test_a_chosen_partial_return_to_store_credit_is_replayed_by_its_id(
    api: TestClient, shop: Store
) -> None:
    alice = make_customer(shop, first_name="Alice")
    mug = make_product(shop, price="14.00", stock=10)
    sale = make_sale(shop, [(mug, 3)], total="42.00", customer_id=alice.id)
    body = {
        "id": str(uuid.uuid4()),
        "line_items": [{"line_id": str(sale.lines[0].id), "quantity": 1, "reason": "Too small"}],
        "refund_to": "store_credit",
    }

    first = api.put(returning(sale.id), json=body)
    before = snapshot(shop)
    again = api.put(returning(sale.id), json=body)

    assert first.status_code == 200, first.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert snapshot(shop) == before
    assert credit_of(shop, alice) == (Decimal(14), Decimal(14))
    line = decimal_json(first)["data"]["line_items"][0]
    assert line["quantity"] == Decimal(-1)


def test_returning_more_than_was_sold_answers_409(api: TestClient, shop: Store) -> None:
    mug = make_product(shop, price="14.00", stock=10)
    sale = make_sale(shop, [(mug, 1)], total="14.00")
    body = {"line_items": [{"line_id": str(sale.lines[0].id), "quantity": 2}]}

    reply = api.put(returning(sale.id), json=body)

    assert reply.status_code == 409, reply.text


def test_a_return_without_receipt_is_refused_to_a_cashier_and_allowed_to_a_manager(
    app_client: TestClient, shop: Store
) -> None:
    mug = make_product(shop, price="14.00", stock=10)
    body = {
        "register_id": str(shop.register.id),
        "line_items": [{"product_id": str(mug.id), "quantity": 1}],
        "refunds": [{"payment_type_id": str(shop.cash.id), "amount": "14.00"}],
    }
    for role, status in ((Role.CASHIER, 403), (Role.MANAGER, 200)):
        token = make_scoped_token(shop, make_user(shop, role=role), scopes=["*"])
        reply = app_client.post(
            "/api/2.0/returns", json=body, headers={"Authorization": f"Bearer {token}"}
        )
        assert reply.status_code == status, reply.text
    assert stock_of(shop, mug) == Decimal(11)


def test_an_exchange_through_the_api_takes_new_items_and_the_difference(
    api: TestClient, shop: Store
) -> None:
    small = make_product(shop, price="10.00", stock=5)
    large = make_product(shop, price="16.00", stock=5)
    sale = make_sale(shop, [(small, 1)], total="10.00")
    body = {
        "line_items": [{"line_id": str(sale.lines[0].id), "quantity": 1}],
        "new_line_items": [{"product_id": str(large.id), "quantity": 1}],
        "payments": [{"payment_type_id": str(shop.card.id), "amount": "6.00"}],
    }

    reply = api.put(returning(sale.id), json=body)

    assert reply.status_code == 200, reply.text
    data = decimal_json(reply)["data"]
    assert data["total_price_incl"] == Decimal(6)
    assert sorted(li["quantity"] for li in data["line_items"]) == [Decimal(-1), Decimal(1)]
