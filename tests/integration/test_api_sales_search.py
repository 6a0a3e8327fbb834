"""`GET /api/2.0/search?type=sales` (the 2.0 spec's **SALES** filters, offset pages) and
the 2.0 sale shape's discounts and returns."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import insert, update

from comptoir.accounts.models import user_outlet
from comptoir.accounts.permissions import Role
from comptoir.sales.models import SaleLine
from tests.factories import Store, make_customer, make_scoped_token, make_token, make_user
from tests.integration.history_support import a_history, annex_register, sale_on


def found(api: TestClient, **params: object) -> list[str]:
    reply = api.get("/api/2.0/search", params={"type": "sales", **params})
    assert reply.status_code == 200, reply.text
    return [s["invoice_number"] for s in reply.json()["data"]]


def test_each_sales_filter_of_the_spec_narrows_the_search(api: TestClient, shop: Store) -> None:
    h = a_history(shop)
    annex = annex_register(shop)
    clerk = make_user(shop, role=Role.CASHIER)
    ada = make_customer(shop, first_name="Ada")
    first = sale_on(shop, h.mug, "2024-03-01T10:00")
    at_annex = sale_on(
        shop, h.mug, "2024-03-02T10:00", register_id=annex.id, outlet_id=annex.outlet_id
    )
    by_clerk = sale_on(shop, h.mug, "2024-03-03T10:00", user_id=clerk.id)
    for_ada = sale_on(shop, h.mug, "2024-03-04T10:00", customer_id=ada.id)
    parked = sale_on(shop, h.mug, "2024-03-05T10:00", status="SAVED", state="parked")
    assert found(api, outlet_id=str(annex.outlet_id)) == [at_annex.invoice_number]
    assert found(api, user_id=str(clerk.id)) == [by_clerk.invoice_number]
    assert found(api, customer_id=str(ada.id)) == [for_ada.invoice_number]
    assert found(api, status="SAVED") == [parked.invoice_number]
    assert found(api, state="parked") == [parked.invoice_number]
    assert found(api, invoice_number=first.invoice_number) == [first.invoice_number]
    assert found(api, date_from="2024-03-02T00:00:00Z", date_to="2024-03-04T00:00:00Z") == [
        by_clerk.invoice_number,
        at_annex.invoice_number,
    ]
    assert found(api, status=["SAVED", "CLOSED"], date_from="2024-03-04T00:00:00Z") == [
        parked.invoice_number,
        for_ada.invoice_number,
    ]


def test_sales_pages_by_offset_newest_first_or_oldest_first(api: TestClient, shop: Store) -> None:
    h = a_history(shop)
    made = [sale_on(shop, h.mug, f"2024-03-0{day}T10:00") for day in range(1, 6)]
    newest_first = [s.invoice_number for s in reversed(made)]
    assert found(api, page_size=2) == newest_first[:2]
    assert found(api, page_size=2, offset=2) == newest_first[2:4]
    assert found(api, page_size=2, offset=4) == newest_first[4:]
    assert found(api, order_direction="asc", page_size=2) == [s.invoice_number for s in made[:2]]


def test_a_bad_sales_filter_is_a_422(api: TestClient, shop: Store) -> None:
    for params in (
        {"status": "PAID"},
        {"state": "open"},
        {"date_from": "yesterday"},
        {"offset": -1},
        {"customer_id": "nope"},
    ):
        reply = api.get("/api/2.0/search", params={"type": "sales", **params})
        assert reply.status_code == 422, params


def test_products_and_customers_still_need_a_search_term(api: TestClient, shop: Store) -> None:
    assert api.get("/api/2.0/search", params={"type": "products"}).status_code == 422
    assert api.get("/api/2.0/search", params={"type": "customers"}).status_code == 422


def test_a_token_without_sales_read_cannot_search_sales(
    app_client: TestClient, shop: Store
) -> None:
    token = make_scoped_token(shop, shop.owner, scopes=["products:read"])
    reply = app_client.get(
        "/api/2.0/search",
        params={"type": "sales"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert reply.status_code == 403


def test_a_user_limited_to_an_outlet_finds_only_its_sales(
    app_client: TestClient, shop: Store
) -> None:
    h = a_history(shop)
    annex = annex_register(shop)
    clerk = make_user(shop, role=Role.CASHIER)
    with shop.uow() as uow:
        uow.session.execute(
            insert(user_outlet), [{"user_id": clerk.id, "outlet_id": shop.outlet.id}]
        )
        uow.commit()
    here = sale_on(shop, h.mug, "2024-03-01T10:00")
    sale_on(shop, h.mug, "2024-03-02T10:00", register_id=annex.id, outlet_id=annex.outlet_id)
    app_client.headers["Authorization"] = f"Bearer {make_token(shop, username=clerk.username)}"
    assert found(app_client) == [here.invoice_number]
    assert found(app_client, outlet_id=str(annex.outlet_id)) == []


def test_a_2_0_sale_carries_its_discounts_and_the_sale_it_returns(
    api: TestClient, shop: Store
) -> None:
    h = a_history(shop)
    original = sale_on(shop, h.mug, "2024-03-01T10:00", total_discount=Decimal("0.80"))
    with shop.uow() as uow:
        uow.session.execute(
            update(SaleLine)
            .where(SaleLine.sale_id == original.id)
            .values(discount=Decimal("0.8"), discount_total=Decimal("0.8"), price_set=True)
        )
        uow.commit()
    give_back = sale_on(shop, h.mug, "2024-03-02T10:00", return_for=original.id)
    sale = api.get(f"/api/2.0/sales/{original.id}").json()["data"]
    assert sale["return_for"] is None
    assert Decimal(str(sale["total_discount"])) == Decimal("0.80")
    line = sale["line_items"][0]
    assert Decimal(str(line["discount"])) == Decimal("0.8")
    assert Decimal(str(line["discount_total"])) == Decimal("0.8")
    assert line["price_set"] is True
    returned = api.get(f"/api/2.0/sales/{give_back.id}").json()["data"]
    assert returned["return_for"] == str(original.id)
    listed = {s["id"]: s for s in api.get("/api/2.0/sales").json()["data"]}
    assert listed[str(give_back.id)]["return_for"] == str(original.id)
    searched = api.get(
        "/api/2.0/search", params={"type": "sales", "invoice_number": give_back.invoice_number}
    )
    assert searched.json()["data"][0]["return_for"] == str(original.id)
