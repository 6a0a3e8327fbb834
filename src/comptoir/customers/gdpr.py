"""GDPR requests about one customer: access/portability, erasure, and the review of
customers inactive for too long. Rectification is an ordinary update."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from comptoir.accounts.events import SecurityAction, record_event
from comptoir.core.clock import utcnow
from comptoir.core.errors import InvalidInput
from comptoir.core.uow import UnitOfWork
from comptoir.customers import service
from comptoir.customers.models import Customer, CustomerGroup, MarketingConsent
from comptoir.customers.profiles import EDITABLE
from comptoir.sales.models import Sale
from comptoir.store import service as store

# Erasure empties every field that identifies or describes the person; what remains is the
# row (sales point to it), the group and the flags, so that totals and reports still add up.
ERASED_FIELDS = tuple(
    f for f in EDITABLE if f not in ("customer_code", "do_not_email", "enable_loyalty")
)


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (Decimal, uuid.UUID)):
        return str(value)
    return value


def export_customer_data(
    uow: UnitOfWork, *, customer_id: uuid.UUID, actor_id: uuid.UUID | None
) -> dict[str, Any]:
    """Everything held about a customer (profile, group, balances, consents, sales with
    their lines and payments) as plain JSON-ready data; the request itself is logged."""
    session = uow.session
    customer = service.get_customer(session, customer_id=customer_id)
    group = session.get(CustomerGroup, customer.customer_group_id)
    figures = service.figures_of(session, customer_ids=[customer.id])[customer.id]
    consents = session.scalars(
        select(MarketingConsent)
        .where(MarketingConsent.customer_id == customer.id)
        .order_by(MarketingConsent.recorded_at)
    )
    sales = session.scalars(
        select(Sale).where(Sale.customer_id == customer.id).order_by(Sale.sale_date)
    )
    data = {
        "profile": {
            "id": str(customer.id),
            **{f: _plain(getattr(customer, f)) for f in EDITABLE},
            "tax_id": _plain(customer.tax_id),
            "created_at": _plain(customer.created_at),
            "updated_at": _plain(customer.updated_at),
        },
        "customer_group": group.name if group else None,
        "balances": {
            "year_to_date": _plain(figures.year_to_date),
            "balance": _plain(figures.balance),
            "loyalty_balance": _plain(figures.loyalty_balance),
            "store_credit": _plain(figures.store_credit),
        },
        "marketing_consents": [
            {
                "channel": c.channel,
                "granted": c.granted,
                "source": c.source,
                "recorded_at": _plain(c.recorded_at),
            }
            for c in consents
        ],
        "sales": [
            {
                "invoice_number": s.invoice_number,
                "sale_date": _plain(s.sale_date),
                "state": s.state,
                "total_price_incl": _plain(s.total_price_incl),
                "lines": [
                    {
                        "name": line.name,
                        "sku": line.sku,
                        "quantity": _plain(line.quantity),
                        "total": _plain(line.total),
                    }
                    for line in s.lines
                ],
                "payments": [{"name": p.name, "amount": _plain(p.amount)} for p in s.payments],
            }
            for s in sales
        ],
    }
    record_event(
        session,
        action=SecurityAction.CUSTOMER_DATA_EXPORTED,
        user_id=actor_id,
        actor_id=actor_id,
        details={"customer_id": str(customer.id)},
    )
    uow.commit()
    return data


def customer_data_csv(data: dict[str, Any]) -> str:
    """The same export as one CSV table: section, item number, field, value."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "item", "field", "value"])
    for field, value in data["profile"].items():
        writer.writerow(["profile", "", field, "" if value is None else value])
    writer.writerow(["profile", "", "customer_group", data["customer_group"] or ""])
    for field, value in data["balances"].items():
        writer.writerow(["balances", "", field, value])
    for number, consent in enumerate(data["marketing_consents"], start=1):
        for field, value in consent.items():
            writer.writerow(["marketing_consent", number, field, value])
    for number, sale in enumerate(data["sales"], start=1):
        for field in ("invoice_number", "sale_date", "state", "total_price_incl"):
            writer.writerow(["sale", number, field, sale[field]])
        for line_number, line in enumerate(sale["lines"], start=1):
            for field, value in line.items():
                writer.writerow(["sale_line", f"{number}.{line_number}", field, value])
        for pay_number, payment in enumerate(sale["payments"], start=1):
            for field, value in payment.items():
                writer.writerow(["sale_payment", f"{number}.{pay_number}", field, value])
    return out.getvalue()


def erase_customer(
    uow: UnitOfWork, *, customer_id: uuid.UUID, actor_id: uuid.UUID | None
) -> Customer:
    """Anonymise the person at their request. Their sales stay, with their amounts, taxes
    and payments untouched (fiscal records must), pointing to a customer who is no one:
    every identifying field emptied, the code replaced, marketing consent withdrawn."""
    session = uow.session
    customer = service.get_customer(session, customer_id=customer_id)
    if customer.anonymised_at is not None:
        raise InvalidInput("this customer was already erased", field="customer_id")
    for field in ERASED_FIELDS:
        setattr(customer, field, None)
    customer.tax_id = None
    customer.customer_code = f"ERASED-{customer.id.hex[:12]}"
    if not customer.do_not_email:
        customer.do_not_email = True
        session.add(
            MarketingConsent(
                customer_id=customer.id,
                granted=False,
                source=service.ConsentSource.CUSTOMER_REQUEST,
                user_id=actor_id,
            )
        )
    customer.enable_loyalty = False
    now = utcnow()
    customer.anonymised_at = now
    customer.deleted_at = now
    record_event(
        session,
        action=SecurityAction.CUSTOMER_ERASED,
        user_id=actor_id,
        actor_id=actor_id,
        details={"customer_id": str(customer.id)},
    )
    uow.commit()
    return customer


def inactive_customers(
    session: Session, *, years: int | None = None, limit: int = 500
) -> list[tuple[Customer, datetime]]:
    """Customers with no sale and no change for longer than the store's review period
    (3 years unless set), oldest activity first, with that last activity."""
    period = years if years is not None else store.get_retailer(session).customer_inactivity_years
    if period < 1:
        raise InvalidInput("the review period is at least one year", field="years")
    cutoff = utcnow() - timedelta(days=round(365.25 * period))
    last_sale = (
        select(Sale.customer_id, func.max(Sale.sale_date).label("last_sale"))
        .where(Sale.customer_id.is_not(None))
        .group_by(Sale.customer_id)
        .subquery()
    )
    rows = session.execute(
        select(Customer, last_sale.c.last_sale)
        .outerjoin(last_sale, last_sale.c.customer_id == Customer.id)
        .where(
            Customer.deleted_at.is_(None),
            Customer.updated_at < cutoff,
            or_(last_sale.c.last_sale.is_(None), last_sale.c.last_sale < cutoff),
        )
        .order_by(Customer.updated_at)
        .limit(limit)
    ).all()
    return [
        (customer, max(d for d in (customer.updated_at, last) if d is not None))
        for customer, last in rows
    ]
