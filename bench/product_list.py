"""The product list page's queries over 200,000 products: filters and keyset paging.

    python bench/product_list.py --backend sqlite|postgresql [--products N] [--pages N]
        [--plans]

It migrates a fresh database (an SQLite file in a temporary directory, or a throw-away
PostgreSQL cluster), seeds N products by bulk inserts (the names and codes of
bench/catalog_search.py; about a quarter of them in variant families of 2 to 6 sharing a
name; 200 brands, 40 suppliers, 80 types, 300 tags with 0 to 3 per product, 2 outlets with a
stock level per product and outlet, half of them with a reorder point, about 3 % at or below
it; 2 % inactive, 1 % deleted), then times in process what the page asks the database for:
`catalog.service.list_product_families` (the page of families and their members) and the
stock of the listed products at each outlet. Each kind of page is asked for many times with
varied values: the first page, pages deep in the list (after a random key, and backwards),
each filter alone (a common and a rare brand), the search, and combinations. It prints one
JSON object with p50/p95/p99 in ms per kind and overall; `--plans` adds each kind's query
plan (EXPLAIN QUERY PLAN / EXPLAIN) to show which index it uses.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from benchlib import (
    analyze,
    database_bench_parser,
    open_signing_database,
    percentiles,
    throwaway_database,
)
from catalog_search import make_rows
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from comptoir.catalog import service as catalog
from comptoir.catalog.models import Brand, Product, ProductCode, ProductTag, ProductType, Supplier
from comptoir.catalog.models import Tag as TagRow
from comptoir.core.versioning import VERSION_COUNTER, StoreCounter
from comptoir.inventory import service as inventory
from comptoir.inventory.models import InventoryLevel
from comptoir.migrate import upgrade_database
from comptoir.store.models import Outlet

PAGE = 50


def _entities(model: Any, count: int, prefix: str, now: datetime, first_version: int) -> list[Any]:
    return [
        {
            "id": uuid.uuid4(),
            "name": f"{prefix} {n:03d}",
            "version": first_version + n,
            "created_at": now,
            "updated_at": now,
        }
        for n in range(count)
    ]


def seed(session: Session, count: int, rng: random.Random) -> dict[str, Any]:
    """Insert the catalog; returns the ids the queries pick their filter values from."""
    now = datetime.now(UTC)
    products, codes = make_rows(count, rng)
    version = count
    brands = _entities(Brand, 200, "Brand", now, version + 1)
    suppliers = _entities(Supplier, 40, "Supplier", now, version + 201)
    types = _entities(ProductType, 80, "Type", now, version + 241)
    tags = _entities(TagRow, 300, "Tag", now, version + 321)
    version += 621
    for model, rows in ((Brand, brands), (Supplier, suppliers), (ProductType, types)):
        session.execute(insert(model), rows)
    session.execute(insert(TagRow), tags)
    # A few brands are rare (a handful of products): the worst case for a filter that would
    # walk the name order looking for them.
    rare_brand = brands[0]["id"]
    product_tags: list[dict[str, Any]] = []
    index = 0
    while index < len(products):
        size = rng.randint(2, 6) if rng.random() < 0.08 else 1
        family = products[index : index + size]
        head = family[0]
        brand = rare_brand if rng.random() < 0.0002 else rng.choice(brands[1:])["id"]
        supplier, kind = rng.choice(suppliers)["id"], rng.choice(types)["id"]
        family_tags = rng.sample(tags, rng.choice((0, 1, 1, 2, 3)))
        for member in family:
            member.update(
                name=head["name"],
                family_id=head["id"],
                brand_id=brand,
                supplier_id=supplier,
                product_type_id=kind,
            )
            product_tags.extend(
                {"product_id": member["id"], "tag_id": t["id"]} for t in family_tags
            )
        index += size
    outlets = [
        {
            "id": uuid.uuid4(),
            "name": f"Outlet {n}",
            "time_zone": "Europe/Paris",
            "version": version + n + 1,
            "created_at": now,
            "updated_at": now,
        }
        for n in range(2)
    ]
    version += 2
    session.execute(insert(Outlet), outlets)
    levels: list[dict[str, Any]] = []
    for product in products:
        for outlet in outlets:
            version += 1
            has_point = rng.random() < 0.5
            low = has_point and rng.random() < 0.06
            levels.append(
                {
                    "id": uuid.uuid4(),
                    "product_id": product["id"],
                    "outlet_id": outlet["id"],
                    "count": Decimal(rng.randint(0, 4) if low else rng.randint(6, 40)),
                    "reorder_point": Decimal(5) if has_point else None,
                    "reorder_amount": Decimal(20) if has_point else None,
                    "version": version,
                    "updated_at": now,
                }
            )
    for i in range(0, len(products), 5000):
        session.execute(insert(Product), products[i : i + 5000])
        session.execute(insert(ProductCode), codes[i : i + 5000])
    for i in range(0, len(product_tags), 5000):
        session.execute(insert(ProductTag), product_tags[i : i + 5000])
    for i in range(0, len(levels), 5000):
        session.execute(insert(InventoryLevel), levels[i : i + 5000])
    session.execute(
        update(StoreCounter).where(StoreCounter.name == VERSION_COUNTER).values(value=version)
    )
    return {
        "brands": [b["id"] for b in brands[1:]],
        "rare_brand": rare_brand,
        "suppliers": [s["id"] for s in suppliers],
        "types": [t["id"] for t in types],
        "tags": [t["id"] for t in tags],
        "outlets": [o["id"] for o in outlets],
        "names": [p["name"] for p in products],
        "families": [p["family_id"] for p in products],
    }


Ask = Callable[[random.Random], dict[str, Any]]


def kinds(ids: dict[str, Any]) -> dict[str, Ask]:
    """Each kind of page the list is asked for, as the arguments of list_product_families."""

    def key(rng: random.Random) -> catalog.FamilyKey:
        n = rng.randrange(len(ids["names"]))
        return catalog.FamilyKey(ids["names"][n], ids["families"][n])

    def only(**criteria: Any) -> dict[str, Any]:
        return {"filters": catalog.ProductFilter(**criteria)}

    return {
        "first_page": lambda rng: {},
        "deep_page_after": lambda rng: {"after": key(rng)},
        "deep_page_before": lambda rng: {"before": key(rng)},
        "brand": lambda rng: only(brand_id=rng.choice(ids["brands"])),
        "rare_brand": lambda rng: only(brand_id=ids["rare_brand"]),
        "supplier_deep": lambda rng: {
            **only(supplier_id=rng.choice(ids["suppliers"])),
            "after": key(rng),
        },
        "type": lambda rng: only(product_type_id=rng.choice(ids["types"])),
        "tag": lambda rng: only(tag_id=rng.choice(ids["tags"])),
        "inactive": lambda rng: only(active=False),
        "low_stock": lambda rng: only(low_stock_at=rng.choice(ids["outlets"])),
        "search_word": lambda rng: only(text=rng.choice(["cafe", "the vert", "bougie", "savon"])),
        "search_prefix": lambda rng: only(text=rng.choice(["ca", "bo", "cr"])),
        "search_sku": lambda rng: only(text=f"SKU-{rng.randrange(len(ids['names'])):07d}"),
        "brand_and_tag": lambda rng: only(
            brand_id=rng.choice(ids["brands"]), tag_id=rng.choice(ids["tags"])
        ),
        "search_brand_low_stock": lambda rng: only(
            text="cafe", brand_id=rng.choice(ids["brands"]), low_stock_at=ids["outlets"][0]
        ),
    }


def load_page(session: Session, outlets: list[uuid.UUID], arguments: dict[str, Any]) -> int:
    """What the page reads: the families of the page and their stock at each outlet."""
    page = catalog.list_product_families(session, limit=PAGE, **arguments)
    listed = [p.id for family in page.families for p in family]
    for outlet in outlets:
        inventory.stock_by_product(session, product_ids=listed, outlet_id=outlet)
    return len(listed)


def plan_of(session: Session, arguments: dict[str, Any]) -> list[str]:
    """The query plan of the page query (the families in name order)."""
    captured: list[Any] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "GROUP BY" in statement:  # the page's families (not a filter's ids read first)
            captured.append((statement, parameters))

    bind = session.get_bind()
    from sqlalchemy import event

    event.listen(bind, "before_cursor_execute", capture)
    try:
        catalog.list_product_families(session, limit=PAGE, **arguments)
    finally:
        event.remove(bind, "before_cursor_execute", capture)
    statement, parameters = captured[0]
    connection = session.connection().connection.driver_connection
    assert connection is not None
    if bind.dialect.name == "sqlite":
        rows = connection.execute(f"EXPLAIN QUERY PLAN {statement}", parameters).fetchall()
        return [str(row[-1]) for row in rows]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {statement}", parameters)
        return [str(row[0]) for row in cursor.fetchall()]


def run(url: str, args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    upgrade_database(url)
    db = open_signing_database(url)
    try:
        started = time.perf_counter()
        with db.write_sessions() as session, session.begin():
            ids = seed(session, args.products, rng)
        analyze(db.writer)
        seeded_s = time.perf_counter() - started
        asks = kinds(ids)
        timings: dict[str, list[float]] = {}
        plans: dict[str, list[str]] = {}
        listed: dict[str, int] = {}
        with db.read_sessions() as session:
            outlets = list(session.scalars(select(Outlet.id)))
            for kind, ask in asks.items():  # warm-up, and the plans
                load_page(session, outlets, ask(rng))
                if args.plans:
                    plans[kind] = plan_of(session, ask(rng))
            for _ in range(args.pages):
                for kind, ask in asks.items():
                    arguments = ask(rng)
                    t0 = time.perf_counter()
                    count = load_page(session, outlets, arguments)
                    elapsed = (time.perf_counter() - t0) * 1000
                    session.expunge_all()
                    timings.setdefault(kind, []).append(elapsed)
                    listed[kind] = listed.get(kind, 0) + count
        everything = [t for values in timings.values() for t in values]
        return {
            "seed_seconds": round(seeded_s, 1),
            "all": percentiles(everything),
            "by_kind": {
                kind: {**percentiles(values), "products_per_page": listed[kind] // len(values)}
                for kind, values in timings.items()
            },
            **({"plans": plans} if args.plans else {}),
        }
    finally:
        db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = database_bench_parser(__doc__, seed=8)
    parser.add_argument("--products", type=int, default=200_000)
    parser.add_argument("--pages", type=int, default=100, help="pages asked per kind")
    parser.add_argument("--plans", action="store_true")
    args = parser.parse_args(argv)
    with throwaway_database(args.backend, prefix="comptoir-list-bench-") as url:
        figures = run(url, args)
    print(
        json.dumps(
            {
                "benchmark": "product_list",
                "backend": args.backend,
                "products": args.products,
                "page_size": PAGE,
                "pages_per_kind": args.pages,
                "python": platform.python_version(),
                **figures,
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
