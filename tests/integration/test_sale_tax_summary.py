"""One tax-by-rate summary (core.tax.summarise_by_rate, read back by sales.receipts): the 0.9
reply, the 2.0 sale and the receipt page show the same rates, amounts and order as pricing
the sale gives; and the receipt of a sale keeps naming its seller."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from comptoir.accounts import users
from comptoir.accounts.permissions import Role
from comptoir.core.db import Database
from comptoir.core.tax import Rate, price_line, total_sale
from comptoir.customers import service as customers
from comptoir.sales import service as sales
from comptoir.store import service as store
from tests.factories import (
    Store,
    decimal_json,
    make_product,
    make_store,
    make_token,
    make_user,
    sale_input,
    sale_payload,
    sign_in,
)


@pytest.fixture(params=["tax-inclusive", "tax-exclusive"])
def any_shop(request: pytest.FixtureRequest, db: Database) -> Store:
    return make_store(db, tax_exclusive=request.param == "tax-exclusive")


def rates_by_tax(api: TestClient) -> dict[str, list[Rate]]:
    return {
        tax["id"]: [
            Rate(id=r["id"], name=r["name"], rate=Decimal(str(r["rate"]))) for r in tax["rates"]
        ]
        for tax in decimal_json(api.get("/api/2.0/taxes"))["data"]
    }


def test_the_reply_the_sale_and_the_receipt_show_the_tax_by_rate_that_pricing_gives(
    app_client: TestClient, any_shop: Store
) -> None:
    shop = any_shop
    with shop.uow() as uow:
        canada = store.create_tax(
            uow,
            name="GST + QST",
            rates=[
                store.RateFields(name="GST", rate=Decimal("0.05")),
                store.RateFields(name="QST", rate=Decimal("0.09975")),
            ],
        )
    coffee = make_product(shop, price="8.90", tax=shop.reduced_tax)
    mug = make_product(shop, price="14.00")
    syrup = make_product(shop, price="19.99", tax=canada)
    jam = make_product(shop, price="3.55", tax=shop.reduced_tax)
    lines = [(coffee, 2), (mug, 1), (syrup, 1), (jam, 3)]
    app_client.headers["Authorization"] = f"Bearer {make_token(shop)}"
    rates = rates_by_tax(app_client)
    with shop.db.read_sessions() as session:
        exclusive = store.get_retailer(session).tax_exclusive
    priced = total_sale(
        price_line(
            unit_price=Decimal(p.price_excluding_tax if exclusive else p.price_including_tax),
            quantity=Decimal(q),
            rates=rates[str(p.tax_id)],
            tax_inclusive=not exclusive,
            currency="EUR",
        )
        for p, q in lines
    )
    expected = [(c.rate_id, c.name, c.amount) for c in priced.components]
    assert [name for _, name, _ in expected] == ["VAT 5.5%", "VAT 20%", "GST", "QST"]

    reply = app_client.post(
        "/api/register_sales", json=sale_payload(shop, lines, total=str(priced.gross))
    )
    assert reply.status_code == 200, reply.text
    register_sale: dict[str, Any] = decimal_json(reply)["register_sale"]
    assert [(t["id"], t["name"], t["tax"]) for t in register_sale["taxes"]] == expected
    sale = decimal_json(app_client.get(f"/api/2.0/sales/{register_sale['id']}"))["data"]
    assert [(t["id"], t["name"], t["amount"]) for t in sale["taxes"]] == expected

    del app_client.headers["Authorization"]
    assert sign_in(app_client).status_code == 303
    page = app_client.get(f"/sales/{register_sale['id']}/receipt").text
    names = re.findall(r'data-testid="receipt-tax-name">([^<]+)<', page)
    amounts = re.findall(r'data-testid="receipt-tax-amount">([^<]+)<', page)
    assert list(zip(names, amounts, strict=True)) == [
        (name, f"€{amount}") for _, name, amount in expected
    ]


def test_a_receipt_still_names_a_seller_deleted_since_the_sale(
    browser: TestClient, shop: Store
) -> None:
    cashier = make_user(shop, role=Role.CASHIER)
    coffee = make_product(shop, price="3.00")
    with shop.uow() as uow:
        sale, _ = sales.record_sale(
            uow,
            sale=sale_input(shop, [(coffee, 1)], total="3.00"),
            user_id=cashier.id,
            find_customer=customers.get_customer,
        )
    with shop.uow() as uow:
        users.delete_user(uow, actor=users.Actor(user=shop.owner), user_id=cashier.id)
    page = browser.get(f"/sales/{sale.id}/receipt")
    assert page.status_code == 200
    assert "Served by Cashier" in page.text
