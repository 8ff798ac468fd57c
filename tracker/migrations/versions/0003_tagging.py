"""tagging: bill topics with evidence, taxonomy version per bill, scores with reasons,
similar-bill pairs, extracted-text cache keyed by sha256

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-26 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "bill_topics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bill_id", sa.String(length=120), nullable=False),
        sa.Column("topic", sa.String(length=60), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("taxonomy_version", sa.String(length=40), nullable=False),
        sa.Column("tagged_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["bill_id"], ["bills.id"], name=op.f("fk_bill_topics_bill_id_bills"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bill_topics")),
        sa.UniqueConstraint("bill_id", "topic", name=op.f("uq_bill_topics_bill_id")),
    )
    with op.batch_alter_table("bill_topics") as batch_op:
        batch_op.create_index(batch_op.f("ix_bill_topics_bill_id"), ["bill_id"], unique=False)
        batch_op.create_index("ix_bill_topics_topic_score", ["topic", "score"], unique=False)

    op.create_table(
        "bill_taggings",
        sa.Column("bill_id", sa.String(length=120), nullable=False),
        sa.Column("taxonomy_version", sa.String(length=40), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=True),
        sa.Column("topic_count", sa.Integer(), nullable=False),
        sa.Column("tagged_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["bill_id"],
            ["bills.id"],
            name=op.f("fk_bill_taggings_bill_id_bills"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("bill_id", name=op.f("pk_bill_taggings")),
    )
    with op.batch_alter_table("bill_taggings") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bill_taggings_taxonomy_version"), ["taxonomy_version"], unique=False
        )

    op.create_table(
        "bill_scores",
        sa.Column("bill_id", sa.String(length=120), nullable=False),
        sa.Column("relevance", sa.Integer(), nullable=False),
        sa.Column("relevance_reasons", sa.JSON(), nullable=False),
        sa.Column("passage", sa.Integer(), nullable=False),
        sa.Column("passage_reasons", sa.JSON(), nullable=False),
        sa.Column("momentum", sa.Boolean(), nullable=False),
        sa.Column("momentum_reasons", sa.JSON(), nullable=False),
        sa.Column("scoring_version", sa.String(length=40), nullable=False),
        sa.Column("scored_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["bill_id"], ["bills.id"], name=op.f("fk_bill_scores_bill_id_bills"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("bill_id", name=op.f("pk_bill_scores")),
    )
    with op.batch_alter_table("bill_scores") as batch_op:
        batch_op.create_index("ix_bill_scores_relevance", ["relevance"], unique=False)
        batch_op.create_index("ix_bill_scores_passage", ["passage"], unique=False)
        batch_op.create_index(batch_op.f("ix_bill_scores_momentum"), ["momentum"], unique=False)

    op.create_table(
        "similar_bills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bill_id", sa.String(length=120), nullable=False),
        sa.Column("other_bill_id", sa.String(length=120), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=False),
        sa.Column("computed_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["bill_id"],
            ["bills.id"],
            name=op.f("fk_similar_bills_bill_id_bills"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["other_bill_id"],
            ["bills.id"],
            name=op.f("fk_similar_bills_other_bill_id_bills"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_similar_bills")),
        sa.UniqueConstraint("bill_id", "other_bill_id", name=op.f("uq_similar_bills_bill_id")),
    )
    with op.batch_alter_table("similar_bills") as batch_op:
        batch_op.create_index(batch_op.f("ix_similar_bills_bill_id"), ["bill_id"], unique=False)

    op.create_table(
        "extracted_texts",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=80), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("chars", sa.Integer(), nullable=False),
        sa.Column("extractor", sa.String(length=40), nullable=False),
        sa.Column("extracted_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_extracted_texts")),
    )


def downgrade() -> None:
    op.drop_table("extracted_texts")
    with op.batch_alter_table("similar_bills") as batch_op:
        batch_op.drop_index(batch_op.f("ix_similar_bills_bill_id"))
    op.drop_table("similar_bills")
    with op.batch_alter_table("bill_scores") as batch_op:
        batch_op.drop_index(batch_op.f("ix_bill_scores_momentum"))
        batch_op.drop_index("ix_bill_scores_passage")
        batch_op.drop_index("ix_bill_scores_relevance")
    op.drop_table("bill_scores")
    with op.batch_alter_table("bill_taggings") as batch_op:
        batch_op.drop_index(batch_op.f("ix_bill_taggings_taxonomy_version"))
    op.drop_table("bill_taggings")
    with op.batch_alter_table("bill_topics") as batch_op:
        batch_op.drop_index("ix_bill_topics_topic_score")
        batch_op.drop_index(batch_op.f("ix_bill_topics_bill_id"))
    op.drop_table("bill_topics")
