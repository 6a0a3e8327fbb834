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

The one case this cannot tell apart: a product counted in two places, with a sale from the
place not yet counted in between (a count outside opening hours avoids it).

Uncounted lines: with "keep" they do not move; with "zero" the level is brought to zero as
it is when the count is applied (delta = -level), which is what "we found none" means.
Gains are valued at the level's average cost (the product's supply price when the level
holds no stock), losses at the average cost (inventory.costing).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    Table,
    Uuid,
    and_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy import (
    cast as cast_,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from comptoir.catalog.models import (
    Brand,
    Product,
    ProductCode,
    ProductTag,
    ProductType,
    Supplier,
    Tag,
)
from comptoir.core.clock import utcnow
from comptoir.core.db import Amount, UTCDateTime
from comptoir.core.errors import InvalidInput
from comptoir.core.uow import UnitOfWork
from comptoir.core.versioning import VERSION_COUNTER, StoreCounter, allocate_versions
from comptoir.inventory.consignments.common import (
    Receipt,
    ReceivedLine,
    check_transition,
    lock_consignment,
    previous_delivery,
    products_by_id,
    quantity_of,
    record_event,
    save_delivery,
    set_status,
)
from comptoir.inventory.consignments.errors import ConsignmentNotFound, ConsignmentStateError
from comptoir.inventory.consignments.models import (
    Consignment,
    ConsignmentProduct,
    ConsignmentStatus,
    ConsignmentType,
    LineStatus,
)
from comptoir.inventory.consignments.stocktake_review import (
    Review,
    ReviewLine,
    line_figures,
    review_stocktake,
)
from comptoir.inventory.costing import average_cost, read_levels
from comptoir.inventory.models import InventoryLevel, MovementKind
from comptoir.inventory.service import StockChange, move_stock
from comptoir.store.models import Outlet

S = ConsignmentStatus
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
    "find_product_by_code",
    "review_stocktake",
    "start_stocktake",
]
_LINE = cast(Table, ConsignmentProduct.__table__)


@dataclass(frozen=True, slots=True)
class StocktakeFilters:
    """What a partial count counts: a product matching any of these. All empty: everything."""

    brand_ids: tuple[uuid.UUID, ...] = ()
    product_type_ids: tuple[uuid.UUID, ...] = ()
    supplier_ids: tuple[uuid.UUID, ...] = ()
    tag_ids: tuple[uuid.UUID, ...] = ()
    product_ids: tuple[uuid.UUID, ...] = ()

    @property
    def is_full(self) -> bool:
        return not any(
            (
                self.brand_ids,
                self.product_type_ids,
                self.supplier_ids,
                self.tag_ids,
                self.product_ids,
            )
        )

    def as_json(self) -> str | None:
        if self.is_full:
            return None
        return json.dumps(
            {name: [str(i) for i in getattr(self, name)] for name in _FILTER_FIELDS},
            sort_keys=True,
        )


_FILTER_FIELDS = ("brand_ids", "product_type_ids", "supplier_ids", "tag_ids", "product_ids")


def filters_of(consignment: Consignment) -> StocktakeFilters:
    if not consignment.filters:
        return StocktakeFilters()
    data = json.loads(consignment.filters)
    return StocktakeFilters(
        **{name: tuple(uuid.UUID(i) for i in data.get(name, [])) for name in _FILTER_FIELDS}
    )


def get_stocktake(session: Session, consignment_id: uuid.UUID) -> Consignment:
    consignment = session.get(Consignment, consignment_id)
    if (
        consignment is None
        or consignment.deleted_at is not None
        or consignment.type != ConsignmentType.STOCKTAKE.value
    ):
        raise ConsignmentNotFound("no such stock count", consignment_id=str(consignment_id))
    return consignment


def _lock_stocktake(session: Session, consignment_id: uuid.UUID) -> Consignment:
    consignment = lock_consignment(session, consignment_id)
    if consignment.type != ConsignmentType.STOCKTAKE.value:
        raise ConsignmentNotFound("no such stock count", consignment_id=str(consignment_id))
    return consignment


def _check_known(session: Session, model: Any, ids: Sequence[uuid.UUID], what: str) -> None:
    if not ids:
        return
    found = set(session.scalars(select(model.id).where(model.id.in_(list(set(ids))))))
    missing = set(ids) - found
    if missing:
        raise InvalidInput(f"unknown {what}", field=what, ids=sorted(str(i) for i in missing))


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
    _check_known(session, Brand, filters.brand_ids, "brand")
    _check_known(session, ProductType, filters.product_type_ids, "product_type")
    _check_known(session, Supplier, filters.supplier_ids, "supplier")
    _check_known(session, Tag, filters.tag_ids, "tag")
    if filters.product_ids:
        products_by_id(session, filters.product_ids)
    consignment = Consignment(
        type=ConsignmentType.STOCKTAKE.value,
        status=S.STOCKTAKE_SCHEDULED.value,
        name=name,
        outlet_id=outlet_id,
        filters=filters.as_json(),
        show_inactive=show_inactive,
        created_by=user_id,
    )
    session.add(consignment)
    session.flush()
    record_event(
        session, consignment, action="created", user_id=user_id, detail={"full": filters.is_full}
    )
    return consignment


def _counted_products(filters: StocktakeFilters, *, show_inactive: bool) -> list[Any]:
    """The WHERE clause choosing the products a count covers."""
    conditions: list[Any] = [
        Product.deleted_at.is_(None),
        Product.has_inventory.is_(True),
        Product.is_composite.is_(False),
    ]
    if not show_inactive:
        conditions.append(Product.active.is_(True))
    if not filters.is_full:
        any_of: list[ColumnElement[bool]] = []
        if filters.brand_ids:
            any_of.append(Product.brand_id.in_(filters.brand_ids))
        if filters.product_type_ids:
            any_of.append(Product.product_type_id.in_(filters.product_type_ids))
        if filters.supplier_ids:
            any_of.append(Product.supplier_id.in_(filters.supplier_ids))
        if filters.tag_ids:
            any_of.append(
                Product.id.in_(
                    select(ProductTag.product_id).where(ProductTag.tag_id.in_(filters.tag_ids))
                )
            )
        if filters.product_ids:
            any_of.append(Product.id.in_(filters.product_ids))
        conditions.append(or_(*any_of))
    return conditions


def _line_ids(dialect: str, row_number: ColumnElement[Any]) -> ColumnElement[Any]:
    """Line ids made by the database, in the form its Uuid column holds them.

    One random 80-bit prefix per count followed by the row's number, in version-4 layout:
    the rows then go to the end of the primary key's index instead of all over it, which
    is most of the insert's cost (SQLite holds UUIDs as 32 hex digits).
    """
    prefix = uuid.uuid4().hex[:20]  # version (4) and variant nibbles at 12 and 16 kept
    if dialect == "postgresql":
        hex_number = func.lpad(func.to_hex(row_number), 12, "0")
        return cast_(literal(prefix) + hex_number, Uuid())
    return func.printf(f"{prefix}%012x", row_number)


def start_stocktake(
    uow: UnitOfWork, *, consignment_id: uuid.UUID, user_id: uuid.UUID | None
) -> Consignment:
    """Start counting: the expected list is built in the database, set-based."""
    session = uow.session
    consignment = _lock_stocktake(session, consignment_id)
    _check_status(consignment, S.STOCKTAKE_SCHEDULED, "this stock count has already started")
    check_transition(consignment, S.STOCKTAKE_IN_PROGRESS)
    now = utcnow()
    conditions = _counted_products(filters_of(consignment), show_inactive=consignment.show_inactive)
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
        picked = (
            select(
                _line_ids(dialect, func.row_number().over(order_by=Product.id)).label("id"),
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


# -- counting ---------------------------------------------------------------------------------


def _check_status(consignment: Consignment, wanted: ConsignmentStatus, otherwise: str) -> None:
    """Refuse, in words a user reads, what a count's status does not allow."""
    if consignment.status == wanted.value:
        return
    if consignment.status == S.STOCKTAKE_COMPLETE.value:
        otherwise = "this stock count is already applied"
    elif consignment.status == S.CANCELLED.value:
        otherwise = "this stock count is cancelled"
    raise ConsignmentStateError(otherwise, status=consignment.status)


def _check_counting(consignment: Consignment) -> None:
    _check_status(
        consignment,
        S.STOCKTAKE_IN_PROGRESS,
        "this stock count is not in progress: it cannot be counted",
    )


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
    consignment = _lock_stocktake(session, consignment_id)
    if delivery_id is not None:
        earlier = previous_delivery(session, consignment, delivery_id)
        if earlier is not None:
            return earlier
    _check_counting(consignment)
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
    consignment = _lock_stocktake(session, consignment_id)
    _check_counting(consignment)
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
    consignment = _lock_stocktake(session, consignment_id)
    _check_status(consignment, S.STOCKTAKE_IN_PROGRESS, "start the count before applying it")
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
    consignment = _lock_stocktake(session, consignment_id)
    if consignment.status in (S.STOCKTAKE_COMPLETE.value, S.CANCELLED.value):
        _check_status(consignment, S.STOCKTAKE_SCHEDULED, "")  # says why, in words
    set_status(session, consignment, S.CANCELLED, user_id=user_id)
    return consignment
