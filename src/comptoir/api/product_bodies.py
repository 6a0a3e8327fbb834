"""The X-Series 2.0 product create body and its translation into `catalog.NewProduct`.

Extensions beyond the spec: `id` (the client's UUID for the product, see `client_id`) and
`has_inventory`.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    Field,
    StringConstraints,
    model_validator,
)

from comptoir.api.params import AmountIn
from comptoir.api.product_body_parts import (
    MAX_ITEMS,
    MAX_VARIANTS,
    NO_NUL,
    AllOutletsTaxIn,
    ComponentIn,
    Description,
    Ids,
    Ignored,
    InventoryIn,
    Name,
    OutletTaxIn,
    PricesIn,
    ProductCodeIn,
    ShortText,
    SkuOrBlank,
    SupplierIn,
    VariantDefinitionIn,
    codes_of,
    one_supplier,
    opening_stock_of,
    outlet_taxes_of,
    tax_id_of,
)
from comptoir.catalog import product_rules
from comptoir.catalog import products as catalog
from comptoir.core.errors import InvalidInput

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
        Annotated[str, StringConstraints(max_length=product_rules.HANDLE_MAX_LENGTH), NO_NUL] | None
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


def new_product(body: ProductCreateIn, *, product_id: uuid.UUID | None) -> catalog.NewProduct:
    """The 2.0 create body as the catalog's `NewProduct`."""
    price, includes_tax = body.price()
    supplier = one_supplier(
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
        tax_id=tax_id_of(body.all_outlets_tax),
        outlet_taxes=outlet_taxes_of(body.outlet_taxes),
        codes=codes_of(body.product_codes),
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
        inventory=opening_stock_of(body.inventory, field="inventory"),
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
    supplier = one_supplier(body.product_suppliers, field=f"{field}.product_suppliers")
    return catalog.NewVariant(
        values=[values[a] for a in attribute_ids],
        sku=body.sku,
        price=price,
        price_includes_tax=includes_tax,
        supply_price=body.supply_price
        if body.supply_price is not None
        else (supplier.price if supplier else None),
        supplier_code=body.supplier_code or (supplier.code if supplier else None),
        codes=codes_of(body.product_codes),
        inventory=opening_stock_of(body.inventory, field=f"{field}.inventory"),
        tax_id=tax_id_of(body.all_outlets_tax),
        outlet_taxes=None if body.outlet_taxes is None else outlet_taxes_of(body.outlet_taxes),
    )
