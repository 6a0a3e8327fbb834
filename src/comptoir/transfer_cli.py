"""`comptoir import KIND FILE` and `comptoir export KIND FILE`.

An import reads and validates the whole file first. With errors it writes the file again
with an `errors` column next to the original (fix the cells, delete the column, import it
again), prints every error (the first 50, and how many more) and that path on the last line,
and exits 1; with warnings only it stops (exit 2) unless `--continue-on-warnings`, the same
way (a product file's warnings are written to that file too); otherwise everything is
written in one transaction, exit 0.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TaskProgressColumn, TextColumn
from sqlalchemy.orm import Session

from comptoir.core import i18n
from comptoir.core.db import Database, open_database
from comptoir.core.errors import DomainError
from comptoir.core.settings import get_settings
from comptoir.core.uow import UnitOfWork
from comptoir.customers import transfer as customer_transfer
from comptoir.fiscal import journal as fiscal_journal
from comptoir.io import (
    Table,
    TabularError,
    ValidationResult,
    read_table,
    write_csv,
    write_error_file,
    write_xlsx,
)

import_app = typer.Typer(help="Import a spreadsheet (CSV, XLSX, XLS).", no_args_is_help=True)
export_app = typer.Typer(help="Export to a spreadsheet (CSV, or XLSX by extension).")
console = Console(stderr=True)

EXIT_ERRORS = 1
EXIT_WARNINGS = 2
SHOWN_ISSUES = 50  # printed of each kind; the error file has them all


def _open_database() -> Database:
    """The database, signing with the fiscal key (an import is recorded in the journal)."""
    settings = get_settings()
    db = open_database(settings.database_url)
    fiscal_journal.sign_with_key_directory(db, settings.fiscal_key_dir)
    return db


FileArg = Annotated[Path, typer.Argument(help="The spreadsheet file")]


@dataclass(frozen=True)
class Importer:
    validate: Callable[[Session, Table, Any], ValidationResult]
    write: Callable[[UnitOfWork, ValidationResult, Any], str]


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), console=console
    )


def run_import(path: Path, importer: Importer, *, continue_on_warnings: bool) -> None:
    try:
        data = path.read_bytes()
    except OSError as error:
        console.print(f"[red]error:[/red] cannot read {path}: {error.strerror}")
        raise typer.Exit(EXIT_ERRORS) from error
    db = _open_database()
    try:
        with _progress() as bar:
            reading = bar.add_task("Reading", total=None)
            try:
                table = read_table(
                    data,
                    filename=path.name,
                    progress=lambda done, total: bar.update(reading, completed=done, total=total),
                )
            except TabularError as error:
                console.print(f"[red]error:[/red] {error}")
                raise typer.Exit(EXIT_ERRORS) from error
            checking = bar.add_task("Checking", total=len(table.rows))
            with db.read_sessions() as session:
                result = importer.validate(
                    session,
                    table,
                    lambda done, total: bar.update(checking, completed=done, total=total),
                )
            if not result.ok:
                bar.stop()
                _report_errors(path, table, result)
            if result.warnings and not continue_on_warnings:
                bar.stop()
                print_issues("warning", result.warnings)
                console.print(
                    f"{len(result.warnings)} warning(s): nothing imported. Fix the file, or"
                    " run again with --continue-on-warnings to import it as it is."
                )
                raise typer.Exit(EXIT_WARNINGS)
            writing = bar.add_task("Importing", total=len(result.rows))
            with db.unit_of_work() as uow:
                summary = importer.write(
                    uow,
                    result,
                    lambda done, total: bar.update(writing, completed=done, total=total),
                )
    except DomainError as error:
        console.print(f"[red]error:[/red] {error.message} — nothing was imported.")
        raise typer.Exit(EXIT_ERRORS) from error
    finally:
        db.dispose()
    print(summary)


def _report_errors(path: Path, table: Table, result: ValidationResult) -> None:
    content, extension = write_error_file(table, result)
    error_file = path.with_name(f"{path.stem}-errors.{extension}")
    error_file.write_bytes(content)
    print_issues("error", result.errors)
    console.print(f"{len(result.errors)} error(s): nothing was imported.")
    console.print("Fix the cells in this file, delete its 'errors' column, then import it:")
    print(error_file)
    raise typer.Exit(EXIT_ERRORS)


def print_issues(kind: str, issues: Sequence[Any]) -> None:
    """Every error (or warning), or the first `SHOWN_ISSUES` and how many more."""
    colour = "red" if kind == "error" else "yellow"
    for issue in issues[:SHOWN_ISSUES]:
        console.print(f"[{colour}]{kind}:[/{colour}] {issue}", highlight=False)
    if len(issues) > SHOWN_ISSUES:
        more = len(issues) - SHOWN_ISSUES
        console.print(f"... and {more} more {kind}(s): the file written below lists them all.")


def run_export(
    path: Path, header: list[str], rows: Callable[[Session], Iterator[list[Any]]]
) -> None:
    db = _open_database()
    try:
        with db.read_sessions() as session:
            body = list(rows(session))
    finally:
        db.dispose()
    write_export(path, header, body)


def write_export(path: Path, header: list[str], body: list[list[Any]]) -> None:
    if path.suffix.lower() == ".xlsx":
        content = write_xlsx(header, body)
    else:
        content = write_csv(header, body)
    path.write_bytes(content)
    print(f"{len(body)} row(s) written to {path}")


def _customer_summary(uow: UnitOfWork, result: ValidationResult, progress: Any) -> str:
    outcome = customer_transfer.import_customers(
        uow, result=result, user_id=None, progress=progress
    )
    return (
        f"{outcome.created} customer(s) created, {outcome.updated} updated,"
        f" {outcome.groups_created} group(s) created."
    )


CUSTOMERS = Importer(
    validate=lambda session, table, progress: customer_transfer.validate_customers(
        session, table, progress=progress
    ),
    write=_customer_summary,
)


@import_app.command("customers")
def import_customers(
    file: FileArg,
    continue_on_warnings: Annotated[
        bool, typer.Option(help="Import even when the file has warnings")
    ] = False,
) -> None:
    """Import customers with the X-Series customer columns; an existing code updates."""
    run_import(file, CUSTOMERS, continue_on_warnings=continue_on_warnings)


@export_app.command("customers")
def export_customers(file: FileArg) -> None:
    """Export every customer with the X-Series customer columns (a security event)."""
    file_format = "xlsx" if file.suffix.lower() == ".xlsx" else "csv"
    db = _open_database()
    try:
        with db.unit_of_work() as uow:
            body = customer_transfer.export_customer_list(
                uow, file_format=file_format, actor_id=None
            )
    finally:
        db.dispose()
    write_export(file, customer_transfer.EXPORT_COLUMNS, body)


@import_app.command("products")
def import_products(
    file: FileArg,
    continue_on_warnings: Annotated[
        bool, typer.Option(help="Import even when the file has warnings")
    ] = False,
) -> None:
    """Import products with the Lightspeed X-Series product columns, all or nothing; a row
    whose id or SKU is in the catalog updates that product."""
    from comptoir.catalog.transfer import service as products

    try:
        data = file.read_bytes()
    except OSError as error:
        console.print(f"[red]error:[/red] cannot read {file}: {error.strerror}")
        raise typer.Exit(EXIT_ERRORS) from error
    i18n.set_locale("en")  # the command line speaks English, like its other messages
    db = _open_database()
    try:
        with _progress() as bar:
            tasks: dict[str, TaskID] = {}

            def progress(phase: str, done: int, total: int) -> None:
                if phase not in tasks:
                    tasks[phase] = bar.add_task(phase.capitalize(), total=total or None)
                bar.update(tasks[phase], completed=done, total=total or None)

            outcome = products.import_products(
                db,
                data,
                filename=file.name,
                accept_warnings=continue_on_warnings,
                progress=progress,
            )
    finally:
        db.dispose()
    status = products.Status
    if outcome.status is status.IMPORTED:
        print_issues("warning", outcome.warnings)
        print(_products_summary(outcome.summary))
        return
    if outcome.status in (status.UNREADABLE, status.FAILED):
        print_issues("warning", outcome.warnings)
        console.print(f"[red]error:[/red] {outcome.message}", highlight=False)
        raise typer.Exit(EXIT_ERRORS)
    print_issues("error", outcome.errors)
    print_issues("warning", outcome.warnings)
    if outcome.status is status.WARNINGS:
        console.print(
            f"{len(outcome.warnings)} warning(s): nothing imported. Fix the file, or run"
            " again with --continue-on-warnings to import it as it is."
        )
        console.print("The file with its warnings in an 'errors' column:")
        code = EXIT_WARNINGS
    else:
        console.print(f"{len(outcome.errors)} error(s): nothing was imported.")
        console.print("Fix the cells in this file, delete its 'errors' column, then import it:")
        code = EXIT_ERRORS
    if outcome.error_file is None or outcome.error_file_extension is None:
        raise typer.Exit(code)  # not expected: both refusals come with their file
    name = products.error_file_name(file.name, outcome.error_file_extension)
    print(_write_beside(file, name, outcome.error_file))
    raise typer.Exit(code)


def _products_summary(summary: Any) -> str:
    new = ", ".join(
        f"{count} {kind.replace('_', ' ')}" for kind, count in summary.new_entities.items()
    )
    return (
        f"{summary.rows} row(s): {summary.created} product(s) created"
        f" ({summary.families_created} new handle(s)), {summary.updated} updated,"
        f" {summary.unchanged} unchanged; {summary.stock_levels_set} stock level(s) set"
        + (f"; new: {new}" if new else "")
        + "."
    )


def _write_beside(source: Path, name: str, content: bytes) -> Path:
    """Next to the imported file, or in a temporary directory when that one is read-only."""
    path = source.with_name(name)
    try:
        path.write_bytes(content)
    except OSError:
        path = Path(tempfile.mkdtemp(prefix="comptoir-import-")) / name
        path.write_bytes(content)
    return path.resolve()


@export_app.command("products")
def export_products(file: FileArg) -> None:
    """Export every product with the Lightspeed X-Series product columns, one row per
    product or variant and one per component of a composite."""
    from comptoir.catalog.transfer.export import export_extension
    from comptoir.catalog.transfer.export import export_products as export

    db = _open_database()
    try:
        with db.read_sessions() as session:
            content = export(session, fmt=export_extension(file.name))
    finally:
        db.dispose()
    file.write_bytes(content)
    print(f"Products written to {file}")
