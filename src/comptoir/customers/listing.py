"""Customers as X-Series 0.9 clients list them: numbered pages, looked up by id, code or email."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.core.errors import InvalidInput
from comptoir.core.paging import NumberedPage, page_by_number
from comptoir.customers.models import Customer, CustomerGroup


@dataclass(frozen=True, kw_only=True)
class CustomerLookup:
    """At most one of id, code and email (X-Series: they cannot be combined)."""

    customer_id: uuid.UUID | None = None
    code: str | None = None
    email: str | None = None  # exact match
    since: datetime | None = None  # changed at or after (UTC)


def page_customers_by_number(
    session: Session, *, lookup: CustomerLookup, page: int, page_size: int
) -> NumberedPage[Customer]:
    given = [v for v in (lookup.customer_id, lookup.code, lookup.email) if v is not None]
    if len(given) > 1:
        raise InvalidInput("give only one of id, code and email", field="id")
    query = select(Customer).where(Customer.deleted_at.is_(None))
    if lookup.customer_id is not None:
        query = query.where(Customer.id == lookup.customer_id)
    if lookup.code is not None:
        query = query.where(Customer.customer_code == lookup.code)
    if lookup.email is not None:
        query = query.where(Customer.email == lookup.email)
    if lookup.since is not None:
        query = query.where(Customer.updated_at >= lookup.since)
    return page_by_number(session, query, [Customer.version], page=page, page_size=page_size)


def group_names(session: Session, *, group_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not group_ids:
        return {}
    rows = session.execute(
        select(CustomerGroup.id, CustomerGroup.name).where(CustomerGroup.id.in_(group_ids))
    )
    return {row.id: row.name for row in rows}


def names_of(session: Session, *, customer_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Customers' full names (as on a receipt), read in one query."""
    if not customer_ids:
        return {}
    found = session.scalars(select(Customer).where(Customer.id.in_(customer_ids)))
    return {c.id: c.name for c in found}
