"""988 provisions per bill version: fee, trust fund, anti-diversion, appropriations

version_provisions holds what tracker.provisions found in each version's extracted
text (JSON with quotes and sections) plus flat columns for the /988 page's filters.

Revision ID: 0190
Revises: 0110
Create Date: 2026-12-02 03:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0190"
down_revision = "0110"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "version_provisions",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("bill_id", sa.String(length=120), nullable=False),
        sa.Column("text_sha256", sa.String(64), nullable=False),
        sa.Column("extractor_version", sa.String(40), nullable=False),
        sa.Column("has_fee", sa.Boolean(), nullable=False),
        sa.Column("fee_cents", sa.Integer(), nullable=True),
        sa.Column("trust_fund", sa.Boolean(), nullable=False),
        sa.Column("anti_diversion", sa.Boolean(), nullable=False),
        sa.Column("appropriations_total", sa.BigInteger(), nullable=False),
        sa.Column("study_only", sa.Boolean(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["bill_versions.id"],
            name=op.f("fk_version_provisions_version_id_bill_versions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["bill_id"],
            ["bills.id"],
            name=op.f("fk_version_provisions_bill_id_bills"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", name=op.f("pk_version_provisions")),
    )
    op.create_index("ix_version_provisions_bill_id", "version_provisions", ["bill_id"])


def downgrade() -> None:
    op.drop_index("ix_version_provisions_bill_id", table_name="version_provisions")
    op.drop_table("version_provisions")
