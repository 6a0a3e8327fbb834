"""`comptoir fiscal ...`: verify the journal, export the public keys, rotate the key.

Helper modules add their commands to the same `fiscal_app` (closings and archives live in
`fiscal_cli_closings`).
"""

from __future__ import annotations

import typer
from rich.console import Console

fiscal_app = typer.Typer(
    help="The fiscal journal: verify it, export its public keys, rotate the signing key.",
    no_args_is_help=True,
)
console = Console()
