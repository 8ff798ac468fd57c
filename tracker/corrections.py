"""An organization's corrections to the tagger, and its review queue.

A member confirms or rejects a topic the tagger gave a bill, or adds one it missed,
with an optional note. The verdict is the organization's alone: it changes what that
organization sees everywhere (`tagging_queries.effective_topics`) and nothing for anyone
else. Topics form a tree (a subtopic raises its parent, the core topics raise
`mental_health`), so a verdict carries down or up: adding `workforce` also adds
`mental_health` when the organization did not see it; rejecting `workforce` also rejects
the tagger's workforce subtopics on that bill. Those rows name the verdict they follow
(`implied_by`) and go when it is undone.

The review queue lists the (bill, topic) pairs the tagger is least sure about for the
organization's topics and that nobody there has judged yet: tags that only just passed
the threshold, and pairs where the organization's second-opinion classifier
(`tracker.second_opinion`) disagrees with the rules, with the classifier's top
features as the reason. Most doubtful first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tracker.errors import InvalidInput, NotFound
from tracker.models import Bill, utcnow
from tracker.models.tagging import BillScore, BillTopic, SecondOpinion, TopicCorrection
from tracker.taxonomy import Taxonomy, load_taxonomy

VERDICTS = ("confirm", "reject", "add")
MAX_NOTE = 2000
# A rule tag scoring below threshold + NEAR_MARGIN only just passed: worth a look.
NEAR_MARGIN = 0.05


def _descendants(tax: Taxonomy, topic: str) -> list[str]:
    children: dict[str, list[str]] = {}
    for t in tax.topics:
        if t.parent:
            children.setdefault(t.parent, []).append(t.id)
    out, todo = [], list(children.get(topic, []))
    while todo:
        cur = todo.pop()
        out.append(cur)
        todo.extend(children.get(cur, []))
    return out


def _ancestors(tax: Taxonomy, topic: str) -> list[str]:
    parents = {t.id: t.parent for t in tax.topics}
    out, cur = [], parents.get(topic)
    while cur:
        out.append(cur)
        cur = parents.get(cur)
    return out


def record_correction(
    session: Session,
    org_id: int,
    user_id: int | None,
    bill_id: str,
    topic: str,
    verdict: str,
    note: str = "",
    taxonomy: Taxonomy | None = None,
) -> TopicCorrection:
    """Store (or replace) the organization's verdict on one topic of one bill; commits."""
    tax = taxonomy or load_taxonomy()
    if verdict not in VERDICTS:
        raise InvalidInput(f"verdict must be one of {', '.join(VERDICTS)}")
    if topic not in tax.topic_ids:
        raise InvalidInput(f"unknown topic {topic!r}")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"the note is longer than {MAX_NOTE} characters")
    if session.get(Bill, bill_id) is None:
        raise NotFound(f"no bill {bill_id!r}")
    tagged = set(session.scalars(select(BillTopic.topic).where(BillTopic.bill_id == bill_id)))
    # "confirm" of a topic the tagger never gave is an addition, and the reverse.
    if verdict != "reject":
        verdict = "confirm" if topic in tagged else "add"
    existing = _rows(session, org_id, bill_id)
    row = _put(session, existing, org_id, bill_id, topic, verdict, note, user_id, None)
    if verdict == "reject":
        for child in _descendants(tax, topic):
            if child in tagged and _free(existing, child):
                _put(session, existing, org_id, bill_id, child, "reject", "", user_id, topic)
    else:
        for parent in _ancestors(tax, topic):
            current = existing.get(parent)
            seen = (parent in tagged and current is None) or (current and current.present)
            if not seen and _free(existing, parent):
                _put(session, existing, org_id, bill_id, parent, "add", "", user_id, topic)
    session.commit()
    return row


def _rows(session: Session, org_id: int, bill_id: str) -> dict[str, TopicCorrection]:
    return {
        r.topic: r
        for r in session.scalars(
            select(TopicCorrection).where(
                TopicCorrection.organization_id == org_id, TopicCorrection.bill_id == bill_id
            )
        )
    }


def _free(existing: dict[str, TopicCorrection], topic: str) -> bool:
    """True unless a member judged this topic directly (implied rows may be replaced)."""
    row = existing.get(topic)
    return row is None or row.implied_by is not None


def _put(
    session: Session,
    existing: dict[str, TopicCorrection],
    org_id: int,
    bill_id: str,
    topic: str,
    verdict: str,
    note: str,
    user_id: int | None,
    implied_by: str | None,
) -> TopicCorrection:
    row = existing.get(topic)
    if row is None:
        row = TopicCorrection(organization_id=org_id, bill_id=bill_id, topic=topic)
        session.add(row)
        existing[topic] = row
    row.verdict, row.note, row.user_id, row.implied_by = verdict, note, user_id, implied_by
    row.updated_at = utcnow()
    return row


def undo_correction(session: Session, org_id: int, correction_id: int) -> str:
    """Remove one of the organization's corrections and the rows it implied; commits.

    Returns the bill id. Another organization's correction is NotFound."""
    row = session.get(TopicCorrection, correction_id)
    if row is None or row.organization_id != org_id:
        raise NotFound("no such correction")
    bill_id = row.bill_id
    session.execute(
        delete(TopicCorrection).where(
            TopicCorrection.organization_id == org_id,
            TopicCorrection.bill_id == bill_id,
            TopicCorrection.implied_by == row.topic,
        )
    )
    session.delete(row)
    session.commit()
    return bill_id


def confirmed_labels(session: Session, org_id: int) -> list[tuple[str, str, bool]]:
    """(bill id, topic, present) for every verdict a member gave directly (training data)."""
    return [
        (b, t, v != "reject")
        for b, t, v in session.execute(
            select(TopicCorrection.bill_id, TopicCorrection.topic, TopicCorrection.verdict)
            .where(TopicCorrection.organization_id == org_id, TopicCorrection.implied_by.is_(None))
            .order_by(TopicCorrection.bill_id, TopicCorrection.topic)
        )
    ]


def org_topics(session: Session, org_id: int, taxonomy: Taxonomy | None = None) -> list[str]:
    """The topics an organization follows: the core topics plus its saved searches' topics."""
    from tracker.models.web import SavedSearch

    tax = taxonomy or load_taxonomy()
    out = list(tax.core_topics)
    for query in session.scalars(
        select(SavedSearch.query).where(SavedSearch.organization_id == org_id)
    ):
        for topic in parse_qs(query).get("topic", []):
            if topic in tax.topic_ids and topic not in out:
                out.append(topic)
    return out


@dataclass
class ReviewItem:
    """One (bill, topic) the organization should look at, and why."""

    bill: Bill
    topic: str
    doubt: float  # 0-1, higher = less sure; the queue's order
    rule_score: float | None  # the tagger's confidence when it assigned the topic
    probability: float | None  # the second opinion's P(topic), when it disagrees
    why: str  # "near threshold" | "classifier says yes" | "classifier says no"
    reasons: list[dict[str, Any]] = field(default_factory=list)
    relevance: int | None = None


def review_queue(
    session: Session,
    org_id: int,
    topics: Iterable[str] | None = None,
    limit: int | None = 100,
    taxonomy: Taxonomy | None = None,
) -> tuple[list[ReviewItem], int]:
    """The organization's review queue, most doubtful first, and its full length."""
    tax = taxonomy or load_taxonomy()
    wanted = list(topics) if topics is not None else org_topics(session, org_id, tax)
    items: dict[tuple[str, str], dict[str, Any]] = {}
    near = session.execute(
        select(BillTopic.bill_id, BillTopic.topic, BillTopic.score).where(
            BillTopic.topic.in_(wanted), BillTopic.score < tax.threshold + NEAR_MARGIN
        )
    )
    for bill_id, topic, score in near:
        margin = max(0.0, score - tax.threshold) / NEAR_MARGIN
        items[(bill_id, topic)] = {
            "rule_score": score,
            "probability": None,
            "doubt": round(0.5 * (1.0 - margin), 4),
            "why": "near threshold",
            "reasons": [],
        }
    for so in session.scalars(
        select(SecondOpinion).where(
            SecondOpinion.organization_id == org_id, SecondOpinion.topic.in_(wanted)
        )
    ):
        item = items.setdefault(
            (so.bill_id, so.topic), {"rule_score": None, "doubt": 0.0, "reasons": []}
        )
        item["probability"] = so.probability
        item["doubt"] = max(item["doubt"], round(abs(float(so.rules_say) - so.probability), 4))
        item["why"] = "classifier says no" if so.rules_say else "classifier says yes"
        item["reasons"] = list(so.reasons or [])
    if not items:
        return [], 0
    judged = _judged(session, org_id)
    keys = sorted(
        (k for k in items if k not in judged),
        key=lambda k: (-items[k]["doubt"], k[0], k[1]),
    )
    total = len(keys)
    shown = keys[:limit] if limit else keys
    bills = {
        b.id: b for b in session.scalars(select(Bill).where(Bill.id.in_({k[0] for k in shown})))
    }
    relevance = dict(
        session.execute(
            select(BillScore.bill_id, BillScore.relevance).where(
                BillScore.bill_id.in_({k[0] for k in shown})
            )
        ).all()
    )
    out = [
        ReviewItem(
            bill=bills[k[0]],
            topic=k[1],
            relevance=relevance.get(k[0]),
            **items[k],
        )
        for k in shown
        if k[0] in bills
    ]
    return out, total


def _judged(session: Session, org_id: int) -> set[tuple[str, str]]:
    return set(
        session.execute(
            select(TopicCorrection.bill_id, TopicCorrection.topic).where(
                TopicCorrection.organization_id == org_id
            )
        ).all()
    )
