"""The `comptoir` command."""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

import comptoir.fiscal_cli_closings  # noqa: F401  (its commands join fiscal_app)
from comptoir.accounts import service as accounts
from comptoir.accounts import tokens
from comptoir.core.db import open_database
from comptoir.core.errors import DomainError
from comptoir.core.outbox import Dispatcher
from comptoir.core.settings import get_settings
from comptoir.fiscal import journal as fiscal_journal
from comptoir.fiscal_cli import fiscal_app
from comptoir.migrate import upgrade_database
from comptoir.outbox_handlers import install_outbox_handlers
from comptoir.transfer_cli import export_app, import_app

app = typer.Typer(help="Comptoir point of sale and back office.", no_args_is_help=True)
token_app = typer.Typer(help="Personal API tokens.", no_args_is_help=True)
app.add_typer(token_app, name="token")
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
app.add_typer(fiscal_app, name="fiscal")
console = Console()


def _fail(error: DomainError) -> None:
    console.print(f"[red]error:[/red] {error.message}")
    raise typer.Exit(code=1)


@app.callback()
def check_settings() -> None:
    """Refuse a wrong COMPTOIR_* setting before any command, with what is wrong in a line
    each (not the traceback the server or a worker would otherwise end with)."""
    try:
        get_settings()
    except ValidationError as error:
        for problem in error.errors():
            where = "_".join(str(part) for part in problem["loc"]).upper()
            prefix = f"COMPTOIR_{where}: " if where else ""
            console.print(f"[red]error:[/red] {prefix}{problem['msg']}")
        raise typer.Exit(code=2) from None


@app.command()
def init(
    owner_email: Annotated[str, typer.Option(help="The account owner's email (their username)")],
    owner_password: Annotated[str, typer.Option(help="The account owner's password")],
    demo: Annotated[bool, typer.Option(help="Seed a demo store")] = False,
) -> None:
    """Create or migrate the database, create the account owner, optionally seed a demo store."""
    from comptoir.setup import ensure_retailer, ensure_store_credit_tender, seed_demo_store

    settings = get_settings()
    upgrade_database(settings.database_url)
    db = open_database(settings.database_url)
    try:
        # Before any sale (the demo's) is recorded: every sale is signed with it.
        key = fiscal_journal.ensure_signing_key(db, settings.fiscal_key_dir)
        with db.unit_of_work() as uow:
            ensure_retailer(uow)
        with db.unit_of_work() as uow:
            accounts.ensure_owner(uow, email=owner_email, password=owner_password)
        if demo:
            with db.unit_of_work() as uow:
                seeded = seed_demo_store(uow)
            console.print("Demo store seeded." if seeded else "Demo store already there.")
        with db.unit_of_work() as uow:
            ensure_store_credit_tender(uow)
    except DomainError as error:
        _fail(error)
    finally:
        db.dispose()
    console.print(
        f"Database ready at {settings.database_url}; owner: {owner_email.strip().lower()}"
    )
    console.print(f"Fiscal signing key {key.key_id} in {settings.fiscal_key_dir}")


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
    settings = get_settings()
    db = open_database(settings.database_url)
    fiscal_journal.sign_with_key_directory(db, settings.fiscal_key_dir)  # a rights change
    try:
        with db.unit_of_work() as uow:
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
    settings = get_settings()
    db = open_database(
        settings.database_url,
        busy_timeout_ms=settings.sqlite_busy_timeout_ms,
        checkpoint_every_s=settings.sqlite_checkpoint_seconds,
    )
    fiscal_journal.sign_with_key_directory(db, settings.fiscal_key_dir)
    handlers = install_outbox_handlers(db, settings)  # the same as the web app's
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    console.print("Outbox worker running; Ctrl+C to stop.")
    try:
        Dispatcher(db, handlers).run(stop, poll_seconds=poll)
    finally:
        db.dispose()


@app.command("terminal-simulator")
def terminal_simulator(
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8765,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    scenario: Annotated[
        str,
        typer.Option(
            help="approve, decline, timeout, customer_cancels, approve_delayed or"
            " connection_lost (PUT /v1/scenario changes it while running)"
        ),
    ] = "approve",
    delay: Annotated[float, typer.Option(help="Seconds before a delayed outcome")] = 2.0,
    timeout: Annotated[float, typer.Option(help="Seconds before `timeout` fails")] = 30.0,
) -> None:
    """Run a card terminal simulator speaking HTTP like a cloud terminal API."""
    from comptoir.payments.simulator_server import SCENARIOS, serve_simulator

    if scenario not in SCENARIOS:
        console.print(f"[red]Unknown scenario {scenario}[/red]: one of {', '.join(SCENARIOS)}")
        raise typer.Exit(2)
    console.print(f"Terminal simulator on http://{host}:{port} (scenario: {scenario})")
    with contextlib.suppress(KeyboardInterrupt):
        serve_simulator(host=host, port=port, scenario=scenario, delay=delay, timeout=timeout)


if __name__ == "__main__":
    app()
