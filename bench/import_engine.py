"""Read + validate speed of the import engine (comptoir.io) on 100,000 generated rows.

    python bench/import_engine.py [--rows N] [--formats csv,xlsx]

It generates a Lightspeed-like product file (handle, sku, name, prices, two outlets'
inventory columns, a variant option, tags) in memory, once as CSV and once as XLSX, then
times `read_table` + `validate` (with parsing to Decimal, a pattern column family, a row check
and the duplicate-SKU table check). Generation is not timed. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import time
from decimal import Decimal, InvalidOperation

import openpyxl

from comptoir.io import Column, ColumnPattern, ParsedRow, Report, Schema, read_table, unique
from comptoir.io import validate as validate_table

OUTLETS = ("Main Street", "Gare")
HEADER = [
    "handle",
    "sku",
    "name",
    "variant_option_one_name",
    "variant_option_one_value",
    "tags",
    "supply_price",
    "retail_price",
    "active",
    "inventory_Main_Street",
    "inventory_Gare",
]


def decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{text} is not a number.") from None


def boolean(text: str) -> bool:
    lowered = text.casefold()
    if lowered in ("1", "true", "yes"):
        return True
    if lowered in ("0", "false", "no"):
        return False
    raise ValueError(f"{text} is not 1 or 0.")


def price_check(row: ParsedRow, report: Report) -> None:
    price = row.values.get("retail_price")
    if price is not None and price < 0:
        report.error(row.number, "retail_price", "A price cannot be negative.")


SCHEMA = Schema(
    columns=[
        Column("handle", required=True, not_empty=True),
        Column("sku", required=True, not_empty=True),
        Column("name", required=True),
        Column("variant_option_one_name"),
        Column("variant_option_one_value"),
        Column("tags"),
        Column("supply_price", parse=decimal),
        Column("retail_price", parse=decimal),
        Column("active", parse=boolean),
    ],
    patterns=[ColumnPattern("inventory_", "inventory", parse=decimal, keys=OUTLETS)],
    row_checks=[price_check],
    table_checks=[unique("sku")],
)


def rows(count: int) -> list[list[str]]:
    out = []
    for i in range(count):
        family = i // 3
        out.append(
            [
                f"tshirt-{family}",
                f"SKU-{i:07d}",
                f"T-shirt coton bio n°{family}",
                "Size",
                ("S", "M", "L")[i % 3],
                "coton,été",
                f"{(i % 50) + 3}.20",
                f"{(i % 50) + 9}.90",
                "1",
                str(i % 40),
                str(i % 7),
            ]
        )
    return out


def csv_bytes(data: list[list[str]]) -> bytes:
    lines = [",".join(HEADER)] + [",".join(f'"{c}"' if "," in c else c for c in r) for r in data]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


def xlsx_bytes(data: list[list[str]]) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Products")
    sheet.append(HEADER)
    for r in data:
        sheet.append([*r[:6], float(r[6]), float(r[7]), 1, int(r[9]), int(r[10])])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def measure(data: bytes, count: int) -> dict[str, float | int]:
    start = time.perf_counter()
    table = read_table(data)
    read_s = time.perf_counter() - start
    result = validate_table(table, SCHEMA)
    total_s = time.perf_counter() - start
    assert result.ok, result.errors[:5]
    assert len(result.rows) == count
    return {
        "bytes": len(data),
        "read_s": round(read_s, 3),
        "validate_s": round(total_s - read_s, 3),
        "total_s": round(total_s, 3),
        "rows_per_s": round(count / total_s),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--formats", default="csv,xlsx")
    args = parser.parse_args()
    data = rows(args.rows)
    figures: dict[str, object] = {
        "benchmark": "import_engine",
        "rows": args.rows,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
    }
    for fmt in args.formats.split(","):
        content = csv_bytes(data) if fmt == "csv" else xlsx_bytes(data)
        figures[fmt] = measure(content, args.rows)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
