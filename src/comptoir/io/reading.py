"""Read a tabular file (CSV, XLSX, XLS) into a header and rows of strings.

The reader knows no business format. It detects the format from the bytes (not the file
name), decodes CSV text (UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252),
detects the delimiter from the header line and enforces size limits. Every failure is a
`TabularError` with a message a shop owner can act on, never a crash.

Row numbers are 1-based as in a spreadsheet: the header is row 1, the first data row is
row 2. A CSV record whose quoted cell holds a newline is still one row; its `line` and
`end_line` are the lines of the text file it spans, for messages about a row a text editor
must open (a quote inside a cell that broke the CSV).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

Format = Literal["csv", "xlsx", "xls"]
Progress = Callable[[int, int], None]

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PROGRESS_EVERY = 1000


class TabularError(Exception):
    """A file that cannot be read or written; `message` is meant for the user."""

    def __init__(self, message: str, *, row: int | None = None, column: str | None = None):
        super().__init__(message)
        self.message = message
        self.row = row
        self.column = column


@dataclass(frozen=True)
class Limits:
    """Bounds that keep a hostile or mistaken upload from exhausting the server."""

    max_file_bytes: int = 50 * 1024 * 1024
    # Excel's own limit for a cell; a longer cell is a broken or hostile file.
    max_cell_chars: int = 32_767
    max_rows: int = 1_000_000
    max_columns: int = 1_000
    # XLSX is a zip: its members may not inflate past this (zip bombs).
    max_uncompressed_bytes: int = 500 * 1024 * 1024
    # An XLSX sheet is read as a grid from A1 to its last row and column; a few cells far
    # apart make a huge grid (100,000 rows x 200 columns is 20 million).
    max_sheet_cells: int = 20_000_000


@dataclass(frozen=True)
class Row:
    number: int  # 1-based, as the user sees it in a spreadsheet
    cells: tuple[str, ...]
    # The cells the record had before its empty trailing ones were dropped: a CSV written
    # cell for cell has as many on every row, so another count is a broken row.
    width: int = 0
    # A CSV record's first and last physical lines (1-based); 0 for a workbook.
    line: int = 0
    end_line: int = 0


@dataclass
class Table:
    format: Format
    header: list[str]
    rows: list[Row]
    # How a CSV was written, so an error file can be written the same way.
    encoding: str = "utf-8"
    delimiter: str = ","
    # Non-blocking notes from reading (e.g. undecodable bytes replaced).
    notes: list[str] = field(default_factory=list)
    # The header's cells before its empty trailing ones were dropped.
    width: int = 0


def column_letter(index: int) -> str:
    """0-based column index to a spreadsheet letter: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def detect_format(data: bytes, filename: str | None = None) -> Format:
    """The format from the content; the file name only improves the error message."""
    name = (filename or "").lower()
    if data.startswith(ZIP_MAGIC):
        return "xlsx"
    if data.startswith(OLE2_MAGIC):
        return "xls"
    if name.endswith((".xlsx", ".xlsm")):
        raise TabularError(
            f"{filename} is not a valid Excel .xlsx workbook (it is not a zip archive). "
            "Save it again from your spreadsheet as .xlsx or CSV."
        )
    # Old exports are often CSV renamed .xls (read as text) or HTML (refused).
    if name.endswith(".xls") and data.lstrip()[:1] == b"<":
        raise TabularError(
            f"{filename} is not a real Excel .xls workbook (it looks like a web page). "
            "Save it again from your spreadsheet as .xlsx or CSV."
        )
    return "csv"


def read_table(
    data: bytes,
    *,
    filename: str | None = None,
    limits: Limits | None = None,
    progress: Progress | None = None,
) -> Table:
    """Read the first sheet of an uploaded file. Raises `TabularError`."""
    limits = limits or Limits()
    if len(data) > limits.max_file_bytes:
        raise TabularError(
            f"The file is {len(data) / 1_048_576:.1f} MB; "
            f"the limit is {limits.max_file_bytes / 1_048_576:.0f} MB."
        )
    if not data.strip():
        raise TabularError("The file is empty.")
    fmt = detect_format(data, filename)
    if fmt == "xlsx":
        from comptoir.io.xlsx import xlsx_records

        records, total = xlsx_records(data, limits)
        table = _build(fmt, records, total, limits, progress)
    elif fmt == "xls":
        records, total = _xls_records(data)
        table = _build(fmt, records, total, limits, progress)
    else:
        text, encoding, notes = decode_text(data)
        delimiter = detect_delimiter(text)
        csv_records = _CsvRecords(text, delimiter)
        # An upper bound: quoted newlines make fewer records than lines.
        total = max(text.count("\n"), 1)
        table = _build(fmt, csv_records, total, limits, progress, line_of=csv_records.line)
        table.encoding, table.delimiter, table.notes = encoding, delimiter, notes
    return table


def decode_text(data: bytes) -> tuple[str, str, list[str]]:
    """(text, encoding, notes). Encoding is the name to write an error file back with."""
    notes: list[str] = []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16", notes
        except UnicodeDecodeError as exc:
            raise TabularError("The file says it is UTF-16 but is not valid UTF-16.") from exc
    encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        encoding = "cp1252"
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            # Bytes that mean nothing in Windows-1252 either (0x81, 0x8d, 0x8f, 0x90, 0x9d).
            text = data.decode(encoding, errors="replace")
            notes.append(
                f"{text.count(chr(0xFFFD))} unreadable byte(s) were replaced by "
                "\N{REPLACEMENT CHARACTER}."
            )
    if "\x00" in text:
        notes.append(f"{text.count(chr(0))} NUL byte(s) were removed.")
        text = text.replace("\x00", "")
    return text, encoding, notes


def detect_delimiter(text: str) -> str:
    """Comma, semicolon or tab: the one that occurs most in the header, outside quotes."""
    counts = {",": 0, ";": 0, "\t": 0}
    quoted = False
    for char in text[:65_536]:
        if char == '"':
            quoted = not quoted
        elif not quoted:
            if char in "\r\n":
                break
            if char in counts:
                counts[char] += 1
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


class _CsvRecords:
    """The records of a CSV text, and the physical line the reader has reached."""

    def __init__(self, text: str, delimiter: str) -> None:
        # The cell limit is checked per cell below, with the row and column in the message;
        # the csv module's own (global) field limit must not cut in first.
        if csv.field_size_limit() < len(text) + 1:
            csv.field_size_limit(len(text) + 1)
        self._reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)

    def line(self) -> int:
        return self._reader.line_num

    def __iter__(self) -> Iterator[list[str]]:
        reader = self._reader
        try:
            yield from reader
        except csv.Error as exc:
            raise TabularError(f"Row {reader.line_num}: the CSV is malformed ({exc}).") from exc


def _xls_records(data: bytes) -> tuple[Iterator[list[str]], int]:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
        sheet = book.sheet_by_index(0)
    except Exception as exc:  # xlrd raises XLRDError, struct errors, ... on damaged files
        raise TabularError(f"The .xls workbook could not be read ({exc}).") from exc

    def records() -> Iterator[list[str]]:
        for r in range(sheet.nrows):
            cells: list[str] = []
            for c in range(sheet.ncols):
                cell = sheet.cell(r, c)
                if cell.ctype == xlrd.XL_CELL_DATE:
                    try:
                        cells.append(cell_text(xlrd.xldate_as_datetime(cell.value, book.datemode)))
                    except Exception:
                        cells.append(cell_text(cell.value))
                elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                    cells.append(cell_text(bool(cell.value)))
                elif cell.ctype in (xlrd.XL_CELL_ERROR, xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    cells.append("")
                else:
                    cells.append(cell_text(cell.value))
            yield cells

    return records(), sheet.nrows


def cell_text(value: Any) -> str:
    """A spreadsheet value as the text the user sees (12.0 -> "12", no float noise)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _build(
    fmt: Format,
    records: Iterable[Sequence[str]],
    total: int,
    limits: Limits,
    progress: Progress | None,
    *,
    line_of: Callable[[], int] | None = None,
) -> Table:
    header: list[str] | None = None
    header_width = 0
    rows: list[Row] = []
    number = 0
    end_line = 0
    for number, record in enumerate(records, start=1):
        cells = list(record)
        width = len(cells)
        line = end_line + 1
        if line_of is not None:
            end_line = line_of()
        while cells and cells[-1] == "":
            cells.pop()
        if len(cells) > limits.max_columns:
            raise TabularError(
                f"Row {number} has {len(cells)} columns; the limit is {limits.max_columns}.",
                row=number,
            )
        for index, cell in enumerate(cells):
            if len(cell) > limits.max_cell_chars:
                name = header[index] if header and index < len(header) else ""
                label = f"column {column_letter(index)}" + (f" ({name})" if name else "")
                raise TabularError(
                    f"Row {number}, {label}: the cell holds {len(cell):,} characters; "
                    f"the limit is {limits.max_cell_chars:,}.",
                    row=number,
                    column=name or column_letter(index),
                )
        if header is None:
            if not any(c.strip() for c in cells):
                continue  # blank lines above the header
            header = [c.strip().lstrip("\ufeff") for c in cells]
            header_width = width
            continue
        if not any(c.strip() for c in cells):
            continue
        if len(rows) >= limits.max_rows:
            raise TabularError(f"The file has more than {limits.max_rows:,} rows.", row=number)
        if line_of is None:
            rows.append(Row(number, tuple(cells), width))
        else:
            rows.append(Row(number, tuple(cells), width, line, end_line))
        if progress is not None and len(rows) % PROGRESS_EVERY == 0:
            progress(min(number, total), total)
    if header is None:
        raise TabularError("The file has no header row.")
    if progress is not None:
        final = max(total, number) if total else number
        progress(final, final)
    return Table(fmt, header, rows, width=header_width)
