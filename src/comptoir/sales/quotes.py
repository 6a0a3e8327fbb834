"""Quotes: parked sales (SAVED) marked `is_quote`, with an expiry date (the store's
`quote_validity_days` when the register sends none). Continuing one turns it into a sale."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from comptoir.core.clock import utcnow
from comptoir.core.errors import InvalidInput, NotFound
from comptoir.core.i18n import N_
from comptoir.core.outbox import enqueue
from comptoir.core.uow import UnitOfWork
from comptoir.sales.lifecycle import SAVED
from comptoir.sales.models import Sale
from comptoir.store import service as store


def default_expiry(session: Session, *, now: datetime | None = None) -> datetime:
    days = store.get_retailer(session).quote_validity_days
    return (now or utcnow()) + timedelta(days=days)


def quote_status(sale: Sale, *, now: datetime | None = None) -> str:
    """X-Series quote status: CREATED, or EXPIRED once past its date."""
    expires = sale.quote_expires_at
    if expires is not None and expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    if expires is not None and expires < (now or utcnow()):
        return "EXPIRED"
    return "CREATED"


def _live_quotes() -> Select[tuple[Sale]]:
    return select(Sale).where(
        Sale.status == SAVED, Sale.is_quote.is_(True), Sale.deleted_at.is_(None)
    )


def list_quotes(session: Session, *, after: int | None, limit: int) -> tuple[list[Sale], bool, int]:
    """Quotes in version order after `after`; whether more follow; how many there are."""
    query = _live_quotes()
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    if after is not None:
        query = query.where(Sale.version > after)
    found = list(session.scalars(query.order_by(Sale.version).limit(limit + 1)))
    return found[:limit], len(found) > limit, total


def get_quote(session: Session, *, quote_id: uuid.UUID) -> Sale:
    found = session.scalars(_live_quotes().where(Sale.id == quote_id)).first()
    if found is None:
        raise NotFound("quote not found", quote_id=str(quote_id))
    return found


QUOTE_EMAIL_TOPIC = "quote.email"


def email_quote(
    uow: UnitOfWork, *, sale_id: uuid.UUID, to: str | None, locale: str, link: str
) -> None:
    """Queue the quote's email to the customer (sent after commit by the outbox)."""
    quote = get_quote(uow.session, quote_id=sale_id)
    if not to:
        raise InvalidInput(N_("The customer has no email address."), field="email")
    retailer = store.get_retailer(uow.session)
    enqueue(
        uow,
        topic=QUOTE_EMAIL_TOPIC,
        payload={
            "to": to,
            "locale": locale,
            "store": retailer.name,
            "number": quote.invoice_number,
            "total": str(quote.total_price_incl),
            "currency": quote.currency,
            "expires": quote.quote_expires_at.date().isoformat() if quote.quote_expires_at else "",
            "link": link,
        },
    )
    uow.commit()
