from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from comptoir.core.clock import utcnow
from comptoir.core.db import Base
from comptoir.core.ids import new_id


class MovementKind(StrEnum):
    SALE = "sale"
    RETURN = "return"
    RECEIVE = "receive"
    TRANSFER = "transfer"
    SUPPLIER_RETURN = "supplier_return"
    STOCKTAKE = "stocktake"
    MANUAL = "manual"
    VOID = "void"


class InventoryMovement(Base):
    """One change of stock, never updated or deleted: the ledger levels are derived from."""

    __tablename__ = "inventory_movement"
    __table_args__ = (Index("ix_inventory_movement_product_outlet", "product_id", "outlet_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("product.id"))
    outlet_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outlet.id"))
    quantity: Mapped[Decimal]
    kind: Mapped[str] = mapped_column(String(20))
    # What caused it: a sale id, a consignment id...; no foreign key, the ledger outlives them.
    source_id: Mapped[uuid.UUID | None] = mapped_column(default=None, index=True)
    unit_cost: Mapped[Decimal | None] = mapped_column(default=None)
    # The cost value this movement adds (negative: removes) at the level: its valuation
    # layer. A level's value is the sum of its movements' values (inventory.costing).
    value: Mapped[Decimal] = mapped_column(default=Decimal(0), server_default=text("0"))
    user_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InventoryLevel(Base):
    """Stock on hand of one product at one outlet: the sum of its movements.

    Changed only by `UPDATE ... SET count = count + :delta` in the same transaction as the
    movement (DESIGN.md rule 3). Versioned for `/inventory` paging, but not through the ORM
    mixin: levels are written by set-based statements.
    """

    __tablename__ = "inventory_level"
    __table_args__ = (
        UniqueConstraint("product_id", "outlet_id"),
        # The "low stock" filter of the product list reads only the levels at or below their
        # reorder point: a partial index holds just those (both databases keep it as the
        # count moves), so the filter costs what is low, not the whole catalog (0005).
        Index(
            "ix_inventory_level_low_stock",
            "outlet_id",
            "product_id",
            # Held in the index too, so that reading the low levels never visits the table.
            "count",
            "reorder_point",
            sqlite_where=text("count <= reorder_point"),
            postgresql_where=text("count <= reorder_point"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("product.id"))
    outlet_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outlet.id"), index=True)
    count: Mapped[Decimal] = mapped_column(default=Decimal(0))
    # The cost value of the stock on hand (average cost = value / count), changed only with
    # the count, by `value = value + :delta` (inventory.costing).
    value: Mapped[Decimal] = mapped_column(default=Decimal(0), server_default=text("0"))
    reorder_point: Mapped[Decimal | None] = mapped_column(default=None)
    reorder_amount: Mapped[Decimal | None] = mapped_column(default=None)
    version: Mapped[int] = mapped_column(BigInteger, unique=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
