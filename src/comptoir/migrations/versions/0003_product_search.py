"""product search

Revision ID: 0003
Revises: 0002

`product.search_text` (declared in the model) holds the folded name, SKU and handle; the
indexes over it exist only here, because the models cannot describe them (an FTS5 virtual
table and its triggers on SQLite, an expression GIN index on PostgreSQL). The model/migration
comparison ignores them through `comptoir.migrate.include_object`.
See docs/decisions/0005-product-search.md.
"""

import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The fold of comptoir.catalog.search at the time of this migration (a migration must not
# change when the application code does).
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", bare).split())


SQLITE_UP = [
    # One row per product: `pid` (the product id, as stored) finds the row to replace; the
    # folded words are indexed with prefix indexes for 1 to 3 characters.
    """CREATE VIRTUAL TABLE product_search USING fts5(
        pid, words, tokenize = "unicode61 remove_diacritics 2", prefix = '1 2 3'
    )""",
    """CREATE TRIGGER product_search_ai AFTER INSERT ON product BEGIN
        INSERT INTO product_search (pid, words) VALUES (new.id, new.search_text);
    END""",
    """CREATE TRIGGER product_search_ad AFTER DELETE ON product BEGIN
        DELETE FROM product_search WHERE rowid IN (
            SELECT rowid FROM product_search WHERE product_search MATCH
                '{pid} : "' || old.id || '"');
    END""",
    """CREATE TRIGGER product_search_au AFTER UPDATE OF search_text, id ON product BEGIN
        DELETE FROM product_search WHERE rowid IN (
            SELECT rowid FROM product_search WHERE product_search MATCH
                '{pid} : "' || old.id || '"');
        INSERT INTO product_search (pid, words) VALUES (new.id, new.search_text);
    END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS product_search_au",
    "DROP TRIGGER IF EXISTS product_search_ad",
    "DROP TRIGGER IF EXISTS product_search_ai",
    "DROP TABLE IF EXISTS product_search",
]
POSTGRESQL_UP = [
    "CREATE INDEX ix_product_search ON product"
    " USING gin (to_tsvector('simple'::regconfig, search_text))",
]
POSTGRESQL_DOWN = ["DROP INDEX IF EXISTS ix_product_search"]


def upgrade() -> None:
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("search_text", sa.Text(), server_default=sa.text("''"), nullable=False)
        )
    bind = op.get_bind()
    product = sa.table(
        "product",
        sa.column("id", sa.Uuid()),
        sa.column("name", sa.String()),
        sa.column("sku", sa.String()),
        sa.column("handle", sa.String()),
        sa.column("search_text", sa.Text()),
    )
    rows = bind.execute(sa.select(product.c.id, product.c.name, product.c.sku, product.c.handle))
    for row in rows.all():
        text = _fold(" ".join(p for p in (row.name, row.sku, row.handle) if p))
        bind.execute(product.update().where(product.c.id == row.id).values(search_text=text))
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_UP:
            op.execute(statement)
        op.execute("INSERT INTO product_search (pid, words) SELECT id, search_text FROM product")
    elif bind.dialect.name == "postgresql":
        for statement in POSTGRESQL_UP:
            op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    for statement in SQLITE_DOWN if bind.dialect.name == "sqlite" else POSTGRESQL_DOWN:
        op.execute(statement)
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_column("search_text")
