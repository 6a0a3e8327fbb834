"""Rows a quote broke: their physical lines, how they are told from good rows, and the error
file that keeps them whole for the user to mend."""

from __future__ import annotations

from comptoir.io import Column, Issue, Schema, read_table, validate, write_error_file
from comptoir.io.schema import ValidationResult

SKIPPING = Schema(columns=[Column("sku"), Column("name"), Column("price")], skip_broken_rows=True)


def test_a_csv_row_knows_the_lines_of_the_file_it_spans() -> None:
    table = read_table(b'sku,name\r\nA1,"two\r\nlines"\r\nA2,one\r\n\r\nA3,x\r\n')
    assert [(r.number, r.line, r.end_line) for r in table.rows] == [
        (2, 2, 3),
        (3, 4, 4),
        (5, 6, 6),
    ]


def test_a_row_with_values_past_the_header_is_broken_and_left_out() -> None:
    table = read_table(b'sku,name,price\r\nA1,"a "b", c",1\r\nA2,ok,2\r\n')
    result = validate(table, SKIPPING)
    assert [r.number for r in result.broken] == [2]
    assert [r.number for r in result.rows] == [3]
    assert result.errors == []


def test_in_a_file_written_in_full_a_row_with_fewer_cells_is_broken() -> None:
    data = b'sku,name,price\r\nA1,"open,1\r\nA2,x,2\r\nA3,y,3"\r\nA4,z,4\r\nA5,w,5\r\n'
    result = validate(read_table(data), SKIPPING)
    assert [(r.number, r.line, r.end_line, r.width) for r in result.broken] == [(2, 2, 4, 2)]
    assert [r.number for r in result.rows] == [3, 4]


def test_in_a_file_that_leaves_trailing_cells_out_a_short_row_is_fine() -> None:
    result = validate(read_table(b"sku,name,price\r\nA1\r\nA2,x\r\nA3,y,3,,\r\n"), SKIPPING)
    assert result.broken == []
    assert [r.number for r in result.rows] == [2, 3, 4]


def test_without_skipping_a_row_with_values_past_the_header_is_an_error() -> None:
    schema = Schema(columns=[Column("sku"), Column("name")])
    result = validate(read_table(b"sku,name\r\nA1,a,extra\r\n"), schema)
    assert [(e.row, e.message) for e in result.errors] == [
        (2, "This row has 3 values but the header has 2 columns.")
    ]
    assert result.broken == []


def test_the_error_file_keeps_every_cell_of_a_broken_row_before_its_message() -> None:
    table = read_table(b'sku,name,price\r\nA1,"a "b", c",1\r\nA2,"x",2\r\n')
    result = validate(table, SKIPPING)
    marked = ValidationResult(result.rows, [Issue(2, None, "broken")], [], broken=result.broken)
    content, extension = write_error_file(table, marked)
    assert extension == "csv"
    back = read_table(content)
    assert back.header == ["sku", "name", "price", "errors"]
    assert back.rows[0].cells == ("A1", 'a b"', ' c"', "1", "broken")
    assert back.rows[1].cells[:3] == ("A2", "x", "2")
