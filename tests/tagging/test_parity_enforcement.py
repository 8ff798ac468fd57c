"""Parity-enforcement elements on the real bundled texts: the hand-labeled set's recorded
figures, and the faults fixed against it (a consulted regulator, topics to recommend,
a school department's website, a fine written in words)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

from tracker import parity_enforcement as pe
from tracker.provisions import clean
from tracker.textextract import extract

ROOT = Path(__file__).resolve().parents[2]
TEXTS = ROOT / "tests" / "fixtures" / "texts"
_spec = importlib.util.spec_from_file_location(
    "bench_parity", ROOT / "bench" / "parity_enforcement.py"
)
bench = importlib.util.module_from_spec(_spec)
sys.modules["bench_parity"] = bench
_spec.loader.exec_module(bench)

# The figures recorded in bench/RESULTS.md (2026-12-03) for the elements with labeled
# cases: (precision, recall) floors and quotes in a labeled section. Elements without
# a labeled case must find nothing on these 30 texts.
FLOOR = {
    "penalties": (1.0, 1.0),
    "medical_necessity": (1.0, 1.0),
    "network_adequacy": (1.0, 1.0),
    "prior_auth_limits": (1.0, 1.0),
    "enforcer: insurance commissioner": (1.0, 1.0),
}


def text(rel: str) -> str:
    return extract((TEXTS / rel).read_bytes()).text


def test_the_labeled_set_meets_the_recorded_floor():
    res = bench.evaluate()
    assert res["n"] == 30
    for row, c in res["counts"].items():
        found, labeled = c["tp"] + c["fp"], c["tp"] + c["fn"]
        if row not in FLOOR:
            assert labeled == 0 and found == 0, (row, c)  # no case: must abstain everywhere
            continue
        p_floor, r_floor = FLOOR[row]
        assert labeled > 0, row
        assert c["tp"] / found >= p_floor if found else False, (row, c)
        assert c["tp"] / labeled >= r_floor, (row, c)
        assert c["evidence_ok"] == c["tp"], (row, c)
    assert res["amounts"] == {"labeled": 1, "right": 1}
    assert res["denied"]["right"] == res["denied"]["labeled"] == 1
    assert res["misses"] == []
    # The same Missouri bills from their official PDFs, as the demo reads them.
    assert bench.pdf_agreement() == (14, [])


def test_a_consulted_regulator_is_not_an_enforcer():
    """WA SB 6228 Section 9(1), as the session law words it: the health care authority
    convenes, "in collaboration with the insurance commissioner"."""
    full = clean(text("wa/SB6228-S2.SL.md"))
    start = full.index("The health care authority, in collaboration with the insurance")
    section9 = full[start : full.index("\n", start)]
    assert "in collaboration with the insurance commissioner, shall convene" in section9
    assert pe.enforcers(section9) == []
    assert "enforcer" not in pe.elements(section9)
    # Where the same commissioner does decide (Section 10), it counts.
    (who,) = pe.enforcers(full)
    assert who["section"] == "Section 10" and "jointly determine" in who["words"]


def test_a_committee_member_or_recommender_is_not_an_enforcer():
    # HB 1477 (session law) Section 103: "(d) The Washington state insurance commissioner,
    # or his or her designee;" on a committee. HB 1865 Section 14: the office "shall make
    # recommendations to health carriers".
    assert pe.enforcers(clean(text("wa/HB1477-S2.SL.md"))) == []
    assert pe.enforcers(clean(text("wa/HB1865-1.md"))) == []
    # SB 5555 Section 14 adds "The commissioner may adopt any rules related to
    # recommendations": the bare "commissioner" follows the office named before it.
    (who,) = pe.enforcers(clean(text("wa/SB5555-1.md")))
    assert who["words"].startswith("The commissioner may adopt any rules")
    assert who["section"] == "Section 14"
    # The compacts' commissioners are commission members, never the insurance regulator.
    for rel in ("wa/HB1576-S.SL.md", "mo/HB2075_full_text.md", "mo/SB778_full_text.md"):
        assert pe.enforcers(clean(text(rel))) == [], rel


def test_rules_to_implement_are_quoted_before_rules_on_a_topic():
    """MO HB 1723: DCI "shall promulgate rules regarding" DBT certification (337.801) and
    "shall promulgate rules as necessary to implement" the coverage section (376.1553.10)."""
    found = pe.elements(text("mo/HB1723_full_text.md"))["enforcer"]
    assert found["section"] == "Section 376.1553.10"
    assert re.search(r"promulgate rules as \d* ?necessary to implement", found["words"])


def test_a_fine_written_in_words_is_found_with_its_size():
    found = pe.elements(text("mo/HB1723_full_text.md"))["penalties"]
    assert found["amount"] == "five hundred dollars"
    assert found["section"] == "Section 376.1553.4"
    assert "punishable by a fine of up to five hundred dollars" in found["quote"]
    # "under penalty of perjury" (HB 1865) is not a penalty the bill sets.
    assert "penalties" not in pe.elements(text("wa/HB1865-1.md"))


def test_network_adequacy_is_a_standard_not_a_topic():
    # HB 1477 session law: "more timely access to care" is a topic the committee explores
    # (Section 103); Section 106 is the standard plans must meet.
    found = pe.elements(text("wa/HB1477-S2.SL.md"))["network_adequacy"]
    assert found["section"] == "Section 106"
    assert found["quote"].startswith("Health plans issued or renewed on or after January 1, 2023")
    # HB 1865: recommendations only; SB 5555: the same with rule-making, so it counts.
    assert "network_adequacy" not in pe.elements(text("wa/HB1865-1.md"))
    assert pe.elements(text("wa/SB5555-1.md"))["network_adequacy"]["section"] == "Section 14"


def test_a_school_department_posting_district_data_is_not_regulator_reporting():
    # MO HB 2471 170.048.3: "department shall post any information on its website that it
    # has received from districts" (the education department, no health plan in sight).
    for rel in ("mo/HB2471_full_text.md", "mo/SB762_full_text.md"):
        assert "regulator_reporting" not in pe.elements(text(rel)), rel


def test_no_real_text_grants_the_attorney_general_or_a_private_action():
    """None of the 30 bundled texts names the attorney general, and the only private
    right of action is WA HB 1600's denial (see tests/fixtures/parity_enforcement/README.md);
    on real text both kinds must abstain."""
    for path in sorted(TEXTS.glob("*/*")):
        if path.suffix.lower() not in {".md", ".xml"}:
            continue
        if path.parent.name == "mo" and not path.name.endswith("_full_text.md"):
            continue
        rel = f"{path.parent.name}/{path.name}"
        who = {w["who"]: w for w in pe.enforcers(clean(text(rel)))}
        assert "attorney general" not in who, rel
        if "private right of action" in who:
            assert rel == "wa/HB1600-1.md" and who["private right of action"]["denied"], rel
