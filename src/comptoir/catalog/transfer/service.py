"""Importing a product spreadsheet, all or nothing.

    outcome = import_products(db, data, filename="products.csv", accept_warnings=False)

1. The file is read and every cell checked (no database lock held): CSV, XLSX or XLS.
2. In one transaction, the rows are matched to the store and checked against it (unknown
   taxes, SKUs of other products, variants...).
3. With errors nothing is written: the outcome holds them and the file with an added error
   column. With warnings only, nothing is written unless `accept_warnings`; then the user
   may continue anyway (the outcome holds the file with its warnings too, to fix it
   instead). Otherwise everything is written and committed at once.

A broken row (a quote in a cell split it or swallowed the next lines) is a warning naming
its lines in the file: continuing anyway imports the file without it.

Messages are written in the current locale (`comptoir.core.i18n.set_locale`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy.exc import IntegrityError

from comptoir.catalog.models import Brand, ProductType, Supplier, Tag, VariantAttribute
from comptoir.catalog.transfer import format as f
from comptoir.catalog.transfer.apply import apply_plan
from comptoir.catalog.transfer.lookup import snapshot
from comptoir.catalog.transfer.plan import Plan, Planner
from comptoir.core.db import Database
from comptoir.core.i18n import gettext_ as _
from comptoir.fiscal import events as fiscal_events
from comptoir.io import (
    Issue,
    Limits,
    Report,
    Row,
    Table,
    TabularError,
    ValidationResult,
    read_table,
    validate,
    write_error_file,
)
from comptoir.io.collector import collector_paused
from comptoir.store import service as store

# (phase, done, total); phases: reading, validating, checking, importing.
PhaseProgress = Callable[[str, int, int], None]
READING, VALIDATING, CHECKING, IMPORTING = "reading", "validating", "checking", "importing"


class Status(StrEnum):
    UNREADABLE = "unreadable"  # the file could not be read at all: `message` says why
    ERRORS = "errors"  # nothing imported; `error_file` is the file with an error column
    WARNINGS = "warnings"  # nothing imported yet; may be imported anyway (`error_file` too)
    IMPORTED = "imported"
    FAILED = "failed"  # the catalog changed during the import; nothing was imported


@dataclass
class Summary:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    families_created: int = 0
    stock_levels_set: int = 0
    # "brands", "suppliers", "product_types", "tags", "variant_attributes" -> how many new
    new_entities: dict[str, int] = field(default_factory=dict)


@dataclass
class Outcome:
    status: Status
    message: str | None = None
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    summary: Summary = field(default_factory=Summary)
    error_file: bytes | None = None
    error_file_extension: str | None = None


_ENTITY_KEYS = {
    Brand: "brands",
    Supplier: "suppliers",
    ProductType: "product_types",
    Tag: "tags",
    VariantAttribute: "variant_attributes",
}


@dataclass
class ReadFile:
    """A file read and checked cell by cell, not yet against the store."""

    table: Table
    result: ValidationResult
    outlet_names: list[str]


def _phase(progress: PhaseProgress | None, name: str) -> Callable[[int, int], None] | None:
    if progress is None:
        return None
    return lambda done, total: progress(name, done, total)


def read_products(
    db: Database,
    data: bytes,
    *,
    filename: str | None = None,
    progress: PhaseProgress | None = None,
    limits: Limits | None = None,
) -> ReadFile:
    """Read and check every cell; no lock is taken. Raises `TabularError` for a file that
    cannot be read at all."""
    with db.read_sessions() as session:
        outlet_names = [o.name for o in store.list_outlets(session)]
    with collector_paused():
        table = read_table(
            data, filename=filename, limits=limits, progress=_phase(progress, READING)
        )
        schema = f.product_schema(outlet_names)
        result = validate(table, schema, progress=_phase(progress, VALIDATING))
    return ReadFile(table, result, outlet_names)


def import_products(
    db: Database,
    data: bytes,
    *,
    filename: str | None = None,
    accept_warnings: bool = False,
    user_id: uuid.UUID | None = None,
    progress: PhaseProgress | None = None,
    limits: Limits | None = None,
) -> Outcome:
    try:
        read = read_products(db, data, filename=filename, progress=progress, limits=limits)
    except TabularError as error:
        return Outcome(Status.UNREADABLE, message=error.message)
    return import_read(
        db, read, accept_warnings=accept_warnings, user_id=user_id, progress=progress
    )


def import_read(
    db: Database,
    read: ReadFile,
    *,
    accept_warnings: bool = False,
    user_id: uuid.UUID | None = None,
    progress: PhaseProgress | None = None,
) -> Outcome:
    """Check `read` against the store and import it, in one transaction."""
    with collector_paused():
        return _import_read(db, read, accept_warnings, user_id, progress)


def _import_read(
    db: Database,
    read: ReadFile,
    accept_warnings: bool,
    user_id: uuid.UUID | None,
    progress: PhaseProgress | None,
) -> Outcome:
    table, result = read.table, read.result
    report = Report()
    report.errors.extend(_named(result.errors, read.outlet_names))
    report.warnings.extend(_named(result.warnings, read.outlet_names))
    header_width = table.width or len(table.header)
    report.warnings.extend(_broken(row, header_width) for row in result.broken)
    present = {name.partition(":")[0] for name in result.present}
    if {f.COMPOSITE_SKU, f.COMPOSITE_HANDLE} & present and f.COMPOSITE_QUANTITY not in present:
        report.error(
            None,
            f.COMPOSITE_QUANTITY,
            _("This column is needed with composite_sku or composite_handle."),
        )
    file_level = any(issue.row is None for issue in report.errors)
    failed_rows = {issue.row for issue in report.errors}
    rows = [row for row in result.rows if row.number not in failed_rows]

    with db.unit_of_work() as uow:
        plan: Plan | None = None
        if not file_level:
            planner = Planner(
                uow.session,
                snapshot=snapshot(uow.session),
                rows=rows,
                present=present,
                report=report,
                progress=_phase(progress, CHECKING),
            )
            plan = planner.plan()
        errors = sorted(report.errors, key=_order)
        warnings = sorted(report.warnings, key=_order)
        summary = _summary(len(result.rows), plan)
        if errors or plan is None or (warnings and not accept_warnings):
            content, extension = _error_file(table, result, errors, warnings)
            return Outcome(
                Status.ERRORS if errors or plan is None else Status.WARNINGS,
                errors=errors,
                warnings=warnings,
                summary=summary,
                error_file=content,
                error_file_extension=extension,
            )
        try:
            import_id = uuid.uuid4()
            summary.stock_levels_set = apply_plan(
                uow.session,
                plan,
                import_id=import_id,
                user_id=user_id,
                progress=_phase(progress, IMPORTING),
            )
            fiscal_events.data_imported(
                uow.session, what="products", rows=summary.rows, import_id=import_id
            )
            uow.commit()
        except IntegrityError:
            # Another user changed the catalog between our checks and our writes (a SKU
            # taken meanwhile, say): the transaction is rolled back, nothing is imported.
            return Outcome(
                Status.FAILED,
                message=_(
                    "The catalog changed during the import: nothing was imported. "
                    "Import the file again."
                ),
                warnings=warnings,
            )
    return Outcome(Status.IMPORTED, warnings=warnings, summary=summary)


def _error_file(
    table: Table, result: ValidationResult, errors: list[Issue], warnings: list[Issue]
) -> tuple[bytes, str]:
    """The file with an `errors` column holding the errors, then the warnings, of each row."""
    marked = [
        Issue(i.row, i.column, _("(warning) {message}").format(message=i.message)) for i in warnings
    ]
    issues = sorted([*errors, *marked], key=_order)
    return write_error_file(table, ValidationResult(result.rows, issues, [], broken=result.broken))


def _broken(row: Row, header_width: int) -> Issue:
    """A broken row, named by the lines of the file it spans: a text editor is what mends it."""
    if not row.line:
        where = _("This row")
    elif row.end_line > row.line:
        where = _("Lines {first} to {last} of the file").format(first=row.line, last=row.end_line)
    else:
        where = _("Line {line} of the file").format(line=row.line)
    message = _(
        "{where}: {cells} cells where the header has {columns}. A quote or a line break "
        "inside a cell (often an HTML description) broke the row. Mend it in the file, or "
        "continue anyway to import the file without it."
    ).format(where=where, cells=row.width, columns=header_width)
    return Issue(row.number, None, message)


def _summary(rows: int, plan: Plan | None) -> Summary:
    if plan is None:
        return Summary(rows=rows)
    return Summary(
        rows=rows,
        created=len(plan.created),
        updated=len(plan.updated),
        unchanged=plan.unchanged,
        families_created=plan.families_created,
        new_entities={_ENTITY_KEYS[m]: count for m, count in plan.new_entities.items() if count},
    )


def _order(issue: Issue) -> tuple[int, str]:
    return (-1 if issue.row is None else issue.row, issue.column or "")


def _named(issues: list[Issue], outlet_names: list[str]) -> list[Issue]:
    """The engine names an outlet column's cells "inventory:Main Street"; the user's file
    says `inventory_Main_Street`."""
    headers = {
        f"{prefix.rstrip('_')}:{outlet}": f.outlet_column(prefix, outlet)
        for prefix in f.OUTLET_PREFIXES
        for outlet in outlet_names
    }
    return [
        Issue(i.row, headers.get(i.column, i.column), i.message) if i.column else i for i in issues
    ]


def error_file_name(filename: str, extension: str) -> str:
    """`products.csv` -> `products-errors.csv`."""
    stem = filename.rsplit(".", 1)[0] if "." in filename else filename
    return f"{stem}-errors.{extension}"


__all__ = [
    "CHECKING",
    "IMPORTING",
    "READING",
    "VALIDATING",
    "Outcome",
    "PhaseProgress",
    "ReadFile",
    "Status",
    "Summary",
    "Table",
    "error_file_name",
    "import_products",
    "import_read",
    "read_products",
]
