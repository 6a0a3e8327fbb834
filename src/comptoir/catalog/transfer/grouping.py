"""From rows to families: which rows make one product, one variant family or one composite.

Rows sharing a `handle` are one family (a row without one is a family of its own, but the
rows of a composite without a handle share its SKU):

- **a variant family**: one row per variant, each with its variant options. Empty common
  cells (name, description, prices...) take the family's first row's. Odd options are
  settled with a warning rather than refused: a value without its option's name takes the
  name the family's other rows give it ("Option 1" when none does); an option name that no
  row of the family gives a value is left out; a variant without a value the others have
  gets "Not set". Two variants alike: the second is skipped (`plan.Planner._variants`).
- **a composite**: its own row, and one row per component repeating its handle and SKU and
  naming the component (`composite_handle`/`composite_sku`, `composite_quantity`), anywhere
  in the file, each with an `id` of its own (Lightspeed's layout: the id of that line of
  the composite). Comptoir's older exports put the first component on the composite's own
  row and repeat its id: read too.
- **rows sharing a handle without options or components**: not a family Comptoir can make.
  The planner keeps one under the handle and makes each other row a product of its own,
  with a warning (`plan.Planner._separate`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from comptoir.catalog.transfer import format as f
from comptoir.catalog.transfer.fields import COMPOSITE, STANDARD, VARIANTS, Member
from comptoir.catalog.transfer.lookup import Existing
from comptoir.core.i18n import gettext_ as _
from comptoir.io import ParsedRow, Report

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


@dataclass
class Group:
    handle: str | None
    rows: list[ParsedRow]
    kind: str = STANDARD
    members: list[Member] = field(default_factory=list)
    family_id: uuid.UUID | None = None
    family: list[Existing] = field(default_factory=list)  # the live members in the store
    # Rows sharing a handle without options or components (see `plan.Planner._separate`).
    loose: bool = False
    # A product made a family of its own out of loose rows: its handle is made from this one.
    base_handle: str | None = None


def names_component(values: dict[str, Any]) -> bool:
    return bool(values.get(f.COMPOSITE_SKU) or values.get(f.COMPOSITE_HANDLE))


def group_rows(rows: Sequence[ParsedRow], report: Report) -> list[Group]:
    """The families of the file, in the order of their first rows, with their members."""
    # A composite without a handle: its own row joins its component rows by its SKU.
    composite_skus = {
        str(row.values[f.SKU])
        for row in rows
        if not row.values.get(f.HANDLE) and names_component(row.values) and row.values.get(f.SKU)
    }
    by_key: dict[tuple[str, str], Group] = {}
    groups: list[Group] = []
    for row in rows:
        v = row.values
        handle, sku = v.get(f.HANDLE), v.get(f.SKU)
        if handle:
            key = ("handle", str(handle))
        elif sku and (names_component(v) or str(sku) in composite_skus):
            key = ("composite", str(sku))
        elif names_component(v) and v.get(f.ID):
            key = ("composite", str(v[f.ID]))
        else:
            key = ("row", str(row.number))
        group = by_key.get(key)
        if group is None:
            group = by_key[key] = Group(handle=handle or None, rows=[])
            groups.append(group)
        group.rows.append(row)
    for group in groups:
        _split(group, report)
    return groups


def _split(group: Group, report: Report) -> None:
    """The family's kind and its products."""
    first = group.rows[0]
    has_components = any(names_component(r.values) for r in group.rows)
    has_options = any(_has_options(r) for r in group.rows)
    # An option name without a value on a composite's rows says nothing: only values clash.
    if has_components and any(r.values.get(c) for r in group.rows for c in f.OPTION_VALUES):
        report.error(
            first.number, f.COMPOSITE_SKU, _("A product has variants or components, not both.")
        )
        return
    if has_components:
        _composite(group, report)
        return
    if has_options and _settle_options(group.rows, report):
        group.kind = VARIANTS
        for row in group.rows:
            inherit(row, first)
            group.members.append(Member(rows=[row], values=row.values))
        return
    group.members = [Member(rows=[row], values=row.values) for row in group.rows]
    group.loose = len(group.rows) > 1


def inherit(row: ParsedRow, first: ParsedRow) -> None:
    """Empty common cells of a family's row take its first row's values."""
    if row is first:
        return
    values = row.values
    for column in INHERITED:
        if column in values and _empty(values[column]):
            values[column] = first.values.get(column)


def _composite(group: Group, report: Report) -> None:
    """The composite's own row (the first not naming a component; in older files, the first
    row) and its component rows."""
    own = [r for r in group.rows if not names_component(r.values)]
    first = own[0] if own else group.rows[0]
    group.kind = COMPOSITE
    for row in own[1:]:
        report.error(
            row.number,
            f.COMPOSITE_SKU,
            _("Each row of a composite names one of its components."),
        )
    expected = first.values.get(f.SKU)
    parts = [r for r in group.rows if names_component(r.values) and r is not first]
    for row in parts:
        value = row.values.get(f.SKU)
        if value and expected and value != expected:
            report.error(
                row.number,
                f.SKU,
                _(
                    "The rows sharing a handle are one composite (a row per "
                    "component): this row has {value}, row {row} has {expected}."
                ).format(value=value, row=first.number, expected=expected),
            )
    group.members = [Member(rows=[first, *parts], values=first.values)]


def _has_options(row: ParsedRow) -> bool:
    return any(row.values.get(c) for c in (*f.OPTION_NAMES, *f.OPTION_VALUES))


def _settle_options(rows: Sequence[ParsedRow], report: Report) -> bool:
    """Every row of the family with a name and a value for each option the family uses, the
    options numbered from one without gaps; False when no option is left (a name without a
    value on every row)."""
    if _settled(rows):
        return True
    used: list[int] = []
    for position, (name_column, value_column) in enumerate(
        zip(f.OPTION_NAMES, f.OPTION_VALUES, strict=True)
    ):
        named = [r.values[name_column] for r in rows if r.values.get(name_column)]
        valued = any(r.values.get(value_column) for r in rows)
        family_name = named[0] if named else _("Option {number}").format(number=position + 1)
        for row in rows:
            _settle_option(row, name_column, value_column, family_name, valued, report)
        if valued:
            used.append(position)
    if used == list(range(len(used))):
        return bool(used)
    # An option left out before one that stays: the others move up (two becomes one...).
    for row in rows:
        options = [
            (row.values.get(f.OPTION_NAMES[p]), row.values.get(f.OPTION_VALUES[p])) for p in used
        ]
        options += [(None, None)] * (len(f.OPTION_NAMES) - len(options))
        for option, name_column, value_column in zip(
            options, f.OPTION_NAMES, f.OPTION_VALUES, strict=True
        ):
            row.values[name_column], row.values[value_column] = option
    return True


def _settled(rows: Sequence[ParsedRow]) -> bool:
    """Whether every row names and values the same options, one before two before three
    (most families): nothing to settle."""
    shape: tuple[bool, ...] | None = None
    for row in rows:
        values = row.values
        names = tuple(bool(values.get(c)) for c in f.OPTION_NAMES)
        if names != tuple(bool(values.get(c)) for c in f.OPTION_VALUES):
            return False
        if shape is None:
            if names not in ((True, False, False), (True, True, False), (True, True, True)):
                return False
            shape = names
        elif names != shape:
            return False
    return True


def _settle_option(
    row: ParsedRow,
    name_column: str,
    value_column: str,
    family_name: str,
    valued: bool,
    report: Report,
) -> None:
    """One option of one row: named as the family names it, valued "Not set" where the
    other variants have a value, left out where none has."""
    name, value = row.values.get(name_column), row.values.get(value_column)
    if name and value:
        return
    if value:
        row.values[name_column] = family_name
        message = _("A variant value without its option's name: the option is {name}.")
        report.warning(row.number, name_column, message.format(name=family_name))
    elif not valued:
        if name:
            row.values[name_column] = None
            message = _("The option {name} has no value: it was left out.")
            report.warning(row.number, value_column, message.format(name=name))
    else:
        placeholder = _("Not set")
        row.values[name_column], row.values[value_column] = name or family_name, placeholder
        message = _("This variant has no value for {name}: it was given {value}.")
        report.warning(
            row.number, value_column, message.format(name=name or family_name, value=placeholder)
        )


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []
