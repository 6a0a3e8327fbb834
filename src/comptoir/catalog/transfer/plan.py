"""From parsed rows to the writes of an import: group, match, resolve, check.

Rows group into families by `handle` (see `grouping`): a standard product, a variant family
(one row per variant) or a composite (its row and one row per component).

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
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.catalog.models import Product, VariantAttribute
from comptoir.catalog.product_rules import HANDLE_MAX_LENGTH, make_handle
from comptoir.catalog.transfer import format as f
from comptoir.catalog.transfer.fields import COMPOSITE, STANDARD, VARIANTS, Fields, Member
from comptoir.catalog.transfer.grouping import Group, group_rows, inherit
from comptoir.catalog.transfer.lookup import (
    Existing,
    NamedModel,
    Snapshot,
    StoreIndex,
    chunks,
    load_index,
)
from comptoir.catalog.transfer.stock import ReorderTarget, StockPlan, StockTarget
from comptoir.core.i18n import gettext_ as _
from comptoir.io import ParsedRow, Report

Progress = Callable[[int, int], None]


@dataclass
class Plan:
    """Everything an import writes, resolved against the store."""

    created: list[Member]
    updated: list[Member]
    unchanged: int
    new_entities: dict[NamedModel, int]
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
        self.fields = Fields(session, snapshot, report)
        self.groups: list[Group] = []
        self.index = StoreIndex()

    def error(self, row: int, column: str | None, message: str) -> None:
        self.report.error(row, column, message)

    def warning(self, row: int, column: str | None, message: str) -> None:
        self.report.warning(row, column, message)

    # -- the steps ---------------------------------------------------------------------

    def plan(self) -> Plan:
        self.groups = group_rows(self.rows, self.report)
        self.index = self._load()
        claimed: dict[uuid.UUID, int] = {}
        for group in self.groups:
            # A row that cannot be matched is left out of the checks that follow.
            group.members = [m for m in group.members if self._match(m, claimed)]
        self._separate()
        for group in self.groups:
            if group.members:
                self._family(group)
            if group.kind == VARIANTS:
                self._variants(group)  # may skip variants alike: before anything is made
        members = [m for g in self.groups for m in g.members]
        total = len(members)
        for done, group in enumerate(self.groups, start=1):
            for member in group.members:
                self.fields.resolve(
                    member, kind=group.kind, handle=group.handle, family_id=group.family_id
                )
            if self.progress is not None and done % 1000 == 0:
                self.progress(done, len(self.groups))
        self.fields.check_categories()
        self._unique_skus(members)
        if {f.COMPOSITE_SKU, f.COMPOSITE_HANDLE} & self.present:  # else components unchanged
            by_handle = {g.handle: g.members for g in self.groups if g.handle}
            self.fields.components(members, by_handle=by_handle, index=self.index)
        self._new_handles()
        stock, reorder = StockPlan(self.store, self.report).targets(members)
        if self.progress is not None:
            self.progress(total, total)
        created = [m for m in members if m.existing is None]
        updated = [m for m in members if m.existing is not None and m.changed()]
        return Plan(
            created=created,
            updated=updated,
            unchanged=total - len(created) - len(updated),
            new_entities=self.fields.new_entities,
            stock=stock,
            reorder=reorder,
            families_created=sum(1 for g in self.groups if g.members and not g.family),
        )

    def _load(self) -> StoreIndex:
        """The store's products the file names. A component row's `id` is its own (the
        line of the composite), never a product's: only products' rows are matched by id."""
        ids: list[uuid.UUID] = []
        skus: list[str] = []
        handles: list[str] = [g.handle for g in self.groups if g.handle]
        for member in (m for g in self.groups for m in g.members):
            if member.values.get(f.ID):
                ids.append(member.values[f.ID])
            if member.values.get(f.SKU):
                skus.append(str(member.values[f.SKU]))
        link_ids: list[uuid.UUID] = []
        for row in self.rows:
            v = row.values
            if v.get(f.COMPOSITE_SKU):
                skus.append(str(v[f.COMPOSITE_SKU]))
            if v.get(f.COMPOSITE_HANDLE):
                handles.append(str(v[f.COMPOSITE_HANDLE]))
                if v.get(f.ID):
                    link_ids.append(v[f.ID])
            elif v.get(f.COMPOSITE_SKU) and v.get(f.ID):
                link_ids.append(v[f.ID])
        return load_index(self.session, ids=ids, skus=skus, handles=handles, component_ids=link_ids)

    def _separate(self) -> None:
        """Rows sharing a handle with neither options nor components: one stays under the
        handle (the product of the store's family of that handle, else the first), each
        other becomes a product of its own (a warning, in `_new_handles`). When the file
        has no option columns and the handle is a variant family of the store, they are
        its variants, updated (their options left as they are)."""
        separated: list[Group] = []
        for group in self.groups:
            if not group.loose or len(group.members) < 2:
                separated.append(group)
                continue
            families = self.index.families_by_handle.get(group.handle or "", set())
            in_store = [p for family in families for p in self.index.by_family[family]]
            if f.OPTION_NAMES[0] not in self.present and any(p.options for p in in_store):
                separated.append(group)
                continue
            keeper = next(
                (m for m in group.members if m.existing and m.existing.family_id in families),
                group.members[0],
            )
            separated.append(group)
            for member in [m for m in group.members if m is not keeper]:
                inherit(member.rows[0], keeper.rows[0])
                # A product of the store stays under the file's handle, where `_family`
                # says what is wrong with it (another family's, or a variant's).
                new = member.existing is None
                separated.append(
                    Group(
                        handle=None if new else group.handle,
                        rows=member.rows,
                        members=[member],
                        base_handle=group.handle if new else None,
                    )
                )
            group.members = [keeper]
        self.groups = separated

    def _match(self, member: Member, claimed: dict[uuid.UUID, int]) -> bool:
        """Find the product the row updates, if any; False (with an error) when it cannot be."""
        v, number = member.values, member.number
        given_id, sku = v.get(f.ID), v.get(f.SKU)
        found: Existing | None = None
        if given_id:
            found = self.index.by_id.get(given_id)
            if found is None:
                member.id = given_id
        elif sku:
            found = self.index.by_sku.get(sku)
        if found is not None and found.deleted:
            column = f.ID if given_id else f.SKU
            self.report.error(
                number,
                column,
                _("This product was deleted; remove its id to create it again, with another SKU."),
            )
            return False
        if found is not None:
            if found.id in claimed:
                self.report.error(
                    number,
                    f.ID if given_id else f.SKU,
                    _("Row {row} already updates this product.").format(row=claimed[found.id]),
                )
                return False
            claimed[found.id] = number
            member.existing = found
            member.id = found.id
        elif member.id in claimed:
            self.report.error(
                number, f.ID, _("Row {row} has the same id.").format(row=claimed[member.id])
            )
            return False
        else:
            claimed[member.id] = number
        if sku:
            holder = self.index.by_sku.get(sku)
            if holder is not None and holder.id != member.id:
                self.report.error(
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
        store_families = self.index.families_by_handle.get(group.handle or "", set())
        if group.handle is None:
            family_id = matched[0].existing.family_id if matched else None  # type: ignore[union-attr]
        elif len(store_families) > 1:
            self.report.error(
                first, f.HANDLE, _("Several products of the store share this handle.")
            )
            return
        else:
            family_id = next(iter(store_families), None)
        for member in matched:
            assert member.existing is not None
            if member.existing.family_id != family_id:
                self.report.error(
                    member.number,
                    f.HANDLE,
                    _(
                        "This product's handle is {handle}: an import cannot move a product "
                        "to another handle."
                    ).format(handle=member.existing.handle),
                )
        group.family_id = family_id
        group.family = self.index.by_family.get(family_id, []) if family_id else []
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
            self.report.error(first, f.HANDLE, _kind_change(store_kind, kind))
            return
        for member in group.members:
            if member.existing is None and kind == VARIANTS and not member.options_given:
                self.report.error(
                    member.number,
                    f.OPTION_NAMES[0],
                    _("This product has variants: give their variant options."),
                )
            if member.existing is None and store_kind != VARIANTS:
                self.report.error(
                    member.number,
                    f.HANDLE,
                    _(
                        "The handle {handle} is already used by the product {sku}: give its "
                        "id or SKU to update it, or choose another handle."
                    ).format(handle=group.handle, sku=in_store.sku),
                )
        group.kind = kind

    # -- families ------------------------------------------------------------------------

    def _variants(self, group: Group) -> None:
        """The same option names on every row, in the family's order; no two variants alike."""
        expected: list[str] | None = None
        if group.family and group.family[0].options:
            expected = [
                self.store.attribute_names.get(a, "") for a, _value in group.family[0].options
            ]
        # Options already taken: by a row (its number) or a product not in the file (its SKU).
        seen: dict[tuple[str, ...], int | str] = {}
        in_file = {m.id for m in group.members}
        for product in group.family:
            if product.id not in in_file:
                seen[tuple(value.casefold() for _a, value in product.options)] = product.sku
        folded: list[str] = [n.casefold() for n in expected] if expected else []
        kept: list[Member] = []
        for member in group.members:
            v = member.values
            names = [str(v[c]) for c in f.OPTION_NAMES if v.get(c)]
            if not names:
                kept.append(member)
                continue
            values = [str(v[c]) for c in f.OPTION_VALUES if v.get(c)]
            if expected is None:
                expected, folded = names, [n.casefold() for n in names]
            if [n.casefold() for n in names] != folded:
                self.report.error(
                    member.number,
                    f.OPTION_NAMES[0],
                    _("The variant options of this family are {names}.").format(
                        names=" / ".join(expected)
                    ),
                )
                kept.append(member)
                continue
            key = tuple(value.casefold() for value in values)
            other = seen.get(key)
            if other is not None:
                # Two variants alike cannot both be sold: the first is kept.
                other_text = (
                    _("row {row}").format(row=other)
                    if isinstance(other, int)
                    else _("the product {sku}").format(sku=other)
                )
                message = _("This variant has the same options as {other}: it is skipped.").format(
                    other=other_text
                )
                self.report.warning(member.number, f.OPTION_VALUES[0], message)
                continue
            seen[key] = member.number
            kept.append(member)
            options = [
                (
                    self.fields.entity(
                        VariantAttribute, name, row=member.number, column=f.OPTION_NAMES[position]
                    ),
                    value,
                )
                for position, (name, value) in enumerate(zip(expected, values, strict=True))
            ]
            member.options = [(a, value) for a, value in options if a is not None]
        group.members = kept

    def _unique_skus(self, members: list[Member]) -> None:
        first: dict[str, int] = {}
        for member in members:
            sku = member.sku
            if sku is None:
                continue
            if sku in first:
                self.report.error(
                    member.number,
                    f.SKU,
                    _("The SKU {sku} is already on row {row}.").format(sku=sku, row=first[sku]),
                )
            else:
                first[sku] = member.number

    def _new_handles(self) -> None:
        """Handles and family ids of new families; a file without handles gets them made."""
        used = set(self.index.families_by_handle) | {g.handle for g in self.groups if g.handle}
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
                name = str(group.members[0].target.get("name") or "")
                wanted.append((group, group.base_handle or make_handle(name)))
        taken = _handles_in_store(self.session, {base for _g, base in wanted})
        for group, base in wanted:
            handle, suffix = base, 1
            while handle in used or handle in taken:
                suffix += 1
                if suffix % 50 == 2:  # the store's handles among the next 50, at once
                    taken |= _handles_in_store(
                        self.session, {_numbered(base, n) for n in range(suffix, suffix + 50)}
                    )
                handle = _numbered(base, suffix)
            used.add(handle)
            group.handle = handle
            for member in group.members:
                member.target["handle"] = handle
            if group.base_handle is not None:
                self.report.warning(
                    group.members[0].number,
                    f.HANDLE,
                    _(
                        "The rows of the handle {handle} have neither variant options nor "
                        "components: this one is a product of its own, with the handle {new}."
                    ).format(handle=group.base_handle, new=handle),
                )


def _numbered(base: str, number: int) -> str:
    """`base` followed by `number`, cut so that the handle stays within its column."""
    suffix = str(number)
    return base[: HANDLE_MAX_LENGTH - len(suffix)] + suffix


def _kind_change(store_kind: str, file_kind: str) -> str:
    if store_kind == COMPOSITE:
        return _("This product is a composite: give its components (composite_sku).")
    if file_kind == COMPOSITE:
        return _("An import cannot turn an existing product into a composite.")
    if store_kind == VARIANTS:
        return _("This product has variants: give their variant options.")
    return _("An import cannot give variants to an existing product without them.")


def _handles_in_store(session: Session, handles: set[str]) -> set[str]:
    found: set[str] = set()
    for part in chunks(sorted(handles)):
        found.update(
            session.scalars(
                select(Product.handle).where(Product.handle.in_(part), Product.deleted_at.is_(None))
            )
        )
    return found
