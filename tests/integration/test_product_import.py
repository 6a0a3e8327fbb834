"""Importing Lightspeed X-Series product files: what a row creates, how cells are read,
and files that are refused whole."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from comptoir.catalog import products as catalog
from comptoir.catalog.models import (
    Brand,
    Product,
    ProductType,
    Supplier,
    Tag,
    VariantAttribute,
)
from comptoir.catalog.transfer.service import IMPORTING, READING, Status
from comptoir.core import i18n
from comptoir.core.db import Database
from comptoir.inventory import service as inventory
from comptoir.inventory.models import InventoryLevel, InventoryMovement
from comptoir.io import read_table
from comptoir.store import service as store
from tests.factories import Store, make_product
from tests.integration.product_files import (
    VARIANT_HEADER,
    counts,
    csv_bytes,
    english,  # noqa: F401 - autouse: messages in English
    messages,
    products,
    run,
    stock,
    warnings,
    xls_bytes,
    xlsx_bytes,
)

FULL_HEADER = [
    "handle",
    "sku",
    "name",
    "description",
    "type",
    "tags",
    "supply_price",
    "retail_price",
    "tax",
    "account_code",
    "account_code_purchase",
    "brand_name",
    "supplier_name",
    "supplier_code",
    "active",
    "track_inventory",
    "inventory_Main",
    "reorder_point_Main",
    "restock_level_Main",
]


def test_a_row_creates_a_product_with_every_field_and_its_opening_stock(shop: Store) -> None:
    data = csv_bytes(
        [
            FULL_HEADER,
            [
                "cafe-creme",
                "CC-250",
                "Café crème 250 g",
                "<p>Torréfié <b>à Paris</b></p>",
                "Épicerie",
                "bio, café, Bio",
                "4.10",
                "8.90",
                "VAT 5.5%",
                "700",
                "600",
                "Maison Dupré",
                "Torréfaction Lenoir",
                "LEN-42",
                "1",
                "yes",
                "12",
                "3",
                "24",
            ],
        ]
    )
    outcome = run(shop.db, data)
    assert outcome.status is Status.IMPORTED, messages(outcome)
    assert (outcome.summary.created, outcome.summary.families_created) == (1, 1)
    product = products(shop.db)["CC-250"]
    assert (product.handle, product.name) == ("cafe-creme", "Café crème 250 g")
    assert product.description == "<p>Torréfié <b>à Paris</b></p>"  # HTML kept as given
    assert product.price_including_tax == Decimal("8.90")
    assert product.price_excluding_tax == Decimal("8.43602")  # 8.90 / 1.055
    assert product.supply_price == Decimal("4.10")
    assert product.tax_id == shop.reduced_tax.id
    assert (product.account_code, product.account_code_purchase) == ("700", "600")
    assert product.supplier_code == "LEN-42"
    assert product.active and product.has_inventory and not product.is_composite
    assert product.family_id == product.id
    assert product.search_text == "cafe creme 250 g cc 250 cafe creme"
    assert sorted(t.name for t in product.tags) == ["bio", "café"]
    with shop.db.read_sessions() as session:
        assert session.get(Brand, product.brand_id).name == "Maison Dupré"  # type: ignore[union-attr]
        assert session.get(Supplier, product.supplier_id).name == "Torréfaction Lenoir"  # type: ignore[union-attr]
        assert session.get(ProductType, product.product_type_id).name == "Épicerie"  # type: ignore[union-attr]
        (level,) = inventory.levels_of_product(session, product_id=product.id)
        assert (level.count, level.reorder_point, level.reorder_amount) == (12, 3, 24)
        assert inventory.ledger_balance(
            session, product_id=product.id, outlet_id=shop.outlet.id
        ) == Decimal(12)


def test_names_of_brands_suppliers_types_and_tags_reuse_existing_ones_ignoring_case(
    shop: Store,
) -> None:
    header = ["sku", "name", "retail_price", "brand_name", "supplier_name", "type", "tags"]
    first = csv_bytes([header, ["A1", "A", "1", "Acme", "Dupont", "Thé", "Noël"]])
    assert run(shop.db, first).status is Status.IMPORTED
    second = csv_bytes(
        [header, ["B1", "B", "1", "ACME", "dupont", "thé", "noël, NEW"]],
    )
    outcome = run(shop.db, second)
    assert outcome.summary.new_entities == {"tags": 1}
    found = products(shop.db)
    assert found["A1"].brand_id == found["B1"].brand_id
    assert found["A1"].supplier_id == found["B1"].supplier_id
    assert found["A1"].product_type_id == found["B1"].product_type_id
    with shop.db.read_sessions() as session:
        assert sorted(session.scalars(select(Tag.name))) == ["NEW", "Noël"]
        assert session.scalars(select(Brand.name)).all() == ["Acme"]


def test_product_category_of_newer_exports_names_the_product_type(shop: Store) -> None:
    data = csv_bytes(
        [
            ["sku", "name", "retail_price", "type", "product_category", "composite_name"],
            ["A1", "A", "1", "", "Boissons", ""],
        ]
    )
    assert run(shop.db, data).status is Status.IMPORTED
    with shop.db.read_sessions() as session:
        assert session.scalars(select(ProductType.name)).all() == ["Boissons"]


def test_a_category_path_files_the_product_in_the_nested_category_made_once(shop: Store) -> None:
    header = ["sku", "name", "retail_price", "product_category"]
    first = csv_bytes([header, ["A1", "Boots", "90", "Vêtements / Chaussures"]])
    outcome = run(shop.db, first)
    assert outcome.status is Status.IMPORTED, messages(outcome)
    assert outcome.summary.new_entities == {"product_types": 1}
    again = run(shop.db, csv_bytes([header, ["B1", "Clogs", "40", "vêtements / chaussures"]]))
    assert again.summary.new_entities == {}
    found = products(shop.db)
    assert found["A1"].product_type_id == found["B1"].product_type_id
    with shop.db.read_sessions() as session:
        leaf = session.get(ProductType, found["A1"].product_type_id)
        assert leaf is not None and leaf.name == "Chaussures"
        parent = session.get(ProductType, leaf.parent_id)
        assert parent is not None and (parent.name, parent.parent_id) == ("Vêtements", None)


def test_a_category_with_subcategories_cannot_hold_products(shop: Store) -> None:
    header = ["sku", "name", "retail_price", "type"]
    assert run(shop.db, csv_bytes([header, ["A1", "Tea", "5", "Boissons / Thés"]])).status is (
        Status.IMPORTED
    )
    outcome = run(shop.db, csv_bytes([header, ["B1", "Water", "1", "Boissons"]]))
    assert messages(outcome) == [(2, "type", "Choose a category without subcategories.")]


def test_rows_sharing_a_handle_are_one_variant_family_whose_first_row_carries_the_common_fields(
    shop: Store,
) -> None:
    header = [
        "handle",
        "sku",
        "name",
        "brand_name",
        "variant_option_one_name",
        "variant_option_one_value",
        "variant_option_two_name",
        "variant_option_two_value",
        "retail_price",
        "inventory_Main",
    ]
    data = csv_bytes(
        [
            header,
            ["tee", "TEE-R-S", "T-shirt", "Acme", "Colour", "Red", "Size", "S", "20", "5"],
            ["tee", "TEE-R-M", "", "", "colour", "Red", "size", "M", "", "6"],
            ["tee", "TEE-B-S", "", "", "Colour", "Blue", "Size", "S", "22", ""],
        ]
    )
    outcome = run(shop.db, data)
    assert outcome.status is Status.IMPORTED, messages(outcome)
    assert (outcome.summary.created, outcome.summary.families_created) == (3, 1)
    family = products(shop.db)
    red_s, red_m, blue_s = family["TEE-R-S"], family["TEE-R-M"], family["TEE-B-S"]
    assert {p.family_id for p in family.values()} == {red_s.id}
    assert {p.handle for p in family.values()} == {"tee"}
    assert {p.name for p in family.values()} == {"T-shirt"}
    assert len({p.brand_id for p in family.values()}) == 1
    assert [(o.name, o.value) for o in red_m.variant_options] == [("Colour", "Red"), ("Size", "M")]
    assert red_m.variant_name == "T-shirt / Red / M"
    assert (red_m.price_including_tax, blue_s.price_including_tax) == (20, 22)
    assert stock(shop.db, red_m) == {shop.outlet.id: 6}
    assert stock(shop.db, blue_s) == {}
    with shop.db.read_sessions() as session:
        assert sorted(session.scalars(select(VariantAttribute.name))) == ["Colour", "Size"]


def test_a_composite_takes_one_row_per_component(shop: Store) -> None:
    cup = make_product(shop, sku="CUP", supply_price="2.00")
    header = [
        "handle",
        "sku",
        "name",
        "retail_price",
        "composite_handle",
        "composite_sku",
        "composite_quantity",
        "supply_price",
    ]
    data = csv_bytes(
        [
            header,
            ["saucer", "SAUCER", "Saucer", "3", "", "", "", "1.50"],
            ["set", "SET", "Cup and saucers", "15", "", "CUP", "1", ""],
            ["set", "SET", "", "", "saucer", "", "2,5", ""],
        ]
    )
    outcome = run(shop.db, data)
    assert outcome.status is Status.IMPORTED, messages(outcome)
    composite = products(shop.db)["SET"]
    assert composite.is_composite and not composite.has_inventory
    saucer = products(shop.db)["SAUCER"]
    assert [(c.component_id, c.quantity) for c in composite.components] == [
        (cup.id, 1),
        (saucer.id, Decimal("2.5")),
    ]
    # Its cost is its components' when the file gives none: 2.00 + 2.5 x 1.50.
    assert composite.supply_price == Decimal("5.75")


def test_rows_without_a_sku_get_generated_ones_skipping_skus_already_taken(shop: Store) -> None:
    make_product(shop, sku="1001")
    data = csv_bytes([["name", "retail_price"], ["A", "1"], ["B", "1"], ["C", "1"]])
    outcome = run(shop.db, data)
    assert outcome.status is Status.IMPORTED, messages(outcome)
    by_name = {p.name: p for p in products(shop.db).values()}
    assert [by_name[n].sku for n in "ABC"] == ["1000", "1002", "1003"]
    assert [by_name[n].handle for n in "ABC"] == ["a", "b", "c"]
    with shop.db.read_sessions() as session:
        assert store.get_retailer(session).sku_sequence_value == 1004


def test_a_handle_made_from_the_name_skips_the_numbered_ones_the_store_has(shop: Store) -> None:
    for handle in ("mug", "mug2"):
        with shop.uow() as uow:
            catalog.create_product(
                uow, new=catalog.NewProduct(name="Mug", price=Decimal("5"), handle=handle)
            )
    outcome = run(shop.db, csv_bytes([["sku", "name", "retail_price"], ["M3", "Mug", "5"]]))
    assert outcome.status is Status.IMPORTED, messages(outcome)
    assert products(shop.db)["M3"].handle == "mug3"


def test_a_row_without_a_sku_is_an_error_when_sku_generation_is_off(shop: Store) -> None:
    with shop.uow() as uow:
        retailer = store.get_retailer(uow.session)
        retailer.sku_sequence_enabled = False
        uow.commit()
    outcome = run(shop.db, csv_bytes([["name", "retail_price"], ["A", "1"]]))
    assert messages(outcome) == [(2, "sku", "A SKU is required (SKU generation is off).")]


def _same_product_file(encoding: str, delimiter: str) -> bytes:
    price = "2,50" if delimiter == ";" else "2.50"
    return csv_bytes(
        [["sku", "name", "retail_price", "inventory_Main"], ["C1", "Café crème", price, "4"]],
        delimiter=delimiter,
        encoding=encoding,
    )


SAME_ROWS: list[list[object]] = [
    ["sku", "name", "retail_price", "inventory_Main"],
    ["C1", "Café crème", 2.5, 4],
]


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("utf8.csv", _same_product_file("utf-8", ",")),
        ("bom.csv", _same_product_file("utf-8-sig", ",")),
        ("windows.csv", _same_product_file("cp1252", ",")),
        ("excel-fr.csv", _same_product_file("cp1252", ";")),
        ("excel-fr-utf8.csv", _same_product_file("utf-8-sig", ";")),
        ("book.xlsx", xlsx_bytes(SAME_ROWS)),
        ("book.xls", xls_bytes(SAME_ROWS)),
    ],
)
def test_csv_in_any_encoding_or_delimiter_xlsx_and_xls_import_the_same_product(
    shop: Store, filename: str, data: bytes
) -> None:
    outcome = run(shop.db, data, filename=filename)
    assert outcome.status is Status.IMPORTED, (messages(outcome), outcome.message)
    product = products(shop.db)["C1"]
    assert (product.name, product.price_including_tax) == ("Café crème", Decimal("2.50"))
    assert stock(shop.db, product) == {shop.outlet.id: 4}


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("12", Decimal("12")),
        ("12.5", Decimal("12.5")),
        ("12,5", Decimal("12.5")),
        ("0,125", Decimal("0.125")),
        ("1234.56", Decimal("1234.56")),
        ("1.234", Decimal("1.234")),  # a dot is never a thousands separator in fr or en
        (".5", Decimal("0.5")),
        ("0.00001", Decimal("0.00001")),
    ],
)
def test_amounts_are_read_exactly_with_a_dot_or_a_comma(
    shop: Store, cell: str, expected: Decimal
) -> None:
    data = csv_bytes([["sku", "name", "retail_price", "supply_price"], ["A1", "A", "1", cell]])
    outcome = run(shop.db, data)
    assert outcome.status is Status.IMPORTED, messages(outcome)
    assert products(shop.db)["A1"].supply_price == expected


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("1,234", "1,234 is ambiguous: write 1234 or 1.234."),
        ("1 234,56", "1 234,56: write numbers without thousands separators (1234.5)."),
        ("1.234,56", "1.234,56: write numbers without thousands separators (1234.5)."),
        ("1,234.56", "1,234.56: write numbers without thousands separators (1234.5)."),
        ("12.123456", "12.123456 has more than 5 decimal places."),
        ("12 €", "12 € is not a number."),
        ("1e3", "1e3 is not a number."),
        ("-3", "An amount cannot be negative."),
        ("99999999999999", "99999999999999 is too large."),
    ],
)
def test_bad_amounts_are_errors_naming_row_and_column(shop: Store, cell: str, message: str) -> None:
    header = ["sku", "name", "retail_price", "supply_price"]
    data = csv_bytes([header, ["A1", "A", "1", "1"], ["A2", "B", "1", cell]])
    outcome = run(shop.db, data)
    assert outcome.status is Status.ERRORS
    assert messages(outcome) == [(3, "supply_price", message)]
    assert counts(shop.db) == (0, 0, 0)


@pytest.mark.parametrize(
    ("cell", "active"),
    [("1", True), ("0", False), ("TRUE", True), ("false", False), ("Yes", True), ("no", False)],
)
def test_flags_accept_1_0_true_false_yes_no(shop: Store, cell: str, active: bool) -> None:
    data = csv_bytes([["sku", "name", "retail_price", "active"], ["A1", "A", "1", cell]])
    assert run(shop.db, data).status is Status.IMPORTED
    assert products(shop.db)["A1"].active is active


def test_a_flag_that_is_not_one_is_an_error(shop: Store) -> None:
    data = csv_bytes(
        [["sku", "name", "retail_price", "track_inventory"], ["A1", "A", "1", "maybe"]]
    )
    assert messages(run(shop.db, data)) == [
        (2, "track_inventory", "maybe: write 1 or 0 (or true/false, yes/no).")
    ]


def test_outlet_columns_match_outlet_names_ignoring_case_with_underscores_for_spaces(
    shop: Store,
) -> None:
    with shop.uow() as uow:
        street = store.create_outlet(
            uow, fields=store.OutletFields(name="Rue de la Paix", time_zone="Europe/Paris")
        )
    data = csv_bytes(
        [
            [
                "sku",
                "name",
                "retail_price",
                "INVENTORY_rue_de_la_paix",
                "outlet_tax_Rue de la Paix",
            ],
            ["A1", "A", "1", "7", "VAT 5.5%"],
        ]
    )
    outcome = run(shop.db, data)
    assert outcome.status is Status.IMPORTED, messages(outcome)
    product = products(shop.db)["A1"]
    assert stock(shop.db, product) == {street.id: 7}
    # The one outlet tax given is the product's own tax.
    assert product.tax_id == shop.reduced_tax.id
    assert product.tax_id_at(street.id) == shop.reduced_tax.id


def test_an_outlet_tax_other_than_the_products_own_is_kept_for_that_outlet(shop: Store) -> None:
    data = csv_bytes(
        [
            ["sku", "name", "retail_price", "tax", "outlet_tax_Main"],
            ["A1", "A", "1", "VAT 20%", "vat 5.5%"],
        ]
    )
    assert run(shop.db, data).status is Status.IMPORTED
    product = products(shop.db)["A1"]
    assert product.tax_id == shop.standard_tax.id
    assert product.tax_id_at(shop.outlet.id) == shop.reduced_tax.id


def test_control_characters_are_removed_with_a_warning_and_line_breaks_kept_in_descriptions(
    shop: Store,
) -> None:
    data = csv_bytes(
        [
            ["sku", "name", "retail_price", "description"],
            ["A1", "Tea\x1a\x07 pot", "1", "a\r\nb\x0cc"],
        ]
    )
    outcome = run(shop.db, data)
    assert outcome.status is Status.WARNINGS
    assert warnings(outcome) == [
        (2, "description", "Control characters (invisible) were removed from this cell."),
        (2, "name", "Control characters (invisible) were removed from this cell."),
    ]
    assert run(shop.db, data, accept_warnings=True).status is Status.IMPORTED
    product = products(shop.db)["A1"]
    assert (product.name, product.description) == ("Tea pot", "a\r\nbc")


def test_nul_bytes_of_old_exports_are_removed(shop: Store) -> None:
    data = b"sku,name,retail_price\r\nA1,Te\x00a,1\r\n"
    outcome = run(shop.db, data, accept_warnings=True)
    assert outcome.status is Status.IMPORTED
    assert products(shop.db)["A1"].name == "Tea"
    assert warnings(outcome) == [(None, None, "1 NUL byte(s) were removed.")]


# Each malformed file gives a clear error and imports nothing (issue 4, point 9).
MALFORMED = [
    pytest.param(
        "latin.csv",
        b"sku,name,retail_price\r\nA1,Caf\xe9,1\r\nA2,Bad \x81\x8d bytes,1\r\n",
        [
            (
                3,
                "name",
                "This cell holds bytes that are not text: save the file as CSV UTF-8 "
                "(or .xlsx) and import it again.",
            )
        ],
        id="wrong encoding",
    ),
    pytest.param(
        "no-name.csv",
        b"sku,retail_price\r\nA1,1\r\n",
        [(None, "name", "This required column is missing.")],
        id="missing required column",
    ),
    pytest.param(
        "outlet.csv",
        b"sku,name,retail_price,inventory_Nowhere\r\nA1,A,1,3\r\n",
        [(None, "inventory_Nowhere", "Unknown outlet: Nowhere.")],
        id="unknown outlet",
    ),
    pytest.param(
        "dup.csv",
        b"sku,name,retail_price\r\nA1,A,1\r\nA2,B,1\r\nA1,C,1\r\n",
        [(4, "sku", "The SKU A1 is already on row 2.")],
        id="duplicate SKU",
    ),
    pytest.param(
        "tax.csv",
        b"sku,name,retail_price,outlet_tax_Main\r\nA1,A,1,GST\r\n",
        [(2, "outlet_tax_Main", "No tax is named GST (Settings > Taxes).")],
        id="unknown tax",
    ),
    pytest.param(
        "number.csv",
        b"sku,name,retail_price\r\nA1,A,douze\r\n",
        [(2, "retail_price", "douze is not a number.")],
        id="bad number",
    ),
]


@pytest.mark.parametrize(("filename", "data", "expected"), MALFORMED)
def test_a_malformed_file_is_refused_whole_with_its_errors_by_row_and_column(
    shop: Store, filename: str, data: bytes, expected: list[tuple[int | None, str, str]]
) -> None:
    make_product(shop, sku="KEEP")
    before = counts(shop.db)
    outcome = run(shop.db, data, filename=filename)
    assert outcome.status is Status.ERRORS
    assert messages(outcome) == expected
    assert counts(shop.db) == before
    # The error file is the same file with an `errors` column the user can fix and remove.
    assert outcome.error_file is not None and outcome.error_file_extension == "csv"
    table = read_table(outcome.error_file, filename="errors.csv")
    assert table.header[-1] == "errors"
    row, column, message = expected[0]
    cells = {r.number: r.cells[-1] for r in table.rows}
    assert cells[row or 2] == ("[file] " if row is None else "") + f"{column}: {message}"


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        pytest.param(
            "big.csv",
            b"sku,name,retail_price,description\r\nA1,A,1," + b"x" * (10 * 1024 * 1024) + b"\r\n",
            "Row 2, column D (description): the cell holds 10,485,760 characters; "
            "the limit is 32,767.",
            id="10 MB cell",
        ),
        pytest.param(
            "products.xlsx",
            b"sku,name,retail_price\r\nA1,A,1\r\n",
            "products.xlsx is not a valid Excel .xlsx workbook (it is not a zip archive). "
            "Save it again from your spreadsheet as .xlsx or CSV.",
            id="xlsx that is not a zip",
        ),
        pytest.param("empty.csv", b"", "The file is empty.", id="empty file"),
    ],
)
def test_an_unreadable_file_is_refused_with_a_clear_message(
    shop: Store, filename: str, data: bytes, message: str
) -> None:
    outcome = run(shop.db, data, filename=filename)
    assert (outcome.status, outcome.message) == (Status.UNREADABLE, message)
    assert counts(shop.db) == (0, 0, 0)


def test_one_bad_row_among_many_imports_nothing(shop: Store) -> None:
    rows = [["sku", "name", "retail_price", "inventory_Main"]]
    rows += [[f"S{n}", f"Product {n}", "1", "5"] for n in range(200)]
    rows.append(["S-last", "Last", "1", "x"])
    outcome = run(shop.db, csv_bytes(rows))
    assert outcome.status is Status.ERRORS
    assert messages(outcome) == [(202, "inventory_Main", "x is not a number.")]
    assert counts(shop.db) == (0, 0, 0)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        pytest.param(
            [["sku", "name", "retail_price", "colour"], ["A1", "A", "1", "red"]],
            [(None, "colour", "Unknown column; it was ignored.")],
            id="unknown column",
        ),
        pytest.param(
            [
                ["sku", "name", "retail_price", "active", "inventory_Main"],
                ["A1", "A", "1", "0", "4"],
            ],
            [(2, "inventory_Main", "This product is inactive but has stock.")],
            id="inactive with stock",
        ),
        pytest.param(
            [
                ["sku", "name", "retail_price", "track_inventory", "inventory_Main"],
                ["A1", "A", "1", "0", "4"],
            ],
            [
                (
                    2,
                    "inventory_Main",
                    "This product does not track its stock: the count was ignored.",
                )
            ],
            id="stock of a product without inventory",
        ),
    ],
)
def test_warnings_stop_the_import_until_the_user_continues_anyway(
    shop: Store, rows: list[list[str]], expected: list[tuple[int | None, str, str]]
) -> None:
    data = csv_bytes(rows)
    outcome = run(shop.db, data)
    assert (outcome.status, warnings(outcome)) == (Status.WARNINGS, expected)
    assert outcome.summary.created == 1
    assert counts(shop.db) == (0, 0, 0)
    assert run(shop.db, data, accept_warnings=True).status is Status.IMPORTED
    assert list(products(shop.db)) == ["A1"]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        pytest.param(
            [
                VARIANT_HEADER,
                ["tee", "T1", "Tee", "1", "Size", "S"],
                ["tee", "T2", "Tee", "1", "Colour", "Red"],
            ],
            [(3, "variant_option_one_name", "The variant options of this family are Size.")],
            id="variant option names differ",
        ),
        pytest.param(
            [
                [*VARIANT_HEADER, "variant_option_two_name", "variant_option_two_value"],
                ["tee", "T1", "Tee", "1", "", "", "Size", "S"],
            ],
            [
                (
                    2,
                    "variant_option_two_name",
                    "Fill the variant options in order: one, then two, then three.",
                )
            ],
            id="option two without option one",
        ),
        pytest.param(
            [
                ["handle", "sku", "name", "retail_price", "composite_sku", "composite_quantity"],
                ["set", "SET", "Set", "1", "NOPE", "1"],
            ],
            [(2, "composite_sku", "No product has the SKU NOPE.")],
            id="unknown component",
        ),
        pytest.param(
            [
                ["handle", "sku", "name", "retail_price", "composite_sku", "composite_quantity"],
                ["set", "SET", "Set", "1", "SET", "1"],
            ],
            [(2, "composite_sku", "A composite cannot contain itself.")],
            id="composite containing itself",
        ),
        pytest.param(
            [
                ["handle", "sku", "name", "retail_price", "composite_sku", "composite_quantity"],
                ["set", "SET", "Set", "1", "A", "0"],
            ],
            [(2, "composite_quantity", "A component's quantity must be more than 0.")],
            id="component quantity zero",
        ),
        pytest.param(
            [
                ["handle", "sku", "name", "retail_price", "composite_sku"],
                ["set", "SET", "Set", "1", "A"],
            ],
            [
                (
                    None,
                    "composite_quantity",
                    "This column is needed with composite_sku or composite_handle.",
                )
            ],
            id="components without quantities",
        ),
        pytest.param(
            [["sku", "name", "retail_price"], ["A1", "", "1"]],
            [(2, "name", "A new product needs a name.")],
            id="new product without a name",
        ),
        pytest.param(
            [["sku", "name", "retail_price"], ["A1", "A", ""]],
            [(2, "retail_price", "A new product needs a retail price (0 is allowed).")],
            id="new product without a price",
        ),
        pytest.param(
            [["id", "sku", "name", "retail_price"], ["not-a-uuid", "A1", "A", "1"]],
            [(2, "id", "not-a-uuid is not a product id.")],
            id="id that is not one",
        ),
    ],
)
def test_families_and_composites_that_do_not_hold_together_are_errors(
    shop: Store, rows: list[list[str]], expected: list[tuple[int | None, str, str]]
) -> None:
    outcome = run(shop.db, csv_bytes(rows))
    assert (outcome.status, messages(outcome)) == (Status.ERRORS, expected)
    assert counts(shop.db) == (0, 0, 0)


def test_progress_is_reported_for_each_phase_up_to_completion(shop: Store) -> None:
    seen: dict[str, list[tuple[int, int]]] = {}
    rows = [["sku", "name", "retail_price", "inventory_Main"]]
    rows += [[f"S{n}", f"Product {n}", "1", "2"] for n in range(2500)]
    from comptoir.catalog.transfer.service import import_products

    outcome = import_products(
        shop.db,
        csv_bytes(rows),
        filename="p.csv",
        progress=lambda phase, done, total: seen.setdefault(phase, []).append((done, total)),
    )
    assert outcome.status is Status.IMPORTED
    assert list(seen) == [READING, "validating", "checking", IMPORTING]
    for phase, steps in seen.items():
        dones = [done for done, _total in steps]
        assert dones == sorted(dones), phase
        assert steps[-1][0] == steps[-1][1] > 0, phase


def _levels_and_ledger(db: Database) -> dict[str, tuple[Decimal, Decimal | None, Decimal]]:
    """SKU -> (count, reorder point, sum of the ledger) at every level."""
    ledger = (
        select(
            InventoryMovement.product_id,
            InventoryMovement.outlet_id,
            func.sum(InventoryMovement.quantity).label("total"),
        )
        .group_by(InventoryMovement.product_id, InventoryMovement.outlet_id)
        .subquery()
    )
    query = (
        select(Product.sku, InventoryLevel.count, InventoryLevel.reorder_point, ledger.c.total)
        .join(InventoryLevel, InventoryLevel.product_id == Product.id)
        .outerjoin(
            ledger,
            (ledger.c.product_id == InventoryLevel.product_id)
            & (ledger.c.outlet_id == InventoryLevel.outlet_id),
        )
    )
    with db.read_sessions() as session:
        return {
            sku: (count, point, total or Decimal(0))
            for sku, count, point, total in session.execute(query)
        }


@pytest.mark.parametrize("rows", [300, 1200])  # 1200: PostgreSQL stages large upserts
def test_counts_given_become_the_stock_through_the_ledger_on_creation_and_on_update(
    shop: Store, db: Database, rows: int
) -> None:
    header = [*VARIANT_HEADER, "inventory_Main", "reorder_point_Main"]
    first = [["h", f"S{n}", "Tee", "1", "Size", str(n), str(n % 7), "2"] for n in range(rows)]
    assert run(db, csv_bytes([header, *first])).status is Status.IMPORTED
    second = [["h", f"S{n}", "", "", "Size", str(n), str(n % 5), "3"] for n in range(rows)]
    assert run(db, csv_bytes([header, *second])).status is Status.IMPORTED
    found = _levels_and_ledger(db)
    expected = {f"S{n}": (Decimal(n % 5), Decimal(3), Decimal(n % 5)) for n in range(rows)}
    # A product whose count was 0 twice has a level only for its reorder point.
    assert found == expected


def test_messages_are_written_in_the_language_of_the_user_importing(shop: Store) -> None:
    token = i18n.set_locale("fr")
    try:
        outcome = run(shop.db, csv_bytes([["sku", "name", "retail_price"], ["A1", "A", "douze"]]))
    finally:
        i18n._current.reset(token)
    assert messages(outcome) == [(2, "retail_price", "douze n’est pas un nombre.")]
