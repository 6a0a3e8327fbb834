"""Creating products: standard ones, variant families and composites.

A variant family is several products sharing a handle and a `family_id`, each with up to
three option values for the family's variant attributes, its own SKU, codes, prices and
stock. A composite lists components; selling it moves their stock, not its own.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from comptoir.catalog import entities
from comptoir.catalog.models import (
    Brand,
    Product,
    ProductCode,
    ProductCodeType,
    ProductComponent,
    ProductOutletTax,
    ProductType,
    Supplier,
    Tag,
    VariantAttribute,
    VariantOption,
)
from comptoir.core.errors import Conflict, InvalidInput
from comptoir.core.tax import Rate, price_excluding_tax, price_including_tax
from comptoir.core.uow import UnitOfWork
from comptoir.inventory.models import MovementKind
from comptoir.inventory.service import ReorderSettings, StockChange, move_stock, set_reorder_levels
from comptoir.store import service as store
from comptoir.store.models import Outlet, Retailer, Tax

MAX_VARIANT_ATTRIBUTES = 3
# As long as Lightspeed's (migration 0008), so that any export imports.
SKU_MAX_LENGTH = 255
HANDLE_MAX_LENGTH = 255


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


def make_handle(name: str) -> str:
    """A URL-safe handle from a product name: "Café crème 250g" -> "cafecreme250g"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "", ascii_name.lower()) or "product"


def shelf_prices(
    *,
    retailer: Retailer,
    rates: Sequence[Rate],
    price: Decimal,
    includes_tax: bool | None = None,
) -> tuple[Decimal, Decimal]:
    """(excluding tax, including tax) from the price as the store states it, or as
    `includes_tax` says it was given."""
    if includes_tax is None:
        includes_tax = not retailer.tax_exclusive
    if not includes_tax:
        return price, price_including_tax(price, tuple(rates))
    return price_excluding_tax(price, tuple(rates)), price


def variant_id(family_id: uuid.UUID, index: int) -> uuid.UUID:
    """The id of a new family's `index`-th product: the family id for the first, derived
    from it for the others, so a replayed creation knows which products it made."""
    return family_id if index == 0 else uuid.uuid5(family_id, f"variant-{index}")


def known_outlet(session: Session, *, outlet_id: uuid.UUID, field: str) -> Outlet:
    """A live outlet named in a request, or a clear error naming the field."""
    outlet = session.get(Outlet, outlet_id)
    if outlet is None or outlet.deleted_at is not None:
        raise InvalidInput("unknown outlet", field=field, id=str(outlet_id))
    return outlet


def known_tax(session: Session, *, tax_id: uuid.UUID, field: str) -> Tax:
    """A live tax named in a request, or a clear error naming the field."""
    tax = session.get(Tax, tax_id)
    if tax is None or tax.deleted_at is not None:
        raise InvalidInput("unknown tax", field=field, id=str(tax_id))
    return tax


def rates_for(session: Session, *, retailer: Retailer, tax_id: uuid.UUID | None) -> list[Rate]:
    """The rates a product's prices are derived with: its tax, else the store's default."""
    chosen = tax_id or retailer.default_tax_id
    return list(store.rates_of(session.get(Tax, chosen) if chosen else None))


def handle_in_use(session: Session, *, handle: str, family_id: uuid.UUID | None = None) -> bool:
    """Whether another live family already uses `handle` (variants share theirs)."""
    query = select(Product.id).where(Product.handle == handle, Product.deleted_at.is_(None))
    if family_id is not None:
        query = query.where(Product.family_id != family_id)
    return session.scalar(query.limit(1)) is not None


def _free_handle(session: Session, base: str) -> str:
    handle, suffix = base, 1
    while handle_in_use(session, handle=handle):
        suffix += 1
        handle = f"{base}{suffix}"
    return handle


def check_codes(codes: Sequence[NewCode], *, field: str) -> list[NewCode]:
    cleaned: list[NewCode] = []
    for index, code in enumerate(codes):
        value = code.code.strip()
        kind = (code.type or "EAN").strip().upper()
        if not value:
            continue
        if len(value) > 64:
            raise InvalidInput(
                "a product code has at most 64 characters", field=f"{field}[{index}]"
            )
        if kind not in ProductCodeType.ALL:
            raise InvalidInput(
                f"unknown product code type {code.type!r}"
                f" (one of {', '.join(ProductCodeType.ALL)})",
                field=f"{field}[{index}].type",
            )
        if any(c.code == value for c in cleaned):
            continue
        cleaned.append(NewCode(code=value, type=kind))
    return cleaned


def check_code_free(
    session: Session,
    *,
    code: str,
    family_id: uuid.UUID | None = None,
    product_id: uuid.UUID | None = None,
    field: str = "codes",
) -> None:
    """A scanned code must find one product: refuse a code another live product holds
    (outside `family_id`, or other than `product_id`, when given). Deleted products hold
    no codes: a code is free again once its product is deleted."""
    query = (
        select(Product.sku)
        .join(ProductCode, ProductCode.product_id == Product.id)
        .where(ProductCode.code == code, Product.deleted_at.is_(None))
    )
    if family_id is not None:
        query = query.where(Product.family_id != family_id)
    if product_id is not None:
        query = query.where(Product.id != product_id)
    holder = session.scalar(query.limit(1))
    if holder is not None:
        raise InvalidInput(
            f"the code {code!r} already belongs to the product {holder!r}", field=field
        )


def _check_amount(value: Decimal | None, *, field: str, what: str) -> None:
    if value is not None and value < 0:
        raise InvalidInput(f"the {what} cannot be negative", field=field)


def check_sku_free(session: Session, *, sku: str, field: str = "sku") -> None:
    """SKUs are unique among all products, deleted ones included: a deleted product keeps
    its SKU, so its stock movements, labels and old exports still point at one product."""
    holder = session.execute(
        select(Product.id, Product.deleted_at).where(Product.sku == sku).limit(1)
    ).first()
    if holder is None:
        return
    if holder.deleted_at is not None:
        raise InvalidInput(
            f"the SKU {sku!r} is already used by a deleted product (deleted products keep"
            " their SKU)",
            field=field,
        )
    raise InvalidInput(f"the SKU {sku!r} is already used", field=field)


def take_sku(
    session: Session, *, retailer: Retailer, sku: str | None, taken: set[str], field: str = "sku"
) -> str:
    """The SKU a new product gets: the one given, else the next of the store's sequence."""
    wanted = (sku or "").strip()
    if not wanted:
        if not retailer.sku_sequence_enabled:
            raise InvalidInput("a SKU is required (SKU generation is off)", field=field)
        wanted = store.next_sku(session)
    if len(wanted) > SKU_MAX_LENGTH:
        raise InvalidInput(f"a SKU has at most {SKU_MAX_LENGTH} characters", field=field)
    if wanted in taken:
        raise InvalidInput(f"the SKU {wanted!r} is already used", field=field)
    check_sku_free(session, sku=wanted, field=field)
    taken.add(wanted)
    return wanted


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


def check_components(
    session: Session,
    components: Sequence[NewComponent],
    *,
    field: str = "components",
    composite_id: uuid.UUID | None = None,
) -> list[tuple[Product, Decimal]]:
    """The live products a composite (`composite_id`, once it exists) is made of, checked:
    positive quantities, no composite inside a composite, each component once."""
    found: list[tuple[Product, Decimal]] = []
    for index, component in enumerate(components):
        where = f"{field}[{index}]"
        if component.quantity <= 0:
            raise InvalidInput("a component's quantity must be positive", field=f"{where}.quantity")
        product = session.get(Product, component.product_id)
        if product is None or product.deleted_at is not None:
            raise InvalidInput(
                "unknown component product",
                field=f"{where}.product_id",
                id=str(component.product_id),
            )
        if product.is_composite or product.id == composite_id:
            raise InvalidInput(
                "a composite cannot contain another composite, nor itself",
                field=f"{where}.product_id",
            )
        if any(p.id == product.id for p, _ in found):
            raise InvalidInput("a component is listed twice", field=f"{where}.product_id")
        found.append((product, component.quantity))
    return found


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
        _check_amount(member.price, field=f"{member.field}price", what="price")
        _check_amount(member.supply_price, field=f"{member.field}supply_price", what="supply price")
        if member.tax_id is not None:
            known_tax(session, tax_id=member.tax_id, field=f"{member.field}tax_id")
        check_outlet_taxes(session, member.outlet_taxes, field=f"{member.field}outlet_taxes")
        for index, stock in enumerate(member.inventory):
            field = f"{member.field}inventory[{index}]"
            known_outlet(session, outlet_id=stock.outlet_id, field=f"{field}.outlet_id")
            _check_amount(stock.count, field=f"{field}.current_amount", what="stock count")
            _check_amount(stock.reorder_point, field=f"{field}.reorder_point", what="reorder point")
            _check_amount(
                stock.restock_level, field=f"{field}.reorder_amount", what="restock level"
            )
            if is_composite and stock.count:
                raise InvalidInput(
                    "a composite has no stock of its own: its components' stock moves",
                    field="inventory",
                )


def check_outlet_taxes(session: Session, outlet_taxes: Sequence[OutletTax], *, field: str) -> None:
    for index, outlet_tax in enumerate(outlet_taxes):
        known_outlet(session, outlet_id=outlet_tax.outlet_id, field=f"{field}[{index}].outlet_id")
        if outlet_tax.tax_id is not None:
            known_tax(session, tax_id=outlet_tax.tax_id, field=f"{field}[{index}].tax_id")


def add_product(
    session: Session, *, new: NewProduct, user_id: uuid.UUID | None = None
) -> list[Product]:
    """`create_product` within the caller's transaction; returns every product created."""
    name = check_name(new.name)
    _check_amount(new.price, field="price", what="price")
    _check_amount(new.supply_price, field="supply_price", what="supply price")
    if not new.source.strip() or len(new.source) > 20:
        raise InvalidInput("a source has 1 to 20 characters", field="source")
    retailer = store.get_retailer(session)
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
    is_composite = bool(components)
    # A composite costs what its components cost, unless the shop says otherwise.
    composite_cost = sum(
        (part.supply_price * quantity for part, quantity in components), Decimal(0)
    )
    members = _members(new)
    _check_members(session, members, is_composite=is_composite)

    handle = (new.handle or "").strip()
    if handle:
        if len(handle) > HANDLE_MAX_LENGTH:
            raise InvalidInput(
                f"a handle has at most {HANDLE_MAX_LENGTH} characters", field="handle"
            )
        if handle_in_use(session, handle=handle):
            raise InvalidInput(f"the handle {handle!r} is already used", field="handle")
    else:
        handle = _free_handle(session, make_handle(name))

    taken_skus: set[str] = set()
    taken_codes: set[str] = set()
    family_id = new.id or uuid.uuid4()
    created: list[Product] = []
    for index, member in enumerate(members):
        tax_id = member.tax_id or retailer.default_tax_id
        excl, incl = shelf_prices(
            retailer=retailer,
            rates=rates_for(session, retailer=retailer, tax_id=tax_id),
            price=member.price,
            includes_tax=member.price_includes_tax,
        )
        product = Product(
            id=variant_id(family_id, index),
            family_id=family_id,
            name=name,
            handle=handle,
            sku=take_sku(
                session,
                retailer=retailer,
                sku=member.sku,
                taken=taken_skus,
                field=f"{member.field}sku",
            ),
            description=new.description,
            price_excluding_tax=excl,
            price_including_tax=incl,
            supply_price=member.supply_price or composite_cost,
            tax_id=tax_id,
            active=member.active,
            has_inventory=new.has_inventory and not is_composite,
            is_composite=is_composite,
            brand_id=new.brand_id,
            product_type_id=new.product_type_id,
            supplier_id=new.supplier_id,
            supplier_code=(member.supplier_code or "").strip() or None,
            account_code=new.account_code,
            account_code_purchase=new.account_code_purchase,
            source=new.source.strip(),
        )
        codes = check_codes(member.codes, field=f"{member.field}codes")
        for position, code in enumerate(codes):
            if code.code in taken_codes:
                raise InvalidInput(
                    f"two variants share the code {code.code!r}", field=f"{member.field}codes"
                )
            taken_codes.add(code.code)
            check_code_free(session, code=code.code, field=f"{member.field}codes")
            product.codes.append(ProductCode(type=code.type, code=code.code, position=position))
        product.tags = list(tags)
        product.variant_options = [
            VariantOption(position=position, attribute_id=attribute.id, value=value.strip())
            for position, (attribute, value) in enumerate(
                zip(attributes, member.values, strict=True), start=1
            )
        ]
        product.components = [
            ProductComponent(component_id=part.id, quantity=quantity, position=position)
            for position, (part, quantity) in enumerate(components)
        ]
        product.outlet_taxes = [
            ProductOutletTax(outlet_id=t.outlet_id, tax_id=t.tax_id)
            for t in {t.outlet_id: t for t in member.outlet_taxes}.values()
        ]
        session.add(product)
        created.append(product)
    session.flush()

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
    return created


def check_name(value: str, *, field: str = "name") -> str:
    name = value.strip()
    if not name:
        raise InvalidInput("a product needs a name", field=field)
    if len(name) > 255:
        raise InvalidInput("a product name has at most 255 characters", field=field)
    return name


def family_members(session: Session, *, family_id: uuid.UUID) -> list[Product]:
    """The live products of a family, in the order they were created."""
    return list(
        session.scalars(
            select(Product)
            .where(Product.family_id == family_id, Product.deleted_at.is_(None))
            .order_by(Product.created_at, Product.sku)
        )
    )


def composites_using(session: Session, *, product_id: uuid.UUID) -> list[Product]:
    """The live composites that hold `product_id` as a component."""
    return list(
        session.scalars(
            select(Product)
            .join(ProductComponent, ProductComponent.product_id == Product.id)
            .where(ProductComponent.component_id == product_id, Product.deleted_at.is_(None))
            .order_by(Product.sku)
        )
    )
