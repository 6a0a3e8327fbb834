"""Product request bodies of the X-Series API (2.0 create, 2.1 update and variant add) and
their translation into the catalog's use cases.

Unknown fields are refused (422 naming them), so a misspelt field is never silently lost.
Fields of the spec that Comptoir does not keep (images, weights and dimensions, loyalty,
packaging, `attributes`, `source_id`) are accepted and ignored. Extensions beyond the spec:
`id` on create (the client's UUID for the product, see `client_product_id`), `has_inventory`
on create, `sku` and `supply_price` in `details`, `handle` in `common`, and
`family_id`/`product_id` in the 2.1 variant add's `common` (the family to add to).
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
from comptoir.catalog import products as catalog
from comptoir.catalog.product_changes import (
    KEEP,
    FamilyChanges,
    ProductChanges,
    StockSetting,
    SupplierLink,
    VariantValue,
)
from comptoir.catalog.product_variants import NewFamilyVariant
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
    str, StringConstraints(min_length=1, max_length=catalog.HANDLE_MAX_LENGTH), NO_NUL
]
Sku = Annotated[str, StringConstraints(min_length=1, max_length=catalog.SKU_MAX_LENGTH), NO_NUL]
SkuOrBlank = Annotated[str, StringConstraints(max_length=catalog.SKU_MAX_LENGTH), NO_NUL]
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


# 2.0 create --------------------------------------------------------------------------------


class VariantIn(PricesIn, Ignored):
    """`ProductAddVariantPayload`."""

    variant_definitions: Annotated[list[VariantDefinitionIn], Field(min_length=1, max_length=3)]
    sku: SkuOrBlank | None = None
    product_codes: Annotated[list[ProductCodeIn], Field(max_length=MAX_ITEMS)] = []
    supply_price: AmountIn | None = None
    supplier_code: ShortText | None = None
    product_suppliers: Annotated[list[SupplierIn], Field(max_length=MAX_ITEMS)] = []
    inventory: Annotated[list[InventoryIn], Field(max_length=MAX_ITEMS)] = []
    all_outlets_tax: AllOutletsTaxIn | None = None
    outlet_taxes: Annotated[list[OutletTaxIn], Field(max_length=MAX_ITEMS)] | None = None


class ProductCreateIn(PricesIn, Ignored):
    """`ProductCreateBody`, plus `id` and `has_inventory`."""

    id: uuid.UUID | None = None
    name: Name
    description: Description | None = None
    handle: (
        Annotated[str, StringConstraints(max_length=catalog.HANDLE_MAX_LENGTH), NO_NUL] | None
    ) = None
    sku: SkuOrBlank | None = None
    product_codes: Annotated[list[ProductCodeIn], Field(max_length=MAX_ITEMS)] = []
    source: Annotated[str, StringConstraints(min_length=1, max_length=20), NO_NUL] = "USER"
    source_id: Annotated[str, StringConstraints(max_length=200), NO_NUL] | None = None
    source_variant_id: Annotated[str, StringConstraints(max_length=200), NO_NUL] | None = None
    is_active: bool = True
    has_inventory: bool = True
    supply_price: AmountIn | None = None
    supplier_id: uuid.UUID | None = None
    supplier_code: ShortText | None = None
    product_suppliers: Annotated[list[SupplierIn], Field(max_length=MAX_ITEMS)] = []
    product_type_id: uuid.UUID | None = None
    product_category_id: uuid.UUID | None = None
    brand_id: uuid.UUID | None = None
    tag_ids: Ids = []
    attributes: Any = None
    inventory: Annotated[list[InventoryIn], Field(max_length=MAX_ITEMS)] = []
    account_code_sale: ShortText | None = None
    account_code_purchase: ShortText | None = None
    variants: Annotated[list[VariantIn], Field(max_length=MAX_VARIANTS)] = []
    all_outlets_tax: AllOutletsTaxIn | None = None
    outlet_taxes: Annotated[list[OutletTaxIn], Field(max_length=MAX_ITEMS)] = []
    composite: Annotated[list[ComponentIn], Field(max_length=MAX_ITEMS)] = []

    @model_validator(mode="after")
    def _one_category(self) -> ProductCreateIn:
        if (
            self.product_type_id is not None
            and self.product_category_id is not None
            and self.product_type_id != self.product_category_id
        ):
            raise ValueError("product_type_id and product_category_id name different categories")
        return self


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


def _codes(codes: list[ProductCodeIn]) -> list[catalog.NewCode]:
    return [catalog.NewCode(code=c.code, type=c.type) for c in codes]


def _opening_stock(entries: list[InventoryIn], *, field: str) -> list[catalog.OpeningStock]:
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


def _one_supplier(
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


def _outlet_taxes(entries: list[OutletTaxIn]) -> list[catalog.OutletTax]:
    # "" (the default tax) is the absence of an outlet tax of the product's own.
    return [
        catalog.OutletTax(outlet_id=e.outlet_id, tax_id=e.tax_id)
        for e in entries
        if e.tax_id is not None
    ]


def _tax_id(tax: AllOutletsTaxIn | None) -> uuid.UUID | None:
    return None if tax is None or tax.is_default else tax.tax_id


def new_product(body: ProductCreateIn, *, product_id: uuid.UUID | None) -> catalog.NewProduct:
    """The 2.0 create body as the catalog's `NewProduct`."""
    price, includes_tax = body.price()
    supplier = _one_supplier(
        body.product_suppliers, field="product_suppliers", supplier_id=body.supplier_id
    )
    attribute_ids = (
        [d.attribute_id for d in body.variants[0].variant_definitions] if body.variants else []
    )
    return catalog.NewProduct(
        id=product_id,
        name=body.name,
        price=price if price is not None else Decimal(0),
        price_includes_tax=includes_tax,
        sku=body.sku,
        handle=body.handle,
        description=body.description,
        supply_price=_first(body.supply_price, supplier.price if supplier else None, Decimal(0)),
        tax_id=_tax_id(body.all_outlets_tax),
        outlet_taxes=_outlet_taxes(body.outlet_taxes),
        codes=_codes(body.product_codes),
        active=body.is_active,
        has_inventory=body.has_inventory,
        brand_id=body.brand_id,
        product_type_id=body.product_type_id or body.product_category_id,
        supplier_id=supplier.supplier_id if supplier else body.supplier_id,
        supplier_code=body.supplier_code or (supplier.code if supplier else None),
        account_code=body.account_code_sale,
        account_code_purchase=body.account_code_purchase,
        source=body.source,
        tag_ids=body.tag_ids,
        inventory=_opening_stock(body.inventory, field="inventory"),
        variant_attribute_ids=attribute_ids,
        variants=[
            _new_variant(variant, index=index, attribute_ids=attribute_ids)
            for index, variant in enumerate(body.variants)
        ],
        components=[
            catalog.NewComponent(product_id=c.product_id, quantity=c.quantity)
            for c in body.composite
        ],
    )


def _first(*values: Decimal | None) -> Decimal:
    return next(v for v in values if v is not None)


def _new_variant(
    body: VariantIn, *, index: int, attribute_ids: list[uuid.UUID]
) -> catalog.NewVariant:
    field = f"variants[{index}]"
    values = {d.attribute_id: d.value for d in body.variant_definitions}
    if len(values) != len(body.variant_definitions) or set(values) != set(attribute_ids):
        raise InvalidInput(
            "every variant gives one value for each of the same attributes",
            field=f"{field}.variant_definitions",
        )
    price, includes_tax = body.price()
    supplier = _one_supplier(body.product_suppliers, field=f"{field}.product_suppliers")
    return catalog.NewVariant(
        values=[values[a] for a in attribute_ids],
        sku=body.sku,
        price=price,
        price_includes_tax=includes_tax,
        supply_price=body.supply_price
        if body.supply_price is not None
        else (supplier.price if supplier else None),
        supplier_code=body.supplier_code or (supplier.code if supplier else None),
        codes=_codes(body.product_codes),
        inventory=_opening_stock(body.inventory, field=f"{field}.inventory"),
        tax_id=_tax_id(body.all_outlets_tax),
        outlet_taxes=None if body.outlet_taxes is None else _outlet_taxes(body.outlet_taxes),
    )


# 2.1 update and variant add ----------------------------------------------------------------


class AttributeRefIn(Body):
    attribute_id: uuid.UUID


class CommonIn(Body):
    """`ProductUpdate21Request.common`, plus `handle`."""

    name: Annotated[Name | None, NOT_NULL] = None
    handle: Annotated[ShortHandle | None, NOT_NULL] = None
    description: Description | None = None
    brand_id: IdOrBlank = None
    product_category_id: IdOrBlank = None
    tag_ids: Annotated[Ids | None, NOT_NULL] = None
    product_suppliers: Annotated[list[SupplierIn] | None, MAX_LIST, NOT_NULL] = None
    track_inventory: Annotated[bool | None, NOT_NULL] = None
    variant_attributes: Annotated[list[AttributeRefIn] | None, MAX_LIST, NOT_NULL] = None
    account_code_sale: ShortText | None = None
    account_code_purchase: ShortText | None = None


class VariantValueIn(Body):
    attribute_id: uuid.UUID
    attribute_value: ShortText


class PackagingIn(Body):
    destination_product_id: uuid.UUID | None = None
    source_product_id: uuid.UUID | None = None
    amount: AmountIn | None = None


class DetailsIn(PricesIn, Ignored):
    """`ProductUpdate21Request.details`, plus `sku` and `supply_price`."""

    is_active: Annotated[bool | None, NOT_NULL] = None
    sku: Annotated[Sku | None, NOT_NULL] = None
    product_codes: Annotated[list[ProductCodeIn] | None, MAX_LIST, NOT_NULL] = None
    all_outlets_tax: Annotated[AllOutletsTaxIn | None, NOT_NULL] = None
    outlet_taxes: Annotated[list[OutletTaxIn], MAX_LIST] = []
    product_suppliers: Annotated[list[SupplierIn], MAX_LIST] = []
    supply_price: Annotated[AmountIn | None, NOT_NULL] = None
    variant_attribute_values: Annotated[list[VariantValueIn] | None, MAX_LIST, NOT_NULL] = None
    inventory: Annotated[list[InventoryIn], MAX_LIST] = []
    composite_components: Annotated[list[ComponentIn] | None, MAX_LIST, NOT_NULL] = None
    packaging: Annotated[list[PackagingIn] | None, MAX_LIST] = None
    index: AmountIn | None = None  # deprecated in the spec; ignored


class ProductUpdateIn(Body):
    common: CommonIn | None = None
    details: DetailsIn | None = None

    @model_validator(mode="after")
    def _something(self) -> ProductUpdateIn:
        if not (self.common and self.common.model_fields_set) and not (
            self.details and self.details.model_fields_set
        ):
            raise ValueError("give at least one field to change in common or details")
        return self


def _given(model: BaseModel | None, name: str, default: Any = KEEP) -> Any:
    """A field's value if the request has it, else `default` (KEEP: leave it unchanged)."""
    if model is None or name not in model.model_fields_set:
        return default
    return getattr(model, name)


def _money_or_none(value: Any) -> Any:
    """X-Series' -1 removes a price: None here."""
    return None if value == CLEARS else value


def family_changes(common: CommonIn | None) -> FamilyChanges:
    suppliers = _given(common, "product_suppliers")
    attributes = _given(common, "variant_attributes")
    return FamilyChanges(
        name=_given(common, "name"),
        handle=_given(common, "handle"),
        description=_given(common, "description"),
        brand_id=_given(common, "brand_id"),
        product_type_id=_given(common, "product_category_id"),
        tag_ids=_given(common, "tag_ids"),
        suppliers=KEEP
        if suppliers is KEEP
        else [
            SupplierLink(
                supplier_id=s.supplier_id,
                code=_given(s, "code"),
                price=_money_or_none(_given(s, "price")),
            )
            for s in suppliers
        ],
        track_inventory=_given(common, "track_inventory"),
        variant_attribute_ids=KEEP if attributes is KEEP else [a.attribute_id for a in attributes],
        account_code=_given(common, "account_code_sale"),
        account_code_purchase=_given(common, "account_code_purchase"),
    )


def _stock_settings(entries: list[InventoryIn]) -> list[StockSetting]:
    return [
        StockSetting(
            outlet_id=e.outlet_id,
            count=e.current_amount,
            reorder_point=_money_or_none(_given(e, "reorder_point")),
            restock_level=_money_or_none(_given(e, "reorder_amount")),
        )
        for e in entries
    ]


def _variant_values(entries: Any) -> Any:
    if entries is KEEP:
        return KEEP
    return [VariantValue(attribute_id=v.attribute_id, value=v.attribute_value) for v in entries]


def product_changes(details: DetailsIn | None) -> ProductChanges:
    if details is None:
        return ProductChanges()
    price, includes_tax = details.price()
    supplier = _one_supplier(details.product_suppliers, field="details.product_suppliers")
    tax = _given(details, "all_outlets_tax")
    codes = _given(details, "product_codes")
    components = _given(details, "composite_components")
    supply_price = _given(details, "supply_price")
    if supplier is not None and "price" in supplier.model_fields_set:
        supply_price = _money_or_none(supplier.price) or Decimal(0)
    return ProductChanges(
        active=_given(details, "is_active"),
        sku=_given(details, "sku"),
        codes=KEEP if codes is KEEP else _codes(codes),
        price=KEEP if price is None else price,
        price_includes_tax=includes_tax,
        tax_id=KEEP if tax is KEEP else _tax_id(tax),
        outlet_taxes=[
            catalog.OutletTax(outlet_id=e.outlet_id, tax_id=e.tax_id) for e in details.outlet_taxes
        ],
        supplier_id=supplier.supplier_id if supplier else None,
        supplier_code=_given(supplier, "code"),
        supply_price=supply_price,
        variant_values=_variant_values(_given(details, "variant_attribute_values")),
        inventory=_stock_settings(details.inventory),
        components=KEEP
        if components is KEEP
        else [
            catalog.NewComponent(product_id=c.product_id, quantity=c.quantity) for c in components
        ],
    )


class VariantAddCommonIn(Body):
    """`ProductVariantAdd21Request.common`, plus the family to add to."""

    name: Name | None = None
    family_id: uuid.UUID | None = None
    product_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _family(self) -> VariantAddCommonIn:
        if self.family_id is None and self.product_id is None:
            raise ValueError("name the family: family_id, or product_id of any of its products")
        return self

    def family(self) -> uuid.UUID:
        family = self.family_id or self.product_id
        if family is None:  # the validator above makes it impossible
            raise InvalidInput("name the family", field="common.family_id")
        return family


class VariantAddDetailsIn(DetailsIn):
    """`ProductVariantAdd21Request.details` (the update's, without composite components)."""

    variant_attribute_values: Annotated[
        list[VariantValueIn], Field(min_length=1, max_length=MAX_ITEMS)
    ]


class VariantAddIn(Body):
    common: VariantAddCommonIn
    details: VariantAddDetailsIn


def new_family_variant(body: VariantAddIn, *, variant_id: uuid.UUID | None) -> NewFamilyVariant:
    details = body.details
    if details.composite_components is not None:
        raise InvalidInput("a variant has no components", field="details.composite_components")
    price, includes_tax = details.price()
    supplier = _one_supplier(details.product_suppliers, field="details.product_suppliers")
    tax = _given(details, "all_outlets_tax")
    supply_price = details.supply_price
    if supplier is not None and supplier.price is not None:
        supply_price = _money_or_none(supplier.price) or Decimal(0)
    return NewFamilyVariant(
        id=variant_id,
        family_name=body.common.name,
        values=_variant_values(details.variant_attribute_values),
        sku=details.sku,
        codes=_codes(details.product_codes or []),
        active=True if details.is_active is None else details.is_active,
        price=price,
        price_includes_tax=includes_tax,
        tax_id=KEEP if tax is KEEP else _tax_id(tax),
        outlet_taxes=_outlet_taxes(details.outlet_taxes) if details.outlet_taxes else None,
        supplier_id=supplier.supplier_id if supplier else None,
        supplier_code=supplier.code if supplier else None,
        supply_price=supply_price,
        inventory=_stock_settings(details.inventory),
    )
