"""Brands, suppliers, product types (categories), tags and variant attributes: the named
things products refer to.

Rules every kind shares:
- names follow `catalog.names` (required, trimmed, limited, unique whatever their case;
  product categories nest, so theirs is unique among the categories of the same parent);
- deleting is a soft delete (`deleted_at`), so sync clients paging by version see it go.
  What becomes of the products that used the deleted thing follows X-Series: they lose
  their brand, supplier or tag; variant attributes that live variants use cannot be
  deleted; categories (whose deletes take their branch) are in `catalog.categories`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.orm import Session

from comptoir.catalog.models import (
    Brand,
    Product,
    ProductTag,
    ProductType,
    Supplier,
    Tag,
    VariantAttribute,
    VariantOption,
)
from comptoir.catalog.names import (
    TOO_LONG,
    Entity,
    check_name_free,
    clean_name,
    clean_text,
    lock_names,
    max_length,
    name_key,
)
from comptoir.catalog.search import fold
from comptoir.core.clock import utcnow
from comptoir.core.errors import Conflict, InvalidInput, NotFound
from comptoir.core.i18n import N_
from comptoir.core.ids import new_id
from comptoir.core.paging import Page, page_live
from comptoir.core.uow import UnitOfWork
from comptoir.core.versioning import allocate_versions

_WHAT = {
    Brand: "brand",
    Supplier: "supplier",
    ProductType: "product type",
    Tag: "tag",
    VariantAttribute: "variant attribute",
}
DESCRIPTION_MAX = 10_000
_NAMES_CACHE = "comptoir.entity_names"


# Reading ----------------------------------------------------------------------------------


def get_entity(
    session: Session, model: type[Entity], *, entity_id: uuid.UUID, include_deleted: bool = False
) -> Entity:
    found = session.get(model, entity_id)
    if found is None or (found.deleted_at is not None and not include_deleted):
        raise NotFound(f"{_WHAT[model]} not found", id=str(entity_id))
    return found


def page_entities(
    session: Session,
    model: type[Entity],
    *,
    after: int | None,
    before: int | None,
    page_size: int,
    include_deleted: bool = False,
) -> Page[Entity]:
    return page_live(
        session,
        model,
        after=after,
        before=before,
        page_size=page_size,
        include_deleted=include_deleted,
    )


# Besides its name, what finds a supplier in the list: its company and contact.
_SUPPLIER_SEARCHED = ("company_name", "first_name", "last_name", "email", "physical_city")


def list_entities(session: Session, model: type[Entity], *, text: str = "") -> list[Entity]:
    """Live rows by name, those holding every typed word if `text` is given (accents and
    case ignored: "cafe" finds "Café"). A shop has hundreds of these, not hundreds of
    thousands: they are filtered here, the same way on both databases."""
    rows = list(session.scalars(select(model).where(model.deleted_at.is_(None))))
    words = fold(text).split()
    if words:
        fields = ("name", *(_SUPPLIER_SEARCHED if model is Supplier else ()))

        def searched(row: Entity) -> str:
            return fold(" ".join(getattr(row, f) or "" for f in fields))

        rows = [row for row in rows if all(w in searched(row) for w in words)]
    return sorted(rows, key=lambda row: (fold(row.name), row.name))


def usage_counts(
    session: Session, model: type[Entity], *, entity_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """How many live products refer to each of the entities (those none uses are absent)."""
    if not entity_ids:
        return {}
    key: Any
    if model is Tag:
        key = ProductTag.tag_id
        query = select(key, func.count()).join(Product, Product.id == ProductTag.product_id)
    elif model is VariantAttribute:
        key = VariantOption.attribute_id
        query = select(key, func.count()).join(Product, Product.id == VariantOption.product_id)
    else:
        key = _LINK[model]
        query = select(key, func.count()).select_from(Product)
    rows = session.execute(
        query.where(Product.deleted_at.is_(None), key.in_(entity_ids)).group_by(key)
    )
    return {entity_id: count for entity_id, count in rows}


def products_using(session: Session, model: type[Entity], *, entity_id: uuid.UUID) -> int:
    """How many live products refer to the entity (shown before deleting it)."""
    return usage_counts(session, model, entity_ids=[entity_id]).get(entity_id, 0)


_LINK: dict[type[Any], Any] = {
    Brand: Product.brand_id,
    Supplier: Product.supplier_id,
    ProductType: Product.product_type_id,
}


# What products refer to -------------------------------------------------------------------


def referenced(
    session: Session, model: type[Entity], *, entity_id: uuid.UUID | None, field: str
) -> Entity | None:
    """The live entity a product refers to, or a clear error naming the field.

    A product is filed in a category without subcategories (a leaf), so a category with
    live subcategories is refused here too. Call it with the writing session.
    """
    if entity_id is None:
        return None
    if model is ProductType and session.get_bind().dialect.name == "postgresql":
        # Checked under the lock `catalog.categories` takes before giving a category
        # subcategories, so that cannot happen between this check and the commit. (SQLite's
        # single writer already orders them; its lock is never taken from a reading session.)
        lock_names(session)
    found = session.get(model, entity_id)
    if found is None or found.deleted_at is not None:
        raise InvalidInput(f"unknown {_WHAT[model]}", field=field, id=str(entity_id))
    if isinstance(found, ProductType) and has_subcategories(session, category_id=found.id):
        raise InvalidInput(
            N_("Choose a category without subcategories."), field=field, id=str(entity_id)
        )
    return found


def referenced_all(
    session: Session, model: type[Entity], *, entity_ids: Sequence[uuid.UUID], field: str
) -> list[Entity]:
    """Live entities in the order given, duplicates dropped; any unknown id is an error."""
    wanted = list(dict.fromkeys(entity_ids))
    if not wanted:
        return []
    found = {
        e.id: e
        for e in session.scalars(
            select(model).where(model.id.in_(wanted), model.deleted_at.is_(None))
        )
    }
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        raise InvalidInput(f"unknown {_WHAT[model]}", field=field, ids=missing)
    return [found[i] for i in wanted]


def has_subcategories(session: Session, *, category_id: uuid.UUID) -> bool:
    child = session.scalar(
        select(ProductType.id)
        .where(ProductType.parent_id == category_id, ProductType.deleted_at.is_(None))
        .limit(1)
    )
    return child is not None


def ensure_named(session: Session, model: type[Entity], name: str) -> Entity:
    """The live entity of this name whatever its case, created if there is none (for imports).

    A product category found or made this way is a top-level one (see
    `catalog.categories.ensure_category_path` for nested ones). Within one transaction the
    live names are read once and remembered, so a file naming the same new brand on a
    thousand rows creates it once and asks the database once. The caller commits.
    """
    wanted = clean_name(model, name)
    known = _known_names(session, model)
    found = known.get(name_key(wanted))
    if found is not None:
        return found
    entity = model(id=new_id(), name=wanted)
    session.add(entity)
    known[name_key(wanted)] = entity
    return entity


def _known_names(session: Session, model: type[Entity]) -> dict[str, Entity]:
    """Live names of a kind (top-level ones for categories), remembered for the current
    transaction only: the cache is keyed by the transaction object, so it is rebuilt after a
    commit or rollback, and every write of this module forgets it."""
    cache = session.info.get(_NAMES_CACHE)
    transaction = session.get_transaction()
    if cache is None or transaction is None or cache[0] is not transaction:
        lock_names(session)  # once per transaction; it begins one if none is under way
        cache = (session.get_transaction(), {})
        session.info[_NAMES_CACHE] = cache
    names: dict[type[Any], dict[str, Any]] = cache[1]
    if model not in names:
        query = select(model).where(model.deleted_at.is_(None))
        if model is ProductType:
            query = query.where(ProductType.parent_id.is_(None))
        # The first of two old duplicates (by creation) wins, the same one every time.
        rows = session.scalars(query.order_by(model.created_at.desc(), model.id.desc()))
        names[model] = {name_key(row.name): row for row in rows}
    found: dict[str, Entity] = names[model]
    return found


def forget_names(session: Session) -> None:
    session.info.pop(_NAMES_CACHE, None)


# Writing ----------------------------------------------------------------------------------


def _save_name(
    uow: UnitOfWork, model: type[Entity], entity: Entity, name: str | None, **scope: Any
) -> str:
    """Check a new or changed name under the lock; returns the clean name."""
    session = uow.session
    clean = clean_name(model, name)
    lock_names(session)
    check_name_free(session, model, clean, entity_id=entity.id, **scope)
    forget_names(session)
    return clean


def _create(
    uow: UnitOfWork, model: type[Entity], name: str, apply: Callable[[Entity], None]
) -> Entity:
    entity = model(id=new_id())
    entity.name = _save_name(uow, model, entity, name)
    apply(entity)
    uow.session.add(entity)
    uow.commit()
    return entity


def _update(
    uow: UnitOfWork,
    model: type[Entity],
    entity_id: uuid.UUID,
    name: str,
    apply: Callable[[Entity], None],
) -> Entity:
    entity = get_entity(uow.session, model, entity_id=entity_id)
    entity.name = _save_name(uow, model, entity, name)
    apply(entity)
    uow.commit()
    return entity


def _description(value: str | None) -> str | None:
    return clean_text(value, field="description", limit=DESCRIPTION_MAX, lines=True)


def _nothing(_entity: Any) -> None:
    return None


def create_brand(uow: UnitOfWork, *, name: str, description: str | None = None) -> Brand:
    checked = _description(description)
    return _create(uow, Brand, name, lambda b: setattr(b, "description", checked))


def update_brand(
    uow: UnitOfWork, *, brand_id: uuid.UUID, name: str, description: str | None = None
) -> Brand:
    checked = _description(description)
    return _update(uow, Brand, brand_id, name, lambda b: setattr(b, "description", checked))


def create_tag(uow: UnitOfWork, *, name: str) -> Tag:
    return _create(uow, Tag, name, _nothing)


def update_tag(uow: UnitOfWork, *, tag_id: uuid.UUID, name: str) -> Tag:
    return _update(uow, Tag, tag_id, name, _nothing)


def create_variant_attribute(uow: UnitOfWork, *, name: str) -> VariantAttribute:
    return _create(uow, VariantAttribute, name, _nothing)


def update_variant_attribute(
    uow: UnitOfWork, *, attribute_id: uuid.UUID, name: str
) -> VariantAttribute:
    return _update(uow, VariantAttribute, attribute_id, name, _nothing)


@dataclass(frozen=True, kw_only=True)
class SupplierFields:
    """A supplier's details; empty text is stored as nothing."""

    name: str
    description: str | None = None
    company_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    fax: str | None = None
    website: str | None = None
    twitter: str | None = None
    physical_address_1: str | None = None
    physical_address_2: str | None = None
    physical_suburb: str | None = None
    physical_city: str | None = None
    physical_postcode: str | None = None
    physical_state: str | None = None
    physical_country_id: str | None = None


# The contact details: every field of SupplierFields but the name and description.
SUPPLIER_CONTACT_FIELDS = tuple(
    f.name for f in fields(SupplierFields) if f.name not in ("name", "description")
)


def _supplier_details(details: SupplierFields) -> dict[str, str | None]:
    """The contact details checked: lengths from the columns, an email that looks like one,
    a two-letter country code in capitals."""
    checked = {
        name: clean_text(getattr(details, name), field=name, limit=max_length(Supplier, name))
        for name in SUPPLIER_CONTACT_FIELDS
    }
    email = checked["email"]
    if email is not None and (email.count("@") != 1 or email[0] == "@" or email[-1] == "@"):
        raise InvalidInput(N_("Enter an email address."), field="email")
    country = checked["physical_country_id"]
    if country is not None:
        if len(country) != 2 or not country.isascii() or not country.isalpha():
            raise InvalidInput(TOO_LONG[2], field="physical_country_id")
        checked["physical_country_id"] = country.upper()
    checked["description"] = _description(details.description)
    return checked


def _apply_details(details: dict[str, str | None]) -> Callable[[Supplier], None]:
    def apply(supplier: Supplier) -> None:
        for name, value in details.items():
            setattr(supplier, name, value)

    return apply


def create_supplier(uow: UnitOfWork, *, fields: SupplierFields) -> Supplier:
    apply = _apply_details(_supplier_details(fields))
    return _create(uow, Supplier, fields.name, apply)


def update_supplier(uow: UnitOfWork, *, supplier_id: uuid.UUID, fields: SupplierFields) -> Supplier:
    apply = _apply_details(_supplier_details(fields))
    return _update(uow, Supplier, supplier_id, fields.name, apply)


# Deleting ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deleted:
    """What a delete did: the rows it deleted and how many products it changed."""

    ids: list[uuid.UUID]
    products: int


def relink_products(session: Session, *, where: ColumnElement[bool], **values: Any) -> int:
    """Set `values` on every product matching `where`, each with a new version (so sync
    clients see the change) in one executemany; returns how many products changed.

    The ORM bulk update by primary key skips the per-object flush events: what it changes
    is none of the name, SKU or handle that `search_text` folds, and versions are given here.
    """
    ids = list(session.scalars(select(Product.id).where(where).order_by(Product.id)))
    if not ids:
        return 0
    now = utcnow()
    rows = [
        {"id": product_id, "version": version, "updated_at": now, **values}
        for product_id, version in zip(ids, allocate_versions(session, len(ids)), strict=True)
    ]
    session.execute(update(Product), rows)
    return len(ids)


def soft_delete(session: Session, entities: Iterable[Any]) -> list[uuid.UUID]:
    now = utcnow()
    deleted = []
    for entity in entities:
        entity.deleted_at = now
        deleted.append(entity.id)
    forget_names(session)
    return deleted


def delete_brand(uow: UnitOfWork, *, brand_id: uuid.UUID) -> Deleted:
    """Products of the brand are left without one, as X-Series does."""
    return _delete_unlinking(uow, Brand, brand_id, Product.brand_id == brand_id, brand_id=None)


def delete_supplier(uow: UnitOfWork, *, supplier_id: uuid.UUID) -> Deleted:
    """Products of the supplier are left without one (their supplier code stays)."""
    where = Product.supplier_id == supplier_id
    return _delete_unlinking(uow, Supplier, supplier_id, where, supplier_id=None)


def _delete_unlinking(
    uow: UnitOfWork,
    model: type[Entity],
    entity_id: uuid.UUID,
    where: ColumnElement[bool],
    **unlinked: Any,
) -> Deleted:
    session = uow.session
    entity = get_entity(session, model, entity_id=entity_id)
    changed = relink_products(session, where=where, **unlinked)
    result = Deleted(ids=soft_delete(session, [entity]), products=changed)
    uow.commit()
    return result


def delete_tag(uow: UnitOfWork, *, tag_id: uuid.UUID) -> Deleted:
    """The tag is taken off every product that had it."""
    session = uow.session
    tag = get_entity(session, Tag, entity_id=tag_id)
    tagged = select(ProductTag.product_id).where(ProductTag.tag_id == tag_id)
    changed = relink_products(session, where=Product.id.in_(tagged))
    session.execute(delete(ProductTag).where(ProductTag.tag_id == tag_id))
    result = Deleted(ids=soft_delete(session, [tag]), products=changed)
    uow.commit()
    return result


def delete_variant_attribute(uow: UnitOfWork, *, attribute_id: uuid.UUID) -> Deleted:
    """Refused while live variants use the attribute: their option values would lose the
    name that gives them meaning ("Red" of what?)."""
    session = uow.session
    attribute = get_entity(session, VariantAttribute, entity_id=attribute_id)
    users = products_using(session, VariantAttribute, entity_id=attribute_id)
    if users:
        raise Conflict(
            N_("Products with variants use this attribute, so it cannot be deleted."),
            field="id",
            products=users,
        )
    result = Deleted(ids=soft_delete(session, [attribute]), products=0)
    uow.commit()
    return result
