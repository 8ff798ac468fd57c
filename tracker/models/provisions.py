"""The 988 provisions of each bill version (created by migration 0190_provisions_988).

    version_provisions  one row per text version: what tracker.provisions found in the
                        version's extracted text (the full result as JSON, with quotes
                        and sections), a few flat columns for filtering, and the text
                        sha256 and extractor version it was computed from (how stale
                        rows are found)

Written by tracker.provisions_store.store_provisions, read by web/views/provisions.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.models import Base, utcnow


class VersionProvisions(Base):
    __tablename__ = "version_provisions"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("bill_versions.id", ondelete="CASCADE"), primary_key=True
    )
    bill_id: Mapped[str] = mapped_column(
        String(120), ForeignKey("bills.id", ondelete="CASCADE"), index=True
    )
    text_sha256: Mapped[str] = mapped_column(String(64))
    extractor_version: Mapped[str] = mapped_column(String(40))
    has_fee: Mapped[bool] = mapped_column(Boolean, default=False)
    fee_cents: Mapped[int | None] = mapped_column(Integer)
    trust_fund: Mapped[bool] = mapped_column(Boolean, default=False)
    anti_diversion: Mapped[bool] = mapped_column(Boolean, default=False)
    appropriations_total: Mapped[int] = mapped_column(BigInteger, default=0)
    study_only: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[dict[str, Any]] = mapped_column()
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
