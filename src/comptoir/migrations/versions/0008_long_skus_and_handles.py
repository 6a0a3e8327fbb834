"""SKUs and handles of up to 255 characters

Revision ID: 0008
Revises: 0007

Lightspeed exports SKUs and handles of up to 255 characters; a product's (and a sale line's
copy of them) were limited to 100 and 200. PostgreSQL widens the columns in place. SQLite
ignores a declared length (a VARCHAR(100) column holds any text), so its tables are left as
they are: changing the declaration would rebuild the product table, with its search
triggers and the rows that cascade from it (see `catalog.models.SKU_TYPE`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, old length)
COLUMNS = (
    ("product", "sku", 100),
    ("product", "handle", 200),
    ("sale_line", "sku", 100),
    ("sale_line", "handle", 200),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, length in COLUMNS:
        op.alter_column(
            table,
            column,
            existing_type=sa.String(length=length),
            type_=sa.String(length=255),
            existing_nullable=False,
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # Fails, changing nothing, while a longer SKU or handle is stored.
    for table, column, length in COLUMNS:
        op.alter_column(
            table,
            column,
            existing_type=sa.String(length=255),
            type_=sa.String(length=length),
            existing_nullable=False,
        )
