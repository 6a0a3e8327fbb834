"""The rules every product change checks (creation, update, variants, imports): known
outlets and taxes, free handles, SKUs and codes, components, names, and the shelf prices a
price gives in the store's tax mode.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.catalog.models import Product, ProductCode, ProductCodeType, ProductComponent
from comptoir.catalog.product_inputs import NewCode, NewComponent, OutletTax
from comptoir.core.errors import InvalidInput
from comptoir.core.tax import Rate, price_excluding_tax, price_including_tax
from comptoir.store import service as store
from comptoir.store.models import Outlet, Retailer, Tax

# As long as Lightspeed's (migration 0008), so that any export imports.
SKU_MAX_LENGTH = 255
HANDLE_MAX_LENGTH = 255


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


def free_handle(session: Session, base: str) -> str:
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


def check_amount(value: Decimal | None, *, field: str, what: str) -> None:
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


def check_outlet_taxes(session: Session, outlet_taxes: Sequence[OutletTax], *, field: str) -> None:
    for index, outlet_tax in enumerate(outlet_taxes):
        known_outlet(session, outlet_id=outlet_tax.outlet_id, field=f"{field}[{index}].outlet_id")
        if outlet_tax.tax_id is not None:
            known_tax(session, tax_id=outlet_tax.tax_id, field=f"{field}[{index}].tax_id")


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
