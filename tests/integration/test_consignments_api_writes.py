"""The 2.0 consignments API, writing: creating each type, changing fields and status through
the workflows, deleting, adding and changing products one by one and in bulk; who may do it
(a cashier only counts); refused requests change nothing; a retried receipt is done once."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from comptoir.accounts.permissions import Role
from comptoir.catalog.models import Product
from comptoir.inventory.consignments.models import Consignment
from comptoir.inventory.models import InventoryLevel
from comptoir.store.models import Outlet
from tests.factories import (
    Store,
    consignments_state,
    count_rows,
    make_outlet,
    make_product,
    make_purchase_supplier,
    role_token,
    stock_of,
)

BASE = "/api/2.0/consignments"


@pytest.fixture
def annex(shop: Store) -> Outlet:
    return make_outlet(shop)


def _created(api: TestClient, **fields: Any) -> dict[str, Any]:
    reply = api.post(BASE, json={"data": fields})
    assert reply.status_code == 201, reply.text
    body: dict[str, Any] = reply.json()["data"]
    return body


def _order(api: TestClient, shop: Store, **fields: Any) -> dict[str, Any]:
    supplier = make_purchase_supplier(shop)
    return _created(
        api,
        type="SUPPLIER",
        outlet_id=str(shop.outlet.id),
        supplier_id=str(supplier.id),
        name="Spring order",
        **fields,
    )


def _put(
    api: TestClient, consignment_id: str, headers: dict[str, str] | None = None, **fields: Any
) -> Any:
    return api.put(f"{BASE}/{consignment_id}", json=fields, headers=headers or {})


def _lines(api: TestClient, consignment_id: str) -> dict[str, dict[str, Any]]:
    reply = api.get(f"{BASE}/{consignment_id}/products")
    assert reply.status_code == 200
    return {line["product_id"]: line for line in reply.json()["data"]}


def _level_at(shop: Store, product: Product, outlet: Outlet) -> Decimal | None:
    with shop.db.read_sessions() as session:
        return session.scalar(
            select(InventoryLevel.count).where(
                InventoryLevel.product_id == product.id, InventoryLevel.outlet_id == outlet.id
            )
        )


def _supply_price(shop: Store, product: Product) -> Decimal:
    with shop.db.read_sessions() as session:
        row = session.get(Product, product.id)
        assert row is not None
        return row.supply_price


# -- a purchase order's whole life -----------------------------------------------------------


def test_an_order_created_filled_sent_and_received_through_the_api_puts_stock_on_the_shelf(
    api: TestClient, shop: Store
) -> None:
    mug = make_product(shop, stock=10, supply_price="2.00")
    cup = make_product(shop, stock=0, supply_price="1.00")
    order = _order(api, shop, due_at="2026-01-20T09:00:00Z", supplier_invoice="INV-7")
    assert (order["type"], order["status"], order["reference"]) == ("SUPPLIER", "OPEN", "PO-00001")
    assert order["due_at"].startswith("2026-01-20T09:00:00")
    assert order["supplier_invoice"] == "INV-7"
    assert api.get(f"{BASE}/{order['id']}").json()["data"] == order

    added = api.post(
        f"{BASE}/{order['id']}/products",
        json={"data": {"product_id": str(mug.id), "count": "12", "cost": "2.50"}},
    )
    assert added.status_code == 200
    assert (added.json()["data"]["count"], added.json()["data"]["cost"]) == ("12.00000", "2.50000")
    bulk = api.post(
        f"{BASE}/{order['id']}/bulk",
        json=[{"product_id": str(cup.id), "count": "3"}, {"product_id": str(cup.id), "count": "2"}],
    )
    assert bulk.status_code == 200
    assert bulk.json()["data"] == {str(cup.id): {"count": "5.00000", "received": None}}

    sent = _put(api, order["id"], status="SENT")
    assert sent.status_code == 200, sent.text
    assert sent.json()["data"]["status"] == "SENT"

    # Part of the mugs arrive first (a delivery), at a new price: the order is DISPATCHED.
    first = api.put(
        f"{BASE}/{order['id']}/products/{mug.id}", json={"received": "4", "cost": "2.40"}
    )
    assert first.status_code == 200, first.text
    assert first.json()["data"]["received"] == "4.00000"
    assert api.get(f"{BASE}/{order['id']}").json()["data"]["status"] == "DISPATCHED"
    assert stock_of(shop, mug) == Decimal(14)
    assert _supply_price(shop, mug) == Decimal("2.40")

    # The rest: the total received for the mugs becomes 12, and the cups arrive.
    more = api.post(
        f"{BASE}/{order['id']}/bulk",
        json=[
            {"product_id": str(mug.id), "received": "8"},
            {"product_id": str(cup.id), "received": "5"},
        ],
    )
    assert more.status_code == 200, more.text
    received = _put(api, order["id"], status="RECEIVED")
    assert received.status_code == 200, received.text
    assert received.json()["data"]["status"] == "RECEIVED"
    assert received.json()["data"]["received_at"] is not None

    assert (stock_of(shop, mug), stock_of(shop, cup)) == (Decimal(22), Decimal(5))
    totals = api.get(f"{BASE}/{order['id']}/totals").json()["data"][0]
    assert totals == {
        "total_sent_count": "17.00000",
        "total_sent_cost": "33.80000",  # 12 x 2.40 + 5 x 1.00
        "total_received_count": "17.00000",
        "total_received_cost": "33.80000",
    }
    lines = _lines(api, order["id"])
    assert (lines[str(mug.id)]["received"], lines[str(mug.id)]["status"]) == ("12.00000", "SUCCESS")


def test_receiving_an_order_with_nothing_received_yet_receives_everything_outstanding(
    api: TestClient, shop: Store
) -> None:
    mug = make_product(shop, stock=1)
    order = _order(api, shop)
    api.post(f"{BASE}/{order['id']}/products", json={"product_id": str(mug.id), "count": "6"})
    assert _put(api, order["id"], status="SENT").status_code == 200
    assert _put(api, order["id"], status="RECEIVED").status_code == 200
    assert stock_of(shop, mug) == Decimal(7)


def test_a_receipt_sent_again_with_the_same_idempotency_key_is_done_once(
    api: TestClient, shop: Store
) -> None:
    mug = make_product(shop, stock=0)
    order = _order(api, shop)
    api.post(f"{BASE}/{order['id']}/products", json={"product_id": str(mug.id), "count": "9"})
    _put(api, order["id"], status="SENT")
    key = {"Idempotency-Key": "delivery-1"}
    line = [{"product_id": str(mug.id), "received": "4"}]
    first = api.post(f"{BASE}/{order['id']}/bulk", json=line, headers=key)
    again = api.post(f"{BASE}/{order['id']}/bulk", json=line, headers=key)
    assert (first.status_code, again.status_code) == (200, 200)
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert stock_of(shop, mug) == Decimal(4)

    closing = {"Idempotency-Key": "closing"}
    assert _put(api, order["id"], closing, status="RECEIVED").status_code == 200
    before = consignments_state(shop)
    replay = _put(api, order["id"], closing, status="RECEIVED")
    assert replay.status_code == 200
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert consignments_state(shop) == before
    assert stock_of(shop, mug) == Decimal(4)


def test_a_bulk_of_ordered_quantities_sent_again_with_its_key_adds_them_once(
    api: TestClient, shop: Store
) -> None:
    mug = make_product(shop, stock=0)
    order = _order(api, shop)
    key = {"Idempotency-Key": "order-lines-1"}
    line = [{"product_id": str(mug.id), "count": "6"}]
    first = api.post(f"{BASE}/{order['id']}/bulk", json=line, headers=key)
    again = api.post(f"{BASE}/{order['id']}/bulk", json=line, headers=key)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Decimal(_lines(api, order["id"])[str(mug.id)]["count"]) == Decimal(6)
    other = api.post(f"{BASE}/{order['id']}/bulk", json=line, headers={"Idempotency-Key": "2"})
    assert other.status_code == 200
    assert Decimal(_lines(api, order["id"])[str(mug.id)]["count"]) == Decimal(12)


# -- creating the other types ------------------------------------------------------------------


def test_a_transfer_is_created_sent_and_received_through_the_api(
    api: TestClient, shop: Store, annex: Outlet
) -> None:
    mug = make_product(shop, stock=10)
    transfer = _created(
        api,
        type="OUTLET",
        outlet_id=str(annex.id),
        source_outlet_id=str(shop.outlet.id),
        name="To the annex",
    )
    assert (transfer["status"], transfer["source_outlet_id"]) == ("OPEN", str(shop.outlet.id))
    api.post(f"{BASE}/{transfer['id']}/products", json={"product_id": str(mug.id), "count": "4"})
    assert _put(api, transfer["id"], status="SENT").status_code == 200
    assert stock_of(shop, mug) == Decimal(6)
    assert _put(api, transfer["id"], status="RECEIVED").status_code == 200
    assert _level_at(shop, mug, annex) == Decimal(4)


def test_a_supplier_return_is_created_with_its_reason_and_sent_through_the_api(
    api: TestClient, shop: Store
) -> None:
    mug = make_product(shop, stock=10)
    supplier = make_purchase_supplier(shop)
    made = _created(
        api,
        type="RETURN",
        outlet_id=str(shop.outlet.id),
        supplier_id=str(supplier.id),
        name="Broken mugs",
        reason="Damaged",
    )
    with shop.db.read_sessions() as session:
        row = session.get(Consignment, uuid.UUID(made["id"]))
        assert row is not None and row.reason == "Damaged"
    api.post(f"{BASE}/{made['id']}/products", json={"product_id": str(mug.id), "count": "3"})
    assert _put(api, made["id"], status="SENT").status_code == 200
    assert stock_of(shop, mug) == Decimal(7)
    # A return's lines have no received quantity; once sent, it cannot be cancelled.
    late = api.put(f"{BASE}/{made['id']}/products/{mug.id}", json={"count": "1"})
    assert late.status_code == 409
    assert _put(api, made["id"], status="CANCELLED").status_code == 409


def test_a_stock_count_takes_its_filters_as_x_series_lists_them(
    api: TestClient, shop: Store
) -> None:
    mug = make_product(shop, stock=5)
    count = _created(
        api,
        type="STOCKTAKE",
        status="STOCKTAKE",
        outlet_id=str(shop.outlet.id),
        name="Mugs",
        show_inactive=True,
        filters=[{"field": "product_id", "value": str(mug.id)}],
    )
    assert count["status"] == "STOCKTAKE_SCHEDULED"
    assert count["show_inactive"] is True
    assert count["filters"] == [{"field": "product_id", "value": str(mug.id)}]
    with shop.db.read_sessions() as session:
        row = session.get(Consignment, uuid.UUID(count["id"]))
        assert row is not None and row.filters is not None
        assert str(mug.id) in row.filters  # stored as the count's JSON object
    refused = api.post(
        BASE,
        json={
            "type": "STOCKTAKE",
            "outlet_id": str(shop.outlet.id),
            "name": "x",
            "filters": [{"field": "colour", "value": "red"}],
        },
    )
    assert refused.status_code == 422


# -- a stock count: a manager starts and applies it, a cashier counts ------------------------


def test_a_cashier_counts_a_count_in_progress_and_a_manager_applies_it(
    app_client: TestClient, shop: Store
) -> None:
    mug = make_product(shop, stock=10)
    cup = make_product(shop, stock=4)
    manager = role_token(shop, Role.MANAGER)
    cashier = role_token(shop, Role.CASHIER)
    count = app_client.post(
        BASE,
        headers=manager,
        json={
            "type": "STOCKTAKE",
            "outlet_id": str(shop.outlet.id),
            "name": "Shelf A",
            "filters": [
                {"field": "product_id", "value": str(mug.id)},
                {"field": "product_id", "value": str(cup.id)},
            ],
        },
    ).json()["data"]
    path = f"{BASE}/{count['id']}"
    # Not started: nothing to count yet; starting is a manager's.
    early = app_client.post(
        f"{path}/bulk", headers=cashier, json=[{"product_id": str(mug.id), "received": "1"}]
    )
    assert early.status_code == 409
    assert (
        app_client.put(path, headers=cashier, json={"status": "STOCKTAKE_IN_PROGRESS"}).status_code
        == 403
    )
    assert (
        app_client.put(path, headers=manager, json={"status": "STOCKTAKE_IN_PROGRESS"}).status_code
        == 200
    )

    # Two counts of the mugs add up; a count of the cups is corrected to a total.
    key = {"Idempotency-Key": "shelf-a-1"} | cashier
    batch = [{"product_id": str(mug.id), "received": "5"}]
    assert app_client.post(f"{path}/bulk", headers=key, json=batch).status_code == 200
    replay = app_client.post(f"{path}/bulk", headers=key, json=batch)
    assert replay.headers["Idempotent-Replayed"] == "true"
    second = app_client.post(
        f"{path}/products",
        headers=cashier,
        json={"data": {"product_id": str(mug.id), "received": "3"}},
    )
    assert second.status_code == 200, second.text
    assert second.json()["data"]["received"] == "8.00000"
    app_client.post(
        f"{path}/bulk", headers=cashier, json=[{"product_id": str(cup.id), "received": "9"}]
    )
    fixed = app_client.put(f"{path}/products/{cup.id}", headers=cashier, json={"received": "3"})
    assert fixed.json()["data"]["received"] == "3.00000"
    # Counting sends the quantity counted, never the expected one.
    assert (
        app_client.post(
            f"{path}/bulk", headers=cashier, json=[{"product_id": str(cup.id), "count": "3"}]
        ).status_code
        == 422
    )

    assert (
        app_client.put(path, headers=cashier, json={"status": "STOCKTAKE_COMPLETE"}).status_code
        == 403
    )
    applied = app_client.put(path, headers=manager, json={"status": "STOCKTAKE_COMPLETE"})
    assert applied.status_code == 200, applied.text
    assert applied.json()["data"]["status"] == "STOCKTAKE_COMPLETE"
    assert (stock_of(shop, mug), stock_of(shop, cup)) == (Decimal(8), Decimal(3))


# -- permissions ---------------------------------------------------------------------------------


def test_a_cashier_is_refused_every_write_but_counting_and_nothing_changes(
    api: TestClient, shop: Store
) -> None:
    mug = make_product(shop, stock=10)
    order = _order(api, shop)
    api.post(f"{BASE}/{order['id']}/products", json={"product_id": str(mug.id), "count": "2"})
    cashier = role_token(shop, Role.CASHIER)
    path = f"{BASE}/{order['id']}"
    before = consignments_state(shop)
    refused = [
        api.post(
            BASE, headers=cashier, json={"type": "SUPPLIER", "outlet_id": str(shop.outlet.id)}
        ),
        api.post(
            BASE,
            headers=cashier,
            json={"type": "STOCKTAKE", "name": "x", "outlet_id": str(shop.outlet.id)},
        ),
        api.put(path, headers=cashier, json={"name": "Changed"}),
        api.put(path, headers=cashier, json={"status": "SENT"}),
        api.delete(path, headers=cashier),
        api.post(f"{path}/products", headers=cashier, json={"product_id": str(mug.id)}),
        api.put(f"{path}/products/{mug.id}", headers=cashier, json={"count": "5"}),
        api.delete(f"{path}/products/{mug.id}", headers=cashier),
        api.post(f"{path}/bulk", headers=cashier, json=[{"product_id": str(mug.id), "count": "1"}]),
    ]
    assert [reply.status_code for reply in refused] == [403] * len(refused)
    assert consignments_state(shop) == before


# -- refused requests change nothing ------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"count": "-1"},
        {"count": "abc"},
        {"count": "1e400"},
        {"cost": "-2"},
        {"received": "-3"},
    ],
)
def test_a_bad_quantity_is_refused_with_422_and_changes_nothing(
    api: TestClient, shop: Store, body: dict[str, str]
) -> None:
    mug = make_product(shop)
    order = _order(api, shop)
    api.post(f"{BASE}/{order['id']}/products", json={"product_id": str(mug.id), "count": "2"})
    before = consignments_state(shop)
    reply = api.put(f"{BASE}/{order['id']}/products/{mug.id}", json=body)
    assert reply.status_code == 422, reply.text
    assert set(reply.json()) == {"error", "details"}
    assert consignments_state(shop) == before


def test_a_bulk_with_one_unknown_product_changes_none_of_them(api: TestClient, shop: Store) -> None:
    mug = make_product(shop)
    order = _order(api, shop)
    before = consignments_state(shop)
    reply = api.post(
        f"{BASE}/{order['id']}/bulk",
        json=[
            {"product_id": str(mug.id), "count": "2"},
            {"product_id": str(uuid.uuid4()), "count": "1"},
        ],
    )
    assert reply.status_code == 422
    assert "unknown product" in reply.json()["error"]
    assert consignments_state(shop) == before
    assert (
        api.post(f"{BASE}/{order['id']}/bulk", json=[{"product_id": str(mug.id)}]).status_code
        == 422
    )
    assert api.post(f"{BASE}/{order['id']}/bulk", json=[]).status_code == 422
    assert consignments_state(shop) == before


def test_a_received_order_cannot_change_and_a_refused_transition_is_409(
    api: TestClient, shop: Store
) -> None:
    mug = make_product(shop, stock=0)
    order = _order(api, shop, due_at="2026-01-20T09:00:00+01:00", supplier_invoice="F-9")
    path = f"{BASE}/{order['id']}"
    api.post(f"{path}/products", json={"product_id": str(mug.id), "count": "2"})
    assert _put(api, order["id"], status="RECEIVED").status_code == 200
    before = consignments_state(shop)
    attempts = [
        _put(api, order["id"], name="Too late"),
        _put(api, order["id"], status="SENT"),
        _put(api, order["id"], status="CANCELLED"),
        api.post(f"{path}/products", json={"product_id": str(mug.id), "count": "5"}),
        api.put(f"{path}/products/{mug.id}", json={"count": "5"}),
        api.delete(path),
    ]
    for reply in attempts:
        assert reply.status_code == 409, reply.text
    assert "RECEIVED" in attempts[1].json()["error"]
    assert consignments_state(shop) == before
    assert stock_of(shop, mug) == Decimal(2)
    # The consignment sent back as it is (a client's whole object) is no change.
    same = api.get(path).json()["data"]
    assert _put(api, order["id"], **same).status_code == 200
    assert consignments_state(shop) == before


def test_a_status_foreign_to_the_type_is_409_and_an_unknown_one_422(
    api: TestClient, shop: Store
) -> None:
    order = _order(api, shop)
    before = consignments_state(shop)
    wrong = _put(api, order["id"], status="STOCKTAKE_COMPLETE")
    assert wrong.status_code == 409
    assert "cannot go from OPEN to STOCKTAKE_COMPLETE" in wrong.json()["error"]
    assert _put(api, order["id"], status="LOST").status_code == 422
    # Sending an order without products is refused by its workflow.
    assert _put(api, order["id"], status="SENT").status_code == 422
    assert consignments_state(shop) == before


@pytest.mark.parametrize(
    "fields",
    [
        {"type": "PARCEL"},
        {"type": "SUPPLIER", "outlet_id": "00000000-0000-4000-8000-000000000001"},
        {"type": "SUPPLIER"},
        {"type": "OUTLET"},  # no source outlet
        {"type": "SUPPLIER", "status": "RECEIVED"},
        {"type": "RETURN"},  # no supplier
        {"type": "STOCKTAKE"},  # no name
        {"type": "SUPPLIER", "supplier_id": "00000000-0000-4000-8000-000000000002"},
    ],
)
def test_a_consignment_the_spec_or_the_workflow_refuses_is_not_created(
    api: TestClient, shop: Store, fields: dict[str, str]
) -> None:
    body = {"outlet_id": str(shop.outlet.id)} | fields
    if fields.get("type") == "SUPPLIER" and "outlet_id" in fields:
        body["outlet_id"] = fields["outlet_id"]
    elif fields == {"type": "SUPPLIER"}:
        del body["outlet_id"]
    reply = api.post(BASE, json=body)
    assert reply.status_code == 422, reply.text
    assert count_rows(shop.db, Consignment) == 0


def test_a_transfer_to_its_own_outlet_is_refused(api: TestClient, shop: Store) -> None:
    reply = api.post(
        BASE,
        json={
            "type": "OUTLET",
            "outlet_id": str(shop.outlet.id),
            "source_outlet_id": str(shop.outlet.id),
        },
    )
    assert reply.status_code == 422
    assert count_rows(shop.db, Consignment) == 0


# -- fields, deleting, products ---------------------------------------------------------------


def test_an_orders_fields_change_and_its_type_or_outlet_do_not(
    api: TestClient, shop: Store, annex: Outlet
) -> None:
    order = _order(api, shop)
    other = _order(api, shop)
    changed = _put(
        api,
        order["id"],
        name="Note",
        reference="PO-77",
        supplier_invoice="F-1",
        due_at="2026-03-01T08:00:00+01:00",
    )
    assert changed.status_code == 200, changed.text
    data = api.get(f"{BASE}/{order['id']}").json()["data"]
    assert (data["name"], data["reference"], data["supplier_invoice"]) == ("Note", "PO-77", "F-1")
    assert data["due_at"].startswith("2026-03-01T07:00:00")
    before = consignments_state(shop)
    for fields in (
        {"type": "RETURN"},
        {"outlet_id": str(annex.id)},
        {"reference": other["reference"]},  # another order's number
        {"name": "x" * 256},
    ):
        assert _put(api, order["id"], **fields).status_code == 422, fields
    assert consignments_state(shop) == before


def test_only_an_open_or_cancelled_consignment_is_deleted(api: TestClient, shop: Store) -> None:
    mug = make_product(shop)
    open_order = _order(api, shop)
    assert api.delete(f"{BASE}/{open_order['id']}").status_code == 204
    assert api.get(f"{BASE}/{open_order['id']}").status_code == 404
    assert api.delete(f"{BASE}/{open_order['id']}").status_code == 404

    sent = _order(api, shop)
    api.post(f"{BASE}/{sent['id']}/products", json={"product_id": str(mug.id), "count": "1"})
    _put(api, sent["id"], status="SENT")
    before = consignments_state(shop)
    assert api.delete(f"{BASE}/{sent['id']}").status_code == 409
    assert consignments_state(shop) == before
    assert _put(api, sent["id"], status="CANCELLED").status_code == 200
    assert api.delete(f"{BASE}/{sent['id']}").status_code == 204


def test_a_product_is_taken_off_an_order_and_can_come_back(api: TestClient, shop: Store) -> None:
    mug = make_product(shop)
    order = _order(api, shop)
    path = f"{BASE}/{order['id']}/products"
    api.post(path, json={"product_id": str(mug.id), "count": "2"})
    assert api.delete(f"{path}/{mug.id}").status_code == 204
    assert _lines(api, order["id"]) == {}
    assert api.delete(f"{path}/{mug.id}").status_code == 404
    assert api.post(path, json={"product_id": str(mug.id), "count": "3"}).status_code == 200
    assert _lines(api, order["id"])[str(mug.id)]["count"] == "3.00000"
    # The path's product and the body's must agree.
    other = str(uuid.uuid4())
    assert api.put(f"{path}/{mug.id}", json={"product_id": other, "count": "1"}).status_code == 422


def test_received_stock_is_not_taken_back_by_lowering_the_received_quantity(
    api: TestClient, shop: Store
) -> None:
    mug = make_product(shop, stock=0)
    order = _order(api, shop)
    path = f"{BASE}/{order['id']}/products"
    api.post(path, json={"product_id": str(mug.id), "count": "5"})
    assert api.put(f"{path}/{mug.id}", json={"received": "4"}).status_code == 200
    before = consignments_state(shop)
    assert api.put(f"{path}/{mug.id}", json={"received": "1"}).status_code == 422
    assert consignments_state(shop) == before
    assert stock_of(shop, mug) == Decimal(4)


def test_an_unknown_consignment_is_404_for_every_write(api: TestClient, shop: Store) -> None:
    missing = f"{BASE}/{uuid.uuid4()}"
    product = str(uuid.uuid4())
    replies = [
        api.put(missing, json={"name": "x"}),
        api.delete(missing),
        api.post(f"{missing}/products", json={"product_id": product}),
        api.put(f"{missing}/products/{product}", json={"count": "1"}),
        api.delete(f"{missing}/products/{product}"),
        api.post(f"{missing}/bulk", json=[{"product_id": product, "count": "1"}]),
    ]
    assert [reply.status_code for reply in replies] == [404] * len(replies)


def test_the_openapi_schema_lists_the_consignment_writes(app_client: TestClient) -> None:
    paths = app_client.get("/openapi.json").json()["paths"]
    assert {"post", "get"} <= set(paths["/api/2.0/consignments"])
    assert {"get", "put", "delete"} <= set(paths["/api/2.0/consignments/{consignment_id}"])
    assert "201" in paths["/api/2.0/consignments"]["post"]["responses"]
    assert "post" in paths["/api/2.0/consignments/{consignment_id}/bulk"]
    assert {"put", "delete"} <= set(
        paths["/api/2.0/consignments/{consignment_id}/products/{product_id}"]
    )
