"""Customer use cases: create (idempotent by client id), update, delete, find, figures."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, literal_column, or_, select
from sqlalchemy import text as sql_text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from comptoir.core.clock import utcnow
from comptoir.core.errors import InvalidInput, NotFound, PermissionDenied
from comptoir.core.i18n import N_
from comptoir.core.paging import Page, page_by_version
from comptoir.core.textsearch import fts5_query, tsquery, words_of
from comptoir.core.uow import UnitOfWork
from comptoir.core.versioning import take_counter
from comptoir.customers import groups
from comptoir.customers.models import Customer, MarketingConsent
from comptoir.customers.profiles import clean_fields
from comptoir.sales import history
from comptoir.sales.models import Sale
from comptoir.store import service as store

CODE_COUNTER = "customer_code"
NAME_FIELDS = ("first_name", "last_name", "company_name")
# Groups drive promotions and price books: who may not manage them may not put a customer
# in one either (the `customers:groups` permission).
GROUP_MOVE_REFUSED = N_("Only a manager can move a customer to another group.")


class ConsentSource:
    REGISTER = "register"
    BACK_OFFICE = "back_office"
    IMPORT = "import"
    API = "api"
    CUSTOMER_REQUEST = "customer_request"


def _today(session: Session) -> date:
    zone = ZoneInfo(store.get_retailer(session).time_zone)
    return utcnow().astimezone(zone).date()


def next_customer_code(session: Session) -> str:
    """A fresh code ("C-10001"), taken atomically so two registers never share one; codes
    typed by the shop that happen to look alike are skipped."""
    while True:
        code = f"C-{take_counter(session, name=CODE_COUNTER, start=10000)}"
        if session.scalar(select(Customer.id).where(Customer.customer_code == code)) is None:
            return code


def _check_code_free(session: Session, code: str, *, customer_id: uuid.UUID | None) -> None:
    query = select(Customer.id).where(Customer.customer_code == code)
    if customer_id is not None:
        query = query.where(Customer.id != customer_id)
    if session.scalar(query) is not None:
        raise InvalidInput(f"the customer code {code!r} is already used", field="customer_code")


def _apply(
    session: Session,
    customer: Customer,
    values: Mapping[str, Any],
    *,
    source: str,
    user_id: uuid.UUID | None,
    is_new: bool = False,
    require_name: bool = True,
    may_change_group: bool = True,
) -> MarketingConsent | None:
    """Check and set `values`; returns the consent to record when it changed. A new
    customer starts in the default group, so choosing another one is a move too."""
    fields = dict(values)
    group_id = fields.pop("customer_group_id", None)
    tax_id = fields.pop("tax_id", Ellipsis)
    cleaned = clean_fields(fields, today=_today(session))
    if "customer_code" in cleaned and cleaned["customer_code"] is None:
        raise InvalidInput("a customer code cannot be emptied", field="customer_code")
    if cleaned.get("customer_code"):
        _check_code_free(session, cleaned["customer_code"], customer_id=customer.id)
    if group_id is not None:
        group = groups.get_group(session, group_id=_uuid(group_id, "customer_group_id"))
        if group.id != customer.customer_group_id and not may_change_group:
            raise PermissionDenied(
                GROUP_MOVE_REFUSED, field="customer_group_id", permission="customers:groups"
            )
        customer.customer_group_id = group.id
    if tax_id is not Ellipsis:
        if tax_id in (None, ""):
            customer.tax_id = None
        else:
            try:
                customer.tax_id = store.get_tax(session, tax_id=_uuid(tax_id, "tax_id")).id
            except NotFound as exc:
                raise InvalidInput("unknown tax", field="tax_id") from exc
    consent_changed = "do_not_email" in cleaned and (
        is_new or cleaned["do_not_email"] != customer.do_not_email
    )
    for name, value in cleaned.items():
        setattr(customer, name, value)
    if require_name and not any(getattr(customer, f) for f in NAME_FIELDS):
        raise InvalidInput(
            "a customer needs a first name, a last name or a company", field="first_name"
        )
    if not consent_changed:
        return None
    return MarketingConsent(
        customer_id=customer.id,
        granted=not customer.do_not_email,
        source=source,
        user_id=user_id,
    )


def _uuid(value: Any, field: str) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise InvalidInput("not an id", field=field) from exc


def create_customer(
    uow: UnitOfWork,
    *,
    values: Mapping[str, Any],
    customer_id: uuid.UUID | None = None,
    source: str = ConsentSource.BACK_OFFICE,
    user_id: uuid.UUID | None = None,
    may_change_group: bool = True,
) -> tuple[Customer, bool]:
    """Create a customer; returns it and whether this call created it.

    A register may send its own `customer_id`: sent again (a retry after a lost answer),
    the first customer comes back and nothing changes; the primary key guarantees it.
    Without `may_change_group`, a group other than the default is refused.
    """
    if customer_id is not None:
        existing = uow.reader.get(Customer, customer_id)
        if existing is not None:
            uow.commit()  # nothing written; ends the transaction without expiring `existing`
            return existing, False
    try:
        customer = add_customer(
            uow.session,
            values=values,
            customer_id=customer_id,
            source=source,
            user_id=user_id,
            may_change_group=may_change_group,
        )
        uow.commit()
    except IntegrityError:
        uow.rollback()
        existing = uow.session.get(Customer, customer_id) if customer_id is not None else None
        if existing is None:
            raise
        return existing, False
    return customer, True


def add_customer(
    session: Session,
    *,
    values: Mapping[str, Any],
    customer_id: uuid.UUID | None = None,
    source: str,
    user_id: uuid.UUID | None = None,
    require_name: bool = True,
    may_change_group: bool = True,
) -> Customer:
    """`create_customer` inside the caller's transaction (the importer's, which accepts a
    customer without names once the shop was warned)."""
    customer = Customer(
        id=customer_id or uuid.uuid4(),
        do_not_email=False,
        enable_loyalty=False,
        customer_group_id=groups.default_group(session).id,
    )
    initial = dict(values)
    # The consent given at creation is recorded too, whatever its value.
    initial.setdefault("do_not_email", False)
    consent = _apply(
        session,
        customer,
        initial,
        source=source,
        user_id=user_id,
        is_new=True,
        require_name=require_name,
        may_change_group=may_change_group,
    )
    if not customer.customer_code:
        customer.customer_code = next_customer_code(session)
    session.add(customer)
    session.flush()
    assert consent is not None  # a new customer's consent is always recorded
    session.add(consent)
    return customer


def update_customer(
    uow: UnitOfWork,
    *,
    customer_id: uuid.UUID,
    values: Mapping[str, Any],
    source: str = ConsentSource.BACK_OFFICE,
    user_id: uuid.UUID | None = None,
    may_change_group: bool = True,
) -> Customer:
    """Change the given fields only (a field sent as null or "" is emptied). Without
    `may_change_group`, a `customer_group_id` other than the customer's is refused and
    nothing changes; the same group sent back is not a move."""
    customer = get_customer(uow.session, customer_id=customer_id)
    if customer.anonymised_at is not None:
        raise InvalidInput("this customer's data was erased", field="customer_id")
    consent = _apply(
        uow.session,
        customer,
        values,
        source=source,
        user_id=user_id,
        may_change_group=may_change_group,
    )
    if consent is not None:
        uow.session.add(consent)
    uow.commit()
    return customer


def apply_import(
    session: Session, customer: Customer, values: Mapping[str, Any], *, user_id: uuid.UUID | None
) -> None:
    """An imported row for an existing customer code: the file's columns replace theirs."""
    if customer.anonymised_at is not None:
        raise InvalidInput("this customer's data was erased", field="customer_code")
    if customer.deleted_at is not None:
        customer.deleted_at = None  # importing a deleted customer's code brings them back
    consent = _apply(
        session, customer, values, source=ConsentSource.IMPORT, user_id=user_id, require_name=False
    )
    if consent is not None:
        session.add(consent)


def delete_customer(uow: UnitOfWork, *, customer_id: uuid.UUID) -> Customer:
    """A soft delete: the customer leaves lists and searches; their sales keep them."""
    customer = get_customer(uow.session, customer_id=customer_id)
    customer.deleted_at = utcnow()
    uow.commit()
    return customer


def get_customer(session: Session, *, customer_id: uuid.UUID) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None or customer.deleted_at is not None:
        raise NotFound("customer not found", customer_id=str(customer_id))
    return customer


def page_customers(
    session: Session,
    *,
    after: int | None,
    before: int | None,
    page_size: int,
    include_deleted: bool = False,
    group_id: uuid.UUID | None = None,
) -> Page[Customer]:
    query = select(Customer)
    if not include_deleted:
        query = query.where(Customer.deleted_at.is_(None))
    if group_id is not None:
        query = query.where(Customer.customer_group_id == group_id)
    return page_by_version(
        session, query, Customer.version, after=after, before=before, page_size=page_size
    )


SEARCH_CANDIDATES = 100


def _known_as(typed: str) -> ColumnElement[bool]:
    return or_(Customer.customer_code == typed, Customer.email == typed)


def find_customer_by_code(session: Session, *, code: str) -> Customer | None:
    """The live customer whose code (a scanned loyalty card) or email is exactly `code`."""
    typed = code.strip()
    if not typed:
        return None
    return session.scalars(
        select(Customer).where(_known_as(typed), Customer.deleted_at.is_(None)).limit(1)
    ).first()


def search_customers(session: Session, *, text: str, limit: int = 20) -> list[Customer]:
    """Live customers for the sell screen: an exact customer code (a scanned loyalty card)
    or email first, then customers holding every typed word as a word prefix of their
    names, code, company, email or phone digits — any order, accents ignored."""
    typed = text.strip()
    if not typed or limit < 1:
        return []
    live = Customer.deleted_at.is_(None)
    exact = list(session.scalars(select(Customer).where(_known_as(typed), live).limit(limit)))
    found = list(exact)
    words = words_of(typed)
    if exact and (" " not in typed or "@" in typed):
        # A scanned card or a typed email found its customer: the words of a code or an
        # address ("example", "fr") would match thousands of others, none of them wanted.
        words = []
    if words:
        candidates = session.execute(
            select(Customer.id, Customer.search_text)
            .where(holds_words(session, words, cap=2 * SEARCH_CANDIDATES), live)
            .limit(max(SEARCH_CANDIDATES, limit))
        ).all()
        best = [r.id for r in sorted(candidates, key=lambda r: r.search_text)[:limit]]
        if best:
            loaded = {
                c.id: c for c in session.scalars(select(Customer).where(Customer.id.in_(best)))
            }
            found.extend(loaded[i] for i in best if i in loaded)
    return list(dict.fromkeys(found))[:limit]


def holds_words(session: Session, words: list[str], *, cap: int | None) -> ColumnElement[bool]:
    """Customers holding every word as a word prefix; on SQLite at most `cap` of them."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        matching: Select[tuple[Any]] = (
            select(literal_column("cid"))
            .select_from(sql_text("customer_search"))
            .where(sql_text("customer_search MATCH :fts").bindparams(fts=fts5_query(words)))
        )
        if cap is not None:
            matching = matching.limit(cap)
        return Customer.id.in_(matching)
    matched = sql_text(
        "to_tsvector('simple'::regconfig, customer.search_text)"
        " @@ to_tsquery('simple'::regconfig, :tsq)"
    ).bindparams(tsq=tsquery(words))
    return and_(matched)


@dataclass(frozen=True)
class CustomerFigures:
    """What sales made of a customer. Balance, loyalty and store credit come from the
    on-account, loyalty and store-credit features; none is recorded yet, so they are 0."""

    year_to_date: Decimal
    balance: Decimal
    loyalty_balance: Decimal
    store_credit: Decimal
    last_sale_at: datetime | None


def figures_of(
    session: Session, *, customer_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, CustomerFigures]:
    """Year-to-date spend (closed sales since 1 January in the store's time zone)."""
    if not customer_ids:
        return {}
    retailer = store.get_retailer(session)
    zone = ZoneInfo(retailer.time_zone)
    start = datetime(utcnow().astimezone(zone).year, 1, 1, tzinfo=zone)
    spent = history.spend_by_customer(session, customer_ids=customer_ids, since=start)
    last = history.last_sale_by_customer(session, customer_ids=customer_ids)
    # X-Series `balance`: negative when the customer owes the store (on account).
    owed: dict[uuid.UUID, Decimal] = {
        cid: balance
        for cid, balance in session.execute(
            select(Customer.id, Customer.account_balance).where(Customer.id.in_(customer_ids))
        )
    }
    zero = Decimal(0)
    return {
        cid: CustomerFigures(
            year_to_date=spent.get(cid) or zero,
            balance=-(owed.get(cid) or zero) + zero,
            loyalty_balance=zero,
            store_credit=zero,
            last_sale_at=last.get(cid),
        )
        for cid in customer_ids
    }


def sales_of(
    session: Session, *, customer_id: uuid.UUID, limit: int = 100, before: datetime | None = None
) -> list[Sale]:
    """The customer's sales, newest first ("View sales")."""
    return history.sales_of_customer(session, customer_id=customer_id, limit=limit, before=before)
