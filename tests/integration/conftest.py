from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from comptoir.app import create_app
from comptoir.core.db import Database
from comptoir.core.settings import Settings
from tests.factories import Store, make_store, make_token


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
