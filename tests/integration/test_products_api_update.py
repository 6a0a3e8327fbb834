"""PUT /api/2.1/products/{id}: `common` changes the whole family, `details` one product;
absent fields are kept and empty ones remove; stock is set through the ledger; a refused
update changes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from comptoir.accounts.permissions import Role
from tests.factories import (
    Store,
    decimal_json,
    make_product,
    make_sale,
    make_store,
    make_token,
    make_user,
)
from tests.integration import products_support as support


@pytest.fixture
def cat(shop: Store) -> support.Catalog:
    return support.make_catalog(shop)


def put(api: TestClient, product_id: Any, body: dict[str, Any]) -> dict[str, Any]:
    reply = api.put(f"/api/2.1/products/{product_id}", json=body)
    assert reply.status_code == 200, reply.text
    data: dict[str, Any] = decimal_json(reply)["data"]
    return data


def make_family(api: TestClient, shop: Store, cat: support.Catalog, *sizes: str) -> list[str]:
    reply = api.post(
        "/api/2.0/products",
        json={
            "name": "Tee",
            "price_including_tax": 20,
            "brand_id": str(cat.brand.id),
            "tag_ids": [str(cat.tags[0].id)],
            "product_suppliers": [{"supplier_id": str(cat.supplier.id), "code": "F-1"}],
            "variants": [
                {
                    "variant_definitions": [
                        {"attribute_id": str(cat.colour.id), "value": "Red"},
                        {"attribute_id": str(cat.size.id), "value": size},
                    ],
                    "inventory": [{"outlet_id": str(shop.outlet.id), "current_amount": 5}],
                }
                for size in sizes or ("S", "M", "L")
            ],
        },
    )
    assert reply.status_code == 200, reply.text
    ids: list[str] = reply.json()["data"]
    return ids


def search(api: TestClient, text: str) -> list[str]:
    return [p["name"] for p in api.get("/api/2.0/search", params={"q": text}).json()["data"]]


def test_common_fields_change_every_variant_of_the_family(
    api: TestClient, shop: Store, cat: support.Catalog
) -> None:
    ids = make_family(api, shop, cat)
    versions = {i: support.product_json(api, i)["version"] for i in ids}
    put(
        api,
        ids[1],
        {
            "common": {
                "name": "Café tee",
                "description": "<p>New</p>",
                "brand_id": str(cat.other_brand.id),
                "product_category_id": str(cat.category.id),
                "tag_ids": [str(cat.tags[1].id), str(cat.tags[2].id)],
                "account_code_sale": "7071",
                "account_code_purchase": "6071",
                "track_inventory": False,
            }
        },
    )
    for product_id in ids:
        data = support.product_json(api, product_id)
        assert data["name"] == "Café tee" and data["description"] == "<p>New</p>"
        assert data["brand_id"] == str(cat.other_brand.id)
        assert data["product_category_id"] == str(cat.category.id)
        assert sorted(data["tag_ids"]) == sorted([str(cat.tags[1].id), str(cat.tags[2].id)])
        assert (data["account_code"], data["account_code_purchase"]) == ("7071", "6071")
        assert data["has_inventory"] is False
        assert data["version"] > versions[product_id]
    # The search index follows the new name (accents ignored), not the old one.
    assert search(api, "cafe tee") == ["Café tee"] * 3
    assert search(api, "Tee") == ["Café tee"] * 3
    assert search(api, "zzz") == []


def test_details_change_only_the_product_in_the_url(
    api: TestClient, shop: Store, cat: support.Catalog
) -> None:
    ids = make_family(api, shop, cat)
    sibling_before = support.product_json(api, ids[0])
    data = put(
        api,
        ids[1],
        {
            "details": {
                "is_active": False,
                "product_codes": [{"type": "UPC", "code": "012345678905"}, {"code": "TEE-M"}],
                "price_including_tax": "21.50",
                "sku": "TEE-M",
            }
        },
    )
    assert data["active"] is False
    assert data["product_codes"] == [
        {"type": "UPC", "code": "012345678905"},
        {"type": "EAN", "code": "TEE-M"},
    ]
    assert (data["price_including_tax"], data["price_excluding_tax"]) == (
        Decimal("21.5"),
        Decimal("17.91667"),
    )
    assert data["sku"] == "TEE-M"
    assert support.product_json(api, ids[0]) == sibling_before
    assert search(api, "TEE-M") == []  # inactive products are off the sell screen
    put(api, ids[1], {"details": {"is_active": True}})
    assert search(api, "012345678905") == ["Tee"]


@pytest.mark.parametrize(
    ("section", "field", "value", "read_as", "expected"),
    [
        ("common", "brand_id", "", "brand_id", None),
        ("common", "brand_id", None, "brand_id", None),
        ("common", "product_category_id", "", "product_category_id", None),
        ("common", "tag_ids", [], "tag_ids", []),
        ("common", "description", "", "description", None),
        ("common", "product_suppliers", [], "supplier_id", None),
        ("common", "account_code_sale", "", "account_code", None),
        ("details", "product_codes", [], "product_codes", []),
    ],
)
def test_an_empty_value_removes_what_the_field_holds(
    api: TestClient,
    shop: Store,
    cat: support.Catalog,
    section: str,
    field: str,
    value: Any,
    read_as: str,
    expected: Any,
) -> None:
    reply = api.post(
        "/api/2.0/products",
        json={
            "name": "Scarf",
            "description": "Wool",
            "brand_id": str(cat.brand.id),
            "product_category_id": str(cat.category.id),
            "tag_ids": [str(cat.tags[0].id)],
            "supplier_id": str(cat.supplier.id),
            "account_code_sale": "7070",
            "product_codes": [{"code": "3760000000048"}],
        },
    )
    (product_id,) = reply.json()["data"]
    before = support.product_json(api, product_id)
    assert before[read_as] not in (None, [])
    after = put(api, product_id, {section: {field: value}})
    assert after[read_as] == expected
    # Everything else is as it was: an absent field is never touched.
    unchanged = {k for k in before if k not in {read_as, "version", "updated_at"}}
    related = {"brand", "type", "categories", "supplier", "product_suppliers", "supplier_code"}
    related |= (
        {"product_type_id", "product_category_id"} if read_as.startswith("product_") else set()
    )
    for key in unchanged - related - {field}:
        assert after[key] == before[key], key


@pytest.mark.parametrize("tax_exclusive", [False, True])
def test_a_new_price_or_tax_keeps_the_price_the_store_states_and_derives_the_other(
    db: Any, app_client: TestClient, tax_exclusive: bool
) -> None:
    shop = make_store(db, tax_exclusive=tax_exclusive)
    app_client.headers["Authorization"] = f"Bearer {make_token(shop)}"
    stated = "price_excluding_tax" if tax_exclusive else "price_including_tax"
    derived = "price_including_tax" if tax_exclusive else "price_excluding_tax"
    product = make_product(shop, price="10.55", tax=shop.standard_tax)
    data = put(app_client, product.id, {"details": {stated: "12.66"}})
    assert data[stated] == Decimal("12.66")
    assert data[derived] == (Decimal("15.192") if tax_exclusive else Decimal("10.55"))
    data = put(
        app_client,
        product.id,
        {"details": {"all_outlets_tax": {"tax_id": str(shop.reduced_tax.id)}}},
    )
    assert data["tax_id"] == str(shop.reduced_tax.id)
    assert data[stated] == Decimal("12.66")
    assert data[derived] == (Decimal("13.3563") if tax_exclusive else Decimal("12"))
    data = put(app_client, product.id, {"details": {"all_outlets_tax": {"tax_id": ""}}})
    assert data["tax_id"] == str(shop.standard_tax.id)  # "" is the store's default tax


def test_outlet_taxes_change_per_outlet_and_blank_returns_an_outlet_to_the_default(
    api: TestClient, shop: Store
) -> None:
    product = make_product(shop, price="10.55")
    tax = str(shop.reduced_tax.id)
    outlet = str(shop.outlet.id)
    data = put(
        api, product.id, {"details": {"outlet_taxes": [{"outlet_id": outlet, "tax_id": tax}]}}
    )
    assert data["outlet_taxes"] == [{"outlet_id": outlet, "tax_id": tax}]
    sale = make_sale(shop, [(product, 1)], total="10.55")
    assert sale.lines[0].tax_id == shop.reduced_tax.id
    data = put(
        api, product.id, {"details": {"outlet_taxes": [{"outlet_id": outlet, "tax_id": ""}]}}
    )
    assert data["outlet_taxes"] == []


# Stock ------------------------------------------------------------------------------------


def test_current_amount_moves_the_difference_through_the_ledger_as_one_movement(
    api: TestClient, shop: Store
) -> None:
    product = make_product(shop, stock=10)
    make_sale(shop, [(product, 3)], total="36.00")
    inventory = [{"outlet_id": str(shop.outlet.id), "current_amount": 4}]
    put(api, product.id, {"details": {"inventory": inventory}})
    assert support.movements_of(shop, product.id) == [Decimal(10), Decimal(-3), Decimal(-3)]
    assert support.level_and_ledger(shop, product.id) == (Decimal(4), Decimal(4))
    put(api, product.id, {"details": {"inventory": inventory}})  # already 4: nothing moves
    assert len(support.movements_of(shop, product.id)) == 3


def test_current_amount_at_an_outlet_without_stock_yet_creates_the_level(
    api: TestClient, shop: Store
) -> None:
    product = make_product(shop, stock=0)
    put(
        api,
        product.id,
        {"details": {"inventory": [{"outlet_id": str(shop.outlet.id), "current_amount": "2.5"}]}},
    )
    assert support.level_and_ledger(shop, product.id) == (Decimal("2.5"), Decimal("2.5"))


def test_minus_one_clears_a_reorder_setting_and_an_absent_one_is_kept(
    api: TestClient, shop: Store
) -> None:
    product = make_product(shop, stock=3)
    outlet = str(shop.outlet.id)

    def level() -> tuple[Any, Any, Any]:
        reply = api.get(f"/api/2.0/products/{product.id}/inventory").json()["data"][0]
        return reply["inventory_level"], reply["reorder_point"], reply["reorder_amount"]

    body = {"outlet_id": outlet, "reorder_point": 2, "reorder_amount": 12}
    put(api, product.id, {"details": {"inventory": [body]}})
    assert level() == (3, 2, 12)
    put(api, product.id, {"details": {"inventory": [{"outlet_id": outlet, "reorder_point": -1}]}})
    assert level() == (3, None, 12)
    assert support.movements_of(shop, product.id) == [Decimal(3)]  # reorder settings move no stock


def test_a_product_whose_stock_is_not_tracked_refuses_a_count(api: TestClient, shop: Store) -> None:
    product = make_product(shop, stock=2)
    inventory = [{"outlet_id": str(shop.outlet.id), "current_amount": 5}]
    before = support.catalog_state(shop)
    reply = api.put(
        f"/api/2.1/products/{product.id}",
        json={"common": {"track_inventory": False}, "details": {"inventory": inventory}},
    )
    assert reply.status_code == 422
    assert reply.json()["details"]["field"] == "details.inventory[0].current_amount"
    # Not even track_inventory, which the same request turned off.
    assert support.catalog_state(shop) == before


# Suppliers --------------------------------------------------------------------------------


def test_the_family_supplier_is_common_and_its_code_and_price_per_variant(
    api: TestClient, shop: Store, cat: support.Catalog
) -> None:
    ids = make_family(api, shop, cat, "S", "M")
    supplier = str(cat.other_supplier.id)
    put(
        api,
        ids[0],
        {"common": {"product_suppliers": [{"supplier_id": supplier, "code": "C", "price": 7}]}},
    )
    for product_id in ids:
        data = support.product_json(api, product_id)
        assert (data["supplier_id"], data["supplier_code"], data["supply_price"]) == (
            supplier,
            "C",
            7,
        )
    put(
        api,
        ids[1],
        {"details": {"product_suppliers": [{"supplier_id": supplier, "code": "C-M", "price": -1}]}},
    )
    first, second = (support.product_json(api, i) for i in ids)
    assert (first["supplier_code"], first["supply_price"]) == ("C", 7)
    assert (second["supplier_code"], second["supply_price"]) == ("C-M", 0)
    put(api, ids[1], {"common": {"product_suppliers": [{"supplier_id": supplier}]}})
    assert support.product_json(api, ids[1])["supplier_code"] == "C-M"  # only the id: codes kept


# Variant attributes -----------------------------------------------------------------------


def test_a_standard_product_becomes_a_family_of_one_then_takes_variants(
    api: TestClient, shop: Store, cat: support.Catalog
) -> None:
    product = make_product(shop, name="Scarf", stock=4)
    data = put(
        api,
        product.id,
        {
            "common": {"variant_attributes": [{"attribute_id": str(cat.colour.id)}]},
            "details": {
                "variant_attribute_values": [
                    {"attribute_id": str(cat.colour.id), "attribute_value": "Grey"}
                ]
            },
        },
    )
    assert data["variant_name"] == "Scarf / Grey" and data["has_variants"] is True
    added = api.post(
        "/api/2.1/products",
        json={
            "common": {"product_id": str(product.id)},
            "details": {
                "variant_attribute_values": [
                    {"attribute_id": str(cat.colour.id), "attribute_value": "Navy"}
                ]
            },
        },
    )
    assert added.status_code == 200, added.text
    assert added.json()["data"]["variant_name"] == "Scarf / Navy"
    assert added.json()["data"]["family_id"] == str(product.id)
    assert support.product_json(api, product.id)["variant_count"] == 2


def test_reordering_the_attributes_reorders_every_variants_values(
    api: TestClient, shop: Store, cat: support.Catalog
) -> None:
    ids = make_family(api, shop, cat, "S", "M")
    put(
        api,
        ids[0],
        {
            "common": {
                "variant_attributes": [
                    {"attribute_id": str(cat.size.id)},
                    {"attribute_id": str(cat.colour.id)},
                ]
            }
        },
    )
    names = [support.product_json(api, i)["variant_name"] for i in ids]
    assert names == ["Tee / S / Red", "Tee / M / Red"]


def test_removing_an_attribute_keeps_the_values_of_the_others(
    api: TestClient, shop: Store, cat: support.Catalog
) -> None:
    ids = make_family(api, shop, cat, "S", "M")
    put(api, ids[0], {"common": {"variant_attributes": [{"attribute_id": str(cat.size.id)}]}})
    assert [support.product_json(api, i)["variant_name"] for i in ids] == ["Tee / S", "Tee / M"]


def test_a_variants_values_change_alone(api: TestClient, shop: Store, cat: support.Catalog) -> None:
    ids = make_family(api, shop, cat, "S", "M")
    value = [{"attribute_id": str(cat.size.id), "attribute_value": "XL"}]
    put(api, ids[1], {"details": {"variant_attribute_values": value}})
    assert [support.product_json(api, i)["variant_name"] for i in ids] == [
        "Tee / Red / S",
        "Tee / Red / XL",
    ]


# Composites -------------------------------------------------------------------------------


def test_a_composites_components_are_replaced_by_the_full_list(
    api: TestClient, shop: Store
) -> None:
    coffee, mug, tea = (make_product(shop, stock=10) for _ in range(3))
    (box_id,) = api.post(
        "/api/2.0/products",
        json={"name": "Box", "composite": [{"product_id": str(coffee.id), "quantity": 1}]},
    ).json()["data"]
    data = put(
        api,
        box_id,
        {
            "details": {
                "composite_components": [
                    {"product_id": str(mug.id), "quantity": 2},
                    {"product_id": str(tea.id), "quantity": "0.5"},
                ]
            }
        },
    )
    assert data["composite_components"] == [
        {"product_id": str(mug.id), "count": 2},
        {"product_id": str(tea.id), "count": Decimal("0.5")},
    ]


def test_a_product_without_stock_may_become_a_composite_but_not_one_with_stock(
    api: TestClient, shop: Store
) -> None:
    part = make_product(shop, stock=3)
    empty, stocked = make_product(shop, stock=0), make_product(shop, stock=2)
    components = {"composite_components": [{"product_id": str(part.id), "quantity": 1}]}
    data = put(api, empty.id, {"details": components})
    assert data["is_composite"] is True and data["has_inventory"] is False
    refused = api.put(f"/api/2.1/products/{stocked.id}", json={"details": components})
    assert refused.status_code == 422
    assert "stock" in refused.json()["error"]


def test_a_composite_cannot_track_stock_of_its_own(api: TestClient, shop: Store) -> None:
    part = make_product(shop)
    (box_id,) = api.post(
        "/api/2.0/products",
        json={"name": "Box", "composite": [{"product_id": str(part.id), "quantity": 1}]},
    ).json()["data"]
    before = support.catalog_state(shop)
    reply = api.put(f"/api/2.1/products/{box_id}", json={"common": {"track_inventory": True}})
    assert reply.status_code == 422
    assert reply.json()["details"]["field"] == "common.track_inventory"
    assert support.catalog_state(shop) == before


# Misc -------------------------------------------------------------------------------------


def test_updating_an_unknown_or_deleted_product_is_a_404(api: TestClient, shop: Store) -> None:
    product = make_product(shop)
    assert api.delete(f"/api/2.0/products/{product.id}").status_code == 200
    for product_id in (uuid.uuid4(), product.id):
        reply = api.put(f"/api/2.1/products/{product_id}", json={"common": {"name": "X"}})
        assert reply.status_code == 404


@pytest.mark.parametrize(("role", "status"), [(Role.CASHIER, 403), (Role.MANAGER, 200)])
def test_updating_products_needs_the_catalog_write_permission(
    app_client: TestClient, shop: Store, role: Role, status: int
) -> None:
    product = make_product(shop)
    user = make_user(shop, role=role)
    reply = app_client.put(
        f"/api/2.1/products/{product.id}",
        json={"common": {"name": "Renamed"}},
        headers={"Authorization": f"Bearer {make_token(shop, username=user.username)}"},
    )
    assert reply.status_code == status


# Bad bodies -------------------------------------------------------------------------------

Body = Callable[[Store, support.Catalog], Any]
UNKNOWN = "00000000-0000-4000-8000-000000000000"
# Every body carries a valid change too: a refused request must not keep any part of it.
VALID_COMMON = {"name": "Renamed", "tag_ids": []}


def bad(details: dict[str, Any] | None = None, **common: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"common": {**VALID_COMMON, **common}}
    if details is not None:
        body["details"] = {"is_active": False, **details}
    return body


def inventory(shop: Store, **fields: Any) -> dict[str, Any]:
    return {"inventory": [{"outlet_id": str(shop.outlet.id), **fields}]}


BAD_UPDATES: list[tuple[str, Body, str]] = [
    ("empty body", lambda s, c: {}, ""),
    ("empty sections", lambda s, c: {"common": {}, "details": {}}, ""),
    ("unknown section", lambda s, c: {"commons": {"name": "X"}}, "commons"),
    ("unknown common field", lambda s, c: bad(colour="red"), "common.colour"),
    ("unknown details field", lambda s, c: bad({"price": 3}), "details.price"),
    ("blank name", lambda s, c: bad(name=""), "common.name"),
    ("null name", lambda s, c: bad(name=None), "common.name"),
    ("null tags", lambda s, c: bad(tag_ids=None), "common.tag_ids"),
    ("unknown brand", lambda s, c: bad(brand_id=UNKNOWN), "common.brand_id"),
    ("malformed brand", lambda s, c: bad(brand_id="maison"), "common.brand_id"),
    (
        "unknown category",
        lambda s, c: bad(product_category_id=UNKNOWN),
        "common.product_category_id",
    ),
    (
        "a category with sub-categories",
        lambda s, c: bad(product_category_id=str(c.parent_category.id)),
        "common.product_category_id",
    ),
    ("unknown tag", lambda s, c: bad(tag_ids=[UNKNOWN]), "common.tag_ids"),
    (
        "unknown supplier",
        lambda s, c: bad(product_suppliers=[{"supplier_id": UNKNOWN}]),
        "common.product_suppliers[0]",
    ),
    (
        "two suppliers",
        lambda s, c: bad(
            product_suppliers=[
                {"supplier_id": str(c.supplier.id)},
                {"supplier_id": str(c.other_supplier.id)},
            ]
        ),
        "common.product_suppliers",
    ),
    (
        "a negative supplier price",
        lambda s, c: bad(product_suppliers=[{"supplier_id": str(c.supplier.id), "price": -3}]),
        "common.product_suppliers[0].price",
    ),
    ("handle of another family", lambda s, c: bad(handle="taken"), "common.handle"),
    (
        "unknown variant attribute",
        lambda s, c: bad(variant_attributes=[{"attribute_id": UNKNOWN}]),
        "common.variant_attributes",
    ),
    (
        "an attribute twice",
        lambda s, c: bad(
            variant_attributes=[{"attribute_id": str(c.colour.id)}] * 2,
        ),
        "common.variant_attributes",
    ),
    (
        "four attributes",
        lambda s, c: bad(
            variant_attributes=[
                {"attribute_id": str(a.id)} for a in (c.colour, c.size, c.fabric, c.cut)
            ]
        ),
        "common.variant_attributes",
    ),
    (
        "an attribute added to a family of several",
        lambda s, c: bad(
            {
                "variant_attribute_values": [
                    {"attribute_id": str(c.fabric.id), "attribute_value": "Linen"}
                ]
            },
            variant_attributes=[
                {"attribute_id": str(c.colour.id)},
                {"attribute_id": str(c.size.id)},
                {"attribute_id": str(c.fabric.id)},
            ],
        ),
        "common.variant_attributes",
    ),
    (
        "an attribute removed leaving two variants alike",
        lambda s, c: bad(variant_attributes=[{"attribute_id": str(c.colour.id)}]),
        "details.variant_attribute_values",
    ),
    (
        "no attribute left in a family of several",
        lambda s, c: bad(variant_attributes=[]),
        "common.variant_attributes",
    ),
    (
        "a value for an attribute the family lacks",
        lambda s, c: bad(
            {
                "variant_attribute_values": [
                    {"attribute_id": str(c.fabric.id), "attribute_value": "Linen"}
                ]
            }
        ),
        "details.variant_attribute_values[0].attribute_id",
    ),
    (
        "the values of a sibling",
        lambda s, c: bad(
            {"variant_attribute_values": [{"attribute_id": str(c.size.id), "attribute_value": "s"}]}
        ),
        "details.variant_attribute_values",
    ),
    (
        "a blank value",
        lambda s, c: bad(
            {"variant_attribute_values": [{"attribute_id": str(c.size.id), "attribute_value": " "}]}
        ),
        "details.variant_attribute_values[0].attribute_value",
    ),
    (
        "both prices",
        lambda s, c: bad({"price_including_tax": 1, "price_excluding_tax": 1}),
        "details",
    ),
    ("a negative price", lambda s, c: bad({"price_including_tax": -1}), "details.price"),
    (
        "unknown tax",
        lambda s, c: bad({"all_outlets_tax": {"tax_id": UNKNOWN}}),
        "details.all_outlets_tax",
    ),
    (
        "an outlet tax at an unknown outlet",
        lambda s, c: bad({"outlet_taxes": [{"outlet_id": UNKNOWN, "tax_id": ""}]}),
        "details.outlet_taxes[0].outlet_id",
    ),
    (
        "a code another product holds",
        lambda s, c: bad({"product_codes": [{"code": "3760000000055"}]}),
        "details.product_codes",
    ),
    (
        "an unknown code type",
        lambda s, c: bad({"product_codes": [{"type": "QR", "code": "X"}]}),
        "details.product_codes[0].type",
    ),
    ("a SKU another product holds", lambda s, c: bad({"sku": "TAKEN"}), "details.sku"),
    (
        "another supplier in details",
        lambda s, c: bad({"product_suppliers": [{"supplier_id": str(c.other_supplier.id)}]}),
        "details.product_suppliers[0].supplier_id",
    ),
    (
        "stock at an unknown outlet",
        lambda s, c: bad({"inventory": [{"outlet_id": UNKNOWN, "current_amount": 1}]}),
        "details.inventory[0].outlet_id",
    ),
    (
        "a negative count",
        lambda s, c: bad(inventory(s, current_amount=-1)),
        "details.inventory[0].current_amount",
    ),
    (
        "a negative reorder point",
        lambda s, c: bad(inventory(s, reorder_point=-2)),
        "details.inventory[0].reorder_point",
    ),
    (
        "an outlet twice",
        lambda s, c: bad(
            {
                "inventory": [
                    {"outlet_id": str(s.outlet.id), "current_amount": 1},
                    {"outlet_id": str(s.outlet.id), "current_amount": 2},
                ]
            }
        ),
        "details.inventory[1].outlet_id",
    ),
    (
        "a count that is not a number",
        lambda s, c: bad(inventory(s, current_amount="lots")),
        "details.inventory.0.current_amount",
    ),
    (
        "components on a variant",
        lambda s, c: bad({"composite_components": [{"product_id": UNKNOWN, "quantity": 1}]}),
        "details.composite_components",
    ),
]


@pytest.mark.parametrize(
    ("make_body", "field"),
    [pytest.param(body, field, id=name) for name, body, field in BAD_UPDATES],
)
def test_a_bad_update_is_refused_naming_the_field_and_changes_nothing(
    api: TestClient, shop: Store, cat: support.Catalog, make_body: Body, field: str
) -> None:
    make_product(shop, name="Other", sku="TAKEN", barcode="3760000000055")
    api.post("/api/2.0/products", json={"name": "Taken", "handle": "taken"})
    ids = make_family(api, shop, cat, "S", "M")
    before = support.catalog_state(shop)
    reply = api.put(f"/api/2.1/products/{ids[1]}", json=make_body(shop, cat))
    assert reply.status_code == 422, reply.text
    details = reply.json()["details"]
    named = details.get("field", [p["field"] for p in details.get("problems", [])])
    assert field == named or field in named, reply.json()
    assert support.catalog_state(shop) == before
