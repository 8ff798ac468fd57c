"""Near-copies and model acts on real bill texts: MO companions, the Dentist and Dental
Hygienist Compact in WA and MO, WA HB 1939 and the Social Work Licensure Compact."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.tagging.helpers import ingest_demo
from tracker.ingest import ingest
from tracker.models import BillVersion
from tracker.records import BillRecord
from tracker.similarity import (
    find_similar,
    model_act_matches,
    shared_passages,
    shingles,
    update_similar_bills,
)
from tracker.tagging_queries import similar_for
from tracker.textextract import extract_text, store_version_text

TEXTS = Path(__file__).resolve().parents[1] / "fixtures" / "texts"


def _text(name: str) -> str:
    return extract_text((TEXTS / name).read_bytes())[0]


def test_mo_companions_are_found_as_near_copies_with_shared_passages():
    names = [
        "mo/HB2064_full_text.md",
        "mo/SB1370_full_text.md",
        "mo/HB2434_full_text.md",
        "mo/SB1284_full_text.md",
        "mo/HB2520_full_text.md",
        "wa/HB1477-1.md",
    ]
    docs = {n: _text(n) for n in names}
    pairs = {(p.a, p.b): p for p in find_similar(docs)}
    assert ("mo/HB2064_full_text.md", "mo/SB1370_full_text.md") in pairs
    assert ("mo/HB2434_full_text.md", "mo/SB1284_full_text.md") in pairs
    assert set(pairs) == {
        ("mo/HB2064_full_text.md", "mo/SB1370_full_text.md"),
        ("mo/HB2434_full_text.md", "mo/SB1284_full_text.md"),
    }
    assert all(60 <= p.percent < 100 for p in pairs.values())
    a, b = docs["mo/HB2064_full_text.md"], docs["mo/SB1370_full_text.md"]
    passages = shared_passages(a, b)
    assert passages and len(passages[0].split()) >= 40
    for passage in passages:
        assert passage in a and shingles(passage) <= shingles(b)


def test_model_acts_are_recognized_where_the_text_holds_them():
    hb1939 = model_act_matches(_text("wa/HB1939-S.SL.md"))
    assert [m.act.name for m in hb1939] == ["Social Work Licensure Compact"]
    assert hb1939[0].percent >= 90 and hb1939[0].act_percent == 100
    for name in ("mo/HB2075_full_text.md", "mo/SB778_full_text.md"):
        (match,) = model_act_matches(_text(name))
        assert match.act.name == "Dentist and Dental Hygienist Compact"
        assert match.act_percent >= 70  # the MO bills carry most of the compact
        assert 50 <= match.percent < 90  # plus Missouri's own dental-practice sections
    assert model_act_matches(_text("wa/HB1477-1.md")) == []
    assert model_act_matches("") == []


def test_dental_compact_copies_are_similar_across_states(db):
    (wa,) = ingest_demo(db, lambda r: (r["jurisdiction"], r["identifier"]) == ("wa", "HB 1939"))
    # MO HB 2075 is not in the demo corpus: a minimal record for it (identifier and
    # session from the real LegiScan text, see tests/fixtures/texts/MANIFEST.md).
    ingest(
        db, [BillRecord(jurisdiction="mo", session="2024", identifier="HB 2075", title="Dental")]
    )
    mo = "mo-2024-hb2075"
    for bill_id, name in ((wa, "wa/HB1576-S.SL.md"), (mo, "mo/HB2075_full_text.md")):
        v = BillVersion(bill_id=bill_id, url=f"https://example.org/{name}", date=date(2024, 1, 1))
        db.add(v)
        db.flush()
        store_version_text(db, v, (TEXTS / name).read_bytes(), "text/plain")
    db.commit()
    summary = update_similar_bills(db)
    assert summary["pairs"] >= 1
    (pair,) = similar_for(db, mo)
    assert pair.other_bill_id == wa and 50 <= pair.percent < 100
