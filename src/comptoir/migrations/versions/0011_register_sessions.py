"""Register sessions: opening float, cash movements, closures; sales and payments name the
session that took them

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import comptoir.core.db

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AMOUNT = comptoir.core.db.Amount(precision=20, scale=5)
WHEN = comptoir.core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "register_session",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("register_id", sa.Uuid(), sa.ForeignKey("register.id"), nullable=False),
        sa.Column("outlet_id", sa.Uuid(), sa.ForeignKey("outlet.id"), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("opened_at", WHEN, nullable=False),
        sa.Column("opened_by", sa.Uuid(), sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column("opening_float", AMOUNT, nullable=False),
        sa.Column("opening_counts", sa.JSON(), nullable=True),
        sa.Column("opening_note", sa.Text(), nullable=True),
        sa.Column("closed_at", WHEN, nullable=True),
        sa.Column("closed_by", sa.Uuid(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("closing_note", sa.Text(), nullable=True),
        sa.Column("closing_client_id", sa.String(100), nullable=True),
        sa.Column("closure_figures", sa.JSON(), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("deleted_at", WHEN, nullable=True),
        sa.UniqueConstraint("register_id", "sequence"),
    )
    op.create_index("ix_register_session_register_id", "register_session", ["register_id"])
    op.create_index("ix_register_session_outlet_id", "register_session", ["outlet_id"])
    op.create_index("ix_register_session_closed_at", "register_session", ["closed_at"])
    op.create_index("ix_register_session_version", "register_session", ["version"], unique=True)
    op.create_table(
        "register_cash_movement",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("session_id", sa.Uuid(), sa.ForeignKey("register_session.id"), nullable=False),
        sa.Column("register_id", sa.Uuid(), sa.ForeignKey("register.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("amount", AMOUNT, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Uuid(), sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column("client_id", sa.String(100), nullable=False, unique=True),
        sa.Column("created_at", WHEN, nullable=False),
    )
    op.create_index(
        "ix_register_cash_movement_session_id", "register_cash_movement", ["session_id"]
    )
    op.create_table(
        "register_closure_count",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column(
            "session_id",
            sa.Uuid(),
            sa.ForeignKey("register_session.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("payment_type_id", sa.Uuid(), sa.ForeignKey("payment_type.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("type_id", sa.Integer(), nullable=False),
        sa.Column("counted_automatically", sa.Boolean(), nullable=False),
        sa.Column("expected", AMOUNT, nullable=False),
        sa.Column("counted", AMOUNT, nullable=False),
        sa.Column("difference", AMOUNT, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("denominations", sa.JSON(), nullable=True),
        sa.UniqueConstraint("session_id", "payment_type_id"),
    )
    op.create_index(
        "ix_register_closure_count_session_id", "register_closure_count", ["session_id"]
    )
    # Plain ADD COLUMN of nullable columns: no table rebuild on SQLite.
    op.add_column("register", sa.Column("open_session_id", sa.Uuid(), nullable=True))
    op.add_column("sale", sa.Column("register_session_id", sa.Uuid(), nullable=True))
    op.create_index("ix_sale_register_session_id", "sale", ["register_session_id"])
    op.add_column("sale_payment", sa.Column("register_session_id", sa.Uuid(), nullable=True))
    op.create_index("ix_sale_payment_register_session_id", "sale_payment", ["register_session_id"])


def downgrade() -> None:
    op.drop_index("ix_sale_payment_register_session_id", "sale_payment")
    op.drop_column("sale_payment", "register_session_id")
    op.drop_index("ix_sale_register_session_id", "sale")
    op.drop_column("sale", "register_session_id")
    op.drop_column("register", "open_session_id")
    op.drop_table("register_closure_count")
    op.drop_table("register_cash_movement")
    op.drop_table("register_session")
