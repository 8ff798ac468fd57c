"""Tables the tagger and scorer write, and how to read them.

    bill_topics      one row per (bill, topic): score 0-1, evidence sentences, rules
    bill_taggings    one row per tagged bill: taxonomy version and the bill content hash
                     it was tagged from (how "changed" and "older taxonomy" are found)
    bill_scores      one row per bill: relevance, passage likelihood, momentum + reasons
    similar_bills    near-copies across jurisdictions (MinHash/LSH), similarity 0-1
    extracted_texts  full text extracted from a version's HTML/XML/PDF, keyed by the
                     sha256 of the downloaded bytes (extract once, reuse forever)

Readers (web, briefs) should use `topics_for`, `tags_for`, `scores_for`,
`bill_ids_for_topic` and `similar_for` rather than querying the tables by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
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
    delete,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, selectinload

from tracker.models import Base, Bill, Sponsorship, utcnow


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
    # Written by tracker.textextract (see its docstring for what these hold).
    extractor_version: Mapped[str] = mapped_column(String(40), default="")
    marks: Mapped[list[Any] | None] = mapped_column()
    sections: Mapped[list[Any] | None] = mapped_column()
    pages: Mapped[int | None] = mapped_column(Integer)


# --------------------------------------------------------------------- readers


def topics_for(
    session: Session, bill_ids: Iterable[str], min_score: float = 0.0
) -> dict[str, list[str]]:
    """bill id -> its topic ids, best first (every requested id is a key)."""
    ids = list(dict.fromkeys(bill_ids))
    out: dict[str, list[str]] = {bid: [] for bid in ids}
    if not ids:
        return out
    rows = session.execute(
        select(BillTopic.bill_id, BillTopic.topic)
        .where(BillTopic.bill_id.in_(ids), BillTopic.score >= min_score)
        .order_by(BillTopic.bill_id, BillTopic.score.desc(), BillTopic.topic)
    )
    for bill_id, topic in rows:
        out[bill_id].append(topic)
    return out


def tags_for(session: Session, bill_id: str) -> list[BillTopic]:
    """A bill's topic rows with evidence, best first (for the bill page)."""
    return list(
        session.scalars(
            select(BillTopic)
            .where(BillTopic.bill_id == bill_id)
            .order_by(BillTopic.score.desc(), BillTopic.topic)
        )
    )


def scores_for(session: Session, bill_ids: Iterable[str]) -> dict[str, BillScore]:
    """bill id -> its BillScore row (bills never scored are absent)."""
    ids = list(dict.fromkeys(bill_ids))
    if not ids:
        return {}
    return {
        s.bill_id: s for s in session.scalars(select(BillScore).where(BillScore.bill_id.in_(ids)))
    }


def bill_ids_for_topic(
    session: Session, topic: str, min_score: float = 0.0, limit: int | None = None
) -> list[str]:
    """Ids of bills tagged with `topic`, most relevant first (briefs list bills by topic)."""
    stmt = (
        select(BillTopic.bill_id)
        .outerjoin(BillScore, BillScore.bill_id == BillTopic.bill_id)
        .where(BillTopic.topic == topic, BillTopic.score >= min_score)
        .order_by(
            BillScore.relevance.desc().nulls_last(), BillTopic.score.desc(), BillTopic.bill_id
        )
    )
    if limit:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def similar_for(
    session: Session, bill_id: str, limit: int = 20, other_jurisdictions: bool = True
) -> list[SimilarBill]:
    """Near-copies of a bill, most similar first (by default only in other jurisdictions)."""
    stmt = select(SimilarBill).where(SimilarBill.bill_id == bill_id)
    if other_jurisdictions:
        own = select(Bill.jurisdiction_id).where(Bill.id == bill_id).scalar_subquery()
        stmt = stmt.join(Bill, Bill.id == SimilarBill.other_bill_id).where(
            Bill.jurisdiction_id != own
        )
    stmt = stmt.order_by(SimilarBill.similarity.desc(), SimilarBill.other_bill_id).limit(limit)
    return list(session.scalars(stmt))


# --------------------------------------------------------------------- writers


def select_bills_to_tag(session: Session, taxonomy: Any, mode: str = "stale") -> list[str]:
    """Bill ids to (re)tag: "all", or "stale" = never tagged, changed since, or older taxonomy."""
    if mode == "all":
        return list(session.scalars(select(Bill.id).order_by(Bill.id)))
    rows = session.execute(
        select(Bill.id, Bill.content_hash, BillTagging.taxonomy_version, BillTagging.content_hash)
        .outerjoin(BillTagging, BillTagging.bill_id == Bill.id)
        .order_by(Bill.id)
    )
    return [
        bid
        for bid, content, version, tagged_content in rows
        if version is None or version != taxonomy.version or tagged_content != content
    ]


def bill_ids_tagged_with_older_taxonomy(session: Session, version: str) -> list[str]:
    """Ids of bills whose tags came from a taxonomy version other than `version`."""
    return list(
        session.scalars(
            select(BillTagging.bill_id)
            .where(BillTagging.taxonomy_version != version)
            .order_by(BillTagging.bill_id)
        )
    )


def _load_bills(session: Session, bill_ids: Sequence[str]) -> list[Bill]:
    return list(
        session.scalars(
            select(Bill)
            .where(Bill.id.in_(list(bill_ids)))
            .options(
                selectinload(Bill.subjects),
                selectinload(Bill.versions),
                selectinload(Bill.actions),
                selectinload(Bill.sponsorships).selectinload(Sponsorship.legislator),
                selectinload(Bill.session),
            )
            # Refresh collections already in the session: rows added by id elsewhere
            # (a new action, sponsor or version) must be seen.
            .execution_options(populate_existing=True)
        )
    )


def latest_text(session: Session, bill: Bill) -> tuple[str | None, str | None]:
    """(sha256, text) of the newest version whose text has been extracted, if any."""
    from tracker.models import BillVersion

    # Queried, not read from `bill.versions`: that collection may have been loaded
    # before a version's text was extracted in this session.
    rows = session.execute(
        select(ExtractedText.sha256, ExtractedText.text)
        .join(BillVersion, BillVersion.text_sha256 == ExtractedText.sha256)
        .where(BillVersion.bill_id == bill.id, ExtractedText.chars > 0)
        .order_by(
            BillVersion.date.desc().nulls_last(), BillVersion.position.desc(), BillVersion.id.desc()
        )
        .limit(1)
    ).first()
    return (rows[0], rows[1]) if rows else (None, None)


def tag_bills(session: Session, bill_ids: Iterable[str], taxonomy: Any = None) -> dict[str, int]:
    """Tag bills (title, abstract, subjects, latest full text) and store topics; commits."""
    from tracker.tagging import tag_bill
    from tracker.taxonomy import load_taxonomy

    tax = taxonomy or load_taxonomy()
    ids = list(dict.fromkeys(bill_ids))
    bills = _load_bills(session, ids)
    found = {b.id for b in bills}
    stored = 0
    for bill in bills:
        sha, text = latest_text(session, bill)
        tags = tag_bill(
            bill.title, bill.abstract, [s.subject for s in bill.subjects], text, taxonomy=tax
        )
        session.execute(delete(BillTopic).where(BillTopic.bill_id == bill.id))
        now = utcnow()
        for t in tags:
            session.add(
                BillTopic(
                    bill_id=bill.id,
                    topic=t.topic,
                    score=t.score,
                    evidence=[e.as_dict() for e in t.evidence],
                    rules=list(t.rules),
                    taxonomy_version=tax.version,
                    tagged_at=now,
                )
            )
        stored += len(tags)
        marker = session.get(BillTagging, bill.id) or BillTagging(bill_id=bill.id)
        marker.taxonomy_version = tax.version
        marker.content_hash = bill.content_hash
        marker.text_sha256 = sha
        marker.topic_count = len(tags)
        marker.tagged_at = now
        session.add(marker)
    session.commit()
    return {"tagged": len(bills), "topics": stored, "missing": len(set(ids) - found)}


def score_bills(
    session: Session, bill_ids: Iterable[str], today: date | None = None
) -> dict[str, int]:
    """Compute and store relevance, passage likelihood and momentum; commits."""
    from tracker import scoring

    ids = list(dict.fromkeys(bill_ids))
    bills = _load_bills(session, ids)
    tags = {bid: [] for bid in ids}
    for row in session.scalars(select(BillTopic).where(BillTopic.bill_id.in_(ids))):
        tags[row.bill_id].append({"topic": row.topic, "score": row.score, "evidence": row.evidence})
    hearings = _hearings(session, ids)
    companions, reintroduced = _relations(session, bills)
    chairs = _committee_chairs(session, bills)
    majorities = _majority_parties(session, {b.jurisdiction_id for b in bills})
    momentum_count = 0
    for bill in bills:
        facts = bill_facts(bill, hearings.get(bill.id, []))
        facts.has_companion = bill.id in companions or None
        facts.is_reintroduction = bill.id in reintroduced or None
        _sponsor_power(bill, facts, chairs, majorities)
        rel = scoring.relevance(tags.get(bill.id, []))
        passage = scoring.passage_likelihood(facts, today)
        moving, why = scoring.momentum(facts, today)
        momentum_count += moving
        row = session.get(BillScore, bill.id) or BillScore(bill_id=bill.id)
        row.relevance = rel.value
        row.relevance_reasons = [r.as_dict() for r in rel.reasons]
        row.passage = passage.value
        row.passage_reasons = [r.as_dict() for r in passage.reasons]
        row.momentum = moving
        row.momentum_reasons = [r.as_dict() for r in why]
        row.scoring_version = scoring.SCORING_VERSION
        row.scored_at = utcnow()
        session.add(row)
    session.commit()
    return {
        "scored": len(bills),
        "momentum": momentum_count,
        "missing": len(set(ids) - {b.id for b in bills}),
    }


def bill_facts(bill: Bill, hearings: Sequence[date] = ()) -> Any:
    """BillFacts for scoring from a stored bill."""
    from tracker.scoring import ActionFact, BillFacts

    sponsors = bill.sponsorships
    return BillFacts(
        jurisdiction=bill.jurisdiction_id,
        stage=bill.status or "introduced",
        introduced_date=bill.introduced_date,
        last_action_date=bill.last_action_date,
        actions=[
            ActionFact(a.date, tuple(a.classification or ()), a.chamber, a.description)
            for a in bill.actions
        ],
        sponsor_parties=[s.party for s in sponsors if s.role == "primary"],
        cosponsor_parties=[s.party for s in sponsors if s.role != "primary"],
        session_start=bill.session.start_date if bill.session else None,
        session_end=bill.session.end_date if bill.session else None,
        hearings=list(hearings),
    )


def _committee_chairs(session: Session, bills: Sequence[Bill]) -> set[int]:
    """Ids of sponsoring legislators who chair a committee (vice chairs excluded)."""
    from tracker.models import CommitteeMembership

    legislators = {s.legislator_id for b in bills for s in b.sponsorships if s.legislator_id}
    if not legislators:
        return set()
    rows = session.execute(
        select(CommitteeMembership.legislator_id, CommitteeMembership.role).where(
            CommitteeMembership.legislator_id.in_(legislators)
        )
    )
    return {
        lid for lid, role in rows if "chair" in (role or "").lower() and "vice" not in role.lower()
    }


# A chamber's majority is only trusted when enough of its members are on file.
_MIN_MEMBERS_FOR_MAJORITY = 15


def _majority_parties(session: Session, jurisdictions: set[str]) -> dict[tuple[str, str], str]:
    """(jurisdiction, chamber) -> majority party letter, from the legislators on file."""
    from sqlalchemy import func

    from tracker.models import Legislator
    from tracker.scoring import party_letter

    counts: dict[tuple[str, str], dict[str, int]] = {}
    rows = session.execute(
        select(Legislator.jurisdiction_id, Legislator.chamber, Legislator.party, func.count())
        .where(Legislator.jurisdiction_id.in_(jurisdictions), Legislator.chamber.is_not(None))
        .group_by(Legislator.jurisdiction_id, Legislator.chamber, Legislator.party)
    )
    for juris, chamber, party, n in rows:
        letter = party_letter(party)
        if letter:
            bucket = counts.setdefault((juris, chamber), {})
            bucket[letter] = bucket.get(letter, 0) + n
    out = {}
    for key, bucket in counts.items():
        total = sum(bucket.values())
        party, n = max(bucket.items(), key=lambda kv: kv[1])
        if total >= _MIN_MEMBERS_FOR_MAJORITY and n * 2 > total:
            out[key] = party
    return out


def _sponsor_power(
    bill: Bill, facts: Any, chairs: set[int], majorities: dict[tuple[str, str], str]
) -> None:
    """Set the sponsor-in-majority and sponsor-chairs-committee facts when known."""
    from tracker.scoring import party_letter

    primary = [s for s in bill.sponsorships if s.role == "primary"]
    if any(s.legislator_id in chairs for s in primary if s.legislator_id):
        facts.sponsor_chairs_committee = True
    for s in primary:
        chamber = s.legislator.chamber if s.legislator is not None else None
        party = party_letter(s.party or (s.legislator.party if s.legislator is not None else None))
        majority = majorities.get((bill.jurisdiction_id, chamber or ""))
        if party and majority:
            facts.sponsor_in_majority = party == majority
            break


def _hearings(session: Session, ids: Sequence[str]) -> dict[str, list[date]]:
    from tracker.models import Event, EventBill

    out: dict[str, list[date]] = {}
    rows = session.execute(
        select(EventBill.bill_id, Event.start)
        .join(Event, Event.id == EventBill.event_id)
        .where(EventBill.bill_id.in_(list(ids)))
    )
    for bill_id, start in rows:
        out.setdefault(bill_id, []).append(start.date())
    return out


def _relations(session: Session, bills: Sequence[Bill]) -> tuple[set[str], set[str]]:
    """Companions (same jurisdiction and session, other chamber) and reintroductions
    (same jurisdiction, earlier session), both from the similar-bill pairs."""
    ids = [b.id for b in bills]
    if not ids:
        return set(), set()
    pairs = session.execute(
        select(SimilarBill.bill_id, SimilarBill.other_bill_id).where(
            SimilarBill.bill_id.in_(ids), SimilarBill.similarity >= 0.7
        )
    ).all()
    others = {o for _, o in pairs}
    meta = {
        b.id: (b.jurisdiction_id, b.session_id, b.identifier[:1].upper(), b.introduced_date)
        for b in session.scalars(select(Bill).where(Bill.id.in_(list(others | set(ids)))))
    }
    companions: set[str] = set()
    reintroduced: set[str] = set()
    for bid, oid in pairs:
        if bid not in meta or oid not in meta:
            continue
        (j, s, ch, intro), (oj, os_, och, ointro) = meta[bid], meta[oid]
        if j != oj:
            continue
        if s == os_ and ch != och:
            companions.add(bid)
        elif s != os_ and (ointro or date.min) < (intro or date.max):
            reintroduced.add(bid)
    return companions, reintroduced
