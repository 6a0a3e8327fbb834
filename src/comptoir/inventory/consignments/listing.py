"""The stock control list: consignments of one type, narrowed by status, outlet, supplier
and a search of their number or note, newest first."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from comptoir.inventory.consignments.models import Consignment, ConsignmentType


@dataclass(frozen=True, kw_only=True)
class ConsignmentFilter:
    type: ConsignmentType
    status: str | None = None
    outlet_id: uuid.UUID | None = None
    supplier_id: uuid.UUID | None = None
    # A part of the reference (order number) or of the name (note), any case.
    text: str | None = None


def list_consignments(
    session: Session, *, where: ConsignmentFilter, limit: int = 50, offset: int = 0
) -> list[Consignment]:
    query = select(Consignment).where(
        Consignment.type == where.type.value, Consignment.deleted_at.is_(None)
    )
    if where.status:
        query = query.where(Consignment.status == where.status)
    if where.outlet_id is not None:
        # A transfer shows under the outlet it leaves as well as the one it arrives at.
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
    query = query.order_by(Consignment.created_at.desc(), Consignment.id.desc())
    return list(session.scalars(query.limit(limit).offset(offset)))
