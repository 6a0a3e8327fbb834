"""Test databases: SQLite by default, a throw-away PostgreSQL cluster with
COMPTOIR_TEST_DB=postgresql. The schema is built by the real migrations, once per run;
each test then starts from empty tables."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from comptoir.core.db import Database, open_database
from comptoir.core.uow import UnitOfWork
from comptoir.fiscal.journal import attach_signing_key
from comptoir.fiscal.keys import SigningKey, create_signing_key
from comptoir.migrate import upgrade_database
from comptoir.testing import pgcluster
from tests.factories import empty_database

BACKEND = os.environ.get("COMPTOIR_TEST_DB", "sqlite")
IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_report_header() -> str:
    return f"comptoir database backend: {BACKEND}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if BACKEND == "postgresql":
        if not pgcluster.available():
            if IN_CI:
                pytest.fail("CI=true but PostgreSQL (initdb) is not on PATH")
            pytest.skip("PostgreSQL (initdb) is not on PATH")
        cluster = pgcluster.start()
        try:
            url = cluster.create_database("comptoir_test")
            upgrade_database(url)
            yield url
        finally:
            cluster.stop()
    else:
        path: Path = tmp_path_factory.mktemp("db") / "comptoir.db"
        url = f"sqlite:///{path}"
        upgrade_database(url)
        yield url


@pytest.fixture(scope="session")
def fiscal_key(tmp_path_factory: pytest.TempPathFactory) -> SigningKey:
    """The journal's signing key for the whole run, in a throw-away key directory."""
    return create_signing_key(tmp_path_factory.mktemp("fiscal") / "keys")


@pytest.fixture(scope="session")
def _database(database_url: str, fiscal_key: SigningKey) -> Iterator[Database]:
    database = open_database(database_url, busy_timeout_ms=10_000)
    attach_signing_key(database, fiscal_key)
    yield database
    database.dispose()


@pytest.fixture
def db(_database: Database) -> Iterator[Database]:
    empty_database(_database)
    yield _database


@pytest.fixture
def uow(db: Database) -> Iterator[UnitOfWork]:
    with db.unit_of_work() as unit:
        yield unit
