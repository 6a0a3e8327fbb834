"""The `comptoir` command."""

from __future__ import annotations

import signal
import tempfile
import threading
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from comptoir.accounts import service as accounts
from comptoir.accounts import tokens
from comptoir.core.db import open_database
from comptoir.core.errors import DomainError
from comptoir.core.outbox import Dispatcher, subscribers
from comptoir.core.settings import get_settings
from comptoir.core.uow import UnitOfWork
from comptoir.migrate import upgrade_database

app = typer.Typer(help="Comptoir point of sale and back office.", no_args_is_help=True)
token_app = typer.Typer(help="Personal API tokens.", no_args_is_help=True)
app.add_typer(token_app, name="token")
import_app = typer.Typer(help="Import spreadsheets (CSV, XLSX, XLS).", no_args_is_help=True)
app.add_typer(import_app, name="import")
export_app = typer.Typer(
    help="Export spreadsheets (CSV, or XLSX by extension).", no_args_is_help=True
)
app.add_typer(export_app, name="export")
console = Console()
# Exit codes of `comptoir import`: the file has errors (or cannot be read), or it has only
# warnings and --continue-on-warnings was not given. Nothing is imported in either case.
EXIT_ERRORS = 1
EXIT_WARNINGS = 3
SHOWN_ISSUES = 20


def _fail(error: DomainError) -> None:
    console.print(f"[red]error:[/red] {error.message}")
    raise typer.Exit(code=1)


@app.command()
def init(
    owner_email: Annotated[str, typer.Option(help="The account owner's email (their username)")],
    owner_password: Annotated[str, typer.Option(help="The account owner's password")],
    demo: Annotated[bool, typer.Option(help="Seed a demo store")] = False,
) -> None:
    """Create or migrate the database, create the account owner, optionally seed a demo store."""
    from comptoir.setup import ensure_retailer, seed_demo_store

    settings = get_settings()
    upgrade_database(settings.database_url)
    db = open_database(settings.database_url)
    try:
        with UnitOfWork(db.write_sessions) as uow:
            ensure_retailer(uow)
        with UnitOfWork(db.write_sessions) as uow:
            accounts.ensure_owner(uow, email=owner_email, password=owner_password)
        if demo:
            with UnitOfWork(db.write_sessions) as uow:
                seeded = seed_demo_store(uow)
            console.print("Demo store seeded." if seeded else "Demo store already there.")
    except DomainError as error:
        _fail(error)
    finally:
        db.dispose()
    console.print(
        f"Database ready at {settings.database_url}; owner: {owner_email.strip().lower()}"
    )


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (done by `init` too)."""
    settings = get_settings()
    upgrade_database(settings.database_url)
    console.print(f"Database up to date at {settings.database_url}")


@token_app.command("create")
def token_create(
    user: Annotated[str, typer.Option(help="Username (the owner's is their email)")],
    name: Annotated[str, typer.Option(help="What the token is for")],
    scope: Annotated[
        list[str] | None,
        typer.Option(help='"area:read" or "area:write", repeatable; default "*" (full rights)'),
    ] = None,
    expires_days: Annotated[
        int | None, typer.Option(help="Days until the token expires; default never")
    ] = None,
) -> None:
    """Create a personal API token; it is printed once, on the last line."""
    db = open_database(get_settings().database_url)
    try:
        with UnitOfWork(db.write_sessions) as uow:
            created = tokens.create_token_for_username(
                uow, username=user, name=name, scopes=scope or None, expires_days=expires_days
            )
    except DomainError as error:
        _fail(error)
    finally:
        db.dispose()
    console.print(
        f"Token {name!r} created for {user} with scopes {' '.join(created.token.scopes)}."
        " Send it as: Authorization: Bearer <token>"
    )
    print(created.secret)


@import_app.command("products")
def import_products(
    file: Annotated[Path, typer.Argument(help="Lightspeed X-Series product file", exists=True)],
    continue_on_warnings: Annotated[
        bool, typer.Option(help="Import even when the file has warnings")
    ] = False,
) -> None:
    """Import products, all or nothing. On errors, writes the file with an error column."""
    from rich.progress import Progress

    from comptoir.catalog.transfer import service as transfer
    from comptoir.core import i18n

    i18n.set_locale("en")
    db = open_database(get_settings().database_url)
    try:
        with Progress(console=console, transient=True) as bar:
            tasks: dict[str, object] = {}

            def progress(phase: str, done: int, total: int) -> None:
                if phase not in tasks:
                    tasks[phase] = bar.add_task(phase.capitalize(), total=total or 1)
                bar.update(tasks[phase], completed=done, total=total or 1)  # type: ignore[arg-type]

            outcome = transfer.import_products(
                db,
                file.read_bytes(),
                filename=file.name,
                accept_warnings=continue_on_warnings,
                progress=progress,
            )
    finally:
        db.dispose()
    _print_issues("warning", outcome.warnings, "yellow")
    status = transfer.Status
    if outcome.status is status.IMPORTED:
        console.print(_summary_text(outcome.summary))
        return
    if outcome.status in (status.UNREADABLE, status.FAILED):
        console.print(f"[red]error:[/red] {outcome.message}")
        raise typer.Exit(code=EXIT_ERRORS)
    if outcome.status is status.WARNINGS:
        console.print(
            f"Nothing imported: {len(outcome.warnings)} warning(s). "
            "Run again with --continue-on-warnings to import anyway."
        )
        raise typer.Exit(code=EXIT_WARNINGS)
    _print_issues("error", outcome.errors, "red")
    assert outcome.error_file is not None and outcome.error_file_extension is not None
    path = _write_error_file(
        file, transfer.error_file_name(file.name, outcome.error_file_extension), outcome.error_file
    )
    console.print(f"Nothing imported: {len(outcome.errors)} error(s).")
    # The path alone on the last line, unwrapped, for scripts.
    print(f"Error file: {path}")
    raise typer.Exit(code=EXIT_ERRORS)


def _print_issues(kind: str, issues: list[Any], colour: str) -> None:
    for issue in issues[:SHOWN_ISSUES]:
        console.print(f"[{colour}]{kind}:[/{colour}] {issue}", markup=True, highlight=False)
    if len(issues) > SHOWN_ISSUES:
        console.print(f"... and {len(issues) - SHOWN_ISSUES} more {kind}(s)")


def _summary_text(summary: Any) -> str:
    new = ", ".join(
        f"{count} {kind.replace('_', ' ')}" for kind, count in summary.new_entities.items()
    )
    return (
        f"Imported {summary.rows} row(s): {summary.created} product(s) created "
        f"({summary.families_created} new famil{'y' if summary.families_created == 1 else 'ies'}),"
        f" {summary.updated} updated, {summary.unchanged} unchanged;"
        f" {summary.stock_levels_set} stock level(s) set" + (f"; new: {new}" if new else "") + "."
    )


def _write_error_file(source: Path, name: str, content: bytes) -> Path:
    """Next to the imported file, or in a temporary directory when that one is read-only."""
    path = source.with_name(name)
    try:
        path.write_bytes(content)
    except OSError:
        path = Path(tempfile.mkdtemp(prefix="comptoir-import-")) / name
        path.write_bytes(content)
    return path.resolve()


@export_app.command("products")
def export_products(
    file: Annotated[Path, typer.Argument(help="Where to write (.csv, or .xlsx)")],
) -> None:
    """Export every product in the Lightspeed X-Series product format."""
    from comptoir.catalog.transfer.export import export_extension
    from comptoir.catalog.transfer.export import export_products as export

    db = open_database(get_settings().database_url)
    try:
        with db.read_sessions() as session:
            content = export(session, fmt=export_extension(file.name))
    finally:
        db.dispose()
    file.write_bytes(content)
    console.print(f"Products exported to {file}")


@app.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    workers: Annotated[int, typer.Option(min=1)] = 1,
) -> None:
    """Serve the API, the back office and the sell screen."""
    import uvicorn

    uvicorn.run(
        "comptoir.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )


@app.command()
def worker(
    poll: Annotated[float, typer.Option(help="Seconds between polls when idle")] = 5.0,
) -> None:
    """Deliver outbox messages (webhooks, emails...) until stopped."""
    db = open_database(get_settings().database_url)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    console.print("Outbox worker running; Ctrl+C to stop.")
    try:
        Dispatcher(db, subscribers()).run(stop, poll_seconds=poll)
    finally:
        db.dispose()


if __name__ == "__main__":
    app()
