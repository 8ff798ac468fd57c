"""web: API tokens, invitations, password resets, saved searches, alerts, full-text search

SQLite gets an FTS5 table `bill_fts` (porter stemming) whose rowids come from
`bill_search_rows` (an INTEGER PRIMARY KEY map, because a text-keyed table's implicit
rowid may change on VACUUM); PostgreSQL gets `bill_search` with a weighted tsvector and a
GIN index. Triggers on `bills` and `bill_texts` keep both in step with ingest.

Revision ID: 0004
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE_UP = [
    "CREATE TABLE bill_search_rows (id INTEGER PRIMARY KEY, bill_id VARCHAR(120) NOT NULL UNIQUE)",
    "CREATE VIRTUAL TABLE bill_fts USING fts5("
    "identifier, title, abstract, body, tokenize='porter unicode61')",
    "INSERT INTO bill_search_rows (bill_id) SELECT id FROM bills",
    "INSERT INTO bill_fts (rowid, identifier, title, abstract, body) "
    "SELECT r.id, b.identifier, b.title, b.abstract, '' "
    "FROM bills b JOIN bill_search_rows r ON r.bill_id = b.id",
    """CREATE TRIGGER bill_fts_ai AFTER INSERT ON bills BEGIN
        INSERT INTO bill_search_rows (bill_id) VALUES (new.id);
        INSERT INTO bill_fts (rowid, identifier, title, abstract, body)
        VALUES ((SELECT id FROM bill_search_rows WHERE bill_id = new.id),
                new.identifier, new.title, new.abstract,
                coalesce((SELECT text FROM bill_texts WHERE bill_id = new.id), ''));
    END""",
    """CREATE TRIGGER bill_fts_au AFTER UPDATE OF identifier, title, abstract ON bills BEGIN
        UPDATE bill_fts SET identifier = new.identifier, title = new.title,
               abstract = new.abstract
        WHERE rowid = (SELECT id FROM bill_search_rows WHERE bill_id = new.id);
    END""",
    """CREATE TRIGGER bill_fts_ad AFTER DELETE ON bills BEGIN
        DELETE FROM bill_fts WHERE rowid = (SELECT id FROM bill_search_rows WHERE bill_id = old.id);
        DELETE FROM bill_search_rows WHERE bill_id = old.id;
    END""",
    """CREATE TRIGGER bill_texts_ai AFTER INSERT ON bill_texts BEGIN
        UPDATE bill_fts SET body = new.text
        WHERE rowid = (SELECT id FROM bill_search_rows WHERE bill_id = new.bill_id);
    END""",
    """CREATE TRIGGER bill_texts_au AFTER UPDATE OF text ON bill_texts BEGIN
        UPDATE bill_fts SET body = new.text
        WHERE rowid = (SELECT id FROM bill_search_rows WHERE bill_id = new.bill_id);
    END""",
    """CREATE TRIGGER bill_texts_ad AFTER DELETE ON bill_texts BEGIN
        UPDATE bill_fts SET body = ''
        WHERE rowid = (SELECT id FROM bill_search_rows WHERE bill_id = old.bill_id);
    END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS bill_texts_ad",
    "DROP TRIGGER IF EXISTS bill_texts_au",
    "DROP TRIGGER IF EXISTS bill_texts_ai",
    "DROP TRIGGER IF EXISTS bill_fts_ad",
    "DROP TRIGGER IF EXISTS bill_fts_au",
    "DROP TRIGGER IF EXISTS bill_fts_ai",
    "DROP TABLE IF EXISTS bill_fts",
    "DROP TABLE IF EXISTS bill_search_rows",
]

# Identifier and title weigh most, then the abstract, then the extracted text.
PG_UP = [
    "CREATE TABLE bill_search (bill_id VARCHAR(120) PRIMARY KEY "
    "REFERENCES bills(id) ON DELETE CASCADE, document tsvector NOT NULL)",
    "CREATE INDEX ix_bill_search_document ON bill_search USING GIN (document)",
    """CREATE FUNCTION bill_search_upsert(p_bill_id VARCHAR) RETURNS void AS $$
    BEGIN
        INSERT INTO bill_search (bill_id, document)
        SELECT b.id,
               setweight(to_tsvector('english', coalesce(b.identifier, '')), 'A')
               || setweight(to_tsvector('english', coalesce(b.title, '')), 'A')
               || setweight(to_tsvector('english', coalesce(b.abstract, '')), 'B')
               || setweight(to_tsvector('english', coalesce(t.text, '')), 'C')
        FROM bills b LEFT JOIN bill_texts t ON t.bill_id = b.id
        WHERE b.id = p_bill_id
        ON CONFLICT (bill_id) DO UPDATE SET document = EXCLUDED.document;
    END $$ LANGUAGE plpgsql""",
    """CREATE FUNCTION bill_search_bills_trigger() RETURNS trigger AS $$
    BEGIN
        PERFORM bill_search_upsert(NEW.id);
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    """CREATE FUNCTION bill_search_texts_trigger() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            PERFORM bill_search_upsert(OLD.bill_id);
        ELSE
            PERFORM bill_search_upsert(NEW.bill_id);
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER bill_search_bills AFTER INSERT OR UPDATE OF identifier, title, abstract "
    "ON bills FOR EACH ROW EXECUTE FUNCTION bill_search_bills_trigger()",
    "CREATE TRIGGER bill_search_texts AFTER INSERT OR UPDATE OR DELETE ON bill_texts "
    "FOR EACH ROW EXECUTE FUNCTION bill_search_texts_trigger()",
    "SELECT bill_search_upsert(id) FROM bills",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS bill_search_texts ON bill_texts",
    "DROP TRIGGER IF EXISTS bill_search_bills ON bills",
    "DROP FUNCTION IF EXISTS bill_search_texts_trigger()",
    "DROP FUNCTION IF EXISTS bill_search_bills_trigger()",
    "DROP FUNCTION IF EXISTS bill_search_upsert(VARCHAR)",
    "DROP TABLE IF EXISTS bill_search",
]


def upgrade() -> None:
    op.create_table(
        "alert_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("frequency", sa.String(length=20), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("webhook_url", sa.String(length=500), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_alert_subscriptions_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_alert_subscriptions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_subscriptions")),
    )
    with op.batch_alter_table("alert_subscriptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_alert_subscriptions_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_alert_subscriptions_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["users.id"],
            name=op.f("fk_invitations_invited_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_invitations_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitations_token_hash")),
    )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invitations_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "password_resets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_password_resets_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_resets")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_resets_token_hash")),
    )
    with op.batch_alter_table("password_resets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_password_resets_user_id"), ["user_id"], unique=False)

    op.create_table(
        "saved_searches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("query", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_saved_searches_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_saved_searches_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_searches")),
    )
    with op.batch_alter_table("saved_searches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_saved_searches_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "alert_bill_states",
        sa.Column("bill_id", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("action_count", sa.Integer(), nullable=False),
        sa.Column("hearing_ids", sa.JSON(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bill_id"],
            ["bills.id"],
            name=op.f("fk_alert_bill_states_bill_id_bills"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("bill_id", name=op.f("pk_alert_bill_states")),
    )
    op.create_table(
        "alert_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("bill_id", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("saved_search_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bill_id"],
            ["bills.id"],
            name=op.f("fk_alert_events_bill_id_bills"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_alert_events_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["saved_search_id"],
            ["saved_searches.id"],
            name=op.f("fk_alert_events_saved_search_id_saved_searches"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_events")),
        sa.UniqueConstraint("organization_id", "key", name=op.f("uq_alert_events_organization_id")),
    )
    with op.batch_alter_table("alert_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_events_bill_id"), ["bill_id"], unique=False)
        batch_op.create_index(
            "ix_alert_events_org_created", ["organization_id", "created_at"], unique=False
        )

    op.create_table(
        "bill_texts",
        sa.Column("bill_id", sa.String(length=120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bill_id"], ["bills.id"], name=op.f("fk_bill_texts_bill_id_bills"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("bill_id", name=op.f("pk_bill_texts")),
    )
    op.create_table(
        "alert_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["alert_events.id"],
            name=op.f("fk_alert_deliveries_event_id_alert_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["alert_subscriptions.id"],
            name=op.f("fk_alert_deliveries_subscription_id_alert_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_deliveries")),
        sa.UniqueConstraint(
            "event_id", "subscription_id", name=op.f("uq_alert_deliveries_event_id")
        ),
    )
    with op.batch_alter_table("alert_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_alert_deliveries_status", ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_alert_deliveries_subscription_id"), ["subscription_id"], unique=False
        )

    for statement in SQLITE_UP if op.get_bind().dialect.name == "sqlite" else PG_UP:
        op.execute(statement)


def downgrade() -> None:
    for statement in SQLITE_DOWN if op.get_bind().dialect.name == "sqlite" else PG_DOWN:
        op.execute(statement)
    with op.batch_alter_table("alert_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_deliveries_subscription_id"))
        batch_op.drop_index("ix_alert_deliveries_status")

    op.drop_table("alert_deliveries")
    op.drop_table("bill_texts")
    with op.batch_alter_table("alert_events", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_events_org_created")
        batch_op.drop_index(batch_op.f("ix_alert_events_bill_id"))

    op.drop_table("alert_events")
    op.drop_table("alert_bill_states")
    with op.batch_alter_table("saved_searches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_saved_searches_organization_id"))

    op.drop_table("saved_searches")
    with op.batch_alter_table("password_resets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_password_resets_user_id"))

    op.drop_table("password_resets")
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitations_organization_id"))

    op.drop_table("invitations")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    with op.batch_alter_table("alert_subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_subscriptions_user_id"))
        batch_op.drop_index(batch_op.f("ix_alert_subscriptions_organization_id"))

    op.drop_table("alert_subscriptions")
