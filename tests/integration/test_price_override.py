"""A line sold above the catalog's price or at another tax needs `sales:price_override`
(managers and above): a cashier's token may send the catalog's price, never a higher one,
nor a lower VAT rate; a refused sale changes nothing. (A price below the catalog's is a
discount and obeys the cashier's discount limit: `test_till_discounts.py`.)"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from comptoir.accounts.permissions import Role
from comptoir.catalog.models import Product
from tests.factories import (
    Store,
    decimal_json,
    make_product,
    role_token,
    sale_payload,
    snapshot,
)

SALES = "/api/register_sales"


def tea_sale(shop: Store, tea: Product, *, total: str, **line: Any) -> dict[str, Any]:
    body = sale_payload(shop, [(tea, 1)], total=total)
    body["register_sale_products"][0] |= line
    return body


@pytest.fixture
def tea(shop: Store) -> Product:
    return make_product(shop, name="Thé vert", price="12.00", stock=10)  # VAT 20 %


@pytest.mark.parametrize(
    ("line", "total"),
    [
        ({"price": "15.00"}, "18.00"),  # a higher price
        ({"price": "10.00", "tax": "0.55", "tax_id": "reduced"}, "10.55"),  # a lower VAT rate
    ],
    ids=["price", "tax"],
)
def test_a_cashier_token_cannot_sell_at_another_price_or_tax_and_nothing_changes(
    app_client: TestClient, shop: Store, tea: Product, line: dict[str, Any], total: str
) -> None:
    if line.get("tax_id") == "reduced":
        line = line | {"tax_id": str(shop.reduced_tax.id)}
    before = snapshot(shop)

    reply = app_client.post(
        SALES, json=tea_sale(shop, tea, total=total, **line), headers=role_token(shop, Role.CASHIER)
    )

    assert reply.status_code == 403, reply.text
    assert "sales:price_override" in reply.json()["error"]
    assert reply.json()["details"]["field"] == "register_sale_products[0].price"
    assert snapshot(shop) == before


def test_a_cashier_token_may_send_the_catalog_price_and_tax(
    app_client: TestClient, shop: Store, tea: Product
) -> None:
    # 12.00 including 20 %: 10.00 excluding, 2.00 of tax, as an X-Series register sends it.
    body = tea_sale(
        shop, tea, total="12.00", price="10.00", tax="2.00", tax_id=str(shop.standard_tax.id)
    )

    reply = app_client.post(SALES, json=body, headers=role_token(shop, Role.CASHIER))

    assert reply.status_code == 200, reply.text
    assert decimal_json(reply)["register_sale"]["totals"]["total_payment"] == Decimal("12.00")


def test_a_manager_token_may_sell_at_another_price(
    app_client: TestClient, shop: Store, tea: Product
) -> None:
    body = tea_sale(shop, tea, total="6.00", price="5.00")

    reply = app_client.post(SALES, json=body, headers=role_token(shop, Role.MANAGER))

    assert reply.status_code == 200, reply.text
    [line] = decimal_json(reply)["register_sale"]["register_sale_products"]
    assert line["price"] == Decimal("5.00")
