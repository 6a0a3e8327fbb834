"""Receipts and printers: a receipt template per outlet, a network printer per register with
its state, and the store setting that emails receipts at the end of a sale

Revision ID: 0012
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import comptoir.core.db

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = comptoir.core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "receipt_template",
        sa.Column("outlet_id", sa.Uuid(), nullable=False),
        sa.Column("header", sa.Text(), nullable=True),
        sa.Column("footer", sa.Text(), nullable=True),
        sa.Column("company_name", sa.String(length=200), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("siret", sa.String(length=14), nullable=True),
        sa.Column("vat_number", sa.String(length=20), nullable=True),
        sa.Column("return_policy", sa.Text(), nullable=True),
        sa.Column("paper_width", sa.Integer(), server_default=sa.text("80"), nullable=False),
        sa.Column("logo", sa.LargeBinary(), nullable=True),
        sa.Column("logo_type", sa.String(length=20), nullable=True),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["outlet_id"],
            ["outlet.id"],
            name="fk_receipt_template_outlet_id_outlet",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("outlet_id", name="pk_receipt_template"),
    )
    op.create_table(
        "register_printer",
        sa.Column("register_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("port", sa.Integer(), server_default=sa.text("9100"), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("last_success_at", WHEN, nullable=True),
        sa.Column("last_error_at", WHEN, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["register_id"],
            ["register.id"],
            name="fk_register_printer_register_id_register",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("register_id", name="pk_register_printer"),
    )
    # Plain ADD COLUMN with a server default: no table rebuild on SQLite.
    op.add_column(
        "retailer",
        sa.Column("email_receipts", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    op.drop_column("retailer", "email_receipts")
    op.drop_table("register_printer")
    op.drop_table("receipt_template")
