"""source links: raw_sha256, a fingerprint of the record exactly as its source sent it

Ingest compares it before cleaning, classifying or hashing anything: a record whose
fingerprint is stored on every one of its source links is skipped at once. NULL until the
next import of the bill writes it.

Revision ID: 0232
Revises: 0130
Create Date: 2026-12-03 14:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0232"
down_revision = "0130"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("source_links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("raw_sha256", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("source_links", schema=None) as batch_op:
        batch_op.drop_column("raw_sha256")
