"""What a new product is made of: the values the catalog's creation use case takes.

A variant family is several products sharing a handle and a `family_id`, each with up to
three option values for the family's variant attributes, its own SKU, codes, prices and
stock. A composite lists components; selling it moves their stock, not its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

MAX_VARIANT_ATTRIBUTES = 3


@dataclass(frozen=True, kw_only=True)
class OpeningStock:
    """An outlet's opening stock and reorder settings for a new product."""

    outlet_id: uuid.UUID
    count: Decimal = Decimal(0)
    reorder_point: Decimal | None = None
    restock_level: Decimal | None = None


@dataclass(frozen=True, kw_only=True)
class NewCode:
    code: str
    type: str = "EAN"


@dataclass(frozen=True, kw_only=True)
class OutletTax:
    outlet_id: uuid.UUID
    # None: the store's (or outlet's) default tax at that outlet.
    tax_id: uuid.UUID | None


@dataclass(frozen=True, kw_only=True)
class NewComponent:
    product_id: uuid.UUID
    quantity: Decimal


@dataclass(frozen=True, kw_only=True)
class NewVariant:
    """One member of a variant family; what it leaves unset comes from the family."""

    # One value per family attribute, in the family's attribute order.
    values: Sequence[str]
    sku: str | None = None
    price: Decimal | None = None
    # Whether `price` includes tax; None: as the family's price is given.
    price_includes_tax: bool | None = None
    supply_price: Decimal | None = None
    supplier_code: str | None = None
    codes: Sequence[NewCode] = ()
    inventory: Sequence[OpeningStock] = ()
    active: bool = True
    # None: the family's tax, and the family's outlet taxes.
    tax_id: uuid.UUID | None = None
    outlet_taxes: Sequence[OutletTax] | None = None


@dataclass(frozen=True, kw_only=True)
class NewProduct:
    name: str
    # The price as the shop states it: tax-inclusive in a tax-inclusive store, unless
    # `price_includes_tax` says which it is (the API accepts either price).
    price: Decimal
    price_includes_tax: bool | None = None
    # A client-chosen id for the product (a family's first product), so that a request sent
    # twice creates it once (DESIGN.md rule 4); a family's other variants get ids derived
    # from it (`variant_id`). None: a new random id.
    id: uuid.UUID | None = None
    sku: str | None = None
    handle: str | None = None
    supply_price: Decimal = Decimal(0)
    tax_id: uuid.UUID | None = None
    outlet_taxes: Sequence[OutletTax] = ()
    barcode: str | None = None
    codes: Sequence[NewCode] = ()
    description: str | None = None
    active: bool = True
    has_inventory: bool = True
    brand_id: uuid.UUID | None = None
    product_type_id: uuid.UUID | None = None
    supplier_id: uuid.UUID | None = None
    supplier_code: str | None = None
    account_code: str | None = None
    account_code_purchase: str | None = None
    source: str = "USER"
    tag_ids: Sequence[uuid.UUID] = ()
    inventory: Sequence[OpeningStock] = field(default_factory=tuple)
    # A variant family: its attributes (at most three) and one entry per variant.
    variant_attribute_ids: Sequence[uuid.UUID] = ()
    variants: Sequence[NewVariant] = ()
    # A composite: what one of it is made of.
    components: Sequence[NewComponent] = ()
