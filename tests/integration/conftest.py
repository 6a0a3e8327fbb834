from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from comptoir.accounts import service as accounts
from comptoir.app import create_app
from comptoir.core.db import Database
from comptoir.core.settings import Settings
from tests.factories import Store, make_store, make_token


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing() -> Iterator[None]:
    """Argon2 with the smallest cost: production parameters take ~0.3 s per hash, paid by
    every store and user a test builds. Hashing and verifying stay the real argon2 code
    (a hash records its own parameters, so verification is unchanged); only the cost of
    new hashes is lowered. The CLI tests run the real command, at full cost, in a subprocess.
    """
    original = accounts._hasher
    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    yield
    accounts._hasher = original


@pytest.fixture
def shop(db: Database) -> Store:
    return make_store(db)


@pytest.fixture
def app_client(db: Database) -> Iterator[TestClient]:
    settings = Settings(database_url=db.url, embedded_worker=False)
    with TestClient(create_app(settings, database=db)) as client:
        yield client


@pytest.fixture
def api(app_client: TestClient, shop: Store) -> TestClient:
    """A client authenticated as the owner through a personal token."""
    app_client.headers["Authorization"] = f"Bearer {make_token(shop)}"
    return app_client


@contextlib.contextmanager
def fresh_database(database_url: str, directory: Path) -> Iterator[str]:
    """An empty database on the backend under test, dropped afterwards.

    SQLite: a new file in `directory`. PostgreSQL: a new database on the test cluster.
    """
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{directory / f'fresh-{uuid.uuid4().hex[:8]}.db'}"
        return
    name = f"comptoir_fresh_{uuid.uuid4().hex[:12]}"
    server = f"host={url.host} port={url.port} user={url.username} dbname=postgres"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def fresh_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    with fresh_database(database_url, tmp_path) as url:
        yield url
