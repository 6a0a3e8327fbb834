from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, TypedDict

from fastapi import Depends, Query
from pydantic import AfterValidator, BeforeValidator, Field

from comptoir.core.paging import MAX_PAGE_SIZE, check_page_size

# Versions are BIGINT: a larger `after`/`before` cannot be bound on SQLite (it would be a 500).
MAX_VERSION = 2**63 - 1

After = Annotated[
    int | None,
    Query(ge=0, le=MAX_VERSION, description="Return objects with a version above this"),
]
Before = Annotated[
    int | None,
    Query(ge=0, le=MAX_VERSION, description="Return objects with a version below this"),
]
PageSize = Annotated[
    int | None, Query(ge=1, le=MAX_PAGE_SIZE, description="At most 10,000 (default 1000)")
]
# X-Series caps a page of sales at 500.
MAX_SALES_PAGE = 500
SalesPageSize = Annotated[
    int | None, Query(ge=1, le=MAX_SALES_PAGE, description="At most 500 (default 500)")
]
# X-Series 0.9 lists: numbered pages from 1 (bounded so that the row offset stays a BIGINT).
PageNumber = Annotated[int | None, Query(ge=1, le=1_000_000, description="From 1")]
NumberedPageSize = Annotated[
    int | None, Query(ge=1, le=MAX_PAGE_SIZE, description="At most 10,000 (default 100)")
]
Deleted = Annotated[bool, Query(description="Include deleted objects")]


class PageBounds(TypedDict):
    """A versioned page as the domain's `page_*` functions take it."""

    after: int | None
    before: int | None
    page_size: int


@dataclass
class VersionPaging:
    """The query of every versioned list: `?after=`, `?before=` and `?page_size=`."""

    after: After = None
    before: Before = None
    page_size: PageSize = None

    def bounds(self) -> PageBounds:
        return PageBounds(
            after=self.after, before=self.before, page_size=check_page_size(self.page_size)
        )


@dataclass
class VersionPagingWithDeleted(VersionPaging):
    """A versioned list of objects that can be deleted: `?deleted=true` includes them."""

    deleted: Deleted = False


Paging = Annotated[VersionPaging, Depends()]
PagingWithDeleted = Annotated[VersionPagingWithDeleted, Depends()]

# Amounts in requests: exact decimals that fit the database (15 digits, 5 decimal places).
AmountIn = Annotated[Decimal, Field(max_digits=15, decimal_places=5, allow_inf_nan=False)]


def _as_utc(value: datetime) -> datetime:
    """X-Series 0.9 dates ("2024-05-01 14:03:00") carry no offset and are UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:  # e.g. 9999-12-31T23:00:00-05:00 is past year 9999 in UTC
        raise ValueError("the date is out of range") from exc


# A date-time in a request: stored in UTC; one without an offset is taken as UTC.
UTCDateTimeIn = Annotated[datetime, AfterValidator(_as_utc)]


def _written_date(value: object) -> object:
    # Pydantic would read "0.5" or "1700000000" as seconds since 1970: a date in a query
    # is written as a date (ISO 8601), as the spec declares it.
    if isinstance(value, str) and not _ISO_DATE.match(value):
        raise ValueError("a date and time in ISO 8601, e.g. 2024-05-01T14:03:00Z")
    return value


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
# A date-time in a query string (`since`): ISO 8601 only.
UTCDateTimeQuery = Annotated[datetime, BeforeValidator(_written_date), AfterValidator(_as_utc)]


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL (it would fail as a 500); SQLite would store it. Refuse
    # it in every request so both backends answer the same.
    if "\x00" in value:
        raise ValueError("text cannot contain NUL characters")
    return value


# Free text in a request (notes, codes, search terms).
TextIn = Annotated[str, AfterValidator(_no_nul)]
# X-Series 0.9 `since`: only what changed at or after this time.
Since = Annotated[UTCDateTimeQuery | None, Query(description="Changed at or after (ISO 8601, UTC)")]
