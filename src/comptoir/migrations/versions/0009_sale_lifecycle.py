"""The whole life of a sale: discounts, quotes, returns, customer ledgers, till settings

Revision ID: 0009
Revises: 0008

Columns the sale issue's parts share (discounts recorded as discounts, cash rounding, quotes,
returns linked to their sale and line), the two customer ledgers (on account, store credit)
with their balances on the customer, single-use discount approvals, the till's settings and
the indexes sales history pages by.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import comptoir.core.db

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AMOUNT = comptoir.core.db.Amount(precision=20, scale=5)
WHEN = comptoir.core.db.UTCDateTime(timezone=True)
ZERO = sa.text("0")


def _ten_percent() -> sa.TextClause:
    # An amount is a scaled integer on SQLite (core.db.Amount), a NUMERIC on PostgreSQL.
    return sa.text("1000000" if op.get_bind().dialect.name == "sqlite" else "10")


def upgrade() -> None:
    with op.batch_alter_table("sale") as batch:
        batch.add_column(sa.Column("total_discount", AMOUNT, nullable=False, server_default=ZERO))
        batch.add_column(
            sa.Column("rounding_adjustment", AMOUNT, nullable=False, server_default=ZERO)
        )
        batch.add_column(
            sa.Column("is_quote", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("quote_expires_at", WHEN, nullable=True))
        batch.add_column(sa.Column("return_for", sa.Uuid(), nullable=True))
        batch.create_foreign_key("fk_sale_return_for_sale", "sale", ["return_for"], ["id"])
        batch.create_index("ix_sale_return_for", ["return_for"])
        batch.create_index("ix_sale_register_id_sale_date", ["register_id", "sale_date"])
        batch.create_index("ix_sale_customer_id_sale_date", ["customer_id", "sale_date"])
        batch.create_index("ix_sale_status_sale_date", ["status", "sale_date"])
        batch.create_index("ix_sale_outlet_id_sale_date", ["outlet_id", "sale_date"])
    with op.batch_alter_table("sale_line") as batch:
        batch.add_column(sa.Column("list_price", AMOUNT, nullable=True))
        batch.add_column(sa.Column("discount", AMOUNT, nullable=False, server_default=ZERO))
        batch.add_column(sa.Column("discount_total", AMOUNT, nullable=False, server_default=ZERO))
        batch.add_column(sa.Column("discount_percent", AMOUNT, nullable=True))
        batch.add_column(sa.Column("discount_by", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("discount_approved_by", sa.Uuid(), nullable=True))
        batch.add_column(
            sa.Column("price_set", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("return_for_line_id", sa.Uuid(), nullable=True))
        batch.add_column(
            sa.Column("returned_quantity", AMOUNT, nullable=False, server_default=ZERO)
        )
        batch.add_column(sa.Column("return_reason", sa.String(length=100), nullable=True))
        batch.add_column(
            sa.Column("restock", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.create_foreign_key(
            "fk_sale_line_return_for_line_id_sale_line",
            "sale_line",
            ["return_for_line_id"],
            ["id"],
        )
        batch.create_index("ix_sale_line_return_for_line_id", ["return_for_line_id"])
    # Plain ADD COLUMN, not a batch: rebuilding the customer table on SQLite would drop the
    # triggers that keep its search index (migration 0006).
    op.add_column(
        "customer", sa.Column("account_balance", AMOUNT, nullable=False, server_default=ZERO)
    )
    op.add_column(
        "customer", sa.Column("store_credit_balance", AMOUNT, nullable=False, server_default=ZERO)
    )
    with op.batch_alter_table("retailer") as batch:
        batch.add_column(
            sa.Column(
                "cashier_discount_limit", AMOUNT, nullable=False, server_default=_ten_percent()
            )
        )
        batch.add_column(sa.Column("cash_rounding_increment", AMOUNT, nullable=True))
        batch.add_column(
            sa.Column(
                "max_line_quantity", sa.Integer(), nullable=False, server_default=sa.text("10000")
            )
        )
        batch.add_column(
            sa.Column(
                "offline_sale_max_age_hours",
                sa.Integer(),
                nullable=False,
                server_default=sa.text("72"),
            )
        )
        batch.add_column(
            sa.Column(
                "quote_validity_days", sa.Integer(), nullable=False, server_default=sa.text("30")
            )
        )
        batch.add_column(
            sa.Column(
                "layby_cancel_refund",
                sa.String(length=20),
                nullable=False,
                server_default=sa.text("'tenders'"),
            )
        )
    # The default filled the existing row; new rows get theirs from the model.
    with op.batch_alter_table("retailer") as batch:
        batch.alter_column("cashier_discount_limit", server_default=None)
    op.create_table(
        "discount_approval",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("sale_id", sa.Uuid(), nullable=False),
        sa.Column("approver_id", sa.Uuid(), nullable=False),
        sa.Column("requested_by", sa.Uuid(), nullable=False),
        sa.Column("max_percent", AMOUNT, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
        sa.Column("used_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["approver_id"],
            ["user_account.id"],
            name="fk_discount_approval_approver_id_user_account",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["user_account.id"],
            name="fk_discount_approval_requested_by_user_account",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_discount_approval"),
    )
    op.create_index("ix_discount_approval_sale_id", "discount_approval", ["sale_id"])
    for table, kind_column in (
        ("customer_account_movement", "kind"),
        ("store_credit_transaction", "type"),
    ):
        op.create_table(
            table,
            sa.Column("id", sa.Uuid(), nullable=False),
            sa.Column("customer_id", sa.Uuid(), nullable=False),
            sa.Column("sale_id", sa.Uuid(), nullable=True),
            sa.Column("amount", AMOUNT, nullable=False),
            sa.Column(kind_column, sa.String(length=20), nullable=False),
            sa.Column("user_id", sa.Uuid(), nullable=True),
            sa.Column("client_id", sa.String(length=100), nullable=True),
            sa.Column("note", sa.Text(), nullable=True),
            sa.Column("created_at", WHEN, nullable=False),
            sa.ForeignKeyConstraint(
                ["customer_id"], ["customer.id"], name=f"fk_{table}_customer_id_customer"
            ),
            sa.ForeignKeyConstraint(["sale_id"], ["sale.id"], name=f"fk_{table}_sale_id_sale"),
            sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
            sa.UniqueConstraint("client_id", name=f"uq_{table}_client_id"),
        )
        op.create_index(f"ix_{table}_customer_id", table, ["customer_id"])
        op.create_index(f"ix_{table}_created_at", table, ["created_at"])


def downgrade() -> None:
    for table in ("store_credit_transaction", "customer_account_movement", "discount_approval"):
        op.drop_table(table)
    with op.batch_alter_table("retailer") as batch:
        for column in (
            "layby_cancel_refund",
            "quote_validity_days",
            "offline_sale_max_age_hours",
            "max_line_quantity",
            "cash_rounding_increment",
            "cashier_discount_limit",
        ):
            batch.drop_column(column)
    op.drop_column("customer", "store_credit_balance")
    op.drop_column("customer", "account_balance")
    with op.batch_alter_table("sale_line") as batch:
        batch.drop_index("ix_sale_line_return_for_line_id")
        batch.drop_constraint("fk_sale_line_return_for_line_id_sale_line", type_="foreignkey")
        for column in (
            "restock",
            "return_reason",
            "returned_quantity",
            "return_for_line_id",
            "price_set",
            "discount_approved_by",
            "discount_by",
            "discount_percent",
            "discount_total",
            "discount",
            "list_price",
        ):
            batch.drop_column(column)
    with op.batch_alter_table("sale") as batch:
        for index in (
            "ix_sale_outlet_id_sale_date",
            "ix_sale_status_sale_date",
            "ix_sale_customer_id_sale_date",
            "ix_sale_register_id_sale_date",
            "ix_sale_return_for",
        ):
            batch.drop_index(index)
        batch.drop_constraint("fk_sale_return_for_sale", type_="foreignkey")
        for column in (
            "return_for",
            "quote_expires_at",
            "is_quote",
            "rounding_adjustment",
            "total_discount",
        ):
            batch.drop_column(column)
