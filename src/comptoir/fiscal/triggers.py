"""Database triggers that make the fiscal tables insert-only, on SQLite and PostgreSQL.

They stop the application and anyone using it from altering the journal; someone who owns
the database can drop them, which is why every entry is also signed with a key kept outside
the database (docs/fiscal.md). The migration creates them; tests that empty every table
between tests suspend them with `suspended_triggers`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Connection

INSERT_ONLY_TABLES = ("fiscal_entry", "fiscal_key")
MESSAGE = "the fiscal journal is append-only: corrections are new entries"


def _sqlite_ddl(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{action} BEFORE {action.upper()} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        for action in ("update", "delete")
    ]


def _postgresql_ddl(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_insert_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION fiscal_refuse_change()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION fiscal_refuse_change()",
    ]


_POSTGRESQL_FUNCTION = f"""
CREATE OR REPLACE FUNCTION fiscal_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'raise_exception';
END;
$$ LANGUAGE plpgsql
"""


def create_triggers(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text(_POSTGRESQL_FUNCTION))
        statements = [sql for table in INSERT_ONLY_TABLES for sql in _postgresql_ddl(table)]
    else:
        statements = [sql for table in INSERT_ONLY_TABLES for sql in _sqlite_ddl(table)]
    for statement in statements:
        connection.execute(text(statement))


def drop_triggers(connection: Connection) -> None:
    for table in INSERT_ONLY_TABLES:
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"DROP TRIGGER IF EXISTS {table}_insert_only ON {table}"))
            connection.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}"))
        else:
            for action in ("update", "delete"):
                connection.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_{action}"))


@contextmanager
def suspended_triggers(connection: Connection) -> Iterator[None]:
    """For test databases only: empty the fiscal tables inside one transaction."""
    drop_triggers(connection)
    try:
        yield
    finally:
        create_triggers(connection)
