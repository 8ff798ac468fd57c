"""988 provisions on real bill texts (tests/fixtures/texts, via the real text extraction)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tracker import provisions
from tracker.textextract import extract as extract_text

ROOT = Path(__file__).resolve().parents[2]
TEXTS = ROOT / "tests" / "fixtures" / "texts"


def _p(rel: str) -> dict:
    return provisions.extract(extract_text((TEXTS / rel).read_bytes()).text).to_dict()


def test_hb1477_introduced_fee_fund_and_non_supplanting():
    p = _p("wa/HB1477-1.md")
    fee = p["fee"]
    assert fee["current_cents"] == 75
    assert fee["current_unit"] == "per radio access line per month"
    assert fee["current_starts"] == "2024-07-01"
    wireless = [(r["cents"], r["starts"]) for r in fee["rates"] if r["line_type"] == "wireless"]
    assert wireless == [(30, "2021-10-01"), (50, "2023-01-01"), (75, "2024-07-01")]
    assert fee["payers"] == ["prepaid", "voip", "wireless"]
    assert "75 cents for each radio access line" in fee["rates"][2]["quote"]
    assert fee["rates"][0]["section"].startswith("Section 302(1)")
    assert "remitted to the department" in fee["collection"]["quote"]
    assert fee["cap"] is None and fee["adjustment"] is None and fee["sunset"] is None
    assert p["trust_fund"]["name"] == "statewide 988 behavioral health crisis response line account"
    assert p["trust_fund"]["section"] == "Section 305(1)"
    assert p["anti_diversion"]["section"] == "Section 305(3)"
    assert "may not be used to supplant" in p["anti_diversion"]["quote"]
    assert p["appropriations"] == [] and p["study_only"] is None


def test_hb1477_session_law_lower_fee_wireline_and_appropriations():
    p = _p("wa/HB1477-S2.SL.md")
    assert p["fee"]["current_cents"] == 40
    assert "wireline" in p["fee"]["payers"]
    amounts = [(a["amount"], a["section"]) for a in p["appropriations"]]
    assert amounts[0] == (23016000, "Section 301(1)")
    # Only the 988-account sums: the general fund-federal $80,000 beside $189,000 is not one.
    assert 189000 in [a for a, _ in amounts] and 80000 not in [a for a, _ in amounts]
    assert sum(a for a, _ in amounts) == 26_620_000
    assert all(a["fiscal_period"] == "2023-06-30" for a in p["appropriations"])
    assert p["appropriations"][0]["purpose"].startswith("the department to route calls")


def test_sb5762_raise_to_80_cents():
    p = _p("wa/SB5762-1.md")
    assert p["fee"]["current_cents"] == 80
    assert p["fee"]["current_starts"] == "2027-07-01"
    assert {r["cents"] for r in p["fee"]["rates"]} == {24, 40, 60, 80}


@pytest.mark.parametrize(
    "rel",
    [
        "wa/HB1600-1.md",
        "wa/SB6228-S2.SL.md",
        "wa/HB1865-1.md",
        "wa/SB5555-1.md",
        "mo/HB2471_full_text.md",
        "mo/SB762_full_text.md",
        "mo/SB778_full_text.md",
    ],
)
def test_bills_without_988_money_abstain(rel):
    p = _p(rel)
    assert p["fee"] is None and p["trust_fund"] is None and p["anti_diversion"] is None
    assert p["appropriations"] == [] and p["study_only"] is None


def test_struck_rates_are_not_read():
    # Constructed (no real text with marked-up 988 rates in the fixtures).
    text = (
        "Sec. 1. A 988 fee is hereby imposed on each line. The fee is "
        "\ue00250 cents for each radio access line\ue003\ue00075 cents for each radio "
        "access line\ue001 per month."
    )
    fee = provisions.extract(text).to_dict()["fee"]
    assert [r["cents"] for r in fee["rates"]] == [75]


def test_cap_adjustment_sunset_and_study_only_constructed():
    # Constructed snippets: the real texts have none of these clauses.
    text = (
        "Section 1. A 988 surcharge is imposed on each wireless line. The surcharge is "
        "$0.30 per wireless line per month. The surcharge may not exceed $1.00 and is "
        "adjusted annually by the consumer price index. This section expires June 30, 2030."
    )
    fee = provisions.extract(text).to_dict()["fee"]
    assert fee["current_cents"] == 30 and fee["monthly"]
    assert fee["cap"] and fee["adjustment"] and fee["sunset"]
    study = provisions.extract(
        "Section 1. The department shall conduct a study of the 988 crisis line and report to "
        "the legislature."
    ).to_dict()
    assert study["study_only"] and study["fee"] is None


def test_labeled_set_scores_perfectly_on_every_labeled_field():
    spec = importlib.util.spec_from_file_location("bench_p988", ROOT / "bench" / "provisions988.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    counts, misses, n, _ = bench.evaluate()
    assert n == 30
    assert misses == []
    assert counts["rates"]["tp"] == 24 and counts["appropriations"]["tp"] == 8
    # Fiscal period and purpose of each 988-account appropriation (HB 1477 session law).
    assert counts["appropriation_fy"]["tp"] == counts["appropriation_purpose"]["tp"] == 8
    # Every real text that mentions 988 without imposing a fee: every field "not found".
    no_fee, quiet = bench.abstentions()
    assert len(no_fee) == 6 and quiet == no_fee
