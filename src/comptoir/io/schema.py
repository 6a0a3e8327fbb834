"""Describe the columns of an import and validate a `Table` against them.

Callers (catalog, customers, ...) describe their columns; this module knows no business
format. Validation never stops at the first problem: it collects every error (row and
column) and warning so the user fixes the whole file at once. `ValidationResult.ok` is
true when there is no error; warnings do not block.

Conventions:
- Header names match case-insensitively, surrounding spaces ignored; a column may have
  aliases (older export names).
- Empty cells give `None` and `parse` is not called; `not_empty=True` makes them an error.
- `parse` receives the stripped cell text and raises `ValueError` with a message for the
  user; it may return any value.
- A cell the exporter neutralised against formula injection (`'=...`, `'+...`, `'-...`,
  `'@...`) is read back without the added quote, so export then import changes nothing.
- A column named `errors` (from a downloaded error file) is ignored with a warning unless the
  schema itself declares such a column.
- A broken row (a quote inside a cell split it into more cells than the header has, or
  joined the next lines into it) is an error; with `Schema.skip_broken_rows` it is left out
  of the parsed rows and listed in `ValidationResult.broken` for the caller to report.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from comptoir.io.reading import PROGRESS_EVERY, Progress, Row, Table, column_letter

ERROR_COLUMN = "errors"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Parser = Callable[[str], Any]


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = False  # the column must be in the header
    not_empty: bool = False  # every row must have a value
    parse: Parser | None = None
    aliases: tuple[str, ...] = ()
    importable: bool = True  # False: computed/export-only column, refused on import


@dataclass(frozen=True)
class ColumnPattern:
    """A family of dynamic columns, `<prefix><Key>`: e.g. `inventory_Main_Street`.

    `keys` are the known keys (outlet names); in headers their spaces are written as
    underscores. The parsed row holds `{name: {key: value}}` under the known key's real
    spelling. A header with an unknown key is an error naming `key_label`; with `keys`
    None, any suffix is accepted and kept as written.
    """

    prefix: str
    name: str
    parse: Parser | None = None
    keys: Sequence[str] | None = None
    key_label: str = "key"
    importable: bool = True


@dataclass(frozen=True)
class Issue:
    row: int | None  # None: about the file or a column, not a row
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return (", ".join(where) + ": " if where else "") + self.message


@dataclass
class ParsedRow:
    number: int
    values: dict[str, Any]


class Report:
    """Handed to caller checks to add their own errors and warnings."""

    def __init__(self) -> None:
        self.errors: list[Issue] = []
        self.warnings: list[Issue] = []

    def error(self, row: int | None, column: str | None, message: str) -> None:
        self.errors.append(Issue(row, column, message))

    def warning(self, row: int | None, column: str | None, message: str) -> None:
        self.warnings.append(Issue(row, column, message))


RowCheck = Callable[[ParsedRow, Report], None]
TableCheck = Callable[[Sequence[ParsedRow], Report], None]


@dataclass(frozen=True)
class Schema:
    columns: Sequence[Column]
    patterns: Sequence[ColumnPattern] = ()
    row_checks: Sequence[RowCheck] = ()
    table_checks: Sequence[TableCheck] = ()  # cross-row rules, e.g. duplicate SKU
    unknown_columns_are_errors: bool = False
    # Broken rows are left out and listed (the caller reports them), not errors.
    skip_broken_rows: bool = False


@dataclass
class ValidationResult:
    rows: list[ParsedRow]
    errors: list[Issue]
    warnings: list[Issue]
    present: list[str] = field(default_factory=list)  # schema names found in the header
    # Rows left out because they are broken (`Schema.skip_broken_rows`), in file order.
    broken: list[Row] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def messages_by_row(self) -> dict[int | None, list[str]]:
        """Error messages grouped by row number (None: file-level), in file order."""
        grouped: dict[int | None, list[str]] = {}
        for issue in self.errors:
            text = f"{issue.column}: {issue.message}" if issue.column else issue.message
            grouped.setdefault(issue.row, []).append(text)
        return grouped


def _norm(name: str) -> str:
    return name.strip().casefold()


@dataclass(frozen=True)
class _Slot:
    index: int
    header: str
    column: Column | None = None
    pattern: ColumnPattern | None = None
    key: str | None = None


def unique(column: str, *, message: str | None = None) -> TableCheck:
    """A table check: non-empty values of `column` must not repeat (e.g. SKU)."""

    def check(rows: Sequence[ParsedRow], report: Report) -> None:
        first: dict[Any, int] = {}
        for row in rows:
            value = row.values.get(column)
            if value is None:
                continue
            if value in first:
                report.error(
                    row.number,
                    column,
                    message or f"{value} is already used on row {first[value]}.",
                )
            else:
                first[value] = row.number

    return check


def _map_header(
    header: Sequence[str], schema: Schema, report: Report
) -> tuple[list[_Slot], dict[str, str]]:
    """The slot of each usable column, and each schema column's header as written."""
    by_name: dict[str, Column] = {}
    for declared in schema.columns:
        for name in (declared.name, *declared.aliases):
            by_name[_norm(name)] = declared
    declares_errors = _norm(ERROR_COLUMN) in by_name
    slots: list[_Slot] = []
    seen: dict[str, str] = {}
    for index, raw in enumerate(header):
        title = raw.strip()
        where = title or column_letter(index)
        if not title:
            report.warning(None, column_letter(index), "This column has no header; it was ignored.")
            continue
        col = by_name.get(_norm(title))
        slot: _Slot | None = None
        if col is not None:
            if col.name in seen:
                report.error(
                    None, title, f"The column {col.name} appears twice (also as {seen[col.name]})."
                )
                continue
            seen[col.name] = title
            if not col.importable:
                report.error(
                    None,
                    title,
                    "This column is computed and cannot be imported; remove it from the file.",
                )
                continue
            slot = _Slot(index, title, column=col)
        else:
            slot = _match_pattern(index, title, schema, report)
            if slot is None and _norm(title) == _norm(ERROR_COLUMN) and not declares_errors:
                report.warning(
                    None,
                    title,
                    "This column comes from an error file and was ignored; you may delete it.",
                )
                continue
            if slot is None and not any(
                _norm(title).startswith(_norm(p.prefix)) for p in schema.patterns
            ):
                text = "Unknown column; it was ignored."
                if schema.unknown_columns_are_errors:
                    report.error(None, where, "Unknown column.")
                else:
                    report.warning(None, where, text)
                continue
            if slot is not None:
                if slot.header in seen:
                    report.error(None, title, "This column appears twice.")
                    continue
                seen[slot.header] = title
        if slot is not None:
            slots.append(slot)
    for declared in schema.columns:
        if declared.required and declared.name not in seen:
            report.error(None, declared.name, "This required column is missing.")
    return slots, seen


def _match_pattern(index: int, title: str, schema: Schema, report: Report) -> _Slot | None:
    for pattern in schema.patterns:
        if not _norm(title).startswith(_norm(pattern.prefix)):
            continue
        suffix = title.strip()[len(pattern.prefix) :]
        if not pattern.importable:
            report.error(None, title, "This column is computed and cannot be imported.")
            return None
        if pattern.keys is None:
            key = suffix
        else:
            wanted = _norm(suffix.replace(" ", "_"))
            matches = [k for k in pattern.keys if _norm(k.replace(" ", "_")) == wanted]
            if not matches:
                report.error(None, title, f"Unknown {pattern.key_label}: {suffix}.")
                return None
            key = matches[0]
        return _Slot(index, f"{pattern.name}:{key}", pattern=pattern, key=key)
    return None


def _cell(value: str) -> str:
    # Undo `writing.neutralise`: one leading quote before (quotes and) a formula character.
    if value.startswith("'") and value.lstrip("'").startswith(_FORMULA_START):
        value = value[1:]
    return value.strip()


def validate(
    table: Table,
    schema: Schema,
    *,
    progress: Progress | None = None,
) -> ValidationResult:
    """Check the header, parse every cell, run the caller's checks. Never raises for bad data."""
    report = Report()
    slots, headers = _map_header(table.header, schema, report)
    width = len(table.header)
    parsed: list[ParsedRow] = []
    broken: list[Row] = []
    full_width = _written_in_full(table)
    total = len(table.rows)
    for done, row in enumerate(table.rows, start=1):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, total)
        if schema.skip_broken_rows and is_broken(row, width, full_width=full_width):
            broken.append(row)
            continue
        # `_cell` only for the cells that may carry the export's quote (per-cell calls add
        # up over a 100,000-row file).
        texts = [c.strip() if c[:1] != "'" else _cell(c) for c in row.cells]
        if not any(texts):
            continue  # blank once un-neutralised (e.g. a lone "'" + tab)
        values: dict[str, Any] = {}
        for slot in slots:
            text = texts[slot.index] if slot.index < len(texts) else ""
            if slot.column is not None:
                col = slot.column
                if text == "":
                    values[col.name] = None
                    if col.not_empty:
                        report.error(row.number, slot.header, "A value is required.")
                    continue
                try:
                    values[col.name] = text if col.parse is None else col.parse(text)
                except (ValueError, ArithmeticError) as exc:
                    report.error(row.number, slot.header, str(exc) or f"Invalid value: {text}")
            elif slot.pattern is not None and slot.key is not None:
                bucket = values.setdefault(slot.pattern.name, {})
                if text == "":
                    bucket[slot.key] = None
                    continue
                parse = slot.pattern.parse
                try:
                    bucket[slot.key] = text if parse is None else parse(text)
                except (ValueError, ArithmeticError) as exc:
                    report.error(row.number, slot.header, str(exc) or f"Invalid value: {text}")
        if len(row.cells) > width and any(c.strip() for c in row.cells[width:]):
            report.error(
                row.number,
                None,
                f"This row has {len(row.cells)} values but the header has {width} columns.",
            )
        parsed_row = ParsedRow(row.number, values)
        for check in schema.row_checks:
            check(parsed_row, report)
        parsed.append(parsed_row)
    for table_check in schema.table_checks:
        table_check(parsed, report)
    if progress is not None:
        progress(total, total)
    for note in table.notes:
        report.warning(None, None, note)
    return ValidationResult(
        parsed,
        _as_written(report.errors, headers),
        _as_written(report.warnings, headers),
        list(headers),
        broken,
    )


def _written_in_full(table: Table) -> int | None:
    """The cell count of every row when the file writes each cell, empty or not (as
    exporters do, most of the rows with as many cells as the header); else None."""
    width = table.width or len(table.header)
    same = sum(1 for row in table.rows if row.width == width)
    return width if table.rows and same * 2 > len(table.rows) else None


def is_broken(row: Row, width: int, *, full_width: int | None) -> bool:
    """A row with values past the header's, or in a file written in full, with another
    count of cells than the others: a quote in a cell split it or swallowed the next lines."""
    if len(row.cells) > width and any(c.strip() for c in row.cells[width:]):
        return True
    return full_width is not None and row.width != full_width


def _as_written(issues: list[Issue], headers: dict[str, str]) -> list[Issue]:
    """Issues in file order, each naming its column as the file's header spells it (checks
    name the schema's column: `gender` is the file's `sex`)."""
    named = [
        Issue(i.row, headers.get(i.column, i.column) if i.column else None, i.message)
        for i in issues
    ]
    return sorted(named, key=lambda i: -1 if i.row is None else i.row)
