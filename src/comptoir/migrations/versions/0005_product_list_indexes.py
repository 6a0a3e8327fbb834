"""product list indexes

Revision ID: 0005
Revises: 0004

The product list pages through families in (name, family_id) order, alone or narrowed by
a brand, a supplier or a type: one composite index for each replaces the single-column
index on `name`, `brand_id`, `supplier_id` and `product_type_id` (a prefix of each serves
the lookups those served). A partial index holds only the stock levels at or below their
reorder point, for the "low stock" filter, and a tag's products are read from an index
(tag_id, product_id) alone.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIST_INDEXES = {
    "ix_product_name_family_id": ["name", "family_id"],
    "ix_product_brand_id_name": ["brand_id", "name", "family_id"],
    "ix_product_supplier_id_name": ["supplier_id", "name", "family_id"],
    "ix_product_product_type_id_name": ["product_type_id", "name", "family_id"],
}
REPLACED = {
    "ix_product_name": ["name"],
    "ix_product_brand_id": ["brand_id"],
    "ix_product_supplier_id": ["supplier_id"],
    "ix_product_product_type_id": ["product_type_id"],
}
LOW_STOCK = sa.text("count <= reorder_point")


def upgrade() -> None:
    # Plain CREATE/DROP INDEX: a batch operation would rebuild the product table on SQLite
    # (see 0004 for why that must not happen).
    for name, columns in LIST_INDEXES.items():
        op.create_index(name, "product", columns, unique=False)
    for name in REPLACED:
        op.drop_index(name, table_name="product")
    op.create_index("ix_product_tag_tag_id_product_id", "product_tag", ["tag_id", "product_id"])
    op.drop_index("ix_product_tag_tag_id", table_name="product_tag")
    op.create_index(
        "ix_inventory_level_low_stock",
        "inventory_level",
        ["outlet_id", "product_id", "count", "reorder_point"],
        unique=False,
        sqlite_where=LOW_STOCK,
        postgresql_where=LOW_STOCK,
    )


def downgrade() -> None:
    op.drop_index("ix_inventory_level_low_stock", table_name="inventory_level")
    op.create_index("ix_product_tag_tag_id", "product_tag", ["tag_id"])
    op.drop_index("ix_product_tag_tag_id_product_id", table_name="product_tag")
    for name, columns in REPLACED.items():
        op.create_index(name, "product", columns, unique=False)
    for name in LIST_INDEXES:
        op.drop_index(name, table_name="product")
