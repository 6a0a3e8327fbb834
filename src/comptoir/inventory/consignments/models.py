"""The consignment tables: the consignment, its lines (X-Series' consignment products), its
deliveries (one row per receipt, keyed by the client's id so a retried receipt is a no-op)
and its history."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from comptoir.core.clock import utcnow
from comptoir.core.db import Base
from comptoir.core.ids import new_id
from comptoir.core.versioning import Versioned


class ConsignmentType(StrEnum):
    SUPPLIER = "SUPPLIER"
    OUTLET = "OUTLET"
    RETURN = "RETURN"
    STOCKTAKE = "STOCKTAKE"


class ConsignmentStatus(StrEnum):
    OPEN = "OPEN"
    SENT = "SENT"
    DISPATCHED = "DISPATCHED"
    RECEIVED = "RECEIVED"
    CANCELLED = "CANCELLED"
    STOCKTAKE_SCHEDULED = "STOCKTAKE_SCHEDULED"
    STOCKTAKE_IN_PROGRESS = "STOCKTAKE_IN_PROGRESS"
    STOCKTAKE_IN_PROGRESS_PROCESSED = "STOCKTAKE_IN_PROGRESS_PROCESSED"
    STOCKTAKE_COMPLETE = "STOCKTAKE_COMPLETE"
    CLOSED = "CLOSED"


class Consignment(Versioned, Base):
    __tablename__ = "consignment"
    __table_args__ = (
        # The stock control page's tabs: one type and status, newest first.
        Index("ix_consignment_type_status_created", "type", "status", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    type: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(40))
    # X-Series: for orders `name` is the note and `reference` the order number.
    name: Mapped[str | None] = mapped_column(String(255), default=None)
    reference: Mapped[str | None] = mapped_column(String(100), default=None)
    # Where stock arrives (an order, a transfer), leaves (a return) or is counted.
    outlet_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outlet.id"), index=True)
    # A transfer's sending outlet.
    source_outlet_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("outlet.id"), default=None
    )
    supplier_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("supplier.id"), default=None, index=True
    )
    supplier_invoice: Mapped[str | None] = mapped_column(String(100), default=None)
    # A return's reason (damaged, wrong item...).
    reason: Mapped[str | None] = mapped_column(String(200), default=None)
    consignment_date: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    received_at: Mapped[datetime | None] = mapped_column(default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(default=None)
    # A stocktake: what it counts (JSON: {"brand_ids": [...], ...}; null = everything), whether
    # inactive products are included, when counting started (sales after it are accounted
    # for), and what happens to products not counted ("zero" or "keep").
    filters: Mapped[str | None] = mapped_column(Text, default=None)
    show_inactive: Mapped[bool] = mapped_column(default=False)
    counting_started_at: Mapped[datetime | None] = mapped_column(default=None)
    uncounted: Mapped[str | None] = mapped_column(String(10), default=None)
    created_by: Mapped[uuid.UUID | None] = mapped_column(default=None)


class LineStatus(StrEnum):
    PENDING = "PENDING"
    SUCCESS = "SUCCESS"


class ConsignmentProduct(Versioned, Base):
    """One product of a consignment: `count` ordered/sent/expected, `received` received or
    counted, `cost` the unit supply price (orders, returns) or unit cost (transfers)."""

    __tablename__ = "consignment_product"
    __table_args__ = (UniqueConstraint("consignment_id", "product_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    # No foreign keys (docs/decisions/0014): PostgreSQL checks them row by row, 6 of the 10
    # seconds of a 300,000-product count's start. Lines are written only by the workflows,
    # which read the product (common.products_by_id, the count's INSERT ... SELECT from
    # product) under the consignment's row lock; products and consignments are never
    # deleted, only marked deleted_at.
    consignment_id: Mapped[uuid.UUID] = mapped_column()
    product_id: Mapped[uuid.UUID] = mapped_column(index=True)
    count: Mapped[Decimal | None] = mapped_column(default=None)
    received: Mapped[Decimal | None] = mapped_column(default=None)
    cost: Mapped[Decimal | None] = mapped_column(default=None)
    # A stocktake: the level when the line entered the count (the difference is counted
    # against it, so a sale during the count is not adjusted away), and whether the line
    # came from the count's filter (X-Series `is_included`) rather than a scan.
    expected: Mapped[Decimal | None] = mapped_column(default=None)
    is_included: Mapped[bool | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(20), default=LineStatus.PENDING.value)


class ConsignmentDelivery(Base):
    """One receipt of stock (a delivery of an order, the arrival of a transfer, a counted
    batch): its id comes from the client, so receiving the same delivery twice is refused by
    the primary key and changes nothing."""

    __tablename__ = "consignment_delivery"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    consignment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("consignment.id"), index=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    # What it did, as JSON ({"lines": [[product_id, quantity, cost], ...]}): the answer a
    # retry gets back.
    summary: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConsignmentEvent(Base):
    """A consignment's history: created, sent, received (partly), cancelled, applied..."""

    __tablename__ = "consignment_event"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    consignment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("consignment.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    # Ids and figures only (JSON), never names: the history outlives GDPR erasure.
    detail: Mapped[str | None] = mapped_column(Text, default=None)
    user_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
