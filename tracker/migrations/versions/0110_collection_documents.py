"""bill texts: where each version's document comes from and how it was fetched

bill_versions gains `source_doc` (a source's own document id, e.g. "legiscan:2861602")
and `source_hash` (the source's change token for the document, e.g. LegiScan's
text_hash). `version_documents` keeps the fetch state per document URL (ETag,
Last-Modified, archived raw bytes, outcome; keyed by the source's document id, else the
URL), so a second sync downloads nothing new and
the state survives ingest rewriting a bill's versions. extracted_texts gains the
extractor's version, the struck/inserted marks and the section index.

Revision ID: 0110
Revises: 0002
Create Date: 2026-12-02 02:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0110"
down_revision = "0002"
branch_labels = None
depends_on = ("0003",)

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("bill_versions") as batch_op:
        batch_op.add_column(sa.Column("source_doc", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("source_hash", sa.String(length=64), nullable=True))
    with op.batch_alter_table("extracted_texts") as batch_op:
        batch_op.add_column(
            sa.Column("extractor_version", sa.String(length=40), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("marks", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("sections", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("pages", sa.Integer(), nullable=True))
    op.create_table(
        "version_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=500), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_doc", sa.String(length=120), nullable=True),
        sa.Column("source_hash", sa.String(length=64), nullable=True),
        sa.Column("etag", sa.String(length=200), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("raw_sha256", sa.String(length=64), nullable=True),
        sa.Column("raw_path", sa.String(length=500), nullable=True),
        sa.Column("content_type", sa.String(length=120), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("fetched_at", TS, nullable=True),
        sa.Column("checked_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_version_documents")),
        sa.UniqueConstraint("key", name=op.f("uq_version_documents_key")),
    )


def downgrade() -> None:
    op.drop_table("version_documents")
    with op.batch_alter_table("extracted_texts") as batch_op:
        batch_op.drop_column("pages")
        batch_op.drop_column("sections")
        batch_op.drop_column("marks")
        batch_op.drop_column("extractor_version")
    with op.batch_alter_table("bill_versions") as batch_op:
        batch_op.drop_column("source_hash")
        batch_op.drop_column("source_doc")
