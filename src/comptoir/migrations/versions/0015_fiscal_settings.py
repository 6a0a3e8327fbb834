"""Fiscal settings: the month the store's fiscal year starts in (annual closings), and a
partial index on the journal's closings

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLOSINGS = "kind IN ('closing.annual', 'closing.daily', 'closing.monthly')"


def upgrade() -> None:
    # Plain ADD COLUMN with a server default: no table rebuild on SQLite.
    op.add_column(
        "retailer",
        sa.Column(
            "fiscal_year_start_month", sa.Integer(), server_default=sa.text("1"), nullable=False
        ),
    )
    op.create_index(
        "ix_fiscal_entry_closings",
        "fiscal_entry",
        ["chain", "sequence"],
        sqlite_where=sa.text(CLOSINGS),
        postgresql_where=sa.text(CLOSINGS),
    )


def downgrade() -> None:
    op.drop_index("ix_fiscal_entry_closings", table_name="fiscal_entry")
    op.drop_column("retailer", "fiscal_year_start_month")
