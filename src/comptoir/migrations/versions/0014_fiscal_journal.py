"""The fiscal journal: signed, chained entries per register and for technical events,
the public keys that verify them, and each chain's head; triggers make entries and keys
insert-only

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import comptoir.core.db
from comptoir.fiscal.triggers import create_triggers, drop_triggers

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = comptoir.core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "fiscal_key",
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("algorithm", sa.String(40), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("key_id", name="pk_fiscal_key"),
    )
    op.create_table(
        "fiscal_chain",
        sa.Column("id", sa.String(60), nullable=False),
        sa.Column("register_id", sa.Uuid(), nullable=True),
        sa.Column("last_sequence", sa.Integer(), nullable=False),
        sa.Column("last_signature", sa.Text(), nullable=True),
        sa.Column("time_zone", sa.String(64), nullable=True),
        sa.Column("open_day", sa.String(10), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_fiscal_chain"),
    )
    op.create_table(
        "fiscal_entry",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("chain", sa.String(60), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("recorded_at", WHEN, nullable=False),
        sa.Column("register_id", sa.Uuid(), nullable=True),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("period", sa.String(10), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("previous_signature", sa.Text(), nullable=True),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("algorithm", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_fiscal_entry"),
        sa.UniqueConstraint("chain", "sequence", name="uq_fiscal_entry_chain_sequence"),
    )
    op.create_index("ix_fiscal_entry_register_id", "fiscal_entry", ["register_id"])
    op.create_index("ix_fiscal_entry_subject_id", "fiscal_entry", ["subject_id"])
    create_triggers(op.get_bind())


def downgrade() -> None:
    drop_triggers(op.get_bind())
    op.drop_table("fiscal_entry")
    op.drop_table("fiscal_chain")
    op.drop_table("fiscal_key")
