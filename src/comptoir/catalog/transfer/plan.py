"""From parsed rows to the writes of an import: group, match, resolve, check.

Rows group into families by `handle` (a row without one is a family of its own). A family
is a standard product (one row), a variant family (one row per variant, each with its
variant options) or a composite (one row per component, all with the composite's SKU).

Each product of the file is matched to the store, as X-Series does: by `id` when the id is
a product of the store, otherwise by `sku`. A matched product is updated; an unmatched one is
created (with the file's `id` when there is one, so an export moved to another store keeps
its ids). On an update, a column missing from the file changes nothing; an empty cell leaves
the name, SKU, prices, tax, flags, stock and reorder settings as they are, and clears the
optional fields (description, type, brand, supplier, codes, tags). A product that would end
exactly as it is is not written at all, so importing an export again changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.catalog.models import Brand, Product, ProductType, Supplier, Tag, VariantAttribute
from comptoir.catalog.products import make_handle, shelf_prices
from comptoir.catalog.transfer import format as f
from comptoir.catalog.transfer.lookup import (
    Existing,
    NamedModel,
    Snapshot,
    chunks,
    load_details,
    products_where,
)
from comptoir.core.i18n import gettext_ as _
from comptoir.io import ParsedRow, Report

Progress = Callable[[int, int], None]

# A variant row leaves these empty to take the family's first row's value.
INHERITED = (
    f.NAME,
    f.DESCRIPTION,
    f.TYPE,
    f.PRODUCT_CATEGORY,
    f.TAGS,
    f.BRAND_NAME,
    f.SUPPLIER_NAME,
    f.ACCOUNT_CODE,
    f.ACCOUNT_CODE_PURCHASE,
    f.TRACK_INVENTORY,
    f.TAX,
    f.SUPPLY_PRICE,
    f.RETAIL_PRICE,
)
# Optional fields an empty cell clears on an update (the others keep their value).
CLEARABLE = {
    f.DESCRIPTION: "description",
    f.SUPPLIER_CODE: "supplier_code",
    f.ACCOUNT_CODE: "account_code",
    f.ACCOUNT_CODE_PURCHASE: "account_code_purchase",
}
STANDARD, VARIANTS, COMPOSITE = "standard", "variants", "composite"


@dataclass
class StockTarget:
    product_id: uuid.UUID
    outlet_id: uuid.UUID
    count: Decimal
    existing: bool  # False: a new product, whose stock starts at 0


@dataclass
class ReorderTarget:
    product_id: uuid.UUID
    outlet_id: uuid.UUID
    # None: leave as it is (only on existing products; a new one starts without).
    reorder_point: Decimal | None
    restock_level: Decimal | None
    existing: bool


@dataclass
class Member:
    """One product of the file: a row, or all the rows of a composite."""

    rows: list[ParsedRow]
    values: dict[str, Any]
    existing: Existing | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    target: dict[str, Any] = field(default_factory=dict)
    options: list[tuple[uuid.UUID, str]] | None = None  # None: unchanged
    option_names: list[str] = field(default_factory=list)
    tag_ids: list[uuid.UUID] | None = None
    outlet_taxes: dict[uuid.UUID, uuid.UUID | None] | None = None
    components: list[tuple[uuid.UUID, Decimal]] | None = None

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


@dataclass
class Group:
    handle: str | None
    rows: list[ParsedRow]
    kind: str = STANDARD
    members: list[Member] = field(default_factory=list)
    family_id: uuid.UUID | None = None
    family: list[Existing] = field(default_factory=list)  # the live members in the store


@dataclass
class Plan:
    """Everything an import writes, resolved against the store."""

    created: list[Member]
    updated: list[Member]
    unchanged: int
    new_entities: dict[NamedModel, list[tuple[uuid.UUID, str]]]
    stock: list[StockTarget]
    reorder: list[ReorderTarget]
    families_created: int


class Planner:
    def __init__(
        self,
        session: Session,
        *,
        snapshot: Snapshot,
        rows: Sequence[ParsedRow],
        present: set[str],
        report: Report,
        progress: Progress | None = None,
    ) -> None:
        self.session = session
        self.store = snapshot
        self.rows = rows
        self.present = present
        self.report = report
        self.progress = progress
        self.new_entities: dict[NamedModel, list[tuple[uuid.UUID, str]]] = {}
        self.groups: list[Group] = []
        self.by_id: dict[uuid.UUID, Existing] = {}
        self.by_sku: dict[str, Existing] = {}
        self.by_family: dict[uuid.UUID, list[Existing]] = {}
        self.families_by_handle: dict[str, set[uuid.UUID]] = {}

    def error(self, row: int, column: str | None, message: str) -> None:
        self.report.error(row, column, message)

    def warning(self, row: int, column: str | None, message: str) -> None:
        self.report.warning(row, column, message)

    # -- the steps ---------------------------------------------------------------------

    def plan(self) -> Plan:
        self._group()
        self._load()
        claimed: dict[uuid.UUID, int] = {}
        for group in self.groups:
            # A row that cannot be matched is left out of the checks that follow.
            group.members = [m for m in group.members if self._match(m, claimed)]
            if group.members:
                self._family(group)
        members = [m for g in self.groups for m in g.members]
        total = len(members)
        for done, group in enumerate(self.groups, start=1):
            for member in group.members:
                self._fields(group, member)
            if group.kind == VARIANTS:
                self._variants(group)
            if self.progress is not None and done % 1000 == 0:
                self.progress(done, len(self.groups))
        self._unique_skus(members)
        self._components(members)
        self._new_handles()
        stock, reorder = self._stock(members)
        if self.progress is not None:
            self.progress(total, total)
        created = [m for m in members if m.existing is None]
        updated = [m for m in members if m.existing is not None and _changed(m)]
        return Plan(
            created=created,
            updated=updated,
            unchanged=total - len(created) - len(updated),
            new_entities=self.new_entities,
            stock=stock,
            reorder=reorder,
            families_created=sum(1 for g in self.groups if g.members and not g.family),
        )

    def _group(self) -> None:
        by_key: dict[tuple[str, str], Group] = {}
        for row in self.rows:
            v = row.values
            handle = v.get(f.HANDLE)
            names_component = v.get(f.COMPOSITE_SKU) or v.get(f.COMPOSITE_HANDLE)
            if handle:
                key = ("handle", str(handle))
            elif names_component and (v.get(f.SKU) or v.get(f.ID)):
                # A composite without a handle: its rows share its SKU (or id).
                key = ("composite", str(v.get(f.SKU) or v.get(f.ID)))
            else:
                key = ("row", str(row.number))
            group = by_key.get(key)
            if group is None:
                group = by_key[key] = Group(handle=handle or None, rows=[])
                self.groups.append(group)
            group.rows.append(row)
        for group in self.groups:
            self._split(group)

    def _split(self, group: Group) -> None:
        """The family's kind and its products."""
        first = group.rows[0]
        has_options = any(r.values.get(f.OPTION_NAMES[0]) for r in group.rows)
        has_components = any(
            r.values.get(f.COMPOSITE_SKU) or r.values.get(f.COMPOSITE_HANDLE) for r in group.rows
        )
        if has_options and has_components:
            self.error(
                first.number,
                f.COMPOSITE_SKU,
                _("A product has variants or components, not both."),
            )
            return
        if has_components:
            group.kind = COMPOSITE
            for row in group.rows[1:]:
                for column in (f.SKU, f.ID):
                    value, expected = row.values.get(column), first.values.get(column)
                    if value and expected and value != expected:
                        self.error(
                            row.number,
                            column,
                            _(
                                "The rows sharing a handle are one composite (a row per "
                                "component): this row has {value}, row {row} has {expected}."
                            ).format(value=value, row=first.number, expected=expected),
                        )
                if not (row.values.get(f.COMPOSITE_SKU) or row.values.get(f.COMPOSITE_HANDLE)):
                    self.error(
                        row.number,
                        f.COMPOSITE_SKU,
                        _("Each row of a composite names one of its components."),
                    )
            group.members = [Member(rows=list(group.rows), values=dict(first.values))]
            return
        if has_options:
            group.kind = VARIANTS
            for row in group.rows:
                if not row.values.get(f.OPTION_NAMES[0]):
                    self.error(
                        row.number,
                        f.OPTION_NAMES[0],
                        _("The other rows of this handle are variants: give this one's options."),
                    )
                    continue
                values = dict(row.values)
                for column in INHERITED:
                    if column in values and _empty(values[column]):
                        values[column] = first.values.get(column)
                group.members.append(Member(rows=[row], values=values))
            return
        group.members = [Member(rows=[first], values=dict(first.values))]
        for row in group.rows[1:]:
            self.error(
                row.number,
                f.HANDLE,
                _(
                    "Row {row} has the same handle: rows sharing a handle are variants (give "
                    "their variant options) or the components of a composite."
                ).format(row=first.number),
            )

    def _load(self) -> None:
        ids: list[uuid.UUID] = []
        skus: list[str] = []
        handles: list[str] = []
        for row in self.rows:
            v = row.values
            if v.get(f.ID):
                ids.append(v[f.ID])
            for column in (f.SKU, f.COMPOSITE_SKU):
                if v.get(column):
                    skus.append(str(v[column]))
            for column in (f.HANDLE, f.COMPOSITE_HANDLE):
                if v.get(column):
                    handles.append(str(v[column]))
        for product in products_where(self.session, Product.id, ids):
            self.by_id[product.id] = product
        for product in products_where(self.session, Product.sku, skus):
            self.by_sku[product.sku] = product
        families = {
            p.family_id for p in [*self.by_id.values(), *self.by_sku.values()] if not p.deleted
        }
        for product in products_where(self.session, Product.handle, handles, live_only=True):
            families.add(product.family_id)
        members = products_where(self.session, Product.family_id, list(families), live_only=True)
        load_details(self.session, members)
        for product in members:
            self.by_family.setdefault(product.family_id, []).append(product)
            self.families_by_handle.setdefault(product.handle, set()).add(product.family_id)
            # The loaded rows (with details) replace the bare ones.
            if product.id in self.by_id:
                self.by_id[product.id] = product
            if product.sku in self.by_sku:
                self.by_sku[product.sku] = product

    def _match(self, member: Member, claimed: dict[uuid.UUID, int]) -> bool:
        """Find the product the row updates, if any; False (with an error) when it cannot be."""
        v, number = member.values, member.number
        given_id, sku = v.get(f.ID), v.get(f.SKU)
        found: Existing | None = None
        if given_id:
            found = self.by_id.get(given_id)
            if found is None:
                member.id = given_id
        elif sku:
            found = self.by_sku.get(sku)
        if found is not None and found.deleted:
            column = f.ID if given_id else f.SKU
            self.error(
                number,
                column,
                _("This product was deleted; remove its id to create it again, with another SKU."),
            )
            return False
        if found is not None:
            if found.id in claimed:
                self.error(
                    number,
                    f.ID if given_id else f.SKU,
                    _("Row {row} already updates this product.").format(row=claimed[found.id]),
                )
                return False
            claimed[found.id] = number
            member.existing = found
            member.id = found.id
        elif member.id in claimed:
            self.error(number, f.ID, _("Row {row} has the same id.").format(row=claimed[member.id]))
            return False
        else:
            claimed[member.id] = number
        if sku:
            holder = self.by_sku.get(sku)
            if holder is not None and holder.id != member.id:
                self.error(
                    number,
                    f.SKU,
                    _("The SKU {sku} belongs to another product ({name}).").format(
                        sku=sku, name=holder.fields["name"]
                    )
                    if not holder.deleted
                    else _("The SKU {sku} belongs to a deleted product.").format(sku=sku),
                )
                return False
        return True

    def _family(self, group: Group) -> None:
        """Which family of the store the group is (or none), and whether it may be."""
        first = group.rows[0].number
        matched = [m for m in group.members if m.existing is not None]
        store_families = self.families_by_handle.get(group.handle or "", set())
        if group.handle is None:
            family_id = matched[0].existing.family_id if matched else None  # type: ignore[union-attr]
        elif len(store_families) > 1:
            self.error(first, f.HANDLE, _("Several products of the store share this handle."))
            return
        else:
            family_id = next(iter(store_families), None)
        for member in matched:
            assert member.existing is not None
            if member.existing.family_id != family_id:
                self.error(
                    member.number,
                    f.HANDLE,
                    _(
                        "This product's handle is {handle}: an import cannot move a product "
                        "to another handle."
                    ).format(handle=member.existing.handle),
                )
        group.family_id = family_id
        group.family = self.by_family.get(family_id, []) if family_id else []
        if not group.family:
            return
        in_store = group.family[0]
        store_kind = (
            COMPOSITE if in_store.is_composite else VARIANTS if in_store.options else STANDARD
        )
        has_option_columns = f.OPTION_NAMES[0] in self.present
        has_component_columns = bool({f.COMPOSITE_SKU, f.COMPOSITE_HANDLE} & self.present)
        kind = group.kind
        if kind == STANDARD and store_kind == VARIANTS and not has_option_columns:
            kind = VARIANTS  # options not in the file: left as they are
        if kind == STANDARD and store_kind == COMPOSITE and not has_component_columns:
            kind = COMPOSITE
        if kind != store_kind:
            self.error(first, f.HANDLE, _kind_change(store_kind, kind))
            return
        for member in group.members:
            if member.existing is None and kind == VARIANTS and not member.options_given:
                self.error(
                    member.number,
                    f.OPTION_NAMES[0],
                    _("This product has variants: give their variant options."),
                )
            if member.existing is None and store_kind != VARIANTS:
                self.error(
                    member.number,
                    f.HANDLE,
                    _(
                        "The handle {handle} is already used by the product {sku}: give its "
                        "id or SKU to update it, or choose another handle."
                    ).format(handle=group.handle, sku=in_store.sku),
                )
        group.kind = kind

    # -- one product's fields ------------------------------------------------------------

    def _fields(self, group: Group, member: Member) -> None:
        v, existing, number = member.values, member.existing, member.number
        target = dict(existing.fields) if existing else {}
        new = existing is None
        if new:
            target.update(
                id=member.id,
                family_id=group.family_id,  # None: the family is new (set below)
                handle=group.handle,
                is_composite=group.kind == COMPOSITE,
            )
        if v.get(f.SKU):
            target["sku"] = v[f.SKU]
        elif new:
            target["sku"] = None  # generated when written
            if not self.store.sku_generation:
                self.error(number, f.SKU, _("A SKU is required (SKU generation is off)."))
        if v.get(f.NAME):
            target["name"] = v[f.NAME]
        elif new:
            self.error(number, f.NAME, _("A new product needs a name."))
        for column, name in CLEARABLE.items():
            if column in v:
                target[name] = v[column] or None
            elif new:
                target[name] = None
        self._named(member, target, new)
        tax_id = self._tax(member, target, new)
        self._prices(member, target, new, tax_id)
        if v.get(f.ACTIVE) is not None:
            target["active"] = v[f.ACTIVE]
        elif new:
            target["active"] = True
        if v.get(f.TRACK_INVENTORY) is not None:
            target["has_inventory"] = v[f.TRACK_INVENTORY]
        elif new:
            target["has_inventory"] = True
        if target["is_composite"]:
            if v.get(f.TRACK_INVENTORY):
                self.warning(
                    number,
                    f.TRACK_INVENTORY,
                    _("A composite has no stock of its own: its components' stock moves."),
                )
            target["has_inventory"] = False
        member.target = target
        if f.TAGS in v:
            member.tag_ids = [self._entity(Tag, name) for name in v[f.TAGS] or ()]
        elif new:
            member.tag_ids = []
        self._outlet_taxes(member, tax_id)

    def _named(self, member: Member, target: dict[str, Any], new: bool) -> None:
        v = member.values
        kinds: tuple[tuple[NamedModel, str, tuple[str, ...]], ...] = (
            (Brand, "brand_id", (f.BRAND_NAME,)),
            (Supplier, "supplier_id", (f.SUPPLIER_NAME,)),
            # The newer exports' `product_category` is the older `type`.
            (ProductType, "product_type_id", (f.PRODUCT_CATEGORY, f.TYPE)),
        )
        for model, name, columns in kinds:
            given = [v[c] for c in columns if v.get(c)]
            if given:
                target[name] = self._entity(model, given[0])
            elif new or any(c in v for c in columns):
                target[name] = None

    def _entity(self, model: NamedModel, name: str) -> uuid.UUID:
        """The id of a live brand, supplier... of that name; a new one when there is none."""
        known = self.store.names[model]
        entity_id = known.get(name.casefold())
        if entity_id is None:
            entity_id = known[name.casefold()] = uuid.uuid4()
            self.new_entities.setdefault(model, []).append((entity_id, name))
            if model is VariantAttribute:
                self.store.attribute_names[entity_id] = name
        return entity_id

    def _tax_named(self, number: int, column: str, name: str) -> uuid.UUID | None:
        tax = self.store.taxes.get(name.casefold())
        if tax is None:
            self.error(
                number,
                column,
                _("No tax is named {name} (Settings > Taxes).").format(name=name),
            )
            return None
        return tax.id

    def _tax(self, member: Member, target: dict[str, Any], new: bool) -> uuid.UUID | None:
        v = member.values
        if v.get(f.TAX):
            target["tax_id"] = self._tax_named(member.number, f.TAX, v[f.TAX])
        elif new:
            # X-Series files name taxes per outlet only: the one they all agree on is the
            # product's own; otherwise the store's default.
            named = {str(name).casefold() for name in (v.get("outlet_tax") or {}).values() if name}
            agreed = self.store.taxes.get(named.pop()) if len(named) == 1 else None
            target["tax_id"] = agreed.id if agreed else self.store.default_tax_id
        tax_id: uuid.UUID | None = target.get("tax_id")
        return tax_id

    def _prices(
        self, member: Member, target: dict[str, Any], new: bool, tax_id: uuid.UUID | None
    ) -> None:
        v, existing = member.values, member.existing
        stated_column = "price_excluding_tax" if self.store.tax_exclusive else "price_including_tax"
        price: Decimal | None = v.get(f.RETAIL_PRICE)
        if new and price is None:
            self.error(
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
            excl, incl = shelf_prices(
                retailer=self.store.retailer,
                rates=self.store.rates(tax_id),
                price=price,
            )
            target["price_excluding_tax"], target["price_including_tax"] = excl, incl
        supply = v.get(f.SUPPLY_PRICE)
        if supply is not None:
            target["supply_price"] = supply
        elif new:
            target["supply_price"] = Decimal(0)  # a composite's is filled from its components

    def _outlet_taxes(self, member: Member, tax_id: uuid.UUID | None) -> None:
        v, existing = member.values, member.existing
        given: dict[str, str | None] = v.get("outlet_tax") or {}
        current = dict(existing.outlet_taxes) if existing else {}
        if not given and existing is not None:
            return
        for outlet_name, name in given.items():
            outlet_id = self.store.outlets[outlet_name]
            column = f.outlet_column(f.OUTLET_TAX, outlet_name)
            outlet_tax = self._tax_named(member.number, column, name) if name else None
            # Only a tax other than the product's own is kept per outlet.
            if name and outlet_tax is not None and outlet_tax != tax_id:
                current[outlet_id] = outlet_tax
            else:
                current.pop(outlet_id, None)
        member.outlet_taxes = current

    # -- families ------------------------------------------------------------------------

    def _variants(self, group: Group) -> None:
        """The same option names on every row, in the family's order; no two variants alike."""
        expected: list[str] | None = None
        if group.family and group.family[0].options:
            expected = [
                self.store.attribute_names.get(a, "") for a, _value in group.family[0].options
            ]
        seen: dict[tuple[str, ...], str] = {}
        in_file = {m.id for m in group.members}
        for product in group.family:
            if product.id not in in_file:
                key = tuple(value.casefold() for _a, value in product.options)
                seen[key] = _("the product {sku}").format(sku=product.sku)
        for member in group.members:
            names = [str(member.values[c]) for c in f.OPTION_NAMES if member.values.get(c)]
            values = [str(member.values[c]) for c in f.OPTION_VALUES if member.values.get(c)]
            if not names:
                continue
            if expected is None:
                expected = names
            if [n.casefold() for n in names] != [n.casefold() for n in expected]:
                self.error(
                    member.number,
                    f.OPTION_NAMES[0],
                    _("The variant options of this family are {names}.").format(
                        names=" / ".join(expected)
                    ),
                )
                continue
            key = tuple(value.casefold() for value in values)
            if key in seen:
                self.error(
                    member.number,
                    f.OPTION_VALUES[0],
                    _("This variant has the same options as {other}.").format(other=seen[key]),
                )
            seen[key] = _("row {row}").format(row=member.number)
            member.option_names = expected
            member.options = [
                (self._entity(VariantAttribute, name), value)
                for name, value in zip(expected, values, strict=True)
            ]

    def _unique_skus(self, members: list[Member]) -> None:
        first: dict[str, int] = {}
        for member in members:
            sku = member.sku
            if sku is None:
                continue
            if sku in first:
                self.error(
                    member.number,
                    f.SKU,
                    _("The SKU {sku} is already on row {row}.").format(sku=sku, row=first[sku]),
                )
            else:
                first[sku] = member.number

    def _components(self, members: list[Member]) -> None:
        by_sku = {m.sku: m for m in members if m.sku}
        by_handle: dict[str, list[Member]] = {}
        for group in self.groups:
            if group.handle:
                by_handle[group.handle] = group.members
        composite_columns = {f.COMPOSITE_SKU, f.COMPOSITE_HANDLE} & self.present
        for member in members:
            if not member.target.get("is_composite"):
                continue
            if not composite_columns:
                continue  # components not in the file: left as they are
            parts: list[tuple[uuid.UUID, Decimal]] = []
            cost = Decimal(0)
            for row in member.rows:
                found = self._component(row, by_sku, by_handle)
                if found is None:
                    continue
                part_id, part_cost, composite = found
                column = f.COMPOSITE_SKU if row.values.get(f.COMPOSITE_SKU) else f.COMPOSITE_HANDLE
                quantity: Decimal = row.values.get(f.COMPOSITE_QUANTITY) or Decimal(0)
                if part_id == member.id:
                    self.error(row.number, column, _("A composite cannot contain itself."))
                elif composite:
                    self.error(
                        row.number, column, _("A composite cannot contain another composite.")
                    )
                elif any(p == part_id for p, _q in parts):
                    self.error(row.number, column, _("This component is listed twice."))
                else:
                    parts.append((part_id, quantity))
                    cost += part_cost * quantity
            member.components = parts
            if member.existing is None and not member.target["supply_price"]:
                member.target["supply_price"] = cost

    def _component(
        self, row: ParsedRow, by_sku: dict[str, Member], by_handle: dict[str, list[Member]]
    ) -> tuple[uuid.UUID, Decimal, bool] | None:
        """(id, supply price, is a composite) of the product a component row names."""
        sku, handle = row.values.get(f.COMPOSITE_SKU), row.values.get(f.COMPOSITE_HANDLE)
        if sku:
            in_file = by_sku.get(sku)
            if in_file is not None:
                return in_file.id, in_file.target["supply_price"], in_file.target["is_composite"]
            product = self.by_sku.get(sku)
            if product is None or product.deleted:
                self.error(
                    row.number, f.COMPOSITE_SKU, _("No product has the SKU {sku}.").format(sku=sku)
                )
                return None
            return product.id, product.fields["supply_price"], product.is_composite
        assert handle
        members = by_handle.get(handle)
        if members is None:
            families = self.families_by_handle.get(handle, set())
            products = [p for family in families for p in self.by_family.get(family, [])]
            if not products:
                self.error(
                    row.number,
                    f.COMPOSITE_HANDLE,
                    _("No product has the handle {handle}.").format(handle=handle),
                )
                return None
            if len(products) == 1:
                return products[0].id, products[0].fields["supply_price"], products[0].is_composite
        elif len(members) == 1:
            only = members[0]
            return only.id, only.target.get("supply_price", Decimal(0)), only.target["is_composite"]
        self.error(
            row.number,
            f.COMPOSITE_HANDLE,
            _(
                "The handle {handle} has variants: name the variant by its SKU (composite_sku)."
            ).format(handle=handle),
        )
        return None

    def _new_handles(self) -> None:
        """Handles and family ids of new families; a file without handles gets them made."""
        used = set(self.families_by_handle) | {g.handle for g in self.groups if g.handle}
        wanted: list[tuple[Group, str]] = []
        for group in self.groups:
            if not group.members:
                continue
            if group.family_id is None:
                group.family_id = group.members[0].id
            for member in group.members:
                if member.target.get("family_id") is None:
                    member.target["family_id"] = group.family_id
            if group.handle is None and group.members[0].existing is None:
                wanted.append((group, make_handle(str(group.members[0].target.get("name") or ""))))
        taken = _handles_in_store(self.session, {base for _g, base in wanted})
        for group, base in wanted:
            handle, suffix = base, 1
            while handle in used or handle in taken:
                suffix += 1
                handle = f"{base}{suffix}"
                if suffix % 50 == 0:
                    taken |= _handles_in_store(
                        self.session, {f"{base}{n}" for n in range(suffix, suffix + 50)}
                    )
            used.add(handle)
            group.handle = handle
            for member in group.members:
                member.target["handle"] = handle

    def _stock(self, members: list[Member]) -> tuple[list[StockTarget], list[ReorderTarget]]:
        stock: list[StockTarget] = []
        reorder: list[ReorderTarget] = []
        for member in members:
            v, target = member.values, member.target
            counts: dict[str, Decimal | None] = v.get("inventory") or {}
            points: dict[str, Decimal | None] = v.get("reorder_point") or {}
            levels: dict[str, Decimal | None] = v.get("restock_level") or {}
            for outlet_name, count in counts.items():
                if count is None:
                    continue
                column = f.outlet_column(f.INVENTORY, outlet_name)
                if target["is_composite"]:
                    if count:
                        self.error(
                            member.number,
                            column,
                            _("A composite has no stock of its own: its components' stock moves."),
                        )
                    continue
                outlet_id = self.store.outlets[outlet_name]
                existing = member.existing
                if count == (existing.stock.get(outlet_id, 0) if existing else 0):
                    continue  # already the stock on hand: nothing to move or to warn about
                if count < 0:
                    # A count the product already has may be negative (sold before being
                    # counted, as above); a new count may not.
                    self.error(member.number, column, _("Stock cannot be negative."))
                    continue
                if not target["has_inventory"]:
                    if count:
                        self.warning(
                            member.number,
                            column,
                            _("This product does not track its stock: the count was ignored."),
                        )
                    continue
                if count and not target["active"]:
                    self.warning(
                        member.number, column, _("This product is inactive but has stock.")
                    )
                stock.append(StockTarget(member.id, outlet_id, count, existing is not None))
            for outlet_name in sorted(set(points) | set(levels)):
                point, level = points.get(outlet_name), levels.get(outlet_name)
                if point is None and level is None:
                    continue
                reorder.append(
                    ReorderTarget(
                        member.id,
                        self.store.outlets[outlet_name],
                        point,
                        level,
                        member.existing is not None,
                    )
                )
        return stock, reorder


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _kind_change(store_kind: str, file_kind: str) -> str:
    if store_kind == COMPOSITE:
        return _("This product is a composite: give its components (composite_sku).")
    if file_kind == COMPOSITE:
        return _("An import cannot turn an existing product into a composite.")
    if store_kind == VARIANTS:
        return _("This product has variants: give their variant options.")
    return _("An import cannot give variants to an existing product without them.")


def _changed(member: Member) -> bool:
    existing = member.existing
    assert existing is not None
    if any(member.target.get(name) != value for name, value in existing.fields.items()):
        return True
    if member.tag_ids is not None and set(member.tag_ids) != set(existing.tag_ids):
        return True
    if member.options is not None and member.options != existing.options:
        return True
    if member.outlet_taxes is not None and member.outlet_taxes != existing.outlet_taxes:
        return True
    return member.components is not None and member.components != existing.components


def _handles_in_store(session: Session, handles: set[str]) -> set[str]:
    found: set[str] = set()
    for part in chunks(sorted(handles)):
        found.update(
            session.scalars(
                select(Product.handle).where(Product.handle.in_(part), Product.deleted_at.is_(None))
            )
        )
    return found
