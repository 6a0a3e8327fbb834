"""Split tenders, change only from cash, the store's cash rounding, and the till's guards
(line quantity, a sale dated in the past only when recorded offline)."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from comptoir.catalog.models import Product
from comptoir.core.clock import utcnow
from comptoir.sales.models import Sale
from tests.factories import (
    Store,
    decimal_json,
    make_product,
    sale_payload,
    set_till,
    snapshot,
)

SALES = "/api/register_sales"


@pytest.fixture
def jam(shop: Store) -> Product:
    return make_product(shop, name="Confiture", price="8.93", stock=20)


def recorded(shop: Store, sale_id: str) -> Sale:
    with shop.db.read_sessions() as session:
        sale = session.get(Sale, uuid.UUID(sale_id))
        assert sale is not None
        session.expunge(sale)
        return sale


def paid(shop: Store, sale_id: str) -> list[tuple[str, Decimal]]:
    return [(p.name, p.amount) for p in recorded(shop, sale_id).payments]


def test_a_sale_is_paid_by_card_and_cash_and_the_change_comes_from_the_cash(
    api: TestClient, shop: Store, jam: Product
) -> None:
    body = sale_payload(shop, [(jam, 1)], payments=[(shop.card, "5.00"), (shop.cash, "5.00")])

    reply = api.post(SALES, json=body)

    assert reply.status_code == 200, reply.text
    sale_id = decimal_json(reply)["register_sale"]["id"]
    assert paid(shop, sale_id) == [
        (shop.card.name, Decimal("5.00")),
        (shop.cash.name, Decimal("5.00")),
        (f"{shop.cash.name} (change)", Decimal("-1.07")),
    ]


def test_change_is_never_given_from_a_card(api: TestClient, shop: Store, jam: Product) -> None:
    body = sale_payload(shop, [(jam, 1)], payments=[(shop.card, "10.00"), (shop.cash, "1.00")])
    before = snapshot(shop)

    reply = api.post(SALES, json=body)

    assert reply.status_code == 422 and "cash" in reply.json()["error"]
    assert snapshot(shop) == before


def test_cash_is_rounded_to_the_stores_increment_as_its_own_line(
    api: TestClient, shop: Store, jam: Product
) -> None:
    set_till(shop, cash_rounding_increment=Decimal("0.05"))
    body = sale_payload(shop, [(jam, 1)], total="10.00")

    reply = api.post(SALES, json=body)

    assert reply.status_code == 200, reply.text
    sent = decimal_json(reply)["register_sale"]
    sale = recorded(shop, sent["id"])
    # 8.93 rounds to 8.95 in cash: +0.02, and 1.05 of change.
    assert sale.total_price_incl == Decimal("8.93")
    assert sale.rounding_adjustment == Decimal("0.02")
    assert sale.total_payment == Decimal("8.95")
    assert paid(shop, sent["id"])[-1][1] == Decimal("-1.05")
    assert sent["totals"]["total_to_pay"] == 0


def test_only_what_is_left_to_pay_in_cash_is_rounded(
    api: TestClient, shop: Store, jam: Product
) -> None:
    set_till(shop, cash_rounding_increment=Decimal("0.05"))
    card_only = sale_payload(shop, [(jam, 1)], payments=[(shop.card, "8.93")])
    split = sale_payload(shop, [(jam, 1)], payments=[(shop.card, "5.01"), (shop.cash, "3.91")])

    card_sale = decimal_json(api.post(SALES, json=card_only))["register_sale"]
    split_sale = decimal_json(api.post(SALES, json=split))["register_sale"]

    assert recorded(shop, card_sale["id"]).rounding_adjustment == 0
    # 3.92 left in cash rounds down to 3.90: -0.02, 0.01 of change.
    assert recorded(shop, split_sale["id"]).rounding_adjustment == Decimal("-0.02")
    assert paid(shop, split_sale["id"])[-1][1] == Decimal("-0.01")


def test_cash_short_of_the_rounded_amount_is_refused(
    api: TestClient, shop: Store, jam: Product
) -> None:
    set_till(shop, cash_rounding_increment=Decimal("0.05"))
    reply = api.post(SALES, json=sale_payload(shop, [(jam, 1)], total="8.93"))
    assert reply.status_code == 422
    assert reply.json()["details"]["total"] == "8.95"


def test_a_line_above_the_stores_quantity_limit_is_refused(
    api: TestClient, shop: Store, jam: Product
) -> None:
    set_till(shop, max_line_quantity=100)
    before = snapshot(shop)

    reply = api.post(SALES, json=sale_payload(shop, [(jam, 101)], total="901.93"))

    assert reply.status_code == 422, reply.text
    assert reply.json()["details"]["field"] == "register_sale_products[0].quantity"
    assert snapshot(shop) == before
    assert api.post(SALES, json=sale_payload(shop, [(jam, 100)], total="893.00")).status_code == 200


@pytest.mark.parametrize(
    ("hours_ago", "offline", "status"),
    [
        (0.05, False, 200),  # 3 minutes: clock drift
        (1, False, 422),  # an hour ago, not said to be offline
        (1, True, 200),  # recorded offline
        (71, True, 200),
        (73, True, 422),  # older than the store's 72 hours
        (-1, True, 422),  # in the future
    ],
)
def test_a_sale_dated_in_the_past_is_accepted_only_when_recorded_offline_and_recent(
    api: TestClient, shop: Store, jam: Product, hours_ago: float, offline: bool, status: int
) -> None:
    body = sale_payload(shop, [(jam, 1)], total="8.93") | {
        "sale_date": (utcnow() - timedelta(hours=hours_ago)).isoformat(),
        "recorded_offline": offline,
    }
    before = snapshot(shop)

    reply = api.post(SALES, json=body)

    assert reply.status_code == status, reply.text
    if status == 422:
        assert reply.json()["details"]["field"] == "sale_date"
        assert snapshot(shop) == before


def test_the_receipt_shows_discounts_rounding_every_tender_and_the_change(
    browser: TestClient, shop: Store, jam: Product
) -> None:
    set_till(shop, cash_rounding_increment=Decimal("0.05"))
    # 8.93 less 10 % = 8.04 (tax included); 3.04 left in cash rounds to 3.05.
    body = sale_payload(shop, [(jam, 1)], payments=[(shop.card, "5.00"), (shop.cash, "5.00")])
    body["register_sale_products"][0] |= {"discount_percent": "10", "note": "abîmé"}
    token = re.search(r'name="csrf-token" content="([^"]+)"', browser.get("/sell").text)
    assert token
    reply = browser.post(SALES, json=body, headers={"X-CSRF-Token": token.group(1)})
    assert reply.status_code == 200, reply.text

    page = browser.get(f"/sales/{reply.json()['register_sale']['id']}/receipt").text

    assert 'data-testid="receipt-line-discount"' in page and "−€0.89" in page
    assert 'data-testid="receipt-total-discount"' in page
    assert 'data-testid="receipt-rounding"' in page
    assert page.count('data-testid="receipt-tender"') == 2
    assert 'data-testid="receipt-change"' in page and "abîmé" in page
