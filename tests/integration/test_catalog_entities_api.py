"""Brands, suppliers, tags, product types and categories, variant attributes over the 2.0 API."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from comptoir.accounts.permissions import Role
from comptoir.catalog.models import VariantAttribute
from tests.factories import Store, make_scoped_token, make_token, make_user
from tests.integration.products_support import variant_family

API = "/api/2.0"


def created_id(api: TestClient, path: str, body: dict[str, Any]) -> str:
    reply = api.post(f"{API}/{path}", json=body)
    assert reply.status_code in (200, 201), reply.text
    data = reply.json()["data"]
    return data["id"] if isinstance(data, dict) else str(uuid.UUID(data))


def bulk(api: TestClient, method: str, body: dict[str, Any]) -> Any:
    return api.request(method, f"{API}/product_categories/bulk", json=body)


def categories_of(api: TestClient, **query: Any) -> Any:
    reply = api.get(f"{API}/product_categories", params=query)
    assert reply.status_code == 200, reply.text
    return reply.json()


def path_names(listing: Any) -> list[str]:
    return [
        " / ".join(p["name"] for p in c["category_path"]) for c in listing["data"]["categories"]
    ]


# Shapes -----------------------------------------------------------------------------------


def test_a_brand_is_created_read_updated_and_deleted_in_the_spec_shapes(api: TestClient) -> None:
    created = api.post(f"{API}/brands", json={"name": " Nike ", "description": "Sport"})
    assert created.status_code == 200
    brand_id = created.json()["data"]
    assert isinstance(brand_id, str)
    read = api.get(f"{API}/brands/{brand_id}").json()["data"]
    assert read == {
        "id": brand_id,
        "name": "Nike",
        "description": "Sport",
        "deleted_at": None,
        "version": read["version"],
    }
    updated = api.put(f"{API}/brands/{brand_id}", json={"name": "Nike Inc"})
    assert updated.json() == {"data": {"id": brand_id}}
    after = api.get(f"{API}/brands/{brand_id}").json()["data"]
    # A field left out of the body keeps its value; the version moves on.
    assert (after["name"], after["description"]) == ("Nike Inc", "Sport")
    assert after["version"] > read["version"]
    deleted = api.delete(f"{API}/brands/{brand_id}")
    assert deleted.json() == {"payload": {"data": {"id": brand_id, "job_id": None}}}
    assert api.get(f"{API}/brands/{brand_id}").status_code == 404
    assert api.get(f"{API}/brands").json()["data"] == []
    listed = api.get(f"{API}/brands", params={"deleted": "true"}).json()["data"]
    assert [b["id"] for b in listed] == [brand_id] and listed[0]["deleted_at"]


def test_a_supplier_carries_its_contact_in_the_spec_names(api: TestClient) -> None:
    contact = {
        "first_name": "Jeanne",
        "last_name": "Dupont",
        "email": "jeanne@dupont.example",
        "phone": "01 23 45 67 89",
        "physical_address1": "3 rue des Lilas",
        "physical_address2": "Bât. B",
        "physical_city": "Lyon",
        "physical_postcode": "69001",
        "physical_country_id": "fr",
        "postal_city": "not kept",
    }
    created = api.post(f"{API}/suppliers", json={"name": "Dupont", "contact": contact})
    supplier_id = created.json()["data"]
    read = api.get(f"{API}/suppliers/{supplier_id}").json()["data"]
    assert (read["name"], read["source"], read["description"]) == ("Dupont", "USER", None)
    shown = read["contact"]
    assert shown["physical_address1"] == "3 rue des Lilas"
    assert shown["physical_address2"] == "Bât. B"
    assert shown["physical_country_id"] == "FR"
    # X-Series: the company name defaults to the supplier's name.
    assert shown["company_name"] == "Dupont"
    assert "postal_city" not in shown and "physical_address_1" not in shown
    updated = api.put(
        f"{API}/suppliers/{supplier_id}",
        json={"name": "Dupont & fils", "contact": {"phone": "04 00 00 00 00", "email": None}},
    )
    assert updated.json() == {"id": supplier_id}
    after = api.get(f"{API}/suppliers/{supplier_id}").json()["data"]["contact"]
    assert (after["phone"], after["email"], after["physical_city"]) == (
        "04 00 00 00 00",
        None,
        "Lyon",
    )
    deleted = api.delete(f"{API}/suppliers/{supplier_id}")
    assert deleted.json() == {"data": {"id": supplier_id, "job_id": None}}


def test_a_tag_is_created_updated_and_deleted_in_the_spec_shapes(api: TestClient) -> None:
    tag_id = api.post(f"{API}/tags", json={"name": "Summer"}).json()["data"]
    assert api.put(f"{API}/tags/{tag_id}", json={"name": "Été"}).json() == {"data": tag_id}
    assert api.get(f"{API}/tags/{tag_id}").json()["data"]["name"] == "Été"
    assert api.delete(f"{API}/tags/{tag_id}").json() == {"data": {"id": tag_id, "job_id": None}}


def test_a_variant_attribute_is_created_updated_and_deleted_in_the_spec_shapes(
    api: TestClient,
) -> None:
    created = api.post(f"{API}/variant_attributes", json={"name": "Size"})
    assert created.status_code == 201
    data = created.json()["data"]
    assert set(data) == {"id", "name", "created_at", "updated_at"} and data["name"] == "Size"
    attribute_id = data["id"]
    updated = api.put(f"{API}/variant_attributes/{attribute_id}", json={"name": "Taille"})
    assert updated.json() == {"data": {"id": attribute_id, "name": "Taille"}}
    listed = api.get(f"{API}/variant_attributes").json()["data"]
    assert [(a["id"], a["name"], a["deleted_at"]) for a in listed] == [
        (attribute_id, "Taille", None)
    ]
    assert api.delete(f"{API}/variant_attributes/{attribute_id}").json() == {
        "data": {"id": attribute_id}
    }
    assert api.get(f"{API}/variant_attributes/{attribute_id}").status_code == 404
    gone = api.get(f"{API}/variant_attributes/{attribute_id}", params={"deleted": "true"})
    assert gone.json()["data"]["deleted_at"]


def test_deleting_a_variant_attribute_in_use_is_a_409_that_says_why(
    api: TestClient, shop: Store
) -> None:
    attribute_id = created_id(api, "variant_attributes", {"name": "Colour"})
    with shop.db.read_sessions() as session:
        colour = session.get_one(VariantAttribute, uuid.UUID(attribute_id))
    variant_family(shop, colour, "Red")
    reply = api.delete(f"{API}/variant_attributes/{attribute_id}")
    assert reply.status_code == 409
    assert reply.json() == {
        "error": "Products with variants use this attribute, so it cannot be deleted.",
        "details": {"field": "id", "products": 1},
    }
    assert api.get(f"{API}/variant_attributes/{attribute_id}").status_code == 200


# Paging -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["brands", "suppliers", "tags", "variant_attributes"])
def test_paging_by_version_walks_every_row_exactly_once(api: TestClient, path: str) -> None:
    made = {created_id(api, path, {"name": f"Name {i}"}) for i in range(5)}
    seen: list[str] = []
    after = 0
    while True:
        page = api.get(f"{API}/{path}", params={"after": after, "page_size": 2}).json()
        if not page["data"]:
            break
        assert len(page["data"]) <= 2
        assert page["version"]["min"] > after
        seen += [row["id"] for row in page["data"]]
        after = page["version"]["max"]
    assert sorted(seen) == sorted(made)
    everything = api.get(f"{API}/{path}").json()
    below = api.get(f"{API}/{path}", params={"before": everything["version"]["max"]}).json()
    assert len(below["data"]) == 4


@pytest.mark.parametrize(
    "query", [{"page_size": 0}, {"after": -1}, {"page_size": "many"}, {"before": 2**64}]
)
def test_a_bad_paging_parameter_is_a_422(api: TestClient, query: dict[str, Any]) -> None:
    reply = api.get(f"{API}/tags", params=query)
    assert reply.status_code == 422
    assert set(reply.json()) == {"error", "details"}


# Errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["brands", "suppliers", "tags", "variant_attributes"])
def test_a_duplicate_name_is_a_422_naming_the_field(api: TestClient, path: str) -> None:
    first = created_id(api, path, {"name": "Maison"})
    reply = api.post(f"{API}/{path}", json={"name": "MAISON"})
    assert reply.status_code == 422
    assert reply.json()["details"] == {"field": "name", "name": "MAISON", "id": first}
    assert len(api.get(f"{API}/{path}").json()["data"]) == 1


@pytest.mark.parametrize("path", ["brands", "suppliers", "tags", "variant_attributes"])
@pytest.mark.parametrize(
    "body", [{}, {"name": ""}, {"name": "   "}, {"name": "x\x00"}, {"name": 12}, {"name": None}]
)
def test_a_missing_or_bad_name_is_a_422_and_creates_nothing(
    api: TestClient, path: str, body: dict[str, Any]
) -> None:
    reply = api.post(f"{API}/{path}", json=body)
    assert reply.status_code == 422, reply.text
    assert api.get(f"{API}/{path}").json()["data"] == []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "brands/{id}"),
        ("PUT", "brands/{id}"),
        ("DELETE", "brands/{id}"),
        ("GET", "suppliers/{id}"),
        ("PUT", "suppliers/{id}"),
        ("DELETE", "suppliers/{id}"),
        ("GET", "tags/{id}"),
        ("PUT", "tags/{id}"),
        ("DELETE", "tags/{id}"),
        ("GET", "product_types/{id}"),
        ("GET", "variant_attributes/{id}"),
        ("PUT", "variant_attributes/{id}"),
        ("DELETE", "variant_attributes/{id}"),
    ],
)
def test_an_unknown_id_is_a_404(api: TestClient, method: str, path: str) -> None:
    reply = api.request(method, f"{API}/{path.format(id=uuid.uuid4())}", json={"name": "X"})
    assert reply.status_code == 404, reply.text
    assert set(reply.json()) == {"error", "details"}


# Product types and categories -------------------------------------------------------------


def build_tree(api: TestClient) -> dict[str, str]:
    reply = bulk(
        api,
        "POST",
        {
            "categories": [
                {"payload_id": "pet", "name": "Pet"},
                {"payload_parent_category_id": "pet", "name": "Dog"},
                {"payload_parent_category_id": "pet", "payload_id": "cat", "name": "Cat"},
                {"payload_parent_category_id": "cat", "name": "Cat Food"},
                {"name": "Garden"},
            ]
        },
    )
    assert reply.status_code == 200, reply.text
    saved = reply.json()["data"]
    assert [s["payload_id"] for s in saved] == ["pet", None, "cat", None, None]
    assert saved[1]["parent_category_id"] == saved[0]["id"]
    assert saved[3]["parent_category_id"] == saved[2]["id"]
    return {s["name"]: s["id"] for s in saved}


def test_product_categories_list_in_path_order_with_their_place_in_the_tree(
    api: TestClient,
) -> None:
    ids = build_tree(api)
    listing = categories_of(api)
    assert path_names(listing) == [
        "Garden",
        "Pet",
        "Pet / Cat",
        "Pet / Cat / Cat Food",
        "Pet / Dog",
    ]
    food = listing["data"]["categories"][3]
    assert food == {
        "id": ids["Cat Food"],
        "name": "Cat Food",
        "root_category_id": ids["Pet"],
        "parent_category_id": ids["Cat"],
        "leaf_category": True,
        "category_path": [
            {"id": ids["Pet"], "name": "Pet"},
            {"id": ids["Cat"], "name": "Cat"},
            {"id": ids["Cat Food"], "name": "Cat Food"},
        ],
    }
    assert listing["page_info"] == {"has_next": False, "last_seen": None}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"parent": "none"}, ["Garden", "Pet"]),
        ({"include": "children"}, ["Garden", "Pet"]),
        ({"parent": "Pet"}, ["Pet / Cat", "Pet / Cat / Cat Food", "Pet / Dog"]),
        ({"parent": "Pet", "include": "children"}, ["Pet / Cat", "Pet / Dog"]),
        ({"parent": "Garden"}, []),
    ],
)
def test_product_categories_filter_by_parent(
    api: TestClient, query: dict[str, str], expected: list[str]
) -> None:
    ids = build_tree(api)
    if query.get("parent") in ids:
        query = dict(query, parent=ids[query["parent"]])
    assert path_names(categories_of(api, **query)) == expected


def test_product_categories_page_after_the_last_one_seen(api: TestClient) -> None:
    build_tree(api)
    seen: list[str] = []
    query: dict[str, Any] = {"page_size": 2}
    while True:
        page = categories_of(api, **query)
        seen += path_names(page)
        if not page["page_info"]["has_next"]:
            break
        query["after"] = page["page_info"]["last_seen"]
    assert seen == ["Garden", "Pet", "Pet / Cat", "Pet / Cat / Cat Food", "Pet / Dog"]


def test_product_types_are_versioned_categories_with_their_path(api: TestClient) -> None:
    ids = build_tree(api)
    listed = api.get(f"{API}/product_types").json()
    by_name = {t["name"]: t for t in listed["data"]}
    assert by_name["Cat"]["leaf_category"] is False
    assert [p["name"] for p in by_name["Cat"]["category_path"]] == ["Pet", "Cat"]
    one = api.get(f"{API}/product_types/{ids['Dog']}").json()["data"]
    assert one == by_name["Dog"]
    assert set(one) == {"id", "name", "leaf_category", "category_path", "deleted_at", "version"}


def test_a_bulk_save_that_fails_saves_nothing_and_says_which_entry(api: TestClient) -> None:
    ids = build_tree(api)
    reply = bulk(
        api,
        "POST",
        {
            "categories": [
                {"name": "Toys"},
                {"id": ids["Pet"], "parent_category_id": ids["Cat Food"]},
            ]
        },
    )
    assert reply.status_code == 422
    assert reply.json()["details"] == {"field": "parent_id", "index": 1}
    assert "Toys" not in path_names(categories_of(api))


def test_a_bulk_update_renames_and_moves(api: TestClient) -> None:
    ids = build_tree(api)
    reply = bulk(
        api,
        "POST",
        {"categories": [{"id": ids["Dog"], "name": "Dogs", "parent_category_id": ids["Garden"]}]},
    )
    assert reply.json()["data"] == [
        {"id": ids["Dog"], "payload_id": None, "name": "Dogs", "parent_category_id": ids["Garden"]}
    ]
    assert "Garden / Dogs" in path_names(categories_of(api))


def test_a_bulk_delete_removes_branches_and_lists_what_went(api: TestClient) -> None:
    ids = build_tree(api)
    reply = bulk(api, "DELETE", {"category_ids": [ids["Cat"], ids["Garden"]]})
    assert reply.status_code == 200
    assert reply.json() == {
        "data": {
            "categories": [
                {"ids": [ids["Cat"], ids["Cat Food"]], "job_id": None},
                {"ids": [ids["Garden"]], "job_id": None},
            ]
        }
    }
    assert path_names(categories_of(api)) == ["Pet", "Pet / Dog"]
    unknown = bulk(api, "DELETE", {"category_ids": [str(uuid.uuid4())]})
    assert unknown.status_code == 422


# Permissions ------------------------------------------------------------------------------

WRITES = [
    ("POST", "brands"),
    ("PUT", "brands/{id}"),
    ("DELETE", "brands/{id}"),
    ("POST", "suppliers"),
    ("PUT", "suppliers/{id}"),
    ("DELETE", "suppliers/{id}"),
    ("POST", "tags"),
    ("PUT", "tags/{id}"),
    ("DELETE", "tags/{id}"),
    ("POST", "variant_attributes"),
    ("PUT", "variant_attributes/{id}"),
    ("DELETE", "variant_attributes/{id}"),
    ("POST", "product_categories/bulk"),
    ("DELETE", "product_categories/bulk"),
]
READS = [
    "brands",
    "suppliers",
    "tags",
    "product_types",
    "product_categories",
    "variant_attributes",
]


def _call(client: TestClient, method: str, path: str, token: str, target: str) -> Any:
    body = {"name": "Refused", "categories": [{"name": "Refused"}], "category_ids": [target]}
    return client.request(
        method,
        f"{API}/{path.format(id=target)}",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
    )


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_a_cashier_reads_the_catalog_but_cannot_change_it(
    app_client: TestClient, shop: Store, method: str, path: str
) -> None:
    clerk = make_user(shop, role=Role.CASHIER)
    token = make_token(shop, username=clerk.username)
    owner = {"Authorization": f"Bearer {make_token(shop)}"}
    kind = path.split("/")[0]
    target = str(uuid.uuid4())
    if kind != "product_categories":
        made = app_client.post(f"{API}/{kind}", json={"name": "Kept"}, headers=owner)
        target = created_id_of(made)
    reply = _call(app_client, method, path, token, target)
    assert reply.status_code == 403, reply.text
    for read in READS:
        got = app_client.get(f"{API}/{read}", headers={"Authorization": f"Bearer {token}"})
        assert got.status_code == 200, read
    if kind != "product_categories":
        kept = app_client.get(f"{API}/{kind}/{target}", headers=owner).json()["data"]
        assert kept["name"] == "Kept" and kept["deleted_at"] is None


def created_id_of(reply: Any) -> str:
    data = reply.json()["data"]
    return data["id"] if isinstance(data, dict) else str(data)


@pytest.mark.parametrize(("method", "path"), WRITES[:3])
def test_a_read_only_token_of_a_manager_cannot_write(
    app_client: TestClient, shop: Store, method: str, path: str
) -> None:
    manager = make_user(shop, role=Role.MANAGER)
    read_only = make_scoped_token(shop, manager, scopes=["products:read"])
    writer = make_scoped_token(shop, manager, scopes=["products:write"])
    assert _call(app_client, method, path, read_only, str(uuid.uuid4())).status_code == 403
    # The same manager with a write scope gets past the permission check.
    assert _call(app_client, method, path, writer, str(uuid.uuid4())).status_code in (200, 404)
