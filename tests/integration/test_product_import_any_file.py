"""Any cell, any row, never a crash (issue 9): random Lightspeed-shaped files go through the
whole import (reading, checking against the store, writing) and every outcome is an import,
errors or warnings with their file, or an unreadable file with its reason; a file that is
not imported changes nothing."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comptoir.catalog.transfer.service import Status
from tests.conftest import BACKEND
from tests.factories import Store, make_product
from tests.integration.product_files import clear_catalog, counts, csv_bytes, export_of, run

IDS = [str(uuid.UUID(int=n, version=4)) for n in range(1, 5)]
SKUS = [*(f"S{n}" for n in range(1, 25)), "CUP", "7" * 255]
HANDLES = ["h1", "h2", "tee", "cup", "h" * 255]
OPTION_NAMES = ["Size", "Colour", "size", "Option 1"]
OPTION_VALUES = ["S", "M", "s", "Rouge"]
TAXES = ["VAT 20%", "vat 5.5%", "Default Tax", "", ""]

# Any text: quotes, separators, line breaks, control characters, NUL, accents, emoji.
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
ODD = st.one_of(
    TEXT,
    st.sampled_from(["8" * 256, "-1", "0", "1,234", "1e3", "99999999999999", "maybe", " / "]),
    st.integers(min_value=-(10**13), max_value=10**13).map(str),
)
AMOUNT = st.decimals(min_value=-5, max_value=500, places=2).map(str)
COUNT = st.integers(min_value=-3, max_value=40).map(str)


def cell(*choices: str | st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Empty or one of the plausible values."""
    return st.one_of(
        st.just(""), *(c if isinstance(c, st.SearchStrategy) else st.just(c) for c in choices)
    )


# Plausible cells: mostly right, sometimes odd in the ways Lightspeed exports are.
COLUMNS: dict[str, st.SearchStrategy[str]] = {
    "id": cell(st.uuids().map(str), st.sampled_from(IDS)),
    "handle": cell(st.sampled_from(HANDLES)),
    "sku": st.sampled_from(SKUS),
    "name": st.sampled_from(["Tee", "Mug", "n" * 255]),
    "description": cell('<p class="x">a, b</p>', "<p>l’été\n€ 5</p>", '"', "a\r\nb"),
    "type": cell("Mode / Hauts", "Mode", "Maison"),
    "variant_option_one_name": cell(st.sampled_from(OPTION_NAMES)),
    "variant_option_one_value": cell(st.sampled_from(OPTION_VALUES)),
    "variant_option_two_name": cell(st.sampled_from(OPTION_NAMES)),
    "variant_option_two_value": cell(st.sampled_from(OPTION_VALUES)),
    "tags": cell("bio, local", "a;b; c", "t" * 250, ";,;"),
    "supply_price": cell(st.decimals(min_value=0, max_value=500, places=2).map(str)),
    "retail_price": AMOUNT,
    "tax": st.sampled_from(TAXES),
    "outlet_tax_Main": st.sampled_from(TAXES),
    "brand_name": cell("Acme", "acme"),
    "supplier_name": cell("Dupont"),
    "active": cell("1", "0", "yes", "FALSE"),
    "track_inventory": cell("1", "0"),
    "inventory_Main": cell(COUNT),
    "reorder_point_Main": cell(COUNT),
    "restock_level_Main": cell(COUNT),
    "loyalty_value": cell(AMOUNT),
}
COMPONENT = ("composite_handle", "composite_sku", "composite_quantity")
BASE = ["handle", "sku", "name", "retail_price"]
# Columns that refuse the whole file (an outlet the store does not have) or warn (unknown).
ODD_COLUMNS = ["inventory_Nowhere", "colour"]


@st.composite
def lightspeed_files(draw: st.DrawFn) -> bytes:
    """A header of Lightspeed's columns in any order and up to 10 rows of plausible cells;
    one file in three has odd cells anywhere, one in ten an odd column, one in five a
    broken row."""
    chaos = draw(st.integers(min_value=0, max_value=2)) == 0
    others = [c for c in COLUMNS if c not in BASE]
    names = [*BASE, *draw(st.lists(st.sampled_from(others), min_size=4, max_size=16, unique=True))]
    if draw(st.booleans()):
        names.extend(COMPONENT)
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        names.append(draw(st.sampled_from(ODD_COLUMNS)))
    names = list(draw(st.permutations(names)))
    rows: list[list[Any]] = [names]
    for _row in range(draw(st.integers(min_value=0, max_value=10))):
        row = {name: draw(COLUMNS.get(name, TEXT)) for name in names}
        if "composite_sku" in names and draw(st.booleans()):
            # A component row (Lightspeed's layout, or Comptoir's older one).
            row["composite_sku"] = draw(st.sampled_from(["CUP", *SKUS[:4]]))
            row["composite_handle"] = draw(cell(st.sampled_from(HANDLES)))
            row["composite_quantity"] = draw(st.sampled_from(["1", "2", "0.5"]))
        elif "composite_sku" in names:
            row.update(composite_sku="", composite_handle="", composite_quantity="")
        if not row.get("variant_option_one_name") and not row.get("variant_option_one_value"):
            row.pop("variant_option_two_name", None), row.pop("variant_option_two_value", None)
        if chaos:
            for name in names:
                if draw(st.integers(min_value=0, max_value=7)) == 0:
                    row[name] = draw(ODD)
        rows.append([row.get(name, "") for name in names])
    data = csv_bytes(rows, delimiter=draw(st.sampled_from([",", ";"])))
    if draw(st.integers(min_value=0, max_value=4)) == 0:
        # A row whose quotes were not doubled (extra cells), or an unclosed one.
        data += draw(st.sampled_from([b'S9,"<p class="x">a, b</p>",1\r\n', b'S9,"open,1\r\n']))
    if draw(st.booleans()):
        with contextlib.suppress(UnicodeEncodeError):  # then it stays UTF-8
            data = data.decode("utf-8").encode("cp1252")
    return data


@settings(
    max_examples=150 if BACKEND == "sqlite" else 60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=lightspeed_files(), accept_warnings=st.booleans())
def test_any_lightspeed_shaped_file_imports_or_says_why_never_crashes(
    shop: Store, data: bytes, accept_warnings: bool
) -> None:
    clear_catalog(shop.db)
    make_product(shop, sku="CUP")  # a product the files may name, update or hold
    before = counts(shop.db)
    outcome = run(shop.db, data, accept_warnings=accept_warnings)
    assert outcome.status is not Status.FAILED, outcome.message
    if outcome.status is Status.IMPORTED:
        # The same file again, now over the products it made: never a crash either.
        assert run(shop.db, data, accept_warnings=True).status is not Status.FAILED
        # And the export of what it made imports back changing nothing.
        exported = export_of(shop.db)
        again = run(shop.db, exported)
        assert (again.status, again.warnings, again.errors) == (Status.IMPORTED, [], [])
        assert (again.summary.created, again.summary.updated) == (0, 0)
        assert export_of(shop.db) == exported
        return
    assert counts(shop.db) == before
    if outcome.status is Status.UNREADABLE:
        assert outcome.message
    elif outcome.status is Status.ERRORS:
        assert outcome.errors and outcome.error_file
    else:
        assert outcome.status is Status.WARNINGS and not accept_warnings
        assert outcome.warnings and outcome.error_file
