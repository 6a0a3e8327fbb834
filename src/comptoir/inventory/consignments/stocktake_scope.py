"""What a stock count covers and the checks its use cases share: its filters (the WHERE
clause choosing its products), finding and locking it, refusing what its status does not
allow in words a user reads."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Uuid,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy import (
    cast as cast_,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from comptoir.catalog.models import (
    Product,
    ProductTag,
)
from comptoir.core.errors import InvalidInput
from comptoir.inventory.consignments.common import (
    get_consignment,
    lock_consignment,
)
from comptoir.inventory.consignments.errors import ConsignmentStateError
from comptoir.inventory.consignments.models import (
    Consignment,
    ConsignmentStatus,
    ConsignmentType,
)

S = ConsignmentStatus


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
    return get_consignment(session, consignment_id, type=ConsignmentType.STOCKTAKE)


def lock_stocktake(session: Session, consignment_id: uuid.UUID) -> Consignment:
    return lock_consignment(session, consignment_id, type=ConsignmentType.STOCKTAKE)


def check_known(session: Session, model: Any, ids: Sequence[uuid.UUID], what: str) -> None:
    if not ids:
        return
    found = set(session.scalars(select(model.id).where(model.id.in_(list(set(ids))))))
    missing = set(ids) - found
    if missing:
        raise InvalidInput(f"unknown {what}", field=what, ids=sorted(str(i) for i in missing))


def counted_products(filters: StocktakeFilters, *, show_inactive: bool) -> list[Any]:
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


def line_ids(dialect: str, row_number: ColumnElement[Any]) -> ColumnElement[Any]:
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


def check_status(consignment: Consignment, wanted: ConsignmentStatus, otherwise: str) -> None:
    """Refuse, in words a user reads, what a count's status does not allow."""
    if consignment.status == wanted.value:
        return
    if consignment.status == S.STOCKTAKE_COMPLETE.value:
        otherwise = "this stock count is already applied"
    elif consignment.status == S.CANCELLED.value:
        otherwise = "this stock count is cancelled"
    raise ConsignmentStateError(otherwise, status=consignment.status)


def check_counting(consignment: Consignment) -> None:
    check_status(
        consignment,
        S.STOCKTAKE_IN_PROGRESS,
        "this stock count is not in progress: it cannot be counted",
    )
