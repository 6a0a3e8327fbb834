"""A throw-away PostgreSQL cluster for tests and benchmarks, from `initdb` on PATH.

PostgreSQL refuses to run as root; as root the cluster runs as the `postgres` user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


def available() -> bool:
    return shutil.which("initdb") is not None and shutil.which("pg_ctl") is not None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    root: Path
    port: int
    run_as: str | None

    @property
    def data(self) -> Path:
        return self.root / "data"

    def _run(self, *args: str) -> None:
        command = list(args)
        if self.run_as is not None:
            command = ["runuser", "-u", self.run_as, "--", *command]
        subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def start(*, durable: bool = False, max_connections: int = 200) -> Cluster:
    """Start a cluster on a free loopback port. `durable=False` turns fsync off (tests)."""
    root = Path(tempfile.mkdtemp(prefix="comptoir-pg-"))
    run_as = None
    if os.geteuid() == 0:
        run_as = "postgres"
        account = pwd.getpwnam(run_as)
        os.chown(root, account.pw_uid, account.pw_gid)
    cluster = Cluster(root=root, port=_free_port(), run_as=run_as)
    cluster._run(
        "initdb",
        "-D",
        str(cluster.data),
        "-U",
        "postgres",
        "--auth=trust",
        "-E",
        "UTF8",
        "--locale=C",
        "--no-sync",
    )
    options = [
        f"-p {cluster.port}",
        "-c listen_addresses=127.0.0.1",
        f"-k {root}",
        f"-c max_connections={max_connections}",
        "-c shared_buffers=256MB",
    ]
    if not durable:
        options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
    cluster._run(
        "pg_ctl",
        "-D",
        str(cluster.data),
        "-l",
        str(root / "log"),
        "-o",
        " ".join(options),
        "-w",
        "start",
    )
    return cluster
