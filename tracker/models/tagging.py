"""Tables of the tagging area (created by migration 0003_tagging).

    bill_topics      one row per (bill, topic): score 0-1, evidence sentences, rules
    bill_taggings    one row per tagged bill: taxonomy version and the bill content hash
                     it was tagged from (how "changed" and "older taxonomy" are found)
    bill_scores      one row per bill: relevance, passage likelihood, momentum + reasons
    similar_bills    near-copies across jurisdictions (MinHash/LSH), similarity 0-1
    extracted_texts  full text extracted from a version's HTML/XML/PDF, keyed by the
                     sha256 of the downloaded bytes (extract once, reuse forever)

Corrections and the second opinion (migration 0180_tagging_corrections):

    topic_corrections  an organization's verdict on one (bill, topic): confirm, reject
                       or add, with who and an optional note; overrides the tagger for
                       that organization only (`tagging_queries.effective_topics`)
    tagger_models      a trained second-opinion classifier per organization, versioned
                       like the taxonomy, stored as compressed JSON (no pickles)
    second_opinions    where an organization's classifier disagrees with the rules about
                       a (bill, topic): its probability and the top features as reasons

Similarity in chunks (migration 0230_tagging_signatures):

    bill_signatures  each bill's MinHash and the key of the document it was made from
                     (newest text, else title + abstract): re-runs skip unchanged bills
    signature_bands  one key per LSH band, indexed by (band, key): a chunk of bills
                     finds its candidate near-copies with one join (`tracker.similarity`)

Read them through `tracker.tagging_queries`; `tracker.tagging_service` writes them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models import Base, Bill, User, utcnow


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


class BillSignature(Base):
    """A bill's MinHash (`tracker.similarity`), kept so a re-run recomputes only bills
    whose compared document changed."""

    __tablename__ = "bill_signatures"

    bill_id: Mapped[str] = mapped_column(
        ForeignKey("bills.id", ondelete="CASCADE"), primary_key=True
    )
    # What it was made from: "<signature version>:text:<sha256>" or ":title:<sha256>".
    doc_key: Mapped[str] = mapped_column(String(100))
    # NUM_PERM little-endian uint64; None when the document is too short to compare.
    hashvalues: Mapped[bytes | None] = mapped_column(LargeBinary)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class SignatureBand(Base):
    """One LSH band of a bill's MinHash: bills sharing a (band, key) are candidates."""

    __tablename__ = "signature_bands"
    __table_args__ = (Index("ix_signature_bands_band_key", "band", "key"),)

    bill_id: Mapped[str] = mapped_column(
        ForeignKey("bill_signatures.bill_id", ondelete="CASCADE"), primary_key=True
    )
    band: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    key: Mapped[int] = mapped_column(BigInteger)


class ExtractedText(Base):
    """Plain text extracted from one downloaded document (HTML, XML, PDF, text)."""

    __tablename__ = "extracted_texts"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)  # of the raw bytes
    media_type: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text, default="")
    chars: Mapped[int] = mapped_column(Integer, default=0)
    extractor: Mapped[str] = mapped_column(String(40))
    extracted_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Written by tracker.textextract (see its docstring for what these hold).
    extractor_version: Mapped[str] = mapped_column(String(40), default="")
    marks: Mapped[list[Any] | None] = mapped_column()
    sections: Mapped[list[Any] | None] = mapped_column()
    pages: Mapped[int | None] = mapped_column(Integer)


class TopicCorrection(Base):
    """An organization's verdict on one topic of one bill (the latest one counts)."""

    __tablename__ = "topic_corrections"
    __table_args__ = (
        UniqueConstraint("organization_id", "bill_id", "topic"),
        Index("ix_topic_corrections_org_topic", "organization_id", "topic"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    bill_id: Mapped[str] = mapped_column(ForeignKey("bills.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(String(60))
    verdict: Mapped[str] = mapped_column(String(10))  # confirm | reject | add
    note: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Set when the row follows from a verdict on another topic (adding `workforce` adds
    # `mental_health`; rejecting `workforce` rejects the tagger's `loan_repayment`).
    implied_by: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User | None] = relationship()

    @property
    def present(self) -> bool:
        """True when the organization says the bill is about the topic."""
        return self.verdict != "reject"


class TaggerModel(Base):
    """One trained second-opinion classifier for an organization."""

    __tablename__ = "tagger_models"
    __table_args__ = (Index("ix_tagger_models_org_created", "organization_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    # "<taxonomy version>+clf.<sha256 of the training rows and settings, 12 hex>"
    version: Mapped[str] = mapped_column(String(80))
    topics: Mapped[list[Any]] = mapped_column(default=list)
    blob: Mapped[bytes] = mapped_column(LargeBinary)  # zlib-compressed JSON
    training: Mapped[dict[str, Any]] = mapped_column(default=dict)  # rows, positives, corrections
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SecondOpinion(Base):
    """Where an organization's classifier disagrees with the rule tagger on a bill."""

    __tablename__ = "second_opinions"
    __table_args__ = (
        UniqueConstraint("organization_id", "bill_id", "topic"),
        Index("ix_second_opinions_org_topic", "organization_id", "topic"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    bill_id: Mapped[str] = mapped_column(ForeignKey("bills.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(String(60))
    probability: Mapped[float] = mapped_column(Float)  # classifier's P(topic)
    rules_say: Mapped[bool] = mapped_column(Boolean)  # did the rule tagger assign it
    # [{"feature": "peer specialist", "weight": 0.42}] pushing toward the classifier's call
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    model_version: Mapped[str] = mapped_column(String(80))
    scored_at: Mapped[datetime] = mapped_column(default=utcnow)
