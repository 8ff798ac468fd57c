"""How to read what the tagger and scorer stored (one query each).

Readers (web, briefs, exports, alerts) use `topics_for`, `tags_for`, `scores_for`,
`bill_ids_for_topic` and `similar_for` rather than querying the tables by hand; the
tagging service uses `select_bills_to_tag` and `latest_text` to decide what to tag.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.models import Bill, BillVersion
from tracker.tagging_models import BillScore, BillTagging, BillTopic, ExtractedText, SimilarBill


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


def latest_text(session: Session, bill: Bill) -> tuple[str | None, str | None]:
    """(sha256, text) of the newest version whose text has been extracted, if any."""
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
