"""Importing over an existing catalog: which product a row updates, what an update changes,
and the round trip export -> import -> export."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from comptoir.catalog import products as catalog
from comptoir.catalog.models import Brand, Product, Tag, VariantAttribute
from comptoir.catalog.transfer.service import Status
from comptoir.core.clock import utcnow
from comptoir.core.db import Database, open_database
from comptoir.customers import service as customers
from comptoir.inventory import service as inventory
from comptoir.inventory.models import InventoryLevel, InventoryMovement, MovementKind
from comptoir.io import read_table
from comptoir.migrate import upgrade_database
from comptoir.sales import service as sales
from comptoir.store import service as store
from tests.factories import Store, make_product, make_store, sale_input
from tests.integration.product_files import (
    VARIANT_HEADER,
    counts,
    csv_bytes,
    english,  # noqa: F401 - autouse: messages in English
    export_of,
    messages,
    products,
    run,
    stock,
)


def version_of(db: Database, sku: str) -> int:
    return products(db)[sku].version


def test_a_row_whose_sku_exists_updates_that_product_and_sets_its_stock_through_the_ledger(
    shop: Store,
) -> None:
    existing = make_product(shop, sku="A1", price="12.00", stock=10)
    data = csv_bytes(
        [["sku", "name", "retail_price", "inventory_Main"], ["A1", "Renamed", "15", "4"]]
    )
    outcome = run(shop.db, data)
    assert outcome.status is Status.IMPORTED, messages(outcome)
    assert (outcome.summary.created, outcome.summary.updated) == (0, 1)
    product = products(shop.db)["A1"]
    assert product.id == existing.id
    assert (product.name, product.price_including_tax) == ("Renamed", Decimal("15.00"))
    assert product.price_excluding_tax == Decimal("12.50000")
    assert product.search_text == "renamed a1 " + existing.handle
    assert product.version > existing.version
    assert stock(shop.db, product) == {shop.outlet.id: 4}
    with shop.db.read_sessions() as session:
        moves = session.scalars(
            select(InventoryMovement.quantity)
            .where(InventoryMovement.product_id == product.id)
            .order_by(InventoryMovement.created_at)
        ).all()
    assert moves == [10, -6]


def test_on_an_update_empty_cells_keep_the_essentials_and_clear_the_optional_fields(
    shop: Store,
) -> None:
    seeded = csv_bytes(
        [
            ["sku", "name", "retail_price", "description", "brand_name", "tags", "supplier_code"],
            ["A1", "Mug", "9", "Big", "Acme", "blue", "X-1"],
        ]
    )
    assert run(shop.db, seeded).status is Status.IMPORTED
    emptied = csv_bytes(
        [
            ["sku", "name", "retail_price", "description", "brand_name", "tags", "supplier_code"],
            ["A1", "", "", "", "", "", ""],
        ]
    )
    assert run(shop.db, emptied).status is Status.IMPORTED
    product = products(shop.db)["A1"]
    assert (product.name, product.price_including_tax) == ("Mug", 9)
    assert (product.description, product.brand_id, product.tags, product.supplier_code) == (
        None,
        None,
        [],
        None,
    )


def test_columns_missing_from_the_file_leave_their_fields_alone(shop: Store) -> None:
    seeded = csv_bytes(
        [
            ["sku", "name", "retail_price", "brand_name", "tags", "inventory_Main"],
            ["A1", "Mug", "9", "Acme", "blue", "5"],
        ]
    )
    assert run(shop.db, seeded).status is Status.IMPORTED
    assert run(shop.db, csv_bytes([["sku", "name", "retail_price"], ["A1", "", "11"]])).status is (
        Status.IMPORTED
    )
    product = products(shop.db)["A1"]
    assert product.price_including_tax == 11
    assert [t.name for t in product.tags] == ["blue"]
    assert product.brand_id is not None
    assert stock(shop.db, product) == {shop.outlet.id: 5}


def test_a_row_with_an_id_of_the_store_updates_that_product_even_its_sku(shop: Store) -> None:
    existing = make_product(shop, sku="OLD")
    data = csv_bytes([["id", "sku", "name", "retail_price"], [str(existing.id), "NEW", "", ""]])
    assert run(shop.db, data).status is Status.IMPORTED
    assert list(products(shop.db)) == ["NEW"]
    assert products(shop.db)["NEW"].id == existing.id


def test_an_id_the_store_does_not_know_creates_the_product_with_that_id(shop: Store) -> None:
    wanted = uuid.uuid4()
    data = csv_bytes([["id", "sku", "name", "retail_price"], [str(wanted), "A1", "Mug", "3"]])
    assert run(shop.db, data).status is Status.IMPORTED
    product = products(shop.db)["A1"]
    assert product.id == product.family_id == wanted


@pytest.mark.parametrize("by", ["id", "sku"])
def test_a_deleted_product_cannot_be_updated_or_its_sku_reused(shop: Store, by: str) -> None:
    existing = make_product(shop, sku="GONE")
    with shop.uow() as uow:
        uow.session.execute(
            update(Product).where(Product.id == existing.id).values(deleted_at=utcnow())
        )
        uow.commit()
    value = str(existing.id) if by == "id" else "GONE"
    outcome = run(shop.db, csv_bytes([[by, "name", "retail_price"], [value, "Back", "1"]]))
    assert messages(outcome) == [
        (2, by, "This product was deleted; remove its id to create it again, with another SKU.")
    ]


def test_a_sku_of_another_product_is_an_error(shop: Store) -> None:
    first, second = make_product(shop, sku="A1"), make_product(shop, sku="B1", name="Bowl")
    data = csv_bytes([["id", "sku", "name", "retail_price"], [str(first.id), "B1", "", ""]])
    outcome = run(shop.db, data)
    assert messages(outcome) == [(2, "sku", "The SKU B1 belongs to another product (Bowl).")]
    assert products(shop.db)["A1"].version == first.version
    assert products(shop.db)["B1"].version == second.version


def test_two_rows_updating_one_product_are_an_error(shop: Store) -> None:
    existing = make_product(shop, sku="A1")
    data = csv_bytes(
        [
            ["id", "sku", "name", "retail_price"],
            [str(existing.id), "", "X", ""],
            ["", "A1", "Y", ""],
        ]
    )
    assert messages(run(shop.db, data)) == [(3, "sku", "Row 2 already updates this product.")]


def test_a_new_variant_joins_the_existing_family_of_its_handle(shop: Store) -> None:
    first = csv_bytes([VARIANT_HEADER, ["tee", "T-S", "Tee", "10", "Size", "S"]])
    assert run(shop.db, first).status is Status.IMPORTED
    added = csv_bytes([VARIANT_HEADER, ["tee", "T-M", "Tee", "10", "size", "M"]])
    outcome = run(shop.db, added)
    assert outcome.status is Status.IMPORTED, messages(outcome)
    assert outcome.summary.families_created == 0
    family = products(shop.db)
    assert family["T-M"].family_id == family["T-S"].family_id == family["T-S"].id
    assert family["T-M"].variant_name == "Tee / M"
    with shop.db.read_sessions() as session:
        assert session.scalar(select(func.count()).select_from(VariantAttribute)) == 1


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            ["tee", "T-R", "Tee", "10", "Colour", "Red"],
            (2, "variant_option_one_name", "The variant options of this family are Size."),
        ),
        (
            ["tee", "T-X", "Tee", "10", "", ""],
            (2, "handle", "This product has variants: give their variant options."),
        ),
    ],
)
def test_a_new_variant_must_fit_its_existing_family(
    shop: Store, row: list[str], expected: tuple[int, str, str]
) -> None:
    assert run(
        shop.db, csv_bytes([VARIANT_HEADER, ["tee", "T-S", "Tee", "10", "Size", "S"]])
    ).status is (Status.IMPORTED)
    assert messages(run(shop.db, csv_bytes([VARIANT_HEADER, row]))) == [expected]


def test_a_new_product_with_the_handle_of_an_existing_one_is_an_error(shop: Store) -> None:
    existing = make_product(shop, sku="A1", name="Mug")
    data = csv_bytes(
        [["handle", "sku", "name", "retail_price"], [existing.handle, "B1", "Mug", "1"]]
    )
    assert messages(run(shop.db, data)) == [
        (
            2,
            "handle",
            f"The handle {existing.handle} is already used by the product A1: give its id or SKU "
            "to update it, or choose another handle.",
        )
    ]


def test_an_import_cannot_move_a_product_to_another_handle(shop: Store) -> None:
    existing = make_product(shop, sku="A1", name="Mug")
    data = csv_bytes([["handle", "sku", "name", "retail_price"], ["other", "A1", "", ""]])
    assert messages(run(shop.db, data)) == [
        (
            2,
            "handle",
            f"This product's handle is {existing.handle}: an import cannot move a product to "
            "another handle.",
        )
    ]


@pytest.mark.parametrize(
    ("header", "row", "expected"),
    [
        (
            ["handle", "sku", "name", "retail_price", "composite_sku", "composite_quantity"],
            ["{handle}", "A1", "", "", "B1", "1"],
            "An import cannot turn an existing product into a composite.",
        ),
        (
            VARIANT_HEADER,
            ["{handle}", "A1", "", "", "Size", "S"],
            "An import cannot give variants to an existing product without them.",
        ),
    ],
)
def test_an_import_does_not_change_the_kind_of_an_existing_product(
    shop: Store, header: list[str], row: list[str], expected: str
) -> None:
    existing = make_product(shop, sku="A1")
    make_product(shop, sku="B1")
    cells = [c.format(handle=existing.handle) for c in row]
    assert messages(run(shop.db, csv_bytes([header, cells]))) == [(2, "handle", expected)]


def test_a_reorder_point_alone_keeps_the_restock_level(shop: Store) -> None:
    header = ["sku", "name", "retail_price", "reorder_point_Main", "restock_level_Main"]
    assert run(shop.db, csv_bytes([header, ["A1", "A", "1", "2", "10"]])).status is Status.IMPORTED
    assert run(shop.db, csv_bytes([header, ["A1", "", "", "3", ""]])).status is Status.IMPORTED
    with shop.db.read_sessions() as session:
        level = session.scalars(select(InventoryLevel)).one()
        assert (level.reorder_point, level.reorder_amount) == (3, 10)


def test_a_negative_count_the_product_already_has_changes_nothing_and_warns_of_nothing(
    shop: Store,
) -> None:
    product = make_product(shop, sku="A1", stock=1)
    with shop.uow() as uow:
        sales.record_sale(
            uow,
            sale=sale_input(shop, [(product, 3)], total="36.00"),
            user_id=shop.owner.id,
            find_customer=customers.get_customer,
        )
    header = ["sku", "name", "retail_price", "inventory_Main"]
    outcome = run(shop.db, csv_bytes([header, ["A1", "", "", "-2"]]))
    assert (outcome.status, outcome.warnings, outcome.summary.unchanged) == (
        Status.IMPORTED,
        [],
        1,
    )
    assert stock(shop.db, product) == {shop.outlet.id: -2}


@pytest.fixture
def rich_catalog(shop: Store) -> Store:
    """A catalog with every kind of product and field the format carries, on two outlets."""
    with shop.uow() as uow:
        second = store.create_outlet(
            uow, fields=store.OutletFields(name="Gare du Nord", time_zone="Europe/Paris")
        )
    cup = make_product(shop, sku="CUP", name="Tasse", stock=7, supply_price="2.10")
    make_product(shop, sku="=cmd|' /C calc'!A0", name="@SUM(1+1)", price="0.50")
    header = [
        "handle",
        "sku",
        "name",
        "description",
        "type",
        "variant_option_one_name",
        "variant_option_one_value",
        "variant_option_two_name",
        "variant_option_two_value",
        "tags",
        "supply_price",
        "retail_price",
        "tax",
        "outlet_tax_Gare_du_Nord",
        "brand_name",
        "supplier_name",
        "supplier_code",
        "account_code",
        "active",
        "track_inventory",
        "inventory_Main",
        "reorder_point_Main",
        "restock_level_Main",
        "inventory_Gare_du_Nord",
        "composite_sku",
        "composite_quantity",
    ]
    # fmt: off
    rows = [
        ["tee", "TEE-R-S", "T-shirt", "<p>Coton <em>bio</em></p>", "Mode / Hauts", "Couleur",
         "Rouge", "Taille", "S", "été, coton", "8.123", "19.99", "VAT 20%", "VAT 5.5%", "Acme",
         "Dupont", "D-1", "707", "1", "1", "5", "2", "12", "3", "", ""],
        ["tee", "TEE-R-M", "T-shirt", "", "", "Couleur", "Rouge", "Taille", "M", "", "8", "21",
         "", "", "", "", "D-2", "", "0", "1", "0", "", "", "1", "", ""],
        ["gift", "GIFT", "Coffret", "-20% offert", "", "", "", "", "", "", "", "30", "VAT 5.5%",
         "", "", "", "", "", "1", "0", "", "", "", "", "CUP", "2"],
        ["gift", "GIFT", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "",
         "", "", "", "", "TEE-R-S", "1"],
    ]
    # fmt: on
    # TEE-R-M is inactive with stock: a warning, accepted.
    outcome = run(shop.db, csv_bytes([header, *rows]), accept_warnings=True)
    assert outcome.status is Status.IMPORTED, messages(outcome)
    assert [c.component_id for c in products(shop.db)["GIFT"].components] == [
        cup.id,
        products(shop.db)["TEE-R-S"].id,
    ]
    assert second.name == "Gare du Nord"
    return shop


def test_importing_an_export_again_changes_nothing(rich_catalog: Store) -> None:
    db = rich_catalog.db
    exported = export_of(db)
    before = {sku: p.version for sku, p in products(db).items()}
    movements = counts(db)
    with db.read_sessions() as session:
        levels_before = session.execute(select(InventoryLevel.id, InventoryLevel.version)).all()
    outcome = run(db, exported)
    assert outcome.status is Status.IMPORTED, messages(outcome)
    assert (outcome.summary.created, outcome.summary.updated) == (0, 0)
    assert outcome.summary.unchanged == len(before)
    assert {sku: p.version for sku, p in products(db).items()} == before
    assert counts(db) == movements
    with db.read_sessions() as session:
        assert session.execute(select(InventoryLevel.id, InventoryLevel.version)).all() == (
            levels_before
        )
    assert export_of(db) == exported


@pytest.fixture
def fresh_store(fresh_database_url: str) -> Iterator[Store]:
    """A second, empty store with the same outlets and taxes (an export carries products)."""
    upgrade_database(fresh_database_url)
    database = open_database(fresh_database_url)
    try:
        shop = make_store(database)
        with shop.uow() as uow:
            store.create_outlet(
                uow, fields=store.OutletFields(name="Gare du Nord", time_zone="Europe/Paris")
            )
        yield shop
    finally:
        database.dispose()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_imported_into_a_fresh_store_exports_the_same_file(
    rich_catalog: Store, fresh_store: Store, fmt: str
) -> None:
    exported = export_of(rich_catalog.db, fmt)
    outcome = run(fresh_store.db, exported, filename=f"products.{fmt}", accept_warnings=True)
    assert outcome.status is Status.IMPORTED, messages(outcome)
    again = export_of(fresh_store.db, fmt)
    if fmt == "csv":
        assert again == exported
    else:  # a workbook records when it was written: compare what it holds
        first, second = read_table(exported), read_table(again)
        assert (first.header, first.rows) == (second.header, second.rows)
    assert {sku: p.id for sku, p in products(fresh_store.db).items()} == {
        sku: p.id for sku, p in products(rich_catalog.db).items()
    }
    with fresh_store.db.read_sessions() as session:
        assert sorted(session.scalars(select(Tag.name))) == ["coton", "été"]
        assert session.scalars(select(Brand.name)).all() == ["Acme"]


def test_export_neutralises_formulas_but_keeps_negative_numbers(rich_catalog: Store) -> None:
    product = products(rich_catalog.db)["CUP"]
    with rich_catalog.uow() as uow:
        inventory.move_stock(
            uow.session,
            changes=[inventory.StockChange(product.id, rich_catalog.outlet.id, Decimal(-9))],
            kind=MovementKind.MANUAL,
        )
        uow.commit()
    text = export_of(rich_catalog.db).decode("utf-8-sig")
    assert "'=cmd|' /C calc'!A0,,,,'@SUM(1+1)," in text
    assert ",'-20% offert," in text
    cup_line = next(line for line in text.splitlines() if ",CUP," in line and "Tasse" in line)
    assert ",-2," in cup_line  # 7 - 9, written as a number
    # Read back, the neutralised cells are the values the shop typed.
    assert "=cmd|' /C calc'!A0" in products(rich_catalog.db)


def test_a_file_fixed_from_its_error_file_imports(shop: Store) -> None:
    data = csv_bytes(
        [["sku", "name", "retail_price"], ["A1", "Mug", "3"], ["A2", "Bowl", "trois"]],
        delimiter=";",
    )
    outcome = run(shop.db, data)
    assert outcome.error_file is not None
    table = read_table(outcome.error_file)
    assert table.delimiter == ";"
    assert [list(r.cells) for r in table.rows] == [
        ["A1", "Mug", "3"],  # an empty last cell is not kept
        ["A2", "Bowl", "trois", "retail_price: trois is not a number."],
    ]
    fixed = csv_bytes(
        [table.header[:-1], *[list(r.cells[:3]) for r in table.rows]], delimiter=";"
    ).replace(b"trois", b"3")
    assert run(shop.db, fixed).status is Status.IMPORTED
    assert sorted(products(shop.db)) == ["A1", "A2"]
    # Uploaded with its error column still there, the column is ignored with a warning.
    again = run(shop.db, outcome.error_file.replace(b"trois", b"3"))
    assert again.status is Status.WARNINGS


def test_created_products_keep_the_order_of_the_file_in_the_export(shop: Store) -> None:
    rows = [["sku", "name", "retail_price"]] + [[f"Z{9 - n}", f"P{n}", "1"] for n in range(10)]
    assert run(shop.db, csv_bytes(rows)).status is Status.IMPORTED
    lines = export_of(shop.db).decode("utf-8-sig").splitlines()[1:]
    assert [line.split(",")[2] for line in lines] == [f"Z{9 - n}" for n in range(10)]


def test_a_product_created_through_the_catalog_is_unchanged_by_its_own_export(shop: Store) -> None:
    with shop.uow() as uow:
        size = VariantAttribute(id=uuid.uuid4(), name="Size")
        uow.session.add(size)
        uow.commit()
    with shop.uow() as uow:
        catalog.create_product(
            uow,
            new=catalog.NewProduct(
                name="Socks",
                price=Decimal("7.77"),
                variant_attribute_ids=[size.id],
                variants=[catalog.NewVariant(values=["S"]), catalog.NewVariant(values=["M"])],
            ),
        )
    exported = export_of(shop.db)
    outcome = run(shop.db, exported)
    assert (outcome.status, outcome.summary.updated) == (Status.IMPORTED, 0)
