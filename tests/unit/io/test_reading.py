"""Reading CSV, XLSX and XLS uploads into rows of strings, with limits and clear errors."""

from __future__ import annotations

import io

import openpyxl
import pytest

from comptoir.io import Limits, TabularError, read_table


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_utf8_csv_is_read_with_spreadsheet_row_numbers() -> None:
    table = read_table("sku,name\nA1,Café\nA2,Thé\n".encode())
    assert table.format == "csv"
    assert table.header == ["sku", "name"]
    assert [(r.number, r.cells) for r in table.rows] == [(2, ("A1", "Café")), (3, ("A2", "Thé"))]
    assert table.encoding == "utf-8"


def test_utf8_bom_is_stripped_from_the_first_header() -> None:
    table = read_table(b"\xef\xbb\xbf" + "sku;name\nA1;Café\n".encode())
    assert table.header == ["sku", "name"]
    assert table.encoding == "utf-8-sig"
    assert table.rows[0].cells == ("A1", "Café")


def test_windows_1252_falls_back_when_bytes_are_not_utf8() -> None:
    table = read_table("sku;name\nA1;Café crème\n".encode("cp1252"))
    assert table.encoding == "cp1252"
    assert table.rows[0].cells == ("A1", "Café crème")
    assert table.notes == []


def test_stray_bytes_undefined_in_cp1252_are_replaced_with_a_note() -> None:
    table = read_table(b"sku,name\nA1,Caf\xe9\x81\nA2,ok\x00\n")
    assert table.rows[0].cells == ("A1", "Café\ufffd")
    assert table.rows[1].cells == ("A2", "ok")
    assert any("replaced" in n for n in table.notes)
    assert any("NUL" in n for n in table.notes)


def test_utf16_with_bom_is_read() -> None:
    table = read_table("sku\tname\nA1\tCafé\n".encode("utf-16"))
    assert table.delimiter == "\t"
    assert table.rows[0].cells == ("A1", "Café")


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_delimiter_is_detected_from_the_header_line(delimiter: str) -> None:
    other = ";" if delimiter == "," else ","
    text = f"sku{delimiter}name{delimiter}price\nA1{delimiter}a{other}b{delimiter}1{other}5\n"
    table = read_table(text.encode())
    assert table.delimiter == delimiter
    assert table.rows[0].cells == ("A1", f"a{other}b", f"1{other}5")


def test_delimiters_inside_quoted_header_cells_do_not_count() -> None:
    table = read_table(b'"a;b;c",x\n1,2\n')
    assert table.delimiter == ","
    assert table.header == ["a;b;c", "x"]


def test_quoted_newlines_stay_in_one_row_and_row_numbers_follow_records() -> None:
    text = 'sku,description\nA1,"line one\nline two, with comma"\nA2,"He said ""hi"""\n'
    table = read_table(text.encode())
    assert table.rows[0].cells == ("A1", "line one\nline two, with comma")
    assert table.rows[1].cells == ("A2", 'He said "hi"')
    assert [r.number for r in table.rows] == [2, 3]


def test_blank_rows_are_skipped_but_numbers_are_kept() -> None:
    table = read_table(b"sku,name\n\nA1,a\n,\nA2,b\n")
    assert [r.number for r in table.rows] == [3, 5]


def test_empty_file_and_header_only() -> None:
    with pytest.raises(TabularError, match="empty"):
        read_table(b"  \n")
    assert read_table(b"sku,name\n").rows == []


def test_xlsx_round_trip_with_numbers_dates_and_booleans() -> None:
    import datetime as dt

    data = xlsx_bytes(
        [
            ["sku", "price", "qty", "active", "since", None],
            ["A1", 12.5, 3, True, dt.datetime(2024, 5, 1), None],
            [None, None, None, None, None, None],
            ["A2", 0.1, -2.0, False, None, None],
        ]
    )
    table = read_table(data, filename="products.xlsx")
    assert table.format == "xlsx"
    assert table.header == ["sku", "price", "qty", "active", "since"]
    assert [(r.number, r.cells) for r in table.rows] == [
        (2, ("A1", "12.5", "3", "TRUE", "2024-05-01")),
        (4, ("A2", "0.1", "-2", "FALSE")),
    ]


def test_xlsx_that_is_not_a_zip_gives_a_clear_error() -> None:
    with pytest.raises(TabularError, match="not a zip archive"):
        read_table(b"sku,name\nA1,a\n", filename="products.xlsx")


def test_damaged_zip_and_zip_that_is_not_a_workbook_give_clear_errors() -> None:
    with pytest.raises(TabularError, match="damaged"):
        read_table(b"PK\x03\x04" + b"\x00" * 100, filename="x.xlsx")
    buffer = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(TabularError, match="not an Excel"):
        read_table(buffer.getvalue(), filename="x.xlsx")


def test_truncated_xlsx_gives_a_clear_error() -> None:
    data = xlsx_bytes([["sku"], ["A1"]])
    with pytest.raises(TabularError):
        read_table(data[: len(data) // 2], filename="x.xlsx")


def test_format_is_detected_by_content_not_name() -> None:
    data = xlsx_bytes([["sku"], ["A1"]])
    assert read_table(data, filename="export.csv").format == "xlsx"
    # A CSV renamed .xls (common in old exports) is read as CSV.
    assert read_table(b"sku\nA1\n", filename="old.xls").format == "csv"
    with pytest.raises(TabularError, match="web page"):
        read_table(b"<html><table></table></html>", filename="old.xls")


def test_damaged_xls_gives_a_clear_error() -> None:
    # The OLE2 signature followed by garbage: xlrd's failure becomes a TabularError.
    with pytest.raises(TabularError, match=r"\.xls workbook could not be read"):
        read_table(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, filename="a.xls")


def test_a_10_mb_cell_is_refused_naming_row_and_column() -> None:
    data = b"sku,name,description\nA1,a,b\nA2,b," + b"x" * (10 * 1024 * 1024) + b"\n"
    with pytest.raises(TabularError) as caught:
        read_table(data)
    assert caught.value.row == 3
    assert caught.value.column == "description"
    assert "Row 3, column C (description)" in caught.value.message


def test_an_overlong_cell_in_xlsx_is_refused_too() -> None:
    # openpyxl itself truncates cells to Excel's 32,767 characters, so a lower limit here.
    data = xlsx_bytes([["sku", "name"], ["A1", "y" * 200]])
    with pytest.raises(TabularError) as caught:
        read_table(data, limits=Limits(max_cell_chars=100))
    assert (caught.value.row, caught.value.column) == (2, "name")


def test_file_size_and_row_limits() -> None:
    with pytest.raises(TabularError, match="limit is"):
        read_table(b"sku\n" + b"A\n" * 100, limits=Limits(max_file_bytes=50))
    with pytest.raises(TabularError, match="more than 2 rows"):
        read_table(b"sku\nA\nB\nC\n", limits=Limits(max_rows=2))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_progress_is_monotonic_and_reaches_completion(fmt: str) -> None:
    rows = [["sku", "n"]] + [[f"S{i}", str(i)] for i in range(2500)]
    if fmt == "csv":
        data = "\n".join(",".join(r) for r in rows).encode()
    else:
        data = xlsx_bytes([list(r) for r in rows])
    calls: list[tuple[int, int]] = []
    table = read_table(data, progress=lambda done, total: calls.append((done, total)))
    assert len(table.rows) == 2500
    assert len(calls) >= 3
    dones = [d for d, _ in calls]
    assert dones == sorted(dones)
    assert all(d <= t for d, t in calls)
    assert calls[-1][0] == calls[-1][1] > 0


def test_xls_is_read_through_xlrd() -> None:
    from tests.unit.io.biff8 import xls_bytes

    data = xls_bytes(
        [
            ["sku", "name", "price", "active"],
            ["A1", "Café", 12.5, True],
            [None, None, None, None],
            ["A2", "Thé", 3, False],
        ]
    )
    table = read_table(data, filename="products.xls")
    assert table.format == "xls"
    assert table.header == ["sku", "name", "price", "active"]
    assert [(r.number, r.cells) for r in table.rows] == [
        (2, ("A1", "Café", "12.5", "TRUE")),
        (4, ("A2", "Thé", "3", "FALSE")),
    ]
