"""The outlet's manager email: where its register closures are emailed (the outlet's email
when unset)

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outlet") as batch:
        batch.add_column(sa.Column("manager_email", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outlet") as batch:
        batch.drop_column("manager_email")
