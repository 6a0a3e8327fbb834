"""Variant families after creation: changing the family's attributes and a variant's
values, and adding a variant to a family (X-Series 2.1 "Product Variant Add").

A family's attributes are the option attributes its members hold, in position order; each
member holds one value per attribute, and no two members the same combination (compared
without case). A standard product becomes a variant family of one when it is given
attributes and values (`update_product`); variants are then added with `add_variant`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from comptoir.catalog import entities, product_rules
from comptoir.catalog import products as catalog
from comptoir.catalog.models import (
    Product,
    ProductCode,
    ProductOutletTax,
    VariantAttribute,
    VariantOption,
)
from comptoir.catalog.product_fields import KEEP, Keep, Kept, StockSetting, VariantValue, set_stock
from comptoir.core.errors import Conflict, InvalidInput, NotFound
from comptoir.core.uow import UnitOfWork
from comptoir.store import service as store

VALUES_FIELD = "details.variant_attribute_values"
# What a new variant takes from its family (the `common` fields of X-Series 2.1).
SHARED_BY_THE_FAMILY = (
    "family_id",
    "name",
    "handle",
    "description",
    "has_inventory",
    "brand_id",
    "product_type_id",
    "supplier_id",
    "account_code",
    "account_code_purchase",
    "source",
)
ATTRIBUTES_FIELD = "common.variant_attributes"


def change_variant_values(
    session: Session,
    *,
    product: Product,
    family: Sequence[Product],
    attribute_ids: Sequence[uuid.UUID] | Kept,
    values: Sequence[VariantValue] | Kept,
) -> None:
    """Give the family a new attribute list and/or `product` new values. Every member must
    end with one value per attribute: an attribute is added to a family of one (the values
    of the others would be unknown); removing one must leave the combinations distinct."""
    if isinstance(attribute_ids, Keep) and isinstance(values, Keep):
        return
    wanted_ids = [o.attribute_id for o in product.variant_options]
    if not isinstance(attribute_ids, Keep):
        wanted_ids = _check_attribute_list(session, product, attribute_ids)
    given = _check_given_values(values, wanted_ids)
    if not wanted_ids and len(family) > 1:
        raise InvalidInput(
            "a family of several variants needs at least one variant attribute",
            field=ATTRIBUTES_FIELD,
        )
    names = _attribute_names(session, wanted_ids)
    wanted: dict[uuid.UUID, list[str]] = {}
    for member in family:
        held = {o.attribute_id: o.value for o in member.variant_options}
        if member.id == product.id:
            held.update(given)
        missing = [names[a] for a in wanted_ids if a not in held]
        if missing and member.id == product.id:
            raise InvalidInput(
                f"give this product's value for {', '.join(missing)}", field=VALUES_FIELD
            )
        if missing:
            raise InvalidInput(
                f"the family's other variants have no value for {', '.join(missing)}:"
                " attributes are added to a family of one variant",
                field=ATTRIBUTES_FIELD,
            )
        wanted[member.id] = [held[a] for a in wanted_ids]
    _check_distinct(wanted.values())
    for member in family:
        _set_options(member, wanted_ids, wanted[member.id])


def _attribute_names(session: Session, attribute_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    query = select(VariantAttribute.id, VariantAttribute.name).where(
        VariantAttribute.id.in_(attribute_ids)
    )
    return {row.id: row.name for row in session.execute(query)}


def _check_distinct(combinations: Iterable[Sequence[str]]) -> None:
    seen: set[tuple[str, ...]] = set()
    for values in combinations:
        key = tuple(v.casefold() for v in values)
        if key in seen:
            raise InvalidInput(
                f"two variants would have the same values ({' / '.join(values)})",
                field=VALUES_FIELD,
            )
        seen.add(key)


def _check_attribute_list(
    session: Session, product: Product, attribute_ids: Sequence[uuid.UUID]
) -> list[uuid.UUID]:
    attributes = entities.referenced_all(
        session, VariantAttribute, entity_ids=attribute_ids, field=ATTRIBUTES_FIELD
    )
    if len(attributes) != len(attribute_ids):
        raise InvalidInput("a variant attribute is listed twice", field=ATTRIBUTES_FIELD)
    if len(attributes) > catalog.MAX_VARIANT_ATTRIBUTES:
        raise InvalidInput(
            f"a product has at most {catalog.MAX_VARIANT_ATTRIBUTES} variant attributes",
            field=ATTRIBUTES_FIELD,
        )
    if attributes and product.is_composite:
        raise InvalidInput("a product has variants or components, not both", field=ATTRIBUTES_FIELD)
    return [a.id for a in attributes]


def _check_given_values(
    values: Sequence[VariantValue] | Kept, attribute_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str]:
    given: dict[uuid.UUID, str] = {}
    if isinstance(values, Keep):
        return given
    for index, entry in enumerate(values):
        where = f"{VALUES_FIELD}[{index}]"
        value = entry.value.strip()
        if entry.attribute_id not in attribute_ids:
            raise InvalidInput(
                "this attribute is not one of the family's variant attributes",
                field=f"{where}.attribute_id",
                id=str(entry.attribute_id),
            )
        if entry.attribute_id in given:
            raise InvalidInput("an attribute is given twice", field=f"{where}.attribute_id")
        if not value or len(value) > 100:
            raise InvalidInput(
                "a variant value has 1 to 100 characters", field=f"{where}.attribute_value"
            )
        given[entry.attribute_id] = value
    return given


def _set_options(
    product: Product, attribute_ids: Sequence[uuid.UUID], values: Sequence[str]
) -> None:
    """Change the option rows in place: their key is (product, position), and replacing
    them with new rows would insert a position before the old row is deleted."""
    by_position = {o.position: o for o in product.variant_options}
    options: list[VariantOption] = []
    for position, (attribute_id, value) in enumerate(
        zip(attribute_ids, values, strict=True), start=1
    ):
        option = by_position.get(position) or VariantOption(position=position)
        option.attribute_id, option.value = attribute_id, value
        options.append(option)
    product.variant_options = options


@dataclass(frozen=True, kw_only=True)
class NewFamilyVariant:
    """A variant added to an existing family: what it leaves out comes from the family
    (the first live member for the price, taxes and supply price)."""

    values: Sequence[VariantValue]
    # A client-chosen id: the same request sent twice adds the variant once.
    id: uuid.UUID | None = None
    # When given, it must be the family's name (a variant takes its family's name).
    family_name: str | None = None
    sku: str | None = None
    codes: Sequence[catalog.NewCode] = ()
    active: bool = True
    price: Decimal | None = None
    price_includes_tax: bool | None = None
    # None: the store's default tax.
    tax_id: uuid.UUID | Kept | None = KEEP
    outlet_taxes: Sequence[catalog.OutletTax] | None = None
    # The family's supplier the code and supply price are for (checked when given).
    supplier_id: uuid.UUID | None = None
    supplier_code: str | None = None
    supply_price: Decimal | None = None
    inventory: Sequence[StockSetting] = ()


def add_variant(
    uow: UnitOfWork,
    *,
    family_id: uuid.UUID,
    variant: NewFamilyVariant,
    user_id: uuid.UUID | None = None,
) -> tuple[Product, bool]:
    """Add a variant to the family of `family_id` (the family's id or any member's id), in
    one commit. Returns the variant and whether this call created it: with `variant.id`
    set, a request sent again returns the first result and changes nothing."""
    if variant.id is not None:
        earlier = _added_before(uow.session, variant_id=variant.id, family_id=family_id)
        if earlier is not None:
            return earlier, False
    try:
        product = _add_variant(uow.session, family_id=family_id, variant=variant, user_id=user_id)
        uow.commit()
    except IntegrityError:
        uow.rollback()
        earlier = (
            _added_before(uow.session, variant_id=variant.id, family_id=family_id)
            if variant.id is not None
            else None
        )
        if earlier is None:
            raise
        return earlier, False
    return product, True


def _added_before(
    session: Session, *, variant_id: uuid.UUID, family_id: uuid.UUID
) -> Product | None:
    earlier = session.get(Product, variant_id)
    if earlier is None:
        return None
    named = session.get(Product, family_id)
    if earlier.family_id not in (family_id, named.family_id if named else None):
        raise Conflict("this id belongs to another product", id=str(variant_id))
    return earlier


def _family_of(session: Session, family_id: uuid.UUID) -> list[Product]:
    named = session.get(Product, family_id)
    members = product_rules.family_members(
        session, family_id=named.family_id if named is not None else family_id
    )
    if not members:
        raise NotFound("product family not found", family_id=str(family_id))
    return members


def _add_variant(
    session: Session,
    *,
    family_id: uuid.UUID,
    variant: NewFamilyVariant,
    user_id: uuid.UUID | None,
) -> Product:
    family = _family_of(session, family_id)
    model = family[0]
    if variant.family_name is not None and variant.family_name.strip() != model.name:
        raise InvalidInput(
            f"a variant takes its family's name ({model.name!r}); the family is renamed with"
            " an update of its common fields",
            field="common.name",
        )
    if model.is_composite:
        raise InvalidInput("a composite has no variants", field="product_id")
    if not model.variant_options:
        raise InvalidInput(
            "this product has no variant attributes yet: give it its attributes and values"
            " first (common.variant_attributes and details.variant_attribute_values)",
            field=VALUES_FIELD,
        )
    attribute_ids = [o.attribute_id for o in model.variant_options]
    given = _check_given_values(variant.values, attribute_ids)
    names = _attribute_names(session, attribute_ids)
    missing = [names[a] for a in attribute_ids if a not in given]
    if missing:
        raise InvalidInput(f"give the variant's value for {', '.join(missing)}", field=VALUES_FIELD)
    values = [given[a] for a in attribute_ids]
    _check_distinct([*([o.value for o in m.variant_options] for m in family), values])
    product = _new_member(session, model=model, variant=variant)
    _set_options(product, attribute_ids, values)
    session.add(product)
    session.flush()
    set_stock(session, product=product, settings=variant.inventory, user_id=user_id)
    return product


def _new_member(session: Session, *, model: Product, variant: NewFamilyVariant) -> Product:
    """The new variant: the family's shared fields from `model`, its own from `variant`."""
    retailer = store.get_retailer(session)
    if variant.supplier_id is not None and variant.supplier_id != model.supplier_id:
        raise InvalidInput(
            "the supplier must be the product family's",
            field="details.product_suppliers[0].supplier_id",
            id=str(variant.supplier_id),
        )
    for value, field in (
        (variant.price, "details.price"),
        (variant.supply_price, "details.supply_price"),
    ):
        if value is not None and value < 0:
            raise InvalidInput("an amount cannot be negative", field=field)
    tax_id = model.tax_id
    if not isinstance(variant.tax_id, Keep):
        if variant.tax_id is not None:
            product_rules.known_tax(session, tax_id=variant.tax_id, field="details.all_outlets_tax")
        tax_id = variant.tax_id or retailer.default_tax_id
    outlet_taxes: Mapping[uuid.UUID, uuid.UUID | None] = {
        t.outlet_id: t.tax_id for t in model.outlet_taxes
    }
    if variant.outlet_taxes is not None:
        product_rules.check_outlet_taxes(
            session, variant.outlet_taxes, field="details.outlet_taxes"
        )
        outlet_taxes = {t.outlet_id: t.tax_id for t in variant.outlet_taxes}
    if variant.price is None:
        excl, incl = model.price_excluding_tax, model.price_including_tax
        if tax_id != model.tax_id:
            stated = incl if not retailer.tax_exclusive else excl
            excl, incl = product_rules.shelf_prices(
                retailer=retailer,
                rates=product_rules.rates_for(session, retailer=retailer, tax_id=tax_id),
                price=stated,
            )
    else:
        excl, incl = product_rules.shelf_prices(
            retailer=retailer,
            rates=product_rules.rates_for(session, retailer=retailer, tax_id=tax_id),
            price=variant.price,
            includes_tax=variant.price_includes_tax,
        )
    product = Product(
        **{name: getattr(model, name) for name in SHARED_BY_THE_FAMILY},
        id=variant.id or uuid.uuid4(),
        sku=product_rules.take_sku(
            session, retailer=retailer, sku=variant.sku, taken=set(), field="details.sku"
        ),
        price_excluding_tax=excl,
        price_including_tax=incl,
        supply_price=model.supply_price if variant.supply_price is None else variant.supply_price,
        tax_id=tax_id,
        active=variant.active,
        supplier_code=(variant.supplier_code or "").strip() or None,
    )
    field = "details.product_codes"
    for position, code in enumerate(product_rules.check_codes(variant.codes, field=field)):
        product_rules.check_code_free(session, code=code.code, field=field)
        product.codes.append(ProductCode(type=code.type, code=code.code, position=position))
    product.tags = list(model.tags)
    product.outlet_taxes = [
        ProductOutletTax(outlet_id=outlet_id, tax_id=tax_id)
        for outlet_id, tax_id in outlet_taxes.items()
        if tax_id is not None
    ]
    return product
