"""POST /api/2.0/products: the three kinds of product, opening stock through the ledger,
retries that create nothing twice, permissions, and bad bodies that change nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from comptoir.accounts.permissions import Role
from comptoir.catalog import products as catalog
from comptoir.catalog.models import Product
from tests.factories import (
    Store,
    count_rows,
    decimal_json,
    make_product,
    make_sale,
    make_scoped_token,
    make_store,
    make_token,
    make_user,
    run_together,
)
from tests.integration import products_support as support


@pytest.fixture
def cat(shop: Store) -> support.Catalog:
    return support.make_catalog(shop)


def create(api: TestClient, body: dict[str, Any], **headers: str) -> list[str]:
    reply = api.post("/api/2.0/products", json=body, headers=headers)
    assert reply.status_code == 200, reply.text
    ids: list[str] = reply.json()["data"]
    return ids


def test_a_standard_product_keeps_every_field_of_the_2_0_body(
    api: TestClient, shop: Store, cat: support.Catalog
) -> None:
    (product_id,) = create(
        api,
        {
            "name": "Organic tee",
            "description": "<p>Soft</p>",
            "handle": "organic-tee",
            "sku": "TEE-1",
            "product_codes": [
                {"type": "EAN", "code": "3760000000017"},
                {"type": "custom", "code": "TEE"},
            ],
            "price_including_tax": "24.00",
            "supply_price": "9.50",
            "brand_id": str(cat.brand.id),
            "product_category_id": str(cat.category.id),
            "tag_ids": [str(t.id) for t in cat.tags[:2]],
            "product_suppliers": [
                {"supplier_id": str(cat.supplier.id), "code": "TS-88", "price": "9.50"}
            ],
            "account_code_sale": "7070",
            "account_code_purchase": "6070",
            "outlet_taxes": [
                {"outlet_id": str(shop.outlet.id), "tax_id": str(shop.reduced_tax.id)}
            ],
            "is_active": False,
            "images": [{"type": "url", "location": "https://example.com/tee.png"}],
            "weight": 180,
            "weight_unit": "G",
        },
    )
    data = support.product_json(api, product_id)
    assert (data["name"], data["handle"], data["sku"]) == ("Organic tee", "organic-tee", "TEE-1")
    assert data["description"] == "<p>Soft</p>"
    assert [(c["type"], c["code"]) for c in data["product_codes"]] == [
        ("EAN", "3760000000017"),
        ("CUSTOM", "TEE"),
    ]
    assert data["price_including_tax"] == 24
    assert data["price_excluding_tax"] == Decimal(20)  # the store's default tax is 20 %
    assert data["supply_price"] == Decimal("9.50")
    assert data["brand_id"] == str(cat.brand.id) and data["brand"]["name"] == "Maison"
    assert data["product_type_id"] == data["product_category_id"] == str(cat.category.id)
    assert data["type"]["name"] == "T-shirts"
    assert sorted(data["tag_ids"]) == sorted(str(t.id) for t in cat.tags[:2])
    assert sorted(c["name"] for c in data["categories"]) == ["bio", "local"]
    assert data["supplier_id"] == str(cat.supplier.id) and data["supplier_code"] == "TS-88"
    assert data["supplier"]["name"] == "Textiles SA"
    assert data["product_suppliers"] == [
        {
            "id": None,
            "product_id": product_id,
            "supplier_id": str(cat.supplier.id),
            "supplier_name": "Textiles SA",
            "code": "TS-88",
            "price": Decimal("9.50"),
        }
    ]
    assert (data["account_code"], data["account_code_purchase"]) == ("7070", "6070")
    assert data["outlet_taxes"] == [
        {"outlet_id": str(shop.outlet.id), "tax_id": str(shop.reduced_tax.id)}
    ]
    assert data["active"] is False and data["is_active"] is False
    assert data["has_variants"] is False and data["variant_count"] == 0
    assert data["family_id"] == product_id


def test_opening_inventory_is_a_ledger_movement_and_reorder_settings_are_kept(
    api: TestClient, shop: Store
) -> None:
    (product_id,) = create(
        api,
        {
            "name": "Mug",
            "price_including_tax": 8,
            "inventory": [
                {
                    "outlet_id": str(shop.outlet.id),
                    "current_amount": 7,
                    "reorder_point": 2,
                    "reorder_amount": 10,
                }
            ],
        },
    )
    assert support.level_and_ledger(shop, product_id) == (Decimal(7), Decimal(7))
    assert support.movements_of(shop, product_id) == [Decimal(7)]
    (level,) = decimal_json(api.get(f"/api/2.0/products/{product_id}/inventory"))["data"]
    assert (level["inventory_level"], level["reorder_point"], level["reorder_amount"]) == (7, 2, 10)


def test_minus_one_leaves_the_reorder_point_unset_at_creation(api: TestClient, shop: Store) -> None:
    (product_id,) = create(
        api,
        {
            "name": "Mug",
            "inventory": [
                {
                    "outlet_id": str(shop.outlet.id),
                    "current_amount": 0,
                    "reorder_point": -1,
                    "reorder_amount": 5,
                }
            ],
        },
    )
    (level,) = decimal_json(api.get(f"/api/2.0/products/{product_id}/inventory"))["data"]
    assert (level["reorder_point"], level["reorder_amount"]) == (None, 5)
    assert support.movements_of(shop, product_id) == []  # nothing to move from 0 to 0


def test_a_variant_family_gets_one_product_per_variant_in_order(
    api: TestClient, shop: Store, cat: support.Catalog
) -> None:
    colour, size = str(cat.colour.id), str(cat.size.id)
    ids = create(
        api,
        {
            "name": "Tee",
            "price_including_tax": 20,
            "brand_id": str(cat.brand.id),
            "variants": [
                {
                    "sku": "TEE-RM",
                    "variant_definitions": [
                        {"attribute_id": colour, "value": "Red"},
                        {"attribute_id": size, "value": "M"},
                    ],
                    "inventory": [{"outlet_id": str(shop.outlet.id), "current_amount": 4}],
                },
                {
                    # Another order of the same attributes: the family's order applies.
                    "variant_definitions": [
                        {"attribute_id": size, "value": "L"},
                        {"attribute_id": colour, "value": "Red"},
                    ],
                    "price_including_tax": 22,
                    "product_codes": [{"code": "3760000000024"}],
                },
            ],
        },
    )
    assert len(ids) == 2
    first, second = (support.product_json(api, i) for i in ids)
    assert first["family_id"] == second["family_id"] == ids[0]
    assert first["handle"] == second["handle"]
    assert (first["variant_name"], second["variant_name"]) == ("Tee / Red / M", "Tee / Red / L")
    assert [o["name"] for o in second["variant_options"]] == ["Colour", "Size"]
    assert (first["price_including_tax"], second["price_including_tax"]) == (20, 22)
    assert first["sku"] == "TEE-RM" and second["sku"] != first["sku"]
    assert second["product_codes"] == [{"type": "EAN", "code": "3760000000024"}]
    assert first["variant_count"] == second["variant_count"] == 2
    assert second["variant_parent_id"] == ids[0]
    assert second["brand_id"] == str(cat.brand.id)
    assert support.level_and_ledger(shop, ids[0]) == (Decimal(4), Decimal(4))
    assert support.level_and_ledger(shop, ids[1]) == (None, Decimal(0))


def test_a_composite_created_through_the_api_sells_its_components(
    api: TestClient, shop: Store
) -> None:
    coffee = make_product(shop, price="8.00", supply_price="3.00", stock=10)
    mug = make_product(shop, price="6.00", supply_price="2.50", stock=5)
    (box_id,) = create(
        api,
        {
            "name": "Gift box",
            "price_including_tax": 25,
            "composite": [
                {"product_id": str(coffee.id), "quantity": 2},
                {"product_id": str(mug.id), "quantity": 1},
            ],
        },
    )
    data = support.product_json(api, box_id)
    assert data["is_composite"] is True and data["has_inventory"] is False
    assert data["composite_components"] == [
        {"product_id": str(coffee.id), "count": 2},
        {"product_id": str(mug.id), "count": 1},
    ]
    with shop.db.read_sessions() as session:
        box = session.get(Product, uuid.UUID(box_id))
        assert box is not None
    make_sale(shop, [(box, 1)], total="25.00")
    assert support.level_and_ledger(shop, coffee.id) == (Decimal(8), Decimal(8))
    assert support.level_and_ledger(shop, mug.id) == (Decimal(4), Decimal(4))


@pytest.mark.parametrize(
    ("tax_exclusive", "field", "price", "incl", "excl"),
    [
        (False, "price_including_tax", "12", Decimal(12), Decimal(10)),
        (False, "price_excluding_tax", "10", Decimal(12), Decimal(10)),
        (True, "price_excluding_tax", "10", Decimal(12), Decimal(10)),
        (True, "price_including_tax", "12", Decimal(12), Decimal(10)),
    ],
)
def test_either_price_may_be_given_and_the_other_is_derived_with_the_tax(
    db: Any,
    app_client: TestClient,
    tax_exclusive: bool,
    field: str,
    price: str,
    incl: Decimal,
    excl: Decimal,
) -> None:
    shop = make_store(db, tax_exclusive=tax_exclusive)
    app_client.headers["Authorization"] = f"Bearer {make_token(shop)}"
    (product_id,) = create(app_client, {"name": "Scarf", field: price})
    data = support.product_json(app_client, product_id)
    assert (data["price_including_tax"], data["price_excluding_tax"]) == (incl, excl)


# Retries ----------------------------------------------------------------------------------


def test_the_same_request_with_its_id_sent_twice_creates_one_product_and_answers_the_same(
    api: TestClient, shop: Store, cat: support.Catalog
) -> None:
    body = {
        "id": str(uuid.uuid4()),
        "name": "Tee",
        "variants": support.size_variants(cat, "S", "M", "L"),
        "inventory": [],
    }
    body["variants"][0]["inventory"] = [{"outlet_id": str(shop.outlet.id), "current_amount": 3}]
    first = api.post("/api/2.0/products", json=body)
    before = support.catalog_state(shop)
    second = api.post("/api/2.0/products", json=body)
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert first.json()["data"][0] == body["id"] and len(first.json()["data"]) == 3
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert support.catalog_state(shop) == before
    assert count_rows(shop.db, Product) == 3


def test_an_idempotency_key_makes_a_retry_answer_the_first_result(
    api: TestClient, shop: Store
) -> None:
    body = {
        "name": "Quick add",
        "price_including_tax": "4.50",
        "inventory": [{"outlet_id": str(shop.outlet.id), "current_amount": 1}],
    }
    first = api.post("/api/2.0/products", json=body, headers={"Idempotency-Key": "till-1-42"})
    second = api.post("/api/2.0/products", json=body, headers={"Idempotency-Key": "till-1-42"})
    third = api.post("/api/2.0/products", json=body, headers={"Idempotency-Key": "till-1-43"})
    assert first.json() == second.json() != third.json()
    assert count_rows(shop.db, Product) == 2
    (product_id,) = first.json()["data"]
    assert support.movements_of(shop, product_id) == [Decimal(1)]  # the retry moved no stock


def test_an_idempotency_key_is_scoped_to_the_user_who_sends_it(
    app_client: TestClient, shop: Store
) -> None:
    manager = make_user(shop, role=Role.MANAGER)
    headers = {"Idempotency-Key": "same-key"}
    owners = app_client.post(
        "/api/2.0/products",
        json={"name": "A"},
        headers={**headers, "Authorization": f"Bearer {make_token(shop)}"},
    )
    managers = app_client.post(
        "/api/2.0/products",
        json={"name": "B"},
        headers={
            **headers,
            "Authorization": f"Bearer {make_token(shop, username=manager.username)}",
        },
    )
    assert owners.status_code == managers.status_code == 200
    assert owners.json() != managers.json()
    assert count_rows(shop.db, Product) == 2


def test_a_retry_after_the_product_was_deleted_answers_the_first_result_and_recreates_nothing(
    api: TestClient, shop: Store
) -> None:
    body = {"id": str(uuid.uuid4()), "name": "Mug"}
    first = api.post("/api/2.0/products", json=body)
    assert api.delete(f"/api/2.0/products/{body['id']}").status_code == 200
    again = api.post("/api/2.0/products", json=body)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count_rows(shop.db, Product) == 1


def test_a_client_id_that_is_another_products_variant_is_a_conflict(
    api: TestClient, cat: support.Catalog
) -> None:
    ids = create(
        api,
        {
            "name": "Tee",
            "variants": support.size_variants(cat, "S", "M"),
        },
    )
    reply = api.post("/api/2.0/products", json={"id": ids[1], "name": "Other"})
    assert reply.status_code == 409


# Permissions ------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [(Role.CASHIER, 403), (Role.MANAGER, 200)])
def test_creating_products_needs_the_catalog_write_permission(
    app_client: TestClient, shop: Store, role: Role, status: int
) -> None:
    user = make_user(shop, role=role)
    reply = app_client.post(
        "/api/2.0/products",
        json={"name": "Quick add", "price_including_tax": 2},
        headers={"Authorization": f"Bearer {make_token(shop, username=user.username)}"},
    )
    assert reply.status_code == status, reply.text
    assert count_rows(shop.db, Product) == (1 if status == 200 else 0)


@pytest.mark.parametrize(
    ("scopes", "status"), [(["products:read"], 403), (["products:write"], 200)]
)
def test_a_token_needs_the_products_write_scope_to_create(
    app_client: TestClient, shop: Store, scopes: list[str], status: int
) -> None:
    secret = make_scoped_token(shop, shop.owner, scopes=scopes)
    reply = app_client.post(
        "/api/2.0/products", json={"name": "X"}, headers={"Authorization": f"Bearer {secret}"}
    )
    assert reply.status_code == status


def test_creating_a_product_needs_a_signed_in_caller(app_client: TestClient, shop: Store) -> None:
    assert app_client.post("/api/2.0/products", json={"name": "X"}).status_code == 401
    assert count_rows(shop.db, Product) == 0


# Bad bodies -------------------------------------------------------------------------------

Body = Callable[[Store, support.Catalog, Product], Any]
UNKNOWN = "00000000-0000-4000-8000-000000000000"


def outlet(shop: Store, **stock: Any) -> list[dict[str, Any]]:
    return [{"outlet_id": str(shop.outlet.id), **stock}]


def variants(cat: support.Catalog, *values: list[str]) -> list[dict[str, Any]]:
    ids = [str(cat.colour.id), str(cat.size.id), str(cat.fabric.id), str(cat.cut.id)]
    return [
        {
            "variant_definitions": [
                {"attribute_id": a, "value": v} for a, v in zip(ids[: len(row)], row, strict=True)
            ]
        }
        for row in values
    ]


BAD_BODIES: list[tuple[str, Body, str | None]] = [
    ("no name", lambda s, c, p: {"price_including_tax": 1}, "name"),
    ("blank name", lambda s, c, p: {"name": ""}, "name"),
    ("name too long", lambda s, c, p: {"name": "x" * 256}, "name"),
    ("null name", lambda s, c, p: {"name": None}, "name"),
    ("NUL in the name", lambda s, c, p: {"name": "Tee\x00"}, "name"),
    (
        "both prices",
        lambda s, c, p: {"name": "X", "price_including_tax": 1, "price_excluding_tax": 1},
        None,
    ),
    ("price not a number", lambda s, c, p: {"name": "X", "price_including_tax": "abc"}, None),
    ("negative price", lambda s, c, p: {"name": "X", "price_including_tax": -1}, "price"),
    ("NaN price", lambda s, c, p: {"name": "X", "price_including_tax": "NaN"}, None),
    ("huge price", lambda s, c, p: {"name": "X", "price_including_tax": "1e20"}, None),
    ("unknown field", lambda s, c, p: {"name": "X", "colour": "red"}, "colour"),
    ("unknown brand", lambda s, c, p: {"name": "X", "brand_id": UNKNOWN}, "brand_id"),
    ("malformed brand id", lambda s, c, p: {"name": "X", "brand_id": "maison"}, "brand_id"),
    ("unknown supplier", lambda s, c, p: {"name": "X", "supplier_id": UNKNOWN}, "supplier_id"),
    (
        "unknown category",
        lambda s, c, p: {"name": "X", "product_category_id": UNKNOWN},
        "product_type_id",
    ),
    (
        "two different categories",
        lambda s, c, p: {
            "name": "X",
            "product_type_id": str(c.category.id),
            "product_category_id": str(c.parent_category.id),
        },
        None,
    ),
    ("unknown tag", lambda s, c, p: {"name": "X", "tag_ids": [UNKNOWN]}, "tag_ids"),
    ("SKU taken", lambda s, c, p: {"name": "X", "sku": p.sku}, "sku"),
    ("SKU too long", lambda s, c, p: {"name": "X", "sku": "S" * 256}, "sku"),
    ("handle taken", lambda s, c, p: {"name": "X", "handle": p.handle}, "handle"),
    (
        "code held by another product",
        lambda s, c, p: {"name": "X", "product_codes": [{"code": "3760000000031"}]},
        "codes",
    ),
    (
        "unknown code type",
        lambda s, c, p: {"name": "X", "product_codes": [{"type": "QR", "code": "1"}]},
        "codes[0].type",
    ),
    ("empty code", lambda s, c, p: {"name": "X", "product_codes": [{"code": ""}]}, None),
    (
        "unknown outlet",
        lambda s, c, p: {
            "name": "X",
            "inventory": [{"outlet_id": UNKNOWN, "current_amount": 1}],
        },
        "inventory[0].outlet_id",
    ),
    (
        "negative opening stock",
        lambda s, c, p: {"name": "X", "inventory": outlet(s, current_amount=-2)},
        "inventory[0].current_amount",
    ),
    (
        "inventory without current_amount",
        lambda s, c, p: {"name": "X", "inventory": outlet(s, reorder_point=2)},
        "inventory[0]",
    ),
    (
        "negative reorder point",
        lambda s, c, p: {"name": "X", "inventory": outlet(s, current_amount=1, reorder_point=-5)},
        "inventory[0].reorder_point",
    ),
    ("variant without values", lambda s, c, p: {"name": "X", "variants": [{}]}, None),
    (
        "unknown variant attribute",
        lambda s, c, p: {
            "name": "X",
            "variants": [{"variant_definitions": [{"attribute_id": UNKNOWN, "value": "x"}]}],
        },
        "variant_attribute_ids",
    ),
    (
        "variants over different attributes",
        lambda s, c, p: {
            "name": "X",
            "variants": [*variants(c, ["Red", "M"]), *variants(c, ["Blue"])],
        },
        "variants[1].variant_definitions",
    ),
    (
        "two variants with the same values",
        lambda s, c, p: {"name": "X", "variants": variants(c, ["Red", "M"], ["red", "m"])},
        "variants[1].values",
    ),
    (
        "four variant attributes",
        lambda s, c, p: {"name": "X", "variants": variants(c, ["a", "b", "c", "d"])},
        None,
    ),
    (
        "two variants with one SKU",
        lambda s, c, p: {
            "name": "X",
            "variants": [{**v, "sku": "DUP"} for v in variants(c, ["Red"], ["Blue"])],
        },
        "variants[1].sku",
    ),
    (
        "a variant with a code another product holds",
        lambda s, c, p: {
            "name": "X",
            "variants": [{**variants(c, ["Red"])[0], "product_codes": [{"code": "3760000000031"}]}],
        },
        "variants[0].codes",
    ),
    (
        "unknown component",
        lambda s, c, p: {"name": "X", "composite": [{"product_id": UNKNOWN, "quantity": 1}]},
        "components[0].product_id",
    ),
    (
        "component quantity 0",
        lambda s, c, p: {"name": "X", "composite": [{"product_id": str(p.id), "quantity": 0}]},
        "components[0].quantity",
    ),
    (
        "composite with stock of its own",
        lambda s, c, p: {
            "name": "X",
            "composite": [{"product_id": str(p.id), "quantity": 1}],
            "inventory": outlet(s, current_amount=3),
        },
        "inventory",
    ),
    (
        "composite with variants",
        lambda s, c, p: {
            "name": "X",
            "composite": [{"product_id": str(p.id), "quantity": 1}],
            "variants": variants(c, ["Red"]),
        },
        "components",
    ),
    (
        "two suppliers",
        lambda s, c, p: {
            "name": "X",
            "product_suppliers": [
                {"supplier_id": str(c.supplier.id)},
                {"supplier_id": str(c.other_supplier.id)},
            ],
        },
        "product_suppliers",
    ),
    (
        "unknown tax",
        lambda s, c, p: {"name": "X", "all_outlets_tax": {"tax_id": UNKNOWN}},
        "tax_id",
    ),
    (
        "outlet tax at an unknown outlet",
        lambda s, c, p: {
            "name": "X",
            "outlet_taxes": [{"outlet_id": UNKNOWN, "tax_id": str(s.reduced_tax.id)}],
        },
        "outlet_taxes[0].outlet_id",
    ),
    ("source too long", lambda s, c, p: {"name": "X", "source": "S" * 21}, "source"),
    ("a list, not an object", lambda s, c, p: [{"name": "X"}], None),
    ("a bad image type", lambda s, c, p: {"name": "X", "images": [{"type": "ftp"}]}, None),
]


@pytest.mark.parametrize(
    ("make_body", "field"),
    [pytest.param(body, field, id=name) for name, body, field in BAD_BODIES],
)
def test_a_bad_create_body_is_refused_naming_the_field_and_changes_nothing(
    api: TestClient, shop: Store, cat: support.Catalog, make_body: Body, field: str | None
) -> None:
    existing = make_product(shop, sku="TAKEN", barcode="3760000000031")
    before = support.catalog_state(shop)
    reply = api.post("/api/2.0/products", json=make_body(shop, cat, existing))
    assert reply.status_code == 422, reply.text
    body = reply.json()
    assert set(body) == {"error", "details"} and body["error"]
    if field is not None:
        named = body["details"].get("field") or [
            p["field"] for p in body["details"].get("problems", [])
        ]
        assert field in named if isinstance(named, list) else named == field, body
    assert support.catalog_state(shop) == before


def test_a_body_that_is_not_json_is_refused(api: TestClient, shop: Store) -> None:
    before = support.catalog_state(shop)
    reply = api.post(
        "/api/2.0/products", content=b"{name: x", headers={"Content-Type": "application/json"}
    )
    assert reply.status_code == 422
    assert support.catalog_state(shop) == before


def test_concurrent_copies_of_a_creation_make_one_family_and_move_stock_once(
    shop: Store, cat: support.Catalog
) -> None:
    family_id = uuid.uuid4()
    new = catalog.NewProduct(
        id=family_id,
        name="Tee",
        price=Decimal(20),
        variant_attribute_ids=[cat.size.id],
        variants=[
            catalog.NewVariant(
                values=[value],
                inventory=[catalog.OpeningStock(outlet_id=shop.outlet.id, count=Decimal(2))],
            )
            for value in ("S", "M")
        ],
    )

    def create_once() -> tuple[list[uuid.UUID], bool]:
        with shop.db.unit_of_work() as uow:
            products, created = catalog.create_product_once(uow, new=new, user_id=shop.owner.id)
            return [p.id for p in products], created

    results = run_together(6, create_once)

    assert all(isinstance(r, tuple) for r in results), results
    assert len({tuple(ids) for ids, _ in results}) == 1
    assert sorted(created for _, created in results) == [False] * 5 + [True]
    assert count_rows(shop.db, Product) == 2
    (ids, _created), *_ = results
    assert ids[0] == family_id
    for product_id in ids:
        assert support.level_and_ledger(shop, product_id) == (Decimal(2), Decimal(2))


def test_a_family_is_listed_by_its_name(api: TestClient, cat: support.Catalog) -> None:
    ids = create(
        api,
        {
            "name": "Tee",
            "variants": support.size_variants(cat, "S", "M"),
        },
    )
    create(api, {"name": "Mug"})
    for param in ("name", "family_name"):
        listed = api.get("/api/2.0/products", params={param: "Tee"}).json()["data"]
        assert sorted(p["id"] for p in listed) == sorted(ids)
