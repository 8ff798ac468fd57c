"""outreach: campaign target modes (district | committee | offices) and named offices

Revision ID: 0140
Revises: 0005
Create Date: 2026-12-02 02:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0140"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(
            sa.Column(
                "target_mode", sa.String(length=20), nullable=False, server_default="district"
            )
        )
        batch.add_column(
            sa.Column("target_office_ids", sa.JSON(), nullable=False, server_default="[]")
        )


def downgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("target_office_ids")
        batch.drop_column("target_mode")
