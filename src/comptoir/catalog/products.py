"""Creating products: standard ones, variant families and composites (the values they are
made of are in `product_inputs`, re-exported here; the rules they check in `product_rules`).

A variant family is several products sharing a handle and a `family_id`, each with up to
three option values for the family's variant attributes, its own SKU, codes, prices and
stock. A composite lists components; selling it moves their stock, not its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from comptoir.catalog import entities
from comptoir.catalog.models import (
    Brand,
    Product,
    ProductCode,
    ProductComponent,
    ProductOutletTax,
    ProductType,
    Supplier,
    Tag,
    VariantAttribute,
    VariantOption,
)
from comptoir.catalog.product_inputs import (
    MAX_VARIANT_ATTRIBUTES as MAX_VARIANT_ATTRIBUTES,
)
from comptoir.catalog.product_inputs import NewCode as NewCode
from comptoir.catalog.product_inputs import NewComponent as NewComponent
from comptoir.catalog.product_inputs import NewProduct as NewProduct
from comptoir.catalog.product_inputs import NewVariant as NewVariant
from comptoir.catalog.product_inputs import OpeningStock as OpeningStock
from comptoir.catalog.product_inputs import OutletTax as OutletTax
from comptoir.catalog.product_rules import (
    HANDLE_MAX_LENGTH,
    check_amount,
    check_code_free,
    check_codes,
    check_components,
    check_name,
    check_outlet_taxes,
    free_handle,
    handle_in_use,
    known_outlet,
    known_tax,
    make_handle,
    rates_for,
    shelf_prices,
    take_sku,
    variant_id,
)
from comptoir.core.errors import Conflict, InvalidInput
from comptoir.core.uow import UnitOfWork
from comptoir.inventory.models import MovementKind
from comptoir.inventory.service import ReorderSettings, StockChange, move_stock, set_reorder_levels
from comptoir.store import service as store
from comptoir.store.models import Retailer


@dataclass(frozen=True)
class _Member:
    """What differs between the products created for one NewProduct."""

    sku: str | None
    price: Decimal
    price_includes_tax: bool | None
    supply_price: Decimal
    supplier_code: str | None
    codes: Sequence[NewCode]
    inventory: Sequence[OpeningStock]
    active: bool
    tax_id: uuid.UUID | None
    outlet_taxes: Sequence[OutletTax]
    # Where the member's fields came from, for error messages: "" or "variants[2].".
    field: str = ""
    values: Sequence[str] = ()


def _members(new: NewProduct) -> list[_Member]:
    family_codes = [*new.codes, *([NewCode(code=new.barcode)] if new.barcode else [])]
    if not new.variants:
        return [
            _Member(
                sku=new.sku,
                price=new.price,
                price_includes_tax=new.price_includes_tax,
                supply_price=new.supply_price,
                supplier_code=new.supplier_code,
                codes=family_codes,
                inventory=new.inventory,
                active=new.active,
                tax_id=new.tax_id,
                outlet_taxes=new.outlet_taxes,
            )
        ]
    return [
        _Member(
            sku=v.sku,
            price=new.price if v.price is None else v.price,
            price_includes_tax=(
                new.price_includes_tax
                if v.price is None or v.price_includes_tax is None
                else v.price_includes_tax
            ),
            supply_price=new.supply_price if v.supply_price is None else v.supply_price,
            supplier_code=new.supplier_code if v.supplier_code is None else v.supplier_code,
            codes=v.codes,
            inventory=v.inventory,
            active=new.active and v.active,
            tax_id=v.tax_id or new.tax_id,
            outlet_taxes=new.outlet_taxes if v.outlet_taxes is None else v.outlet_taxes,
            field=f"variants[{index}].",
            values=v.values,
        )
        for index, v in enumerate(new.variants)
    ]


def _check_family(session: Session, new: NewProduct) -> list[VariantAttribute]:
    if not new.variants:
        if new.variant_attribute_ids:
            raise InvalidInput("variant attributes need variants", field="variants")
        return []
    if new.components:
        raise InvalidInput("a product has variants or components, not both", field="components")
    attributes = entities.referenced_all(
        session,
        VariantAttribute,
        entity_ids=new.variant_attribute_ids,
        field="variant_attribute_ids",
    )
    if not attributes:
        raise InvalidInput("variants need at least one variant attribute", field="variants")
    if len(attributes) != len(new.variant_attribute_ids):
        raise InvalidInput("a variant attribute is listed twice", field="variant_attribute_ids")
    if len(attributes) > MAX_VARIANT_ATTRIBUTES:
        raise InvalidInput(
            f"a product has at most {MAX_VARIANT_ATTRIBUTES} variant attributes",
            field="variant_attribute_ids",
        )
    seen: set[tuple[str, ...]] = set()
    for index, variant in enumerate(new.variants):
        values = tuple(v.strip() for v in variant.values)
        if len(values) != len(attributes) or not all(values):
            raise InvalidInput(
                f"each variant needs a value for each of the {len(attributes)} attributes",
                field=f"variants[{index}].values",
            )
        if any(len(v) > 100 for v in values):
            raise InvalidInput(
                "a variant value has at most 100 characters", field=f"variants[{index}].values"
            )
        key = tuple(v.casefold() for v in values)
        if key in seen:
            raise InvalidInput(
                f"two variants have the same values ({' / '.join(values)})",
                field=f"variants[{index}].values",
            )
        seen.add(key)
    return attributes


def create_product(
    uow: UnitOfWork, *, new: NewProduct, user_id: uuid.UUID | None = None
) -> Product:
    """Create a standard product, a composite or a whole variant family in one commit.

    Returns the product, or a family's first variant (`family_members` lists the rest).
    """
    products = add_product(uow.session, new=new, user_id=user_id)
    uow.commit()
    return products[0]


def create_product_once(
    uow: UnitOfWork, *, new: NewProduct, user_id: uuid.UUID | None = None
) -> tuple[list[Product], bool]:
    """`create_product` for a request that may arrive twice (a timeout, a retry): with
    `new.id` set, a second call returns what the first created and changes nothing.

    Returns every product created (a family's variants in order) and whether this call
    created them. The primary key, not the lookup, guarantees it under concurrency.
    """
    if new.id is not None:
        earlier = created_by(uow.session, product_id=new.id)
        if earlier is not None:
            return earlier, False
    try:
        products = add_product(uow.session, new=new, user_id=user_id)
        uow.commit()
    except IntegrityError:
        uow.rollback()
        # A fresh transaction: it sees the concurrent request that won the race.
        earlier = created_by(uow.session, product_id=new.id) if new.id is not None else None
        if earlier is None:
            raise
        return earlier, False
    return products, True


def created_by(session: Session, *, product_id: uuid.UUID) -> list[Product] | None:
    """The products a creation with the client id `product_id` made (deleted ones too, so
    a replay answers as the first call did), or None if no product has that id.

    Variants added to the family later have random ids and are not part of the answer.
    """
    first = session.get(Product, product_id)
    if first is None:
        return None
    if first.family_id != first.id:
        raise Conflict("this id belongs to a variant of another product", id=str(product_id))
    members = {
        p.id: p for p in session.scalars(select(Product).where(Product.family_id == first.id))
    }
    created: list[Product] = []
    for index in range(len(members)):
        member = members.get(variant_id(first.id, index))
        if member is not None:
            created.append(member)
    return created


def _check_members(session: Session, members: Sequence[_Member], *, is_composite: bool) -> None:
    """Amounts, taxes and opening stock of each product to create, before anything is written."""
    for member in members:
        check_amount(member.price, field=f"{member.field}price", what="price")
        check_amount(member.supply_price, field=f"{member.field}supply_price", what="supply price")
        if member.tax_id is not None:
            known_tax(session, tax_id=member.tax_id, field=f"{member.field}tax_id")
        check_outlet_taxes(session, member.outlet_taxes, field=f"{member.field}outlet_taxes")
        for index, stock in enumerate(member.inventory):
            field = f"{member.field}inventory[{index}]"
            known_outlet(session, outlet_id=stock.outlet_id, field=f"{field}.outlet_id")
            check_amount(stock.count, field=f"{field}.current_amount", what="stock count")
            check_amount(stock.reorder_point, field=f"{field}.reorder_point", what="reorder point")
            check_amount(stock.restock_level, field=f"{field}.reorder_amount", what="restock level")
            if is_composite and stock.count:
                raise InvalidInput(
                    "a composite has no stock of its own: its components' stock moves",
                    field="inventory",
                )


@dataclass(frozen=True)
class _Checked:
    """A NewProduct once every rule holds: what building its products needs."""

    name: str
    handle: str
    retailer: Retailer
    tags: list[Tag]
    attributes: list[VariantAttribute]
    components: list[tuple[Product, Decimal]]
    members: list[_Member]

    @property
    def is_composite(self) -> bool:
        return bool(self.components)

    @property
    def composite_cost(self) -> Decimal:
        # A composite costs what its components cost, unless the shop says otherwise.
        return sum((part.supply_price * qty for part, qty in self.components), Decimal(0))


def _check_new_product(session: Session, new: NewProduct) -> _Checked:
    """Every rule a new product must meet, checked before anything is written."""
    name = check_name(new.name)
    check_amount(new.price, field="price", what="price")
    check_amount(new.supply_price, field="supply_price", what="supply price")
    if not new.source.strip() or len(new.source) > 20:
        raise InvalidInput("a source has 1 to 20 characters", field="source")
    if new.tax_id is not None:
        known_tax(session, tax_id=new.tax_id, field="tax_id")
    entities.referenced(session, Brand, entity_id=new.brand_id, field="brand_id")
    entities.referenced(
        session, ProductType, entity_id=new.product_type_id, field="product_type_id"
    )
    entities.referenced(session, Supplier, entity_id=new.supplier_id, field="supplier_id")
    tags = entities.referenced_all(session, Tag, entity_ids=new.tag_ids, field="tag_ids")
    attributes = _check_family(session, new)
    components = check_components(session, new.components)
    members = _members(new)
    _check_members(session, members, is_composite=bool(components))
    return _Checked(
        name=name,
        handle=_check_handle(session, new.handle, name=name),
        retailer=store.get_retailer(session),
        tags=tags,
        attributes=attributes,
        components=components,
        members=members,
    )


def _check_handle(session: Session, wanted: str | None, *, name: str) -> str:
    """The handle given, if free, else a free one made from the name."""
    handle = (wanted or "").strip()
    if not handle:
        return free_handle(session, make_handle(name))
    if len(handle) > HANDLE_MAX_LENGTH:
        raise InvalidInput(f"a handle has at most {HANDLE_MAX_LENGTH} characters", field="handle")
    if handle_in_use(session, handle=handle):
        raise InvalidInput(f"the handle {handle!r} is already used", field="handle")
    return handle


def _build_member(
    session: Session,
    new: NewProduct,
    checked: _Checked,
    member: _Member,
    *,
    product_id: uuid.UUID,
    family_id: uuid.UUID,
    taken_skus: set[str],
) -> Product:
    """One product of the family (or the product itself), without its codes."""
    retailer = checked.retailer
    tax_id = member.tax_id or retailer.default_tax_id
    excl, incl = shelf_prices(
        retailer=retailer,
        rates=rates_for(session, retailer=retailer, tax_id=tax_id),
        price=member.price,
        includes_tax=member.price_includes_tax,
    )
    sku = take_sku(
        session, retailer=retailer, sku=member.sku, taken=taken_skus, field=f"{member.field}sku"
    )
    product = Product(
        id=product_id,
        family_id=family_id,
        name=checked.name,
        handle=checked.handle,
        sku=sku,
        description=new.description,
        price_excluding_tax=excl,
        price_including_tax=incl,
        supply_price=member.supply_price or checked.composite_cost,
        tax_id=tax_id,
        active=member.active,
        has_inventory=new.has_inventory and not checked.is_composite,
        is_composite=checked.is_composite,
        brand_id=new.brand_id,
        product_type_id=new.product_type_id,
        supplier_id=new.supplier_id,
        supplier_code=(member.supplier_code or "").strip() or None,
        account_code=new.account_code,
        account_code_purchase=new.account_code_purchase,
        source=new.source.strip(),
    )
    product.tags = list(checked.tags)
    product.variant_options = [
        VariantOption(position=position, attribute_id=attribute.id, value=value.strip())
        for position, (attribute, value) in enumerate(
            zip(checked.attributes, member.values, strict=True), start=1
        )
    ]
    product.components = [
        ProductComponent(component_id=part.id, quantity=quantity, position=position)
        for position, (part, quantity) in enumerate(checked.components)
    ]
    product.outlet_taxes = [
        ProductOutletTax(outlet_id=t.outlet_id, tax_id=t.tax_id)
        for t in {t.outlet_id: t for t in member.outlet_taxes}.values()
    ]
    return product


def _add_codes(
    session: Session, product: Product, member: _Member, *, taken_codes: set[str]
) -> None:
    """The member's codes, each free in the store and not shared with another variant."""
    codes = check_codes(member.codes, field=f"{member.field}codes")
    for position, code in enumerate(codes):
        if code.code in taken_codes:
            raise InvalidInput(
                f"two variants share the code {code.code!r}", field=f"{member.field}codes"
            )
        taken_codes.add(code.code)
        check_code_free(session, code=code.code, field=f"{member.field}codes")
        product.codes.append(ProductCode(type=code.type, code=code.code, position=position))


def _open_stock(
    session: Session,
    created: list[Product],
    members: list[_Member],
    *,
    family_id: uuid.UUID,
    user_id: uuid.UUID | None,
) -> None:
    """Opening counts through the stock ledger, and the reorder settings given."""
    move_stock(
        session,
        changes=[
            StockChange(product.id, stock.outlet_id, stock.count, unit_cost=product.supply_price)
            for product, member in zip(created, members, strict=True)
            if product.has_inventory
            for stock in member.inventory
            if stock.count != 0
        ],
        kind=MovementKind.MANUAL,
        source_id=family_id,
        user_id=user_id,
    )
    set_reorder_levels(
        session,
        settings=[
            ReorderSettings(product.id, stock.outlet_id, stock.reorder_point, stock.restock_level)
            for product, member in zip(created, members, strict=True)
            for stock in member.inventory
            if stock.reorder_point is not None or stock.restock_level is not None
        ],
    )


def add_product(
    session: Session, *, new: NewProduct, user_id: uuid.UUID | None = None
) -> list[Product]:
    """`create_product` within the caller's transaction; returns every product created."""
    checked = _check_new_product(session, new)
    taken_skus: set[str] = set()
    taken_codes: set[str] = set()
    family_id = new.id or uuid.uuid4()
    created: list[Product] = []
    for index, member in enumerate(checked.members):
        product = _build_member(
            session,
            new,
            checked,
            member,
            product_id=variant_id(family_id, index),
            family_id=family_id,
            taken_skus=taken_skus,
        )
        _add_codes(session, product, member, taken_codes=taken_codes)
        session.add(product)
        created.append(product)
    session.flush()
    _open_stock(session, created, checked.members, family_id=family_id, user_id=user_id)
    return created
