"""Recording a sale from a register: look it up, price it, write it; reading sales back.

The three steps of a new sale live in `lookup.py` (what the sale names, read outside the
write lock), `pricing.py` (pure amounts and payments) and `recording.py` (the writes, in
one transaction). This module ties them together and makes a retried sale idempotent.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from comptoir.accounts.models import LoginSession
from comptoir.core.errors import NotFound
from comptoir.core.paging import Page, page_by_version
from comptoir.core.uow import UnitOfWork
from comptoir.sales.account import NO_LEDGER, CustomerLedger
from comptoir.sales.approvals import ApprovalAlreadyUsed
from comptoir.sales.continuing import charge_unpaid, continue_sale, price_for_status
from comptoir.sales.inputs import (
    CLOSED,
    NO_RIGHTS,
    STATE_OF_STATUS,
    STATUS_OF_STATE,
    LineInput,
    PaymentInput,
    SaleInput,
    SaleRights,
    resolve_state,
)
from comptoir.sales.lifecycle import SAVED, VOIDED, TransitionRefused, check_transition
from comptoir.sales.lookup import FindCustomer, look_up_sale
from comptoir.sales.models import Sale
from comptoir.sales.quotes import default_expiry
from comptoir.sales.recording import stock_sold, write_sale
from comptoir.sales.sellers import check_seller_on_session
from comptoir.sales.store_credit import CreditLedger

__all__ = [
    "CLOSED",
    "STATE_OF_STATUS",
    "STATUS_OF_STATE",
    "FindCustomer",
    "LineInput",
    "PaymentInput",
    "SaleInput",
    "SaleRights",
    "get_sale",
    "page_sales",
    "record_sale",
    "resolve_state",
    "stock_sold",
]


def record_sale(
    uow: UnitOfWork,
    *,
    sale: SaleInput,
    user_id: uuid.UUID,
    find_customer: FindCustomer,
    register_session: LoginSession | None = None,
    rights: SaleRights = NO_RIGHTS,
    ledger: CustomerLedger = NO_LEDGER,
    credit: CreditLedger | None = None,
) -> tuple[Sale, bool]:
    """Record a closed sale sent by `user_id`. Returns the sale and whether this call
    created it. `register_session` is the browser session of the register it comes from
    (None for an API token): such a session sells as its current user (`sellers.py`).
    `find_customer` checks the customer the sale names (customers' `get_customer`).
    `rights`: what the sender may do beyond selling as themself at the catalog's prices.
    `credit`: customers' store credit ledger, for a sale paid with store credit.

    A sale sent again with the same id returns the first one and changes nothing; the
    primary key, not the lookup, is what guarantees it under concurrency. A parked sale's
    id is the exception: sending it again continues the sale (`continuing.py`).
    `ledger`: the customer's ledgers, for on-account sales (customers' `account.LEDGER`).
    """
    if sale.is_quote and sale.quote_expires_at is None:
        sale = replace(sale, quote_expires_at=default_expiry(uow.reader))
    check_seller_on_session(
        uow.reader,
        register_session=register_session,
        acting_user_id=user_id,
        named_user_id=sale.user_id,
        may_sell_for_others=rights.sell_for_others,
    )
    if sale.id is not None:
        existing = uow.reader.get(Sale, sale.id)
        if existing is not None:
            if existing.status == VOIDED and sale.wanted_status != VOIDED:
                raise TransitionRefused(current=VOIDED, wanted=sale.wanted_status)
            if existing.status == SAVED or sale.version is not None:
                return continue_sale(
                    uow,
                    sale=sale,
                    user_id=user_id,
                    find_customer=find_customer,
                    rights=rights,
                    ledger=ledger,
                    credit=credit,
                )
            return existing, False
    check_transition(current=None, wanted=sale.wanted_status)
    try:
        created = _record_new_sale(
            uow,
            sale=sale,
            user_id=user_id,
            find_customer=find_customer,
            rights=rights,
            ledger=ledger,
            credit=credit,
        )
    except (IntegrityError, ApprovalAlreadyUsed):
        uow.rollback()
        # A fresh transaction: the reader's snapshot may predate the winner's commit.
        existing = uow.session.get(Sale, sale.id) if sale.id is not None else None
        if existing is None:
            raise
        return existing, False
    return created, True


def _record_new_sale(
    uow: UnitOfWork,
    *,
    sale: SaleInput,
    user_id: uuid.UUID,
    find_customer: FindCustomer,
    rights: SaleRights,
    ledger: CustomerLedger,
    credit: CreditLedger | None = None,
) -> Sale:
    # Everything is looked up and priced first, outside the write lock; the writes come
    # last and together, so the lock (and the register's numbering) is held briefly.
    context = look_up_sale(uow.reader, sale=sale, user_id=user_id, find_customer=find_customer)
    priced, status = price_for_status(sale=sale, context=context, rights=rights)
    return write_sale(
        uow,
        sale_id=sale.id or uuid.uuid4(),
        sale=sale,
        context=context,
        priced=priced,
        status=status,
        on_written=charge_unpaid(uow, ledger=ledger, rights=rights),
        credit=credit,
    )


def get_sale(session: Session, *, sale_id: uuid.UUID) -> Sale:
    sale = session.get(Sale, sale_id)
    if sale is None or sale.deleted_at is not None:
        raise NotFound("sale not found", sale_id=str(sale_id))
    return sale


def page_sales(
    session: Session, *, after: int | None, before: int | None, page_size: int
) -> Page[Sale]:
    return page_by_version(
        session, select(Sale), Sale.version, after=after, before=before, page_size=page_size
    )
