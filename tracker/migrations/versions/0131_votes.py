"""votes: roll calls and each legislator's vote

Revision ID: 0131
Revises: 0130
Create Date: 2026-12-02 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0131"
down_revision = "0130"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("jurisdiction_id", sa.String(length=8), nullable=False),
        sa.Column("bill_id", sa.String(length=120), nullable=True),
        sa.Column("bill_ref", sa.String(length=120), nullable=True),
        sa.Column("chamber", sa.String(length=20), nullable=True),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("motion", sa.Text(), nullable=False),
        sa.Column("result", sa.String(length=60), nullable=True),
        sa.Column("yes", sa.Integer(), nullable=False),
        sa.Column("no", sa.Integer(), nullable=False),
        sa.Column("other", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["bill_id"], ["bills.id"], name=op.f("fk_votes_bill_id_bills"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_votes_jurisdiction_id_jurisdictions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_votes")),
        sa.UniqueConstraint("external_id", name=op.f("uq_votes_external_id")),
    )
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_votes_bill_id"), ["bill_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_votes_date"), ["date"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_votes_jurisdiction_id"), ["jurisdiction_id"], unique=False
        )
    op.create_table(
        "person_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("option", sa.String(length=20), nullable=False),
        sa.Column("external_id", sa.String(length=120), nullable=True),
        sa.Column("legislator_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["vote_id"],
            ["votes.id"],
            name=op.f("fk_person_votes_vote_id_votes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["legislator_id"],
            ["legislators.id"],
            name=op.f("fk_person_votes_legislator_id_legislators"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_votes")),
    )
    with op.batch_alter_table("person_votes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_votes_vote_id"), ["vote_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_person_votes_legislator_id"), ["legislator_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("person_votes")
    op.drop_table("votes")
