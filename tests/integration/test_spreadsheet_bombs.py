"""A zip bomb disguised as an .xlsx is refused with a clear message, on the page and by the
command line, and imports nothing (the memory bound is in tests/unit/io/test_zip_bombs.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from comptoir.customers.models import Customer
from comptoir.store import service as store
from tests.factories import Store, csrf_of, run_comptoir, sign_in_as
from tests.unit.io.zip_bombs import lying_xlsx

# Inflates to 64 MB; its headers say 1 MB.
BOMB_INFLATES_TO = 64 * 1024 * 1024
BOMB_DECLARES = 1024 * 1024


@pytest.fixture
def bomb() -> bytes:
    return lying_xlsx(BOMB_INFLATES_TO, declared=BOMB_DECLARES)


def customer_count(shop: Store) -> int:
    with shop.db.read_sessions() as session:
        return session.scalar(select(func.count()).select_from(Customer)) or 0


def test_the_import_page_refuses_a_zip_bomb_in_the_store_language(
    app_client: TestClient, shop: Store, bomb: bytes
) -> None:
    with shop.uow() as uow:
        store.get_retailer(uow.session).locale = "fr"
        uow.commit()
    browser = sign_in_as(app_client, shop.owner.username)
    token = csrf_of(browser.get("/customers/import").text)

    reply = browser.post(
        "/customers/import",
        data={"csrf": token},
        files={"file": ("clients.xlsx", bomb, "application/octet-stream")},
    )

    assert reply.status_code == 200
    assert 'id="import-failed"' in reply.text
    assert "Le classeur .xlsx est endommagé" in reply.text
    assert customer_count(shop) == 0


def test_the_command_line_refuses_a_zip_bomb_with_exit_1(
    shop: Store, bomb: bytes, tmp_path: Path
) -> None:
    file = tmp_path / "customers.xlsx"
    file.write_bytes(bomb)

    run = run_comptoir(shop.db.url, tmp_path, "import", "customers", str(file))

    assert run.returncode == 1
    assert "decompresses to more than its declared size" in " ".join(run.stderr.split())
    assert customer_count(shop) == 0
