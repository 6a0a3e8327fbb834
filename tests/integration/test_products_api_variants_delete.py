"""POST /api/2.1/products (a variant added to a family) and DELETE /api/2.0/products:
soft deletion that keeps history, frees barcodes, keeps SKUs, and spares composites."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from comptoir.accounts.permissions import Role
from comptoir.catalog.models import Product
from tests.factories import (
    Store,
    count_rows,
    decimal_json,
    make_product,
    make_sale,
    make_token,
    make_user,
)
from tests.integration import products_support as support


@pytest.fixture
def cat(shop: Store) -> support.Catalog:
    return support.make_catalog(shop)


def make_family(api: TestClient, cat: support.Catalog, *sizes: str, **fields: Any) -> list[str]:
    reply = api.post(
        "/api/2.0/products",
        json={
            "name": "Tee",
            "price_including_tax": 20,
            "supply_price": 8,
            "tag_ids": [str(cat.tags[0].id)],
            "supplier_id": str(cat.supplier.id),
            "variants": support.size_variants(cat, *sizes),
            **fields,
        },
    )
    assert reply.status_code == 200, reply.text
    ids: list[str] = reply.json()["data"]
    return ids


def size(cat: support.Catalog, value: str) -> list[dict[str, str]]:
    return [{"attribute_id": str(cat.size.id), "attribute_value": value}]


# Adding a variant -------------------------------------------------------------------------


def test_a_new_variant_takes_the_family_fields_and_its_own_details(
    api: TestClient, shop: Store, cat: support.Catalog
) -> None:
    ids = make_family(api, cat, "S", "M", brand_id=str(cat.brand.id))
    reply = api.post(
        "/api/2.1/products",
        json={
            "common": {"family_id": ids[0], "name": "Tee"},
            "details": {
                "variant_attribute_values": size(cat, "XL"),
                "price_including_tax": 24,
                "product_codes": [{"type": "EAN", "code": "3760000000062"}],
                "sku": "TEE-XL",
                "inventory": [
                    {"outlet_id": str(shop.outlet.id), "current_amount": 6, "reorder_point": 1}
                ],
            },
        },
    )
    assert reply.status_code == 200, reply.text
    data = decimal_json(reply)["data"]
    assert data["variant_name"] == "Tee / XL" and data["sku"] == "TEE-XL"
    assert data["family_id"] == ids[0] and data["variant_parent_id"] == ids[0]
    sibling = support.product_json(api, ids[0])
    for field in ("handle", "brand_id", "tag_ids", "supplier_id", "supply_price", "tax_id"):
        assert data[field] == sibling[field], field
    assert data["price_including_tax"] == 24
    assert data["product_codes"] == [{"type": "EAN", "code": "3760000000062"}]
    assert data["variant_count"] == 3
    assert support.level_and_ledger(shop, data["id"]) == (Decimal(6), Decimal(6))


def test_a_new_variant_without_a_price_sells_at_the_familys(
    api: TestClient, cat: support.Catalog
) -> None:
    ids = make_family(api, cat, "S")
    reply = api.post(
        "/api/2.1/products",
        json={
            "common": {"product_id": ids[0]},
            "details": {"variant_attribute_values": size(cat, "M")},
        },
    )
    data = decimal_json(reply)["data"]
    assert (data["price_including_tax"], data["supply_price"]) == (20, 8)


def test_an_added_variant_sent_again_with_its_key_is_added_once(
    api: TestClient, cat: support.Catalog
) -> None:
    ids = make_family(api, cat, "S")
    body = {
        "common": {"family_id": ids[0]},
        "details": {"variant_attribute_values": size(cat, "M")},
    }
    headers = {"Idempotency-Key": "add-M"}
    first = api.post("/api/2.1/products", json=body, headers=headers)
    second = api.post("/api/2.1/products", json=body, headers=headers)
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert support.product_json(api, ids[0])["variant_count"] == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"details": {"variant_attribute_values": []}}, "common"),
        ({"common": {}, "details": {"variant_attribute_values": []}}, "common"),
        ({"common": {"family_id": "FAMILY"}, "details": {}}, "details.variant_attribute_values"),
        (
            {"common": {"family_id": "FAMILY"}, "details": {"variant_attribute_values": "S"}},
            "details.variant_attribute_values",
        ),
        (
            {"common": {"family_id": "FAMILY"}, "details": {"variant_attribute_values": "SIZE:S"}},
            "details.variant_attribute_values",
        ),
        (
            {"common": {"family_id": "FAMILY"}, "details": {"variant_attribute_values": "SIZE:s"}},
            "details.variant_attribute_values",
        ),
        (
            {
                "common": {"family_id": "FAMILY"},
                "details": {"variant_attribute_values": "COLOUR:Red"},
            },
            "details.variant_attribute_values[0].attribute_id",
        ),
        (
            {"common": {"family_id": "FAMILY", "name": "Other name"}, "details": "SIZE:XL"},
            "common.name",
        ),
        (
            {"common": {"family_id": "FAMILY"}, "details": "SIZE:XL", "sku": "TAKEN"},
            "details.sku",
        ),
        (
            {
                "common": {"family_id": "FAMILY"},
                "details": "SIZE:XL",
                "composite_components": [{"product_id": "FAMILY", "quantity": 1}],
            },
            "details.composite_components",
        ),
        (
            {"common": {"family_id": "FAMILY"}, "details": "SIZE:XL", "price_including_tax": -5},
            "details.price",
        ),
        (
            {
                "common": {"family_id": "FAMILY"},
                "details": "SIZE:XL",
                "product_suppliers": [{"supplier_id": "OTHER-SUPPLIER"}],
            },
            "details.product_suppliers[0].supplier_id",
        ),
        (
            {
                "common": {"family_id": "FAMILY"},
                "details": "SIZE:XL",
                "inventory": [{"outlet_id": "UNKNOWN", "current_amount": 1}],
            },
            "details.inventory[0].outlet_id",
        ),
        (
            {"common": {"family_id": "STANDARD"}, "details": "SIZE:XL"},
            "details.variant_attribute_values",
        ),
    ],
)
def test_a_bad_variant_add_is_refused_naming_the_field_and_adds_nothing(
    api: TestClient, shop: Store, cat: support.Catalog, body: dict[str, Any], field: str
) -> None:
    """Bodies are written with placeholders: "SIZE:S" stands for a size value list, "FAMILY"
    for the family's id, and extra top-level keys go into `details`."""
    ids = make_family(api, cat, "S")
    standard = make_product(shop, sku="TAKEN")
    names = {
        "FAMILY": ids[0],
        "STANDARD": str(standard.id),
        "UNKNOWN": str(uuid.uuid4()),
        "OTHER-SUPPLIER": str(cat.other_supplier.id),
    }

    def fill(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v) for v in value]
        if isinstance(value, str) and value.startswith(("SIZE:", "COLOUR:")):
            attribute, _, text = value.partition(":")
            chosen = cat.size if attribute == "SIZE" else cat.colour
            return [{"attribute_id": str(chosen.id), "attribute_value": text}]
        return names.get(value, value) if isinstance(value, str) else value

    body = fill(body)
    if isinstance(body.get("details"), list):
        body["details"] = {"variant_attribute_values": body["details"]}
    for extra in [k for k in body if k not in ("common", "details")]:
        body["details"][extra] = body.pop(extra)
    before = support.catalog_state(shop)
    reply = api.post("/api/2.1/products", json=body)
    assert reply.status_code == 422, reply.text
    details = reply.json()["details"]
    named = details.get("field", [p["field"] for p in details.get("problems", [])])
    assert field == named or field in named, reply.json()
    assert support.catalog_state(shop) == before


def test_adding_a_variant_to_an_unknown_family_is_a_404(
    api: TestClient, cat: support.Catalog
) -> None:
    reply = api.post(
        "/api/2.1/products",
        json={
            "common": {"family_id": str(uuid.uuid4())},
            "details": {"variant_attribute_values": size(cat, "S")},
        },
    )
    assert reply.status_code == 404


# Deleting ---------------------------------------------------------------------------------


def test_a_deleted_product_leaves_lists_search_and_sale_but_keeps_its_history(
    api: TestClient, shop: Store
) -> None:
    product = make_product(shop, name="Mug", sku="MUG-1", barcode="3760000000079", stock=5)
    make_sale(shop, [(product, 2)], total="24.00")
    reply = api.delete(f"/api/2.0/products/{product.id}")
    assert reply.status_code == 200
    assert reply.json()["data"]["deleted_at"] is not None
    assert api.get(f"/api/2.0/products/{product.id}").status_code == 404
    listed = [p["id"] for p in api.get("/api/2.0/products").json()["data"]]
    assert str(product.id) not in listed
    with_deleted = api.get("/api/2.0/products", params={"deleted": "true"}).json()["data"]
    assert [p["sku"] for p in with_deleted] == ["MUG-1"]
    assert api.get("/api/2.0/search", params={"q": "3760000000079"}).json()["data"] == []
    # The ledger and the level stay: what was sold and what is on the shelf are facts.
    assert support.movements_of(shop, product.id) == [Decimal(5), Decimal(-2)]
    assert support.level_and_ledger(shop, product.id) == (Decimal(3), Decimal(3))
    assert api.get("/api/2.0/sales").json()["data"][0]["line_items"][0]["sku"] == "MUG-1"


def test_a_deleted_products_barcode_is_free_but_its_sku_stays_reserved(
    api: TestClient, shop: Store
) -> None:
    product = make_product(shop, sku="MUG-1", barcode="3760000000079")
    api.delete(f"/api/2.0/products/{product.id}")
    reused = api.post(
        "/api/2.0/products", json={"name": "New mug", "product_codes": [{"code": "3760000000079"}]}
    )
    assert reused.status_code == 200, reused.text
    found = api.get("/api/2.0/search", params={"q": "3760000000079"}).json()["data"]
    assert [p["name"] for p in found] == ["New mug"]
    refused = api.post("/api/2.0/products", json={"name": "Again", "sku": "MUG-1"})
    assert refused.status_code == 422
    assert "deleted product" in refused.json()["error"]


def test_deleting_a_variant_keeps_its_family(api: TestClient, cat: support.Catalog) -> None:
    ids = make_family(api, cat, "S", "M", "L")
    assert api.delete(f"/api/2.0/products/{ids[0]}").status_code == 200
    rest = support.product_json(api, ids[1])
    assert rest["family_id"] == ids[0] and rest["variant_count"] == 2
    # The family still takes variants, named by any live member or by its id.
    reply = api.post(
        "/api/2.1/products",
        json={
            "common": {"family_id": ids[0]},
            "details": {"variant_attribute_values": size(cat, "XL")},
        },
    )
    assert reply.status_code == 200, reply.text


def test_deleting_a_family_deletes_every_variant_and_answers_them(
    api: TestClient, shop: Store, cat: support.Catalog
) -> None:
    ids = make_family(api, cat, "S", "M")
    other = make_product(shop)
    reply = api.delete(f"/api/2.0/products/{ids[1]}/all")
    assert reply.status_code == 200
    assert sorted(p["id"] for p in reply.json()["data"]) == sorted(ids)
    assert [p["id"] for p in api.get("/api/2.0/products").json()["data"]] == [str(other.id)]
    again = api.delete(f"/api/2.0/products/{ids[1]}/all")
    assert again.status_code == 200
    assert sorted(p["id"] for p in again.json()["data"]) == sorted(ids)


def test_deleting_again_answers_the_deleted_product_and_changes_nothing(
    api: TestClient, shop: Store
) -> None:
    product = make_product(shop)
    first = api.delete(f"/api/2.0/products/{product.id}")
    before = support.catalog_state(shop)
    second = api.delete(f"/api/2.0/products/{product.id}")
    assert second.status_code == 200 and second.json() == first.json()
    assert support.catalog_state(shop) == before


@pytest.mark.parametrize("path", ["/api/2.0/products/{id}", "/api/2.0/products/{id}/all"])
def test_a_component_of_a_live_composite_cannot_be_deleted(
    api: TestClient, shop: Store, path: str
) -> None:
    coffee = make_product(shop, sku="COF")
    (box_id,) = api.post(
        "/api/2.0/products",
        json={
            "name": "Box",
            "sku": "BOX",
            "composite": [{"product_id": str(coffee.id), "quantity": 2}],
        },
    ).json()["data"]
    before = support.catalog_state(shop)
    refused = api.delete(path.format(id=coffee.id))
    assert refused.status_code == 409
    assert "'BOX'" in refused.json()["error"]
    assert refused.json()["details"]["composite_ids"] == [box_id]
    assert support.catalog_state(shop) == before
    # Once the composite is gone, the component may go.
    assert api.delete(f"/api/2.0/products/{box_id}").status_code == 200
    assert api.delete(path.format(id=coffee.id)).status_code == 200


def test_deleting_an_unknown_product_is_a_404(api: TestClient) -> None:
    assert api.delete(f"/api/2.0/products/{uuid.uuid4()}").status_code == 404
    assert api.delete(f"/api/2.0/products/{uuid.uuid4()}/all").status_code == 404
    assert api.delete("/api/2.0/products/not-an-id").status_code == 422


@pytest.mark.parametrize(("role", "status"), [(Role.CASHIER, 403), (Role.MANAGER, 200)])
def test_deleting_and_adding_variants_need_the_catalog_write_permission(
    app_client: TestClient, shop: Store, cat: support.Catalog, role: Role, status: int
) -> None:
    product = make_product(shop)
    user = make_user(shop, role=role)
    headers = {"Authorization": f"Bearer {make_token(shop, username=user.username)}"}
    added = app_client.post(
        "/api/2.1/products",
        json={
            "common": {"family_id": str(product.id)},
            "details": {"variant_attribute_values": size(cat, "S")},
        },
        headers=headers,
    )
    assert added.status_code == (403 if status == 403 else 422)  # a standard product: 422
    deleted = app_client.delete(f"/api/2.0/products/{product.id}", headers=headers)
    assert deleted.status_code == status
    assert count_rows(shop.db, Product) == 1
