"""Scores with reasons: relevance, passage likelihood and momentum. Pure functions.

* **Relevance** (0-100): how squarely a bill is about the tracked topics, from its tags
  and where their evidence sits (title > abstract > subjects > full text).
* **Passage likelihood** (0-100): a logistic model anchored on GovTrack's prognosis
  factors (stage reached, committee action, sponsor in the majority / committee chair,
  bipartisan cosponsors, companion bill, introduced late in session, days since last
  action, reintroduction). Every factor that moved the estimate is returned with its
  effect in log-odds and in points, so the number is never a black box. The formula
  and its calibration on the demo data are in docs/tagging.md.
* **Momentum**: the bill advanced in the last 14 days, or a hearing is scheduled.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tracker.models import Bill

SCORING_VERSION = "2026.12.02-1"
CORE_TOPICS = ("parity", "crisis", "workforce")
UMBRELLA = "mental_health"
FIELD_POSITION = {"title": 1.0, "abstract": 0.8, "subjects": 0.6, "text": 0.5}
TEXT_DEPTH_PENALTY = 0.2  # text evidence at the very end of a bill weighs 0.5 - 0.2
MOMENTUM_DAYS = 14

# Probability of enactment once a bill has reached a stage, before other factors.
# Congress: about 3% of introduced bills are enacted, far more once reported or passed
# (GovTrack's published statistics); state legislatures enact a much larger share of
# what they introduce (roughly one bill in five, varying widely by state).
STAGE_BASE = {
    "us": {
        "introduced": 0.03,
        "in_committee": 0.03,
        "passed_origin": 0.30,
        "passed_second": 0.70,
        "to_executive": 0.90,
    },
    "state": {
        "introduced": 0.18,
        "in_committee": 0.18,
        "passed_origin": 0.55,
        "passed_second": 0.80,
        "to_executive": 0.90,
    },
}
TERMINAL = {"enacted": 1.0, "vetoed": 0.03, "failed": 0.01, "withdrawn": 0.0}

# Log-odds effects, in the spirit of GovTrack's prognosis factors.
EFFECTS = {
    "committee_reported": 1.3,  # reported favourably but not yet passed a chamber
    "sponsor_in_majority": 0.5,
    "sponsor_in_minority": -0.6,
    "sponsor_chairs_committee": 0.7,
    "bipartisan_cosponsors": 0.5,
    "many_cosponsors": 0.3,  # 10 or more
    "companion_bill": 0.4,
    "introduced_late": -0.6,  # last quarter of the session
    "recent_action": 0.2,  # within 30 days
    "stalled_120": -0.8,  # no action in 120+ days
    "stalled_365": -1.6,  # no action in a year
    "reintroduction": 0.3,
    "session_ended": -4.0,  # session over and the bill not enacted
}

ADVANCING = {
    "committee-passage",
    "committee-passage-favorable",
    "passage",
    "executive-receipt",
    "executive-signature",
    "became-law",
    "veto-override-passage",
    "concurrence",
    "enrolled",
    "reading-2",
    "reading-3",
}
COMMITTEE_PASSED = {"committee-passage", "committee-passage-favorable"}


@dataclass(frozen=True)
class Reason:
    """One factor behind a score: what it is, how much it moved the score, and why."""

    factor: str
    effect: float  # points on the 0-100 scale (relevance, passage) or 0/1 (momentum)
    detail: str
    log_odds: float | None = None

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        out: dict[str, object] = {
            "factor": self.factor,
            "effect": self.effect,
            "detail": self.detail,
        }
        if self.log_odds is not None:
            out["log_odds"] = self.log_odds
        return out


@dataclass(frozen=True)
class Score:
    """A score with the reasons that produced it."""

    value: int
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class ActionFact:
    """What scoring needs of one action."""

    date: date
    classification: tuple[str, ...] = ()
    chamber: str | None = None
    description: str = ""


@dataclass
class BillFacts:
    """Everything the passage and momentum scores read; unknowns stay None."""

    jurisdiction: str
    stage: str = "introduced"
    introduced_date: date | None = None
    last_action_date: date | None = None
    actions: Sequence[ActionFact] = ()
    sponsor_parties: Sequence[str | None] = ()  # primary sponsors
    cosponsor_parties: Sequence[str | None] = ()
    sponsor_in_majority: bool | None = None
    sponsor_chairs_committee: bool | None = None
    has_companion: bool | None = None
    is_reintroduction: bool | None = None
    session_start: date | None = None
    session_end: date | None = None
    hearings: Sequence[date] = ()
    extra: dict[str, object] = field(default_factory=dict)


def bill_facts(bill: Bill, hearings: Sequence[date] = ()) -> BillFacts:
    """BillFacts for scoring from a stored bill (its actions, sponsors and session loaded)."""
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


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# ------------------------------------------------------------------- relevance


def relevance(tags: Iterable[object]) -> Score:
    """Relevance 0-100 from tags (TopicTag objects or dicts with topic/score/evidence)."""
    best: dict[str, tuple[float, str, float]] = {}
    for tag in tags:
        topic, score, evidence = _tag_parts(tag)
        where, weight = _evidence_position(evidence)
        best[topic] = (float(score), where, weight)
    reasons: list[Reason] = []
    miss = 1.0
    for topic in CORE_TOPICS:
        if topic in best:
            score, where, weight = best[topic]
            part = score * weight
            miss *= 1 - part
            reasons.append(
                Reason(f"topic:{topic}", round(100 * part, 1), f"{topic} ({score:.2f}) in {where}")
            )
    core = 1 - miss
    umbrella = 0.0
    if UMBRELLA in best:
        score, where, weight = best[UMBRELLA]
        umbrella = 0.5 * score * weight
        reasons.append(
            Reason(
                f"topic:{UMBRELLA}",
                round(100 * umbrella, 1),
                f"mental health / substance use ({score:.2f}) in {where}; counts half",
            )
        )
    subtopics = [t for t in best if t not in CORE_TOPICS and t != UMBRELLA]
    bonus = min(0.1, 0.02 * len(subtopics)) if (core or umbrella) else 0.0
    if bonus:
        reasons.append(
            Reason(
                "subtopics", round(100 * bonus, 1), "specific subtopics: " + ", ".join(subtopics)
            )
        )
    value = round(100 * min(1.0, max(core, umbrella) + bonus))
    if not reasons:
        reasons.append(Reason("no_topics", 0.0, "no mental-health topic found"))
    return Score(value, tuple(reasons))


def _evidence_position(evidence: Sequence) -> tuple[str, float]:
    """Where a topic's best evidence sits (for the reason) and its position weight.

    A summary field counts by FIELD_POSITION. Evidence only in the full text counts
    0.5 at the top of the bill (title, purpose, first section) falling to 0.3 at its end:
    a 988 trust fund in section 1 says more about the bill than one in section 40.
    """
    fields = [_ev(e, "field") for e in evidence]
    if not fields:
        return "text", FIELD_POSITION["text"]
    top = max(fields, key=lambda f: FIELD_POSITION.get(f, 0.5))
    if top != "text":
        return top, FIELD_POSITION.get(top, 0.5)
    texts = [e for e in evidence if _ev(e, "field") == "text"]
    first = min(texts, key=lambda e: _ev(e, "at") if _ev(e, "at") is not None else 1.0)
    at, section = _ev(first, "at"), _ev(first, "section")
    weight = FIELD_POSITION["text"] - (TEXT_DEPTH_PENALTY * at if at is not None else 0.0)
    where = "text"
    if section:
        where += f", {section}"
    if at is not None:
        where += f" ({round(100 * at)}% in)"
    return where, weight


def _ev(evidence: object, key: str) -> object:
    if isinstance(evidence, dict):
        return evidence.get(key)
    return getattr(evidence, key, None)


def _tag_parts(tag: object) -> tuple[str, float, Sequence]:
    if isinstance(tag, dict):
        return tag["topic"], tag["score"], tag.get("evidence") or ()
    return tag.topic, tag.score, tag.evidence  # type: ignore[attr-defined]


# ------------------------------------------------------------ passage likelihood


def passage_likelihood(facts: BillFacts, today: date | None = None) -> Score:
    """Chance (0-100) the bill is enacted, with each factor's contribution."""
    today = today or date.today()
    if facts.stage in TERMINAL:
        p = TERMINAL[facts.stage]
        return Score(round(100 * p), (Reason("stage", round(100 * p), f"bill is {facts.stage}"),))
    kind = "us" if facts.jurisdiction == "us" else "state"
    base = STAGE_BASE[kind].get(facts.stage, STAGE_BASE[kind]["introduced"])
    x = _logit(base)
    reasons = [
        Reason(
            "stage",
            round(100 * base, 1),
            f"{facts.stage.replace('_', ' ')} ({'Congress' if kind == 'us' else 'state'} "
            f"base rate {base:.0%})",
            round(x, 2),
        )
    ]
    effects: list[tuple[str, float, str]] = []
    classes = [set(a.classification) for a in facts.actions]
    if facts.stage in ("introduced", "in_committee") and any(c & COMMITTEE_PASSED for c in classes):
        effects.append(
            ("committee_reported", EFFECTS["committee_reported"], "reported by committee")
        )
    if facts.sponsor_in_majority is True:
        effects.append(
            ("sponsor_in_majority", EFFECTS["sponsor_in_majority"], "sponsor in majority")
        )
    elif facts.sponsor_in_majority is False:
        effects.append(
            ("sponsor_in_minority", EFFECTS["sponsor_in_minority"], "sponsor in minority")
        )
    if facts.sponsor_chairs_committee:
        effects.append(
            (
                "sponsor_chairs_committee",
                EFFECTS["sponsor_chairs_committee"],
                "sponsor chairs a committee",
            )
        )
    parties = {party_letter(p) for p in [*facts.sponsor_parties, *facts.cosponsor_parties]} - {None}
    if {"D", "R"} <= parties:
        effects.append(
            (
                "bipartisan_cosponsors",
                EFFECTS["bipartisan_cosponsors"],
                "sponsors from both parties",
            )
        )
    if len(facts.cosponsor_parties) >= 10:
        effects.append(
            (
                "many_cosponsors",
                EFFECTS["many_cosponsors"],
                f"{len(facts.cosponsor_parties)} cosponsors",
            )
        )
    if facts.has_companion:
        effects.append(
            ("companion_bill", EFFECTS["companion_bill"], "companion bill in the other chamber")
        )
    if facts.is_reintroduction:
        effects.append(
            ("reintroduction", EFFECTS["reintroduction"], "reintroduced from an earlier session")
        )
    if (
        facts.introduced_date
        and facts.session_start
        and facts.session_end
        and facts.session_end > facts.session_start
    ):
        span = (facts.session_end - facts.session_start).days
        into = (facts.introduced_date - facts.session_start).days
        if into > 0.75 * span:
            effects.append(
                ("introduced_late", EFFECTS["introduced_late"], "introduced late in session")
            )
    if facts.session_end and facts.session_end < today:
        effects.append(
            (
                "session_ended",
                EFFECTS["session_ended"],
                f"session ended {facts.session_end.isoformat()}",
            )
        )
    elif facts.last_action_date:
        idle = (today - facts.last_action_date).days
        if idle >= 365:
            effects.append(("stalled_365", EFFECTS["stalled_365"], f"no action for {idle} days"))
        elif idle >= 120:
            effects.append(("stalled_120", EFFECTS["stalled_120"], f"no action for {idle} days"))
        elif idle <= 30:
            effects.append(
                ("recent_action", EFFECTS["recent_action"], f"last action {idle} days ago")
            )
    p_before = _sigmoid(x)
    for factor, effect, detail in effects:
        x += effect
        p_after = _sigmoid(x)
        reasons.append(Reason(factor, round(100 * (p_after - p_before), 1), detail, effect))
        p_before = p_after
    return Score(round(100 * _sigmoid(x)), tuple(reasons))


def party_letter(value: str | None) -> str | None:
    """D, R or the first letter of another party name; None when unknown."""
    if not value:
        return None
    v = value.strip().upper()
    if v.startswith(("D", "DEM")):
        return "D"
    if v.startswith(("R", "REP", "GOP")):
        return "R"
    return v[:1]


# ---------------------------------------------------------------------- momentum


def momentum(facts: BillFacts, today: date | None = None) -> tuple[bool, tuple[Reason, ...]]:
    """True when the bill advanced in the last 14 days or has a hearing scheduled."""
    today = today or date.today()
    since = today - timedelta(days=MOMENTUM_DAYS)
    reasons: list[Reason] = []
    moved = [
        a for a in facts.actions if since <= a.date <= today and set(a.classification) & ADVANCING
    ]
    if moved:
        last = max(moved, key=lambda a: a.date)
        reasons.append(
            Reason("advanced", 1, f"{last.date.isoformat()}: {last.description[:160]}".strip())
        )
    upcoming = sorted(d for d in facts.hearings if d >= today)
    if upcoming:
        reasons.append(Reason("hearing_scheduled", 1, f"hearing on {upcoming[0].isoformat()}"))
    return bool(reasons), tuple(reasons)


# ------------------------------------------------------------------- calibration


def brier(pairs: Sequence[tuple[float, int]]) -> float:
    """Mean squared error of probabilities against 0/1 outcomes."""
    return sum((p - y) ** 2 for p, y in pairs) / len(pairs)


def auc(pairs: Sequence[tuple[float, int]]) -> float | None:
    """Area under the ROC curve (ties count half); None without both outcomes."""
    pos = [p for p, y in pairs if y]
    neg = [p for p, y in pairs if not y]
    if not pos or not neg:
        return None
    wins = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a in pos for b in neg)
    return wins / (len(pos) * len(neg))
