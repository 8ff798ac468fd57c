"""outreach: confirmation retry state, constituent language, campaign subject/ask/translations,
call outcomes

Revision ID: 0141
Revises: 0140
Create Date: 2026-12-02 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0141"
down_revision = "0140"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("constituents") as batch:
        batch.add_column(
            sa.Column("confirmation_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("confirmation_error", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("confirmation_retry_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column("language", sa.String(length=5), nullable=False, server_default="en")
        )
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("subject", sa.Text(), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("ask", sa.String(length=10), nullable=False, server_default="write")
        )
        batch.add_column(sa.Column("translations", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("letters") as batch:
        batch.add_column(sa.Column("call_outcome", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("letters") as batch:
        batch.drop_column("call_outcome")
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("translations")
        batch.drop_column("ask")
        batch.drop_column("subject")
    with op.batch_alter_table("constituents") as batch:
        batch.drop_column("language")
        batch.drop_column("confirmation_retry_at")
        batch.drop_column("confirmation_error")
        batch.drop_column("confirmation_attempts")
