from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import Query
from pydantic import Field

from comptoir.core.paging import MAX_PAGE_SIZE

After = Annotated[int | None, Query(ge=0, description="Return objects with a version above this")]
Before = Annotated[int | None, Query(ge=0, description="Return objects with a version below this")]
PageSize = Annotated[int | None, Query(ge=1, le=MAX_PAGE_SIZE)]
Deleted = Annotated[bool, Query(description="Include deleted objects")]

# Amounts in requests: exact decimals that fit the database (15 digits, 5 decimal places).
AmountIn = Annotated[Decimal, Field(max_digits=15, decimal_places=5, allow_inf_nan=False)]
