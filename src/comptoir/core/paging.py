"""X-Series paging: 2.0 lists by version (`?after=<version>` walks a list in version
order), 0.9 lists by page number."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from comptoir.core.errors import InvalidInput
from comptoir.core.versioning import Versioned

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 1000
MAX_PAGE_SIZE = 10_000


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    min_version: int | None
    max_version: int | None


def check_page_size(
    page_size: int | None, *, maximum: int = MAX_PAGE_SIZE, default: int = DEFAULT_PAGE_SIZE
) -> int:
    if page_size is None:
        return min(default, maximum)
    if page_size < 1 or page_size > maximum:
        raise InvalidInput(f"page_size must be between 1 and {maximum}", page_size=page_size)
    return page_size


def page_by_version(
    session: Session,
    query: Select[Any],
    version_column: Any,
    *,
    after: int | None,
    before: int | None,
    page_size: int,
) -> Page[Any]:
    """One page of `query` in version order, strictly after `after` and before `before`."""
    if after is not None:
        query = query.where(version_column > after)
    if before is not None:
        query = query.where(version_column < before)
    rows = list(session.scalars(query.order_by(version_column).limit(page_size)))
    versions = [row.version for row in rows]
    return Page(
        items=rows,
        min_version=min(versions) if versions else None,
        max_version=max(versions) if versions else None,
    )


# X-Series 0.9 pages: numbered (`page`, `page_size`), with a `pagination` object. --------

DEFAULT_NUMBERED_PAGE_SIZE = 100


@dataclass(frozen=True)
class NumberedPage(Generic[T]):
    items: list[T]
    page: int
    page_size: int
    results: int  # every row matching the query, on all pages

    @property
    def pages(self) -> int:
        return -(-self.results // self.page_size)


def check_page_number(page: int | None) -> int:
    if page is None:
        return 1
    if page < 1:
        raise InvalidInput("page starts at 1", page=page)
    return page


Live = TypeVar("Live", bound=Versioned)


def page_live(
    session: Session,
    model: type[Live],
    *,
    after: int | None,
    before: int | None,
    page_size: int,
    include_deleted: bool = False,
) -> Page[Live]:
    """One page of a versioned, soft-deleted kind of row (the deleted ones only if asked)."""
    query = select(model)
    if not include_deleted:
        query = query.where(model.deleted_at.is_(None))
    page: Page[Live] = page_by_version(
        session, query, model.version, after=after, before=before, page_size=page_size
    )
    return page


def page_by_number(
    session: Session, query: Select[Any], order: Sequence[Any], *, page: int, page_size: int
) -> NumberedPage[Any]:
    """Page `page` (from 1) of `query` in the order of `order` (which must end with a
    unique column, so that pages neither overlap nor skip a row)."""
    results = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = list(
        session.scalars(query.order_by(*order).limit(page_size).offset((page - 1) * page_size))
    )
    return NumberedPage(items=rows, page=page, page_size=page_size, results=results or 0)
