"""X-Series version paging: `?after=<version>` walks a list in version order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import Session

from comptoir.core.errors import InvalidInput

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 1000
MAX_PAGE_SIZE = 10_000


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    min_version: int | None
    max_version: int | None


def check_page_size(page_size: int | None, *, maximum: int = MAX_PAGE_SIZE) -> int:
    if page_size is None:
        return min(DEFAULT_PAGE_SIZE, maximum)
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
