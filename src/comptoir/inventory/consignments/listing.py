"""Reading consignments: the stock control list (one type, narrowed by status, outlet,
supplier and a search of their number or note, newest first) and the X-Series API's lists
(version order, `after=` paging). Both narrow with the same ConsignmentFilter."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from comptoir.core.paging import Page, page_by_version
from comptoir.inventory.consignments.models import (
    Consignment,
    ConsignmentProduct,
    ConsignmentType,
)


@dataclass(frozen=True, kw_only=True)
class ConsignmentFilter:
    type: ConsignmentType | None = None
    status: str | None = None
    # A transfer matches the outlet it leaves as well as the one it arrives at.
    outlet_id: uuid.UUID | None = None
    supplier_id: uuid.UUID | None = None
    # A part of the reference (order number) or of the name (note), any case.
    text: str | None = None


def _narrowed(
    query: Select[tuple[Consignment]], where: ConsignmentFilter
) -> Select[tuple[Consignment]]:
    if where.type is not None:
        query = query.where(Consignment.type == where.type.value)
    if where.status:
        query = query.where(Consignment.status == where.status)
    if where.outlet_id is not None:
        query = query.where(
            or_(
                Consignment.outlet_id == where.outlet_id,
                Consignment.source_outlet_id == where.outlet_id,
            )
        )
    if where.supplier_id is not None:
        query = query.where(Consignment.supplier_id == where.supplier_id)
    text = (where.text or "").strip().lower()
    if text:
        # LIKE wildcards typed by the user are matched literally.
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(
                Consignment.reference.ilike(pattern, escape="\\"),
                Consignment.name.ilike(pattern, escape="\\"),
            )
        )
    return query


def list_consignments(
    session: Session, *, where: ConsignmentFilter, limit: int = 50, offset: int = 0
) -> list[Consignment]:
    query = _narrowed(select(Consignment).where(Consignment.deleted_at.is_(None)), where)
    query = query.order_by(Consignment.created_at.desc(), Consignment.id.desc())
    return list(session.scalars(query.limit(limit).offset(offset)))


def page_consignments(
    session: Session,
    *,
    wanted: ConsignmentFilter,
    after: int | None,
    before: int | None,
    page_size: int,
    deleted: bool = False,
) -> Page[Consignment]:
    query = select(Consignment)
    if not deleted:
        query = query.where(Consignment.deleted_at.is_(None))
    return page_by_version(
        session,
        _narrowed(query, wanted),
        Consignment.version,
        after=after,
        before=before,
        page_size=page_size,
    )


def page_consignment_products(
    session: Session,
    *,
    consignment_id: uuid.UUID,
    after: int | None,
    before: int | None,
    page_size: int,
) -> Page[ConsignmentProduct]:
    query = select(ConsignmentProduct).where(
        ConsignmentProduct.consignment_id == consignment_id,
        ConsignmentProduct.deleted_at.is_(None),
    )
    return page_by_version(
        session,
        query,
        ConsignmentProduct.version,
        after=after,
        before=before,
        page_size=page_size,
    )
