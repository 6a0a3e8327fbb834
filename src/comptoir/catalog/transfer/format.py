"""The Lightspeed X-Series product spreadsheet: its columns and how each cell is read.

One row per product or variant; the rows of a variant family share a `handle`; a composite
takes one row per component (`composite_handle`/`composite_sku`, `composite_quantity`).
Outlet columns are `outlet_tax_<Outlet>`, `inventory_<Outlet>`, `reorder_point_<Outlet>` and
`restock_level_<Outlet>`, spaces in the outlet name written as underscores (matched without
regard to case). `tax` (the product's own tax, a Comptoir column), and the newer exports'
`product_category` and `composite_name` are read too; `loyalty_value` and
`loyalty_value_default` are accepted and ignored (Comptoir keeps no loyalty per product).

Cells are read strictly, so a wrong value is reported rather than guessed:
- amounts and quantities are exact decimals with a dot or a comma as the decimal separator
  and no thousands separator ("1,234" is refused as ambiguous: 1.234 or 1234?);
- flags are 1/0, true/false, yes/no (oui/non, vrai/faux);
- tags are separated by commas or semicolons; a tag longer than a tag name may be is cut
  (a warning);
- text is kept as given (HTML descriptions included: showing them safely is the pages' job),
  except control characters, which are removed with a warning.

What Lightspeed exports as it is, Comptoir takes with a warning rather than an error: a
negative retail price (deposits, discounts; `fields`), a negative stock count (sold past
zero; `stock`), odd variant options (`grouping`).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from comptoir.catalog.product_rules import HANDLE_MAX_LENGTH, SKU_MAX_LENGTH
from comptoir.core.i18n import N_
from comptoir.core.i18n import gettext_ as _
from comptoir.io import Column, ColumnPattern, ParsedRow, Report, Schema

MAX_AMOUNT = Decimal(10) ** 12
MAX_DECIMALS = 5
TAG_MAX_LENGTH = 200  # the tag table's name column

ID = "id"
HANDLE = "handle"
SKU = "sku"
COMPOSITE_HANDLE = "composite_handle"
COMPOSITE_SKU = "composite_sku"
COMPOSITE_QUANTITY = "composite_quantity"
COMPOSITE_NAME = "composite_name"
# Lightspeed columns Comptoir has no use for: read without a warning, then ignored.
IGNORED = ("loyalty_value", "loyalty_value_default")
NAME = "name"
DESCRIPTION = "description"
TYPE = "type"
PRODUCT_CATEGORY = "product_category"
OPTION_NAMES = (
    "variant_option_one_name",
    "variant_option_two_name",
    "variant_option_three_name",
)
OPTION_VALUES = (
    "variant_option_one_value",
    "variant_option_two_value",
    "variant_option_three_value",
)
TAGS = "tags"
SUPPLY_PRICE = "supply_price"
RETAIL_PRICE = "retail_price"
TAX = "tax"
ACCOUNT_CODE = "account_code"
ACCOUNT_CODE_PURCHASE = "account_code_purchase"
BRAND_NAME = "brand_name"
SUPPLIER_NAME = "supplier_name"
SUPPLIER_CODE = "supplier_code"
ACTIVE = "active"
TRACK_INVENTORY = "track_inventory"

OUTLET_TAX = "outlet_tax_"
INVENTORY = "inventory_"
REORDER_POINT = "reorder_point_"
RESTOCK_LEVEL = "restock_level_"
OUTLET_PREFIXES = (OUTLET_TAX, INVENTORY, REORDER_POINT, RESTOCK_LEVEL)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SINGLE_LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# What makes a cell worth a closer look: control characters, or bytes the decoder replaced.
_SUSPECT = re.compile(r"[\x00-\x1f\x7f\ufffd]")
_SUSPECT_MULTI_LINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
_TAG_SEPARATOR = re.compile(r"[,;]")
_NUMBER = re.compile(r"(?P<sign>-?)(?P<whole>\d*)(?:(?P<sep>[.,])(?P<fraction>\d+))?")
_GROUPED = re.compile(r"-?[\d\s\u00a0\u202f.,']*\d[\d\s\u00a0\u202f.,']*")
_TRUE = frozenset({"1", "true", "yes", "y", "oui", "vrai"})
_FALSE = frozenset({"0", "false", "no", "n", "non", "faux"})


def outlet_column(prefix: str, outlet_name: str) -> str:
    """The header of an outlet column: `inventory_Main_Street` for "Main Street"."""
    return prefix + outlet_name.replace(" ", "_")


def parse_decimal(text: str) -> Decimal:
    """An exact decimal, "12.50" or "12,50"; thousands separators are refused."""
    found = _NUMBER.fullmatch(text)
    if found is None or not (found["whole"] or found["fraction"]):
        if _GROUPED.fullmatch(text):
            raise ValueError(
                _("{value}: write numbers without thousands separators (1234.5).").format(
                    value=text
                )
            )
        raise ValueError(_("{value} is not a number.").format(value=text))
    whole, fraction = found["whole"], found["fraction"] or ""
    # "1,234" is 1.234 in French and 1234 in English: refuse rather than guess.
    if found["sep"] == "," and len(fraction) == 3 and whole not in ("", "0"):
        raise ValueError(
            _("{value} is ambiguous: write {thousands} or {decimal}.").format(
                value=text, thousands=whole + fraction, decimal=f"{whole}.{fraction}"
            )
        )
    if len(fraction) > MAX_DECIMALS:
        raise ValueError(
            _("{value} has more than {places} decimal places.").format(
                value=text, places=MAX_DECIMALS
            )
        )
    value = Decimal(f"{found['sign']}{whole or '0'}.{fraction or '0'}")
    if abs(value) >= MAX_AMOUNT:
        raise ValueError(_("{value} is too large.").format(value=text))
    return value if value else Decimal(0)


def _non_negative(what: str) -> Any:
    def parse(text: str) -> Decimal:
        value = parse_decimal(text)
        if value < 0:
            raise ValueError(_(what))
        return value

    return parse


parse_amount = _non_negative(N_("An amount cannot be negative."))


def parse_quantity(text: str) -> Decimal:
    value = parse_decimal(text)
    if value <= 0:
        raise ValueError(_("A component's quantity must be more than 0."))
    return value


def parse_flag(text: str) -> bool:
    word = text.casefold()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(_("{value}: write 1 or 0 (or true/false, yes/no).").format(value=text))


def parse_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError as exc:
        raise ValueError(_("{value} is not a product id.").format(value=text)) from exc


def _text(limit: int) -> Any:
    def parse(text: str) -> str:
        if len(text) > limit:
            raise ValueError(_("At most {limit} characters.").format(limit=limit))
        return text

    return parse


def parse_tags(text: str) -> list[str]:
    """The tags of a cell, "bio, local", "bio;local" or "bio; local": each once, as first
    written (their length is checked by `check_tags`, which may cut them)."""
    return _unique_tags(part.strip() for part in _TAG_SEPARATOR.split(text))


def _unique_tags(tags: Iterable[str]) -> list[str]:
    unique: dict[str, str] = {}
    for tag in tags:
        if tag:
            unique.setdefault(tag.casefold(), tag)
    return list(unique.values())


def check_tags(row: ParsedRow, report: Report) -> None:
    """Tags without control characters and no longer than a tag name may be: a longer one
    is cut (a warning) rather than refusing the file."""
    tags = row.values.get(TAGS)
    if not tags or (
        max(map(len, tags)) <= TAG_MAX_LENGTH and not _SINGLE_LINE_CONTROL.search("".join(tags))
    ):
        return  # most rows: nothing to do
    cleaned = [_SINGLE_LINE_CONTROL.sub("", tag).strip() for tag in tags]
    if cleaned != tags:
        message = _("Control characters (invisible) were removed from this cell.")
        report.warning(row.number, TAGS, message)
    if any(len(tag) > TAG_MAX_LENGTH for tag in cleaned):
        report.warning(
            row.number,
            TAGS,
            _("A tag has at most {limit} characters: a longer one was cut.").format(
                limit=TAG_MAX_LENGTH
            ),
        )
        cleaned = [tag[:TAG_MAX_LENGTH].rstrip() for tag in cleaned]
    row.values[TAGS] = _unique_tags(cleaned)


# Free text where a line break means something; every other column is one line.
_MULTI_LINE = frozenset({DESCRIPTION})


def clean_text(row: ParsedRow, report: Report) -> None:
    """Remove control characters (a warning) and refuse undecodable bytes (an error)."""
    values = row.values
    # Most rows have nothing to clean: one search over all their text says so.
    one_line = [
        value
        for name, value in values.items()
        if value.__class__ is str and name not in _MULTI_LINE
    ]
    one_line += [
        cell
        for value in values.values()
        if value.__class__ is dict
        for cell in value.values()
        if cell.__class__ is str
    ]
    multi_line = [values[name] for name in _MULTI_LINE if values.get(name).__class__ is str]
    if not _SUSPECT.search("".join(one_line)) and not _SUSPECT_MULTI_LINE.search(
        "".join(multi_line)
    ):
        return
    for name, value in values.items():
        if isinstance(value, str):
            suspect = _SUSPECT_MULTI_LINE if name in _MULTI_LINE else _SUSPECT
            if suspect.search(value):
                values[name] = _clean(row, report, name, value)
        elif isinstance(value, dict):
            for key, cell in value.items():
                if isinstance(cell, str) and _SUSPECT.search(cell):
                    column = outlet_column(name + "_", key)
                    value[key] = _clean(row, report, column, cell)


def _clean(row: ParsedRow, report: Report, column: str, value: str) -> str:
    if "\ufffd" in value:
        report.error(
            row.number,
            column,
            _(
                "This cell holds bytes that are not text: save the file as CSV UTF-8 "
                "(or .xlsx) and import it again."
            ),
        )
    pattern = _CONTROL if column in _MULTI_LINE else _SINGLE_LINE_CONTROL
    cleaned = pattern.sub("", value)
    if cleaned != value:
        report.warning(
            row.number, column, _("Control characters (invisible) were removed from this cell.")
        )
    return cleaned.strip()


def check_variant_cells(row: ParsedRow, report: Report) -> None:
    """Variant options one before two before three. An option with a name or a value but
    not both is the family's to settle (`grouping`): the row may be its only one."""
    seen_gap = False
    for name_column, value_column in zip(OPTION_NAMES, OPTION_VALUES, strict=True):
        name, value = row.values.get(name_column), row.values.get(value_column)
        if name or value:
            if seen_gap:
                report.error(
                    row.number,
                    name_column,
                    _("Fill the variant options in order: one, then two, then three."),
                )
        else:
            seen_gap = True


def check_component_cells(row: ParsedRow, report: Report) -> None:
    """A component row names its component and how many of it."""
    names_component = row.values.get(COMPOSITE_HANDLE) or row.values.get(COMPOSITE_SKU)
    quantity = row.values.get(COMPOSITE_QUANTITY)
    # A quantity that failed to parse is absent from `values` (its error is reported).
    if names_component and COMPOSITE_QUANTITY in row.values and quantity is None:
        report.error(row.number, COMPOSITE_QUANTITY, _("Give the quantity of this component."))
    if quantity is not None and not names_component:
        report.error(
            row.number,
            COMPOSITE_SKU,
            _("Name the component by its SKU (composite_sku) or handle (composite_handle)."),
        )


def product_schema(outlet_names: Sequence[str]) -> Schema:
    text_columns = [
        Column(HANDLE, parse=_text(HANDLE_MAX_LENGTH)),
        Column(SKU, parse=_text(SKU_MAX_LENGTH)),
        Column(COMPOSITE_HANDLE, parse=_text(HANDLE_MAX_LENGTH)),
        Column(COMPOSITE_SKU, parse=_text(SKU_MAX_LENGTH)),
        Column(COMPOSITE_NAME),
        Column(NAME, required=True, parse=_text(255)),
        Column(DESCRIPTION),
        Column(TYPE, parse=_text(200)),
        Column(PRODUCT_CATEGORY, parse=_text(200)),
        *(Column(name, parse=_text(100)) for name in (*OPTION_NAMES, *OPTION_VALUES)),
        Column(TAX, parse=_text(100)),
        Column(ACCOUNT_CODE, parse=_text(100)),
        Column(ACCOUNT_CODE_PURCHASE, parse=_text(100)),
        Column(BRAND_NAME, parse=_text(200)),
        Column(SUPPLIER_NAME, parse=_text(200)),
        Column(SUPPLIER_CODE, parse=_text(100)),
    ]
    return Schema(
        columns=[
            Column(ID, parse=parse_id),
            *text_columns,
            Column(COMPOSITE_QUANTITY, parse=parse_quantity),
            Column(TAGS, parse=parse_tags),
            Column(SUPPLY_PRICE, parse=parse_amount),
            Column(RETAIL_PRICE, parse=parse_decimal),
            Column(ACTIVE, parse=parse_flag),
            Column(TRACK_INVENTORY, parse=parse_flag),
            *(Column(name) for name in IGNORED),
        ],
        patterns=[
            ColumnPattern(
                OUTLET_TAX, "outlet_tax", parse=_text(100), keys=outlet_names, key_label="outlet"
            ),
            ColumnPattern(
                # Negative counts are kept, with a warning (`fields`).
                INVENTORY,
                "inventory",
                parse=parse_decimal,
                keys=outlet_names,
                key_label="outlet",
            ),
            # Negative ones are ignored, with a warning (`fields`).
            ColumnPattern(
                REORDER_POINT,
                "reorder_point",
                parse=parse_decimal,
                keys=outlet_names,
                key_label="outlet",
            ),
            ColumnPattern(
                RESTOCK_LEVEL,
                "restock_level",
                parse=parse_decimal,
                keys=outlet_names,
                key_label="outlet",
            ),
        ],
        row_checks=[
            clean_text,
            check_tags,
            check_variant_cells,
            check_component_cells,
        ],
        skip_broken_rows=True,
    )


def export_header(outlet_names: Sequence[str]) -> list[str]:
    """The columns an export writes, in X-Series' order (plus `tax`, the product's own)."""
    return [
        ID,
        HANDLE,
        SKU,
        COMPOSITE_HANDLE,
        COMPOSITE_SKU,
        COMPOSITE_QUANTITY,
        NAME,
        DESCRIPTION,
        TYPE,
        *(c for pair in zip(OPTION_NAMES, OPTION_VALUES, strict=True) for c in pair),
        TAGS,
        SUPPLY_PRICE,
        RETAIL_PRICE,
        TAX,
        *(outlet_column(OUTLET_TAX, outlet) for outlet in outlet_names),
        ACCOUNT_CODE,
        ACCOUNT_CODE_PURCHASE,
        BRAND_NAME,
        SUPPLIER_NAME,
        SUPPLIER_CODE,
        ACTIVE,
        TRACK_INVENTORY,
        *(
            outlet_column(prefix, outlet)
            for outlet in outlet_names
            for prefix in (INVENTORY, REORDER_POINT, RESTOCK_LEVEL)
        ),
    ]


def plain_decimal(value: Decimal, *, places: int = 0) -> Decimal:
    """A stored amount without its storage zeros, keeping at least `places` decimals:
    12.50000 -> 12.50 (places=2), 10.00000 -> 10, 1.25000 -> 1.25."""
    trimmed = value.normalize()
    exponent = trimmed.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -places:
        return value.quantize(Decimal(1).scaleb(-places))
    return trimmed
