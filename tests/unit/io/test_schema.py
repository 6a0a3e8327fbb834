"""Validating a table against a caller's column description."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import pytest

from comptoir.io import (
    Column,
    ColumnPattern,
    ParsedRow,
    Report,
    Schema,
    read_table,
    unique,
    validate,
)


def money(text: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"{text} is not a number.") from None
    return value


def no_negative_stock(row: ParsedRow, report: Report) -> None:
    for outlet, qty in (row.values.get("inventory") or {}).items():
        if qty is not None and qty < 0:
            report.warning(row.number, f"inventory_{outlet}", "Negative stock.")


SCHEMA = Schema(
    columns=[
        Column("sku", required=True, not_empty=True),
        Column("name", required=True),
        Column("retail_price", parse=money, aliases=("price",)),
        Column("product_category", aliases=("type",)),
        Column("margin", importable=False),
    ],
    patterns=[
        ColumnPattern(
            "inventory_", "inventory", parse=money, keys=("Main Street", "Gare"), key_label="outlet"
        )
    ],
    row_checks=[no_negative_stock],
    table_checks=[unique("sku")],
)


def check(text: str, schema: Schema = SCHEMA):  # type: ignore[no-untyped-def]
    return validate(read_table(text.encode()), schema)


def test_a_valid_file_parses_rows_into_dicts() -> None:
    result = check("SKU,Name,price,inventory_Main_Street,inventory_gare\nA1,Tea,2.50,4,\n")
    assert result.ok
    assert result.warnings == []
    assert result.rows[0].number == 2
    assert result.rows[0].values == {
        "sku": "A1",
        "name": "Tea",
        "retail_price": Decimal("2.50"),
        "inventory": {"Main Street": Decimal(4), "Gare": None},
    }


def test_missing_required_column_is_an_error() -> None:
    result = check("sku,price\nA1,2\n")
    assert not result.ok
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (None, "name", "This required column is missing.")
    ]


def test_unknown_column_is_a_warning_only() -> None:
    result = check("sku,name,colour\nA1,Tea,red\n")
    assert result.ok
    assert [(w.column, w.message) for w in result.warnings] == [
        ("colour", "Unknown column; it was ignored.")
    ]
    assert "colour" not in result.rows[0].values


def test_unknown_columns_can_be_errors_for_strict_callers() -> None:
    strict = Schema(columns=[Column("sku")], unknown_columns_are_errors=True)
    assert not check("sku,colour\nA1,red\n", strict).ok


def test_non_importable_column_is_refused() -> None:
    result = check("sku,name,margin\nA1,Tea,40%\n")
    assert [(e.column, e.message) for e in result.errors] == [
        ("margin", "This column is computed and cannot be imported; remove it from the file.")
    ]


def test_unknown_outlet_in_a_pattern_column_is_an_error() -> None:
    result = check("sku,name,inventory_Nowhere\nA1,Tea,3\n")
    assert [(e.column, e.message) for e in result.errors] == [
        ("inventory_Nowhere", "Unknown outlet: Nowhere.")
    ]


def test_parse_errors_name_row_and_column_and_all_are_collected() -> None:
    result = check("sku,name,price\nA1,Tea,abc\nA2,Tea,1\nA3,Tea,x\n,Empty,1\n")
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "price", "abc is not a number."),
        (4, "price", "x is not a number."),
        (5, "sku", "A value is required."),
    ]
    assert str(result.errors[0]) == "row 2, column price: abc is not a number."


def test_cross_row_hook_reports_duplicate_sku() -> None:
    result = check("sku,name\nA1,Tea\nA2,Coffee\nA1,Cake\n")
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (4, "sku", "A1 is already used on row 2.")
    ]


def test_row_warnings_do_not_block() -> None:
    result = check("sku,name,inventory_Gare\nA1,Tea,-2\n")
    assert result.ok
    assert [(w.row, w.column) for w in result.warnings] == [(2, "inventory_Gare")]


def test_a_row_longer_than_the_header_is_an_error() -> None:
    result = check("sku,name\nA1,Tea,extra\n")
    assert result.errors[0].row == 2
    assert "3 values" in result.errors[0].message


def test_duplicate_column_is_an_error() -> None:
    result = check("sku,name,price,retail_price\nA1,Tea,1,2\n")
    assert any("appears twice" in e.message for e in result.errors)


def test_neutralised_cells_are_read_back_without_the_quote() -> None:
    result = check("sku,name\nA1,'=HYPERLINK(x)\n")
    assert result.rows[0].values["name"] == "=HYPERLINK(x)"


def test_reading_notes_become_warnings() -> None:
    result = validate(read_table(b"sku,name\nA1,Caf\xe9\x81\n"), SCHEMA)
    assert result.ok
    assert any("replaced" in w.message for w in result.warnings)


@pytest.mark.parametrize("count", [0, 1, 2500])
def test_validation_progress_is_monotonic_to_completion(count: int) -> None:
    text = "sku,name\n" + "".join(f"S{i},n\n" for i in range(count))
    calls: list[tuple[int, int]] = []
    validate(read_table(text.encode()), SCHEMA, progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (count, count)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert all(t == count for _, t in calls)
