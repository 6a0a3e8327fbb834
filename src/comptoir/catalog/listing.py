"""Suppliers and products as X-Series 0.9 clients list them: numbered pages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.catalog.models import Product, Supplier
from comptoir.core.paging import NumberedPage, page_by_number


def page_suppliers_by_number(
    session: Session, *, page: int, page_size: int
) -> NumberedPage[Supplier]:
    query = select(Supplier).where(Supplier.deleted_at.is_(None))
    return page_by_number(session, query, [Supplier.version], page=page, page_size=page_size)


def page_products_by_number(
    session: Session,
    *,
    page: int,
    page_size: int,
    since: datetime | None = None,
    active: bool | None = None,
) -> NumberedPage[Product]:
    """Live products in version order; `since`: changed at or after (UTC)."""
    query = select(Product).where(Product.deleted_at.is_(None))
    if since is not None:
        query = query.where(Product.updated_at >= since)
    if active is not None:
        query = query.where(Product.active.is_(active))
    return page_by_number(session, query, [Product.version], page=page, page_size=page_size)
