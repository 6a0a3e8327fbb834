"""Voiding a return (a manager's undo of a mistaken return): its refund is taken back, its
restocked items leave stock again, its original's lines can be returned again; store credit it
gave is taken back, refused once spent; a cashier cannot."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient

from comptoir.accounts.permissions import Role
from tests.factories import (
    Store,
    credit_of,
    csrf_of,
    ledger_of,
    make_customer,
    make_product,
    make_return,
    make_sale,
    return_lines,
    role_token,
    sale_payload,
    snapshot,
    stock_of,
)


def test_voiding_a_return_takes_the_cash_back_and_lets_its_lines_be_returned_again(
    api: TestClient, shop: Store
) -> None:
    mug = make_product(shop, price="14.00", stock=10)
    sale = make_sale(shop, [(mug, 3)], total="42.00")
    back = make_return(shop, sale, return_lines(sale, (0, 2)))
    assert stock_of(shop, mug) == Decimal(9)

    for _ in range(2):  # a retried void changes nothing more
        voided = api.put(f"/api/2.0/sales/{back.id}/actions/void")
        assert voided.status_code == 200, voided.text

    data = voided.json()["data"]
    assert data["status"] == "VOIDED"
    assert sum(Decimal(str(p["amount"])) for p in data["payments"]) == 0  # refund taken back
    assert stock_of(shop, mug) == Decimal(7) == ledger_of(shop, mug)
    again = make_return(shop, sale, return_lines(sale, (0, 3)))  # all three, once more
    assert again.total_price_incl == Decimal("-42.00")
    assert stock_of(shop, mug) == Decimal(10)


def test_voiding_a_return_to_store_credit_takes_the_credit_back(
    api: TestClient, shop: Store
) -> None:
    alice = make_customer(shop, first_name="Alice")
    mug = make_product(shop, price="14.00", stock=10)
    sale = make_sale(shop, [(mug, 1)], total="14.00", customer_id=alice.id)
    back = make_return(shop, sale, return_lines(sale, (0, 1)), refund_to="store_credit")
    assert credit_of(shop, alice) == (Decimal(14), Decimal(14))

    voided = api.put(f"/api/2.0/sales/{back.id}/actions/void")

    assert voided.status_code == 200, voided.text
    assert credit_of(shop, alice) == (Decimal(0), Decimal(0))


def test_a_return_whose_store_credit_was_spent_is_not_voided(api: TestClient, shop: Store) -> None:
    alice = make_customer(shop, first_name="Alice")
    mug = make_product(shop, price="14.00", stock=10)
    sale = make_sale(shop, [(mug, 1)], total="14.00", customer_id=alice.id)
    back = make_return(shop, sale, return_lines(sale, (0, 1)), refund_to="store_credit")
    credit = next(
        p for p in back.payments if p.amount < 0
    )  # the store credit tender the return used
    spend = sale_payload(shop, [(mug, 1)], payments=[])
    spend["customer_id"] = str(alice.id)
    spend["register_sale_payments"] = [
        {"retailer_payment_type_id": str(credit.payment_type_id), "amount": "10.00"},
        {"retailer_payment_type_id": str(shop.cash.id), "amount": "4.00"},
    ]
    assert api.post("/api/register_sales", json=spend).status_code == 200
    assert credit_of(shop, alice) == (Decimal(4), Decimal(4))
    before = snapshot(shop)

    refused = api.put(f"/api/2.0/sales/{back.id}/actions/void")

    assert refused.status_code == 422, refused.text
    assert snapshot(shop) == before
    assert credit_of(shop, alice) == (Decimal(4), Decimal(4))
    assert api.get(f"/api/2.0/sales/{back.id}").json()["data"]["status"] == "CLOSED"


def test_a_cashier_cannot_void_a_return(app_client: TestClient, shop: Store) -> None:
    mug = make_product(shop, price="14.00", stock=10)
    sale = make_sale(shop, [(mug, 1)], total="14.00")
    back = make_return(shop, sale, return_lines(sale, (0, 1)))
    before = snapshot(shop)

    refused = app_client.put(
        f"/api/2.0/sales/{back.id}/actions/void", headers=role_token(shop, Role.CASHIER)
    )

    assert refused.status_code == 403
    assert snapshot(shop) == before


def test_the_return_page_offers_void_and_the_original_offers_it_once_the_return_is_voided(
    browser: TestClient, shop: Store
) -> None:
    mug = make_product(shop, price="14.00", stock=10)
    sale = make_sale(shop, [(mug, 2)], total="28.00")
    back = make_return(shop, sale, return_lines(sale, (0, 1)))
    assert 'id="action-void"' not in browser.get(f"/sales/{sale.id}").text
    page = browser.get(f"/sales/{back.id}")
    assert 'id="action-void"' in page.text

    voided = browser.post(
        f"/sales/{back.id}/void", data={"csrf": csrf_of(page.text)}, follow_redirects=False
    )

    assert voided.status_code == 303, voided.text
    assert stock_of(shop, mug) == Decimal(8)
    original = browser.get(f"/sales/{sale.id}").text
    assert 'id="action-void"' in original
    assert "badge" in original.split('id="sale-returns"')[1][:600]
