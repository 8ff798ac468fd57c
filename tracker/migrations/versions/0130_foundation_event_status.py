"""events: status (cancelled/rescheduled update in place), committee name, source

Revision ID: 0130
Revises: 0002
Create Date: 2026-12-02 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0130"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=20), nullable=False, server_default="scheduled")
        )
        batch_op.add_column(sa.Column("committee_name", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("source", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("source")
        batch_op.drop_column("committee_name")
        batch_op.drop_column("status")
