"""web: an organization's private notes on a state's parity-enforcement profile

One row per organization, state and element ("" = the whole state); the body is plain
text (escaped on output, at most 5,000 characters by the form). Deleted with the
organization; the author link is cleared when the user goes.

Revision ID: 0220
Revises: 0150
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0220"
down_revision = "0150"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "parity_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.String(length=8), nullable=False),
        sa.Column("element", sa.String(length=40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_parity_notes_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_parity_notes_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parity_notes")),
        sa.UniqueConstraint(
            "organization_id",
            "jurisdiction_id",
            "element",
            name=op.f("uq_parity_notes_organization_id"),
        ),
    )
    with op.batch_alter_table("parity_notes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_parity_notes_organization_id"), ["organization_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("parity_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_parity_notes_organization_id"))
    op.drop_table("parity_notes")
