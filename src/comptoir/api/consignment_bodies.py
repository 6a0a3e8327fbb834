"""The bodies of the consignments API's writes (X-Series 2.0 `ConsignmentRequest`,
`ConsignmentProductRequest`, the `/bulk` array) and their translation into the domain's
values.

X-Series wraps a consignment and a product in `{"data": {...}}`; the fields sent bare are
accepted too (many clients do). Fields Comptoir does not keep (`consignment_date`, the
totals, `product_sku`...) and read-only ones sent back (`id`, `version`...) are ignored.
Comptoir adds `reason` (a supplier return's reason; its `name` when left out) and
`uncounted` ("keep", the default, or "zero": what applying a count does to the products not
counted).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from comptoir.api.params import AmountIn, TextIn, UTCDateTimeIn
from comptoir.api.serialize_consignments import FILTER_FIELDS
from comptoir.core.errors import InvalidInput
from comptoir.inventory.consignments.common import LineInput
from comptoir.inventory.consignments.editing import HEADER_FIELDS, Details, NewConsignment
from comptoir.inventory.consignments.models import ConsignmentStatus, ConsignmentType
from comptoir.inventory.consignments.stocktake_scope import StocktakeFilters

MAX_BULK = 2000


def _unwrap(value: Any) -> Any:
    """`{"data": {...}}` as the spec writes it, or the fields bare."""
    if isinstance(value, dict) and isinstance(value.get("data"), dict):
        return value["data"]
    return value


def _status(value: Any) -> Any:
    # X-Series creates a count as `STOCKTAKE` or `STOCKTAKE_SCHEDULED`: the same status.
    return ConsignmentStatus.STOCKTAKE_SCHEDULED.value if value == "STOCKTAKE" else value


class FilterIn(BaseModel):
    """One condition of a stock count (X-Series' `Filter`): a product matching any counts."""

    model_config = ConfigDict(extra="ignore")

    field: Literal["brand_id", "product_id", "supplier_id", "tag_id", "type_id"]
    value: uuid.UUID


class ConsignmentIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: ConsignmentType | None = None
    status: Annotated[ConsignmentStatus | None, BeforeValidator(_status)] = None
    outlet_id: uuid.UUID | None = None
    source_outlet_id: uuid.UUID | None = None
    supplier_id: uuid.UUID | None = None
    name: TextIn | None = Field(default=None, max_length=255)
    reference: TextIn | None = Field(default=None, max_length=100)
    supplier_invoice: TextIn | None = Field(default=None, max_length=100)
    due_at: UTCDateTimeIn | None = None
    show_inactive: bool | None = None
    filters: list[FilterIn] | None = Field(default=None, max_length=1000)
    reason: TextIn | None = Field(default=None, max_length=200)
    uncounted: Literal["keep", "zero"] | None = None

    @model_validator(mode="before")
    @classmethod
    def _data(cls, value: Any) -> Any:
        return _unwrap(value)


class ConsignmentProductIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    product_id: uuid.UUID | None = None
    count: AmountIn | None = None
    received: AmountIn | None = None
    cost: AmountIn | None = None

    @model_validator(mode="before")
    @classmethod
    def _data(cls, value: Any) -> Any:
        return _unwrap(value)


class BulkProductIn(ConsignmentProductIn):
    @model_validator(mode="after")
    def _count_or_received(self) -> BulkProductIn:
        # The spec: "Must include either count or received for each product".
        if self.product_id is None:
            raise ValueError("product_id is required")
        if self.count is None and self.received is None:
            raise ValueError("each product needs its count or received")
        return self


BulkIn = Annotated[list[BulkProductIn], Field(min_length=1, max_length=MAX_BULK)]


def new_consignment(body: ConsignmentIn) -> NewConsignment:
    if body.type is None:
        raise InvalidInput("type is required: SUPPLIER, OUTLET, RETURN or STOCKTAKE", field="type")
    return NewConsignment(
        type=body.type,
        outlet_id=body.outlet_id,
        status=body.status,
        source_outlet_id=body.source_outlet_id,
        supplier_id=body.supplier_id,
        name=body.name,
        reference=body.reference,
        due_at=body.due_at,
        supplier_invoice=body.supplier_invoice,
        reason=body.reason,
        filters=stocktake_filters(body.filters),
        show_inactive=bool(body.show_inactive),
    )


def details_of(body: ConsignmentIn) -> Details:
    given = frozenset(body.model_fields_set & HEADER_FIELDS)
    return Details(
        given=given,
        name=body.name,
        reference=body.reference,
        due_at=body.due_at,
        supplier_invoice=body.supplier_invoice,
        reason=body.reason,
        type=body.type,
        outlet_id=body.outlet_id,
        source_outlet_id=body.source_outlet_id,
        supplier_id=body.supplier_id,
    )


def stocktake_filters(filters: list[FilterIn] | None) -> StocktakeFilters:
    """X-Series' list of conditions as the count's filters (none: every product)."""
    ids: dict[str, list[uuid.UUID]] = {name: [] for name in FILTER_FIELDS.values()}
    for condition in filters or ():
        ids[FILTER_FIELDS[condition.field]].append(condition.value)
    return StocktakeFilters(**{name: tuple(dict.fromkeys(v)) for name, v in ids.items()})


def line_of(body: ConsignmentProductIn, product_id: uuid.UUID | None = None) -> LineInput:
    """The product line sent; `product_id` from the path (the body's, if any, must agree)."""
    if product_id is not None and body.product_id not in (None, product_id):
        raise InvalidInput("product_id differs from the product in the path", field="product_id")
    chosen = product_id or body.product_id
    if chosen is None:
        raise InvalidInput("product_id is required", field="product_id")
    return LineInput(chosen, count=body.count, received=body.received, cost=body.cost)
