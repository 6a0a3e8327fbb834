"""The back office's customer list: a search, a group and pages, in one query.

Every filter is a condition of the query, applied before the page is cut, so each page
holds up to `page_size` customers passing all of them. (The list page used to take the
first 50 search matches and keep those of the group afterwards, so a group search showed
fewer customers than matched, and no next page.)
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from comptoir.core.textsearch import words_of
from comptoir.customers.models import Customer
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
