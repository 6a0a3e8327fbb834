"""Odd rows of a real Lightspeed export (issue 9): variants whose options are odd, rows
sharing a handle without options, and rows a quote broke. Each is imported with a warning
and a clear outcome, or skipped when continuing anyway."""

from __future__ import annotations

from comptoir.catalog.transfer.service import Status
from comptoir.core import i18n
from comptoir.io import read_table
from tests.factories import Store
from tests.integration.product_files import (
    VARIANT_HEADER,
    counts,
    csv_bytes,
    english,  # noqa: F401 - autouse: messages in English
    messages,
    products,
    run,
    warnings,
)

# -- odd variants --------------------------------------------------------------------------


def test_a_value_without_its_option_name_takes_the_familys_name_or_option_1(shop: Store) -> None:
    data = csv_bytes(
        [
            VARIANT_HEADER,
            ["tee", "T-S", "Tee", "10", "Size", "S"],
            ["tee", "T-M", "", "", "", "M"],
            ["mug", "MUG-B", "Mug", "5", "", "Blue"],
        ]
    )
    outcome = run(shop.db, data, accept_warnings=True)
    assert outcome.status is Status.IMPORTED, messages(outcome)
    assert warnings(outcome) == [
        (
            3,
            "variant_option_one_name",
            "A variant value without its option's name: the option is Size.",
        ),
        (
            4,
            "variant_option_one_name",
            "A variant value without its option's name: the option is Option 1.",
        ),
    ]
    found = products(shop.db)
    assert found["T-M"].variant_name == "Tee / M"
    assert [(o.name, o.value) for o in found["MUG-B"].variant_options] == [("Option 1", "Blue")]


def test_an_option_name_without_a_value_is_left_out_or_given_not_set(shop: Store) -> None:
    header = [*VARIANT_HEADER, "variant_option_two_name", "variant_option_two_value"]
    data = csv_bytes(
        [
            header,
            ["mug", "MUG", "Mug", "5", "Colour", "", "", ""],
            ["tee", "T-S", "Tee", "10", "Size", "S", "Fabric", ""],
            ["tee", "T-M", "", "", "Size", "M", "Fabric", ""],
            ["cap", "CAP-1", "Cap", "10", "Size", "S", "Colour", "Red"],
            ["cap", "CAP-2", "", "", "Size", "S", "Colour", ""],
        ]
    )
    outcome = run(shop.db, data, accept_warnings=True)
    assert outcome.status is Status.IMPORTED, messages(outcome)
    assert warnings(outcome) == [
        (2, "variant_option_one_value", "The option Colour has no value: it was left out."),
        (3, "variant_option_two_value", "The option Fabric has no value: it was left out."),
        (4, "variant_option_two_value", "The option Fabric has no value: it was left out."),
        (
            6,
            "variant_option_two_value",
            "This variant has no value for Colour: it was given Not set.",
        ),
    ]
    found = products(shop.db)
    assert found["MUG"].variant_options == []
    assert [o.value for o in found["T-M"].variant_options] == ["M"]
    assert found["CAP-2"].variant_name == "Cap / S / Not set"


def test_two_variants_alike_the_second_is_skipped_when_continuing_anyway(shop: Store) -> None:
    rows = [
        VARIANT_HEADER,
        ["tee", "T1", "Tee", "1", "Size", "S"],
        ["tee", "T2", "Tee", "1", "Size", "s"],
        ["tee", "T3", "Tee", "1", "Size", "M"],
    ]
    outcome = run(shop.db, csv_bytes(rows))
    assert (outcome.status, warnings(outcome)) == (
        Status.WARNINGS,
        [
            (
                3,
                "variant_option_one_value",
                "This variant has the same options as row 2: it is skipped.",
            )
        ],
    )
    assert outcome.summary.created == 2
    assert run(shop.db, csv_bytes(rows), accept_warnings=True).status is Status.IMPORTED
    assert sorted(products(shop.db)) == ["T1", "T3"]


def test_a_new_variant_alike_one_of_the_store_is_skipped(shop: Store) -> None:
    assert run(shop.db, csv_bytes([VARIANT_HEADER, ["tee", "T-S", "Tee", "10", "Size", "S"]]))
    rows = [
        VARIANT_HEADER,
        ["tee", "T-S2", "Tee", "10", "Size", "s"],
        ["tee", "T-M", "", "", "Size", "M"],
    ]
    outcome = run(shop.db, csv_bytes(rows), accept_warnings=True)
    assert warnings(outcome) == [
        (
            2,
            "variant_option_one_value",
            "This variant has the same options as the product T-S: it is skipped.",
        )
    ]
    assert sorted(products(shop.db)) == ["T-M", "T-S"]


def test_rows_sharing_a_handle_without_options_become_products_of_their_own(shop: Store) -> None:
    rows = [
        ["handle", "sku", "name", "retail_price"],
        ["pack", "P1", "Pack", "9"],
        ["pack", "P2", "", ""],
        ["pack", "P3", "Pack large", "12"],
    ]
    outcome = run(shop.db, csv_bytes(rows))
    assert (outcome.status, warnings(outcome)) == (
        Status.WARNINGS,
        [
            (
                row,
                "handle",
                "The rows of the handle pack have neither variant options nor components: this "
                f"one is a product of its own, with the handle {handle}.",
            )
            for row, handle in ((3, "pack2"), (4, "pack3"))
        ],
    )
    assert run(shop.db, csv_bytes(rows), accept_warnings=True).status is Status.IMPORTED
    found = products(shop.db)
    assert [(found[s].handle, found[s].name, found[s].price_including_tax) for s in found] == [
        ("pack", "Pack", 9),
        ("pack2", "Pack", 9),  # an empty cell takes the first row's, as a variant's does
        ("pack3", "Pack large", 12),
    ]
    assert len({p.family_id for p in found.values()}) == 3


# -- broken rows ---------------------------------------------------------------------------

HEADER = ["sku", "name", "description", "retail_price"]
# Line 3 holds a quoted line break; the broken row (line 4) has quotes that were not doubled.
BROKEN = (
    b"sku,name,description,retail_price\r\n"
    b'A1,Mug,"<p>Big\r\nmug</p>",5\r\n'
    b'A2,Bowl,"<p class="x">Deep, wide</p>",7\r\n'
    b"A3,Cup,<p>Small</p>,3\r\n"
)


def test_a_broken_row_is_named_by_its_line_and_skipped_when_continuing_anyway(
    shop: Store,
) -> None:
    outcome = run(shop.db, BROKEN)
    assert outcome.status is Status.WARNINGS
    assert warnings(outcome) == [
        (
            3,
            None,
            "Line 4 of the file: 5 cells where the header has 4. A quote or a line break inside "
            "a cell (often an HTML description) broke the row. Mend it in the file, or "
            "continue anyway to import the file without it.",
        )
    ]
    assert counts(shop.db) == (0, 0, 0)
    assert run(shop.db, BROKEN, accept_warnings=True).status is Status.IMPORTED
    assert sorted(products(shop.db)) == ["A1", "A3"]


def test_the_file_of_a_broken_row_keeps_every_cell_of_it_to_mend(shop: Store) -> None:
    outcome = run(shop.db, BROKEN)
    assert outcome.error_file is not None
    table = read_table(outcome.error_file)
    assert table.header == [*HEADER, "errors"]
    rows = {row.number: row.cells for row in table.rows}
    assert rows[2] == ("A1", "Mug", "<p>Big\r\nmug</p>", "5")
    *cells, message = rows[3]
    assert cells == ["A2", "Bowl", '<p class=x">Deep', ' wide</p>"', "7"]
    assert message.startswith("(warning) Line 4 of the file: 5 cells")


def test_an_unclosed_quote_that_swallows_lines_is_one_broken_row(shop: Store) -> None:
    data = (
        b"sku,name,description,retail_price\r\n"
        b'A1,Mug,"<p>Big,5\r\n'
        b"A2,Bowl,Deep,7\r\n"
        b'A3,"Cup",Small,3\r\n'
        b"A4,Plate,Flat,4\r\n"
        b"A5,Jug,Tall,6\r\n"
    )
    outcome = run(shop.db, data)
    assert [(r, m.split(":")[0]) for r, _c, m in warnings(outcome)] == [
        (2, "Lines 2 to 4 of the file")
    ]
    assert run(shop.db, data, accept_warnings=True).status is Status.IMPORTED
    assert sorted(products(shop.db)) == ["A4", "A5"]


def test_warnings_are_written_in_french_for_a_french_user(shop: Store) -> None:
    token = i18n.set_locale("fr")
    try:
        outcome = run(shop.db, BROKEN)
    finally:
        i18n._current.reset(token)
    assert warnings(outcome)[0][2].startswith("Ligne 4 du fichier : 5 cellules")
