"""Sales history over 1,000,000 sales: server-side time of sales.search.

    python bench/sales_history.py --backend sqlite|postgresql [--sales N] [--queries N]

It migrates a fresh database, seeds the demo store and N sales over two years (one line and
one payment each, mostly closed, some parked, laybys, on account, voided, quotes and
returns; sales_history_data.py, bulk inserts through SQLAlchemy Core), then times in
process what the history page and the receipt scanner run:

- `page`: one history page (`page_history`, 50 sales with their lines and payments) for a
  date range and a register, a customer or an invoice number, the in-progress tab of a
  register, and the next page of a register's week; goal p95 <= 50 ms;
- `barcode`: `find_by_invoice` for a receipt's invoice number; goal p95 <= 20 ms.

Prints p50/p95/p99 in ms per kind as JSON and exits 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from benchlib import (
    analyze,
    database_bench_parser,
    open_signing_database,
    percentiles,
    throwaway_database,
)
from sales_history_data import DAYS, START, Seeded, seed_sales
from sqlalchemy.orm import Session

from comptoir.migrate import upgrade_database
from comptoir.sales import search

PAGE_GOAL_MS = 50
BARCODE_GOAL_MS = 20

Ask = Callable[[Session, random.Random], int]


def _range(rng: random.Random, days: int) -> dict[str, Any]:
    start = START + timedelta(days=rng.randrange(DAYS - days))
    return {"date_from": start, "date_to": start + timedelta(days=days)}


def _page(session: Session, **filters: Any) -> int:
    page = search.page_history(session, search=search.SaleSearch(**filters))
    return len(page.sales)


def kinds(seeded: Seeded) -> dict[str, Ask]:
    def register_week(session: Session, rng: random.Random) -> int:
        register = rng.choice(seeded.registers)
        return _page(session, register_id=register.id, **_range(rng, 7))

    def register_next_page(session: Session, rng: random.Random) -> int:
        filters = {"register_id": rng.choice(seeded.registers).id, **_range(rng, 7)}
        first = search.page_history(session, search=search.SaleSearch(**filters))
        started = time.perf_counter()
        page = search.page_history(
            session, search=search.SaleSearch(**filters), after=first.next_cursor
        )
        # Only the second page is timed: the caller's clock started before the first.
        return -int((time.perf_counter() - started) * 1_000_000) if page.sales else 0

    def customer_year(session: Session, rng: random.Random) -> int:
        return _page(session, customer_id=rng.choice(seeded.customer_ids), **_range(rng, 365))

    def invoice_month(session: Session, rng: random.Random) -> int:
        return _page(session, invoice_number=rng.choice(seeded.invoices), **_range(rng, 30))

    def in_progress_month(session: Session, rng: random.Random) -> int:
        register = rng.choice(seeded.registers)
        return _page(session, register_id=register.id, tab="in_progress", **_range(rng, 30))

    def whole_store_day(session: Session, rng: random.Random) -> int:
        return _page(session, **_range(rng, 1))

    return {
        "register_week": register_week,
        "register_next_page": register_next_page,
        "customer_year": customer_year,
        "invoice_month": invoice_month,
        "in_progress_month": in_progress_month,
        "whole_store_day": whole_store_day,
    }


def barcode(seeded: Seeded) -> Ask:
    def find(session: Session, rng: random.Random) -> int:
        found = search.find_by_invoice(session, invoice_number=rng.choice(seeded.invoices))
        return int(found is not None)

    return find


def time_kind(session: Session, ask: Ask, rng: random.Random, queries: int) -> dict[str, Any]:
    for _ in range(20):
        ask(session, rng)
        session.expunge_all()
    timings: list[float] = []
    found = 0
    for _ in range(queries):
        started = time.perf_counter()
        count = ask(session, rng)
        elapsed = (time.perf_counter() - started) * 1000
        if count < 0:  # the ask timed itself (a second page), in microseconds
            elapsed, count = -count / 1000, 1
        session.expunge_all()
        timings.append(elapsed)
        found += bool(count)
    return {**percentiles(timings), "with_results": found}


def run(url: str, args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    upgrade_database(url)
    db = open_signing_database(url)
    try:
        started = time.perf_counter()
        seeded = seed_sales(db, count=args.sales, rng=rng)
        analyze(db.writer)
        seeded_s = time.perf_counter() - started
        pages: dict[str, Any] = {}
        with db.read_sessions() as session:
            for kind, ask in kinds(seeded).items():
                pages[kind] = time_kind(session, ask, rng, args.queries)
            scans = time_kind(session, barcode(seeded), rng, args.queries)
        return {"seed_seconds": round(seeded_s, 1), "page": pages, "barcode": scans}
    finally:
        db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = database_bench_parser(__doc__, seed=7)
    parser.add_argument("--sales", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args(argv)
    with throwaway_database(args.backend, prefix="comptoir-sales-history-bench-") as url:
        figures = run(url, args)
    worst_page = max(kind["p95_ms"] for kind in figures["page"].values())
    met = {
        "page_p95_le_50ms": worst_page <= PAGE_GOAL_MS,
        "barcode_p95_le_20ms": figures["barcode"]["p95_ms"] <= BARCODE_GOAL_MS,
    }
    print(
        json.dumps(
            {
                "benchmark": "sales_history",
                "backend": args.backend,
                "sales": args.sales,
                "queries_per_kind": args.queries,
                "python": platform.python_version(),
                **figures,
                "worst_page_p95_ms": worst_page,
                "targets_met": met,
            },
            indent=2,
        )
    )
    return 0 if all(met.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
