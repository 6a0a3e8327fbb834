"""Reading .xlsx uploads: calamine gives the same text openpyxl gave, and the cases around it.

The reader turns every cell into the text the user sees (`cell_text`): the property test
below holds it to what the previous reader (openpyxl's read-only mode) produced for the
same workbook.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.chart import BarChart, Reference

from comptoir.io import Limits, TabularError, read_table
from comptoir.io.reading import cell_text
from tests.unit.io.xlsx_raw import MAIN, inline, xlsx_bytes


def openpyxl_file(rows: list[list[Any]], formats: dict[str, str] | None = None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for ref, number_format in (formats or {}).items():
        sheet[ref].number_format = number_format
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def cells(data: bytes, **kwargs: Any) -> list[tuple[int, tuple[str, ...]]]:
    table = read_table(data, filename="products.xlsx", **kwargs)
    return [(1, tuple(table.header))] + [(r.number, r.cells) for r in table.rows]


def test_prices_come_back_as_typed_without_float_noise() -> None:
    prices = [12.30, 19.99, 0.07, 1234567.89, 1e-7, 100.0, -0.0, -4.5]
    data = openpyxl_file([["price", "ean"], *[[p, 3045320094084] for p in prices]])
    assert [c[1] for c in cells(data)[1:]] == [
        ("12.3", "3045320094084"),
        ("19.99", "3045320094084"),
        ("0.07", "3045320094084"),
        ("1234567.89", "3045320094084"),
        ("0.0000001", "3045320094084"),
        ("100", "3045320094084"),
        ("0", "3045320094084"),
        ("-4.5", "3045320094084"),
    ]


def test_a_number_is_the_shortest_text_of_the_stored_double() -> None:
    # Excel writes up to 17 significant digits: 12.300000000000001 is the double nearest to
    # 12.3, so it reads "12.3"; 0.1 + 0.2 is another double, and its digits stay.
    data = xlsx_bytes(
        '<row r="1">' + inline("A1", "a") + "</row>"
        '<row r="2"><c r="A2"><v>12.300000000000001</v></c><c r="B2"><v>0.30000000000000004</v>'
        '</c><c r="C2"><v>12.30</v></c><c r="D2"><v>1E+20</v></c><c r="E2"><v>-0</v></c></row>'
    )
    assert cells(data)[1] == (
        2,
        ("12.3", "0.30000000000000004", "12.3", "100000000000000000000", "0"),
    )


def test_dates_times_and_durations_by_cell_format() -> None:
    data = openpyxl_file(
        [
            ["date", "datetime", "time", "serial as date", "duration", "plain serial"],
            [
                dt.date(2024, 5, 1),
                dt.datetime(2024, 5, 1, 10, 30),
                dt.time(6, 0),
                45000,
                1.5,
                45000,
            ],
        ],
        formats={"A2": "dd/mm/yyyy", "C2": "hh:mm", "D2": "yyyy-mm-dd", "E2": "[h]:mm:ss"},
    )
    assert cells(data)[1] == (
        2,
        ("2024-05-01", "2024-05-01 10:30:00", "06:00:00", "2023-03-15", "1 day, 12:00:00", "45000"),
    )


def test_a_number_too_large_for_its_date_format_reads_as_the_number() -> None:
    # A barcode column formatted as dates by mistake: Excel shows ####, openpyxl gave
    # #VALUE!; the digits are what the user typed.
    data = openpyxl_file([["ean"], [3045320094084]], formats={"A2": "yyyy-mm-dd"})
    assert cells(data)[1] == (2, ("3045320094084",))


def test_dates_of_the_1904_date_system() -> None:
    data = xlsx_bytes(
        '<row r="1">' + inline("A1", "since") + "</row>"
        '<row r="2"><c r="A2" s="1"><v>1</v></c><c r="B2" s="1"><v>45000.5</v></c></row>',
        formats=((14, None),),
        date1904=True,
    )
    assert cells(data) == [(1, ("since",)), (2, ("1904-01-02", "2027-03-16 12:00:00"))]


def test_error_cells_keep_their_text_and_formulas_their_cached_value() -> None:
    data = xlsx_bytes(
        '<row r="1">' + inline("A1", "a") + inline("B1", "b") + inline("C1", "c") + "</row>"
        '<row r="2"><c r="A2" t="e"><f>VLOOKUP(Z2,X:Y,2,0)</f><v>#N/A</v></c>'
        '<c r="B2" t="e"><v>#DIV/0!</v></c><c r="C2"><f>1+1</f><v>2</v></c></row>'
        '<row r="3"><c r="A3" t="str"><f>"x"&amp;"y"</f><v>xy</v></c>'
        '<c r="B3"><f>1+1</f></c><c r="C3" s="0" t=\'e\'><v>#REF!</v></c></row>'
        '<row r="4"><c r="A4" t="e"/><c r="B4" t="inlineStr"><is><t>"e"</t></is></c></row>'
    )
    assert cells(data)[1:] == [
        (2, ("#N/A", "#DIV/0!", "2")),
        (3, ("xy", "", "#REF!")),
        (4, ("", '"e"')),
    ]


def test_empty_rows_columns_before_the_data_and_ragged_rows() -> None:
    data = xlsx_bytes(
        '<row r="3">' + inline("B3", "sku") + inline("C3", "name") + "</row>"
        '<row r="4">' + inline("B4", "A1") + "</row>"
        '<row r="6">' + inline("B6", "A2") + inline("C6", "b") + '<c r="F6"><v>7</v></c></row>'
        '<row r="7"><c r="B7" s="1"/></row>',
        formats=((2, None),),
    )
    table = read_table(data)
    # Positions are kept: the first column is empty, numbers are the sheet's row numbers.
    assert table.header == ["", "sku", "name"]
    assert [(r.number, r.cells) for r in table.rows] == [
        (4, ("", "A1")),
        (6, ("", "A2", "b", "", "", "7")),
    ]


def test_merged_cells_hold_their_value_in_the_first_cell_only() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["sku", "name", "brand"])
    sheet.append(["A1", "Café", None])
    sheet.merge_cells("B2:C2")
    sheet.append(["A2", "Thé", "Maison"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert [r.cells for r in read_table(buffer.getvalue()).rows] == [
        ("A1", "Café"),
        ("A2", "Thé", "Maison"),
    ]


def test_shared_rich_and_inline_strings_and_escaped_characters() -> None:
    data = xlsx_bytes(
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
        '<c r="C1" t="s"><v>2</v></c>' + inline("D1", "  inline &amp; spaced ") + "</row>",
        shared_strings=(
            "<si><t>plain</t></si>",
            '<si><r><t xml:space="preserve">Café </t></r><r><rPr><b/></rPr><t>crème</t></r></si>',
            # Excel writes a carriage return as _x000D_ and a literal "_x" as _x005F_x.
            "<si><t>line_x000D_\nbreak _x005F_x000D_</t></si>",
        ),
    )
    # (The header is stripped; cells keep their spaces, and validation strips them.)
    assert read_table(data).header == [
        "plain",
        "Café crème",
        "line\r\nbreak _x000D_",
        "inline & spaced",
    ]


def test_cells_written_without_references_are_read_by_position() -> None:
    # Some generators omit `r`: each cell follows the previous one (openpyxl reads these).
    data = xlsx_bytes(
        "<row>" + "".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>' for h in "abc") + "</row>"
        '<row><c><v>1</v></c><c r="C2"><v>3</v></c></row>'
    )
    assert cells(data) == [(1, ("a", "b", "c")), (2, ("1", "", "3"))]


def test_a_sheet_written_with_namespace_prefixes_is_read() -> None:
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="{MAIN}"><x:sheetData>'
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>sku</x:t></x:is></x:c></x:row>'
        '<x:row r="2"><x:c r="A2"><x:v>12.5</x:v></x:c></x:row>'
        "</x:sheetData></x:worksheet>"
    )
    assert cells(xlsx_bytes("", sheet_xml=sheet)) == [(1, ("sku",)), (2, ("12.5",))]


def test_cells_far_apart_are_refused_before_any_grid_is_built() -> None:
    # Read as a grid from A1 this is 17 billion cells: the reader must refuse it, not try.
    data = xlsx_bytes(
        '<row r="1">' + inline("A1", "sku") + "</row>"
        '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    )
    with pytest.raises(TabularError) as caught:
        read_table(data)
    assert "row 1,048,576 and column XFD" in caught.value.message
    assert "Delete the rows and columns after your data" in caught.value.message


def test_a_sheet_declaring_a_huge_range_is_read_at_the_size_of_its_cells(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # <dimension> says A1:XFD1048576. Cells without `r` go through openpyxl, which must not
    # pad each row to 16,384 cells (100,000 such rows would take hours); calamine must not
    # allocate the declared range.
    converted: list[object] = []

    def counting_cell_text(value: object) -> str:
        converted.append(value)
        return cell_text(value)

    monkeypatch.setattr("comptoir.io.xlsx.cell_text", counting_cell_text)
    for cell in ("<c><v>1</v></c>", '<c r="A2"><v>1</v></c>'):
        sheet = (
            f'<worksheet xmlns="{MAIN}"><dimension ref="A1:XFD1048576"/><sheetData>'
            f'<row r="1">{inline("A1", "sku")}</row><row r="2">{cell}</row>'
            "</sheetData></worksheet>"
        )
        assert cells(xlsx_bytes("", sheet_xml=sheet)) == [(1, ("sku",)), (2, ("1",))]
    assert len(converted) <= 4


def test_the_sheet_cells_limit_counts_rows_times_columns_from_a1() -> None:
    data = openpyxl_file([["sku", "name"], *[[f"S{i}", "x"] for i in range(9)]])  # 10 x 2
    assert len(read_table(data, limits=Limits(max_sheet_cells=20)).rows) == 9
    with pytest.raises(TabularError, match="20 cells, and the limit is 19"):
        read_table(data, limits=Limits(max_sheet_cells=19))


def test_the_first_worksheet_is_read_whichever_is_active_and_after_a_chart_sheet() -> None:
    workbook = openpyxl.Workbook()
    first = workbook.active
    first.title = "Products"
    first.append(["sku"])
    first.append(["A1"])
    second = workbook.create_sheet("Notes")
    second.append(["note"])
    workbook.active = 1
    chart = BarChart()
    chart.add_data(Reference(first, min_col=1, min_row=1, max_row=2))
    workbook.create_chartsheet("Chart", 0).add_chart(chart)
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert workbook.sheetnames[0] == "Chart"
    assert cells(buffer.getvalue()) == [(1, ("sku",)), (2, ("A1",))]


@pytest.mark.filterwarnings("ignore:Cell B2 is marked as a date:UserWarning")
def test_a_value_calamine_cannot_convert_is_still_read() -> None:
    # calamine panics on a huge number formatted as a duration; openpyxl then reads the file
    # and shows the cell as #VALUE!, as before.
    data = xlsx_bytes(
        '<row r="1">' + inline("A1", "sku") + inline("B1", "time") + "</row>"
        '<row r="2">' + inline("A2", "A1") + '<c r="B2" s="1"><v>3045320094084</v></c></row>',
        formats=((46, None),),
    )
    assert cells(data)[1] == (2, ("A1", "#VALUE!"))


def test_a_damaged_sheet_gives_a_clear_error() -> None:
    data = xlsx_bytes("", sheet_xml="<worksheet><sheetData><row><c r=")
    with pytest.raises(TabularError, match=r"\.xlsx workbook could not be read"):
        read_table(data, filename="x.xlsx")


def test_an_empty_sheet_has_no_header() -> None:
    with pytest.raises(TabularError, match="no header row"):
        read_table(xlsx_bytes(""))


def _openpyxl_text(data: bytes) -> list[list[str]]:
    """What the previous reader gave: openpyxl read-only values through `cell_text`."""
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    rows = [
        [cell_text(v) for v in row] for row in workbook.worksheets[0].iter_rows(values_only=True)
    ]
    workbook.close()
    for row in rows:
        while row and row[-1] == "":
            row.pop()
    return rows


values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.decimals(min_value=-(10**9), max_value=10**9, places=2).map(float),
    # Excel keeps milliseconds (both readers round a half millisecond differently).
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 12, 31)).map(
        lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000)
    ),
    st.dates(min_value=dt.date(1900, 3, 1)),
    st.times().map(lambda t: t.replace(microsecond=t.microsecond // 1000 * 1000)),
    # Text without control characters (XML cannot hold them) nor "_x" escapes: openpyxl
    # writes "_x000D_" as is and read it back as is, calamine reads the escape as Excel does.
    st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=12).filter(
        lambda s: "_x" not in s
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(values, min_size=1, max_size=6), min_size=1, max_size=8))
def test_every_cell_reads_as_the_previous_reader_showed_it(rows: list[list[Any]]) -> None:
    data = openpyxl_file([["header"], *rows])
    expected = [row for row in _openpyxl_text(data)[1:]]
    table = read_table(data)
    got = {r.number: blank_as_empty(r.cells) for r in table.rows}
    for number, row in enumerate(expected, start=2):
        if any(c.strip() for c in row):
            assert got.pop(number) == blank_as_empty(row)
    assert got == {}


def blank_as_empty(cells: Any) -> list[str]:
    """A cell of spaces only is an empty cell to the importer (cells are stripped); calamine
    may leave a trailing one out where openpyxl kept it."""
    row = [c if c.strip() else "" for c in cells]
    while row and row[-1] == "":
        row.pop()
    return row
