"""Scores with reasons: relevance, passage likelihood, momentum, calibration helpers."""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

from tests.tagging.helpers import dev_row
from tracker.scoring import (
    EFFECTS,
    ActionFact,
    BillFacts,
    auc,
    brier,
    momentum,
    passage_likelihood,
    relevance,
)
from tracker.tagging import tag_bill

TODAY = date(2026, 11, 26)


def _tags(row):  # noqa: ANN001, ANN202
    return tag_bill(row.get("title"), row.get("abstract"), row.get("subjects"))


def test_relevance_ranks_title_evidence_above_abstract_and_unrelated_bills_at_zero():
    in_title = relevance(_tags(dev_row("tx-87-hb3553")))  # mobile crisis in the title
    in_abstract = relevance(_tags(dev_row("wa-2023-sb5120")))  # crisis relief centers, no title
    umbrella_only = relevance(_tags(dev_row("ca-20192020-ab1976")))  # AOT: other MH
    none = relevance(_tags(dev_row("us-118-hr4233")))  # housing crisis
    assert in_title.value > in_abstract.value > umbrella_only.value > none.value == 0
    assert any(r.factor == "topic:crisis" and "title" in r.detail for r in in_title.reasons)
    assert none.reasons[0].factor == "no_topics"


def test_relevance_accepts_stored_tag_dicts():
    tags = [t.as_dict() for t in _tags(dev_row("tx-87-hb3553"))]
    assert relevance(tags).value == relevance(_tags(dev_row("tx-87-hb3553"))).value


def test_passage_likelihood_rises_with_stage_and_lists_every_factor():
    intro = BillFacts("ca", stage="introduced", last_action_date=TODAY - timedelta(days=5))
    passed = BillFacts("ca", stage="passed_origin", last_action_date=TODAY - timedelta(days=5))
    a, b = passage_likelihood(intro, TODAY), passage_likelihood(passed, TODAY)
    assert 0 < a.value < b.value < 100
    assert [r.factor for r in a.reasons] == ["stage", "recent_action"]
    assert abs(sum(r.effect for r in a.reasons) - a.value) <= 1.5  # reasons add up to the score


def test_passage_factors_follow_govtrack_directions():
    base = BillFacts("us", stage="in_committee", last_action_date=TODAY - timedelta(days=40))
    p0 = passage_likelihood(base, TODAY).value
    boosted = BillFacts(
        "us",
        stage="in_committee",
        last_action_date=TODAY - timedelta(days=40),
        actions=[ActionFact(TODAY - timedelta(days=40), ("committee-passage-favorable",))],
        sponsor_parties=["D"],
        cosponsor_parties=["R"] * 12,
        has_companion=True,
        is_reintroduction=True,
        sponsor_chairs_committee=True,
        sponsor_in_majority=True,
    )
    result = passage_likelihood(boosted, TODAY)
    factors = {r.factor for r in result.reasons}
    assert {
        "committee_reported",
        "bipartisan_cosponsors",
        "many_cosponsors",
        "companion_bill",
        "reintroduction",
        "sponsor_chairs_committee",
        "sponsor_in_majority",
    } <= factors
    assert all(r.effect > 0 for r in result.reasons if r.factor != "stage")
    assert result.value > p0
    stalled = BillFacts("us", stage="in_committee", last_action_date=TODAY - timedelta(days=400))
    late = BillFacts(
        "ca",
        stage="introduced",
        introduced_date=date(2026, 8, 1),
        session_start=date(2025, 1, 1),
        session_end=date(2026, 12, 1),
    )
    assert passage_likelihood(stalled, TODAY).value < p0
    late_reasons = {r.factor: r for r in passage_likelihood(late, TODAY).reasons}
    assert late_reasons["introduced_late"].log_odds == EFFECTS["introduced_late"]


def test_terminal_stages_and_ended_sessions():
    assert passage_likelihood(BillFacts("wa", stage="enacted"), TODAY).value == 100
    assert passage_likelihood(BillFacts("ca", stage="vetoed"), TODAY).value <= 5
    dead = BillFacts("tx", stage="passed_origin", session_end=date(2025, 6, 2))
    result = passage_likelihood(dead, TODAY)
    assert result.value < 10 and result.reasons[-1].factor == "session_ended"


def test_momentum_from_recent_advance_or_scheduled_hearing():
    recent = BillFacts(
        "wa",
        actions=[
            ActionFact(TODAY - timedelta(days=3), ("passage",), "lower", "Third reading, passed")
        ],
    )
    moving, why = momentum(recent, TODAY)
    assert moving and why[0].factor == "advanced" and "Third reading" in why[0].detail
    referral_only = BillFacts(
        "wa", actions=[ActionFact(TODAY - timedelta(days=3), ("referral-committee",))]
    )
    assert momentum(referral_only, TODAY) == (False, ())
    old = BillFacts("wa", actions=[ActionFact(TODAY - timedelta(days=30), ("passage",))])
    assert momentum(old, TODAY)[0] is False
    hearing = BillFacts("wa", hearings=[TODAY + timedelta(days=6)])
    moving, why = momentum(hearing, TODAY)
    assert moving and why[0].factor == "hearing_scheduled"


def test_brier_and_auc():
    pairs = [(0.9, 1), (0.8, 1), (0.3, 0), (0.1, 0)]
    assert auc(pairs) == 1.0
    assert round(brier(pairs), 4) == round((0.01 + 0.04 + 0.09 + 0.01) / 4, 4)
    assert auc([(0.5, 1), (0.5, 0)]) == 0.5
    assert auc([(0.5, 1)]) is None


def test_calibration_on_demo_outcomes_beats_the_base_rate():
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from bench.scoring_calibration import calibration_pairs

    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "tagging" / "demo"
    pairs = calibration_pairs(fixtures)
    probs = [(p, y) for _, p, y in pairs]
    rate = sum(y for _, y in probs) / len(probs)
    assert len(probs) >= 30
    assert brier(probs) < brier([(rate, y) for _, y in probs])
    assert auc(probs) > 0.7
