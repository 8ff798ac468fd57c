"""Tables of the tagging area (created by migration 0003_tagging).

    bill_topics      one row per (bill, topic): score 0-1, evidence sentences, rules
    bill_taggings    one row per tagged bill: taxonomy version and the bill content hash
                     it was tagged from (how "changed" and "older taxonomy" are found)
    bill_scores      one row per bill: relevance, passage likelihood, momentum + reasons
    similar_bills    near-copies across jurisdictions (MinHash/LSH), similarity 0-1
    extracted_texts  full text extracted from a version's HTML/XML/PDF, keyed by the
                     sha256 of the downloaded bytes (extract once, reuse forever)

Read them through `tracker.tagging_queries`; `tracker.tagging_service` writes them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models import Base, Bill, utcnow


class BillTopic(Base):
    """A topic the tagger assigned to a bill, with its evidence."""

    __tablename__ = "bill_topics"
    __table_args__ = (
        UniqueConstraint("bill_id", "topic"),
        Index("ix_bill_topics_topic_score", "topic", "score"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bill_id: Mapped[str] = mapped_column(ForeignKey("bills.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(String(60))
    score: Mapped[float] = mapped_column(Float)
    # [{"field", "start", "end", "quote"}]: field_text[start:end] == quote
    evidence: Mapped[list[Any]] = mapped_column(default=list)
    rules: Mapped[list[Any]] = mapped_column(default=list)
    taxonomy_version: Mapped[str] = mapped_column(String(40))
    tagged_at: Mapped[datetime] = mapped_column(default=utcnow)

    bill: Mapped[Bill] = relationship()


class BillTagging(Base):
    """Which taxonomy version tagged a bill, and from which content."""

    __tablename__ = "bill_taggings"

    bill_id: Mapped[str] = mapped_column(
        ForeignKey("bills.id", ondelete="CASCADE"), primary_key=True
    )
    taxonomy_version: Mapped[str] = mapped_column(String(40), index=True)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    text_sha256: Mapped[str | None] = mapped_column(String(64))
    topic_count: Mapped[int] = mapped_column(Integer, default=0)
    tagged_at: Mapped[datetime] = mapped_column(default=utcnow)


class BillScore(Base):
    """Relevance, passage likelihood and momentum for a bill, each with reasons."""

    __tablename__ = "bill_scores"
    __table_args__ = (
        Index("ix_bill_scores_relevance", "relevance"),
        Index("ix_bill_scores_passage", "passage"),
    )

    bill_id: Mapped[str] = mapped_column(
        ForeignKey("bills.id", ondelete="CASCADE"), primary_key=True
    )
    relevance: Mapped[int] = mapped_column(Integer, default=0)  # 0-100
    relevance_reasons: Mapped[list[Any]] = mapped_column(default=list)
    passage: Mapped[int] = mapped_column(Integer, default=0)  # 0-100
    # [{"factor", "effect" (points), "detail", "log_odds"?}]
    passage_reasons: Mapped[list[Any]] = mapped_column(default=list)
    momentum: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    momentum_reasons: Mapped[list[Any]] = mapped_column(default=list)
    scoring_version: Mapped[str] = mapped_column(String(40), default="")
    scored_at: Mapped[datetime] = mapped_column(default=utcnow)


class SimilarBill(Base):
    """A near-copy of a bill in another jurisdiction (stored in both directions)."""

    __tablename__ = "similar_bills"
    __table_args__ = (UniqueConstraint("bill_id", "other_bill_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bill_id: Mapped[str] = mapped_column(ForeignKey("bills.id", ondelete="CASCADE"), index=True)
    other_bill_id: Mapped[str] = mapped_column(ForeignKey("bills.id", ondelete="CASCADE"))
    similarity: Mapped[float] = mapped_column(Float)  # estimated Jaccard of word shingles
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)

    other: Mapped[Bill] = relationship(foreign_keys=[other_bill_id])

    @property
    def percent(self) -> int:
        """Similarity as a whole percentage."""
        return round(100 * self.similarity)


class ExtractedText(Base):
    """Plain text extracted from one downloaded document (HTML, XML, PDF, text)."""

    __tablename__ = "extracted_texts"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)  # of the raw bytes
    media_type: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text, default="")
    chars: Mapped[int] = mapped_column(Integer, default=0)
    extractor: Mapped[str] = mapped_column(String(40))
    extracted_at: Mapped[datetime] = mapped_column(default=utcnow)
