"""What the X-Series product bodies share (2.0 create and 2.1 update): field types, the
parts of a product (codes, stock, taxes, supplier, prices) and their translation into the
catalog's values.

Unknown fields are refused (422 naming them), so a misspelt field is never silently lost.
Fields of the spec that Comptoir does not keep (images, weights and dimensions, loyalty,
packaging, `attributes`, `source_id`) are accepted and ignored.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal, get_args

from fastapi import Header
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from comptoir.api.params import AmountIn, TextIn
from comptoir.catalog import product_rules
from comptoir.catalog import products as catalog
from comptoir.core.errors import InvalidInput

MAX_VARIANTS = 500
# Idempotency keys are scoped to the user who sends them, in this namespace.
IDEMPOTENCY_NAMESPACE = uuid.UUID("5d0f8a7c-3f57-4d3e-9c1a-6f2b8e4d7a10")
IdempotencyKey = Annotated[
    str | None,
    Header(
        min_length=1,
        max_length=200,
        description="Any unique string: the same request sent again with it is done once",
    ),
]
MAX_ITEMS = 100
CLEARS = Decimal(-1)  # X-Series: -1 clears a reorder point or a supplier price


def _blank_is_none(value: Any) -> Any:
    return None if value == "" else value


def _not_null(value: Any) -> Any:
    if value is None:
        raise ValueError("null is not a value here: leave the field out to keep what it holds")
    return value


# On a field that may be left out but not set to null (a name, a flag, a full list).
NOT_NULL = BeforeValidator(_not_null)


# An id that "" (or null) clears: the 2.1 way of removing a brand, a category, a tax.
IdOrBlank = Annotated[uuid.UUID | None, BeforeValidator(_blank_is_none)]
# Text of a request: its length checked as characters, then NUL refused (as TextIn does).
NO_NUL = get_args(TextIn)[1]
Name = Annotated[str, StringConstraints(min_length=1, max_length=255), NO_NUL]
Description = Annotated[str, StringConstraints(max_length=65_535), NO_NUL]
ShortText = Annotated[str, StringConstraints(max_length=100), NO_NUL]
Ids = Annotated[list[uuid.UUID], Field(max_length=MAX_ITEMS)]
ShortHandle = Annotated[
    str, StringConstraints(min_length=1, max_length=product_rules.HANDLE_MAX_LENGTH), NO_NUL
]
Sku = Annotated[
    str, StringConstraints(min_length=1, max_length=product_rules.SKU_MAX_LENGTH), NO_NUL
]
SkuOrBlank = Annotated[str, StringConstraints(max_length=product_rules.SKU_MAX_LENGTH), NO_NUL]
MAX_LIST = Field(max_length=MAX_ITEMS)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProductCodeIn(Body):
    type: Annotated[str, StringConstraints(max_length=10), NO_NUL] = "EAN"
    code: Annotated[str, StringConstraints(min_length=1, max_length=64), NO_NUL]


class InventoryIn(Body):
    outlet_id: uuid.UUID
    current_amount: AmountIn | None = None
    reorder_point: AmountIn | None = None
    reorder_amount: AmountIn | None = None


class OutletTaxIn(Body):
    outlet_id: uuid.UUID
    tax_id: IdOrBlank = None


class AllOutletsTaxIn(Body):
    tax_id: IdOrBlank = None
    is_default: bool | None = None


class SupplierIn(Body):
    supplier_id: uuid.UUID
    code: ShortText | None = None
    price: AmountIn | None = None


class ComponentIn(Body):
    product_id: uuid.UUID
    quantity: AmountIn


class VariantDefinitionIn(Body):
    attribute_id: uuid.UUID
    value: ShortText


class ImageIn(Body):
    type: Literal["s3", "url", "product-image", "sku-image"]
    location: Annotated[str, StringConstraints(max_length=2000), NO_NUL]
    index: int | None = None


class Ignored(Body):
    """Spec fields Comptoir accepts and does not keep."""

    images: Annotated[list[ImageIn], Field(max_length=MAX_ITEMS)] | None = None
    loyalty_amount: AmountIn | None = None
    weight: AmountIn | None = None
    weight_unit: Literal["CT", "G", "OZ", "LB", "KG"] | None = None
    length: AmountIn | None = None
    width: AmountIn | None = None
    height: AmountIn | None = None
    dimensions_unit: Literal["IN", "CM", "MM", "YD"] | None = None


class PricesIn(Body):
    price_including_tax: AmountIn | None = None
    price_excluding_tax: AmountIn | None = None

    @model_validator(mode="after")
    def _one_price(self) -> PricesIn:
        if self.price_including_tax is not None and self.price_excluding_tax is not None:
            raise ValueError("give price_including_tax or price_excluding_tax, not both")
        return self

    def price(self) -> tuple[Decimal | None, bool | None]:
        """The price given and whether it includes tax."""
        if self.price_including_tax is not None:
            return self.price_including_tax, True
        if self.price_excluding_tax is not None:
            return self.price_excluding_tax, False
        return None, None


# Translations shared by create and update -----------------------------------------------


def codes_of(codes: list[ProductCodeIn]) -> list[catalog.NewCode]:
    return [catalog.NewCode(code=c.code, type=c.type) for c in codes]


def opening_stock_of(entries: list[InventoryIn], *, field: str) -> list[catalog.OpeningStock]:
    stock: list[catalog.OpeningStock] = []
    for index, entry in enumerate(entries):
        if entry.current_amount is None:
            raise InvalidInput("current_amount is required", field=f"{field}[{index}]")
        stock.append(
            catalog.OpeningStock(
                outlet_id=entry.outlet_id,
                count=entry.current_amount,
                reorder_point=None if entry.reorder_point == CLEARS else entry.reorder_point,
                restock_level=None if entry.reorder_amount == CLEARS else entry.reorder_amount,
            )
        )
    return stock


def one_supplier(
    suppliers: list[SupplierIn], *, field: str, supplier_id: uuid.UUID | None = None
) -> SupplierIn | None:
    """Comptoir keeps one supplier per product: the first of X-Series' list."""
    if len(suppliers) > 1:
        raise InvalidInput("Comptoir keeps one supplier per product", field=field)
    if not suppliers:
        return None
    if supplier_id is not None and suppliers[0].supplier_id != supplier_id:
        raise InvalidInput(
            "supplier_id and product_suppliers name different suppliers", field=field
        )
    return suppliers[0]


def outlet_taxes_of(entries: list[OutletTaxIn]) -> list[catalog.OutletTax]:
    # "" (the default tax) is the absence of an outlet tax of the product's own.
    return [
        catalog.OutletTax(outlet_id=e.outlet_id, tax_id=e.tax_id)
        for e in entries
        if e.tax_id is not None
    ]


def tax_id_of(tax: AllOutletsTaxIn | None) -> uuid.UUID | None:
    return None if tax is None or tax.is_default else tax.tax_id


def client_id(
    body_id: uuid.UUID | None, *, key: str | None, user_id: uuid.UUID
) -> uuid.UUID | None:
    """The id a new product gets from the client: the body's `id`, else one derived from the
    `Idempotency-Key` header (the same key from the same user gives the same id, so a
    replayed request finds what the first one created), else None (a random id)."""
    if body_id is not None:
        return body_id
    if key is None:
        return None
    return uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{user_id}:{key}")
