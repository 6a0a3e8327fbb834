"""Finding sales: the back office's sales history and `GET /api/2.0/search?type=sales` build
their query here, from one `SaleSearch` of filters; the receipt's barcode finds its sale by
invoice number (`find_by_invoice`).

History pages are cut by keyset (newest first, by sale date then id), so a sale recorded
while someone pages never makes another appear twice or go missing. The API pages by
offset, as X-Series does.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, exists, or_, select
from sqlalchemy.orm import Session, lazyload

from comptoir.core.errors import InvalidInput
from comptoir.sales.models import Sale, SaleLine

Tab = Literal["all", "returns", "in_progress"]
TABS: tuple[Tab, ...] = ("all", "returns", "in_progress")
# Open sales: parked (quotes are parked sales marked as such), laybys and on account.
IN_PROGRESS_STATUSES = ("SAVED", "LAYBY", "ONACCOUNT")
STATUSES = (
    "SAVED",
    "CLOSED",
    "LAYBY",
    "LAYBY_CLOSED",
    "ONACCOUNT",
    "ONACCOUNT_CLOSED",
    "VOIDED",
)
STATES = ("parked", "pending", "closed", "voided")
PAGE_SIZE = 50


@dataclass(frozen=True, kw_only=True)
class SaleSearch:
    """Each given filter narrows the sales; an empty one does not filter."""

    date_from: datetime | None = None  # sale_date at or after (UTC)
    date_to: datetime | None = None  # sale_date before (UTC)
    # The outlets the searching user may see (None: all of them).
    visible_outlet_ids: Collection[uuid.UUID] | None = None
    outlet_id: uuid.UUID | None = None
    register_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None
    statuses: Sequence[str] = ()
    states: Sequence[str] = ()
    invoice_number: str | None = None
    product_id: uuid.UUID | None = None
    product_sku: str | None = None  # a line sold the product of this SKU
    tab: Tab = "all"


def day_bounds(
    *, first_day: date | None, last_day: date | None, time_zone: str
) -> tuple[datetime | None, datetime | None]:
    """The UTC instants from the start of `first_day` to the end of `last_day`, days as the
    outlet's clock reads them (`time_zone`)."""
    zone = ZoneInfo(time_zone)
    start = (
        datetime.combine(first_day, time.min, zone).astimezone(UTC)
        if first_day is not None
        else None
    )
    end = (
        datetime.combine(last_day + timedelta(days=1), time.min, zone).astimezone(UTC)
        if last_day is not None
        else None
    )
    return start, end


def build_query(search: SaleSearch) -> Select[tuple[Sale]]:
    """Live sales passing every filter of `search`, unordered."""
    query = select(Sale).where(Sale.deleted_at.is_(None))
    conditions: list[Any] = []
    if search.visible_outlet_ids is not None:
        conditions.append(Sale.outlet_id.in_(list(search.visible_outlet_ids)))
    if search.date_from is not None:
        conditions.append(Sale.sale_date >= search.date_from)
    if search.date_to is not None:
        conditions.append(Sale.sale_date < search.date_to)
    for column, value in (
        (Sale.outlet_id, search.outlet_id),
        (Sale.register_id, search.register_id),
        (Sale.user_id, search.user_id),
        (Sale.customer_id, search.customer_id),
    ):
        if value is not None:
            conditions.append(column == value)
    unknown = {s.upper() for s in search.statuses} - set(STATUSES)
    if unknown:
        raise InvalidInput("unknown sale status", field="status", statuses=sorted(unknown))
    if search.statuses:
        conditions.append(Sale.status.in_([s.upper() for s in search.statuses]))
    if {s.lower() for s in search.states} - set(STATES):
        raise InvalidInput("unknown sale state", field="state")
    if search.states:
        conditions.append(Sale.state.in_([s.lower() for s in search.states]))
    if search.invoice_number:
        conditions.append(Sale.invoice_number == search.invoice_number.strip())
    if search.product_id is not None:
        conditions.append(
            exists().where(SaleLine.sale_id == Sale.id, SaleLine.product_id == search.product_id)
        )
    if search.product_sku:
        conditions.append(
            exists().where(SaleLine.sale_id == Sale.id, SaleLine.sku == search.product_sku)
        )
    if search.tab == "returns":
        conditions.append(Sale.return_for.is_not(None))
    elif search.tab == "in_progress":
        conditions.append(Sale.status.in_(IN_PROGRESS_STATUSES))
    return query.where(*conditions)


@dataclass(frozen=True)
class HistoryPage:
    sales: list[Sale]
    # The cursor that shows the next page; None on the last one.
    next_cursor: str | None


def encode_cursor(sale: Sale) -> str:
    return f"{sale.sale_date.astimezone(UTC).strftime('%Y%m%dT%H%M%S.%f')}_{sale.id.hex}"


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        when, _, sale_id = cursor.partition("_")
        moment = datetime.strptime(when, "%Y%m%dT%H%M%S.%f").replace(tzinfo=UTC)
        return moment, uuid.UUID(hex=sale_id)
    except ValueError as exc:
        raise InvalidInput("not a page of the sales history", field="after") from exc


def page_history(
    session: Session, *, search: SaleSearch, after: str | None = None, page_size: int = PAGE_SIZE
) -> HistoryPage:
    """One page of the sales history, newest first, after the cursor `after` when given.
    Lines and payments are read only if asked for (a list shows neither)."""
    query = build_query(search).options(lazyload(Sale.lines), lazyload(Sale.payments))
    if after:
        moment, sale_id = decode_cursor(after)
        query = query.where(
            Sale.sale_date <= moment,
            or_(Sale.sale_date < moment, and_(Sale.sale_date == moment, Sale.id < sale_id)),
        )
    found = list(
        session.scalars(query.order_by(Sale.sale_date.desc(), Sale.id.desc()).limit(page_size + 1))
    )
    next_cursor = encode_cursor(found[page_size - 1]) if len(found) > page_size else None
    return HistoryPage(found[:page_size], next_cursor)


def search_sales(
    session: Session,
    *,
    search: SaleSearch,
    offset: int = 0,
    limit: int,
    ascending: bool = False,
) -> list[Sale]:
    """Sales for the 2.0 search: by sale date (newest first unless `ascending`), an offset."""
    if offset < 0:
        raise InvalidInput("offset must be 0 or more", field="offset")
    order = (
        (Sale.sale_date.asc(), Sale.id.asc())
        if ascending
        else (Sale.sale_date.desc(), Sale.id.desc())
    )
    query = build_query(search).order_by(*order).offset(offset).limit(limit)
    return list(session.scalars(query))


def find_by_invoice(
    session: Session,
    *,
    invoice_number: str,
    visible_outlet_ids: Collection[uuid.UUID] | None = None,
) -> Sale | None:
    """The sale a receipt's barcode names (its invoice number), newest if several registers
    share the number; None when there is none the user may see. Its lines and payments
    are read when first asked for."""
    query = build_query(
        SaleSearch(invoice_number=invoice_number, visible_outlet_ids=visible_outlet_ids)
    ).options(lazyload(Sale.lines), lazyload(Sale.payments))
    return session.scalars(query.order_by(Sale.sale_date.desc(), Sale.id.desc()).limit(1)).first()


def returns_of(session: Session, *, sale_id: uuid.UUID) -> list[Sale]:
    """The returns given against a sale, oldest first."""
    return list(
        session.scalars(
            select(Sale)
            .where(Sale.return_for == sale_id, Sale.deleted_at.is_(None))
            .order_by(Sale.sale_date, Sale.id)
        )
    )
