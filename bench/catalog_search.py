"""Product search over 200,000 products: server-side time of catalog.service.search_products.

    python bench/catalog_search.py --backend sqlite|postgresql [--products N] [--queries N]

It migrates a fresh database with comptoir.migrate.upgrade_database (an SQLite file in a
temporary directory, or a throw-away PostgreSQL cluster from comptoir.testing.pgcluster),
seeds N products (names from a French/English vocabulary with accents, each with a SKU, a
handle and one EAN barcode) by bulk inserts through SQLAlchemy Core (the FTS5 triggers fill
the SQLite index; `search_text` is folded here as the ORM event would), then calls
`search_products(limit=20)` in process for many varied queries (whole words, prefixes,
accented and unaccented spellings, words in any order, SKUs, barcodes, words that match
nothing) and prints one JSON object with p50/p95/p99 in ms per query kind and overall.
Everything temporary is removed afterwards.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from benchlib import (
    analyze,
    database_bench_parser,
    open_signing_database,
    throwaway_database,
    time_searches,
)
from sqlalchemy import insert, update

from comptoir.catalog import service as catalog
from comptoir.catalog.models import Product, ProductCode
from comptoir.catalog.search import search_text_of
from comptoir.core.versioning import VERSION_COUNTER, StoreCounter
from comptoir.migrate import upgrade_database

NOUNS = [
    "Café",
    "Thé",
    "Chocolat",
    "Éponge",
    "Savon",
    "Bougie",
    "Crème",
    "Huile",
    "Vinaigre",
    "Moutarde",
    "Confiture",
    "Miel",
    "Farine",
    "Sucre",
    "Pâtes",
    "Riz",
    "Biscuit",
    "Gâteau",
    "Brioche",
    "Fromage",
    "Yaourt",
    "Beurre",
    "Jambon",
    "Saucisson",
    "Pâté",
    "Terrine",
    "Bière",
    "Cidre",
    "Vin",
    "Jus",
    "Sirop",
    "Limonade",
    "Eau",
    "Tisane",
    "Infusion",
    "Carnet",
    "Stylo",
    "Crayon",
    "Cahier",
    "Classeur",
    "Enveloppe",
    "Ciseaux",
    "Colle",
    "Règle",
    "Gomme",
    "Assiette",
    "Bol",
    "Tasse",
    "Verre",
    "Carafe",
    "Théière",
    "Cafetière",
    "Casserole",
    "Poêle",
    "Couteau",
    "Fourchette",
    "Cuillère",
    "Torchon",
    "Serviette",
    "Nappe",
]
QUALIFIERS = [
    "crème",
    "noir",
    "blanc",
    "vert",
    "rouge",
    "bio",
    "équitable",
    "fumé",
    "salé",
    "sucré",
    "doux",
    "fort",
    "léger",
    "épicé",
    "grillé",
    "glacé",
    "frais",
    "sec",
    "moulu",
    "entier",
    "arabica",
    "robusta",
    "vanille",
    "citron",
    "fraise",
    "framboise",
    "pêche",
    "abricot",
    "noisette",
    "amande",
    "caramel",
    "cannelle",
    "gingembre",
    "menthe",
    "réglisse",
    "lavande",
    "rose",
    "violette",
    "châtaigne",
    "poire",
    "pomme",
    "cerise",
]
BRANDS = [
    "Maison Dupré",
    "Les Délices",
    "Comptoir Breton",
    "Atelier Céleste",
    "Bonne Mère",
    "L'Épicier",
    "Château Vert",
    "Ferme Élise",
    "Nordique",
    "Provençal",
    "Saveurs d'Été",
    "Petit Marché",
]
SIZES = ("100g", "250g", "500g", "1kg", "33cl", "75cl", "1L", "x6", "x12", "A4", "A5", "")


def fold_ascii(word: str) -> str:
    return search_text_of(word, None, None)


def make_rows(count: int, rng: random.Random) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    now = datetime.now(UTC)
    products: list[dict[str, Any]] = []
    codes: list[dict[str, Any]] = []
    for n in range(count):
        name = " ".join(
            part
            for part in (
                rng.choice(NOUNS),
                rng.choice(QUALIFIERS),
                rng.choice(QUALIFIERS) if rng.random() < 0.4 else "",
                rng.choice(BRANDS),
                rng.choice(SIZES),
            )
            if part
        )
        sku = f"SKU-{n:07d}"
        handle = f"{fold_ascii(name).replace(' ', '')}{n}"
        pid = uuid.uuid4()
        products.append(
            {
                "id": pid,
                "handle": handle,
                "sku": sku,
                "name": name,
                "description": None,
                "price_excluding_tax": Decimal("10.00000"),
                "price_including_tax": Decimal("12.00000"),
                "supply_price": Decimal("5.00000"),
                "tax_id": None,
                "active": rng.random() > 0.02,
                "has_inventory": True,
                "source": "USER",
                "search_text": search_text_of(name, sku, handle),
                "version": n + 1,
                "created_at": now,
                "updated_at": now,
                "deleted_at": now if rng.random() < 0.01 else None,
            }
        )
        codes.append({"id": uuid.uuid4(), "product_id": pid, "type": "EAN", "code": f"376{n:010d}"})
    return products, codes


def make_queries(
    count: int, products: list[dict[str, Any]], rng: random.Random
) -> list[tuple[str, str]]:
    queries: list[tuple[str, str]] = []
    kinds = ("word", "prefix", "accented", "two_words_any_order", "sku", "barcode", "none")
    for i in range(count):
        kind = kinds[i % len(kinds)]
        product = rng.choice(products)
        words = product["name"].split()
        if kind == "word":
            q = fold_ascii(rng.choice(words))
        elif kind == "prefix":
            word = fold_ascii(rng.choice(words[:2]))
            q = word[: rng.randint(2, max(2, min(5, len(word))))]
        elif kind == "accented":
            q = rng.choice([w for w in NOUNS + QUALIFIERS if fold_ascii(w) != w.lower()]).upper()
        elif kind == "two_words_any_order":
            second = fold_ascii(words[1])
            q = f"{second} {fold_ascii(words[0])[:3]}"
        elif kind == "sku":
            q = product["sku"]
        elif kind == "barcode":
            q = f"376{int(product['sku'][4:]):010d}"
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
        products, codes = make_rows(args.products, rng)
        with db.write_sessions() as session, session.begin():
            for i in range(0, len(products), 5000):
                session.execute(insert(Product), products[i : i + 5000])
                session.execute(insert(ProductCode), codes[i : i + 5000])
            session.execute(
                update(StoreCounter)
                .where(StoreCounter.name == VERSION_COUNTER)
                .values(value=len(products))
            )
        analyze(db.writer)
        seeded_s = time.perf_counter() - started
        queries = make_queries(args.queries, products, rng)
        with db.read_sessions() as session:
            figures = time_searches(
                session,
                queries,
                lambda session, typed: catalog.search_products(session, text=typed, limit=20),
            )
        return {"seed_seconds": round(seeded_s, 1), **figures}
    finally:
        db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = database_bench_parser(__doc__, seed=4)
    parser.add_argument("--products", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=3_000)
    args = parser.parse_args(argv)
    with throwaway_database(args.backend, prefix="comptoir-search-bench-") as url:
        figures = run(url, args)
    result = {
        "benchmark": "catalog_search",
        "backend": args.backend,
        "products": args.products,
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
