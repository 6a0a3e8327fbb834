"""Consignment lines without foreign keys: a full count's 300,000 lines spent 6 of their 10
seconds in PostgreSQL's per-row foreign key triggers (docs/decisions/0014)

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEYS = {
    "fk_consignment_product_consignment_id_consignment": ("consignment_id", "consignment"),
    "fk_consignment_product_product_id_product": ("product_id", "product"),
}


def upgrade() -> None:
    with op.batch_alter_table("consignment_product") as batch:
        for name in _KEYS:
            batch.drop_constraint(name, type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("consignment_product") as batch:
        for name, (column, table) in _KEYS.items():
            batch.create_foreign_key(name, table, [column], ["id"])
