"""X-Series 2.0 reads: shapes, version paging, soft delete, 404 and 422 on ids."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from comptoir.accounts.permissions import Role
from comptoir.catalog.models import Product
from comptoir.core.clock import utcnow
from comptoir.store.models import PaymentKind
from tests.factories import Store, decimal_json, make_product, make_sale, make_user


def get_data(api: TestClient, path: str) -> Any:
    reply = api.get(path)
    assert reply.status_code == 200, reply.text
    return decimal_json(reply)["data"]


def get_list(api: TestClient, path: str) -> dict[str, Any]:
    reply = api.get(path)
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = decimal_json(reply)
    assert set(body) == {"data", "version"}
    assert set(body["version"]) == {"min", "max"}
    versions = [item["version"] for item in body["data"]]
    if versions:
        assert body["version"] == {"min": min(versions), "max": max(versions)}
    else:
        assert body["version"] == {"min": None, "max": None}
    return body


def walk(api: TestClient, path: str, *, page_size: int) -> list[list[dict[str, Any]]]:
    """Every page of a versioned list, following `after` as an X-Series client does."""
    pages: list[list[dict[str, Any]]] = []
    after = 0
    while True:
        body = get_list(api, f"{path}?after={after}&page_size={page_size}")
        if not body["data"]:
            return pages
        versions = [item["version"] for item in body["data"]]
        assert versions == sorted(versions) and all(v > after for v in versions)
        assert len(versions) <= page_size
        pages.append(body["data"])
        after = body["version"]["max"]
        assert len(pages) < 100, "paging does not end"


def soft_delete(shop: Store, product: Product) -> None:
    with shop.uow() as uow:
        row = uow.session.get(Product, product.id)
        assert row is not None
        row.deleted_at = utcnow()
        uow.commit()


# Sales ------------------------------------------------------------------------------------


def test_a_sale_reads_back_in_the_2_0_shape(api: TestClient, shop: Store) -> None:
    coffee = make_product(shop, name="Coffee", price="8.90", tax=shop.reduced_tax, sku="COF")
    mug = make_product(shop, name="Mug", price="14.00")
    sale = make_sale(shop, [(coffee, 2), (mug, 1)], payments=[(shop.cash, "40.00")])

    data = get_data(api, f"/api/2.0/sales/{sale.id}")

    assert data["id"] == str(sale.id)
    assert (data["outlet_id"], data["register_id"]) == (str(shop.outlet.id), str(shop.register.id))
    assert data["user_id"] == str(shop.owner.id)
    assert (data["state"], data["status"], data["invoice_number"]) == ("closed", "CLOSED", "T1-1")
    assert isinstance(data["version"], int) and data["version"] == sale.version
    assert data["total_price"] == Decimal("28.54")
    assert data["total_tax"] == Decimal("3.26")
    assert data["total_price_incl"] == Decimal("31.80")
    assert data["total_price"] + data["total_tax"] == data["total_price_incl"]

    coffee_item, mug_item = data["line_items"]
    assert coffee_item["product_id"] == str(coffee.id)
    assert (coffee_item["name"], coffee_item["sku"], coffee_item["quantity"]) == (
        "Coffee",
        "COF",
        2,
    )
    assert (coffee_item["price_total"], coffee_item["tax_total"]) == (
        Decimal("16.87"),
        Decimal("0.93"),
    )
    assert coffee_item["tax_id"] == str(shop.reduced_tax.id)
    assert [c["total_tax"] for c in coffee_item["tax_components"]] == [Decimal("0.93")]
    assert mug_item["tax_total"] == Decimal("2.33")

    assert [(p["name"], p["amount"]) for p in data["payments"]] == [
        ("Cash", 40),
        ("Cash (change)", Decimal("-8.20")),
    ]
    assert all(p["outlet_id"] == str(shop.outlet.id) for p in data["payments"])
    taxes = {t["name"]: (t["rate"], t["amount"]) for t in data["taxes"]}
    assert taxes == {
        "VAT 5.5%": (Decimal("0.055"), Decimal("0.93")),
        "VAT 20%": (Decimal("0.2"), Decimal("2.33")),
    }


def test_paging_sales_by_version_walks_every_sale_exactly_once(
    api: TestClient, shop: Store
) -> None:
    coffee = make_product(shop, price="8.90", stock=100)
    made = [make_sale(shop, [(coffee, 1)], total="8.90").id for _ in range(7)]

    pages = walk(api, "/api/2.0/sales", page_size=3)

    assert [len(page) for page in pages] == [3, 3, 1]
    seen = [item["id"] for page in pages for item in page]
    assert seen == [str(sale_id) for sale_id in made]  # version order is recording order


def test_before_bounds_a_page_of_sales_from_above(api: TestClient, shop: Store) -> None:
    coffee = make_product(shop, price="8.90", stock=100)
    sales = [make_sale(shop, [(coffee, 1)], total="8.90") for _ in range(4)]
    body = get_list(api, f"/api/2.0/sales?after={sales[0].version}&before={sales[3].version}")
    assert [item["id"] for item in body["data"]] == [str(sales[1].id), str(sales[2].id)]


@pytest.mark.parametrize(
    "query",
    ["page_size=0", "page_size=501", "page_size=abc", "after=-1", "before=-1", f"after={2**64}"],
)
def test_a_bad_paging_parameter_is_a_422_not_a_500(
    api: TestClient, shop: Store, query: str
) -> None:
    reply = api.get(f"/api/2.0/sales?{query}")
    assert reply.status_code == 422, reply.text
    assert set(reply.json()) == {"error", "details"}


# Products ---------------------------------------------------------------------------------


def test_a_product_reads_back_in_the_2_0_shape(api: TestClient, shop: Store) -> None:
    coffee = make_product(
        shop, name="Coffee", price="8.90", tax=shop.reduced_tax, sku="COF", barcode="3760000000017"
    )
    data = get_data(api, f"/api/2.0/products/{coffee.id}")
    assert data["id"] == str(coffee.id)
    assert (data["name"], data["sku"], data["handle"]) == ("Coffee", "COF", "coffee")
    assert data["price_including_tax"] == Decimal("8.90")
    assert data["price_excluding_tax"] == Decimal("8.43602")
    assert data["supply_price"] == 5
    assert data["tax_id"] == str(shop.reduced_tax.id)
    assert data["product_codes"] == [{"type": "EAN", "code": "3760000000017"}]
    assert (data["active"], data["has_inventory"], data["deleted_at"]) == (True, True, None)
    assert data["version"] == coffee.version


def test_paging_products_by_version_walks_every_product_exactly_once(
    api: TestClient, shop: Store
) -> None:
    made = [make_product(shop).id for _ in range(5)]
    pages = walk(api, "/api/2.0/products", page_size=2)
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [item["id"] for page in pages for item in page] == [str(p) for p in made]


def test_a_deleted_product_is_listed_only_when_deleted_ones_are_asked_for(
    api: TestClient, shop: Store
) -> None:
    kept = make_product(shop)
    gone = make_product(shop)
    soft_delete(shop, gone)

    listed = get_list(api, "/api/2.0/products")["data"]
    assert [p["id"] for p in listed] == [str(kept.id)]
    with_deleted = get_list(api, "/api/2.0/products?deleted=true")["data"]
    assert {p["id"]: p["deleted_at"] is not None for p in with_deleted} == {
        str(kept.id): False,
        str(gone.id): True,
    }
    assert api.get(f"/api/2.0/products/{gone.id}").status_code == 404


def test_deleting_a_product_gives_it_a_new_version_so_syncing_clients_see_it(
    api: TestClient, shop: Store
) -> None:
    product = make_product(shop)
    seen = get_list(api, "/api/2.0/products")["version"]["max"]
    soft_delete(shop, product)
    changed = get_list(api, f"/api/2.0/products?after={seen}&deleted=true")["data"]
    assert [p["id"] for p in changed] == [str(product.id)]
    assert changed[0]["version"] > seen


@pytest.mark.parametrize(
    "path", ["/api/2.0/products?sku=A%00", "/api/2.0/search?q=coffee%00", "/api/2.0/search?q="]
)
def test_a_search_term_that_cannot_be_stored_or_is_empty_is_a_422(
    api: TestClient, shop: Store, path: str
) -> None:
    reply = api.get(path)
    assert reply.status_code == 422, reply.text
    assert reply.json()["details"]["problems"]


def test_products_can_be_filtered_by_sku(api: TestClient, shop: Store) -> None:
    make_product(shop, sku="A-1")
    wanted = make_product(shop, sku="B-2")
    listed = get_list(api, "/api/2.0/products?sku=B-2")["data"]
    assert [p["id"] for p in listed] == [str(wanted.id)]


# Inventory --------------------------------------------------------------------------------


def test_inventory_lists_a_level_per_product_and_outlet(api: TestClient, shop: Store) -> None:
    coffee = make_product(shop, stock=10)
    cheese = make_product(shop, stock="2.5")
    levels = get_list(api, "/api/2.0/inventory")["data"]
    assert {(lv["product_id"], lv["outlet_id"], lv["inventory_level"]) for lv in levels} == {
        (str(coffee.id), str(shop.outlet.id), 10),
        (str(cheese.id), str(shop.outlet.id), Decimal("2.5")),
    }
    assert all(lv["current_amount"] == lv["inventory_level"] for lv in levels)


def test_a_stock_change_brings_the_level_back_after_the_last_version_seen(
    api: TestClient, shop: Store
) -> None:
    coffee = make_product(shop, price="8.90", stock=10)
    make_product(shop, stock=4)
    seen = get_list(api, "/api/2.0/inventory")["version"]["max"]
    make_sale(shop, [(coffee, 3)], total="26.70")

    changed = get_list(api, f"/api/2.0/inventory?after={seen}")["data"]
    assert [(lv["product_id"], lv["inventory_level"]) for lv in changed] == [(str(coffee.id), 7)]
    assert len(walk(api, "/api/2.0/inventory", page_size=1)) == 2


def test_a_product_inventory_reads_its_levels(api: TestClient, shop: Store) -> None:
    coffee = make_product(shop, price="8.90", stock=10)
    make_sale(shop, [(coffee, 2)], total="17.80")
    body = get_list(api, f"/api/2.0/products/{coffee.id}/inventory")
    assert [(lv["outlet_id"], lv["inventory_level"]) for lv in body["data"]] == [
        (str(shop.outlet.id), 8)
    ]


# Store setup and users --------------------------------------------------------------------


def test_the_retailer_reads_back_with_its_currency_and_tax_settings(
    api: TestClient, shop: Store
) -> None:
    data = get_data(api, "/api/2.0/retailer")
    assert data["name"] == "Test shop"
    assert data["currency"] == {"code": "EUR", "symbol": "€"}
    assert (data["timezone"], data["culture"], data["tax_exclusive"]) == (
        "Europe/Paris",
        "en",
        False,
    )
    assert data["default_tax_id"] == str(shop.standard_tax.id)
    assert isinstance(data["version"], int)


def test_outlets_list_and_read_one(api: TestClient, shop: Store) -> None:
    (listed,) = get_list(api, "/api/2.0/outlets")["data"]
    one = get_data(api, f"/api/2.0/outlets/{shop.outlet.id}")
    assert listed == one
    assert (one["id"], one["name"], one["time_zone"]) == (
        str(shop.outlet.id),
        "Main",
        "Europe/Paris",
    )
    assert one["default_tax_id"] == str(shop.standard_tax.id)
    assert (one["currency"], one["display_prices"]) == ("EUR", "inclusive")


def test_registers_list_and_read_one(api: TestClient, shop: Store) -> None:
    (listed,) = get_list(api, "/api/2.0/registers")["data"]
    one = get_data(api, f"/api/2.0/registers/{shop.register.id}")
    assert listed == one
    assert (one["name"], one["outlet_id"], one["invoice_prefix"]) == (
        "Till 1",
        str(shop.outlet.id),
        "T1-",
    )
    assert one["invoice_sequence"] == 1


def test_taxes_list_their_rates_and_mark_the_default(api: TestClient, shop: Store) -> None:
    taxes = {t["name"]: t for t in get_list(api, "/api/2.0/taxes")["data"]}
    assert set(taxes) == {"VAT 20%", "VAT 5.5%"}
    assert taxes["VAT 20%"]["is_default"] is True
    assert taxes["VAT 5.5%"]["is_default"] is False
    assert [r["rate"] for r in taxes["VAT 5.5%"]["rates"]] == [Decimal("0.055")]
    assert taxes["VAT 20%"]["id"] == str(shop.standard_tax.id)


def test_payment_types_list_with_their_global_kind(api: TestClient, shop: Store) -> None:
    types = {p["name"]: p for p in get_list(api, "/api/2.0/payment_types")["data"]}
    assert {name: p["type_id"] for name, p in types.items()} == {
        "Cash": PaymentKind.CASH,
        "Card": PaymentKind.CARD_EXTERNAL,
    }
    assert types["Cash"]["id"] == str(shop.cash.id)


def test_users_list_and_read_one_and_user_is_the_caller(api: TestClient, shop: Store) -> None:
    clerk = make_user(shop, role=Role.CASHIER, username="clerk")
    users = {u["username"]: u for u in get_list(api, "/api/2.0/users")["data"]}
    assert set(users) == {"owner@example.com", "clerk"}
    assert users["clerk"]["account_type"] == "cashier"
    assert "password_hash" not in users["clerk"]
    assert get_data(api, f"/api/2.0/users/{clerk.id}") == users["clerk"]
    me = get_data(api, "/api/2.0/user")
    assert (me["id"], me["username"], me["is_primary_user"]) == (
        str(shop.owner.id),
        "owner@example.com",
        True,
    )


# Unknown and malformed ids ----------------------------------------------------------------

BY_ID = [
    "/api/2.0/sales/{}",
    "/api/2.0/products/{}",
    "/api/2.0/products/{}/inventory",
    "/api/2.0/outlets/{}",
    "/api/2.0/registers/{}",
    "/api/2.0/users/{}",
]


@pytest.mark.parametrize("path", BY_ID)
def test_an_unknown_id_is_a_404_with_a_json_error(api: TestClient, shop: Store, path: str) -> None:
    missing = uuid.uuid4()
    reply = api.get(path.format(missing))
    assert reply.status_code == 404
    body = reply.json()
    assert set(body) == {"error", "details"}
    assert body["error"].endswith("not found")
    assert str(missing) in body["details"].values()


@pytest.mark.parametrize("path", BY_ID)
def test_an_id_that_is_not_a_uuid_is_a_422(api: TestClient, shop: Store, path: str) -> None:
    reply = api.get(path.format("not-a-uuid"))
    assert reply.status_code == 422
    (problem,) = reply.json()["details"]["problems"]
    assert problem["field"].startswith("path.")
