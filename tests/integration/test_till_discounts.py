"""Discounts at the till are recorded as discounts (list price, unit discount, total,
percent, who gave and who approved it), taxed on the discounted price; a cashier gives up
to the store's limit, beyond it only with a manager's single-use approval for that sale."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from comptoir.accounts import signin
from comptoir.accounts.models import User
from comptoir.accounts.permissions import Role
from comptoir.catalog.models import Product
from comptoir.core.clock import utcnow
from comptoir.core.db import Database
from comptoir.core.errors import Conflict, InvalidInput
from comptoir.sales import approvals
from comptoir.sales.discount_models import DiscountApproval
from comptoir.sales.models import Sale, SaleLine
from tests.factories import (
    OWNER_PASSWORD,
    Store,
    count_rows,
    decimal_json,
    make_product,
    make_store,
    make_user,
    run_together,
    sale_payload,
    set_pin,
    set_till,
    snapshot,
    stock_of,
    token_headers,
)

SALES = "/api/register_sales"
APPROVALS = "/api/comptoir/discount_approvals"


@pytest.fixture
def coffee(shop: Store) -> Product:
    return make_product(shop, name="Café", price="8.90", stock=20)  # VAT 20 %, tax included


@pytest.fixture
def cashier(shop: Store) -> User:
    return make_user(shop, role=Role.CASHIER)


@pytest.fixture
def manager(shop: Store) -> User:
    user = make_user(shop, role=Role.MANAGER)
    set_pin(shop, user, "2468")
    return user


def lines_of(shop: Store, sale_id: str) -> list[SaleLine]:
    with shop.db.read_sessions() as session:
        sale = session.get(Sale, uuid.UUID(sale_id))
        assert sale is not None
        return list(sale.lines)


def sell(client: TestClient, body: dict[str, Any], headers: dict[str, str]) -> Any:
    return client.post(SALES, json=body, headers=headers)


def test_a_line_discount_is_recorded_as_a_discount_and_taxed_on_the_discounted_price(
    app_client: TestClient, shop: Store, coffee: Product, cashier: User
) -> None:
    body = sale_payload(shop, [(coffee, 1)], total="8.01")
    body["register_sale_products"][0]["discount_percent"] = "10"

    reply = sell(app_client, body, token_headers(shop, cashier))

    assert reply.status_code == 200, reply.text
    sent = decimal_json(reply)["register_sale"]
    [line] = lines_of(shop, sent["id"])
    # 8.90 with 20 % VAT: 7.42 + 1.48; 10 % off: 8.01 = 6.67 + 1.34 (tax on the sold price).
    assert (line.total, line.price_total, line.tax_total) == (
        Decimal("8.01"),
        Decimal("6.67"),
        Decimal("1.34"),
    )
    assert line.list_price == Decimal("7.41667")
    assert line.discount == Decimal("0.74167")  # unit, excluding tax (X-Series)
    assert line.discount_total == Decimal("0.75")  # 7.42 - 6.67
    assert line.discount_percent == Decimal("10.00")
    assert line.discount_by == cashier.id and line.discount_approved_by is None
    [product] = sent["register_sale_products"]
    assert product["discount"] == Decimal("0.74167")
    with shop.db.read_sessions() as session:
        assert session.get(Sale, uuid.UUID(sent["id"])).total_discount == Decimal("0.75")


def test_a_sale_discount_is_spread_over_the_lines_and_the_last_takes_the_remainder(
    api: TestClient, shop: Store, coffee: Product
) -> None:
    tea = make_product(shop, name="Thé", price="3.10", stock=20)
    body = sale_payload(shop, [(coffee, 1), (tea, 2)], total="10.10") | {"discount_amount": "5.00"}

    reply = api.post(SALES, json=body)

    assert reply.status_code == 200, reply.text
    first, second = lines_of(shop, decimal_json(reply)["register_sale"]["id"])
    # 5.00 over 8.90 and 6.20: 5 x 8.90 / 15.10 = 2.947 -> 2.95, the last line 2.05.
    assert (first.total, second.total) == (Decimal("5.95"), Decimal("4.15"))
    assert first.total + second.total == Decimal("10.10")
    # The owner may discount beyond the limit: they are who approved it.
    assert first.discount_approved_by == shop.owner.id


def test_a_cashier_token_cannot_sell_below_the_limit_of_the_catalog_price(
    app_client: TestClient, shop: Store, coffee: Product, cashier: User
) -> None:
    # The 8.90 coffee at 0.01 (sent excluding tax, as X-Series does): a 99.9 % discount.
    body = sale_payload(shop, [(coffee, 1)], total="0.01")
    body["register_sale_products"][0] |= {"price": "0.00833", "price_set": 1}
    before = snapshot(shop)

    reply = sell(app_client, body, token_headers(shop, cashier))

    assert reply.status_code == 403, reply.text
    assert "limit" in reply.json()["error"]
    assert reply.json()["details"]["field"] == "register_sale_products[0].discount"
    assert snapshot(shop) == before


def test_a_cashier_may_lower_a_price_within_the_limit_and_it_is_a_discount(
    app_client: TestClient, shop: Store, coffee: Product, cashier: User
) -> None:
    body = sale_payload(shop, [(coffee, 1)], total="8.50")
    body["register_sale_products"][0]["price"] = "7.08333"  # 8.50 with tax, 4.5 % off

    reply = sell(app_client, body, token_headers(shop, cashier))

    assert reply.status_code == 200, reply.text
    [line] = lines_of(shop, decimal_json(reply)["register_sale"]["id"])
    assert line.price_set and line.total == Decimal("8.50")
    assert line.discount_percent == Decimal("4.49")
    assert line.discount_total == Decimal("7.42") - line.price_total


def test_the_store_limit_decides_what_a_cashier_may_give(
    app_client: TestClient, shop: Store, coffee: Product, cashier: User
) -> None:
    body = sale_payload(shop, [(coffee, 1)], total="6.68")
    body["register_sale_products"][0]["discount_percent"] = "25"
    assert sell(app_client, body, token_headers(shop, cashier)).status_code == 403
    set_till(shop, cashier_discount_limit=Decimal(30))
    assert sell(app_client, body, token_headers(shop, cashier)).status_code == 200


def approve(
    client: TestClient, shop: Store, cashier: User, manager: User, sale_id: uuid.UUID, **secret: Any
) -> Any:
    return client.post(
        APPROVALS,
        json={"sale_id": str(sale_id), "username": manager.username, "max_percent": "50"} | secret,
        headers=token_headers(shop, cashier),
    )


def over_limit_sale(shop: Store, coffee: Product, sale_id: uuid.UUID) -> dict[str, Any]:
    body = sale_payload(shop, [(coffee, 1)], total="5.34", sale_id=sale_id)
    body["register_sale_products"][0]["discount_percent"] = "40"
    return body


def test_a_managers_pin_approves_a_discount_beyond_the_limit_for_that_sale(
    app_client: TestClient, shop: Store, coffee: Product, cashier: User, manager: User
) -> None:
    sale_id = uuid.uuid4()
    approved = approve(app_client, shop, cashier, manager, sale_id, pin="2468")
    assert approved.status_code == 201, approved.text
    body = over_limit_sale(shop, coffee, sale_id) | {
        "discount_approval_id": approved.json()["data"]["id"]
    }

    reply = sell(app_client, body, token_headers(shop, cashier))

    assert reply.status_code == 200, reply.text
    [line] = lines_of(shop, str(sale_id))
    assert line.discount_by == cashier.id and line.discount_approved_by == manager.id
    with shop.db.read_sessions() as session:
        assert session.get(DiscountApproval, uuid.UUID(approved.json()["data"]["id"])).used_at


def test_an_approval_is_for_one_sale_only(
    app_client: TestClient, shop: Store, coffee: Product, cashier: User, manager: User
) -> None:
    approved = approve(app_client, shop, cashier, manager, uuid.uuid4(), pin="2468")
    body = over_limit_sale(shop, coffee, uuid.uuid4()) | {
        "discount_approval_id": approved.json()["data"]["id"]
    }
    before = snapshot(shop)

    reply = sell(app_client, body, token_headers(shop, cashier))

    assert reply.status_code == 422, reply.text
    assert reply.json()["details"]["field"] == "discount_approval_id"
    assert snapshot(shop) == before


def test_an_expired_approval_is_refused(
    app_client: TestClient, shop: Store, coffee: Product, cashier: User, manager: User
) -> None:
    sale_id = uuid.uuid4()
    approved = approve(app_client, shop, cashier, manager, sale_id, pin="2468")
    with shop.uow() as uow:
        uow.session.execute(
            update(DiscountApproval).values(expires_at=utcnow() - timedelta(seconds=1))
        )
        uow.commit()
    body = over_limit_sale(shop, coffee, sale_id) | {
        "discount_approval_id": approved.json()["data"]["id"]
    }

    reply = sell(app_client, body, token_headers(shop, cashier))

    assert reply.status_code == 422 and "expired" in reply.json()["error"]


def test_an_approval_is_used_once(
    app_client: TestClient, shop: Store, cashier: User, manager: User
) -> None:
    sale_id = uuid.uuid4()
    approval_id = uuid.UUID(
        approve(app_client, shop, cashier, manager, sale_id, pin="2468").json()["data"]["id"]
    )
    with shop.uow() as uow:
        approvals.use_approval(uow.session, approval_id=approval_id, now=utcnow())
        uow.commit()
    with shop.uow() as uow, pytest.raises(Conflict):
        approvals.use_approval(uow.session, approval_id=approval_id, now=utcnow())
    with shop.db.read_sessions() as session, pytest.raises(InvalidInput, match="already used"):
        approvals.find_usable_approval(
            session, approval_id=approval_id, sale_id=sale_id, now=utcnow()
        )


def test_a_wrong_pin_approves_nothing_and_counts_towards_the_lockout(
    app_client: TestClient, shop: Store, cashier: User, manager: User
) -> None:
    for _ in range(signin.ACCOUNT_MAX_FAILURES):
        wrong = approve(app_client, shop, cashier, manager, uuid.uuid4(), pin="0000")
        assert wrong.status_code == 403
    locked = approve(app_client, shop, cashier, manager, uuid.uuid4(), pin="2468")
    assert locked.status_code == 429
    with shop.db.read_sessions() as session:
        assert session.scalars(select(DiscountApproval)).first() is None


def test_a_cashier_cannot_approve_discounts(
    app_client: TestClient, shop: Store, cashier: User
) -> None:
    other = make_user(shop, role=Role.CASHIER)
    set_pin(shop, other, "1357")
    reply = approve(app_client, shop, cashier, other, uuid.uuid4(), pin="1357")
    assert reply.status_code == 403
    assert "sales:discount_over_limit" in reply.text


def test_an_approval_covers_only_the_percent_approved(
    app_client: TestClient, shop: Store, coffee: Product, cashier: User, manager: User
) -> None:
    sale_id = uuid.uuid4()
    approved = approve(app_client, shop, cashier, manager, sale_id, pin="2468")
    body = sale_payload(shop, [(coffee, 1)], total="2.67", sale_id=sale_id)
    body["register_sale_products"][0]["discount_percent"] = "70"
    body["discount_approval_id"] = approved.json()["data"]["id"]

    reply = sell(app_client, body, token_headers(shop, cashier))

    assert reply.status_code == 403 and "50" in reply.json()["error"]


@pytest.mark.parametrize(
    ("line", "sale", "field"),
    [
        ({"discount_percent": "120"}, {}, "register_sale_products[0].discount_percent"),
        ({"discount_amount": "9.00"}, {}, "register_sale_products[0].discount_amount"),
        ({"discount_amount": "1.001"}, {}, "register_sale_products[0].discount_amount"),
        ({"discount_percent": "5", "discount_amount": "1"}, {}, None),
        ({}, {"discount_percent": "5", "discount_amount": "1"}, "discount_amount"),
    ],
    ids=["percent>100", "amount>line", "sub-cent", "two-ways", "sale-two-ways"],
)
def test_a_wrong_discount_is_refused_and_nothing_changes(
    api: TestClient,
    shop: Store,
    coffee: Product,
    line: dict[str, str],
    sale: dict[str, str],
    field: str | None,
) -> None:
    body = sale_payload(shop, [(coffee, 1)], total="8.90") | sale
    body["register_sale_products"][0] |= line
    before = snapshot(shop)

    reply = api.post(SALES, json=body)

    assert reply.status_code == 422, reply.text
    if field:
        assert reply.json()["details"]["field"] == field
    assert snapshot(shop) == before


def test_copies_of_an_approved_sale_sent_at_once_record_it_once_and_use_the_approval_once(
    app_client: TestClient, shop: Store, coffee: Product, cashier: User, manager: User
) -> None:
    sale_id = uuid.uuid4()
    approved = approve(app_client, shop, cashier, manager, sale_id, pin="2468")
    body = over_limit_sale(shop, coffee, sale_id)
    body["discount_approval_id"] = approved.json()["data"]["id"]
    headers = token_headers(shop, cashier)

    replies = run_together(6, lambda: app_client.post(SALES, json=body, headers=headers))
    again = sell(app_client, body, headers)

    assert [r.status_code for r in replies] == [200] * 6, [r.text for r in replies]
    assert sum("Idempotent-Replayed" not in r.headers for r in replies) == 1
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert count_rows(shop.db, Sale) == 1
    assert stock_of(shop, coffee) == 19


def test_in_a_tax_exclusive_store_the_discount_comes_off_the_price_before_tax(
    app_client: TestClient, db: Database
) -> None:
    shop = make_store(db, tax_exclusive=True)
    tool = make_product(shop, name="Pince", price="10.00", stock=5)  # 10.00 + 20 % VAT
    body = sale_payload(shop, [(tool, 3)], total="32.40") | {"discount_percent": "10"}

    reply = app_client.post(SALES, json=body, headers=token_headers(shop, shop.owner))

    assert reply.status_code == 200, reply.text
    [line] = lines_of(shop, decimal_json(reply)["register_sale"]["id"])
    # 30.00 less 10 % = 27.00, and 20 % of tax on it: 5.40.
    assert (line.price_total, line.tax_total, line.total) == (
        Decimal("27.00"),
        Decimal("5.40"),
        Decimal("32.40"),
    )
    assert (line.price, line.discount, line.discount_total) == (
        Decimal("9.00000"),
        Decimal("1.00000"),
        Decimal("3.00"),
    )


def test_a_manager_may_approve_with_their_password(
    app_client: TestClient, shop: Store, coffee: Product, cashier: User, manager: User
) -> None:
    sale_id = uuid.uuid4()
    approved = approve(app_client, shop, cashier, manager, sale_id, password=OWNER_PASSWORD)
    assert approved.status_code == 201, approved.text
    body = over_limit_sale(shop, coffee, sale_id)
    body["discount_approval_id"] = approved.json()["data"]["id"]
    assert sell(app_client, body, token_headers(shop, cashier)).status_code == 200
