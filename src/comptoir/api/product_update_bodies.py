"""The X-Series 2.1 product bodies: update (`common` for the family, `details` for the product)
and variant add, and their translation into the catalog's changes.

Extensions beyond the spec: `sku` and `supply_price` in `details`, `handle` in `common`, and
`family_id`/`product_id` in the variant add's `common` (the family to add to).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    Field,
    model_validator,
)

from comptoir.api.params import AmountIn
from comptoir.api.product_body_parts import (
    CLEARS,
    MAX_ITEMS,
    MAX_LIST,
    NOT_NULL,
    AllOutletsTaxIn,
    Body,
    ComponentIn,
    Description,
    IdOrBlank,
    Ids,
    Ignored,
    InventoryIn,
    Name,
    OutletTaxIn,
    PricesIn,
    ProductCodeIn,
    ShortHandle,
    ShortText,
    Sku,
    SupplierIn,
    codes_of,
    one_supplier,
    outlet_taxes_of,
    tax_id_of,
)
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
    supplier = one_supplier(details.product_suppliers, field="details.product_suppliers")
    tax = _given(details, "all_outlets_tax")
    codes = _given(details, "product_codes")
    components = _given(details, "composite_components")
    supply_price = _given(details, "supply_price")
    if supplier is not None and "price" in supplier.model_fields_set:
        supply_price = _money_or_none(supplier.price) or Decimal(0)
    return ProductChanges(
        active=_given(details, "is_active"),
        sku=_given(details, "sku"),
        codes=KEEP if codes is KEEP else codes_of(codes),
        price=KEEP if price is None else price,
        price_includes_tax=includes_tax,
        tax_id=KEEP if tax is KEEP else tax_id_of(tax),
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
    supplier = one_supplier(details.product_suppliers, field="details.product_suppliers")
    tax = _given(details, "all_outlets_tax")
    supply_price = details.supply_price
    if supplier is not None and supplier.price is not None:
        supply_price = _money_or_none(supplier.price) or Decimal(0)
    return NewFamilyVariant(
        id=variant_id,
        family_name=body.common.name,
        values=_variant_values(details.variant_attribute_values),
        sku=details.sku,
        codes=codes_of(details.product_codes or []),
        active=True if details.is_active is None else details.is_active,
        price=price,
        price_includes_tax=includes_tax,
        tax_id=KEEP if tax is KEEP else tax_id_of(tax),
        outlet_taxes=outlet_taxes_of(details.outlet_taxes) if details.outlet_taxes else None,
        supplier_id=supplier.supplier_id if supplier else None,
        supplier_code=supplier.code if supplier else None,
        supply_price=supply_price,
        inventory=_stock_settings(details.inventory),
    )
