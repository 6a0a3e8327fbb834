"""Counting a stock count: quantities added up under the count's row lock, retried batches
answered from their first run, a product's count cleared, a product found by its code.
The rule for sales made while the count is open is in `stocktakes`' docstring."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import cast

from sqlalchemy import (
    Table,
    bindparam,
    case,
    func,
    select,
    update,
)
from sqlalchemy.orm import Session

from comptoir.catalog.models import (
    Product,
    ProductCode,
)
from comptoir.core.clock import utcnow
from comptoir.core.db import Amount, UTCDateTime
from comptoir.core.errors import InvalidInput
from comptoir.core.uow import UnitOfWork
from comptoir.core.versioning import allocate_versions
from comptoir.inventory.consignments.common import (
    Receipt,
    ReceivedLine,
    previous_delivery,
    products_by_id,
    quantity_of,
    record_event,
    save_delivery,
)
from comptoir.inventory.consignments.errors import ConsignmentNotFound
from comptoir.inventory.consignments.models import (
    ConsignmentProduct,
)
from comptoir.inventory.consignments.stocktake_scope import (
    check_counting,
    lock_stocktake,
)
from comptoir.inventory.costing import read_levels
from comptoir.inventory.models import InventoryLevel

_LINE = cast(Table, ConsignmentProduct.__table__)


def count_products(
    uow: UnitOfWork,
    *,
    consignment_id: uuid.UUID,
    counts: Sequence[tuple[uuid.UUID, object]],
    user_id: uuid.UUID | None,
    delivery_id: uuid.UUID | None = None,
) -> Receipt:
    """Add counted quantities (product id, quantity) to the count; they add up with what
    others counted. Everything is checked before anything is written."""
    if not counts:
        raise InvalidInput("nothing to count", field="counts")
    merged: dict[uuid.UUID, Decimal] = {}
    for product_id, typed in counts:
        quantity = quantity_of(typed, field="quantity")
        merged[product_id] = merged.get(product_id, Decimal(0)) + quantity
    session = uow.session
    consignment = lock_stocktake(session, consignment_id)
    if delivery_id is not None:
        earlier = previous_delivery(session, consignment, delivery_id)
        if earlier is not None:
            return earlier
    check_counting(consignment)
    products_by_id(session, list(merged))
    wanted = sorted(merged, key=lambda p: p.int)
    listed: set[uuid.UUID] = set()
    for start in range(0, len(wanted), 500):
        listed.update(
            session.scalars(
                select(ConsignmentProduct.product_id).where(
                    ConsignmentProduct.consignment_id == consignment.id,
                    ConsignmentProduct.product_id.in_(wanted[start : start + 500]),
                    ConsignmentProduct.deleted_at.is_(None),
                )
            )
        )
    now = utcnow()
    new = [p for p in wanted if p not in listed]
    if new:
        # A product scanned that is not in the list joins it, expected at its level now.
        levels = read_levels(session, [(p, consignment.outlet_id) for p in new])
        for product_id in new:
            count, _value = levels.get((product_id, consignment.outlet_id), (Decimal(0), 0))
            session.add(
                ConsignmentProduct(
                    consignment_id=consignment.id,
                    product_id=product_id,
                    expected=count,
                    received=merged[product_id],
                    is_included=False,
                    created_at=now,
                )
            )
        session.flush()
    existing = [p for p in wanted if p in listed]
    if existing:
        level_now = (
            select(InventoryLevel.count)
            .where(
                InventoryLevel.product_id == _LINE.c.product_id,
                InventoryLevel.outlet_id == consignment.outlet_id,
            )
            .scalar_subquery()
        )
        statement = (
            update(_LINE)
            .where(
                _LINE.c.consignment_id == consignment.id,
                _LINE.c.product_id == bindparam("p_id"),
            )
            .values(
                # The first count of a line takes the level as it is now as expected: see
                # the module's rule for sales made while the count is open.
                expected=case(
                    (_LINE.c.received.is_(None), func.coalesce(level_now, 0)),
                    else_=_LINE.c.expected,
                ),
                received=func.coalesce(_LINE.c.received, 0) + bindparam("n", type_=Amount()),
                version=bindparam("v"),
                updated_at=bindparam("now", type_=UTCDateTime()),
            )
        )
        versions = allocate_versions(session, len(existing))
        session.connection().execute(
            statement,
            [
                {"p_id": p, "n": merged[p], "v": v, "now": now}
                for p, v in zip(existing, versions, strict=True)
            ],
        )
    receipt = Receipt(
        delivery_id=delivery_id or uuid.uuid4(),
        lines=tuple(ReceivedLine(p, merged[p], None) for p in wanted),
    )
    if delivery_id is not None:
        save_delivery(session, consignment, receipt, user_id=user_id)
    consignment.updated_at = now
    return receipt


def clear_count(
    uow: UnitOfWork, *, consignment_id: uuid.UUID, product_id: uuid.UUID, user_id: uuid.UUID | None
) -> None:
    """Forget what was counted of one product (a mistake), to count it again."""
    session = uow.session
    consignment = lock_stocktake(session, consignment_id)
    check_counting(consignment)
    line = session.scalars(
        select(ConsignmentProduct).where(
            ConsignmentProduct.consignment_id == consignment.id,
            ConsignmentProduct.product_id == product_id,
        )
    ).one_or_none()
    if line is None:
        raise ConsignmentNotFound("this product is not in the count", product_id=str(product_id))
    line.received = None
    record_event(
        session,
        consignment,
        action="count_cleared",
        user_id=user_id,
        detail={"product_id": str(product_id)},
    )


def find_product_by_code(session: Session, code: str) -> Product | None:
    """The live product with this barcode, else this SKU (what a scanner or a person types)."""
    typed = code.strip()
    if not typed:
        return None
    by_barcode = session.scalars(
        select(Product)
        .join(ProductCode, ProductCode.product_id == Product.id)
        .where(ProductCode.code == typed, Product.deleted_at.is_(None))
        .limit(1)
    ).first()
    if by_barcode is not None:
        return by_barcode
    return session.scalars(
        select(Product).where(Product.sku == typed, Product.deleted_at.is_(None)).limit(1)
    ).first()


def forget_counts(
    uow: UnitOfWork, *, consignment_id: uuid.UUID, product_ids: Sequence[uuid.UUID]
) -> None:
    """Forget what was counted of these products, in a count in progress, so the quantity
    counted next replaces it (a correction sent as a total). Their expected quantity is
    taken again at that next count, as for a first count."""
    session = uow.session
    consignment = lock_stocktake(session, consignment_id)
    check_counting(consignment)
    wanted = sorted(set(product_ids), key=lambda p: p.int)
    for start in range(0, len(wanted), 500):
        for line in session.scalars(
            select(ConsignmentProduct).where(
                ConsignmentProduct.consignment_id == consignment.id,
                ConsignmentProduct.product_id.in_(wanted[start : start + 500]),
                ConsignmentProduct.received.is_not(None),
            )
        ):
            line.received = None
    # count_products adds with an UPDATE of its own: it must see these cleared.
    session.flush()
