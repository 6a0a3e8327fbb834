"""Stock moves through the ledger: a movement row and an atomic level update, together."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import cast

from sqlalchemy import Insert, Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from comptoir.core.bulk import executemany
from comptoir.core.clock import utcnow
from comptoir.core.errors import InvalidInput
from comptoir.core.ids import new_id
from comptoir.core.paging import Page, page_by_version
from comptoir.core.versioning import allocate_versions
from comptoir.inventory.costing import value_changes
from comptoir.inventory.models import InventoryLevel, InventoryMovement, MovementKind


@dataclass(frozen=True, slots=True)
class StockChange:
    product_id: uuid.UUID
    outlet_id: uuid.UUID
    quantity: Decimal  # positive adds stock, negative removes it
    unit_cost: Decimal | None = None


# Statements on the tables, not the mapped classes, executed through core.bulk.executemany:
# rows go to the driver's executemany rather than through the ORM's bulk path (about 3 times
# slower per row, which an import of 100,000 products with stock in two outlets feels).
_LEVEL = cast(Table, InventoryLevel.__table__)
_MOVEMENT = cast(Table, InventoryMovement.__table__)


def _level_order(key: tuple[uuid.UUID, uuid.UUID]) -> tuple[int, int]:
    """(product, outlet) order, as UUIDs compare, but compared as integers in C: sorting
    100,000 levels by the UUIDs themselves costs seconds of Python comparisons."""
    return key[0].int, key[1].int


@lru_cache(maxsize=4)
def _upsert(dialect: str) -> Insert:
    """`INSERT ... ON CONFLICT DO UPDATE SET count = count + excluded.count`, built once."""
    insert_into = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert_into(_LEVEL)
    return statement.on_conflict_do_update(
        index_elements=[InventoryLevel.product_id, InventoryLevel.outlet_id],
        set_={
            "count": InventoryLevel.count + statement.excluded.count,
            "value": InventoryLevel.value + statement.excluded.value,
            "version": statement.excluded.version,
            "updated_at": statement.excluded.updated_at,
        },
    )


def move_stock(
    session: Session,
    *,
    changes: Sequence[StockChange],
    kind: MovementKind,
    source_id: uuid.UUID | None = None,
    user_id: uuid.UUID | None = None,
) -> None:
    """Record `changes` in the ledger and apply them to the levels, in the caller's transaction.

    Levels are updated in (product, outlet) order, so concurrent moves over the same products
    lock rows in the same order and cannot deadlock. Each movement is valued by
    `inventory.costing` (stock leaving at the level's average cost) and the level's value
    moves with its count. Stock may go negative: a shop sells what
    is in the customer's hands even when the count is wrong.
    """
    if not changes:
        return
    now = utcnow()
    values = value_changes(session, changes)
    merged: dict[tuple[uuid.UUID, uuid.UUID], tuple[Decimal, Decimal]] = {}
    for change, value in zip(changes, values, strict=True):
        key = (change.product_id, change.outlet_id)
        count, total = merged.get(key, (Decimal(0), Decimal(0)))
        merged[key] = (count + change.quantity, total + value)
    executemany(
        session,
        _MOVEMENT,
        [
            {
                "id": new_id(),
                "product_id": c.product_id,
                "outlet_id": c.outlet_id,
                "quantity": c.quantity,
                "kind": kind.value,
                "source_id": source_id,
                "unit_cost": c.unit_cost,
                "value": value,
                "user_id": user_id,
                "created_at": now,
            }
            for c, value in zip(changes, values, strict=True)
        ],
    )
    keys = sorted(merged, key=_level_order)
    versions = allocate_versions(session, len(keys))
    executemany(
        session,
        _upsert(session.get_bind().dialect.name),
        [
            {
                "id": new_id(),
                "product_id": product_id,
                "outlet_id": outlet_id,
                "count": merged[(product_id, outlet_id)][0],
                "value": merged[(product_id, outlet_id)][1],
                "version": version,
                "updated_at": now,
            }
            for (product_id, outlet_id), version in zip(keys, versions, strict=True)
        ],
    )


def levels_of_product(session: Session, *, product_id: uuid.UUID) -> list[InventoryLevel]:
    query = select(InventoryLevel).where(InventoryLevel.product_id == product_id)
    return list(session.scalars(query.order_by(InventoryLevel.outlet_id)))


def levels_of_products(
    session: Session, *, product_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[InventoryLevel]]:
    """Each product's stock levels (one per outlet where it has one), read in one query."""
    found: dict[uuid.UUID, list[InventoryLevel]] = {}
    if not product_ids:
        return found
    query = select(InventoryLevel).where(InventoryLevel.product_id.in_(product_ids))
    for level in session.scalars(query.order_by(InventoryLevel.outlet_id)):
        found.setdefault(level.product_id, []).append(level)
    return found


def stock_by_product(
    session: Session, *, product_ids: Sequence[uuid.UUID], outlet_id: uuid.UUID | None = None
) -> dict[uuid.UUID, Decimal]:
    """Stock on hand per product, at one outlet or summed over all of them."""
    if not product_ids:
        return {}
    query = select(InventoryLevel.product_id, InventoryLevel.count).where(
        InventoryLevel.product_id.in_(product_ids)
    )
    if outlet_id is not None:
        query = query.where(InventoryLevel.outlet_id == outlet_id)
    totals: dict[uuid.UUID, Decimal] = {}
    for product_id, count in session.execute(query):
        totals[product_id] = totals.get(product_id, Decimal(0)) + count
    return totals


def ledger_balance(session: Session, *, product_id: uuid.UUID, outlet_id: uuid.UUID) -> Decimal:
    """The sum of the ledger for one level: what the level row must always equal."""
    rows = session.scalars(
        select(InventoryMovement.quantity).where(
            InventoryMovement.product_id == product_id, InventoryMovement.outlet_id == outlet_id
        )
    )
    return sum(rows, Decimal(0))


def page_levels(
    session: Session,
    *,
    after: int | None,
    before: int | None,
    page_size: int,
    product_id: uuid.UUID | None = None,
) -> Page[InventoryLevel]:
    """Stock levels in version order; only one product's (at every outlet) if given."""
    query = select(InventoryLevel)
    if product_id is not None:
        query = query.where(InventoryLevel.product_id == product_id)
    return page_by_version(
        session,
        query,
        InventoryLevel.version,
        after=after,
        before=before,
        page_size=page_size,
    )


@dataclass(frozen=True, slots=True)
class ReorderSettings:
    """When to reorder a product at an outlet (`reorder_point`) and how many to order then
    (`restock_level`, X-Series' `reorder_amount`); None clears the setting."""

    product_id: uuid.UUID
    outlet_id: uuid.UUID
    reorder_point: Decimal | None
    restock_level: Decimal | None


@lru_cache(maxsize=4)
def _upsert_reorder(dialect: str) -> Insert:
    insert_into = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert_into(_LEVEL)
    return statement.on_conflict_do_update(
        index_elements=[InventoryLevel.product_id, InventoryLevel.outlet_id],
        set_={
            "reorder_point": statement.excluded.reorder_point,
            "reorder_amount": statement.excluded.reorder_amount,
            "version": statement.excluded.version,
            "updated_at": statement.excluded.updated_at,
        },
    )


def set_reorder_levels(session: Session, *, settings: Sequence[ReorderSettings]) -> None:
    """Set reorder points and restock levels, creating empty levels where none exist yet;
    the count is never touched (only the ledger moves it)."""
    for setting in settings:
        for value in (setting.reorder_point, setting.restock_level):
            if value is not None and value < 0:
                raise InvalidInput("reorder points and restock levels cannot be negative")
    latest = {(s.product_id, s.outlet_id): s for s in settings}
    keys = sorted(latest, key=_level_order)
    if not keys:
        return
    versions = allocate_versions(session, len(keys))
    now = utcnow()
    executemany(
        session,
        _upsert_reorder(session.get_bind().dialect.name),
        [
            {
                "id": new_id(),
                "product_id": product_id,
                "outlet_id": outlet_id,
                "count": Decimal(0),
                "value": Decimal(0),
                "reorder_point": latest[(product_id, outlet_id)].reorder_point,
                "reorder_amount": latest[(product_id, outlet_id)].restock_level,
                "version": version,
                "updated_at": now,
            }
            for (product_id, outlet_id), version in zip(keys, versions, strict=True)
        ],
    )
