"""A 0.9 sale line sent with its `tax` and `tax_id` keeps that tax when it is what the
store's rate gives on the price sent, and is refused with a 422 naming the line otherwise:
the price sent is never silently recomputed. Both store modes; replays; refusals change
nothing (no sale, stock, ledger, outbox message or invoice number)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from comptoir.core.clock import utcnow
from comptoir.core.db import Database
from comptoir.store.models import Tax
from tests.factories import (
    Store,
    decimal_json,
    make_product,
    make_store,
    make_token,
    sale_payload,
    snapshot,
    stock_of,
)

SALES = "/api/register_sales"


@pytest.fixture(params=["tax-inclusive", "tax-exclusive"])
def any_shop(request: pytest.FixtureRequest, db: Database) -> Store:
    return make_store(db, tax_exclusive=request.param == "tax-exclusive")


@pytest.fixture
def exclusive_shop(db: Database) -> Store:
    return make_store(db, tax_exclusive=True)


def client_for(app_client: TestClient, shop: Store) -> TestClient:
    app_client.headers["Authorization"] = f"Bearer {make_token(shop)}"
    return app_client


def with_tax(
    body: dict[str, Any], index: int, *, price: Any, tax: Any, tax_id: Tax | str | None
) -> dict[str, Any]:
    """`body` with line `index` sent as an X-Series register sends it: price excl. tax,
    unit tax and the tax it chose."""
    line = body["register_sale_products"][index]
    line |= {"price": price, "tax": tax}
    if tax_id is not None:
        line["tax_id"] = tax_id if isinstance(tax_id, str) else str(tax_id.id)
    return body


def sell(api: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    reply = api.post(SALES, json=body)
    assert reply.status_code == 200, reply.text
    sale: dict[str, Any] = decimal_json(reply)["register_sale"]
    return sale


def refuse(api: TestClient, shop: Store, body: dict[str, Any]) -> dict[str, Any]:
    """Post `body`, expect a 422 and that nothing changed; return the error body."""
    before = snapshot(shop)
    reply = api.post(SALES, json=body)
    assert reply.status_code == 422, reply.text
    assert snapshot(shop) == before
    error: dict[str, Any] = reply.json()
    return error


# Kept as sent -------------------------------------------------------------------------------


def test_a_tax_inclusive_line_keeps_the_price_and_tax_it_was_sent(
    app_client: TestClient, shop: Store
) -> None:
    api = client_for(app_client, shop)
    coffee = make_product(shop, price="8.90", tax=shop.reduced_tax)
    # 8.90 with 5.5% VAT: 8.43602 + 0.46398, sent as JSON numbers as registers do.
    body = with_tax(
        sale_payload(shop, [(coffee, 3)], total="26.70"),
        0,
        price=8.43602,
        tax=0.46398,
        tax_id=shop.reduced_tax,
    )
    (line,) = sell(api, body)["register_sale_products"]
    assert (line["price"], line["tax"]) == (Decimal("8.43602"), Decimal("0.46398"))
    # tax_total is tax x quantity (1.39194 -> 1.39); the customer pays 3 x 8.90.
    assert (line["tax_total"], line["price_total"]) == (Decimal("1.39"), Decimal("25.31"))
    assert (line["tax_id"], line["tax_rate"]) == (str(shop.reduced_tax.id), Decimal("0.055"))


def test_a_tax_exclusive_line_keeps_the_price_and_tax_it_was_sent(
    app_client: TestClient, exclusive_shop: Store
) -> None:
    shop = exclusive_shop
    api = client_for(app_client, shop)
    pen = make_product(shop, price="0.99")  # 20%: 0.198 a unit
    # The register rounded the unit tax to the cent: 0.20, within half a cent of 0.198.
    body = with_tax(
        sale_payload(shop, [(pen, 10)], total="11.90"),
        0,
        price="0.99",
        tax="0.20",
        tax_id=shop.standard_tax,
    )
    sale = sell(api, body)
    (line,) = sale["register_sale_products"]
    assert (line["price"], line["tax"]) == (Decimal("0.99"), Decimal("0.2"))
    # The store alone would charge 9.90 x 20% = 1.98; the register's 10 x 0.20 is kept.
    assert (line["price_total"], line["tax_total"]) == (Decimal("9.90"), Decimal("2.00"))
    assert sale["totals"]["total_tax"] == Decimal("2.00")
    assert sale["totals"]["total_payment"] == Decimal("11.90")


def test_the_rate_the_register_chose_is_recorded_even_when_the_product_has_another(
    app_client: TestClient, any_shop: Store
) -> None:
    shop = any_shop
    api = client_for(app_client, shop)
    mug = make_product(shop, price="10.00")  # the product's own tax: 20%
    body = with_tax(
        sale_payload(shop, [(mug, 2)], total="21.10"),
        0,
        price="10.00",
        tax="0.55",
        tax_id=shop.reduced_tax,
    )
    sale = sell(api, body)
    (line,) = sale["register_sale_products"]
    assert (line["tax_id"], line["tax_name"]) == (str(shop.reduced_tax.id), "VAT 5.5%")
    assert (line["price"], line["tax"], line["tax_total"]) == (10, Decimal("0.55"), Decimal("1.10"))
    assert [(t["name"], t["tax"]) for t in sale["taxes"]] == [("VAT 5.5%", Decimal("1.10"))]


def test_a_tax_sent_without_a_tax_id_is_checked_against_the_products_own_tax(
    app_client: TestClient, any_shop: Store
) -> None:
    shop = any_shop
    api = client_for(app_client, shop)
    mug = make_product(shop, price="10.00")  # 20%
    good = with_tax(
        sale_payload(shop, [(mug, 1)], total="12.00"), 0, price="10", tax="2", tax_id=None
    )
    assert sell(api, good)["register_sale_products"][0]["tax_id"] == str(shop.standard_tax.id)
    wrong = with_tax(
        sale_payload(shop, [(mug, 1)], total="10.55"), 0, price="10", tax="0.55", tax_id=None
    )
    error = refuse(api, shop, wrong)
    assert error["details"]["field"] == "register_sale_products[0].tax"
    assert error["details"]["expected"] == "2.00000"


# Refused, naming the line -------------------------------------------------------------------


def test_a_tax_that_is_not_what_the_rate_gives_on_the_price_is_refused_naming_its_line(
    app_client: TestClient, any_shop: Store
) -> None:
    shop = any_shop
    api = client_for(app_client, shop)
    coffee = make_product(shop, price="3.00", stock=10)
    mug = make_product(shop, price="10.00", stock=10)
    # The second line says 20% but sends 5.5%'s tax: it would silently become 10.55 or 12.
    body = with_tax(
        sale_payload(shop, [(coffee, 1), (mug, 1)], total="50.00"),
        1,
        price="10.00",
        tax="0.55",
        tax_id=shop.standard_tax,
    )
    error = refuse(api, shop, body)
    assert error["error"].startswith("register_sale_products[1].tax: 0.55 is not what VAT 20%")
    assert error["details"] == {
        "field": "register_sale_products[1].tax",
        "tax": "0.55",
        "price": "10.00",
        "expected": "2.00000",
        "tax_id": str(shop.standard_tax.id),
    }
    assert stock_of(shop, mug) == 10


def test_a_tax_more_than_half_a_cent_from_the_rates_is_refused(
    app_client: TestClient, shop: Store
) -> None:
    api = client_for(app_client, shop)
    mug = make_product(shop, price="12.00")
    # 10.00 at 20% is 2.00: 2.005 is still that rate's (a rounding), 2.00501 is not.
    ok = with_tax(
        sale_payload(shop, [(mug, 1)], total="12.01"),
        0,
        price="10",
        tax="2.005",
        tax_id=shop.standard_tax,
    )
    assert sell(api, ok)["register_sale_products"][0]["tax"] == Decimal("2.005")
    off = with_tax(
        sale_payload(shop, [(mug, 1)], total="12.01"),
        0,
        price="10",
        tax="2.00501",
        tax_id=shop.standard_tax,
    )
    assert refuse(api, shop, off)["details"]["field"] == "register_sale_products[0].tax"


def test_a_line_naming_a_tax_the_store_does_not_have_is_refused_naming_its_line(
    app_client: TestClient, any_shop: Store
) -> None:
    shop = any_shop
    api = client_for(app_client, shop)
    coffee = make_product(shop, price="3.00")
    unknown = str(uuid.uuid4())
    body = with_tax(
        sale_payload(shop, [(coffee, 1), (coffee, 1)], total="6.00"),
        1,
        price="2.5",
        tax="0.5",
        tax_id=unknown,
    )
    error = refuse(api, shop, body)
    assert error["error"] == (
        f"register_sale_products[1].tax_id: {unknown} is not a tax of this store"
    )
    assert error["details"] == {"field": "register_sale_products[1].tax_id", "tax_id": unknown}


def test_a_line_naming_a_deleted_tax_is_refused(app_client: TestClient, shop: Store) -> None:
    api = client_for(app_client, shop)
    coffee = make_product(shop, price="3.00")
    with shop.uow() as uow:
        uow.session.execute(
            update(Tax).where(Tax.id == shop.reduced_tax.id).values(deleted_at=utcnow())
        )
        uow.commit()
    body = with_tax(
        sale_payload(shop, [(coffee, 1)], total="3.00"),
        0,
        price="2.84360",
        tax="0.15640",
        tax_id=shop.reduced_tax,
    )
    error = refuse(api, shop, body)
    assert error["details"]["field"] == "register_sale_products[0].tax_id"


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"tax": "0.50"}, "register_sale_products[0].price"),  # a tax needs its price
        ({"price": "2.50", "tax": "-0.50"}, "register_sale_products[0].tax"),
    ],
    ids=["tax without price", "negative tax"],
)
def test_a_tax_that_cannot_be_checked_is_refused(
    app_client: TestClient, shop: Store, line: dict[str, str], field: str
) -> None:
    api = client_for(app_client, shop)
    coffee = make_product(shop, price="3.00")
    body = sale_payload(shop, [(coffee, 1)], total="3.00")
    body["register_sale_products"][0] |= line
    assert refuse(api, shop, body)["details"]["field"] == field


# Replays -------------------------------------------------------------------------------------


def test_a_sale_with_line_taxes_sent_again_returns_the_first_and_changes_nothing(
    app_client: TestClient, any_shop: Store
) -> None:
    shop = any_shop
    api = client_for(app_client, shop)
    mug = make_product(shop, price="10.00", stock=5)
    body = with_tax(
        sale_payload(shop, [(mug, 2)], total="21.10", sale_id=uuid.uuid4()),
        0,
        price="10.00",
        tax="0.55",
        tax_id=shop.reduced_tax,
    )
    first = api.post(SALES, json=body)
    after_first = snapshot(shop)
    again = api.post(SALES, json=body)
    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert snapshot(shop) == after_first
    assert (after_first.sales, after_first.invoice_sequence) == (1, 2)
    assert stock_of(shop, mug) == 3


def test_a_sale_refused_for_its_line_tax_can_be_corrected_and_sent_with_the_same_id(
    app_client: TestClient, any_shop: Store
) -> None:
    shop = any_shop
    api = client_for(app_client, shop)
    mug = make_product(shop, price="10.00", stock=5)
    sale_id = uuid.uuid4()
    wrong = with_tax(
        sale_payload(shop, [(mug, 1)], total="10.55", sale_id=sale_id),
        0,
        price="10.00",
        tax="0.55",
        tax_id=shop.standard_tax,
    )
    refuse(api, shop, wrong)
    fixed = with_tax(
        sale_payload(shop, [(mug, 1)], total="10.55", sale_id=sale_id),
        0,
        price="10.00",
        tax="0.55",
        tax_id=shop.reduced_tax,
    )
    reply = api.post(SALES, json=fixed)
    assert reply.status_code == 200, reply.text
    assert "Idempotent-Replayed" not in reply.headers
    assert reply.json()["register_sale"]["id"] == str(sale_id)
    assert stock_of(shop, mug) == 4
