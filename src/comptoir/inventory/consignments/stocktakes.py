"""Stock counts (X-Series' STOCKTAKE consignments): create, start, count, review, apply.

STOCKTAKE_SCHEDULED -> STOCKTAKE_IN_PROGRESS -> STOCKTAKE_COMPLETE, or CANCELLED.

- `create_stocktake` records what is counted: a full count (no filters) or the products of
  some brands, product types, suppliers or tags, or a hand-picked list (a product matching
  any of them is counted). Composite products and products without inventory are never
  counted; inactive ones only with `show_inactive`.
- `start_stocktake` builds the expected list in one INSERT ... SELECT over the products and
  their level at the outlet (`expected` = the level at that moment, `is_included` true) and
  stamps `counting_started_at`.
- `count_products` adds counted quantities: several people may count at once and their
  counts add up (`received = COALESCE(received, 0) + :n`, under the consignment's row lock);
  a batch retried with the same `delivery_id` changes nothing. A product scanned that is not
  in the list joins it (`is_included` false).
- `apply_stocktake` writes one STOCKTAKE movement per line whose count differs.

The functions live by use case (stocktake_scope: filters, lock, status checks;
stocktake_counting: counting; stocktake_review: the review; stocktake_import: counts from a
file); this module holds the rest and exports the workflow's names.

The rule for sales (and any other movement) made while the count is open
--------------------------------------------------------------------------
A line's `expected` is the level *at the moment the line is first counted* (the start's
snapshot is replaced then, in the same atomic statement that adds the first count). The
adjustment applied is `counted - expected`, added as a DELTA to the level as it is when the
count is applied (never "set the level to the count"). So:

- a unit sold before its product was counted had already left the shelf: the counter could
  not count it, and it is not in `expected` either (level 10, count starts, 2 sold, 8 counted:
  expected 8, adjustment 0, level stays 8);
- a unit sold after its product was counted was counted, and it is in `expected` too; its
  sale's movement stays (level 10, count starts, 10 counted, 2 sold: expected 10,
  adjustment 0, the level stays 8).

What this cannot tell apart: a product counted in two places with a sale from the place
not yet counted in between (counted units and sold units then overlap wrongly), and a sale
rung up but not yet committed at the very moment of a product's first count. A full count
outside opening hours avoids both.

Uncounted lines: with "keep" they do not move; with "zero" the level is brought to zero as
it is when the count is applied (delta = -level), which is what "we found none" means.
Gains are valued at the level's average cost (the product's supply price when the level
holds no stock), losses at the average cost (inventory.costing).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import cast

from sqlalchemy import (
    Table,
    and_,
    func,
    literal,
    select,
    text,
)

from comptoir.catalog.models import (
    Brand,
    Product,
    ProductType,
    Supplier,
    Tag,
)
from comptoir.core.clock import utcnow
from comptoir.core.db import UTCDateTime
from comptoir.core.errors import InvalidInput
from comptoir.core.uow import UnitOfWork
from comptoir.core.versioning import VERSION_COUNTER, StoreCounter, allocate_versions
from comptoir.inventory.consignments.common import (
    add_consignment,
    check_transition,
    products_by_id,
    set_status,
)
from comptoir.inventory.consignments.models import (
    Consignment,
    ConsignmentProduct,
    ConsignmentStatus,
    ConsignmentType,
    LineStatus,
)
from comptoir.inventory.consignments.stocktake_counting import (
    clear_count,
    count_products,
    find_product_by_code,
)
from comptoir.inventory.consignments.stocktake_review import (
    Review,
    ReviewLine,
    line_figures,
    review_stocktake,
)
from comptoir.inventory.consignments.stocktake_scope import (
    StocktakeFilters,
    check_known,
    check_status,
    counted_products,
    filters_of,
    get_stocktake,
    line_ids,
    lock_stocktake,
)
from comptoir.inventory.costing import average_cost
from comptoir.inventory.models import InventoryLevel, MovementKind
from comptoir.inventory.service import StockChange, move_stock
from comptoir.store.models import Outlet

S = ConsignmentStatus
_LINE = cast(Table, ConsignmentProduct.__table__)


UNCOUNTED_CHOICES = ("zero", "keep")
__all__ = [
    "Applied",
    "Review",
    "ReviewLine",
    "StocktakeFilters",
    "apply_stocktake",
    "cancel_stocktake",
    "clear_count",
    "count_products",
    "create_stocktake",
    "filters_of",
    "find_product_by_code",
    "get_stocktake",
    "review_stocktake",
    "start_stocktake",
]


def create_stocktake(
    uow: UnitOfWork,
    *,
    outlet_id: uuid.UUID,
    name: str | None,
    filters: StocktakeFilters | None = None,
    show_inactive: bool = False,
    user_id: uuid.UUID | None,
) -> Consignment:
    """A scheduled count of `filters`' products (None: every product) at an outlet."""
    session = uow.session
    filters = filters or StocktakeFilters()
    if session.get(Outlet, outlet_id) is None:
        raise InvalidInput("unknown outlet", field="outlet_id")
    name = (name or "").strip()
    if not name:
        raise InvalidInput("a stock count needs a name", field="name")
    if len(name) > 255:
        raise InvalidInput("the name is longer than 255 characters", field="name")
    check_known(session, Brand, filters.brand_ids, "brand")
    check_known(session, ProductType, filters.product_type_ids, "product_type")
    check_known(session, Supplier, filters.supplier_ids, "supplier")
    check_known(session, Tag, filters.tag_ids, "tag")
    if filters.product_ids:
        products_by_id(session, filters.product_ids)
    return add_consignment(
        session,
        type=ConsignmentType.STOCKTAKE,
        user_id=user_id,
        detail={"full": filters.is_full},
        name=name,
        outlet_id=outlet_id,
        filters=filters.as_json(),
        show_inactive=show_inactive,
    )


def start_stocktake(
    uow: UnitOfWork, *, consignment_id: uuid.UUID, user_id: uuid.UUID | None
) -> Consignment:
    """Start counting: the expected list is built in the database, set-based."""
    session = uow.session
    consignment = lock_stocktake(session, consignment_id)
    check_status(consignment, S.STOCKTAKE_SCHEDULED, "this stock count has already started")
    check_transition(consignment, S.STOCKTAKE_IN_PROGRESS)
    now = utcnow()
    conditions = counted_products(filters_of(consignment), show_inactive=consignment.show_inactive)
    # The version counter is locked before the products are counted: a product created
    # meanwhile has either committed (and is counted) or waits for this transaction (its
    # own version comes from the counter), so the versions reserved fit the rows inserted.
    session.execute(
        select(StoreCounter.value).where(StoreCounter.name == VERSION_COUNTER).with_for_update()
    )
    total = session.scalar(select(func.count()).select_from(Product).where(*conditions)) or 0
    versions = allocate_versions(session, total)
    if total:
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            # The rows are numbered in product order: a sort of every product, which with
            # the default 4 MB spills to disk; this transaction only gets more.
            session.execute(text("SET LOCAL work_mem = '64MB'"))
        picked = (
            select(
                line_ids(dialect, func.row_number().over(order_by=Product.id)).label("id"),
                literal(consignment.id, ConsignmentProduct.consignment_id.type).label("c"),
                Product.id.label("product_id"),
                func.coalesce(InventoryLevel.count, 0).label("expected"),
                literal(True).label("is_included"),
                literal(LineStatus.PENDING.value).label("status"),
                (literal(versions.start - 1) + func.row_number().over(order_by=Product.id)).label(
                    "version"
                ),
                literal(now, UTCDateTime()).label("created_at"),
                literal(now, UTCDateTime()).label("updated_at"),
            )
            .select_from(Product)
            .outerjoin(
                InventoryLevel,
                and_(
                    InventoryLevel.product_id == Product.id,
                    InventoryLevel.outlet_id == consignment.outlet_id,
                ),
            )
            .where(*conditions)
            # In the order of the line indexes (consignment, product): appended, not scattered.
            .order_by(Product.id)
        )
        session.execute(
            _LINE.insert().from_select(
                [
                    "id",
                    "consignment_id",
                    "product_id",
                    "expected",
                    "is_included",
                    "status",
                    "version",
                    "created_at",
                    "updated_at",
                ],
                picked,
            )
        )
    consignment.counting_started_at = now
    set_status(
        session, consignment, S.STOCKTAKE_IN_PROGRESS, user_id=user_id, detail={"lines": total}
    )
    return consignment


# -- applying -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Applied:
    consignment: Consignment
    adjusted: int
    changes: tuple[StockChange, ...] = field(default=())


def apply_stocktake(
    uow: UnitOfWork, *, consignment_id: uuid.UUID, uncounted: str, user_id: uuid.UUID | None
) -> Applied:
    """Adjust stock by the differences found (see the module's rule) and complete the count.
    Applying a completed (or cancelled) count again is refused and moves nothing."""
    if uncounted not in UNCOUNTED_CHOICES:
        raise InvalidInput("uncounted must be zero or keep", field="uncounted")
    session = uow.session
    consignment = lock_stocktake(session, consignment_id)
    check_status(consignment, S.STOCKTAKE_IN_PROGRESS, "start the count before applying it")
    check_transition(consignment, S.STOCKTAKE_COMPLETE)
    changes: list[StockChange] = []
    gain = loss = Decimal(0)
    for product_id, expected, received, supply, count, value in line_figures(session, consignment):
        level = count if count is not None else Decimal(0)
        if received is not None:
            delta = received - (expected or Decimal(0))
        elif uncounted == "zero":
            delta = -level
        else:
            continue
        if delta == 0:
            continue
        unit = average_cost(level, value or Decimal(0), fallback=supply)
        changes.append(StockChange(product_id, consignment.outlet_id, delta, unit_cost=unit))
        if delta > 0:
            gain += delta
        else:
            loss += delta
    move_stock(
        session,
        changes=changes,
        kind=MovementKind.STOCKTAKE,
        source_id=consignment.id,
        user_id=user_id,
    )
    consignment.uncounted = uncounted
    set_status(
        session,
        consignment,
        S.STOCKTAKE_COMPLETE,
        user_id=user_id,
        detail={
            "adjusted": len(changes),
            "gain": str(gain),
            "loss": str(loss),
            "uncounted": uncounted,
        },
    )
    return Applied(consignment=consignment, adjusted=len(changes), changes=tuple(changes))


def cancel_stocktake(
    uow: UnitOfWork, *, consignment_id: uuid.UUID, user_id: uuid.UUID | None
) -> Consignment:
    """Abandon the count: nothing moves."""
    session = uow.session
    consignment = lock_stocktake(session, consignment_id)
    if consignment.status in (S.STOCKTAKE_COMPLETE.value, S.CANCELLED.value):
        check_status(consignment, S.STOCKTAKE_SCHEDULED, "")  # says why, in words
    set_status(session, consignment, S.CANCELLED, user_id=user_id)
    return consignment
