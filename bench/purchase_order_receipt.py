"""Receiving a 1,000-line purchase order.

    python bench/purchase_order_receipt.py --backend sqlite|postgresql [--lines 1000]

It migrates a fresh database, seeds the demo store, bulk-inserts `--lines` products of one
supplier (half of them with stock on hand already, so receipts both create and update
levels), creates two orders of every product, then times `orders.receive_order` end to end
(its commit included): "receive everything outstanding" at the order's prices, and a
delivery that types every line with a new supply price (every product's supply price and
average cost change). Goal: each <= 2 s. Prints the figures as JSON and exits 1 when a
goal is missed.
"""

from __future__ import annotations

import json
import platform
import random
import time
import uuid
from decimal import Decimal
from typing import Any, cast

from benchlib import analyze, database_bench_parser, open_signing_database, throwaway_database
from sqlalchemy import Table, select

from comptoir.accounts import service as accounts
from comptoir.catalog import entities
from comptoir.catalog.models import Product
from comptoir.core.bulk import executemany
from comptoir.core.clock import utcnow
from comptoir.core.db import Database
from comptoir.core.versioning import allocate_versions
from comptoir.inventory.consignments import orders
from comptoir.inventory.consignments.common import LineInput
from comptoir.inventory.models import MovementKind
from comptoir.inventory.service import StockChange, move_stock
from comptoir.migrate import upgrade_database
from comptoir.setup import ensure_retailer, seed_demo_store
from comptoir.store.models import Outlet

GOAL_S = 2.0


def _setup(db: Database, *, lines: int, rng: random.Random) -> dict[str, Any]:
    with db.unit_of_work() as uow:
        ensure_retailer(uow)
    with db.unit_of_work() as uow:
        owner = accounts.ensure_owner(uow, email="owner@example.com", password="bench-pass-1")
    with db.unit_of_work() as uow:
        seed_demo_store(uow)
    with db.unit_of_work() as uow:
        supplier = entities.create_supplier(
            uow, fields=entities.SupplierFields(name="Bench supplier", email="po@bench.example")
        )
    with db.unit_of_work() as uow:
        outlet_id = uow.session.scalars(select(Outlet.id).order_by(Outlet.name)).first()
        assert outlet_id is not None
        now = utcnow()
        versions = allocate_versions(uow.session, lines)
        ids = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(lines)]
        executemany(
            uow.session,
            cast(Table, Product.__table__),
            [
                {
                    "id": pid,
                    "handle": f"bench-po-{n}",
                    "sku": f"BENCH-PO-{n:05d}",
                    "name": f"Bench product {n}",
                    "price_excluding_tax": Decimal("10.00"),
                    "price_including_tax": Decimal("12.00"),
                    "supply_price": Decimal("4.00"),
                    "active": True,
                    "has_inventory": True,
                    "source": "USER",
                    "family_id": pid,
                    "is_composite": False,
                    "supplier_id": supplier.id,
                    "search_text": f"bench product {n} bench po {n:05d}",
                    "version": version,
                    "created_at": now,
                    "updated_at": now,
                }
                for n, (pid, version) in enumerate(zip(ids, versions, strict=True))
            ],
        )
        move_stock(
            uow.session,
            changes=[
                StockChange(pid, outlet_id, Decimal(5), unit_cost=Decimal("3.50"))
                for pid in ids[: lines // 2]
            ],
            kind=MovementKind.MANUAL,
        )
        uow.commit()
    order_ids = []
    for _ in range(2):
        with db.unit_of_work() as uow:
            order = orders.create_order(
                uow, outlet_id=outlet_id, supplier_id=supplier.id, user_id=owner.id
            )
            orders.set_order_lines(
                uow,
                consignment_id=order.id,
                lines=[LineInput(pid, count=Decimal(rng.randint(1, 24))) for pid in ids],
                user_id=owner.id,
            )
            uow.commit()
            order_ids.append(order.id)
    return {"owner_id": owner.id, "product_ids": ids, "order_ids": order_ids}


def _timed_receipt(db: Database, **kwargs: Any) -> float:
    started = time.perf_counter()
    with db.unit_of_work() as uow:
        receipt = orders.receive_order(uow, delivery_id=uuid.uuid4(), complete=True, **kwargs)
        uow.commit()
    elapsed = time.perf_counter() - started
    assert not receipt.replayed and receipt.lines
    return round(elapsed, 3)


def run(url: str, *, lines: int, seed: int) -> dict[str, Any]:
    upgrade_database(url)
    db = open_signing_database(url)
    try:
        rng = random.Random(seed)
        data = _setup(db, lines=lines, rng=rng)
        analyze(db.writer)
        everything = _timed_receipt(
            db, consignment_id=data["order_ids"][0], lines=None, user_id=data["owner_id"]
        )
        typed = _timed_receipt(
            db,
            consignment_id=data["order_ids"][1],
            lines=[
                LineInput(pid, received=Decimal(rng.randint(1, 24)), cost=Decimal("4.25"))
                for pid in data["product_ids"]
            ],
            user_id=data["owner_id"],
        )
    finally:
        db.dispose()
    return {
        "lines": lines,
        "receive_everything_outstanding_seconds": everything,
        "receive_typed_lines_new_supply_price_seconds": typed,
    }


def main(argv: list[str] | None = None) -> int:
    parser = database_bench_parser(__doc__, seed=13)
    parser.add_argument("--lines", type=int, default=1000)
    args = parser.parse_args(argv)
    with throwaway_database(args.backend, prefix="comptoir-stock-orders-bench-") as url:
        figures = run(url, lines=args.lines, seed=args.seed)
    met = {
        f"receive_everything_le_{GOAL_S}s": figures["receive_everything_outstanding_seconds"]
        <= GOAL_S,
        f"receive_typed_le_{GOAL_S}s": figures["receive_typed_lines_new_supply_price_seconds"]
        <= GOAL_S,
    }
    print(
        json.dumps(
            {
                "benchmark": "stock_orders",
                "backend": args.backend,
                "python": platform.python_version(),
                "receipt": figures,
                "targets_met": met,
            },
            indent=2,
        )
    )
    return 0 if all(met.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
