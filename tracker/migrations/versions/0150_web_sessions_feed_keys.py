"""web: server-side sign-in sessions and random watchlist feed keys

`user_sessions` holds one row per signed-in browser (only the sha256 of the token the
cookie carries): signing out deletes it, "sign out everywhere" and a password reset delete
all of a user's. `watchlist_feed_keys` replaces feed keys derived from the watchlist id:
random, stored as sha256, revocable, gone with their list and with their creator.

Revision ID: 0150
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0150"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_sessions_token_hash")),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_sessions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "watchlist_feed_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("watchlist_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["watchlist_id"],
            ["watchlists.id"],
            name=op.f("fk_watchlist_feed_keys_watchlist_id_watchlists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_watchlist_feed_keys_created_by_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watchlist_feed_keys")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_watchlist_feed_keys_token_hash")),
    )
    with op.batch_alter_table("watchlist_feed_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_watchlist_feed_keys_watchlist_id"), ["watchlist_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("watchlist_feed_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_watchlist_feed_keys_watchlist_id"))
    op.drop_table("watchlist_feed_keys")
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_sessions_user_id"))
    op.drop_table("user_sessions")
