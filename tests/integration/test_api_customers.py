"""/api/2.0/customers, /customer_groups and /search?type=customers."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from comptoir.accounts.permissions import Role
from comptoir.customers.models import Customer
from tests.factories import (
    Store,
    decimal_json,
    make_customer,
    make_product,
    make_sale,
    make_token,
    make_user,
)


def count_customers(shop: Store) -> int:
    with shop.db.read_sessions() as session:
        return (
            session.scalar(
                select(func.count()).select_from(Customer).where(Customer.deleted_at.is_(None))
            )
            or 0
        )


def test_posting_a_customer_returns_it_in_the_2_0_shape(api: TestClient, shop: Store) -> None:
    reply = api.post(
        "/api/2.0/customers",
        json={"first_name": "Léa", "last_name": "Martin", "email": "lea@example.fr"},
    )
    assert reply.status_code == 201, reply.text
    body = decimal_json(reply)["data"]
    assert body["name"] == "Léa Martin"
    assert body["customer_code"].startswith("C-")
    assert body["year_to_date"] == 0 and body["balance"] == 0
    assert body["customer_group_id"] is not None
    assert api.get(f"/api/2.0/customers/{body['id']}").json()["data"]["email"] == "lea@example.fr"


def test_a_customer_posted_twice_with_its_register_id_is_created_once(
    api: TestClient, shop: Store
) -> None:
    client_id = str(uuid.uuid4())
    first = api.post("/api/2.0/customers", json={"id": client_id, "first_name": "Léa"})
    again = api.post("/api/2.0/customers", json={"id": client_id, "first_name": "Léa"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["data"]["id"] == first.json()["data"]["id"] == client_id
    assert count_customers(shop) == 1


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"first_name": ""},
        {"first_name": "A", "email": "nope"},
        {"first_name": "A", "gender": "Z"},
        {"first_name": "A", "date_of_birth": "1990-13-01"},
        {"first_name": "A", "on_account_limit": "-1"},
        {"first_name": "A", "on_account_limit": "1e400"},
        {"first_name": "A", "customer_group_id": "not-a-uuid"},
        {"first_name": "A", "customer_group_id": str(uuid.uuid4())},
        {"first_name": "A", "tax_id": str(uuid.uuid4())},
        {"first_name": "A\u0000"},
        {"first_name": "A", "physical_country_id": "FRA"},
        {"first_name": "x" * 101},
        {"first_name": "A", "do_not_email": "perhaps"},
    ],
)
def test_bad_customers_get_a_clear_422_and_change_nothing(
    api: TestClient, shop: Store, body: dict[str, Any]
) -> None:
    reply = api.post("/api/2.0/customers", json=body)
    assert reply.status_code == 422, reply.text
    assert reply.json()["error"]
    assert count_customers(shop) == 0


def test_put_changes_the_fields_sent_and_ignores_echoed_read_only_ones(
    api: TestClient, shop: Store
) -> None:
    customer = make_customer(shop, first_name="Léa", last_name="Martin", phone="0600")
    current = api.get(f"/api/2.0/customers/{customer.id}").json()["data"]
    reply = api.put(
        f"/api/2.0/customers/{customer.id}",
        json={**current, "last_name": "Dubois", "year_to_date": "999", "phone": None},
    )
    assert reply.status_code == 200, reply.text
    body = decimal_json(reply)["data"]
    assert (body["first_name"], body["last_name"], body["phone"]) == ("Léa", "Dubois", None)
    assert body["year_to_date"] == 0
    assert body["version"] > current["version"]


def test_year_to_date_is_the_customers_spend_this_year(api: TestClient, shop: Store) -> None:
    customer = make_customer(shop, first_name="Léa")
    product = make_product(shop, price="12.50")
    make_sale(shop, [(product, 2)], total="25.00", customer_id=customer.id)
    body = decimal_json(api.get(f"/api/2.0/customers/{customer.id}"))["data"]
    assert body["year_to_date"] == Decimal("25")


def test_delete_is_soft_and_deleted_customers_are_listed_on_request(
    api: TestClient, shop: Store
) -> None:
    customer = make_customer(shop, first_name="Léa")
    assert api.delete(f"/api/2.0/customers/{customer.id}").status_code == 200
    assert api.get(f"/api/2.0/customers/{customer.id}").status_code == 404
    assert api.get("/api/2.0/customers").json()["data"] == []
    listed = api.get("/api/2.0/customers", params={"deleted": "true"}).json()["data"]
    assert [c["id"] for c in listed] == [str(customer.id)]
    assert listed[0]["deleted_at"] is not None


def test_customers_page_by_version(api: TestClient, shop: Store) -> None:
    made = [make_customer(shop, first_name=f"C{i}") for i in range(5)]
    first = api.get("/api/2.0/customers", params={"page_size": 2}).json()
    rest = api.get(
        "/api/2.0/customers", params={"after": first["version"]["max"], "page_size": 10}
    ).json()
    ids = [c["id"] for c in first["data"] + rest["data"]]
    assert ids == [str(c.id) for c in made]


def test_groups_and_their_members_through_the_api(api: TestClient, shop: Store) -> None:
    a, b = make_customer(shop, first_name="A"), make_customer(shop, first_name="B")
    group = api.post("/api/2.0/customer_groups", json={"name": "VIP"}).json()["data"]
    added = api.post(
        f"/api/2.0/customer_groups/{group['id']}/customers",
        json={"customer_ids": [str(a.id), str(b.id)]},
    )
    assert added.json()["data"]["moved"] == 2
    members = api.get(f"/api/2.0/customer_groups/{group['id']}/customers").json()["data"]
    assert {m["first_name"] for m in members} == {"A", "B"}
    removed = api.request(
        "DELETE",
        f"/api/2.0/customer_groups/{group['id']}/customers",
        json={"customer_ids": [str(a.id)]},
    )
    assert removed.json()["data"]["moved"] == 1
    renamed = api.put(f"/api/2.0/customer_groups/{group['id']}", json={"name": "Fidèles"})
    assert renamed.json()["data"]["name"] == "Fidèles"
    names = [g["name"] for g in api.get("/api/2.0/customer_groups").json()["data"]]
    assert sorted(names) == ["All Customers", "Fidèles"]
    assert api.delete(f"/api/2.0/customer_groups/{group['id']}").status_code == 200
    assert api.get(f"/api/2.0/customers/{b.id}").json()["data"]["customer_group_id"] != group["id"]


def test_adding_an_unknown_customer_to_a_group_is_refused(api: TestClient, shop: Store) -> None:
    group = api.post("/api/2.0/customer_groups", json={"name": "VIP"}).json()["data"]
    reply = api.post(
        f"/api/2.0/customer_groups/{group['id']}/customers",
        json={"customer_ids": [str(uuid.uuid4())]},
    )
    assert reply.status_code == 422


def test_search_answers_customers_by_any_word_without_accents(api: TestClient, shop: Store) -> None:
    lea = make_customer(shop, first_name="Léa", last_name="Müller", customer_code="CARD-9")
    make_customer(shop, first_name="Hugo")
    for typed in ("lea mull", "muller", "CARD-9"):
        found = api.get("/api/2.0/search", params={"type": "customers", "q": typed}).json()
        assert [c["id"] for c in found["data"]] == [str(lea.id)], typed


def test_a_cashier_creates_customers_at_the_register(app_client: TestClient, shop: Store) -> None:
    cashier = make_user(shop, role=Role.CASHIER)
    token = make_token(shop, username=cashier.username)
    reply = app_client.post(
        "/api/2.0/customers",
        json={"first_name": "Léa"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert reply.status_code == 201
    refused = app_client.post(
        "/api/2.0/customer_groups",
        json={"name": "VIP"},
        headers={"Authorization": f"Bearer {make_token(shop, username=cashier.username)}"},
    )
    assert refused.status_code == 403
    assert api_groups_count(app_client, token) == 1  # "All Customers" only


def api_groups_count(client: TestClient, token: str) -> int:
    reply = client.get("/api/2.0/customer_groups", headers={"Authorization": f"Bearer {token}"})
    return len(reply.json()["data"])
