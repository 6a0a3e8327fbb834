"""The 2.0 consignments API, reading: X-Series shapes, `after=` paging and filters, and
who may read (consignments:read)."""

from __future__ import annotations

from decimal import Decimal

from starlette.testclient import TestClient

from comptoir.accounts.permissions import Role
from comptoir.inventory.consignments.common import LineInput, upsert_lines
from comptoir.inventory.consignments.models import (
    Consignment,
    ConsignmentStatus,
    ConsignmentType,
)
from tests.factories import Store, make_product, make_scoped_token, make_user, role_token


def _consignment(shop: Store, kind: ConsignmentType, status: ConsignmentStatus) -> Consignment:
    with shop.uow() as uow:
        made = Consignment(type=kind.value, status=status.value, outlet_id=shop.outlet.id,
                           name=f"{kind.value} note", reference="PO-00042")  # fmt: skip
        uow.session.add(made)
        uow.commit()
        return made


def test_consignments_are_listed_in_version_order_and_filtered_by_type_and_status(
    api: TestClient, shop: Store
) -> None:
    order = _consignment(shop, ConsignmentType.SUPPLIER, ConsignmentStatus.OPEN)
    count = _consignment(shop, ConsignmentType.STOCKTAKE, ConsignmentStatus.STOCKTAKE_SCHEDULED)

    everything = api.get("/api/2.0/consignments").json()
    assert [c["id"] for c in everything["data"]] == [str(order.id), str(count.id)]
    assert everything["version"] == {"min": order.version, "max": count.version}
    after = api.get(f"/api/2.0/consignments?after={order.version}").json()["data"]
    assert [c["id"] for c in after] == [str(count.id)]
    orders = api.get("/api/2.0/consignments?type=SUPPLIER&status=OPEN").json()["data"]
    assert [(c["id"], c["reference"], c["name"]) for c in orders] == [
        (str(order.id), "PO-00042", "SUPPLIER note")
    ]
    assert api.get("/api/2.0/consignments?type=RETURN").json()["data"] == []
    assert api.get("/api/2.0/consignments?type=NOPE").status_code == 422


def test_a_consignments_products_and_totals_come_with_five_decimal_strings(
    api: TestClient, shop: Store
) -> None:
    mug = make_product(shop, supply_price="2.50")
    order = _consignment(shop, ConsignmentType.SUPPLIER, ConsignmentStatus.OPEN)
    with shop.uow() as uow:
        consignment = uow.session.get(Consignment, order.id)
        assert consignment is not None
        upsert_lines(uow.session, consignment, [LineInput(mug.id, count=Decimal(4))])
        uow.commit()

    one = api.get(f"/api/2.0/consignments/{order.id}").json()["data"]
    assert (one["type"], one["status"], one["outlet_id"]) == (
        "SUPPLIER", "OPEN", str(shop.outlet.id),
    )  # fmt: skip
    lines = api.get(f"/api/2.0/consignments/{order.id}/products").json()["data"]
    assert [(p["product_id"], p["count"], p["received"], p["cost"]) for p in lines] == [
        (str(mug.id), "4.00000", None, "2.50000")
    ]
    totals = api.get(f"/api/2.0/consignments/{order.id}/totals").json()["data"]
    assert totals == [
        {
            "total_sent_count": "4.00000",
            "total_sent_cost": "10.00000",
            "total_received_count": "0.00000",
            "total_received_cost": "0.00000",
        }
    ]


def test_an_unknown_consignment_is_a_404(api: TestClient) -> None:
    missing = "00000000-0000-4000-8000-000000000001"
    for path in ("", "/products", "/totals"):
        reply = api.get(f"/api/2.0/consignments/{missing}{path}")
        assert reply.status_code == 404, path


def test_reading_consignments_needs_the_consignments_read_right_and_scope(
    app_client: TestClient, shop: Store
) -> None:
    _consignment(shop, ConsignmentType.SUPPLIER, ConsignmentStatus.OPEN)
    cashier = app_client.get("/api/2.0/consignments", headers=role_token(shop, Role.CASHIER))
    assert cashier.status_code == 403
    manager = make_user(shop, role=Role.MANAGER)
    for scopes, status in ((["consignments:read"], 200), (["products:read"], 403)):
        token = make_scoped_token(shop, manager, scopes=scopes)
        reply = app_client.get(
            "/api/2.0/consignments", headers={"Authorization": f"Bearer {token}"}
        )
        assert reply.status_code == status, scopes
