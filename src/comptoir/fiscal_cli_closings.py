"""`comptoir fiscal close` (the closings of idle registers) and `comptoir fiscal archive`
(a month's signed archive), on the `fiscal_app` of fiscal_cli."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from comptoir.core.clock import utcnow
from comptoir.core.db import open_database
from comptoir.core.errors import DomainError
from comptoir.core.settings import get_settings
from comptoir.fiscal import archive as fiscal_archive
from comptoir.fiscal import closings
from comptoir.fiscal.journal import sign_with_key_directory
from comptoir.fiscal_cli import console, fiscal_app


@fiscal_app.command("close")
def close() -> None:
    """Close the open day of every register whose day is over in its outlet's time zone
    (a register's next sale does it too; run this daily for registers left idle)."""
    settings = get_settings()
    db = open_database(settings.database_url)
    try:
        sign_with_key_directory(db, settings.fiscal_key_dir)
        with db.read_sessions() as session:
            today = closings.today_by_zone(closings.chain_zones(session), utcnow())
            due = closings.due_chains(session, today_by_zone=today)
        appended = 0
        for chain in due:
            # One chain per transaction: a register's sales wait only for its own closing.
            with db.unit_of_work() as uow:
                appended += len(
                    closings.close_due_days(uow.session, today_by_zone=today, chains=[chain])
                )
                uow.commit()
    except DomainError as error:
        console.print(f"[red]error:[/red] {error.message}")
        raise typer.Exit(code=1) from None
    finally:
        db.dispose()
    console.print(f"{len(due)} register day(s) closed, {appended} closing(s) recorded.")


@fiscal_app.command("archive")
def archive(
    period: Annotated[
        str | None, typer.Option(help="The month to archive, YYYY-MM (default: last month)")
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(help="Directory for the zip (default: COMPTOIR_FISCAL_ARCHIVE_DIR)"),
    ] = None,
) -> None:
    """Write a month's signed archive of the journal (zip: JSON Lines and CSV of the
    entries and closings, public keys, manifest and its signature)."""
    settings = get_settings()
    db = open_database(settings.database_url)
    try:
        sign_with_key_directory(db, settings.fiscal_key_dir)
        result = fiscal_archive.create_archive(
            db,
            period=period or fiscal_archive.last_month(utcnow().date()),
            directory=output or settings.fiscal_archive_dir,
        )
    except DomainError as error:
        console.print(f"[red]error:[/red] {error.message}")
        raise typer.Exit(code=1) from None
    finally:
        db.dispose()
    console.print(
        f"Archive of {result.manifest['period']}: {result.manifest['entries']} entries,"
        f" manifest SHA-256 {result.manifest_sha256}"
    )
    print(result.path)
