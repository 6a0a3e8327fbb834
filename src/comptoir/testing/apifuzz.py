"""Schemathesis over the whole API: `python -m comptoir.testing.apifuzz [options]`.

It builds a throw-away database (SQLite file, or a database on a throw-away PostgreSQL
cluster), seeds the demo store, makes an owner token, serves the app on a free loopback
port from a thread of this process, and runs `schemathesis run --checks all` against its
`/openapi.json`. `make test` runs it with a fixed seed and few examples (deterministic);
`make fuzz` with a random seed and many more. Extra arguments after `--` go to schemathesis
(e.g. `--include-path-regex '^/api/register_sales'`). Exit status: schemathesis's.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

OWNER_EMAIL = "owner@example.com"
OWNER_PASSWORD = "comptoir-fuzz-owner"  # noqa: S105 - a throw-away store
CONFIG = Path(__file__).with_name("schemathesis.toml")
PHASES = "examples,coverage,fuzzing,stateful"

# Left out of the run: ending every session of a user revokes the run's own token when the
# fuzzer names the owner (its id is among the real ids it is given), and every later call
# would only test the 401. Its own tests are in tests/integration/test_users.py.
EXCLUDED = ["--exclude-path", "/api/2.0/users/{user_id}/sessions"]


@contextlib.contextmanager
def throwaway_database(backend: str, directory: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{directory / 'fuzz.db'}"
        return
    from comptoir.testing import pgcluster

    if not pgcluster.available():
        raise SystemExit("PostgreSQL (initdb) is not on PATH")
    cluster = pgcluster.start()
    try:
        yield cluster.create_database("comptoir_fuzz")
    finally:
        cluster.stop()


def seed_store(url: str, *, key_dir: Path) -> str:
    """Migrate, seed the demo store (its sales signed with a key made in `key_dir`), and
    return an owner token."""
    from comptoir.accounts import service as accounts
    from comptoir.accounts import tokens
    from comptoir.core.db import open_database
    from comptoir.core.uow import UnitOfWork
    from comptoir.fiscal.journal import ensure_signing_key
    from comptoir.migrate import upgrade_database
    from comptoir.setup import ensure_retailer, seed_demo_store

    upgrade_database(url)
    database = open_database(url)
    try:
        ensure_signing_key(database, key_dir)
        with UnitOfWork(database.write_sessions) as uow:
            ensure_retailer(uow)
        with UnitOfWork(database.write_sessions) as uow:
            accounts.ensure_owner(uow, email=OWNER_EMAIL, password=OWNER_PASSWORD)
        with UnitOfWork(database.write_sessions) as uow:
            seed_demo_store(uow)
        with UnitOfWork(database.write_sessions) as uow:
            created = tokens.create_token_for_username(uow, username=OWNER_EMAIL, name="fuzz")
        return created.secret
    finally:
        database.dispose()


def seed_through_api(base_url: str, token: str) -> dict[str, list[str]]:
    """A few rows of every kind the API writes, made through the API itself (so this keeps
    working whatever the services look like inside), and the ids of real rows by path
    parameter name: schemathesis uses them for half the ids it sends, so the operations on
    one row reach real rows and not only 404s."""
    import httpx

    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}) as api:

        def made(path: str, body: dict[str, Any]) -> Any:
            reply = api.post(path, json=body)
            reply.raise_for_status()
            return reply.json()

        def ids(path: str) -> list[str]:
            reply = api.get(path, params={"page_size": 50})
            reply.raise_for_status()
            return [row["id"] for row in reply.json()["data"]]

        for n in range(2):
            made("/api/2.0/brands", {"name": f"Fuzz brand {n}"})
            made("/api/2.0/suppliers", {"name": f"Fuzz supplier {n}"})
            made("/api/2.0/tags", {"name": f"Fuzz tag {n}"})
            made("/api/2.0/variant_attributes", {"name": f"Fuzz attribute {n}"})
            made("/api/2.0/customer_groups", {"name": f"Fuzz group {n}"})
            made("/api/2.0/customers", {"first_name": "Fuzz", "last_name": f"Customer {n}"})
        made("/api/2.0/product_categories/bulk", {"categories": [{"name": "Fuzz category"}]})
        registers, products = ids("/api/2.0/registers"), ids("/api/2.0/products")
        cash = ids("/api/2.0/payment_types")[0]
        for n in range(3):
            made(
                "/api/register_sales",
                {
                    "register_id": registers[0],
                    "state": "closed",
                    "register_sale_products": [{"product_id": products[n], "quantity": 1}],
                    "register_sale_payments": [{"retailer_payment_type_id": cash, "amount": 500}],
                },
            )
        return {
            "outlet_id": ids("/api/2.0/outlets"),
            "register_id": registers,
            "product_id": products,
            "customer_id": ids("/api/2.0/customers"),
            "group_id": ids("/api/2.0/customer_groups"),
            "brand_id": ids("/api/2.0/brands"),
            "supplier_id": ids("/api/2.0/suppliers"),
            "tag_id": ids("/api/2.0/tags"),
            "product_type_id": ids("/api/2.0/product_types"),
            "attribute_id": ids("/api/2.0/variant_attributes"),
            "sale_id": ids("/api/2.0/sales"),
            "user_id": ids("/api/2.0/users"),
        }


def write_config(directory: Path, real_ids: dict[str, list[str]]) -> Path:
    """schemathesis.toml with the real ids as dictionaries bound to the path parameters."""
    lines = [CONFIG.read_text(), ""]
    for name, values in real_ids.items():
        if values:
            quoted = ", ".join(f'"{v}"' for v in values)
            lines += [f"[dictionaries.{name}]", f"values = [{quoted}]", ""]
    lines.append("[parameters]")
    for name, values in real_ids.items():
        if values:
            lines.append(f'"path.{name}" = {{ dictionary = "{name}", probability = 0.5 }}')
    written = directory / "schemathesis.toml"
    written.write_text("\n".join(lines) + "\n")
    return written


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serving(url: str, *, key_dir: Path) -> Iterator[str]:
    """The app on a free loopback port, served from a thread; yields its base URL."""
    import uvicorn

    from comptoir.app import create_app
    from comptoir.core.settings import Settings

    # The fuzzer's refused requests would log a warning each (a duplicate id, a bad value).
    logging.getLogger("comptoir").setLevel(logging.ERROR)
    port = _free_port()
    settings = Settings(database_url=url, embedded_worker=False, fiscal_key_dir=key_dir)
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="error", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise SystemExit("the server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def schemathesis_command(
    base_url: str,
    token: str,
    *,
    config: Path,
    seed: int,
    max_examples: int,
    phases: str,
    extra: Sequence[str],
) -> list[str]:
    executable = Path(sys.executable).with_name("schemathesis")
    return [
        str(executable if executable.exists() else shutil.which("schemathesis") or "schemathesis"),
        "--config-file",
        str(config),
        "run",
        f"{base_url}/openapi.json",
        "--checks",
        "all",
        "--header",
        f"Authorization: Bearer {token}",
        "--seed",
        str(seed),
        "--max-examples",
        str(max_examples),
        "--phases",
        phases,
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--no-color",
        *EXCLUDED,
        *extra,
    ]


def run_on(
    url: str,
    *,
    seed: int,
    max_examples: int,
    phases: str = PHASES,
    extra: Sequence[str] = (),
    timeout: float | None = None,
    capture: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Seed the empty database at `url`, serve it and run schemathesis against it (its
    report captured in the result, or printed as it goes with `capture=False`)."""
    with tempfile.TemporaryDirectory(prefix="comptoir-fuzz-") as directory:
        key_dir = Path(directory) / "fiscal"
        token = seed_store(url, key_dir=key_dir)
        with serving(url, key_dir=key_dir) as base:
            return _fuzz(
                base,
                token,
                directory=Path(directory),
                seed=seed,
                max_examples=max_examples,
                phases=phases,
                extra=extra,
                timeout=timeout,
                capture=capture,
            )


def _fuzz(
    base: str,
    token: str,
    *,
    directory: Path,
    seed: int,
    max_examples: int,
    phases: str,
    extra: Sequence[str],
    timeout: float | None,
    capture: bool,
) -> subprocess.CompletedProcess[str]:
    """Schemathesis against the server at `base`, its files in `directory`."""
    config = write_config(directory, seed_through_api(base, token))
    command = schemathesis_command(
        base,
        token,
        config=config,
        seed=seed,
        max_examples=max_examples,
        phases=phases,
        extra=extra,
    )
    return subprocess.run(  # noqa: S603 - our own command line
        command, capture_output=capture, text=True, timeout=timeout, cwd=directory, check=False
    )


def run(
    *,
    backend: str,
    seed: int,
    max_examples: int,
    phases: str = PHASES,
    extra: Sequence[str] = (),
    timeout: float | None = None,
    capture: bool = True,
) -> subprocess.CompletedProcess[str]:
    """The same on a throw-away database of `backend` (sqlite or postgresql)."""
    with (
        tempfile.TemporaryDirectory(prefix="comptoir-fuzz-db-") as directory,
        throwaway_database(backend, Path(directory)) as url,
    ):
        return run_on(
            url,
            seed=seed,
            max_examples=max_examples,
            phases=phases,
            extra=extra,
            timeout=timeout,
            capture=capture,
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seed", type=int, help="a fixed seed (default: a random one)")
    parser.add_argument("--max-examples", type=int, default=100)
    parser.add_argument("--phases", default=PHASES)
    args, extra = parser.parse_known_args(argv)
    extra = [a for a in extra if a != "--"]
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    print(f"schemathesis on {args.backend}, seed {seed}, {args.max_examples} examples", flush=True)
    done = run(
        backend=args.backend,
        seed=seed,
        max_examples=args.max_examples,
        phases=args.phases,
        extra=extra,
        capture=False,
    )
    print(f"(seed {seed}: run again with --seed {seed})", flush=True)
    return done.returncode


if __name__ == "__main__":
    raise SystemExit(main())
