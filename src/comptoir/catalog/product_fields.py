"""What the product use cases share: the "field left out" marker, stock settings and
variant values, and setting a product's stock through the ledger."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.catalog import product_rules
from comptoir.catalog.models import Product
from comptoir.core.errors import InvalidInput
from comptoir.inventory.models import InventoryLevel, MovementKind
from comptoir.inventory.service import ReorderSettings, StockChange, move_stock, set_reorder_levels


class Keep(enum.Enum):
    """The value of a field the request leaves out: what the product holds stays."""

    KEEP = "keep"


KEEP: Final = Keep.KEEP
Kept = Literal[Keep.KEEP]


@dataclass(frozen=True, kw_only=True)
class StockSetting:
    """One outlet's stock of the product: the count wanted (moved through the ledger by the
    difference) and the reorder settings (None clears one)."""

    outlet_id: uuid.UUID
    count: Decimal | None = None
    reorder_point: Decimal | Kept | None = KEEP
    restock_level: Decimal | Kept | None = KEEP


@dataclass(frozen=True, kw_only=True)
class VariantValue:
    attribute_id: uuid.UUID
    value: str


def set_stock(
    session: Session,
    *,
    product: Product,
    settings: Sequence[StockSetting],
    user_id: uuid.UUID | None,
    field: str = "details.inventory",
) -> None:
    """Set a product's stock at some outlets, in the caller's transaction.

    A count moves through the ledger as one movement of its difference with the level, read
    under a row lock so that a sale committed meanwhile is counted, never overwritten.
    Reorder settings left out keep their value; None clears one.
    """
    seen: set[uuid.UUID] = set()
    for index, setting in enumerate(settings):
        where = f"{field}[{index}]"
        product_rules.known_outlet(session, outlet_id=setting.outlet_id, field=f"{where}.outlet_id")
        if setting.outlet_id in seen:
            raise InvalidInput("an outlet is listed twice", field=f"{where}.outlet_id")
        seen.add(setting.outlet_id)
        if setting.count is not None:
            if not product.has_inventory:
                raise InvalidInput(
                    "this product's stock is not tracked"
                    + (
                        " (a composite moves its components' stock)" if product.is_composite else ""
                    ),
                    field=f"{where}.current_amount",
                )
            if setting.count < 0:
                raise InvalidInput(
                    "the stock count cannot be negative", field=f"{where}.current_amount"
                )
        for name, value in (
            ("reorder_point", setting.reorder_point),
            ("reorder_amount", setting.restock_level),
        ):
            if isinstance(value, Decimal) and value < 0:
                raise InvalidInput(
                    f"the {name.replace('_', ' ')} cannot be negative (-1 clears it)",
                    field=f"{where}.{name}",
                )
    levels = {
        level.outlet_id: level
        for level in session.scalars(
            select(InventoryLevel)
            .where(InventoryLevel.product_id == product.id, InventoryLevel.outlet_id.in_(seen))
            .order_by(InventoryLevel.outlet_id)
            .with_for_update()
        )
    }
    changes: list[StockChange] = []
    reorder: list[ReorderSettings] = []
    for setting in settings:
        level = levels.get(setting.outlet_id)
        if setting.count is not None:
            delta = setting.count - (level.count if level else Decimal(0))
            if delta:
                changes.append(
                    StockChange(
                        product.id, setting.outlet_id, delta, unit_cost=product.supply_price
                    )
                )
        if not (
            isinstance(setting.reorder_point, Keep) and isinstance(setting.restock_level, Keep)
        ):
            reorder.append(
                ReorderSettings(
                    product.id,
                    setting.outlet_id,
                    _keep_or(setting.reorder_point, level.reorder_point if level else None),
                    _keep_or(setting.restock_level, level.reorder_amount if level else None),
                )
            )
    move_stock(
        session, changes=changes, kind=MovementKind.MANUAL, source_id=product.id, user_id=user_id
    )
    set_reorder_levels(session, settings=reorder)


def _keep_or(value: Decimal | Kept | None, current: Decimal | None) -> Decimal | None:
    return current if isinstance(value, Keep) else value
