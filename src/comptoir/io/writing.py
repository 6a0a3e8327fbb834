"""Write exports (CSV, XLSX) and error files.

Formula injection: a text cell beginning with `=`, `+`, `-`, `@`, tab or carriage return
would be run by a spreadsheet as a formula. Such cells get a leading single quote
(`'=SUM(A1)`), which spreadsheets show as text, and which `validate` removes again on
import. Exception: a plain number such as `-12.50` or `-3` is written as is, because a POS
exports negative stock, refunds and adjustments legitimately, and a number cannot run
anything. Numbers passed as `int`/`Decimal`/`float` are written as numbers in XLSX.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from comptoir.io.reading import Table
from comptoir.io.schema import ERROR_COLUMN, ValidationResult

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?\Z")

Cell = str | int | float | Decimal | bool | None


def neutralise(value: str) -> str:
    """Defuse a text cell that a spreadsheet would evaluate as a formula."""
    # A value that already begins with quotes before a formula character gets one more, so
    # the quote `validate` removes on import is always the one added here.
    if value.lstrip("'").startswith(_DANGEROUS) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return neutralise(str(value))


def write_csv(
    header: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    encoding: str = "utf-8-sig",
    delimiter: str = ",",
) -> bytes:
    """CSV for Excel: UTF-8 with BOM and comma by default, CRLF line ends."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([_text(h) for h in header])
    for row in rows:
        writer.writerow([_text(v) for v in row])
    return buffer.getvalue().encode(encoding, errors="replace")


def write_xlsx(
    header: Sequence[str], rows: Iterable[Sequence[Cell]], *, sheet_title: str = "Export"
) -> bytes:
    """XLSX with one sheet; numbers stay numbers, text is neutralised."""
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31] or "Sheet1")
    sheet.append([_text(h) for h in header])
    for row in rows:
        sheet.append([_xlsx_value(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_value(value: Cell) -> Any:
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    # XML turns a carriage return into a line feed: do it before neutralising.
    return neutralise(_strip_illegal(value.replace("\r\n", "\n").replace("\r", "\n")))


_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _strip_illegal(value: str) -> str:
    # XML 1.0 cannot hold these control characters; openpyxl would refuse the cell.
    return _ILLEGAL.sub("", value)


def write_error_file(table: Table, result: ValidationResult) -> tuple[bytes, str]:
    """The original rows plus an `errors` column; (content, file extension).

    CSV comes back as CSV with the same encoding and delimiter; XLSX and XLS come back as
    XLSX. Each row's cell lists its errors, separated by " | "; messages about the file as a
    whole (missing column, ...) go in the first data row's cell, prefixed "[file]". A previous
    `errors` column is replaced, not repeated. Cells are written as read (no neutralising,
    so a re-upload is byte for byte what the user typed). A broken row (`result.broken`)
    keeps every cell it was read with, so nothing of it is lost: its message then follows
    its last cell, and lands in the `errors` column once the row is mended.
    """
    by_row = result.messages_by_row()
    keep = [i for i, h in enumerate(table.header) if h.strip().casefold() != ERROR_COLUMN]
    dropped = set(range(len(table.header))) - set(keep)
    broken = {row.number for row in result.broken}
    header = [table.header[i] for i in keep] + [ERROR_COLUMN]
    file_level = ["[file] " + m for m in by_row.get(None, [])]

    def lines() -> Iterable[list[str]]:
        for position, row in enumerate(table.rows):
            if row.number in broken:
                cells = [c for i, c in enumerate(row.cells) if i not in dropped]
                cells += [""] * (len(keep) - len(cells))
            else:
                cells = [row.cells[i] if i < len(row.cells) else "" for i in keep]
            messages = (file_level if position == 0 else []) + by_row.get(row.number, [])
            yield [*cells, " | ".join(messages)]
        if not table.rows and file_level:
            yield [*([""] * len(keep)), " | ".join(file_level)]

    if table.format == "csv":
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, delimiter=table.delimiter, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(lines())
        return buffer.getvalue().encode(table.encoding, errors="replace"), "csv"
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title="Errors")
    sheet.append(header)
    for line in lines():
        # A formula-looking cell is stored as text, exactly as it was read.
        sheet.append([_as_text_cell(sheet, _strip_illegal(c)) for c in line])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), "xlsx"


def _as_text_cell(sheet: Any, value: str) -> Any:
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


__all__ = ["neutralise", "write_csv", "write_error_file", "write_xlsx"]
