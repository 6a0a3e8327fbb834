"""Changing a product: the X-Series 2.1 update, in one commit.

`FamilyChanges` (the request's `common`) applies to every live member of the product's
family: for a standard or composite product, a family of one. `ProductChanges` (`details`)
applies to the one product. A field left at `KEEP` is not changed; `None` (or an empty
list) removes what the field holds, as "" and [] do in the 2.1 request: this is the
"absent versus empty" distinction of the spec. Errors name the 2.1 request field
("common.brand_id", "details.inventory[0].outlet_id").
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.catalog import entities, product_rules
from comptoir.catalog import products as catalog
from comptoir.catalog.models import (
    Brand,
    Product,
    ProductCode,
    ProductComponent,
    ProductOutletTax,
    ProductType,
    Supplier,
    Tag,
)
from comptoir.catalog.product_fields import (
    KEEP,
    Keep,
    Kept,
    StockSetting,
    VariantValue,
    set_stock,
)
from comptoir.catalog.product_variants import change_variant_values
from comptoir.catalog.service import get_product
from comptoir.core.clock import utcnow
from comptoir.core.errors import InvalidInput
from comptoir.core.uow import UnitOfWork
from comptoir.inventory.models import InventoryLevel
from comptoir.store import service as store

__all__ = [
    "KEEP",
    "FamilyChanges",
    "ProductChanges",
    "StockSetting",
    "SupplierLink",
    "VariantValue",
    "update_product",
]


@dataclass(frozen=True, kw_only=True)
class SupplierLink:
    """The product's supplier, with its code for the product and the supply price."""

    supplier_id: uuid.UUID
    # None removes the code; the price None removes it (a supply price of 0).
    code: str | Kept | None = KEEP
    price: Decimal | Kept | None = KEEP


@dataclass(frozen=True, kw_only=True)
class FamilyChanges:
    name: str | Kept = KEEP
    handle: str | Kept = KEEP
    description: str | Kept | None = KEEP
    brand_id: uuid.UUID | Kept | None = KEEP
    # X-Series' product category; it must be a leaf of the category tree.
    product_type_id: uuid.UUID | Kept | None = KEEP
    tag_ids: Sequence[uuid.UUID] | Kept = KEEP
    # The full list, the first being the default supplier: Comptoir keeps one supplier per
    # product, so at most one. [] removes the supplier.
    suppliers: Sequence[SupplierLink] | Kept = KEEP
    track_inventory: bool | Kept = KEEP
    # The full, ordered list of the family's attributes (at most three).
    variant_attribute_ids: Sequence[uuid.UUID] | Kept = KEEP
    account_code: str | Kept | None = KEEP
    account_code_purchase: str | Kept | None = KEEP


@dataclass(frozen=True, kw_only=True)
class ProductChanges:
    active: bool | Kept = KEEP
    sku: str | Kept = KEEP
    # The full list; the first is the default barcode. [] removes every code.
    codes: Sequence[catalog.NewCode] | Kept = KEEP
    price: Decimal | Kept = KEEP
    # Whether `price` includes tax; None: as the store states its prices.
    price_includes_tax: bool | None = None
    # None: the store's default tax.
    tax_id: uuid.UUID | Kept | None = KEEP
    # Only the outlets listed change; a tax_id of None removes the outlet's own tax.
    outlet_taxes: Sequence[catalog.OutletTax] = ()
    # The family's supplier the code and supply price below are for (checked when given).
    supplier_id: uuid.UUID | None = None
    supplier_code: str | Kept | None = KEEP
    supply_price: Decimal | Kept = KEEP
    # This product's values for some or all of the family's attributes.
    variant_values: Sequence[VariantValue] | Kept = KEEP
    inventory: Sequence[StockSetting] = ()
    # The full list of a composite's components.
    components: Sequence[catalog.NewComponent] | Kept = KEEP


def update_product(
    uow: UnitOfWork,
    *,
    product_id: uuid.UUID,
    common: FamilyChanges | None,
    details: ProductChanges | None,
    user_id: uuid.UUID | None = None,
) -> Product:
    """Apply the 2.1 update: `common` to the whole family, `details` to this product.

    It is one commit, made once every check has passed: a refused request changes nothing.
    Stock counts move through the ledger, by their difference with the level. Every product
    changed gets a new version (what X-Series clients sync by), codes, tags or options
    alone included.
    """
    session = uow.session
    product = get_product(session, product_id=product_id)
    family = product_rules.family_members(session, family_id=product.family_id)
    common = common or FamilyChanges()
    details = details or ProductChanges()
    plan = _FamilyPlan.check(session, product=product, changes=common)
    _apply_family(plan, family=family, changes=common)
    _check_and_apply_details(session, product=product, changes=details)
    change_variant_values(
        session,
        product=product,
        family=family,
        attribute_ids=common.variant_attribute_ids,
        values=details.variant_values,
    )
    now = utcnow()
    for member in family if common != FamilyChanges() else [product]:
        # A change to a collection alone does not make the row dirty: the new time does,
        # and with it the new version.
        member.updated_at = now
    session.flush()
    set_stock(session, product=product, settings=details.inventory, user_id=user_id)
    uow.commit()
    return product


@dataclass
class _FamilyPlan:
    """What the family will hold once `common` applies, checked against the database."""

    name: str | Kept
    handle: str | Kept
    tags: list[Tag] | Kept
    supplier: SupplierLink | Kept | None
    has_inventory: bool | Kept

    @classmethod
    def check(
        cls,
        session: Session,
        *,
        product: Product,
        changes: FamilyChanges,
    ) -> _FamilyPlan:
        name: str | Kept = KEEP
        handle: str | Kept = KEEP
        if not isinstance(changes.name, Keep):
            name = product_rules.check_name(changes.name, field="common.name")
        if not isinstance(changes.handle, Keep):
            handle = changes.handle.strip()
            if not handle or len(handle) > product_rules.HANDLE_MAX_LENGTH:
                raise InvalidInput(
                    f"a handle has 1 to {product_rules.HANDLE_MAX_LENGTH} characters",
                    field="common.handle",
                )
            if product_rules.handle_in_use(session, handle=handle, family_id=product.family_id):
                raise InvalidInput(f"the handle {handle!r} is already used", field="common.handle")
        if not isinstance(changes.brand_id, Keep):
            entities.referenced(session, Brand, entity_id=changes.brand_id, field="common.brand_id")
        if not isinstance(changes.product_type_id, Keep):
            _check_leaf_category(session, changes.product_type_id)
        tags: list[Tag] | Kept = KEEP
        if not isinstance(changes.tag_ids, Keep):
            tags = entities.referenced_all(
                session, Tag, entity_ids=changes.tag_ids, field="common.tag_ids"
            )
        supplier: SupplierLink | Kept | None = KEEP
        if not isinstance(changes.suppliers, Keep):
            supplier = _check_family_supplier(session, changes.suppliers)
        for field, value in (
            ("common.account_code_sale", changes.account_code),
            ("common.account_code_purchase", changes.account_code_purchase),
        ):
            if isinstance(value, str) and len(value.strip()) > 100:
                raise InvalidInput("an account code has at most 100 characters", field=field)
        if changes.track_inventory is True and product.is_composite:
            raise InvalidInput(
                "a composite has no stock of its own: its components' stock is tracked",
                field="common.track_inventory",
            )
        return cls(
            name=name,
            handle=handle,
            tags=tags,
            supplier=supplier,
            has_inventory=changes.track_inventory,
        )


def _check_leaf_category(session: Session, type_id: uuid.UUID | None) -> None:
    field = "common.product_category_id"
    entities.referenced(session, ProductType, entity_id=type_id, field=field)
    if type_id is None:
        return
    child = session.scalar(
        select(ProductType.id)
        .where(ProductType.parent_id == type_id, ProductType.deleted_at.is_(None))
        .limit(1)
    )
    if child is not None:
        raise InvalidInput(
            "a product belongs to a category with no sub-categories", field=field, id=str(type_id)
        )


def _check_family_supplier(
    session: Session, suppliers: Sequence[SupplierLink]
) -> SupplierLink | None:
    field = "common.product_suppliers"
    if not suppliers:
        return None
    if len(suppliers) > 1:
        raise InvalidInput("Comptoir keeps one supplier per product", field=field)
    (link,) = suppliers
    entities.referenced(session, Supplier, entity_id=link.supplier_id, field=f"{field}[0]")
    _check_supplier_fields(link.code, link.price, field=f"{field}[0]")
    return link


def _check_supplier_fields(
    code: str | Kept | None, price: Decimal | Kept | None, *, field: str
) -> None:
    if isinstance(code, str) and len(code.strip()) > 100:
        raise InvalidInput("a supplier code has at most 100 characters", field=f"{field}.code")
    if isinstance(price, Decimal) and price < 0:
        raise InvalidInput(
            "the supply price cannot be negative (-1 removes it)", field=f"{field}.price"
        )


def _text_or_none(value: str | None) -> str | None:
    return (value or "").strip() or None


def _apply_family(plan: _FamilyPlan, *, family: Sequence[Product], changes: FamilyChanges) -> None:
    for member in family:
        if not isinstance(plan.name, Keep):
            member.name = plan.name
        if not isinstance(plan.handle, Keep):
            member.handle = plan.handle
        if not isinstance(changes.description, Keep):
            member.description = _text_or_none(changes.description)
        if not isinstance(changes.brand_id, Keep):
            member.brand_id = changes.brand_id
        if not isinstance(changes.product_type_id, Keep):
            member.product_type_id = changes.product_type_id
        if not isinstance(plan.tags, Keep):
            member.tags = list(plan.tags)
        if not isinstance(changes.account_code, Keep):
            member.account_code = _text_or_none(changes.account_code)
        if not isinstance(changes.account_code_purchase, Keep):
            member.account_code_purchase = _text_or_none(changes.account_code_purchase)
        if not isinstance(plan.has_inventory, Keep):
            member.has_inventory = plan.has_inventory
        if plan.supplier is None:
            member.supplier_id = None
            member.supplier_code = None
        elif not isinstance(plan.supplier, Keep):
            member.supplier_id = plan.supplier.supplier_id
            if not isinstance(plan.supplier.code, Keep):
                member.supplier_code = _text_or_none(plan.supplier.code)
            if not isinstance(plan.supplier.price, Keep):
                member.supply_price = plan.supplier.price or Decimal(0)


def _check_and_apply_details(
    session: Session, *, product: Product, changes: ProductChanges
) -> None:
    if not isinstance(changes.active, Keep):
        product.active = changes.active
    if not isinstance(changes.sku, Keep):
        sku = changes.sku.strip()
        if not sku or len(sku) > product_rules.SKU_MAX_LENGTH:
            raise InvalidInput(
                f"a SKU has 1 to {product_rules.SKU_MAX_LENGTH} characters", field="details.sku"
            )
        if sku != product.sku:
            product_rules.check_sku_free(session, sku=sku, field="details.sku")
            product.sku = sku
    if not isinstance(changes.codes, Keep):
        _replace_codes(session, product=product, codes=changes.codes)
    _reprice(session, product=product, changes=changes)
    _change_outlet_taxes(session, product=product, outlet_taxes=changes.outlet_taxes)
    _change_supplier_details(product=product, changes=changes)
    if not isinstance(changes.components, Keep):
        _replace_components(session, product=product, components=changes.components)


def _replace_codes(session: Session, *, product: Product, codes: Sequence[catalog.NewCode]) -> None:
    field = "details.product_codes"
    cleaned = product_rules.check_codes(codes, field=field)
    for code in cleaned:
        product_rules.check_code_free(session, code=code.code, product_id=product.id, field=field)
    kept_codes = {(c.type, c.code): c for c in product.codes}
    replaced: list[ProductCode] = []
    for position, code in enumerate(cleaned):
        existing = kept_codes.pop((code.type, code.code), None)
        if existing is None:
            existing = ProductCode(type=code.type, code=code.code)
        existing.position = position
        replaced.append(existing)
    product.codes = replaced


def _reprice(session: Session, *, product: Product, changes: ProductChanges) -> None:
    """A new price, a new tax, or both: the price as stated is kept (or replaced) and the
    other one is derived again with the product's tax."""
    if isinstance(changes.price, Keep) and isinstance(changes.tax_id, Keep):
        return
    retailer = store.get_retailer(session)
    if not isinstance(changes.tax_id, Keep):
        if changes.tax_id is not None:
            product_rules.known_tax(session, tax_id=changes.tax_id, field="details.all_outlets_tax")
        product.tax_id = changes.tax_id or retailer.default_tax_id
    includes_tax: bool | None = not retailer.tax_exclusive
    if isinstance(changes.price, Keep):
        price = product.price_including_tax if includes_tax else product.price_excluding_tax
    else:
        includes_tax = changes.price_includes_tax
        price = changes.price
        stated_in = not retailer.tax_exclusive if includes_tax is None else includes_tax
        stated = product.price_including_tax if stated_in else product.price_excluding_tax
        # Negative prices (deposits, discount items) come only from a Lightspeed import, with a
        # warning; a form or client sending such a price back unchanged must still save.
        if price < 0 and price != stated:
            raise InvalidInput("the price cannot be negative", field="details.price")
    product.price_excluding_tax, product.price_including_tax = product_rules.shelf_prices(
        retailer=retailer,
        rates=product_rules.rates_for(session, retailer=retailer, tax_id=product.tax_id),
        price=price,
        includes_tax=includes_tax,
    )


def _change_outlet_taxes(
    session: Session, *, product: Product, outlet_taxes: Sequence[catalog.OutletTax]
) -> None:
    if not outlet_taxes:
        return
    product_rules.check_outlet_taxes(session, outlet_taxes, field="details.outlet_taxes")
    wanted = {t.outlet_id: t.tax_id for t in outlet_taxes}
    current = {t.outlet_id: t for t in product.outlet_taxes}
    for outlet_id, tax_id in wanted.items():
        if outlet_id in current:
            current[outlet_id].tax_id = tax_id
        else:
            current[outlet_id] = ProductOutletTax(outlet_id=outlet_id, tax_id=tax_id)
    # An outlet set back to the default tax has no row of its own.
    product.outlet_taxes = [t for t in current.values() if t.tax_id is not None]


def _change_supplier_details(*, product: Product, changes: ProductChanges) -> None:
    field = "details.product_suppliers[0]"
    if changes.supplier_id is not None and changes.supplier_id != product.supplier_id:
        raise InvalidInput(
            "the supplier must be the product family's (set it in common.product_suppliers)",
            field=f"{field}.supplier_id",
            id=str(changes.supplier_id),
        )
    _check_supplier_fields(changes.supplier_code, changes.supply_price, field=field)
    if not isinstance(changes.supplier_code, Keep):
        product.supplier_code = _text_or_none(changes.supplier_code)
    if not isinstance(changes.supply_price, Keep):
        product.supply_price = changes.supply_price


def _replace_components(
    session: Session, *, product: Product, components: Sequence[catalog.NewComponent]
) -> None:
    field = "details.composite_components"
    if not components:
        if product.is_composite:
            raise InvalidInput("a composite needs at least one component", field=field)
        return
    if product.variant_options:
        raise InvalidInput("a product has variants or components, not both", field=field)
    if not product.is_composite:
        _check_may_become_composite(session, product=product)
    found = product_rules.check_components(
        session, components, field=field, composite_id=product.id
    )
    current = {c.component_id: c for c in product.components}
    replaced: list[ProductComponent] = []
    for position, (part, quantity) in enumerate(found):
        row = current.get(part.id) or ProductComponent(component_id=part.id)
        row.quantity, row.position = quantity, position
        replaced.append(row)
    product.components = replaced
    product.is_composite = True
    product.has_inventory = False


def _check_may_become_composite(session: Session, *, product: Product) -> None:
    field = "details.composite_components"
    siblings = product_rules.family_members(session, family_id=product.family_id)
    if len(siblings) > 1:
        raise InvalidInput("a variant cannot be a composite", field=field)
    if product_rules.composites_using(session, product_id=product.id):
        raise InvalidInput(
            "this product is a component of a composite: a composite cannot contain another",
            field=field,
        )
    on_hand = session.scalar(
        select(InventoryLevel.id)
        .where(InventoryLevel.product_id == product.id, InventoryLevel.count != 0)
        .limit(1)
    )
    if on_hand is not None:
        raise InvalidInput(
            "a composite has no stock of its own: bring this product's stock to 0 first",
            field=field,
        )
