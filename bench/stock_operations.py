"""Stock control at catalog scale: a full count's expected list, applying a count.

    python bench/stock_operations.py --backend sqlite|postgresql [--products 300000]

It migrates a fresh database, bulk-inserts an outlet and `--products` stocked products with
their levels (SQLAlchemy Core through core.bulk.executemany), refreshes the planner
statistics, then times, each end to end with its commit:

- `start_stocktake` of a full count: the expected list over every product, built by one
  INSERT ... SELECT (goal <= 5 s for 300,000 products);
- `apply_stocktake` of a count of 10,000 hand-picked products, each counted (most of them
  with a difference), uncounted lines set to zero (goal <= 5 s); counting those 10,000
  lines in one batch is reported too, without a goal.

- receiving a 1,000-line purchase order (goal <= 2 s), in a second fresh database set up
  by `purchase_order_receipt.py` (the demo store and 1,000 products of one supplier): the
  slower of "receive everything outstanding" and a delivery typing every line with a new
  supply price.

Prints the figures as JSON and exits 1 when a goal is missed.
"""

from __future__ import annotations

import json
import platform
import random
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

import purchase_order_receipt
from benchlib import analyze, database_bench_parser, open_signing_database, throwaway_database
from sqlalchemy import Table, func, insert, select

from comptoir.catalog.models import Product
from comptoir.core.bulk import executemany
from comptoir.core.db import Database
from comptoir.core.versioning import allocate_versions
from comptoir.inventory.consignments import stocktakes
from comptoir.inventory.consignments.models import ConsignmentProduct
from comptoir.inventory.models import InventoryLevel
from comptoir.migrate import upgrade_database
from comptoir.store.models import Outlet

GOALS_S = {
    "full_count_expected_list": 5.0,
    "apply_10000_counted_lines": 5.0,
    "receive_1000_line_order": 2.0,
}
RECEIVED_LINES = 1_000
APPLIED_LINES = 10_000
CHUNK = 20_000


def seed(db: Database, *, products: int, rng: random.Random) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """An outlet and `products` products, each with a level there (count and value)."""
    now = datetime.now(UTC)
    outlet_id = uuid.uuid4()
    ids = [uuid.uuid4() for _ in range(products)]
    with db.write_sessions() as session, session.begin():
        session.execute(
            insert(Outlet).values(
                id=outlet_id,
                name="Bench outlet",
                time_zone="Europe/Paris",
                version=allocate_versions(session, 1)[0],
                created_at=now,
                updated_at=now,
            )
        )
        product_versions = allocate_versions(session, products)
        level_versions = allocate_versions(session, products)
        for start in range(0, products, CHUNK):
            rows: list[dict[str, Any]] = []
            levels: list[dict[str, Any]] = []
            for n in range(start, min(start + CHUNK, products)):
                count = Decimal(rng.randint(0, 40))
                rows.append(
                    {
                        "id": ids[n],
                        "handle": f"product-{n}",
                        "sku": f"SKU-{n:07d}",
                        "name": f"Product {n}",
                        "description": None,
                        "price_excluding_tax": Decimal("10.00"),
                        "price_including_tax": Decimal("12.00"),
                        "supply_price": Decimal("5.00"),
                        "tax_id": None,
                        "active": True,
                        "has_inventory": True,
                        "source": "USER",
                        "family_id": ids[n],
                        "is_composite": False,
                        "brand_id": None,
                        "product_type_id": None,
                        "supplier_id": None,
                        "supplier_code": None,
                        "account_code": None,
                        "account_code_purchase": None,
                        "search_text": f"product {n} sku-{n:07d}",
                        "version": product_versions[n],
                        "created_at": now,
                        "updated_at": now,
                        "deleted_at": None,
                    }
                )
                levels.append(
                    {
                        "id": uuid.uuid4(),
                        "product_id": ids[n],
                        "outlet_id": outlet_id,
                        "count": count,
                        "value": count * Decimal("5.00"),
                        "reorder_point": None,
                        "reorder_amount": None,
                        "version": level_versions[n],
                        "updated_at": now,
                    }
                )
            executemany(session, cast(Table, Product.__table__), rows)
            executemany(session, cast(Table, InventoryLevel.__table__), levels)
    return outlet_id, ids


def _started(db: Database, *, outlet_id: uuid.UUID, filters: Any) -> tuple[uuid.UUID, float]:
    with db.unit_of_work() as uow:
        count = stocktakes.create_stocktake(
            uow, outlet_id=outlet_id, name="Bench count", filters=filters, user_id=None
        )
        uow.commit()
    started = time.perf_counter()
    with db.unit_of_work() as uow:
        stocktakes.start_stocktake(uow, consignment_id=count.id, user_id=None)
        uow.commit()
    return count.id, time.perf_counter() - started


def time_full_count(db: Database, *, outlet_id: uuid.UUID) -> dict[str, Any]:
    count_id, seconds = _started(db, outlet_id=outlet_id, filters=None)
    with db.read_sessions() as session:
        lines = session.scalar(
            select(func.count())
            .select_from(ConsignmentProduct)
            .where(ConsignmentProduct.consignment_id == count_id)
        )
    return {"lines": lines, "seconds": round(seconds, 3)}


def time_apply(
    db: Database, *, outlet_id: uuid.UUID, ids: list[uuid.UUID], rng: random.Random
) -> dict[str, Any]:
    picked = tuple(rng.sample(ids, APPLIED_LINES))
    count_id, _ = _started(
        db, outlet_id=outlet_id, filters=stocktakes.StocktakeFilters(product_ids=picked)
    )
    counts = [(product_id, rng.randint(0, 40)) for product_id in picked]
    started = time.perf_counter()
    with db.unit_of_work() as uow:
        stocktakes.count_products(
            uow, consignment_id=count_id, counts=counts, user_id=None, delivery_id=uuid.uuid4()
        )
        uow.commit()
    counted = time.perf_counter() - started
    started = time.perf_counter()
    with db.unit_of_work() as uow:
        applied = stocktakes.apply_stocktake(
            uow, consignment_id=count_id, uncounted="zero", user_id=None
        )
        uow.commit()
    seconds = time.perf_counter() - started
    return {
        "lines": APPLIED_LINES,
        "adjusted": applied.adjusted,
        "count_batch_seconds": round(counted, 3),
        "seconds": round(seconds, 3),
    }


def time_purchase_order_receipt(backend: str, *, seed_value: int) -> dict[str, Any]:
    """Receiving a 1,000-line purchase order, both ways purchase_order_receipt.py times it."""
    with throwaway_database(backend, prefix="comptoir-stock-orders-bench-") as url:
        receipt = purchase_order_receipt.run(url, lines=RECEIVED_LINES, seed=seed_value)
    seconds = max(
        receipt["receive_everything_outstanding_seconds"],
        receipt["receive_typed_lines_new_supply_price_seconds"],
    )
    return {**receipt, "seconds": seconds}


def run(url: str, *, products: int, seed_value: int) -> dict[str, Any]:
    rng = random.Random(seed_value)
    upgrade_database(url)
    db = open_signing_database(url)
    try:
        started = time.perf_counter()
        outlet_id, ids = seed(db, products=products, rng=rng)
        analyze(db.writer)
        figures: dict[str, Any] = {"seed_seconds": round(time.perf_counter() - started, 1)}
        figures["full_count_expected_list"] = time_full_count(db, outlet_id=outlet_id)
        figures["apply_10000_counted_lines"] = time_apply(db, outlet_id=outlet_id, ids=ids, rng=rng)
        return figures
    finally:
        db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = database_bench_parser(__doc__, seed=13)
    parser.add_argument("--products", type=int, default=300_000)
    args = parser.parse_args(argv)
    with throwaway_database(args.backend, prefix="comptoir-stock-operations-bench-") as url:
        figures = run(url, products=args.products, seed_value=args.seed)
    figures["receive_1000_line_order"] = time_purchase_order_receipt(
        args.backend, seed_value=args.seed
    )
    met = {f"{name}_le_{goal}s": figures[name]["seconds"] <= goal for name, goal in GOALS_S.items()}
    print(
        json.dumps(
            {
                "benchmark": "stock_operations",
                "backend": args.backend,
                "python": platform.python_version(),
                "products": args.products,
                "figures": figures,
                "targets_met": met,
            },
            indent=2,
        )
    )
    return 0 if all(met.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
