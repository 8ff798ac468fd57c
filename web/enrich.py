"""What other areas add to bill and legislator pages: topics, scores, similar bills
(tagging) and the organization's letters and meetings (outreach).

The areas are imported directly (a missing module is an ImportError when web starts).
All lookups take a list of ids and run one query, so list pages stay free of N+1 queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tracker import tagging_queries
from tracker.models.tagging import SimilarBill


@dataclass
class TopicView:
    """A topic on a bill with its quoted evidence."""

    key: str
    label: str
    evidence: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)  # the quotes this version inserted
    confidence: float | None = None
    correction: str = ""  # "confirmed by Ana" when the organization judged this topic


@dataclass
class ScoreView:
    """A score on a bill with the reasons behind it."""

    key: str
    label: str
    value: float
    reasons: list[str] = field(default_factory=list)


def _taxonomy():  # noqa: ANN202 - tracker.taxonomy.Taxonomy
    from tracker.taxonomy import load_taxonomy

    return load_taxonomy()


def topic_labels() -> dict[str, str]:
    """Topic id -> label from the tagging taxonomy."""
    taxonomy = _taxonomy()
    return {t.id: t.label for t in taxonomy.topics}


def core_topics() -> list[str]:
    """The core topic ids (parity, crisis, workforce) the dashboard grid shows."""
    taxonomy = _taxonomy()
    return list(taxonomy.core_topics)


def topic_choices(session: Session) -> list[tuple[str, str]]:
    """(key, label) of every topic, for filters."""
    return list(topic_labels().items())


def _reason_text(reason: Any) -> str:
    if isinstance(reason, dict):
        detail = reason.get("detail") or reason.get("reason") or reason.get("factor") or ""
        effect = reason.get("effect")
        return f"{detail} ({effect:+g})" if isinstance(effect, (int, float)) else str(detail)
    return str(reason)


def topics_for(
    session: Session, bill_ids: list[str], org_id: int | None = None
) -> dict[str, list[TopicView]]:
    """Topics per bill id as organization `org_id` sees them (its corrections override
    the tagger), best first, with the tagger's evidence quotes."""
    if not bill_ids:
        return {}
    labels = topic_labels()
    out: dict[str, list[TopicView]] = {}
    rows = tagging_queries.effective_tags(session, bill_ids, org_id)
    for bill_id, topic, score, evidence, verdict, implied_by, name, email in rows:
        out.setdefault(bill_id, []).append(
            TopicView(
                key=topic,
                label=labels.get(topic, topic),
                evidence=[
                    e["quote"] for e in evidence or [] if isinstance(e, dict) and e.get("quote")
                ],
                added=[
                    e["quote"]
                    for e in evidence or []
                    if isinstance(e, dict) and e.get("quote") and e.get("added") is True
                ],
                confidence=score if evidence is not None else None,
                correction=_correction_text(verdict, implied_by, name or email),
            )
        )
    return out


def topic_labels_for(
    session: Session, bill_ids: list[str], org_id: int | None = None
) -> dict[str, list[TopicView]]:
    """`topics_for` without evidence or corrections: per bill id the topics organization
    `org_id` sees, best first, each with only its key and label (what list pages and the
    dashboard grid show). One query over the topic ids; no evidence JSON is read."""
    if not bill_ids:
        return {}
    labels = topic_labels()
    return {
        bill_id: [TopicView(key=t, label=labels.get(t, t)) for t in topics]
        for bill_id, topics in tagging_queries.effective_topics_for(
            session, bill_ids, org_id
        ).items()
        if topics
    }


def _correction_text(verdict: str | None, implied_by: str | None, who: str | None) -> str:
    if verdict is None:
        return ""
    done = {"confirm": "confirmed", "add": "added", "reject": "rejected"}[verdict]
    return f"{done} by {who or 'a former member'}" + (f" (with {implied_by})" if implied_by else "")


def scores_for(session: Session, bill_ids: list[str]) -> dict[str, list[ScoreView]]:
    """Relevance and passage scores per bill id, with reasons (one query)."""
    if not bill_ids:
        return {}
    out: dict[str, list[ScoreView]] = {}
    for bill_id, row in tagging_queries.scores_for(session, bill_ids).items():
        views = [
            ScoreView(
                "relevance",
                "Relevance",
                row.relevance,
                [_reason_text(r) for r in row.relevance_reasons or []],
            ),
            ScoreView(
                "passage",
                "Passage likelihood",
                row.passage,
                [_reason_text(r) for r in row.passage_reasons or []],
            ),
        ]
        if row.momentum:
            views.append(
                ScoreView(
                    "momentum", "Momentum", 1, [_reason_text(r) for r in row.momentum_reasons or []]
                )
            )
        out[bill_id] = views
    return out


@dataclass
class SimilarView:
    """Another jurisdiction's near-copy of a bill."""

    bill: Any
    score: float


def similar_for(session: Session, bill_id: str, limit: int = 8) -> list[SimilarView]:
    """Similar bills in other jurisdictions, best first."""
    rows = session.scalars(
        select(SimilarBill)
        .where(SimilarBill.bill_id == bill_id)
        .options(selectinload(SimilarBill.other))
        .order_by(SimilarBill.similarity.desc(), SimilarBill.other_bill_id)
        .limit(limit)
    )
    return [SimilarView(bill=r.other, score=r.similarity) for r in rows]


def outreach_models() -> ModuleType:
    """The outreach area's tables (outreach.models)."""
    from outreach import models as module

    return module


@dataclass
class LetterSummary:
    """Letters of one campaign: counts only (constituents stay on the campaign page)."""

    campaign_id: int
    campaign: str
    total: int
    sent: int


@dataclass
class MeetingView:
    """A meeting the organization logged, with what was said about the bill if any."""

    id: int
    date: Any
    kind: str
    offices: list[str]
    ask: str = ""
    position: str = ""


def _letter_summaries(session: Session, om: ModuleType, org_id: int, where: Any) -> list:
    from outreach.counts import letters_by_campaign

    return [
        LetterSummary(c.campaign_id, c.title, c.total, c.sent)
        for c in letters_by_campaign(session, org_id, where)
    ]


def _meetings(session: Session, om: ModuleType, org_id: int, where: Any) -> list[Any]:
    return list(
        session.scalars(
            select(om.Meeting)
            .where(om.Meeting.organization_id == org_id, where)
            .options(selectinload(om.Meeting.attendees), selectinload(om.Meeting.bills))
            .order_by(om.Meeting.date.desc(), om.Meeting.id.desc())
            .limit(50)
        )
    )


def outreach_for_bill(session: Session, org_id: int, bill_id: str) -> dict[str, list[Any]]:
    """The organization's letter campaigns and meetings about a bill (never another org's)."""
    om = outreach_models()
    letters = _letter_summaries(session, om, org_id, om.Campaign.bill_id == bill_id)
    meetings = []
    discussed = select(om.MeetingBill.meeting_id).where(om.MeetingBill.bill_id == bill_id)
    for m in _meetings(session, om, org_id, om.Meeting.id.in_(discussed)):
        about = next((b for b in m.bills if b.bill_id == bill_id), None)
        meetings.append(
            MeetingView(
                id=m.id,
                date=m.date,
                kind=m.kind,
                offices=[a.name for a in m.attendees],
                ask=about.ask if about else "",
                position=about.position if about else "",
            )
        )
    return {"letters": letters, "meetings": meetings}


def outreach_for_legislator(
    session: Session, org_id: int, legislator_id: int
) -> dict[str, list[Any]]:
    """The organization's letters to and meetings with a legislator's office."""
    om = outreach_models()
    letters = _letter_summaries(session, om, org_id, om.Letter.legislator_id == legislator_id)
    met = select(om.MeetingAttendee.meeting_id).where(
        om.MeetingAttendee.legislator_id == legislator_id
    )
    meetings = [
        MeetingView(
            id=m.id, date=m.date, kind=m.kind, offices=[a.name for a in m.attendees], ask=m.asks
        )
        for m in _meetings(session, om, org_id, om.Meeting.id.in_(met))
    ]
    return {"letters": letters, "meetings": meetings}
