"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, MetaData, String, create_engine, inspect, select, text

from comptoir.catalog import service as catalog
from comptoir.catalog.models import Product
from comptoir.core.db import Database, make_engine, open_database
from comptoir.migrate import alembic_config, include_object, upgrade_database
from comptoir.tables import Base


def differences(url: str, metadata: MetaData) -> list[Any]:
    """What autogenerate would write to bring the database at `url` to `metadata`.

    Types are compared (`compare_type=True`, as in migrations/env.py). The custom types need
    no custom comparator and give no false positives: Alembic compares the DDL the dialect
    renders for each type, and a TypeDecorator renders as the type it loads on that dialect
    (`Amount` is NUMERIC(20, 5) on PostgreSQL and BIGINT on SQLite; `UTCDateTime` is
    TIMESTAMP WITH TIME ZONE / DATETIME), exactly what the migration created.
    `test_the_comparison_sees_a_column_type_or_table_that_differs` proves real differences
    are still caught.
    """
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "compare_type": True,
                    "compare_server_default": True,
                    # The search structures of migration 0003 (FTS5 table, expression index)
                    # exist only in the database: skipped as migrations/env.py skips them.
                    "include_object": include_object,
                },
            )
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def schema_of(url: str) -> dict[str, Any]:
    engine = create_engine(url)
    try:
        inspector = inspect(engine)
        schema: dict[str, Any] = {}
        for table in sorted(inspector.get_table_names()):
            schema[table] = {
                "columns": [
                    (c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)
                ],
                "indexes": sorted(
                    (i["name"] or "", tuple(i["column_names"]), bool(i["unique"]))
                    for i in inspector.get_indexes(table)
                ),
                "unique": sorted(
                    (u["name"] or "", tuple(u["column_names"]))
                    for u in inspector.get_unique_constraints(table)
                ),
                "foreign_keys": sorted(
                    (tuple(f["constrained_columns"]), f["referred_table"])
                    for f in inspector.get_foreign_keys(table)
                ),
            }
        with engine.connect() as connection:
            schema["@revision"] = connection.execute(
                text("SELECT version_num FROM alembic_version")
            ).all()
        return schema
    finally:
        engine.dispose()


def test_the_migrated_database_matches_the_models(db: Database) -> None:
    assert differences(db.url, Base.metadata) == []


def test_the_comparison_sees_a_column_type_or_table_that_differs(db: Database) -> None:
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        table.to_metadata(changed)
    sale = changed.tables["sale"]
    sale.c.total_price.type = String(20)  # an Amount column turned into text
    sale.append_column(Column("loyalty_points", String(10), nullable=True))
    changed.remove(changed.tables["store_counter"])

    found = [
        entry
        for diff in differences(db.url, changed)
        for entry in (diff if isinstance(diff, list) else [diff])
    ]

    summary = set()
    for entry in found:
        if entry[0] == "modify_type":
            summary.add(("modify_type", entry[2], entry[3]))
        elif entry[0] == "add_column":
            summary.add(("add_column", entry[2], entry[3].name))
        elif entry[0] == "remove_table":
            summary.add(("remove_table", entry[1].name))
    assert summary == {
        ("modify_type", "sale", "total_price"),
        ("add_column", "sale", "loyalty_points"),
        ("remove_table", "store_counter"),
    }, found


def test_upgrading_an_already_migrated_database_changes_nothing(db: Database) -> None:
    before = schema_of(db.url)
    upgrade_database(db.url)
    assert schema_of(db.url) == before
    assert differences(db.url, Base.metadata) == []


def test_a_fresh_database_migrates_to_the_models_and_back_down_to_empty(
    fresh_database_url: str,
) -> None:
    upgrade_database(fresh_database_url)
    assert differences(fresh_database_url, Base.metadata) == []
    engine = create_engine(fresh_database_url)
    with engine.connect() as connection:
        counter = connection.execute(text("SELECT name, value FROM store_counter")).all()
    engine.dispose()
    assert counter == [("version", 0)]

    command.downgrade(alembic_config(fresh_database_url), "base")
    assert set(schema_of(fresh_database_url)) == {"alembic_version", "@revision"}

    upgrade_database(fresh_database_url)
    assert differences(fresh_database_url, Base.metadata) == []


def test_upgrading_a_store_with_products_to_0004_keeps_codes_search_and_makes_families(
    fresh_database_url: str,
) -> None:
    command.upgrade(alembic_config(fresh_database_url), "0003")
    engine = make_engine(fresh_database_url)
    product_id = "0b0e2c8a-5b1f-4c4e-9a53-8f6f2f3c1a10"
    with engine.begin() as connection:
        stored_id = (
            product_id if engine.dialect.name == "postgresql" else product_id.replace("-", "")
        )
        connection.execute(
            text(
                "INSERT INTO product (id, handle, sku, name, price_excluding_tax,"
                " price_including_tax, supply_price, active, has_inventory, source, version,"
                " created_at, updated_at, search_text)"
                " VALUES (:id, 'cafe', 'C1', 'Café', 1, 1, 0, true, true, 'USER', 1,"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'cafe c1')"
            ),
            {"id": stored_id},
        )
        connection.execute(
            text(
                "INSERT INTO product_code (id, product_id, type, code)"
                " VALUES (:code_id, :id, 'EAN', '3760000000017')"
            ),
            {"id": stored_id, "code_id": stored_id[:-2] + "ff"},
        )
    engine.dispose()

    upgrade_database(fresh_database_url)

    database = open_database(fresh_database_url)
    try:
        with database.read_sessions() as session:
            (product,) = session.scalars(select(Product)).all()
            found = catalog.search_products(session, text="caf")
            scanned = catalog.search_products(session, text="3760000000017")
            assert product.family_id == product.id
            assert [c.code for c in product.codes] == ["3760000000017"]
            assert found == [product] and scanned == [product]
    finally:
        database.dispose()
