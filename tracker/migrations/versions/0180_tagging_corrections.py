"""tagging corrections: an organization's verdicts on topics, its trained second-opinion
classifier and where that classifier disagrees with the rules

Revision ID: 0180
Revises: 0003
Create Date: 2026-12-02 02:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0180"
down_revision = "0003"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _org_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["organization_id"],
        ["organizations.id"],
        name=op.f(f"fk_{table}_organization_id_organizations"),
        ondelete="CASCADE",
    )


def _bill_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["bill_id"], ["bills.id"], name=op.f(f"fk_{table}_bill_id_bills"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "topic_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("bill_id", sa.String(length=120), nullable=False),
        sa.Column("topic", sa.String(length=60), nullable=False),
        sa.Column("verdict", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("implied_by", sa.String(length=60), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        _org_fk("topic_corrections"),
        _bill_fk("topic_corrections"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_topic_corrections_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic_corrections")),
        sa.UniqueConstraint(
            "organization_id", "bill_id", "topic", name=op.f("uq_topic_corrections_organization_id")
        ),
    )
    with op.batch_alter_table("topic_corrections") as batch_op:
        batch_op.create_index(batch_op.f("ix_topic_corrections_bill_id"), ["bill_id"])
        batch_op.create_index("ix_topic_corrections_org_topic", ["organization_id", "topic"])

    op.create_table(
        "tagger_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=80), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("blob", sa.LargeBinary(), nullable=False),
        sa.Column("training", sa.JSON(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        _org_fk("tagger_models"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tagger_models")),
    )
    with op.batch_alter_table("tagger_models") as batch_op:
        batch_op.create_index("ix_tagger_models_org_created", ["organization_id", "created_at"])

    op.create_table(
        "second_opinions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("bill_id", sa.String(length=120), nullable=False),
        sa.Column("topic", sa.String(length=60), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("rules_say", sa.Boolean(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("model_version", sa.String(length=80), nullable=False),
        sa.Column("scored_at", TS, nullable=False),
        _org_fk("second_opinions"),
        _bill_fk("second_opinions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_second_opinions")),
        sa.UniqueConstraint(
            "organization_id", "bill_id", "topic", name=op.f("uq_second_opinions_organization_id")
        ),
    )
    with op.batch_alter_table("second_opinions") as batch_op:
        batch_op.create_index(batch_op.f("ix_second_opinions_bill_id"), ["bill_id"])
        batch_op.create_index("ix_second_opinions_org_topic", ["organization_id", "topic"])


def downgrade() -> None:
    op.drop_table("second_opinions")
    op.drop_table("tagger_models")
    op.drop_table("topic_corrections")
