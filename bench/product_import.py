"""Importing 100,000 product rows with variants into a fresh store: read, check, write.

    python bench/product_import.py --backend sqlite|postgresql [--families N] [--variants N]
        [--formats csv,xlsx] [--seed N]

It generates a Lightspeed X-Series product file in memory (25,000 families x 4 variants by
default: two variant attributes, 2 outlets with stock, reorder points and restock levels,
50 brands, 20 suppliers, 15 types, 2 tags per family, one tax per outlet), migrates a fresh
database (an SQLite file in a temporary directory, or a throw-away cluster from
comptoir.testing.pgcluster.start()), creates the store with its outlets and taxes, and
times `comptoir.catalog.transfer.service`:

- `validate`: `read_products` (reading the file, parsing and checking every cell);
- `import`: `import_read` (matching the rows to the store, checking them, and writing every
  product, variant option, tag, outlet stock through the ledger and reorder setting in one
  transaction, committed).

It prints one JSON object and exits 1 when an import fails or a format takes over the 30 s
target. Everything temporary is removed afterwards.
"""

from __future__ import annotations

import json
import platform
import random
import sys
import time
from decimal import Decimal
from typing import Any

from benchlib import database_bench_parser, open_signing_database, throwaway_database
from sqlalchemy import func, select

from comptoir.catalog.models import Product
from comptoir.catalog.transfer import service as transfer
from comptoir.catalog.transfer.format import export_header
from comptoir.core.db import Database
from comptoir.inventory.models import InventoryLevel, InventoryMovement
from comptoir.io import write_csv, write_xlsx
from comptoir.migrate import upgrade_database
from comptoir.setup import ensure_retailer
from comptoir.store import service as store

TARGET_SECONDS = 30.0
OUTLETS = ("Main Street", "Gare")
NOUNS = ["T-shirt", "Sweat", "Chemise", "Pull", "Robe", "Jupe", "Veste", "Pantalon", "Short"]
QUALIFIERS = ["coton", "lin", "laine", "bio", "rayé", "uni", "brodé", "vintage", "léger"]
COLOURS = ["Rouge", "Bleu", "Vert", "Noir", "Blanc", "Écru"]
SIZES = ["XS", "S", "M", "L", "XL", "XXL"]


def generate(families: int, variants: int, seed: int) -> tuple[list[str], list[list[Any]]]:
    rng = random.Random(seed)
    header = export_header(list(OUTLETS))
    index = {name: i for i, name in enumerate(header)}
    rows: list[list[Any]] = []
    combos = [(c, s) for c in COLOURS for s in SIZES]
    for family in range(families):
        name = f"{rng.choice(NOUNS)} {rng.choice(QUALIFIERS)} {family}"
        brand, supplier = f"Marque {family % 50}", f"Fournisseur {family % 20}"
        tags = f"saison {family % 4}, collection {family % 26}"
        price = Decimal(rng.randrange(500, 9000)) / 100
        for colour, size in rng.sample(combos, variants):
            row: list[Any] = [""] * len(header)
            values = {
                "handle": f"famille-{family}",
                "sku": f"F{family}-{colour}-{size}",
                "name": name,
                "description": f"<p>{name}, {colour.lower()}</p>",
                "type": f"Rayon {family % 15}",
                "variant_option_one_name": "Couleur",
                "variant_option_one_value": colour,
                "variant_option_two_name": "Taille",
                "variant_option_two_value": size,
                "tags": tags,
                "supply_price": price * Decimal("0.4"),
                "retail_price": price,
                "tax": "TVA 20 %",
                "outlet_tax_Main_Street": "TVA 20 %",
                "outlet_tax_Gare": "TVA 20 %",
                "brand_name": brand,
                "supplier_name": supplier,
                "supplier_code": f"REF-{family}-{colour}{size}",
                "active": 1,
                "track_inventory": 1,
                "inventory_Main_Street": rng.randrange(0, 40),
                "reorder_point_Main_Street": 2,
                "restock_level_Main_Street": 10,
                "inventory_Gare": rng.randrange(0, 20),
            }
            for column, value in values.items():
                row[index[column]] = value
            rows.append(row)
    return header, rows


def make_store(db: Database) -> None:
    with db.unit_of_work() as uow:
        ensure_retailer(uow, name="Bench")
    with db.unit_of_work() as uow:
        tax = store.create_tax(
            uow, name="TVA 20 %", rates=[store.RateFields(name="TVA", rate=Decimal("0.2"))]
        )
    with db.unit_of_work() as uow:
        retailer = store.get_retailer(uow.session)
        retailer.default_tax_id = tax.id
        uow.commit()
    for name in OUTLETS:
        with db.unit_of_work() as uow:
            store.create_outlet(uow, fields=store.OutletFields(name=name, time_zone="Europe/Paris"))


def run_once(url: str, data: bytes, filename: str) -> dict[str, Any]:
    upgrade_database(url)
    db = open_signing_database(url)
    try:
        make_store(db)
        started, cpu_started = time.perf_counter(), time.process_time()
        read = transfer.read_products(db, data, filename=filename)
        validated, cpu_validated = time.perf_counter(), time.process_time()
        outcome = transfer.import_read(db, read, accept_warnings=True)
        imported, cpu_imported = time.perf_counter(), time.process_time()
        with db.read_sessions() as session:
            stored = {
                "products": session.scalar(select(func.count()).select_from(Product)),
                "levels": session.scalar(select(func.count()).select_from(InventoryLevel)),
                "movements": session.scalar(select(func.count()).select_from(InventoryMovement)),
            }
    finally:
        db.dispose()
    return {
        "status": outcome.status.value,
        "errors": [str(i) for i in outcome.errors[:5]],
        "rows": len(read.table.rows),
        "file_mb": round(len(data) / 1_048_576, 1),
        "validate_s": round(validated - started, 2),
        "import_s": round(imported - validated, 2),
        "total_s": round(imported - started, 2),
        # CPU of this process (PostgreSQL's own work is not in it): the machine is shared,
        # so wall time includes waiting for the cores.
        "validate_cpu_s": round(cpu_validated - cpu_started, 2),
        "import_cpu_s": round(cpu_imported - cpu_validated, 2),
        "stored": stored,
        "created": outcome.summary.created,
    }


def main() -> int:
    parser = database_bench_parser(__doc__, seed=4)
    parser.add_argument("--families", type=int, default=25_000)
    parser.add_argument("--variants", type=int, default=4)
    parser.add_argument("--formats", default="csv")
    args = parser.parse_args()
    header, rows = generate(args.families, args.variants, args.seed)
    results: dict[str, Any] = {
        "benchmark": "product_import",
        "backend": args.backend,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "families": args.families,
        "variants_per_family": args.variants,
    }
    ok = True
    for fmt in args.formats.split(","):
        data = write_xlsx(header, rows) if fmt == "xlsx" else write_csv(header, rows)
        with throwaway_database(args.backend, prefix="comptoir-bench-import-") as url:
            result = run_once(url, data, f"products.{fmt}")
        results[fmt] = result
        ok = ok and result["status"] == "imported" and result["total_s"] <= TARGET_SECONDS
    print(json.dumps(results, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
