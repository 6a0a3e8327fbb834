"""core.bulk.executemany stores values exactly as SQLAlchemy would, and fails like it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from comptoir.catalog.models import Brand
from comptoir.core.bulk import executemany
from comptoir.core.db import Database
from comptoir.inventory.models import InventoryMovement
from tests.factories import Store, make_product


def brand_rows(count: int, *, first_version: int = 1_000_000) -> list[dict[str, object]]:
    moment = datetime(2026, 5, 4, 3, 2, 1, 123456, tzinfo=UTC)
    return [
        {
            "id": uuid.uuid4(),
            "name": f"Brand {n} « été »",
            "description": None if n % 2 else "<p>x</p>",
            "version": first_version + n,
            "created_at": moment,
            "updated_at": moment,
            "deleted_at": None,
        }
        for n in range(count)
    ]


@pytest.mark.parametrize("count", [3, 1500])
def test_rows_read_back_as_written_through_sqlalchemy(db: Database, count: int) -> None:
    bulk, core = brand_rows(count), brand_rows(count, first_version=2_000_000)
    with db.write_sessions() as session, session.begin():
        executemany(session, Brand.__table__, bulk)  # type: ignore[arg-type]
        session.execute(insert(Brand.__table__), core)
    with db.read_sessions() as session:
        stored = {row.id: row for row in session.execute(select(Brand.__table__))}
    for written in (bulk, core):
        for row in written:
            assert dict(stored[row["id"]]._mapping) == row


def test_amounts_keep_their_five_decimals(db: Database, shop: Store) -> None:
    product = make_product(shop)
    quantities = [Decimal("0.00001"), Decimal("-12.5"), Decimal("123456789.12345")]
    source = uuid.uuid4()
    with db.write_sessions() as session, session.begin():
        executemany(
            session,
            InventoryMovement.__table__,  # type: ignore[arg-type]
            [
                {
                    "id": uuid.uuid4(),
                    "product_id": product.id,
                    "outlet_id": shop.outlet.id,
                    "quantity": quantity,
                    "kind": "manual",
                    "source_id": source,
                    "unit_cost": None,
                    "value": Decimal(0),
                    "user_id": None,
                    "created_at": datetime.now(UTC),
                }
                for quantity in quantities
            ],
        )
    with db.read_sessions() as session:
        stored = session.scalars(
            select(InventoryMovement.quantity).where(InventoryMovement.source_id == source)
        ).all()
    assert sorted(stored) == sorted(quantities)


@pytest.mark.parametrize("count", [2, 1500])
def test_a_duplicate_key_is_sqlalchemys_integrity_error_and_nothing_stays(
    db: Database, count: int
) -> None:
    rows = brand_rows(count)
    rows[-1]["id"] = rows[0]["id"]
    with db.write_sessions() as session, pytest.raises(IntegrityError), session.begin():
        executemany(session, Brand.__table__, rows)  # type: ignore[arg-type]
    with db.read_sessions() as session:
        assert session.scalars(select(Brand.id)).all() == []


def test_rows_must_give_every_column_the_insert_writes(db: Database) -> None:
    rows = brand_rows(1)
    del rows[0]["created_at"]
    with db.write_sessions() as session, pytest.raises(ValueError, match="created_at"):
        executemany(session, Brand.__table__, rows)  # type: ignore[arg-type]
