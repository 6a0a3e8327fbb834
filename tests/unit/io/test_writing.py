"""Exports (CSV, XLSX), formula-injection neutralising and error files."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comptoir.io import (
    ERROR_COLUMN,
    Column,
    Schema,
    neutralise,
    read_table,
    unique,
    validate,
    write_csv,
    write_error_file,
    write_xlsx,
)

SCHEMA = Schema(
    columns=[Column("sku", required=True, not_empty=True), Column("name")],
    table_checks=[unique("sku")],
)


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+33 6 12", "'+33 6 12"),
        ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("-12.50", "-12.50"),  # a plain negative number is legitimate POS data
        ("-3", "-3"),
        ("-1e5", "'-1e5"),
        ("Café", "Café"),
        ("a=b", "a=b"),
        ("'=x", "''=x"),  # so the quote removed on import is the added one
        ("'-3", "''-3"),
    ],
)
def test_formula_injection_is_neutralised_except_plain_negative_numbers(
    value: str, written: str
) -> None:
    assert neutralise(value) == written


def test_csv_export_is_utf8_with_bom_comma_and_neutralised() -> None:
    data = write_csv(
        ["sku", "name", "price", "stock"],
        [["A1", "=cmd()", Decimal("2.50"), -3], ["A2", "Thé, vert", None, Decimal("-1.5")]],
    )
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text == 'sku,name,price,stock\r\nA1,\'=cmd(),2.50,-3\r\nA2,"Thé, vert",,-1.5\r\n'


def test_csv_export_round_trips_through_reader_and_validator() -> None:
    data = write_csv(["sku", "name"], [["A1", "=1+1"], ["A2", "@home"]])
    result = validate(read_table(data), SCHEMA)
    assert [r.values["name"] for r in result.rows] == ["=1+1", "@home"]


def test_xlsx_export_keeps_numbers_and_neutralises_text() -> None:
    data = write_xlsx(["sku", "name", "price"], [["A1", "=HYPERLINK(1)", Decimal("2.5")]])
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    assert sheet["B2"].value == "'=HYPERLINK(1)"
    assert sheet["B2"].data_type == "s"
    assert sheet["C2"].value == 2.5
    table = read_table(data)
    assert table.rows[0].cells == ("A1", "'=HYPERLINK(1)", "2.5")
    assert validate(table, SCHEMA).rows[0].values["name"] == "=HYPERLINK(1)"


BAD_CSV = "sku;name;errors\r\nA1;Café;old message\r\nA1;Thé;\r\n;Cake;\r\nA4;=1+1;\r\n"


def test_csv_error_file_keeps_rows_delimiter_encoding_and_adds_messages() -> None:
    table = read_table(BAD_CSV.encode("cp1252"))
    result = validate(table, SCHEMA)
    assert not result.ok
    content, extension = write_error_file(table, result)
    assert extension == "csv"
    text = content.decode("cp1252")  # same encoding as the upload
    assert text.splitlines() == [
        "sku;name;errors",
        "A1;Café;",
        "A1;Thé;sku: A1 is already used on row 2.",
        ";Cake;sku: A value is required.",
        "A4;=1+1;",  # written back as read, not neutralised
    ]


def test_error_file_round_trip_fixed_file_imports_with_only_a_warning() -> None:
    table = read_table(BAD_CSV.encode())
    content, _ = write_error_file(table, validate(table, SCHEMA))
    fixed = content.decode().replace("A1;Thé", "A2;Thé").replace(";Cake", "A3;Cake")
    again = validate(read_table(fixed.encode()), SCHEMA)
    assert again.ok
    # The leftover errors column is ignored with a warning, not an error.
    assert [(w.column, w.message.split(";")[0]) for w in again.warnings] == [
        (ERROR_COLUMN, "This column comes from an error file and was ignored")
    ]
    assert [r.values for r in again.rows][1] == {"sku": "A2", "name": "Thé"}


def test_file_level_errors_go_in_the_first_row() -> None:
    table = read_table(b"name\nTea\nCake\n")
    content, _ = write_error_file(table, validate(table, SCHEMA))
    lines = content.decode().splitlines()
    assert lines[1] == "Tea,[file] sku: This required column is missing."
    assert lines[2] == "Cake,"


def test_xlsx_error_file_round_trip() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in (["sku", "name"], ["A1", "Tea"], ["A1", "=1+1"], [None, None], [None, "Cake"]):
        sheet.append(row)
    sheet["B3"].data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_table(buffer.getvalue())
    result = validate(table, SCHEMA)
    content, extension = write_error_file(table, result)
    assert extension == "xlsx"
    back = read_table(content)
    assert back.header == ["sku", "name", "errors"]
    assert [(r.number, r.cells) for r in back.rows] == [
        (2, ("A1", "Tea")),
        (3, ("A1", "=1+1", "sku: A1 is already used on row 2.")),
        (4, ("", "Cake", "sku: A value is required.")),
    ]
    out = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    assert out["B3"].data_type == "s"  # kept as text, never turned into a formula


def test_xls_error_file_comes_back_as_xlsx() -> None:
    from tests.unit.io.biff8 import xls_bytes

    table = read_table(xls_bytes([["sku", "name"], ["A1", "Tea"], ["A1", "Cake"]]))
    content, extension = write_error_file(table, validate(table, SCHEMA))
    assert extension == "xlsx"
    back = read_table(content)
    assert back.format == "xlsx"
    assert back.rows[1].cells == ("A1", "Cake", "sku: A1 is already used on row 2.")


CELL = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12
)


@settings(max_examples=300)
@given(st.lists(st.lists(CELL, min_size=3, max_size=3), max_size=8))
def test_export_then_import_gives_back_every_value(rows: list[list[str]]) -> None:
    """Property: what write_csv/write_xlsx export, read_table+validate import unchanged
    (up to surrounding spaces, which import strips), formula neutralising included."""
    schema = Schema(columns=[Column("a"), Column("b"), Column("c")])
    kept = [r for r in rows if any(c.strip() for c in r)]
    expected = [[c.strip() or None for c in r] for r in kept]
    for data in (write_csv(["a", "b", "c"], rows), write_xlsx(["a", "b", "c"], rows)):
        result = validate(read_table(data), schema)
        assert result.ok
        got = [[r.values["a"], r.values["b"], r.values["c"]] for r in result.rows]
        if data.startswith(b"PK"):
            # XML cannot hold control characters (the XLSX writer drops them) and turns a
            # carriage return into a line feed.
            expected_xlsx = [
                [None if v is None else (_strip(v) or None) for v in r] for r in expected
            ]
            assert [r for r in got] == [r for r in expected_xlsx if any(r)]
        else:
            assert got == expected


def _strip(value: str) -> str:
    import re

    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", value).strip()
