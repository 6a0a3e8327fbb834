"""Stock control: consignments (purchase orders, transfers, supplier returns, stocktakes) with
their lines, deliveries and history; the cost value of each movement and level (average cost)

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import comptoir.core.db

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = comptoir.core.db.UTCDateTime(timezone=True)
AMOUNT = comptoir.core.db.Amount(precision=20, scale=5)


def _versioned() -> list[sa.Column[Any]]:
    return [
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("deleted_at", WHEN, nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "consignment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("name", sa.String(255), nullable=True),
        sa.Column("reference", sa.String(100), nullable=True),
        sa.Column("outlet_id", sa.Uuid(), nullable=False),
        sa.Column("source_outlet_id", sa.Uuid(), nullable=True),
        sa.Column("supplier_id", sa.Uuid(), nullable=True),
        sa.Column("supplier_invoice", sa.String(100), nullable=True),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.Column("consignment_date", WHEN, nullable=False),
        sa.Column("due_at", WHEN, nullable=True),
        sa.Column("sent_at", WHEN, nullable=True),
        sa.Column("received_at", WHEN, nullable=True),
        sa.Column("cancelled_at", WHEN, nullable=True),
        sa.Column("filters", sa.Text(), nullable=True),
        sa.Column("show_inactive", sa.Boolean(), nullable=False),
        sa.Column("counting_started_at", WHEN, nullable=True),
        sa.Column("uncounted", sa.String(10), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        *_versioned(),
        sa.ForeignKeyConstraint(
            ["outlet_id"], ["outlet.id"], name=op.f("fk_consignment_outlet_id_outlet")
        ),
        sa.ForeignKeyConstraint(
            ["source_outlet_id"],
            ["outlet.id"],
            name=op.f("fk_consignment_source_outlet_id_outlet"),
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["supplier.id"], name=op.f("fk_consignment_supplier_id_supplier")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consignment")),
    )
    with op.batch_alter_table("consignment") as batch:
        batch.create_index(batch.f("ix_consignment_outlet_id"), ["outlet_id"])
        batch.create_index(batch.f("ix_consignment_supplier_id"), ["supplier_id"])
        batch.create_index("ix_consignment_type_status_created", ["type", "status", "created_at"])
        batch.create_index(batch.f("ix_consignment_version"), ["version"], unique=True)

    op.create_table(
        "consignment_delivery",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("consignment_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["consignment_id"],
            ["consignment.id"],
            name=op.f("fk_consignment_delivery_consignment_id_consignment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consignment_delivery")),
    )
    with op.batch_alter_table("consignment_delivery") as batch:
        batch.create_index(batch.f("ix_consignment_delivery_consignment_id"), ["consignment_id"])

    op.create_table(
        "consignment_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("consignment_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["consignment_id"],
            ["consignment.id"],
            name=op.f("fk_consignment_event_consignment_id_consignment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consignment_event")),
    )
    with op.batch_alter_table("consignment_event") as batch:
        batch.create_index(batch.f("ix_consignment_event_consignment_id"), ["consignment_id"])

    op.create_table(
        "consignment_product",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("consignment_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("count", AMOUNT, nullable=True),
        sa.Column("received", AMOUNT, nullable=True),
        sa.Column("cost", AMOUNT, nullable=True),
        sa.Column("expected", AMOUNT, nullable=True),
        sa.Column("is_included", sa.Boolean(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        *_versioned(),
        sa.ForeignKeyConstraint(
            ["consignment_id"],
            ["consignment.id"],
            name=op.f("fk_consignment_product_consignment_id_consignment"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
            name=op.f("fk_consignment_product_product_id_product"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consignment_product")),
        sa.UniqueConstraint(
            "consignment_id",
            "product_id",
            name=op.f("uq_consignment_product_consignment_id_product_id"),
        ),
    )
    with op.batch_alter_table("consignment_product") as batch:
        batch.create_index(batch.f("ix_consignment_product_product_id"), ["product_id"])
        batch.create_index(batch.f("ix_consignment_product_version"), ["version"], unique=True)

    for table in ("inventory_level", "inventory_movement"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("value", AMOUNT, nullable=False, server_default=sa.text("0"))
            )
    _value_existing_stock()


def _value_existing_stock() -> None:
    """Each existing movement valued at its unit cost, or the product's supply price, and
    each level's value the sum of its movements': the invariant inventory.costing keeps."""
    cost = (
        "COALESCE(inventory_movement.unit_cost, "
        "(SELECT supply_price FROM product WHERE product.id = inventory_movement.product_id), 0)"
    )
    if op.get_bind().dialect.name == "sqlite":
        # Amounts are integers scaled by 10^5 on SQLite: a product of two is scaled twice.
        product = f"(inventory_movement.quantity * {cost}) / 100000"
    else:
        product = f"ROUND(inventory_movement.quantity * {cost}, 5)"
    op.execute(f"UPDATE inventory_movement SET value = {product}")  # noqa: S608 - constants
    op.execute(
        "UPDATE inventory_level SET value = COALESCE((SELECT SUM(m.value) FROM "
        "inventory_movement m WHERE m.product_id = inventory_level.product_id "
        "AND m.outlet_id = inventory_level.outlet_id), 0)"
    )


def downgrade() -> None:
    for table in ("inventory_movement", "inventory_level"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("value")
    for table in (
        "consignment_product", "consignment_event", "consignment_delivery", "consignment"
    ):  # fmt: skip
        op.drop_table(table)
