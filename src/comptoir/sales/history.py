"""What a customer bought, read for the customers package (year to date, last sale, the
list of their sales). Customers depends on sales for these figures, never the reverse: a
sale checks its customer through the `FindCustomer` function it is given (`lookup.py`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.sales.inputs import CLOSED
from comptoir.sales.models import Sale


def spend_by_customer(
    session: Session, *, customer_ids: Sequence[uuid.UUID], since: datetime
) -> dict[uuid.UUID, Decimal]:
    """Tax-inclusive total of each customer's closed sales since `since`; absent: none."""
    rows = session.execute(
        select(Sale.customer_id, func.sum(Sale.total_price_incl))
        .where(
            Sale.customer_id.in_(customer_ids),
            Sale.state == CLOSED,
            Sale.deleted_at.is_(None),
            Sale.sale_date >= since,
        )
        .group_by(Sale.customer_id)
    )
    return {customer_id: total for customer_id, total in rows if customer_id is not None}


def last_sale_by_customer(
    session: Session, *, customer_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, datetime]:
    """When each customer last bought something; absent: never."""
    rows = session.execute(
        select(Sale.customer_id, func.max(Sale.sale_date))
        .where(Sale.customer_id.in_(customer_ids), Sale.deleted_at.is_(None))
        .group_by(Sale.customer_id)
    )
    return {customer_id: last for customer_id, last in rows if customer_id is not None}


def sales_of_customer(
    session: Session, *, customer_id: uuid.UUID, limit: int, before: datetime | None = None
) -> list[Sale]:
    """The customer's sales, newest first, those before `before` when given."""
    query = select(Sale).where(Sale.customer_id == customer_id, Sale.deleted_at.is_(None))
    if before is not None:
        query = query.where(Sale.sale_date < before)
    return list(session.scalars(query.order_by(Sale.sale_date.desc()).limit(limit)))
