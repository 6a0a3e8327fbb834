"""Card terminals: terminal payments keyed by the register's idempotency key, their refunds,
and where each integrated payment type's provider is reached

Revision ID: 0013
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import comptoir.core.db

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AMOUNT = comptoir.core.db.Amount(precision=20, scale=5)
WHEN = comptoir.core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "terminal_payment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("register_id", sa.Uuid(), nullable=False),
        sa.Column("payment_type_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("amount", AMOUNT, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("provider", sa.String(40), nullable=False),
        sa.Column("terminal_id", sa.String(100), nullable=False),
        sa.Column("provider_reference", sa.String(100), nullable=True),
        sa.Column("message", sa.String(300), nullable=True),
        sa.Column("sale_id", sa.Uuid(), nullable=True),
        sa.Column("sale_payment_id", sa.Uuid(), nullable=True),
        sa.Column("refunded_amount", AMOUNT, nullable=False, server_default=sa.text("0")),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("completed_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["register_id"], ["register.id"], name="fk_terminal_payment_register_id_register"
        ),
        sa.ForeignKeyConstraint(
            ["payment_type_id"],
            ["payment_type.id"],
            name="fk_terminal_payment_payment_type_id_payment_type",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name="fk_terminal_payment_user_id_user_account"
        ),
        sa.ForeignKeyConstraint(["sale_id"], ["sale.id"], name="fk_terminal_payment_sale_id_sale"),
        sa.PrimaryKeyConstraint("id", name="pk_terminal_payment"),
        sa.UniqueConstraint("sale_payment_id", name="uq_terminal_payment_sale_payment_id"),
    )
    op.create_index("ix_terminal_payment_register_id", "terminal_payment", ["register_id"])
    op.create_index("ix_terminal_payment_status", "terminal_payment", ["status"])
    op.create_index("ix_terminal_payment_sale_id", "terminal_payment", ["sale_id"])
    op.create_table(
        "terminal_refund",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("terminal_payment_id", sa.Uuid(), nullable=False),
        sa.Column("sale_id", sa.Uuid(), nullable=False),
        sa.Column("sale_payment_id", sa.Uuid(), nullable=False),
        sa.Column("amount", AMOUNT, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("provider_reference", sa.String(100), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("completed_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["terminal_payment_id"],
            ["terminal_payment.id"],
            name="fk_terminal_refund_terminal_payment_id_terminal_payment",
        ),
        sa.ForeignKeyConstraint(["sale_id"], ["sale.id"], name="fk_terminal_refund_sale_id_sale"),
        sa.PrimaryKeyConstraint("id", name="pk_terminal_refund"),
    )
    op.create_index(
        "ix_terminal_refund_terminal_payment_id", "terminal_refund", ["terminal_payment_id"]
    )
    op.create_index("ix_terminal_refund_sale_id", "terminal_refund", ["sale_id"])
    op.create_table(
        "payment_type_terminal",
        sa.Column("payment_type_id", sa.Uuid(), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(
            ["payment_type_id"],
            ["payment_type.id"],
            name="fk_payment_type_terminal_payment_type_id_payment_type",
        ),
        sa.PrimaryKeyConstraint("payment_type_id", name="pk_payment_type_terminal"),
    )


def downgrade() -> None:
    op.drop_table("payment_type_terminal")
    op.drop_index("ix_terminal_refund_sale_id", table_name="terminal_refund")
    op.drop_index("ix_terminal_refund_terminal_payment_id", table_name="terminal_refund")
    op.drop_table("terminal_refund")
    op.drop_index("ix_terminal_payment_sale_id", table_name="terminal_payment")
    op.drop_index("ix_terminal_payment_status", table_name="terminal_payment")
    op.drop_index("ix_terminal_payment_register_id", table_name="terminal_payment")
    op.drop_table("terminal_payment")
