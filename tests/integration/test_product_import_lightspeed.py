"""A real Lightspeed X-Series export imports in one go (issue 9): what Lightspeed writes as it
is (composites in its layout, negative stock, Default Tax, long values, deposits, odd
variants, broken rows) is imported, with warnings where the data is odd."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from sqlalchemy import select

from comptoir.catalog.models import ProductComponent, Tag
from comptoir.catalog.transfer.service import Status
from comptoir.inventory import service as inventory
from comptoir.io import read_table
from comptoir.store import service as store
from tests.factories import Store, make_product, make_sale
from tests.integration.lightspeed_export import OUTLETS, lightspeed_export, make_lightspeed_store
from tests.integration.product_files import (
    counts,
    csv_bytes,
    english,  # noqa: F401 - autouse: messages in English
    export_of,
    messages,
    products,
    run,
    stock,
    warnings,
)

COMPOSITE_HEADER = [
    "id",
    "handle",
    "sku",
    "composite_handle",
    "composite_sku",
    "composite_quantity",
    "name",
    "retail_price",
]


def new_id() -> str:
    return str(uuid.uuid4())


# -- the whole export --------------------------------------------------------------------


def test_a_real_export_imports_in_one_go_with_warnings_and_exports_back_unchanged(
    shop: Store,
) -> None:
    make_lightspeed_store(shop)
    export = lightspeed_export()
    assert 1100 <= export.rows <= 1300
    outcome = run(shop.db, export.data, filename="export.csv")
    assert (outcome.status, messages(outcome)) == (Status.WARNINGS, [])
    assert counts(shop.db) == (0, 0, 0)
    assert outcome.error_file is not None  # the file with its warnings, to fix instead

    outcome = run(shop.db, export.data, filename="export.csv", accept_warnings=True)
    assert outcome.status is Status.IMPORTED, messages(outcome)
    assert outcome.summary.created == export.products
    found = products(shop.db)
    assert len(found) == export.products
    assert export.duplicate_sku not in found
    assert found[export.long_sku].handle == "h" * 255
    assert found[export.deposit_sku].price_including_tax == Decimal("-0.20")
    for sku, lines in export.composites.items():
        # In the order of their rows, scattered through the file.
        assert {(c.component.sku, c.quantity) for c in found[sku].components} == {
            (component, quantity) for _line, component, quantity in lines
        }
    with shop.db.read_sessions() as session:
        line_ids = set(session.scalars(select(ProductComponent.id)))
    assert line_ids == {line for lines in export.composites.values() for line, _s, _q in lines}

    first = export_of(shop.db)
    again = run(shop.db, first, filename="catalog.csv")
    assert (again.status, again.warnings) == (Status.IMPORTED, [])
    assert (again.summary.created, again.summary.updated) == (0, 0)
    assert again.summary.unchanged == export.products
    assert export_of(shop.db) == first


def test_the_warnings_of_a_real_export_say_what_was_odd(shop: Store) -> None:
    make_lightspeed_store(shop)
    export = lightspeed_export()
    found = warnings(run(shop.db, export.data))
    negative_counts = {
        column: message for row, column, message in found if "negative stock count" in message
    }
    assert negative_counts == {
        column: f"{count} products have a negative stock count (sold before they were "
        "counted): they are imported as they are."
        for column, count in export.negative_counts.items()
    }
    assert len(negative_counts) == len(OUTLETS)
    negative_levels = {c: m for _r, c, m in found if "values are negative" in m}
    assert set(negative_levels) == set(export.negative_levels)
    broken = [(row, message) for row, _c, message in found if "broke the row" in message]
    assert broken == [
        (
            export.broken_row,
            f"Line {export.broken_line} of the file: 52 cells where the header has 51. A quote "
            "or a line break inside a cell (often an HTML description) broke the row. Mend it "
            "in the file, or continue anyway to import the file without it.",
        )
    ]
    assert not any(row is None and column is None for row, column, _m in found)


# -- composites ----------------------------------------------------------------------------


def test_component_rows_anywhere_in_the_file_with_ids_of_their_own_are_the_composites(
    shop: Store,
) -> None:
    cup_line, saucer_line, set_id = new_id(), new_id(), new_id()
    rows = [
        COMPOSITE_HEADER,
        [saucer_line, "set", "SET", "saucer", "SAUCER", "2", "Set", "15"],
        [new_id(), "cup", "CUP", "", "", "", "Cup", "4"],
        [set_id, "set", "SET", "", "", "", "Set", "15"],
        [new_id(), "saucer", "SAUCER", "", "", "", "Saucer", "3"],
        [cup_line, "set", "SET", "cup", "CUP", "1", "Set", "15"],
    ]
    outcome = run(shop.db, csv_bytes(rows))
    assert outcome.status is Status.IMPORTED, messages(outcome)
    assert outcome.summary.created == 3
    found = products(shop.db)
    composite = found["SET"]
    assert (str(composite.id), composite.is_composite) == (set_id, True)
    assert [(str(c.id), c.component.sku, c.quantity) for c in composite.components] == [
        (saucer_line, "SAUCER", 2),
        (cup_line, "CUP", 1),
    ]


def test_a_composite_is_exported_in_lightspeed_layout_and_imports_back_unchanged(
    shop: Store,
) -> None:
    line = new_id()
    rows = [
        COMPOSITE_HEADER,
        [new_id(), "cup", "CUP", "", "", "", "Cup", "4"],
        [new_id(), "set", "SET", "", "", "", "Set", "15"],
        [line, "set", "SET", "cup", "CUP", "3", "Set", "15"],
    ]
    assert run(shop.db, csv_bytes(rows)).status is Status.IMPORTED
    exported = export_of(shop.db)
    table = read_table(exported)
    cells = [dict(zip(table.header, row.cells, strict=False)) for row in table.rows]
    composite_id = str(products(shop.db)["SET"].id)
    own, component = [c for c in cells if c["sku"] == "SET"]
    assert (own["id"], own.get("composite_sku", ""), own["name"]) == (composite_id, "", "Set")
    assert {k: component.get(k, "") for k in COMPOSITE_HEADER} == {
        "id": line,
        "handle": "set",
        "sku": "SET",
        "composite_handle": "cup",
        "composite_sku": "CUP",
        "composite_quantity": "3",
        "name": "",
        "retail_price": "",
    }
    again = run(shop.db, exported)
    assert (again.status, again.summary.unchanged, again.summary.updated) == (
        Status.IMPORTED,
        2,
        0,
    )


def test_a_composite_without_a_handle_gathers_its_component_rows_by_its_sku(shop: Store) -> None:
    make_product(shop, sku="CUP")
    rows = [
        ["sku", "composite_sku", "composite_quantity", "name", "retail_price"],
        ["SET", "CUP", "2", "", ""],
        ["SET", "", "", "Set", "15"],
    ]
    outcome = run(shop.db, csv_bytes(rows))
    assert outcome.status is Status.IMPORTED, messages(outcome)
    composite = products(shop.db)["SET"]
    assert [(c.component.sku, c.quantity) for c in composite.components] == [("CUP", 2)]


def test_a_component_line_id_of_another_composite_is_not_taken_from_it(shop: Store) -> None:
    make_product(shop, sku="CUP")
    line = new_id()
    for sku in ("A", "B"):
        rows = [
            COMPOSITE_HEADER,
            [new_id(), sku.lower(), sku, "", "", "", sku, "9"],
            [line, sku.lower(), sku, "", "CUP", "1", "", ""],
        ]
        assert run(shop.db, csv_bytes(rows)).status is Status.IMPORTED
    found = products(shop.db)
    assert str(found["A"].components[0].id) == line
    assert str(found["B"].components[0].id) != line


def test_a_count_given_to_a_composite_is_ignored_with_a_warning(shop: Store) -> None:
    make_product(shop, sku="CUP")
    rows = [
        [*COMPOSITE_HEADER[1:], "inventory_Main"],
        ["set", "SET", "", "", "", "Set", "15", "4"],
        ["set", "SET", "", "CUP", "1", "", "", ""],
    ]
    outcome = run(shop.db, csv_bytes(rows), accept_warnings=True)
    assert outcome.status is Status.IMPORTED
    assert warnings(outcome) == [
        (
            2,
            "inventory_Main",
            "A composite has no stock of its own (its components' stock moves): the count "
            "was ignored.",
        )
    ]
    assert stock(shop.db, products(shop.db)["SET"]) == {}


# -- stock ---------------------------------------------------------------------------------


def test_negative_counts_are_imported_through_the_ledger_with_one_warning_counting_them(
    shop: Store,
) -> None:
    header = ["sku", "name", "retail_price", "inventory_Main"]
    data = csv_bytes(
        [header, ["A1", "A", "1", "-3"], ["A2", "B", "1", "-1"], ["A3", "C", "1", "2"]]
    )
    outcome = run(shop.db, data)
    assert (outcome.status, warnings(outcome)) == (
        Status.WARNINGS,
        [
            (
                None,
                "inventory_Main",
                "2 products have a negative stock count (sold before they were counted): "
                "they are imported as they are.",
            )
        ],
    )
    assert run(shop.db, data, accept_warnings=True).status is Status.IMPORTED
    found = products(shop.db)
    assert stock(shop.db, found["A1"]) == {shop.outlet.id: -3}
    with shop.db.read_sessions() as session:
        balance = inventory.ledger_balance(
            session, product_id=found["A1"].id, outlet_id=shop.outlet.id
        )
    assert balance == Decimal(-3)


def test_negative_reorder_values_are_ignored_with_a_warning_counting_them(shop: Store) -> None:
    header = ["sku", "name", "retail_price", "reorder_point_Main", "restock_level_Main"]
    data = csv_bytes([header, ["A1", "A", "1", "-1", "8"], ["A2", "B", "1", "-2", "-5"]])
    outcome = run(shop.db, data, accept_warnings=True)
    assert outcome.status is Status.IMPORTED
    assert warnings(outcome) == [
        (
            None,
            "reorder_point_Main",
            "2 values are negative: they were ignored (the settings are left as they are).",
        ),
        (
            None,
            "restock_level_Main",
            "1 value is negative: it was ignored (the setting is left as it is).",
        ),
    ]
    with shop.db.read_sessions() as session:
        levels = {
            level.product_id: (level.reorder_point, level.reorder_amount)
            for product in products(shop.db).values()
            for level in inventory.levels_of_product(session, product_id=product.id)
        }
    assert levels == {products(shop.db)["A1"].id: (None, 8)}


# -- cells ---------------------------------------------------------------------------------


@pytest.mark.parametrize("cell", ["bio, local,vegan", "bio;local;vegan", "bio; local; vegan"])
def test_tags_are_separated_by_commas_or_semicolons(shop: Store, cell: str) -> None:
    data = csv_bytes([["sku", "name", "retail_price", "tags"], ["A1", "A", "1", cell]])
    assert run(shop.db, data).status is Status.IMPORTED
    assert sorted(t.name for t in products(shop.db)["A1"].tags) == ["bio", "local", "vegan"]


def test_skus_and_handles_of_255_characters_are_kept_whole(shop: Store) -> None:
    sku, handle = "S" * 255, "h" * 255
    data = csv_bytes([["handle", "sku", "name", "retail_price"], [handle, sku, "A", "1"]])
    outcome = run(shop.db, data)
    assert outcome.status is Status.IMPORTED, messages(outcome)
    assert products(shop.db)[sku].handle == handle


def test_a_sku_over_255_characters_is_an_error(shop: Store) -> None:
    data = csv_bytes([["sku", "name", "retail_price"], ["S" * 256, "A", "1"]])
    assert messages(run(shop.db, data)) == [(2, "sku", "At most 255 characters.")]


def test_a_handle_made_from_a_long_name_stays_within_255_characters(shop: Store) -> None:
    make_product(shop, sku="FIRST", name="n" * 255)
    data = csv_bytes([["sku", "name", "retail_price"], ["A1", "n" * 255, "1"]])
    outcome = run(shop.db, data)
    assert outcome.status is Status.IMPORTED, messages(outcome)
    assert products(shop.db)["A1"].handle == "n" * 254 + "2"


def test_a_tag_over_200_characters_is_cut_with_a_warning(shop: Store) -> None:
    long = "t" * 210
    data = csv_bytes([["sku", "name", "retail_price", "tags"], ["A1", "A", "1", f"{long}; bio"]])
    outcome = run(shop.db, data, accept_warnings=True)
    assert outcome.status is Status.IMPORTED, messages(outcome)
    assert warnings(outcome) == [
        (2, "tags", "A tag has at most 200 characters: a longer one was cut.")
    ]
    with shop.db.read_sessions() as session:
        assert sorted(session.scalars(select(Tag.name))) == ["bio", "t" * 200]


def test_a_negative_retail_price_is_kept_with_a_warning_given_once(shop: Store) -> None:
    data = csv_bytes([["sku", "name", "retail_price"], ["DEP", "Consigne", "-0.20"]])
    outcome = run(shop.db, data)
    assert (outcome.status, warnings(outcome)) == (
        Status.WARNINGS,
        [(2, "retail_price", "A negative price (a deposit or a discount?): kept as it is.")],
    )
    assert run(shop.db, data, accept_warnings=True).status is Status.IMPORTED
    deposit = products(shop.db)["DEP"]
    assert (deposit.price_including_tax, deposit.price_excluding_tax) == (
        Decimal("-0.20"),
        Decimal("-0.16667"),
    )
    again = run(shop.db, data)  # the same price: nothing to warn about
    assert (again.status, again.warnings) == (Status.IMPORTED, [])


def test_default_tax_is_the_outlets_default_tax_else_the_stores(shop: Store) -> None:
    with shop.uow() as uow:
        gare = store.create_outlet(
            uow,
            fields=store.OutletFields(
                name="Gare", time_zone="Europe/Paris", default_tax_id=shop.reduced_tax.id
            ),
        )
    header = ["sku", "name", "retail_price", "outlet_tax_Main", "outlet_tax_Gare"]
    data = csv_bytes(
        [
            header,
            ["A1", "A", "10", "Default Tax", "default tax"],
            ["A2", "B", "10", "", "Default Tax"],
        ]
    )
    outcome = run(shop.db, data)
    assert outcome.status is Status.IMPORTED, messages(outcome)
    found = products(shop.db)
    # The outlets disagree: the product's own tax is the store's, Gare keeps its own.
    assert found["A1"].tax_id == shop.standard_tax.id
    assert found["A1"].tax_id_at(shop.outlet.id) == shop.standard_tax.id
    assert found["A1"].tax_id_at(gare.id) == shop.reduced_tax.id
    # Only Gare names one: it is the product's own.
    assert found["A2"].tax_id == shop.reduced_tax.id


def test_loyalty_columns_of_lightspeed_are_read_without_a_warning(shop: Store) -> None:
    header = ["sku", "name", "retail_price", "loyalty_value", "loyalty_value_default"]
    outcome = run(shop.db, csv_bytes([header, ["A1", "A", "1", "", "1"]]))
    assert (outcome.status, outcome.warnings) == (Status.IMPORTED, [])


def test_a_category_the_file_also_gives_subcategories_cannot_hold_its_products(
    shop: Store,
) -> None:
    header = ["sku", "name", "retail_price", "type"]
    data = csv_bytes([header, ["A1", "A", "1", "Mode"], ["A2", "B", "1", "Mode / Hauts"]])
    outcome = run(shop.db, data)
    assert messages(outcome) == [(2, "type", "Choose a category without subcategories.")]
    assert counts(shop.db) == (0, 0, 0)


def test_a_product_with_a_255_character_sku_and_handle_sells(shop: Store) -> None:
    sku, handle = "S" * 255, "h" * 255
    data = csv_bytes([["handle", "sku", "name", "retail_price"], [handle, sku, "Long", "10"]])
    assert run(shop.db, data).status is Status.IMPORTED
    product = products(shop.db)[sku]
    sale = make_sale(shop, [(product, 1)], total="10.00")
    (line,) = sale.lines
    assert (line.sku, line.handle) == (sku, handle)
