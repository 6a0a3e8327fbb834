"""One product of an import: its fields as they will be written, its components and stock.

For a new product the file gives every field (with defaults); for an existing one it
changes only what the file has (see `plan` for the rules). Names of brands, suppliers,
types, tags and variant attributes become ids, new ones created by name; taxes are named
and must exist.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.catalog import categories, entities
from comptoir.catalog.models import Brand, ProductType, Supplier, Tag, VariantAttribute
from comptoir.catalog.product_rules import shelf_prices
from comptoir.catalog.transfer import format as f
from comptoir.catalog.transfer.lookup import Existing, NamedModel, Snapshot, StoreIndex
from comptoir.core.clock import utcnow
from comptoir.core.errors import InvalidInput
from comptoir.core.i18n import gettext_ as _
from comptoir.io import ParsedRow, Report

STANDARD, VARIANTS, COMPOSITE = "standard", "variants", "composite"
# What Lightspeed writes in `outlet_tax_<Outlet>` for the outlet's default tax (any case).
DEFAULT_TAX = "default tax"
# Between the levels of a nested product category: "Men / Shoes" (as the pages show it).
CATEGORY_SEPARATOR = " / "
# Optional fields an empty cell clears on an update (the others keep their value).
CLEARABLE = {
    f.DESCRIPTION: "description",
    f.SUPPLIER_CODE: "supplier_code",
    f.ACCOUNT_CODE: "account_code",
    f.ACCOUNT_CODE_PURCHASE: "account_code_purchase",
}
NAMED: tuple[tuple[NamedModel, str, tuple[str, ...]], ...] = (
    (Brand, "brand_id", (f.BRAND_NAME,)),
    (Supplier, "supplier_id", (f.SUPPLIER_NAME,)),
    # The newer exports' `product_category` is the older `type`.
    (ProductType, "product_type_id", (f.PRODUCT_CATEGORY, f.TYPE)),
)


@dataclass
class Member:
    """One product of the file: a row, or all the rows of a composite."""

    rows: list[ParsedRow]
    values: dict[str, Any]
    existing: Existing | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    target: dict[str, Any] = field(default_factory=dict)
    options: list[tuple[uuid.UUID, str]] | None = None  # None: unchanged
    tag_ids: list[uuid.UUID] | None = None
    outlet_taxes: dict[uuid.UUID, uuid.UUID | None] | None = None
    components: list[tuple[uuid.UUID, Decimal]] | None = None
    # A component's line id, from the `id` of its row (Lightspeed's layout), when it is free.
    link_ids: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)

    @property
    def number(self) -> int:
        return self.rows[0].number

    @property
    def options_given(self) -> bool:
        return bool(self.values.get(f.OPTION_NAMES[0]))

    @property
    def sku(self) -> str | None:
        sku = self.target.get("sku")
        return str(sku) if sku else None

    def changed(self) -> bool:
        """Whether an existing product would end otherwise than it is."""
        existing = self.existing
        assert existing is not None
        if any(self.target.get(name) != value for name, value in existing.fields.items()):
            return True
        if self.tag_ids is not None and set(self.tag_ids) != set(existing.tag_ids):
            return True
        if self.options is not None and self.options != existing.options:
            return True
        if self.outlet_taxes is not None and self.outlet_taxes != existing.outlet_taxes:
            return True
        return self.components is not None and self.components != existing.components


class Fields:
    """Resolves members' fields against the store; records errors, warnings, new names."""

    def __init__(self, session: Session, snapshot: Snapshot, report: Report) -> None:
        self.session = session
        self.store = snapshot
        self.report = report
        self.new_entities: dict[NamedModel, int] = {}
        # (kind, name as written) -> the entity's id, or the message refusing the name.
        self._named: dict[tuple[NamedModel, str], uuid.UUID | str] = {}
        self._began = utcnow()
        # Where the file files products in each category: (row, column) by category id.
        self._filed: dict[uuid.UUID, list[tuple[int, str]]] = {}

    def resolve(
        self, member: Member, *, kind: str, handle: str | None, family_id: uuid.UUID | None
    ) -> None:
        v, existing, number = member.values, member.existing, member.number
        target = dict(existing.fields) if existing else {}
        new = existing is None
        if new:
            target.update(
                id=member.id,
                family_id=family_id,  # None: the family is new (set when handles are)
                handle=handle,
                is_composite=kind == COMPOSITE,
            )
        if v.get(f.SKU):
            target["sku"] = v[f.SKU]
        elif new:
            target["sku"] = None  # generated when written
            if not self.store.sku_generation:
                self.report.error(number, f.SKU, _("A SKU is required (SKU generation is off)."))
        if v.get(f.NAME):
            target["name"] = v[f.NAME]
        elif new:
            self.report.error(number, f.NAME, _("A new product needs a name."))
        for column, name in CLEARABLE.items():
            if column in v:
                target[name] = v[column] or None
            elif new:
                target[name] = None
        for model, name, columns in NAMED:
            given = [c for c in columns if v.get(c)]
            if given:
                target[name] = self.entity(model, v[given[0]], row=number, column=given[0])
            elif new or any(c in v for c in columns):
                target[name] = None
        tax_id = self._tax(member, target, new)
        self._prices(member, target, new, tax_id)
        for column, name in ((f.ACTIVE, "active"), (f.TRACK_INVENTORY, "has_inventory")):
            if v.get(column) is not None:
                target[name] = v[column]
            elif new:
                target[name] = True
        if target["is_composite"]:
            if v.get(f.TRACK_INVENTORY):
                message = _("A composite has no stock of its own: its components' stock moves.")
                self.report.warning(number, f.TRACK_INVENTORY, message)
            target["has_inventory"] = False
        member.target = target
        if f.TAGS in v:
            tags = [self.entity(Tag, name, row=number, column=f.TAGS) for name in v[f.TAGS] or ()]
            member.tag_ids = [tag for tag in tags if tag is not None]
        elif new:
            member.tag_ids = []
        self._outlet_taxes(member, tax_id)

    def entity(self, model: NamedModel, name: str, *, row: int, column: str) -> uuid.UUID | None:
        """The id of the live brand, supplier, tag... of that name whatever its case, made when
        there is none (`catalog.entities.ensure_named`); a product type may be a path of
        nested categories, "Men / Shoes", and must be one without subcategories."""
        key = (model, name)
        found = self._named.get(key)
        if found is None:
            found = self._named[key] = self._ensure(model, name, column)
        if isinstance(found, str):
            self.report.error(row, column, found)
            return None
        if model is ProductType:
            self._filed.setdefault(found, []).append((row, column))
        return found

    def check_categories(self) -> None:
        """A category the file files products in must still have no subcategories once the
        file's own paths are made ("Men" on one row, "Men / Shoes" on another)."""
        if not self._filed:
            return
        self.session.flush()
        parents = set(
            self.session.scalars(
                select(ProductType.parent_id).where(
                    ProductType.parent_id.in_(list(self._filed)),
                    ProductType.deleted_at.is_(None),
                )
            )
        )
        for category_id in parents:
            for row, column in self._filed.get(category_id, ()) if category_id else ():
                self.report.error(row, column, _("Choose a category without subcategories."))

    def _ensure(self, model: NamedModel, name: str, column: str) -> uuid.UUID | str:
        try:
            if model is ProductType:
                path = [part.strip() for part in name.split(CATEGORY_SEPARATOR)]
                entity: Any = categories.ensure_category_path(self.session, path)
                entities.referenced(self.session, ProductType, entity_id=entity.id, field=column)
            else:
                entity = entities.ensure_named(self.session, cast(Any, model), name)
        except InvalidInput as refused:
            return _(refused.message)
        # Made by this import: not yet written, or written since it began (a category path
        # is written as it is walked).
        if entity.created_at is None or entity.created_at >= self._began:
            self.new_entities[model] = self.new_entities.get(model, 0) + 1
        if model is VariantAttribute:
            self.store.attribute_names[entity.id] = entity.name
        entity_id: uuid.UUID = entity.id
        return entity_id

    def _find_tax(self, name: str, outlet_id: uuid.UUID | None = None) -> uuid.UUID | None:
        """The tax of that name whatever its case; Lightspeed's "Default Tax", unless the
        store has a tax of that name, is the outlet's default tax (the store's for none)."""
        tax = self.store.taxes.get(name.casefold())
        if tax is not None:
            return tax.id
        if name.casefold() == DEFAULT_TAX:
            return self.store.default_tax_at(outlet_id)
        return None

    def _tax_named(
        self, number: int, column: str, name: str, outlet_id: uuid.UUID | None = None
    ) -> uuid.UUID | None:
        found = self._find_tax(name, outlet_id)
        if found is None and name.casefold() != DEFAULT_TAX:
            message = _("No tax is named {name} (Settings > Taxes).").format(name=name)
            self.report.error(number, column, message)
        return found

    def _tax(self, member: Member, target: dict[str, Any], new: bool) -> uuid.UUID | None:
        v = member.values
        if v.get(f.TAX):
            target["tax_id"] = self._tax_named(member.number, f.TAX, v[f.TAX])
        elif new:
            # X-Series files name taxes per outlet only: the one they all agree on is the
            # product's own; otherwise the store's default.
            given: dict[str, str | None] = v.get("outlet_tax") or {}
            agreed = {
                self._find_tax(str(name), self.store.outlets[outlet])
                for outlet, name in given.items()
                if name
            }
            only = agreed.pop() if len(agreed) == 1 else None
            target["tax_id"] = only or self.store.default_tax_id
        tax_id: uuid.UUID | None = target.get("tax_id")
        return tax_id

    def _prices(
        self, member: Member, target: dict[str, Any], new: bool, tax_id: uuid.UUID | None
    ) -> None:
        v, existing = member.values, member.existing
        stated_column = "price_excluding_tax" if self.store.tax_exclusive else "price_including_tax"
        price: Decimal | None = v.get(f.RETAIL_PRICE)
        if new and price is None:
            self.report.error(
                member.number,
                f.RETAIL_PRICE,
                _("A new product needs a retail price (0 is allowed)."),
            )
            price = Decimal(0)
        if existing is not None:
            same_price = price is None or price == existing.fields[stated_column]
            if same_price and tax_id == existing.fields["tax_id"]:
                price = None  # both prices stay exactly as stored
            elif price is None:
                price = existing.fields[stated_column]
        if price is not None:
            if price < 0:
                # A deposit or a discount item: kept, but worth a look (said only when the
                # price is set, so importing an export again warns of nothing).
                message = _("A negative price (a deposit or a discount?): kept as it is.")
                self.report.warning(member.number, f.RETAIL_PRICE, message)
            rates = self.store.rates(tax_id)
            excl, incl = shelf_prices(retailer=self.store.retailer, rates=rates, price=price)
            target["price_excluding_tax"], target["price_including_tax"] = excl, incl
        supply = v.get(f.SUPPLY_PRICE)
        if supply is not None:
            target["supply_price"] = supply
        elif new:
            target["supply_price"] = Decimal(0)  # a composite's is filled from its components

    def _outlet_taxes(self, member: Member, tax_id: uuid.UUID | None) -> None:
        v, existing = member.values, member.existing
        given: dict[str, str | None] = v.get("outlet_tax") or {}
        if not given and existing is not None:
            return
        current = dict(existing.outlet_taxes) if existing else {}
        for outlet_name, name in given.items():
            outlet_id = self.store.outlets[outlet_name]
            outlet_tax = None
            if name:
                column = f.outlet_column(f.OUTLET_TAX, outlet_name)
                outlet_tax = self._tax_named(member.number, column, name, outlet_id)
            # Only a tax other than the product's own is kept per outlet.
            if name and outlet_tax is not None and outlet_tax != tax_id:
                current[outlet_id] = outlet_tax
            else:
                current.pop(outlet_id, None)
        member.outlet_taxes = current

    # -- components ----------------------------------------------------------------------

    def components(
        self, members: Sequence[Member], *, by_handle: dict[str, list[Member]], index: StoreIndex
    ) -> None:
        """Each composite's components, from the file or the store; a new composite's cost
        is its components' when the file gives none."""
        by_sku = {m.sku: m for m in members if m.sku}
        lines_taken: set[uuid.UUID] = set()
        for member in members:
            if not member.target.get("is_composite"):
                continue
            parts: list[tuple[uuid.UUID, Decimal]] = []
            cost = Decimal(0)
            for row in member.rows:
                if not (row.values.get(f.COMPOSITE_SKU) or row.values.get(f.COMPOSITE_HANDLE)):
                    continue  # the composite's own row (Lightspeed's layout)
                found = self._component(row, by_sku, by_handle, index)
                if found is None:
                    continue
                part_id, part_cost, composite = found
                column = f.COMPOSITE_SKU if row.values.get(f.COMPOSITE_SKU) else f.COMPOSITE_HANDLE
                quantity: Decimal = row.values.get(f.COMPOSITE_QUANTITY) or Decimal(0)
                if part_id == member.id:
                    self.report.error(row.number, column, _("A composite cannot contain itself."))
                elif composite:
                    message = _("A composite cannot contain another composite.")
                    self.report.error(row.number, column, message)
                elif any(p == part_id for p, _q in parts):
                    self.report.error(row.number, column, _("This component is listed twice."))
                else:
                    parts.append((part_id, quantity))
                    cost += part_cost * quantity
                    line = row.values.get(f.ID)
                    # The row's own id names the line, unless it is the composite's (older
                    # exports) or already another composite's line, or this file's.
                    if (
                        line
                        and line != member.values.get(f.ID)
                        and line not in lines_taken
                        and index.link_owners.get(line, member.id) == member.id
                    ):
                        lines_taken.add(line)
                        member.link_ids[part_id] = line
            member.components = parts
            if member.existing is None and not member.target["supply_price"]:
                member.target["supply_price"] = cost

    def _component(
        self,
        row: ParsedRow,
        by_sku: dict[str, Member],
        by_handle: dict[str, list[Member]],
        index: StoreIndex,
    ) -> tuple[uuid.UUID, Decimal, bool] | None:
        """(id, supply price, is a composite) of the product a component row names."""
        sku, handle = row.values.get(f.COMPOSITE_SKU), row.values.get(f.COMPOSITE_HANDLE)
        if not (sku or handle):
            return None
        if sku:
            in_file = by_sku.get(sku)
            if in_file is not None:
                return in_file.id, in_file.target["supply_price"], in_file.target["is_composite"]
            product = index.by_sku.get(sku)
            if product is None or product.deleted:
                message = _("No product has the SKU {sku}.").format(sku=sku)
                self.report.error(row.number, f.COMPOSITE_SKU, message)
                return None
            return product.id, product.fields["supply_price"], product.is_composite
        handle = str(handle)
        members = by_handle.get(handle)
        if members is None:
            products = index.family_of_handle(handle)
            if not products:
                message = _("No product has the handle {handle}.").format(handle=handle)
                self.report.error(row.number, f.COMPOSITE_HANDLE, message)
                return None
            if len(products) == 1:
                only = products[0]
                return only.id, only.fields["supply_price"], only.is_composite
        elif len(members) == 1:
            one = members[0]
            return one.id, one.target.get("supply_price", Decimal(0)), one.target["is_composite"]
        message = _(
            "The handle {handle} has variants: name the variant by its SKU (composite_sku)."
        ).format(handle=handle)
        self.report.error(row.number, f.COMPOSITE_HANDLE, message)
        return None
