"""Reading sales out, as X-Series 0.9 clients list them (`GET /api/register_sales`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from comptoir.core.paging import NumberedPage, page_by_number
from comptoir.sales.models import Sale


@dataclass(frozen=True, kw_only=True)
class SaleFilter:
    """Each given criterion narrows the list; several values of one are alternatives."""

    since: datetime | None = None  # changed at or after (UTC)
    outlet_id: uuid.UUID | None = None
    states: Sequence[str] = ()  # parked, pending, voided, closed
    statuses: Sequence[str] = ()  # the older SAVED, CLOSED, VOIDED...
    # X-Series sale attributes (onaccount, layby...): Comptoir records none on a sale yet,
    # so asking for any of them matches no sale.
    attributes: Sequence[str] = ()


def page_register_sales(
    session: Session, *, where: SaleFilter, page: int, page_size: int
) -> NumberedPage[Sale]:
    """Live sales in version order (recording order; a sale changed later moves to the
    end), so a client reading page after page sees each sale once."""
    query = select(Sale).where(Sale.deleted_at.is_(None))
    if where.since is not None:
        query = query.where(Sale.updated_at >= where.since)
    if where.outlet_id is not None:
        query = query.where(Sale.outlet_id == where.outlet_id)
    if where.states:
        query = query.where(Sale.state.in_(where.states))
    if where.statuses:
        query = query.where(Sale.status.in_([s.upper() for s in where.statuses]))
    if where.attributes:
        query = query.where(false())
    return page_by_number(session, query, [Sale.version], page=page, page_size=page_size)
