"""Lists of customers: the back office's (a search, a group and pages, in one query) and the
X-Series 0.9 clients' (numbered pages, looked up by id, code or email).

Every filter is a condition of the query, applied before the page is cut, so each page
holds up to `page_size` customers passing all of them. (The list page used to take the
first 50 search matches and keep those of the group afterwards, so a group search showed
fewer customers than matched, and no next page.)
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from comptoir.core.errors import InvalidInput
from comptoir.core.paging import NumberedPage, page_by_number
from comptoir.core.textsearch import words_of
from comptoir.customers.models import Customer, CustomerGroup
from comptoir.customers.service import holds_words

PAGE_SIZE = 50


@dataclass(frozen=True)
class CustomerListPage:
    customers: list[Customer]
    # The `before` that shows the next page; None on the last one.
    next_before: int | None


def list_customers(
    session: Session,
    *,
    text: str = "",
    group_id: uuid.UUID | None = None,
    before: int | None = None,
    page_size: int = PAGE_SIZE,
) -> CustomerListPage:
    """Live customers, newest first (by version), `before` a version for the next pages.

    `text` keeps an exact customer code or email, or the customers holding every typed
    word as a word prefix of their names, code, company, email or phone digits (as the
    sell screen's search); `group_id` keeps the members of one group.
    """
    query = select(Customer).where(Customer.deleted_at.is_(None))
    if group_id is not None:
        query = query.where(Customer.customer_group_id == group_id)
    if text.strip():
        query = query.where(_matching(session, text.strip()))
    if before is not None:
        query = query.where(Customer.version < before)
    found = list(session.scalars(query.order_by(Customer.version.desc()).limit(page_size + 1)))
    next_before = found[page_size - 1].version if len(found) > page_size else None
    return CustomerListPage(found[:page_size], next_before)


def _matching(session: Session, typed: str) -> ColumnElement[bool]:
    exact = or_(Customer.customer_code == typed, Customer.email == typed)
    words = words_of(typed)
    if not words:
        return exact
    if " " not in typed or "@" in typed:
        # A code or an address typed whole that someone has: the words of it ("example",
        # "fr") would match thousands of others, none of them wanted.
        someone = select(Customer.id).where(exact, Customer.deleted_at.is_(None)).limit(1)
        if session.scalar(someone) is not None:
            return exact
    return or_(exact, holds_words(session, words, cap=None))


# X-Series 0.9 ----------------------------------------------------------------------------


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
