"""testimony: where each committee takes written testimony, per organization

Revision ID: 0191
Revises: 0005
Create Date: 2026-12-02 03:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0191"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "testimony_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.String(length=8), nullable=False),
        sa.Column("committee", sa.String(length=300), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_testimony_links_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_testimony_links")),
        sa.UniqueConstraint(
            "organization_id",
            "jurisdiction_id",
            "committee",
            name=op.f("uq_testimony_links_organization_id"),
        ),
    )
    op.create_index("ix_testimony_links_organization_id", "testimony_links", ["organization_id"])


def downgrade() -> None:
    op.drop_index("ix_testimony_links_organization_id", table_name="testimony_links")
    op.drop_table("testimony_links")
