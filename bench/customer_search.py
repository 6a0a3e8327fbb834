"""Customer search over 200,000 customers: server-side time of customers.service.search_customers.

    python bench/customer_search.py --backend sqlite|postgresql [--customers N] [--queries N]

It migrates a fresh database, seeds N customers (French first and last names with accents,
codes, emails, mobiles, some companies) by bulk inserts through SQLAlchemy Core (the FTS5
triggers fill the SQLite index; `search_text` is folded here as the ORM event would), then
calls `search_customers(limit=20)` in process for varied queries — a first name, a last
name, both in either order, a prefix, an accented spelling, a scanned customer code, an
email, a phone number, a word matching nothing — and prints p50/p95/p99 in ms per query kind
and overall as JSON. Everything temporary is removed afterwards.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from benchlib import (
    analyze,
    database_bench_parser,
    open_signing_database,
    throwaway_database,
    time_searches,
)
from sqlalchemy import insert, update

from comptoir.core.textsearch import fold
from comptoir.core.versioning import VERSION_COUNTER, StoreCounter
from comptoir.customers import groups
from comptoir.customers import service as customers
from comptoir.customers.models import Customer, customer_search_text
from comptoir.migrate import upgrade_database

FIRST = [
    "Léa",
    "Hugo",
    "Chloé",
    "Louis",
    "Emma",
    "Gabriel",
    "Zoé",
    "Raphaël",
    "Inès",
    "Jules",
    "Anaïs",
    "Noé",
    "Maëlle",
    "Théo",
    "Océane",
    "Mathéo",
    "Clémence",
    "Adèle",
    "Jérôme",
    "Hélène",
    "Benoît",
    "Françoise",
    "Sébastien",
    "Agnès",
    "Rémi",
    "Éloïse",
    "Lucas",
    "Camille",
    "Manon",
    "Nathan",
    "Sarah",
    "Thomas",
    "Julie",
    "Antoine",
    "Pauline",
    "Nicolas",
    "Céline",
    "Yannick",
]
LAST = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Lefebvre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Légaré",
    "Brûlé",
    "Château",
    "Müller",
    "Ødegaard",
    "Lemaître",
    "Béranger",
    "Crépin",
    "Hébert",
    "Noël",
    "Poirier",
    "Rivière",
    "Gauthier",
    "Perrin",
    "Renaud",
    "Barbier",
]
COMPANIES = ("ACME", "Boulangerie Élise", "Café du Port", "Atelier Noé", "SARL Dupont")


def make_rows(count: int, group_id: uuid.UUID, rng: random.Random) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for n in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        mobile = (
            f"06 {n // 1000000 % 100:02d} {n // 10000 % 100:02d} {n // 100 % 100:02d} {n % 100:02d}"
        )
        customer = Customer(
            id=uuid.uuid4(),
            customer_code=f"C-{100000 + n}",
            customer_group_id=group_id,
            first_name=first,
            last_name=last,
            company_name=rng.choice(COMPANIES) if rng.random() < 0.05 else None,
            email=f"{fold(first)}.{fold(last)}{n}@example.fr".replace(" ", ""),
            mobile=mobile,
        )
        rows.append(
            {
                "id": customer.id,
                "customer_code": customer.customer_code,
                "customer_group_id": group_id,
                "first_name": first,
                "last_name": last,
                "company_name": customer.company_name,
                "email": customer.email,
                "mobile": mobile,
                "do_not_email": False,
                "enable_loyalty": False,
                "search_text": customer_search_text(customer),
                "version": n + 2,
                "created_at": now,
                "updated_at": now,
                "deleted_at": now if rng.random() < 0.01 else None,
            }
        )
    return rows


def make_queries(
    count: int, rows: list[dict[str, Any]], rng: random.Random
) -> list[tuple[str, str]]:
    kinds = (
        "first_name",
        "last_name",
        "both_any_order",
        "prefix",
        "accented",
        "code",
        "email",
        "phone",
        "none",
    )
    queries: list[tuple[str, str]] = []
    for i in range(count):
        kind = kinds[i % len(kinds)]
        row = rng.choice(rows)
        if kind == "first_name":
            q = fold(row["first_name"])
        elif kind == "last_name":
            q = row["last_name"]
        elif kind == "both_any_order":
            q = f"{fold(row['last_name'])} {fold(row['first_name'])[:3]}"
        elif kind == "prefix":
            q = fold(row["last_name"])[: rng.randint(2, 4)]
        elif kind == "accented":
            q = rng.choice([w for w in FIRST + LAST if fold(w) != w.lower()]).upper()
        elif kind == "code":
            q = row["customer_code"]
        elif kind == "email":
            q = row["email"]
        elif kind == "phone":
            q = row["mobile"].replace(" ", "")
        else:
            q = rng.choice(["zzyzx", "quux frobnicate", "xylophone"])
        queries.append((kind, q))
    return queries


def run(url: str, args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    upgrade_database(url)
    db = open_signing_database(url)
    try:
        started = time.perf_counter()
        with db.write_sessions() as session, session.begin():
            group_id = groups.default_group(session).id
            session.execute(
                update(StoreCounter).where(StoreCounter.name == VERSION_COUNTER).values(value=1)
            )
        rows = make_rows(args.customers, group_id, rng)
        with db.write_sessions() as session, session.begin():
            for i in range(0, len(rows), 5000):
                session.execute(insert(Customer), rows[i : i + 5000])
            session.execute(
                update(StoreCounter)
                .where(StoreCounter.name == VERSION_COUNTER)
                .values(value=len(rows) + 1)
            )
        analyze(db.writer)
        seeded_s = time.perf_counter() - started
        queries = make_queries(args.queries, rows, rng)
        with db.read_sessions() as session:
            figures = time_searches(
                session,
                queries,
                lambda session, typed: customers.search_customers(session, text=typed, limit=20),
            )
        return {"seed_seconds": round(seeded_s, 1), **figures}
    finally:
        db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = database_bench_parser(__doc__, seed=5)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=3_000)
    args = parser.parse_args(argv)
    with throwaway_database(args.backend, prefix="comptoir-customer-bench-") as url:
        figures = run(url, args)
    result = {
        "benchmark": "customer_search",
        "backend": args.backend,
        "customers": args.customers,
        "queries": args.queries,
        "limit": 20,
        "python": platform.python_version(),
        **figures,
        "target_p95_ms": 10,
        "target_met": figures["all"]["p95_ms"] <= 10,
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
