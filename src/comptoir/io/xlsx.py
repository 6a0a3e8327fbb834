"""Read the first worksheet of an .xlsx upload: calamine, with openpyxl as the fallback.

calamine (Rust, through python-calamine) reads a 100,000-row sheet 4.5 times faster than
openpyxl's read-only mode, the scan below included (docs/decisions/0006-xlsx-reading.md).
It has three gaps, closed here by a scan of the sheet's XML before it runs:

- It builds the sheet as one dense grid up to the last cell, in memory, and a grid it cannot
  allocate aborts the whole process: a 2 KB file with values in A1 and XFD1048576 asks for
  512 GB. The scan finds the last row and column, and a sheet larger than
  `Limits.max_sheet_cells` is refused with a message saying why.
- It reads error cells (`#N/A`, `#DIV/0!`) as empty, so a failed formula would be imported
  as a blank. The scan finds them and puts their text back, as openpyxl gave it.
- The scan is exact only for the usual way of writing cells (`<c r="B7" ...>`, which Excel,
  LibreOffice, Google Sheets and openpyxl all write). Any other sheet XML (cells without
  `r`, namespace prefixes) is read by openpyxl, which streams, as is a file calamine fails
  on (it panics on some values, e.g. a huge number formatted as a duration).

Either way each cell becomes the text `cell_text` gives, so the reader does not change what
the user sees: 12.3 stays "12.3", a date "2024-05-01", TRUE "TRUE".

Before either runs, every part of the zip is inflated once, 1 MB at a time, counting the
bytes it really produces (`_check_inflation`): the sizes a zip declares are only claims
(a 3.9 MB upload whose headers lied inflated to 1.15 GB and took 2.2 GB of server memory).
A part that inflates past its declared size, or declared sizes that together pass
`Limits.max_uncompressed_bytes`, refuse the file, in constant memory.
"""

from __future__ import annotations

import io
import logging
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

from comptoir.core.i18n import N_
from comptoir.io.reading import Limits, TabularError, cell_text, column_letter

log = logging.getLogger(__name__)

# When every cell start tag is written `<c r="<column><row>"`, the refs give the exact
# position of every cell (calamine places a cell by its `r`).
_UNUSUAL_CELL_TAG = re.compile(rb'<c(?! r="[A-Z]{1,3}[0-9]{1,7}")[\s/>]')
_PREFIXED_CELL_TAG = re.compile(rb":c[\s/>]")
_REF_COLUMN = re.compile(rb'<c r="([A-Z]{1,3})[0-9]{1,7}"')
_REF_ROW = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"')
_ERROR_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"[^>]*?\st\s*=\s*["\']e["\'][^>]*>')
_VALUE = re.compile(rb"<v(?:\s[^>]*)?>([^<]*)</v>")


TOO_LARGE = N_(
    "The .xlsx workbook is too large once decompressed. Split it into smaller files, or save "
    "it as CSV, and upload it again."
)
SIZE_MISMATCH = N_(
    "The .xlsx workbook is damaged: a part of it decompresses to more than its declared "
    "size. Save it again from your spreadsheet and upload it again."
)
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature ... name length, extra length
_INPUT_CHUNK = 64 * 1024
_OUTPUT_CHUNK = 1024 * 1024


def _check_inflation(data: bytes, members: list[zipfile.ZipInfo]) -> None:
    """Inflate every member as a reader would, in constant memory, counting real bytes:
    none may produce more than its declared size. With the declared sizes already summed
    under the limit, the bytes a reader can inflate stay under it too (members that
    overlap, one deflate stream named many times, each count in that sum).

    The compressed bytes are read where the member's local header says its data starts, up
    to the compressed size of the central directory, as zipfile and calamine's zip reader
    do.
    """
    view = memoryview(data)
    for member in members:
        start = _data_start(data, member)
        raw = view[start : start + member.compress_size]
        if member.compress_type == zipfile.ZIP_STORED:
            produced = len(raw)
        elif member.compress_type == zipfile.ZIP_DEFLATED:
            produced = _inflated_size(raw, stop_after=member.file_size)
        else:  # Excel writes stored or deflated parts only
            raise TabularError("The .xlsx workbook uses a compression Excel does not write.")
        if produced > member.file_size:
            raise TabularError(SIZE_MISMATCH)


def _data_start(data: bytes, member: zipfile.ZipInfo) -> int:
    offset: int = member.header_offset
    if offset < 0 or offset + _LOCAL_HEADER.size > len(data):
        raise zipfile.BadZipFile("local header out of the file")
    signature, name_length, extra_length = _LOCAL_HEADER.unpack_from(data, offset)
    if signature != b"PK\x03\x04":
        raise zipfile.BadZipFile("bad local header")
    return offset + _LOCAL_HEADER.size + int(name_length) + int(extra_length)


def _inflated_size(raw: memoryview, *, stop_after: int) -> int:
    """How many bytes the raw deflate stream inflates to, counting no further than one
    output chunk past `stop_after`; nothing inflated is kept."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    produced = 0
    for offset in range(0, len(raw) or 1, _INPUT_CHUNK):
        pending: bytes | memoryview = raw[offset : offset + _INPUT_CHUNK]
        while True:
            out = len(inflater.decompress(pending, _OUTPUT_CHUNK))
            produced += out
            if produced > stop_after or inflater.eof:
                return produced
            pending = inflater.unconsumed_tail
            if not pending and out < _OUTPUT_CHUNK:
                break  # this input is used up (a full chunk may leave output in zlib: drain)
    return produced


@dataclass
class _Scan:
    rows: int  # the last row holding a cell, 1-based (0: no cell)
    columns: int  # the last column holding a cell, 1-based
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # 0-based (row, col)


def xlsx_records(data: bytes, limits: Limits) -> tuple[Iterator[list[str]], int]:
    """Rows of text of the first worksheet, and their count (for progress)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            declared = sum(info.file_size for info in archive.infolist())
            if "xl/workbook.xml" not in names:
                raise TabularError("The file is a zip archive but not an Excel .xlsx workbook.")
            if declared > limits.max_uncompressed_bytes:
                raise TabularError(TOO_LARGE)
            _check_inflation(data, archive.infolist())
            sheet = _first_worksheet(archive, names)
            xml = archive.read(sheet[1]) if sheet else b""
    except TabularError:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise TabularError("The .xlsx workbook is damaged (not a readable zip archive).") from exc
    except Exception as exc:  # zlib.error, XML errors in workbook.xml, ...
        raise TabularError(f"The .xlsx workbook could not be read ({exc}).") from exc
    scan = _scan(xml) if sheet else None
    del xml
    if sheet is None or scan is None:
        return _openpyxl_records(data)
    if scan.rows * scan.columns > limits.max_sheet_cells:
        raise TabularError(
            f"The sheet reaches row {scan.rows:,} and column {column_letter(scan.columns - 1)}: "
            f"read from A1 that is {scan.rows * scan.columns:,} cells, and the limit is "
            f"{limits.max_sheet_cells:,}. Delete the rows and columns after your data "
            "(or save the sheet as CSV) and upload it again."
        )
    values = _calamine_values(data, sheet[0])
    if values is None:
        return _openpyxl_records(data)
    for (row, col), text in scan.errors.items():
        if 0 <= row < len(values):
            cells = values[row]
            cells.extend([""] * (col + 1 - len(cells)))
            cells[col] = text

    def records() -> Iterator[list[str]]:
        for cells in values:
            yield [v if v.__class__ is str else cell_text(v) for v in cells]

    return records(), len(values)


def _first_worksheet(archive: zipfile.ZipFile, names: set[str]) -> tuple[str, str] | None:
    """(name, part) of the first worksheet in workbook order (chart sheets skipped), as
    openpyxl's `worksheets[0]`; None when the workbook does not say plainly."""
    rels_name = "xl/_rels/workbook.xml.rels"
    if rels_name not in names:
        return None
    # The stdlib parser, as openpyxl uses: it resolves no external entity, and its expat
    # (>= 2.4) stops entity amplification ("billion laughs").
    try:
        rels = ElementTree.fromstring(archive.read(rels_name))  # noqa: S314
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))  # noqa: S314
    except ElementTree.ParseError:
        return None
    targets = {}
    for rel in rels.iter():
        if rel.tag.rpartition("}")[2] == "Relationship" and rel.get("Type", "").endswith(
            "/worksheet"
        ):
            targets[rel.get("Id")] = rel.get("Target", "")
    for sheet in workbook.iter():
        if sheet.tag.rpartition("}")[2] != "sheet":
            continue
        rid = next((v for k, v in sheet.attrib.items() if k.rpartition("}")[2] == "id"), None)
        target = targets.get(rid)
        name = sheet.get("name")
        if target is None or name is None:
            continue
        part = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        part = posixpath.normpath(part)
        return (name, part) if part in names else None
    return None


def _scan(xml: bytes) -> _Scan | None:
    """The sheet's extent and error cells, or None when its XML is not in the usual form."""
    if _PREFIXED_CELL_TAG.search(xml) or _UNUSUAL_CELL_TAG.search(xml):
        return None  # a namespace prefix, or a cell without `r` (or not as first attribute)
    columns = _REF_COLUMN.findall(xml)
    if not columns:
        return _Scan(0, 0)
    last_column = max(set(columns), key=lambda letters: (len(letters), letters))
    scan = _Scan(max(map(int, set(_REF_ROW.findall(xml)))), _column_number(last_column))
    if b'"e"' in xml or b"'e'" in xml:  # cheap test before the slower search
        for match in _ERROR_CELL.finditer(xml):
            if match.group(0).endswith(b"/>"):
                continue
            end = xml.find(b"</c>", match.end())
            value = _VALUE.search(xml, match.end(), end if end >= 0 else len(xml))
            if value:
                position = (int(match.group(2)) - 1, _column_number(match.group(1)) - 1)
                scan.errors[position] = value.group(1).decode("utf-8", "replace")
    return scan


def _column_number(letters: bytes) -> int:
    """b"A" -> 1, b"AA" -> 27."""
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _calamine_values(data: bytes, sheet_name: str) -> list[list[Any]] | None:
    """The sheet as a grid from A1, or None when calamine cannot read it."""
    import python_calamine

    try:
        with python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)) as workbook:
            sheet = workbook.get_sheet_by_name(sheet_name)
            return sheet.to_python(skip_empty_area=False)
    except Exception as exc:
        failure: BaseException = exc
    except BaseException as exc:
        # A Rust panic reaches Python as pyo3's PanicException, which is a BaseException.
        if type(exc).__name__ != "PanicException":
            raise
        failure = exc
    log.info("calamine could not read the sheet (%s); reading it with openpyxl", failure)
    return None


def _openpyxl_records(data: bytes) -> tuple[Iterator[list[str]], int]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=True, keep_links=False
        )
        sheet = workbook.worksheets[0]
        total = int(sheet.max_row or 0)
        # Rows are not padded to the width the sheet declares: a <dimension> of
        # A1:XFD1048576 would make every row 16,384 cells, hours for a 2 KB file.
        sheet.reset_dimensions()
    except Exception as exc:  # openpyxl raises many types on damaged files
        raise TabularError(f"The .xlsx workbook could not be read ({exc}).") from exc

    def records() -> Iterator[list[str]]:
        try:
            for values in sheet.iter_rows(values_only=True):
                yield [cell_text(v) for v in values]
        except TabularError:
            raise
        except Exception as exc:
            raise TabularError(f"The .xlsx workbook could not be read ({exc}).") from exc
        finally:
            workbook.close()

    return records(), total
