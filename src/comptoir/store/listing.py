"""The store's setup lists in version order, paged like every X-Series 2.0 list."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.core.paging import Page, page_live
from comptoir.store.models import Outlet, PaymentType, Register, Tax

Listed = TypeVar("Listed", Outlet, Register, Tax, PaymentType)


def page_setup(
    session: Session,
    model: type[Listed],
    *,
    after: int | None,
    before: int | None,
    page_size: int,
    include_deleted: bool = False,
) -> Page[Listed]:
    """Outlets, registers, taxes or payment types strictly between `after` and `before`."""
    return page_live(
        session,
        model,
        after=after,
        before=before,
        page_size=page_size,
        include_deleted=include_deleted,
    )


def list_setup(
    session: Session, model: type[Listed], *, include_deleted: bool = False
) -> list[Listed]:
    """Every outlet, register, tax or payment type (X-Series 0.9 lists are not paged)."""
    query = select(model)
    if not include_deleted:
        query = query.where(model.deleted_at.is_(None))
    return list(session.scalars(query.order_by(model.name, model.id)))
