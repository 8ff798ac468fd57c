"""Workforce rules read like a policy team's checklist.

`REAL` are titles (and one long title) of real bills, written down from their
congress.gov / legislature pages (not recorded payloads; punctuation may differ).
`DIGEST_STYLE` are phrasings written for this test in the style of state digests, to
pin each lever the rules name; they are not bills. None is in the dev set, and no rule
quotes any of them: the rules name the policy levers (licensure and compacts, loan
repayment and stipends, crisis and CCBHC staffing, Medicaid rates, school mental-health
staff), not bills.
"""

from __future__ import annotations

import json

import pytest

from tests.tagging.helpers import FIXTURES
from tracker.tagging import tag_bill


def _topics(title: str, abstract: str = "") -> dict[str, list[str]]:
    return {t.topic: list(t.rules) for t in tag_bill(title, abstract)}


REAL = [
    # (title, abstract, a rule that should fire)
    (
        "Substance Use Disorder Workforce Loan Repayment Act of 2018",
        "",
        "bh_workforce",
    ),
    (
        "Mental Health Access Improvement Act of 2023",
        "To amend title XVIII of the Social Security Act to provide for the coverage of "
        "marriage and family therapist services and mental health counselor services under "
        "part B of the Medicare program, and for other purposes.",
        "counselors_therapists_covered_as_providers",
    ),
    ("Counseling Compact", "", "bh_licensure_compact"),
]
DIGEST_STYLE = [
    (
        "Relating to Medicaid reimbursement rates for licensed behavioral health providers.",
        "",
        "bh_professional_reimbursement",
    ),
    ("Medi-Cal: rate increases for mental health clinicians.", "", "bh_provider_rates"),
    (
        "School psychologists and school social workers: recruitment and retention grant program.",
        "",
        "school_bh_staff_supply",
    ),
    (
        "988 Suicide and Crisis Lifeline: crisis call center staffing and training.",
        "",
        "crisis_line_staff",
    ),
    (
        "Certified community behavioral health clinics: workforce recruitment and retention.",
        "",
        "ccbhc_staffing",
    ),
    (
        "Alcohol and drug counselors: certification.",
        "",
        "bh_professional_licensure",
    ),
]


@pytest.mark.parametrize(("title", "abstract", "rule"), REAL + DIGEST_STYLE)
def test_workforce_levers_are_tagged_with_the_rule_that_names_them(title, abstract, rule):
    found = _topics(title, abstract)
    assert "workforce" in found, f"missed: {title}"
    assert rule in found["workforce"], f"{title}: fired {found['workforce']}"


NOT_WORKFORCE = [
    # Real titles: other professions, and CCBHC payment (labeled other_mh, not workforce).
    "Allied Health Workforce Diversity Act",
    "Nurse Licensure Compact",
    "Dietitian Licensure Compact",
    "Excellence in Mental Health and Addiction Treatment Expansion Act",
    # Digest-style phrasings (not bills): other rates, other school staff.
    "Relating to Medicaid reimbursement rates for nursing facilities.",
    "School resource officers: training and funding.",
    "Teacher salary increases; appropriation.",
]


@pytest.mark.parametrize("title", NOT_WORKFORCE)
def test_other_professions_rates_and_clinic_payment_are_not_workforce(title):
    assert "workforce" not in _topics(title)


def test_the_hard_negatives_stay_negative_under_the_new_rules():
    for line in (FIXTURES / "hard_negatives.jsonl").read_text().splitlines():
        row = json.loads(line)
        assert not _topics(row["title"], row["abstract"]), row["id"]
