"""Integrated payments: which provider a payment type goes through, and on each payment the
processor that took it and its reference there

Revision ID: 0010
Revises: 0009

Shared by the register issue's parts: closures count an integrated type from its provider,
sales history and closures show the processor.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN of nullable columns: no table rebuild on SQLite.
    op.add_column("payment_type", sa.Column("provider", sa.String(40), nullable=True))
    op.add_column("sale_payment", sa.Column("processor", sa.String(60), nullable=True))
    op.add_column("sale_payment", sa.Column("provider_reference", sa.String(100), nullable=True))


def downgrade() -> None:
    op.drop_column("sale_payment", "provider_reference")
    op.drop_column("sale_payment", "processor")
    op.drop_column("payment_type", "provider")
