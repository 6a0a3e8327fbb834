"""The cost value of stock, by weighted average cost (AVCO).

Each movement carries the cost value it adds or removes (its valuation layer) and each level
the sum of its movements' values, so that `level.value == sum(movement.value)` always holds
and the stock value is the sum of the layers. Stock that arrives is valued at its unit cost
(a purchase order's supply price, a transfer's cost at the sending outlet); stock that leaves
at the level's average cost (value / count), so the average does not move when stock leaves.
A level with no stock on hand falls back to the unit cost the caller gives.

Stock may go below zero (a shop sells what it has not counted). Stock arriving at a level
below zero first makes good the missing units, at the level's average, as stock leaving
would; only what is left over is valued at its unit cost. So a level's value has the sign of
its count: an empty level is worth nothing, however it came back to zero, and the average
cost of stock on hand is never negative (the difference between what the missing units were
valued at and what they cost is not stock: it was sold).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.inventory.models import InventoryLevel

if TYPE_CHECKING:
    from comptoir.inventory.service import StockChange

VALUE_PLACES = Decimal("0.00001")  # the Amount column's scale
_ZERO = Decimal(0)
# Keys per SELECT: far under either database's limit on bound parameters.
_CHUNK = 500

Key = tuple[uuid.UUID, uuid.UUID]


def average_cost(count: Decimal, value: Decimal, *, fallback: Decimal | None) -> Decimal:
    """The average unit cost of a level, or `fallback` (else 0) when it holds no stock."""
    if count > 0:
        return value / count
    return fallback if fallback is not None else _ZERO


def read_levels(session: Session, keys: Iterable[Key]) -> dict[Key, tuple[Decimal, Decimal]]:
    """(count, value) of each existing level among `keys`, in few queries."""
    wanted = set(keys)
    found: dict[Key, tuple[Decimal, Decimal]] = {}
    products = sorted({product_id for product_id, _ in wanted}, key=lambda p: p.int)
    outlets = {outlet_id for _, outlet_id in wanted}
    for start in range(0, len(products), _CHUNK):
        rows = session.execute(
            select(
                InventoryLevel.product_id,
                InventoryLevel.outlet_id,
                InventoryLevel.count,
                InventoryLevel.value,
            ).where(
                InventoryLevel.product_id.in_(products[start : start + _CHUNK]),
                InventoryLevel.outlet_id.in_(outlets),
            )
        )
        for product_id, outlet_id, count, value in rows:
            if (product_id, outlet_id) in wanted:
                found[(product_id, outlet_id)] = (count, value)
    return found


def value_changes(session: Session, changes: Sequence[StockChange]) -> list[Decimal]:
    """The cost value each change moves, in order (several changes of one level in one call
    are valued one after the other)."""
    # Every level moved is read: stock arriving is valued against a level below zero too.
    running = read_levels(session, [(c.product_id, c.outlet_id) for c in changes])
    values: list[Decimal] = []
    for change in changes:
        key = (change.product_id, change.outlet_id)
        count, value = running.get(key, (_ZERO, _ZERO))
        after = count + change.quantity
        if count != 0 and after == 0:
            moved = -value  # the level is back at zero: no value left, no rounding residue
        elif count < 0 < change.quantity < -count:
            moved = change.quantity * (value / count)  # missing units made good, at the average
        elif count < 0 < change.quantity:
            # The missing units made good (the level's value cancelled), the rest at cost.
            moved = -value + after * (change.unit_cost if change.unit_cost is not None
                                      else value / count)  # fmt: skip
        elif change.quantity > 0 and change.unit_cost is not None:
            moved = change.quantity * change.unit_cost
        else:
            moved = change.quantity * average_cost(count, value, fallback=change.unit_cost)
        moved = moved.quantize(VALUE_PLACES, rounding=ROUND_HALF_UP)
        running[key] = (after, value + moved)
        values.append(moved)
    return values
