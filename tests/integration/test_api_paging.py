"""Every X-Series list, found in `/openapi.json`, can be walked to its end: 2.0 and 2.1 lists
with `after=<version.max>` until an empty page, the categories with `page_info`, the 0.9
lists page by page; each walk ends and sees every row exactly once."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from comptoir.accounts.permissions import Role
from comptoir.catalog import categories, entities
from comptoir.catalog import products as catalog
from comptoir.customers import groups
from comptoir.inventory.consignments import orders
from comptoir.inventory.consignments.common import LineInput
from comptoir.store import service as store
from comptoir.store.models import PaymentKind
from tests.factories import (
    Store,
    close_till,
    decimal_json,
    make_customer,
    make_product,
    make_register,
    make_sale,
    make_token,
    make_user,
    open_till,
)

PAGE = 2  # rows per page in the walks; every list is seeded with more than one page

# GET routes of 2.0/2.1 that are not version-paged lists, and why.
NOT_VERSION_LISTS = {
    "/api/2.0/retailer": "one object",
    "/api/2.0/user": "one object: the caller",
    "/api/2.0/search": "a search, its results ranked (X-Series pages it by offset)",
    "/api/2.0/product_categories": "paged by category id and page_info, walked below",
    "/api/2.0/quotes": "the 2.0 spec's own shape: after (a quote's position) and limit",
    "/api/2.0/store_credits": "2.0-beta: page_size only",
    "/api/2.0/store_credits/report": "2.0-beta: one report",
    "/api/2.0/registers/{register_id}/payments_summary": "one summary of the open session",
    "/api/2.0/registers/{register_id}/x_report": "one report of the open session",
    "/api/2.0/registers/{register_id}/cash_movements": "the open session's few movements",
    "/api/2.0/registers/{register_id}/printer": "one object: the register's printer state",
    "/api/2.0/consignments/{consignment_id}/totals": "one consignment's totals (a 1-item list)",
}


def _openapi(api: TestClient) -> dict[str, Any]:
    reply = api.get("/openapi.json")
    assert reply.status_code == 200
    schema: dict[str, Any] = reply.json()
    return schema


def _params(operation: dict[str, Any]) -> set[str]:
    return {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}


def version_lists(schema: dict[str, Any]) -> list[str]:
    """The GET routes of /api/2.0 and /api/2.1 paged by version; fails on a GET route that
    is neither such a list, nor one object (a path ending in an id), nor a known exception."""
    found, unpaged = [], []
    for path, item in schema["paths"].items():
        if not re.match(r"^/api/2\.[01]/", path) or "get" not in item:
            continue
        if {"after", "before", "page_size"} <= _params(item["get"]):
            found.append(path)
        elif not path.endswith("}") and path not in NOT_VERSION_LISTS:
            unpaged.append(path)
    assert unpaged == [], f"lists without after/before/page_size: {unpaged}"
    return sorted(found)


def numbered_lists(schema: dict[str, Any]) -> list[str]:
    """The 0.9 GET routes paged by number (`page`, `page_size`)."""
    return sorted(
        path
        for path, item in schema["paths"].items()
        if re.match(r"^/api/[a-z_]+$", path)
        and "get" in item
        and {"page", "page_size"} <= _params(item["get"])
    )


class Seeded:
    """More than a page of every kind of row, and the ids a nested list needs."""

    def __init__(self, shop: Store) -> None:
        self.shop = shop
        with shop.uow() as uow:
            self.outlets = [
                store.create_outlet(
                    uow, fields=store.OutletFields(name=f"Outlet {i}", time_zone="Europe/Paris")
                )
                for i in range(2)
            ]
        for i in range(2):
            till = make_register(shop, name=f"Till {i + 2}")
            close_till(shop, register_id=till.id)  # a closure per register
        close_till(shop)
        open_till(shop.db, register_id=shop.register.id, user_id=shop.owner.id)
        with shop.uow() as uow:
            store.create_tax(
                uow, name="VAT 10%", rates=[store.RateFields(name="VAT 10%", rate=Decimal("0.1"))]
            )
        with shop.uow() as uow:
            store.create_payment_type(uow, name="Cheque", type_id=PaymentKind.CHEQUE)
        for i in range(3):
            with shop.uow() as uow:
                entities.create_brand(uow, name=f"Brand {i}")
            with shop.uow() as uow:
                entities.create_supplier(uow, fields=entities.SupplierFields(name=f"Supplier {i}"))
            with shop.uow() as uow:
                entities.create_tag(uow, name=f"Tag {i}")
            with shop.uow() as uow:
                entities.create_variant_attribute(uow, name=f"Attribute {i}")
            with shop.uow() as uow:
                categories.create_category(uow, name=f"Category {i}")
        with shop.uow() as uow:
            self.product = catalog.create_product(
                uow,
                new=catalog.NewProduct(
                    name="Stocked everywhere",
                    price=Decimal("4"),
                    inventory=[
                        catalog.OpeningStock(outlet_id=o.id, count=Decimal(5))
                        for o in [shop.outlet, *self.outlets]
                    ],
                ),
            )
        coffee = make_product(shop, price="2.50", stock=100)
        tea = make_product(shop, price="3.00")
        with shop.uow() as uow:
            order_ids = [
                orders.create_order(
                    uow, outlet_id=shop.outlet.id, supplier_id=None, user_id=None
                ).id
                for _ in range(3)
            ]
            orders.set_order_lines(
                uow,
                consignment_id=order_ids[0],
                lines=[LineInput(p.id, count=Decimal(1)) for p in (self.product, coffee, tea)],
                user_id=None,
            )
            uow.commit()
        self.consignment_id = order_ids[0]
        for _ in range(3):
            make_sale(shop, [(coffee, 1)], total="2.50")
        customers = [make_customer(shop, first_name=f"Customer {i}") for i in range(3)]
        with shop.uow() as uow:
            self.group = groups.create_group(uow, name="Regulars")
        with shop.uow() as uow:
            groups.create_group(uow, name="Staff")
        with shop.uow() as uow:
            groups.move_customers(
                uow, group_id=self.group.id, customer_ids=[c.id for c in customers]
            )
        for role in (Role.CASHIER, Role.MANAGER):
            make_user(shop, role=role)
        for _ in range(3):  # each token made is a security event of the owner
            make_token(shop)

    def path_of(self, template: str) -> str:
        ids = {
            "product_id": self.product.id,
            "group_id": self.group.id,
            "consignment_id": self.consignment_id,
        }

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            assert name in ids, f"no seeded id for {{{name}}} in {template}"
            return str(ids[name])

        return re.sub(r"\{([^}]+)\}", fill, template)


@pytest.fixture
def seeded(api: TestClient, shop: Store) -> Seeded:
    return Seeded(shop)


def _get(api: TestClient, path: str, **query: Any) -> dict[str, Any]:
    reply = api.get(path, params=query)
    assert reply.status_code == 200, f"{path} {query}: {reply.text}"
    body: dict[str, Any] = decimal_json(reply)
    return body


def _id_of(row: dict[str, Any]) -> str:
    # A consignment's products have no id of their own in X-Series: their product's.
    return str(row["id"] if "id" in row else row["product_id"])


def walk_versions(api: TestClient, path: str) -> list[str]:
    seen: list[str] = []
    after = 0
    for _ in range(100):
        body = _get(api, path, after=after, page_size=PAGE)
        rows = body["data"]
        if not rows:
            return seen
        assert len(rows) <= PAGE
        versions = [row["version"] for row in rows]
        assert versions == sorted(versions) and min(versions) > after
        assert body["version"] == {"min": min(versions), "max": max(versions)}
        seen += [_id_of(row) for row in rows]
        after = body["version"]["max"]
    pytest.fail(f"{path}: paging with after= does not end")


def test_every_version_list_walks_to_an_empty_page_seeing_each_row_once(
    api: TestClient, seeded: Seeded
) -> None:
    paths = version_lists(_openapi(api))
    assert "/api/2.0/outlets" in paths and "/api/2.0/products/{product_id}/inventory" in paths
    for template in paths:
        path = seeded.path_of(template)
        everything = [_id_of(row) for row in _get(api, path, page_size=500)["data"]]
        assert len(everything) > PAGE, f"{path}: seed more than one page"
        seen = walk_versions(api, path)
        assert len(seen) == len(set(seen)), f"{path}: a row came twice"
        assert sorted(seen) == sorted(everything), f"{path}: the walk missed rows"


def test_a_version_list_walks_from_the_top_with_before(api: TestClient, seeded: Seeded) -> None:
    outlets = _get(api, "/api/2.0/outlets")["data"]
    last = max(o["version"] for o in outlets)
    below = _get(api, "/api/2.0/outlets", before=last)["data"]
    assert [o["version"] for o in below] == sorted(o["version"] for o in outlets)[:-1]


def test_product_categories_walk_with_page_info_to_the_last_page(
    api: TestClient, seeded: Seeded
) -> None:
    seen: list[str] = []
    query: dict[str, Any] = {"page_size": PAGE}
    for _ in range(100):
        body = _get(api, "/api/2.0/product_categories", **query)
        seen += [c["id"] for c in body["data"]["categories"]]
        if not body["page_info"]["has_next"]:
            break
        query["after"] = body["page_info"]["last_seen"]
    everything = _get(api, "/api/2.0/product_categories")["data"]["categories"]
    assert len(everything) > PAGE
    assert sorted(seen) == sorted(c["id"] for c in everything)
    assert len(seen) == len(set(seen))


def _items(body: dict[str, Any]) -> list[dict[str, Any]]:
    (key,) = [k for k in body if k != "pagination"]
    rows: list[dict[str, Any]] = body[key]
    return rows


def test_every_0_9_paged_list_walks_page_by_page_seeing_each_row_once(
    api: TestClient, seeded: Seeded
) -> None:
    paths = numbered_lists(_openapi(api))
    assert paths == ["/api/customers", "/api/products", "/api/register_sales", "/api/supplier"]
    for path in paths:
        seen: list[str] = []
        first = _get(api, path, page=1, page_size=PAGE)
        pagination = first["pagination"]
        assert pagination["results"] > PAGE, f"{path}: seed more than one page"
        assert pagination["pages"] == -(-pagination["results"] // PAGE)
        for page in range(1, pagination["pages"] + 2):
            rows = _items(_get(api, path, page=page, page_size=PAGE))
            if page > pagination["pages"]:
                assert rows == [], f"{path}: a page past the last one is empty"
            seen += [_id_of(row) for row in rows]
        assert len(seen) == pagination["results"] == len(set(seen)), path


@pytest.mark.parametrize(
    ("path", "limit"),
    [
        ("/api/2.0/products", 10_000),
        ("/api/2.0/outlets", 10_000),
        ("/api/2.0/sales", 500),
        ("/api/register_sales", 500),
        ("/api/customers", 10_000),
    ],
)
def test_page_size_takes_what_the_spec_allows_and_a_clear_422_beyond(
    api: TestClient, shop: Store, path: str, limit: int
) -> None:
    assert api.get(path, params={"page_size": limit}).status_code == 200
    refused = api.get(path, params={"page_size": limit + 1})
    assert refused.status_code == 422
    (problem,) = refused.json()["details"]["problems"]
    assert problem["field"] == "query.page_size"
    assert str(limit) in problem["message"].replace(",", "").replace("_", "")


def test_search_takes_a_page_size_up_to_10000_and_returns_at_most_1000(
    api: TestClient, shop: Store
) -> None:
    make_product(shop, name="Mug")
    found = api.get("/api/2.0/search", params={"q": "mug", "page_size": 5000})
    assert found.status_code == 200
    assert [p["name"] for p in found.json()["data"]] == ["Mug"]
    assert api.get("/api/2.0/search", params={"q": "mug", "page_size": 10_001}).status_code == 422


def test_an_unknown_product_has_no_inventory_list(api: TestClient, shop: Store) -> None:
    reply = api.get(f"/api/2.0/products/{uuid.uuid4()}/inventory")
    assert reply.status_code == 404


def test_a_tax_whose_rate_changes_comes_again_after_the_last_version_seen(
    api: TestClient, shop: Store
) -> None:
    seen = _get(api, "/api/2.0/taxes")["version"]["max"]
    with shop.uow() as uow:
        store.update_tax(
            uow,
            tax_id=shop.reduced_tax.id,
            name="VAT 5.5%",
            rates=[store.RateFields(name="VAT 5.5%", rate=Decimal("0.06"))],
        )
    (changed,) = _get(api, "/api/2.0/taxes", after=seen)["data"]
    assert changed["id"] == str(shop.reduced_tax.id)
    assert [r["rate"] for r in changed["rates"]] == [Decimal("0.06")]
