"""What an import reads from the store, in a few set-based queries.

Existing products are read as plain rows (no ORM objects), in chunks of ids, SKUs or
handles: a 100,000-row file makes a few hundred queries, not 100,000.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.catalog.models import (
    Brand,
    Product,
    ProductComponent,
    ProductOutletTax,
    ProductTag,
    ProductType,
    Supplier,
    Tag,
    VariantAttribute,
    VariantOption,
)
from comptoir.core.tax import Rate
from comptoir.inventory.models import InventoryLevel
from comptoir.store import service as store
from comptoir.store.models import Retailer, Tax

CHUNK = 2000
T = TypeVar("T")

NamedModel = type[Brand] | type[Supplier] | type[ProductType] | type[Tag] | type[VariantAttribute]

# The product columns an import writes (and compares, to leave unchanged products alone).
FIELDS = (
    "handle",
    "sku",
    "name",
    "description",
    "price_excluding_tax",
    "price_including_tax",
    "supply_price",
    "tax_id",
    "active",
    "has_inventory",
    "is_composite",
    "brand_id",
    "product_type_id",
    "supplier_id",
    "supplier_code",
    "account_code",
    "account_code_purchase",
)
_PRODUCT_COLUMNS = [Product.id, Product.family_id, Product.deleted_at] + [
    getattr(Product, name) for name in FIELDS
]


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass(frozen=True)
class TaxInfo:
    id: uuid.UUID
    name: str
    rates: tuple[Rate, ...]


@dataclass
class Existing:
    """A product already in the store, as the import compares it."""

    id: uuid.UUID
    family_id: uuid.UUID
    deleted: bool
    fields: dict[str, Any]
    # Filled for the products the file updates and the members of the families it touches.
    options: list[tuple[uuid.UUID, str]] = field(default_factory=list)
    tag_ids: list[uuid.UUID] = field(default_factory=list)
    outlet_taxes: dict[uuid.UUID, uuid.UUID | None] = field(default_factory=dict)
    components: list[tuple[uuid.UUID, Decimal]] = field(default_factory=list)
    stock: dict[uuid.UUID, Decimal] = field(default_factory=dict)  # outlet id -> count

    @property
    def sku(self) -> str:
        return str(self.fields["sku"])

    @property
    def handle(self) -> str:
        return str(self.fields["handle"])

    @property
    def is_composite(self) -> bool:
        return bool(self.fields["is_composite"])


@dataclass
class Snapshot:
    """The store settings and reference data an import resolves names against."""

    retailer: Retailer
    outlets: dict[str, uuid.UUID]  # outlet name -> id
    taxes: dict[str, TaxInfo]  # casefolded name -> tax
    tax_names: dict[uuid.UUID, str]
    attribute_names: dict[uuid.UUID, str]  # every variant attribute's, by id
    # Each outlet's own default tax, when it has one (Settings > Outlets).
    outlet_default_taxes: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)

    @property
    def tax_exclusive(self) -> bool:
        return self.retailer.tax_exclusive

    @property
    def default_tax_id(self) -> uuid.UUID | None:
        return self.retailer.default_tax_id

    @property
    def sku_generation(self) -> bool:
        return self.retailer.sku_sequence_enabled

    def default_tax_at(self, outlet_id: uuid.UUID | None) -> uuid.UUID | None:
        """What Lightspeed's "Default Tax" means at an outlet (or for the product's own tax,
        without one): the outlet's default tax, else the store's."""
        own = self.outlet_default_taxes.get(outlet_id) if outlet_id else None
        return own if own in self.tax_names else self.default_tax_id

    def rates(self, tax_id: uuid.UUID | None) -> tuple[Rate, ...]:
        if tax_id is None:
            return ()
        name = self.tax_names.get(tax_id)
        return self.taxes[name.casefold()].rates if name is not None else ()


def snapshot(session: Session) -> Snapshot:
    retailer = store.get_retailer(session)
    taxes: dict[str, TaxInfo] = {}
    tax_names: dict[uuid.UUID, str] = {}
    for tax in session.scalars(select(Tax).where(Tax.deleted_at.is_(None)).order_by(Tax.name)):
        tax_names[tax.id] = tax.name
        taxes.setdefault(tax.name.casefold(), TaxInfo(tax.id, tax.name, store.rates_of(tax)))
    attribute_names = {
        attribute_id: name
        for attribute_id, name in session.execute(
            select(VariantAttribute.id, VariantAttribute.name)
        )
    }
    outlets = store.list_outlets(session)
    return Snapshot(
        retailer=retailer,
        outlets={o.name: o.id for o in outlets},
        taxes=taxes,
        tax_names=tax_names,
        attribute_names=attribute_names,
        outlet_default_taxes={o.id: o.default_tax_id for o in outlets if o.default_tax_id},
    )


def _existing(row: Any) -> Existing:
    return Existing(
        id=row.id,
        family_id=row.family_id or row.id,
        deleted=row.deleted_at is not None,
        fields={name: getattr(row, name) for name in FIELDS},
    )


def products_where(
    session: Session, column: Any, values: Iterable[Any], *, live_only: bool = False
) -> list[Existing]:
    wanted = list(dict.fromkeys(values))
    found: list[Existing] = []
    for part in chunks(wanted):
        query = select(*_PRODUCT_COLUMNS).where(column.in_(part))
        if live_only:
            query = query.where(Product.deleted_at.is_(None))
        found.extend(_existing(row) for row in session.execute(query))
    return found


def load_details(session: Session, products: Iterable[Existing]) -> None:
    """Fill options, tags, outlet taxes, components and stock of `products`, in place."""
    by_id = {p.id: p for p in products}
    ids = list(by_id)

    def option(p: Existing, row: Any) -> None:
        p.options.append((row[1], row[2]))

    def tag(p: Existing, row: Any) -> None:
        p.tag_ids.append(row[1])

    def outlet_tax(p: Existing, row: Any) -> None:
        p.outlet_taxes[row[1]] = row[2]

    def component(p: Existing, row: Any) -> None:
        p.components.append((row[1], row[2]))

    def level(p: Existing, row: Any) -> None:
        p.stock[row[1]] = row[2]

    # (product id, ...) columns of each detail, how to sort them, and where each row goes.
    details: list[tuple[Sequence[Any], Sequence[Any], Callable[[Existing, Any], None]]] = [
        (
            [VariantOption.product_id, VariantOption.attribute_id, VariantOption.value],
            [VariantOption.position],
            option,
        ),
        ([ProductTag.product_id, ProductTag.tag_id], [], tag),
        (
            [ProductOutletTax.product_id, ProductOutletTax.outlet_id, ProductOutletTax.tax_id],
            [],
            outlet_tax,
        ),
        (
            [
                ProductComponent.product_id,
                ProductComponent.component_id,
                ProductComponent.quantity,
            ],
            [ProductComponent.position],
            component,
        ),
        (
            [InventoryLevel.product_id, InventoryLevel.outlet_id, InventoryLevel.count],
            [],
            level,
        ),
    ]
    for columns, order, keep in details:
        for part in chunks(ids):
            query = select(*columns).where(columns[0].in_(part)).order_by(columns[0], *order)
            for row in session.execute(query):
                keep(by_id[row[0]], row)


@dataclass
class StoreIndex:
    """The products of the store a file names (by id, SKU or handle, components included)
    and every live member of their families, with their details."""

    by_id: dict[uuid.UUID, Existing] = field(default_factory=dict)
    by_sku: dict[str, Existing] = field(default_factory=dict)
    by_family: dict[uuid.UUID, list[Existing]] = field(default_factory=dict)
    families_by_handle: dict[str, set[uuid.UUID]] = field(default_factory=dict)
    # The composite each component line id of the file already belongs to.
    link_owners: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)

    def family_of_handle(self, handle: str) -> list[Existing]:
        return [p for f in self.families_by_handle.get(handle, ()) for p in self.by_family[f]]


def load_index(
    session: Session,
    *,
    ids: Sequence[uuid.UUID],
    skus: Sequence[str],
    handles: Sequence[str],
    component_ids: Sequence[uuid.UUID] = (),
) -> StoreIndex:
    index = StoreIndex()
    for part in chunks(list(dict.fromkeys(component_ids))):
        query = select(ProductComponent.id, ProductComponent.product_id).where(
            ProductComponent.id.in_(part)
        )
        index.link_owners.update({link: owner for link, owner in session.execute(query)})
    for product in products_where(session, Product.id, ids):
        index.by_id[product.id] = product
    for product in products_where(session, Product.sku, skus):
        index.by_sku[product.sku] = product
    named = [*index.by_id.values(), *index.by_sku.values()]
    families = {p.family_id for p in named if not p.deleted}
    for product in products_where(session, Product.handle, handles, live_only=True):
        families.add(product.family_id)
    members = products_where(session, Product.family_id, list(families), live_only=True)
    load_details(session, members)
    for product in members:
        index.by_family.setdefault(product.family_id, []).append(product)
        index.families_by_handle.setdefault(product.handle, set()).add(product.family_id)
        # The loaded rows (with their details) replace the bare ones.
        if product.id in index.by_id:
            index.by_id[product.id] = product
        if product.sku in index.by_sku:
            index.by_sku[product.sku] = product
    return index
