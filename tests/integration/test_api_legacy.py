"""The X-Series 0.9 reads integrations still call, in the 0.9 shapes of
`legacy-api-v0-9.json`: register sales (paged, filtered), setup lists, users, customers,
suppliers (read and written) and products; each behind its 2.0 equivalent's permission."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from comptoir.accounts.permissions import Role
from comptoir.core.clock import utcnow
from comptoir.customers import service as customers
from comptoir.sales import service as sales
from comptoir.sales.models import Sale
from comptoir.store import service as store
from comptoir.store.models import PaymentKind
from tests.factories import (
    Store,
    decimal_json,
    make_customer,
    make_product,
    make_register,
    make_sale,
    make_scoped_token,
    make_token,
    make_user,
    sale_input,
)


def get_json(api: TestClient, path: str, **query: Any) -> Any:
    reply = api.get(path, params=query)
    assert reply.status_code == 200, reply.text
    return decimal_json(reply)


def copy_every_sale(api: TestClient, *, page_size: int, **query: Any) -> list[dict[str, Any]]:
    """What an integration does: ask page 1, 2, ... until it has read `pages` pages."""
    copied: list[dict[str, Any]] = []
    page, pages = 1, 1
    while page <= pages:
        body = get_json(api, "/api/register_sales", page=page, page_size=page_size, **query)
        assert body["pagination"]["page"] == page
        pages = body["pagination"]["pages"]
        copied += body["register_sales"]
        page += 1
        assert page < 100, "the pages do not end"
    return copied


# Register sales ---------------------------------------------------------------------------


def test_a_client_copies_every_sale_out_page_by_page_each_once_with_lines_and_payments(
    api: TestClient, shop: Store
) -> None:
    coffee = make_product(shop, name="Coffee", price="8.90", tax=shop.reduced_tax, stock=100)
    mug = make_product(shop, name="Mug", price="14.00", stock=100)
    customer = make_customer(shop, first_name="Ada", last_name="Lovelace")
    made = [make_sale(shop, [(coffee, 1)], total="8.90") for _ in range(5)]
    made.append(
        make_sale(
            shop,
            [(coffee, 2), (mug, 1)],
            payments=[(shop.card, "20.00"), (shop.cash, "11.80")],
            customer_id=customer.id,
        )
    )
    made += [make_sale(shop, [(mug, 3)], total="42.00") for _ in range(2)]

    copied = copy_every_sale(api, page_size=3)

    assert [s["id"] for s in copied] == [str(s.id) for s in made]  # each once, in order
    for sale, row in zip(made, copied, strict=True):
        assert row["invoice_number"] == sale.invoice_number
        assert row["total_price"] == sale.total_price
        assert row["total_tax"] == sale.total_tax
        lines = row["register_sale_products"]
        assert [(p["product_id"], p["quantity"], p["price"]) for p in lines] == [
            (str(line.product_id), line.quantity, line.price.normalize()) for line in sale.lines
        ]
        assert [
            (p["retailer_payment_type_id"], p["amount"]) for p in row["register_sale_payments"]
        ] == [(str(p.payment_type_id), p.amount.normalize()) for p in sale.payments]
        assert row["user_name"] == shop.owner.display_name
    mixed = copied[5]
    assert mixed["customer_id"] == str(customer.id)
    assert mixed["customer_name"] == "Ada Lovelace"
    assert [p["name"] for p in mixed["register_sale_products"]] == ["Coffee", "Mug"]
    assert mixed["totals"]["total_payment"] == Decimal("31.80")


def test_the_pagination_object_counts_results_and_pages(api: TestClient, shop: Store) -> None:
    coffee = make_product(shop, price="2", stock=100)
    for _ in range(5):
        make_sale(shop, [(coffee, 1)], total="2")
    body = get_json(api, "/api/register_sales", page=2, page_size=2)
    assert body["pagination"] == {"results": 5, "page": 2, "page_size": 2, "pages": 3}
    assert len(body["register_sales"]) == 2
    assert get_json(api, "/api/register_sales", page=4, page_size=2)["register_sales"] == []
    first = get_json(api, "/api/register_sales")
    assert first["pagination"] == {"results": 5, "page": 1, "page_size": 100, "pages": 1}


def test_register_sales_filter_by_outlet_state_status_and_since(
    api: TestClient, shop: Store
) -> None:
    coffee = make_product(shop, price="2", stock=100)
    closed = make_sale(shop, [(coffee, 1)], total="2")
    with shop.uow() as uow:
        elsewhere = store.create_outlet(
            uow, fields=store.OutletFields(name="Annexe", time_zone="Europe/Paris")
        )
    till = make_register(shop, name="Annexe till")
    with shop.uow() as uow:
        store.update_register(
            uow,
            register_id=till.id,
            fields=store.RegisterFields(name="Annexe till", outlet_id=elsewhere.id),
        )
    annexe_sale = dataclasses.replace(
        sale_input(shop, [(coffee, 1)], total="2"), register_id=till.id
    )
    with shop.uow() as uow:
        voided, _ = sales.record_sale(
            uow, sale=annexe_sale, user_id=shop.owner.id, find_customer=customers.get_customer
        )
    with shop.uow() as uow:  # only closed sales are recorded yet: void it in the database
        row = uow.session.get(Sale, voided.id)
        assert row is not None
        row.state, row.status = "voided", "VOIDED"
        uow.commit()
    voided_id = str(voided.id)

    def ids(**query: Any) -> list[str]:
        return [s["id"] for s in get_json(api, "/api/register_sales", **query)["register_sales"]]

    assert ids(outlet_id=str(elsewhere.id)) == [voided_id]
    assert ids(outlet_id=str(shop.outlet.id)) == [str(closed.id)]
    assert ids(**{"state[]": "closed"}) == [str(closed.id)]
    assert ids(**{"state[]": ["closed", "voided"]}) == [str(closed.id), voided_id]
    assert ids(**{"state[]": "parked"}) == []
    assert ids(**{"status[]": "voided"}) == [voided_id]
    assert ids(**{"attribute[]": "layby"}) == []  # Comptoir records no sale attributes
    assert ids(since=(utcnow() - timedelta(hours=1)).isoformat()) == [str(closed.id), voided_id]
    assert ids(since=(utcnow() + timedelta(hours=1)).isoformat()) == []


def test_since_is_a_written_date_not_a_number_of_seconds(api: TestClient, shop: Store) -> None:
    reply = api.get("/api/register_sales", params={"since": "1700000000"})
    assert reply.status_code == 422
    assert reply.json()["details"]["problems"][0]["field"] == "query.since"


def test_one_register_sale_answers_in_an_array_and_an_unknown_one_404(
    api: TestClient, shop: Store
) -> None:
    coffee = make_product(shop, price="2", stock=100)
    sale = make_sale(shop, [(coffee, 1)], total="2")
    (found,) = get_json(api, f"/api/register_sales/{sale.id}")["register_sales"]
    assert found["id"] == str(sale.id)
    assert found["state"] == "closed" and found["status"] == "CLOSED"
    assert api.get(f"/api/register_sales/{uuid.uuid4()}").status_code == 404


def test_reading_sales_needs_the_sales_read_permission(api: TestClient, shop: Store) -> None:
    catalog_only = make_scoped_token(shop, shop.owner, scopes=["products:read"])
    reply = api.get("/api/register_sales", headers={"Authorization": f"Bearer {catalog_only}"})
    assert reply.status_code == 403
    cashier = make_user(shop, role=Role.CASHIER)
    token = make_token(shop, username=cashier.username)
    reply = api.get("/api/register_sales", headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 200


# Setup lists and users --------------------------------------------------------------------


def test_setup_lists_answer_in_their_0_9_shapes(api: TestClient, shop: Store) -> None:
    (register,) = get_json(api, "/api/registers")["registers"]
    assert register["id"] == str(shop.register.id)
    assert register["outlet_id"] == str(shop.outlet.id)
    assert (register["print_receipt"], register["invoice_prefix"]) == ("1", "T1-")
    assert register["invoice_sequence"] == 0  # no invoice yet: the last one is number 0

    types = get_json(api, "/api/payment_types")["payment_types"]
    assert {p["name"]: p["payment_type_id"] for p in types} == {
        "Cash": PaymentKind.CASH,
        "Card": PaymentKind.CARD_EXTERNAL,
    }
    assert set(types[0]) == {"id", "name", "payment_type_id"}

    taxes = {t["name"]: t for t in get_json(api, "/api/taxes")["taxes"]}
    assert taxes["VAT 20%"]["rate"] == Decimal("0.2")
    assert taxes["VAT 20%"]["default"] is True and taxes["VAT 5.5%"]["default"] is False
    assert [r["rate"] for r in taxes["VAT 5.5%"]["rates"]] == [Decimal("0.055")]

    (outlet,) = get_json(api, "/api/outlets")["outlets"]
    assert outlet["name"] == "Main"
    assert outlet["tax_id"] == str(shop.standard_tax.id)
    assert "physical_address1" in outlet and "physical_address_1" not in outlet


def test_deleted_registers_are_listed_only_when_asked(api: TestClient, shop: Store) -> None:
    gone = make_register(shop, name="Old till")
    with shop.uow() as uow:
        uow.session.get(type(gone), gone.id).deleted_at = utcnow()  # type: ignore[union-attr]
        uow.commit()
    assert [r["name"] for r in get_json(api, "/api/registers")["registers"]] == ["Till 1"]
    listed = get_json(api, "/api/registers", deleted="true")["registers"]
    assert sorted(r["name"] for r in listed) == ["Old till", "Till 1"]


def test_users_answer_with_their_display_name_and_role(api: TestClient, shop: Store) -> None:
    cashier = make_user(shop, role=Role.CASHIER, username="lea")
    users = {u["username"]: u for u in get_json(api, "/api/users")["users"]}
    assert users["lea"]["name"] == cashier.display_name
    assert users["lea"]["account_type"] == "cashier"
    assert users["lea"]["id"] == str(cashier.id)


def test_a_cashier_cannot_list_users_through_0_9(api: TestClient, shop: Store) -> None:
    cashier = make_user(shop, role=Role.CASHIER)
    token = make_token(shop, username=cashier.username)
    reply = api.get("/api/users", headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 403


# Customers --------------------------------------------------------------------------------


def test_customers_page_and_are_found_by_id_code_or_email(api: TestClient, shop: Store) -> None:
    ada = make_customer(shop, first_name="Ada", last_name="Lovelace", email="ada@example.com")
    make_customer(shop, first_name="Alan", company_name="Bletchley")
    body = get_json(api, "/api/customers")
    assert body["pagination"]["results"] == 2
    found = body["customers"][0]
    assert found["id"] == str(ada.id)
    assert found["name"] == "Ada Lovelace"
    assert found["customer_group_name"] == "All Customers"
    assert found["year_to_date"] == "0" and found["balance"] == "0"
    assert found["contact"]["email"] == "ada@example.com"
    assert found["enable_loyalty"] in (0, 1)

    def ids(**query: Any) -> list[str]:
        return [c["id"] for c in get_json(api, "/api/customers", **query)["customers"]]

    assert ids(id=str(ada.id)) == ids(code=ada.customer_code) == ids(email="ada@example.com")
    assert ids(email="ada@example.com") == [str(ada.id)]
    assert ids(email="nobody@example.com") == []
    both = api.get("/api/customers", params={"id": str(ada.id), "email": "ada@example.com"})
    assert both.status_code == 422


# Suppliers --------------------------------------------------------------------------------


def test_a_supplier_is_created_updated_read_and_deleted_through_0_9(
    api: TestClient, shop: Store
) -> None:
    created = api.post(
        "/api/supplier",
        json={"name": "Brûlerie", "contact": {"email": "b@example.com", "physical_city": "Lyon"}},
    )
    assert created.status_code == 200, created.text
    supplier = created.json()
    assert set(supplier) == {"id", "source", "name", "description", "contact"}
    assert supplier["contact"]["physical_city"] == "Lyon"

    updated = api.post("/api/supplier", json={"id": supplier["id"], "name": "Brûlerie Lyon"})
    assert updated.status_code == 200
    assert updated.json()["name"] == "Brûlerie Lyon"
    assert updated.json()["contact"]["email"] == "b@example.com"  # left out: kept

    read = get_json(api, f"/api/supplier/{supplier['id']}")
    assert read["name"] == "Brûlerie Lyon"
    listed = get_json(api, "/api/supplier")
    assert [s["id"] for s in listed["suppliers"]] == [supplier["id"]]
    assert listed["pagination"]["results"] == 1

    assert api.delete(f"/api/supplier/{supplier['id']}").status_code == 200
    assert api.get(f"/api/supplier/{supplier['id']}").status_code == 404
    missing = api.post("/api/supplier", json={"id": str(uuid.uuid4()), "name": "X"})
    assert missing.status_code == 404


def test_writing_a_supplier_needs_products_write(api: TestClient, shop: Store) -> None:
    cashier = make_user(shop, role=Role.CASHIER)
    token = make_token(shop, username=cashier.username)
    headers = {"Authorization": f"Bearer {token}"}
    assert api.post("/api/supplier", json={"name": "X"}, headers=headers).status_code == 403
    assert api.get("/api/supplier", headers=headers).status_code == 200
    kept = api.post("/api/supplier", json={"name": "Kept"}).json()
    gone = api.delete(f"/api/supplier/{kept['id']}", headers=headers)
    assert gone.status_code == 403
    assert api.get(f"/api/supplier/{kept['id']}").status_code == 200
    manager = make_user(shop, role=Role.MANAGER)
    headers = {"Authorization": f"Bearer {make_token(shop, username=manager.username)}"}
    assert api.post("/api/supplier", json={"name": "X"}, headers=headers).status_code == 200


# Products ---------------------------------------------------------------------------------


def test_products_list_in_the_0_9_shape_with_stock_and_tax(api: TestClient, shop: Store) -> None:
    coffee = make_product(
        shop, name="Coffee", price="8.44", tax=shop.reduced_tax, sku="COF", stock=7
    )
    body = get_json(api, "/api/products")
    (product,) = body["products"]
    assert body["pagination"]["results"] == 1
    assert product["id"] == str(coffee.id)
    assert (product["name"], product["sku"], product["handle"]) == ("Coffee", "COF", coffee.handle)
    assert product["retail_price"] == Decimal("8.44")  # a tax-inclusive store states it so
    assert product["price"] == coffee.price_excluding_tax.normalize()
    assert (product["tax_name"], product["tax_rate"]) == ("VAT 5.5%", Decimal("0.055"))
    (stock,) = product["inventory"]
    assert stock == {
        "outlet_id": str(shop.outlet.id),
        "outlet_name": "Main",
        "count": "7",
        "reorder_point": None,
        "restock_level": None,
    }
    assert product["track_inventory"] is True


@pytest.mark.parametrize(
    "path",
    ["/api/registers", "/api/payment_types", "/api/taxes", "/api/outlets", "/api/products"],
)
def test_0_9_reads_need_a_token_or_a_session(
    app_client: TestClient, shop: Store, path: str
) -> None:
    reply = app_client.get(path)
    assert reply.status_code == 401
    assert set(reply.json()) == {"error", "details"}
