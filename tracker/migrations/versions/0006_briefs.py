"""briefs: archive of built briefs, weekly-brief subscribers

Revision ID: 0006
Revises: 0001
Create Date: 2026-11-26 06:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "brief_archives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_brief_archives_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_brief_archives_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_brief_archives")),
    )
    with op.batch_alter_table("brief_archives", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_brief_archives_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            "ix_brief_archives_org_range",
            ["organization_id", "start_date", "end_date"],
            unique=False,
        )

    op.create_table(
        "brief_subscribers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_brief_subscribers_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_brief_subscribers")),
        sa.UniqueConstraint(
            "organization_id", "email", name=op.f("uq_brief_subscribers_organization_id")
        ),
    )
    with op.batch_alter_table("brief_subscribers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_brief_subscribers_organization_id"), ["organization_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("brief_subscribers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_brief_subscribers_organization_id"))
    op.drop_table("brief_subscribers")
    with op.batch_alter_table("brief_archives", schema=None) as batch_op:
        batch_op.drop_index("ix_brief_archives_org_range")
        batch_op.drop_index(batch_op.f("ix_brief_archives_organization_id"))
    op.drop_table("brief_archives")
