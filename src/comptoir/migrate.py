"""Alembic, driven from code: `comptoir init` and the tests migrate through here."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    return config


def upgrade_database(url: str) -> None:
    command.upgrade(alembic_config(url), "head")


# Search structures the models cannot describe, created by migrations 0003 and 0006 only: the FTS5
# table (and the shadow tables SQLite makes for it) and PostgreSQL's expression index.
_MIGRATION_ONLY = ("product_search", "customer_search")
_MIGRATION_ONLY_INDEXES = ("ix_product_search", "ix_customer_search")


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's `include_object`: leave the migration-only search structures out of
    autogenerate and of the model/migration comparison (they exist only in the database)."""
    if not reflected or name is None:
        return True
    if type_ == "table" and name.startswith(_MIGRATION_ONLY):
        return False
    return not (type_ == "index" and name in _MIGRATION_ONLY_INDEXES)
