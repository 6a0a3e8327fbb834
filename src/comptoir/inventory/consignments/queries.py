"""Reading consignments: the X-Series lists (version order, `after=` paging) and the
filters the stock control pages and the API share."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.core.paging import Page, page_by_version
from comptoir.inventory.consignments.models import (
    Consignment,
    ConsignmentProduct,
    ConsignmentStatus,
    ConsignmentType,
)


@dataclass(frozen=True, slots=True)
class ConsignmentFilter:
    type: ConsignmentType | None = None
    status: ConsignmentStatus | None = None
    outlet_id: uuid.UUID | None = None


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
    if wanted.type is not None:
        query = query.where(Consignment.type == wanted.type.value)
    if wanted.status is not None:
        query = query.where(Consignment.status == wanted.status.value)
    if wanted.outlet_id is not None:
        query = query.where(Consignment.outlet_id == wanted.outlet_id)
    return page_by_version(
        session, query, Consignment.version, after=after, before=before, page_size=page_size
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
