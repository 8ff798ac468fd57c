"""How to read what the tagger and scorer stored (one query each).

Readers (web, briefs, exports, alerts) use `topics_for`, `tags_for`, `scores_for`,
`bill_ids_for_topic` and `similar_for` rather than querying the tables by hand; the
tagging service uses `select_bills_to_tag` and `latest_text` to decide what to tag.

What an organization sees is the tagger's topics overridden by its own corrections:
`effective_topics(org_id)` is that one query, and every reader that acts for an
organization (search and watchlist filters, saved-search alerts, the brief, exports,
the API) goes through it, by `bill_ids_with_topic` (a filter) or `effective_topics_for`
(topics per bill). `org_id=None` means the tagger alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Select, exists, literal, select, union_all
from sqlalchemy.orm import Session

from tracker.models import Bill, BillVersion
from tracker.models.tagging import (
    BillScore,
    BillTagging,
    BillTopic,
    ExtractedText,
    SimilarBill,
    TopicCorrection,
)


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
        select(
            Bill.id,
            Bill.content_hash,
            BillTagging.taxonomy_version,
            BillTagging.content_hash,
            BillTagging.text_sha256,
        )
        .outerjoin(BillTagging, BillTagging.bill_id == Bill.id)
        .order_by(Bill.id)
    )
    # A new version's text (or a first extracted text) re-tags the bill even when the
    # bill record itself did not change.
    texts = latest_text_shas(session)
    return [
        bid
        for bid, content, version, tagged_content, tagged_text in rows
        if version is None
        or version != taxonomy.version
        or tagged_content != content
        or texts.get(bid) != tagged_text
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
    _version, sha, text = latest_version_text(session, bill)
    return sha, text


def latest_version_text(session: Session, bill: Bill) -> tuple[Any, str | None, str | None]:
    """(BillVersion, sha256, text) of the newest version with extracted text, or Nones."""
    # Queried, not read from `bill.versions`: that collection may have been loaded
    # before a version's text was extracted in this session.
    return latest_version_texts(session, [bill.id]).get(bill.id, (None, None, None))


def latest_version_texts(
    session: Session, bill_ids: Iterable[str]
) -> dict[str, tuple[Any, str, str]]:
    """bill id -> (BillVersion, sha256, text) of its newest version with extracted text,
    for many bills in two queries (the versions, then only the chosen texts); bills
    without text are absent."""
    ids = list(dict.fromkeys(bill_ids))
    if not ids:
        return {}
    newest: dict[str, BillVersion] = {}
    for version in session.scalars(
        _texted_versions_oldest_first(select(BillVersion)).where(BillVersion.bill_id.in_(ids))
    ):
        newest[version.bill_id] = version  # the newest is the one left in the dict
    shas = {v.text_sha256 for v in newest.values()}
    texts = dict(
        session.execute(
            select(ExtractedText.sha256, ExtractedText.text).where(ExtractedText.sha256.in_(shas))
        ).all()
    )
    return {bid: (v, v.text_sha256, texts[v.text_sha256]) for bid, v in newest.items()}


def text_marks(session: Session, shas: Iterable[str | None]) -> dict[str, list[dict]]:
    """sha256 -> the struck/inserted marks of that extracted text (tracker.textextract),
    one query; texts without marks are absent."""
    wanted = {s for s in shas if s}
    if not wanted:
        return {}
    rows = session.execute(
        select(ExtractedText.sha256, ExtractedText.marks).where(ExtractedText.sha256.in_(wanted))
    )
    return {sha: marks for sha, marks in rows if marks}


def latest_text_shas(session: Session, bill_ids: Iterable[str] | None = None) -> dict[str, str]:
    """bill id -> sha256 of its newest extracted version text (bills without text absent)."""
    stmt = _texted_versions_oldest_first(select(BillVersion.bill_id, BillVersion.text_sha256))
    if bill_ids is not None:
        stmt = stmt.where(BillVersion.bill_id.in_(list(bill_ids)))
    return dict(session.execute(stmt).all())  # the newest version of each bill is left


def version_order(version: Any) -> tuple:
    """Sort key for versions in Python, oldest first, the same order as the queries here
    (date with undated versions first, then position, then id): "the newest version"
    means the same version on the bill page, in alerts and in the brief."""
    return (version.date is not None, version.date or date.min, version.position, version.id)


def _texted_versions_oldest_first(stmt: Any) -> Any:
    """`stmt` over versions with extracted text, each bill's oldest first (date, then
    position, then id): whatever reads them into a dict keeps each bill's newest."""
    return (
        stmt.join(ExtractedText, BillVersion.text_sha256 == ExtractedText.sha256)
        .where(ExtractedText.chars > 0)
        .order_by(
            BillVersion.bill_id,
            BillVersion.date.asc().nulls_first(),
            BillVersion.position.asc(),
            BillVersion.id.asc(),
        )
    )


# ----------------------------------------------------- what an organization sees


def effective_topics(
    org_id: int | None, topic: str | None = None, bill_ids: Iterable[str] | None = None
) -> Select:
    """(bill_id, topic, score) rows an organization sees: the tagger's topics minus the
    ones it rejected, plus the ones it added (score 1.0). Optionally one topic and/or
    some bills (the filters are applied inside both halves, so indexes are used)."""
    tagger = select(BillTopic.bill_id, BillTopic.topic, BillTopic.score)
    if topic is not None:
        tagger = tagger.where(BillTopic.topic == topic)
    ids = list(dict.fromkeys(bill_ids)) if bill_ids is not None else None
    if ids is not None:
        tagger = tagger.where(BillTopic.bill_id.in_(ids))
    if org_id is None:
        return tagger
    tc = TopicCorrection
    rejected = exists().where(
        tc.organization_id == org_id,
        tc.bill_id == BillTopic.bill_id,
        tc.topic == BillTopic.topic,
        tc.verdict == "reject",
    )
    added = select(tc.bill_id, tc.topic, literal(1.0).label("score")).where(
        tc.organization_id == org_id,
        tc.verdict != "reject",
        ~exists().where(BillTopic.bill_id == tc.bill_id, BillTopic.topic == tc.topic),
    )
    if topic is not None:
        added = added.where(tc.topic == topic)
    if ids is not None:
        added = added.where(tc.bill_id.in_(ids))
    return union_all(tagger.where(~rejected), added)


def bill_ids_with_topic(topic: str, org_id: int | None) -> Select:
    """Ids of bills filed under `topic` for an organization: the hook every topic
    filter uses (search, watchlists, saved-search alerts, the brief)."""
    sub = effective_topics(org_id, topic=topic).subquery()
    return select(sub.c.bill_id)


def effective_topics_for(
    session: Session, bill_ids: Iterable[str], org_id: int | None
) -> dict[str, list[str]]:
    """bill id -> the topics an organization sees, best first (every requested id is a key)."""
    ids = list(dict.fromkeys(bill_ids))
    out: dict[str, list[str]] = {bid: [] for bid in ids}
    if not ids:
        return out
    sub = effective_topics(org_id, bill_ids=ids).subquery()
    rows = session.execute(
        select(sub.c.bill_id, sub.c.topic).order_by(sub.c.bill_id, sub.c.score.desc(), sub.c.topic)
    )
    for bill_id, topic in rows:
        if topic not in out[bill_id]:
            out[bill_id].append(topic)
    return out


def effective_tags(
    session: Session, bill_ids: Iterable[str], org_id: int | None
) -> list[tuple[Any, ...]]:
    """What a bill page shows, in one query: per (bill, topic) the organization sees,
    best first, (bill_id, topic, score, evidence, verdict, implied_by, user name, user
    email); evidence is None for a topic only the organization gave, verdict None where
    nobody in the organization judged it."""
    from tracker.models import User

    ids = list(dict.fromkeys(bill_ids))
    if not ids:
        return []
    eff = effective_topics(org_id, bill_ids=ids).subquery()
    tc = TopicCorrection
    stmt = (
        select(
            eff.c.bill_id,
            eff.c.topic,
            eff.c.score,
            BillTopic.evidence,
            tc.verdict,
            tc.implied_by,
            User.name,
            User.email,
        )
        .outerjoin(
            BillTopic, (BillTopic.bill_id == eff.c.bill_id) & (BillTopic.topic == eff.c.topic)
        )
        .outerjoin(
            tc,
            (tc.bill_id == eff.c.bill_id)
            & (tc.topic == eff.c.topic)
            & (tc.organization_id == (org_id if org_id is not None else -1)),
        )
        .outerjoin(User, User.id == tc.user_id)
        .order_by(eff.c.bill_id, eff.c.score.desc(), eff.c.topic)
    )
    return [tuple(r) for r in session.execute(stmt)]


def corrections_for(
    session: Session, org_id: int, bill_ids: Iterable[str]
) -> dict[str, dict[str, TopicCorrection]]:
    """bill id -> topic -> the organization's correction (with its user loaded)."""
    from sqlalchemy.orm import joinedload

    ids = list(dict.fromkeys(bill_ids))
    out: dict[str, dict[str, TopicCorrection]] = {}
    if not ids:
        return out
    rows = session.scalars(
        select(TopicCorrection)
        .where(TopicCorrection.organization_id == org_id, TopicCorrection.bill_id.in_(ids))
        .options(joinedload(TopicCorrection.user))
        .order_by(TopicCorrection.bill_id, TopicCorrection.topic)
    )
    for row in rows:
        out.setdefault(row.bill_id, {})[row.topic] = row
    return out
