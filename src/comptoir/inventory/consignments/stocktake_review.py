"""A stock count's review: what each line expected and counted, the differences in units
and in cost value, the lines not counted, and X-Series' totals (total_count_gain...).

Values are at the level's average cost now (inventory.costing), the product's supply price
when the level holds no stock: what applying the count would move.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from comptoir.catalog.models import Product
from comptoir.inventory.consignments.errors import ConsignmentNotFound
from comptoir.inventory.consignments.models import (
    Consignment,
    ConsignmentProduct,
    ConsignmentType,
)
from comptoir.inventory.costing import VALUE_PLACES, average_cost
from comptoir.inventory.models import InventoryLevel


def line_figures(session: Session, consignment: Consignment, *, names: bool = False) -> list[Any]:
    """Every line: product id, expected, counted, supply price, level now (count, value)
    and, with `names`, the product's name and SKU."""
    columns: list[Any] = [
        ConsignmentProduct.product_id,
        ConsignmentProduct.expected,
        ConsignmentProduct.received,
        Product.supply_price,
        InventoryLevel.count,
        InventoryLevel.value,
    ]
    if names:
        columns += [Product.name, Product.sku]
    return list(
        session.execute(
            select(*columns)
            .join(Product, Product.id == ConsignmentProduct.product_id)
            .outerjoin(
                InventoryLevel,
                and_(
                    InventoryLevel.product_id == ConsignmentProduct.product_id,
                    InventoryLevel.outlet_id == consignment.outlet_id,
                ),
            )
            .where(
                ConsignmentProduct.consignment_id == consignment.id,
                ConsignmentProduct.deleted_at.is_(None),
            )
        )
    )


@dataclass(frozen=True, slots=True)
class ReviewLine:
    product_id: uuid.UUID
    name: str
    sku: str
    expected: Decimal
    counted: Decimal | None  # None: not counted
    unit_cost: Decimal
    # Counted lines: counted - expected. Uncounted ones: what "set to zero" would move.
    difference: Decimal
    difference_value: Decimal


@dataclass(frozen=True, slots=True)
class Review:
    lines: tuple[ReviewLine, ...]  # counted, largest difference in value first
    uncounted: tuple[ReviewLine, ...]
    total_count_gain: Decimal
    total_cost_gain: Decimal
    total_count_loss: Decimal  # negative, as X-Series gives it
    total_cost_loss: Decimal
    # What "set to zero" would remove on top (negative), for the choice on the page.
    uncounted_count: Decimal
    uncounted_cost: Decimal

    @property
    def differences(self) -> tuple[ReviewLine, ...]:
        return tuple(line for line in self.lines if line.difference != 0)


def review_stocktake(session: Session, *, consignment_id: uuid.UUID) -> Review:
    consignment = session.get(Consignment, consignment_id)
    if consignment is None or consignment.type != ConsignmentType.STOCKTAKE.value:
        raise ConsignmentNotFound("no such stock count", consignment_id=str(consignment_id))
    counted: list[ReviewLine] = []
    uncounted: list[ReviewLine] = []
    zero = Decimal(0)
    gain = gain_cost = loss = loss_cost = lost = lost_cost = zero
    for row in line_figures(session, consignment, names=True):
        product_id, expected, received, supply, count, value, name, sku = row
        level = count if count is not None else zero
        unit = average_cost(level, value or zero, fallback=supply)
        if received is None:
            # Not counted: expected is the level now (sales since the start included).
            line = ReviewLine(
                product_id, name, sku, level, None, unit, -level, _money(-level * unit)
            )
            uncounted.append(line)
            lost += line.difference
            lost_cost += line.difference_value
            continue
        difference = received - (expected or zero)
        line = ReviewLine(
            product_id,
            name,
            sku,
            expected or zero,
            received,
            unit,
            difference,
            _money(difference * unit),
        )
        counted.append(line)
        if difference > 0:
            gain += difference
            gain_cost += line.difference_value
        elif difference < 0:
            loss += difference
            loss_cost += line.difference_value
    counted.sort(key=lambda line: (-abs(line.difference_value), line.name))
    uncounted.sort(key=lambda line: line.name)
    return Review(
        lines=tuple(counted),
        uncounted=tuple(uncounted),
        total_count_gain=gain,
        total_cost_gain=gain_cost,
        total_count_loss=loss,
        total_cost_loss=loss_cost,
        uncounted_count=lost,
        uncounted_cost=lost_cost,
    )


def _money(value: Decimal) -> Decimal:
    return value.quantize(VALUE_PLACES)
