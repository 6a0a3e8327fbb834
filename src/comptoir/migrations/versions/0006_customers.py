"""customers

Revision ID: 0006
Revises: 0004

Customers, their groups (a store that already exists gets its "All Customers" group here;
a new one gets it from `comptoir.setup.ensure_retailer`), marketing consents, the GDPR
review period, and the customer search index (FTS5 on SQLite, GIN on PostgreSQL; the models
cannot describe them, like migration 0003's product search).
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import comptoir.core.db

revision: str = "0006"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


SQLITE_UP = [
    """CREATE VIRTUAL TABLE customer_search USING fts5(
        cid, words, tokenize = "unicode61 remove_diacritics 2", prefix = '1 2 3'
    )""",
    """CREATE TRIGGER customer_search_ai AFTER INSERT ON customer BEGIN
        INSERT INTO customer_search (cid, words) VALUES (new.id, new.search_text);
    END""",
    """CREATE TRIGGER customer_search_ad AFTER DELETE ON customer BEGIN
        DELETE FROM customer_search WHERE rowid IN (
            SELECT rowid FROM customer_search WHERE customer_search MATCH
                '{cid} : "' || old.id || '"');
    END""",
    """CREATE TRIGGER customer_search_au AFTER UPDATE OF search_text, id ON customer BEGIN
        DELETE FROM customer_search WHERE rowid IN (
            SELECT rowid FROM customer_search WHERE customer_search MATCH
                '{cid} : "' || old.id || '"');
        INSERT INTO customer_search (cid, words) VALUES (new.id, new.search_text);
    END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS customer_search_au",
    "DROP TRIGGER IF EXISTS customer_search_ad",
    "DROP TRIGGER IF EXISTS customer_search_ai",
    "DROP TABLE IF EXISTS customer_search",
]
POSTGRESQL_UP = [
    "CREATE INDEX ix_customer_search ON customer"
    " USING gin (to_tsvector('simple'::regconfig, search_text))",
]
POSTGRESQL_DOWN = ["DROP INDEX IF EXISTS ix_customer_search"]


def upgrade() -> None:
    op.create_table(
        "customer_group",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("is_default", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("created_at", comptoir.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", comptoir.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", comptoir.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_group")),
    )
    with op.batch_alter_table("customer_group", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_group_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_customer_group_version"), ["version"], unique=True)

    op.create_table(
        "customer",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_code", sa.String(length=100), nullable=False),
        sa.Column("customer_group_id", sa.Uuid(), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=True),
        sa.Column("last_name", sa.String(length=100), nullable=True),
        sa.Column("company_name", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column("mobile", sa.String(length=50), nullable=True),
        sa.Column("fax", sa.String(length=50), nullable=True),
        sa.Column("website", sa.String(length=200), nullable=True),
        sa.Column("twitter", sa.String(length=100), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("gender", sa.String(length=1), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("physical_address_1", sa.String(length=200), nullable=True),
        sa.Column("physical_address_2", sa.String(length=200), nullable=True),
        sa.Column("physical_suburb", sa.String(length=100), nullable=True),
        sa.Column("physical_city", sa.String(length=100), nullable=True),
        sa.Column("physical_postcode", sa.String(length=20), nullable=True),
        sa.Column("physical_state", sa.String(length=100), nullable=True),
        sa.Column("physical_country_id", sa.String(length=2), nullable=True),
        sa.Column("postal_address_1", sa.String(length=200), nullable=True),
        sa.Column("postal_address_2", sa.String(length=200), nullable=True),
        sa.Column("postal_suburb", sa.String(length=100), nullable=True),
        sa.Column("postal_city", sa.String(length=100), nullable=True),
        sa.Column("postal_postcode", sa.String(length=20), nullable=True),
        sa.Column("postal_state", sa.String(length=100), nullable=True),
        sa.Column("postal_country_id", sa.String(length=2), nullable=True),
        sa.Column("custom_field_1", sa.String(length=255), nullable=True),
        sa.Column("custom_field_2", sa.String(length=255), nullable=True),
        sa.Column("custom_field_3", sa.String(length=255), nullable=True),
        sa.Column("custom_field_4", sa.String(length=255), nullable=True),
        sa.Column("do_not_email", sa.Boolean(), nullable=False),
        sa.Column("enable_loyalty", sa.Boolean(), nullable=False),
        sa.Column(
            "on_account_limit", comptoir.core.db.Amount(precision=20, scale=5), nullable=True
        ),
        sa.Column("tax_id", sa.Uuid(), nullable=True),
        sa.Column("anonymised_at", comptoir.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("search_text", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("created_at", comptoir.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", comptoir.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", comptoir.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_group_id"],
            ["customer_group.id"],
            name=op.f("fk_customer_customer_group_id_customer_group"),
        ),
        sa.ForeignKeyConstraint(["tax_id"], ["tax.id"], name=op.f("fk_customer_tax_id_tax")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer")),
        sa.UniqueConstraint("customer_code", name=op.f("uq_customer_customer_code")),
    )
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_customer_group_id"), ["customer_group_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_customer_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_customer_version"), ["version"], unique=True)

    op.create_table(
        "marketing_consent",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_at", comptoir.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_marketing_consent_customer_id_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketing_consent")),
    )
    with op.batch_alter_table("marketing_consent", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_marketing_consent_customer_id"), ["customer_id"], unique=False
        )

    with op.batch_alter_table("retailer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "customer_inactivity_years",
                sa.Integer(),
                server_default=sa.text("3"),
                nullable=False,
            )
        )

    bind = op.get_bind()
    for statement in SQLITE_UP if bind.dialect.name == "sqlite" else POSTGRESQL_UP:
        op.execute(statement)
    if bind.execute(sa.text("SELECT 1 FROM retailer")).first():
        version = bind.execute(
            sa.text(
                "UPDATE store_counter SET value = value + 1 WHERE name = 'version' RETURNING value"
            )
        ).scalar_one()
        group = sa.table(
            "customer_group",
            sa.column("id", sa.Uuid()),
            sa.column("name", sa.String()),
            sa.column("is_default", sa.Boolean()),
            sa.column("version", sa.BigInteger()),
            sa.column("created_at", comptoir.core.db.UTCDateTime(timezone=True)),
            sa.column("updated_at", comptoir.core.db.UTCDateTime(timezone=True)),
        )
        now = datetime.now(UTC)
        op.bulk_insert(
            group,
            [
                {
                    "id": uuid.uuid4(),
                    "name": "All Customers",
                    "is_default": True,
                    "version": version,
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )


def downgrade() -> None:
    bind = op.get_bind()
    for statement in SQLITE_DOWN if bind.dialect.name == "sqlite" else POSTGRESQL_DOWN:
        op.execute(statement)
    with op.batch_alter_table("retailer", schema=None) as batch_op:
        batch_op.drop_column("customer_inactivity_years")

    with op.batch_alter_table("marketing_consent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_marketing_consent_customer_id"))

    op.drop_table("marketing_consent")
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_version"))
        batch_op.drop_index(batch_op.f("ix_customer_email"))
        batch_op.drop_index(batch_op.f("ix_customer_customer_group_id"))

    op.drop_table("customer")
    with op.batch_alter_table("customer_group", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_group_version"))
        batch_op.drop_index(batch_op.f("ix_customer_group_name"))

    op.drop_table("customer_group")
