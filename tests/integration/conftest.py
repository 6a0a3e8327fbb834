from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from comptoir.accounts import service as accounts
from comptoir.app import create_app
from comptoir.core.db import Database
from tests.factories import Store, app_settings, fresh_database, make_store, make_token, sign_in


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
    settings = app_settings(db.url)
    with TestClient(create_app(settings, database=db)) as client:
        yield client


@pytest.fixture
def api(app_client: TestClient, shop: Store) -> TestClient:
    """A client authenticated as the owner through a personal token."""
    app_client.headers["Authorization"] = f"Bearer {make_token(shop)}"
    return app_client


@pytest.fixture
def browser(app_client: TestClient, shop: Store) -> TestClient:
    """A client signed in as the owner through the sign-in page (a session cookie)."""
    assert sign_in(app_client).status_code == 303
    return app_client


@pytest.fixture
def fresh_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    with fresh_database(database_url, tmp_path) as url:
        yield url
