"""outreach: constituent prefix (Ms., Mr., ...), which CWC messages require

Revision ID: 0142
Revises: 0141
Create Date: 2026-12-02 03:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0142"
down_revision = "0141"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("constituents") as batch:
        batch.add_column(
            sa.Column("prefix", sa.String(length=10), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("constituents") as batch:
        batch.drop_column("prefix")
