"""tagging: each bill's stored MinHash and its LSH band keys, for similarity in chunks

bill_signatures holds the MinHash of what similarity compares for a bill (its newest
text, else title + abstract) with the key of that document, so a re-run recomputes only
bills whose document changed; hashvalues is NULL for a document too short to compare.
signature_bands holds one key per LSH band, indexed by (band, key): a chunk of bills
finds its candidates with one join instead of an in-memory index over every bill.

Revision ID: 0230
Revises: 0180
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0230"
down_revision = "0180"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bill_signatures",
        sa.Column("bill_id", sa.String(length=120), nullable=False),
        sa.Column("doc_key", sa.String(length=100), nullable=False),
        sa.Column("hashvalues", sa.LargeBinary(), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bill_id"],
            ["bills.id"],
            name=op.f("fk_bill_signatures_bill_id_bills"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("bill_id", name=op.f("pk_bill_signatures")),
    )
    op.create_table(
        "signature_bands",
        sa.Column("bill_id", sa.String(length=120), nullable=False),
        sa.Column("band", sa.SmallInteger(), nullable=False),
        sa.Column("key", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bill_id"],
            ["bill_signatures.bill_id"],
            name=op.f("fk_signature_bands_bill_id_bill_signatures"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("bill_id", "band", name=op.f("pk_signature_bands")),
    )
    op.create_index("ix_signature_bands_band_key", "signature_bands", ["band", "key"])


def downgrade() -> None:
    op.drop_index("ix_signature_bands_band_key", table_name="signature_bands")
    op.drop_table("signature_bands")
    op.drop_table("bill_signatures")
