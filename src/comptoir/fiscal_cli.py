"""`comptoir fiscal ...`: verify the journal, export the public keys, rotate the key.

Helper modules add their commands to the same `fiscal_app` (closings and archives live in
`fiscal_cli_closings`).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import select

from comptoir.core.db import open_database
from comptoir.core.settings import get_settings
from comptoir.fiscal import rotation
from comptoir.fiscal import verify as fiscal_verify
from comptoir.fiscal.models import FiscalKey
from comptoir.fiscal.verify_archive import verify_archive
from comptoir.fiscal.verify_database import verify_database

fiscal_app = typer.Typer(
    help="The fiscal journal: verify it, export its public keys, rotate the signing key.",
    no_args_is_help=True,
)
console = Console()


@fiscal_app.command()
def verify(
    archive: Annotated[
        Path | None, typer.Option(help="Verify this archive (zip) instead of the database")
    ] = None,
    public_key: Annotated[
        Path | None,
        typer.Option(
            help="Trust only the public keys in this PEM file (the auditor's copy), not the "
            "database's or the archive's"
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option(help="Processes checking signatures side by side (0: one per CPU)")
    ] = 0,
) -> None:
    """Check every chain, signature and closing; report the first broken entry. Exit 0 only
    when the journal is intact."""
    pinned = (
        fiscal_verify.read_public_keys(public_key.read_text(encoding="ascii"))
        if public_key is not None
        else None
    )
    if pinned is not None and not pinned:
        console.print(f"[red]error:[/red] no P-256 public key in {public_key}")
        raise typer.Exit(code=2)
    started = time.perf_counter()
    if archive is not None:
        from comptoir.fiscal.archive import read_archive  # helper C's archive format

        report = verify_archive(read_archive(archive), pinned=pinned)
    else:
        settings = get_settings()
        db = open_database(settings.database_url)
        try:
            with db.reader.connect() as connection:
                report = verify_database(
                    connection,
                    url=settings.database_url,
                    pinned=pinned,
                    workers=workers or os.cpu_count() or 1,
                )
        finally:
            db.dispose()
    elapsed = time.perf_counter() - started
    summary = f"{report.entries} entries in {report.chains} chains checked in {elapsed:.1f} s"
    if report.problem is None:
        console.print(f"[green]intact:[/green] {summary}")
        return
    console.print(f"[red]broken:[/red] {report.problem}")
    console.print(summary)
    raise typer.Exit(code=1)


@fiscal_app.command("public-key")
def public_key(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead")
    ] = None,
) -> None:
    """Print (or write) every public key that signed the journal, current and past, as PEM
    for an auditor; pass it to `verify --public-key`."""
    settings = get_settings()
    db = open_database(settings.database_url)
    try:
        with db.read_sessions() as session:
            keys = list(session.scalars(select(FiscalKey).order_by(FiscalKey.created_at)))
    finally:
        db.dispose()
    text = "".join(
        f"# key {key.key_id} ({key.algorithm}) since {key.created_at.isoformat()}\n"
        f"{key.public_key.strip()}\n"
        for key in keys
    )
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="ascii")
        console.print(f"{len(keys)} public key(s) written to {output}")


@fiscal_app.command("rotate-key")
def rotate_key() -> None:
    """Make a new signing key; the rotation is recorded in the events journal, signed by
    the old key. Restart running servers afterwards so that they sign with the new one."""
    settings = get_settings()
    db = open_database(settings.database_url)
    try:
        old, new = rotation.rotate_key(db, settings.fiscal_key_dir)
    except rotation.NoKeyToRotate:
        console.print("[red]error:[/red] no signing key yet: run `comptoir init` first")
        raise typer.Exit(code=1) from None
    finally:
        db.dispose()
    console.print(f"Key {old.key_id} rotated to {new.key_id}.")
