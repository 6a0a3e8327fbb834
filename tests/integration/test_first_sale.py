from __future__ import annotations

import uuid
from decimal import Decimal

from fastapi.testclient import TestClient

from comptoir.inventory.service import ledger_balance, stock_by_product
from tests.factories import Store, make_product, sale_payload


def test_closed_sale_moves_stock_out_of_the_register_outlet(api: TestClient, shop: Store) -> None:
    coffee = make_product(shop, price="8.90", stock=10)
    body = sale_payload(shop, [(coffee, 2)], total="17.80")
    reply = api.post("/api/register_sales", json=body)
    assert reply.status_code == 200, reply.text
    sale = reply.json()["register_sale"]
    assert sale["state"] == "closed"
    assert sale["invoice_number"] == "T1-1"
    with shop.db.read_sessions() as session:
        assert stock_by_product(session, product_ids=[coffee.id])[coffee.id] == Decimal(8)
        assert ledger_balance(session, product_id=coffee.id, outlet_id=shop.outlet.id) == Decimal(8)


def test_same_sale_sent_twice_is_recorded_once(api: TestClient, shop: Store) -> None:
    coffee = make_product(shop, price="8.90", stock=10)
    body = sale_payload(shop, [(coffee, 1)], total="8.90", sale_id=uuid.uuid4())
    first = api.post("/api/register_sales", json=body)
    second = api.post("/api/register_sales", json=body)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    with shop.db.read_sessions() as session:
        assert stock_by_product(session, product_ids=[coffee.id])[coffee.id] == Decimal(9)
    assert len(api.get("/api/2.0/sales").json()["data"]) == 1
