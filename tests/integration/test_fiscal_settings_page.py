"""Settings > Fiscal: a manager sets the fiscal year, archives a month and downloads the
archive and the public keys; a cashier is refused the page and every download."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from comptoir.accounts.permissions import Role
from comptoir.app import create_app
from comptoir.core.db import Database
from comptoir.fiscal import journal
from comptoir.fiscal.models import EVENTS_CHAIN, FiscalEntry
from comptoir.fiscal.triggers import suspended_triggers
from comptoir.store.models import Retailer
from tests.factories import Store, app_settings, csrf_of, make_user, sign_in_as
from tests.integration.fiscal_support import Till, money_payload


@pytest.fixture
def client(db: Database, shop: Store, tmp_path: Path) -> TestClient:
    settings = app_settings(db.url, fiscal_archive_dir=tmp_path / "archives")
    with TestClient(create_app(settings, database=db)) as client:
        yield client


def _november(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    till = Till(db)
    for day in (date(2026, 11, 2), date(2026, 11, 3)):
        at = datetime(day.year, day.month, day.day, 10, tzinfo=UTC)
        monkeypatch.setattr(journal, "utcnow", lambda at=at: at)
        till.append(day, "sale", money_payload([("8.90", "20.00")]))
    monkeypatch.undo()


def test_a_manager_sets_the_fiscal_year_archives_a_month_and_downloads_it(
    client: TestClient, shop: Store, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _november(db, monkeypatch)
    sign_in_as(client, make_user(shop, role=Role.MANAGER).username)
    page = client.get("/settings/fiscal")
    assert page.status_code == 200
    token = csrf_of(page.text)

    saved = client.post(
        "/settings/fiscal",
        data={"csrf": token, "fiscal_year_start_month": "7"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    with db.read_sessions() as session:
        assert session.scalars(select(Retailer.fiscal_year_start_month)).one() == 7
        events = list(
            session.scalars(
                select(FiscalEntry)
                .where(FiscalEntry.chain == EVENTS_CHAIN)
                .order_by(FiscalEntry.sequence)
            )
        )
    changes = [json.loads(e.payload) for e in events if e.kind == "event.settings"]
    assert changes[-1]["object"] == "retailer"
    assert changes[-1]["changes"] == {"fiscal_year_start_month": 7}

    refused = client.post("/settings/fiscal/archives", data={"csrf": token, "period": "20-11"})
    assert refused.status_code == 422
    archived = client.post(
        "/settings/fiscal/archives",
        data={"csrf": token, "period": "2026-11"},
        follow_redirects=False,
    )
    assert archived.status_code == 303
    listing = client.get("/settings/fiscal").text
    assert "2026-11" in listing
    name = listing.split("/settings/fiscal/archives/")[1].split('"')[0]
    download = client.get(f"/settings/fiscal/archives/{name}")
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    zip_path = Path(client.app.state.settings.fiscal_archive_dir) / "copy.zip"  # type: ignore[attr-defined]
    zip_path.write_bytes(download.content)
    with zipfile.ZipFile(zip_path) as archive:
        assert json.loads(archive.read("manifest.json"))["entries"] == 3  # 2 sales, 1 closing
    assert client.get("/settings/fiscal/archives/../../etc").status_code == 404

    keys = client.get("/settings/fiscal/public-keys.pem")
    assert keys.status_code == 200
    assert "BEGIN PUBLIC KEY" in keys.text


def test_a_cashier_is_refused_the_page_and_the_downloads(client: TestClient, shop: Store) -> None:
    sign_in_as(client, make_user(shop, role=Role.CASHIER).username)
    assert "/settings/fiscal" not in client.get("/settings/till").text
    for path in (
        "/settings/fiscal",
        "/settings/fiscal/public-keys.pem",
        "/settings/fiscal/archives/fiscal-2026-11-20261205T100000Z.zip",
    ):
        assert client.get(path).status_code == 403, path
    token = csrf_of(client.get("/account").text)
    assert (
        client.post("/settings/fiscal", data={"csrf": token, "fiscal_year_start_month": "4"})
    ).status_code == 403
    assert (
        client.post("/settings/fiscal/archives", data={"csrf": token, "period": "2026-11"})
    ).status_code == 403
    assert (client.post("/settings/fiscal/verify", data={"csrf": token})).status_code == 403


def test_a_manager_verifies_the_journal_and_sees_the_first_broken_entry(
    client: TestClient, shop: Store, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _november(db, monkeypatch)
    sign_in_as(client, make_user(shop, role=Role.MANAGER).username)
    token = csrf_of(client.get("/settings/fiscal").text)

    intact = client.post("/settings/fiscal/verify", data={"csrf": token})

    assert intact.status_code == 200
    assert 'data-intact="true"' in intact.text
    # An attacker who owns the database: the triggers dropped, an amount changed.
    with db.write_sessions() as session, session.begin():  # noqa: SIM117 - needs the session
        with suspended_triggers(session.connection()):
            sale = session.scalars(
                select(FiscalEntry)
                .where(FiscalEntry.kind == "sale")
                .order_by(FiscalEntry.chain, FiscalEntry.sequence)
            ).first()
            assert sale is not None
            session.execute(
                update(FiscalEntry)
                .where(FiscalEntry.id == sale.id)
                .values(payload=sale.payload.replace("8.90", "0.89"))
            )
    broken = client.post("/settings/fiscal/verify", data={"csrf": token})
    assert 'data-intact="false"' in broken.text
    assert f"{sale.chain}, entry {sale.sequence}" in broken.text
