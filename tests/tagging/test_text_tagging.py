"""Stored bill text is tagged: a bill found only by its text, with section and version on
each piece of evidence, re-tagged when a new version's text arrives."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select

from tests.tagging.helpers import ingest_demo
from tracker.models import Bill, BillVersion
from tracker.tagging_queries import bill_ids_for_topic, scores_for, select_bills_to_tag, tags_for
from tracker.tagging_service import score_bills, tag_bills
from tracker.taxonomy import load_taxonomy
from tracker.textextract import store_version_text

TEXTS = Path(__file__).resolve().parents[1] / "fixtures" / "texts"


def _add_version(db, bill: Bill, name: str, note: str, day: date) -> BillVersion:  # noqa: ANN001
    version = BillVersion(
        bill_id=bill.id, url=f"https://app.leg.wa.gov/{name}", note=note, date=day, position=0
    )
    db.add(version)
    db.flush()
    store_version_text(db, version, (TEXTS / "wa" / name).read_bytes(), "text/plain")
    db.commit()
    return version


def test_bill_found_only_by_its_text_and_retagged_on_a_new_version(db):
    tax = load_taxonomy()
    (bill_id,) = ingest_demo(
        db, lambda r: r["identifier"] == "HB 1477" and r["jurisdiction"] == "wa"
    )
    bill = db.get(Bill, bill_id)
    # The real title names 988; blank the description so only the text can say it.
    bill.title, bill.abstract = "Concerning public safety", ""
    db.commit()
    tag_bills(db, [bill_id])
    assert "crisis" not in {t.topic for t in tags_for(db, bill_id)}
    assert bill_id not in select_bills_to_tag(db, tax)

    original = _add_version(db, bill, "HB1477-1.md", "Original bill", date(2021, 2, 1))
    assert bill_id in select_bills_to_tag(db, tax)  # first text: stale
    tag_bills(db, [bill_id])
    assert bill_id not in select_bills_to_tag(db, tax)
    crisis = next(t for t in tags_for(db, bill_id) if t.topic == "crisis")
    ev = crisis.evidence[0]
    assert ev["field"] == "text" and ev["section"].startswith("Section 1")
    assert ev["version_id"] == original.id and ev["version"] == "Original bill"
    assert bill_id in bill_ids_for_topic(db, "crisis")
    score_bills(db, [bill_id], today=date(2021, 3, 1))
    score = scores_for(db, [bill_id])[bill_id]
    assert score.relevance > 0
    assert any("in text, Section" in r["detail"] for r in score.relevance_reasons)

    enacted = _add_version(db, bill, "HB1477-S2.SL.md", "Session law", date(2021, 5, 13))
    assert select_bills_to_tag(db, tax) == [bill_id]  # the new version's text re-tags it
    tag_bills(db, [bill_id])
    crisis = next(t for t in tags_for(db, bill_id) if t.topic == "crisis")
    assert {e["version_id"] for e in crisis.evidence} == {enacted.id}
    text = (TEXTS / "wa" / "HB1477-S2.SL.md").read_text(encoding="utf-8")
    assert all(e["quote"] in text for e in crisis.evidence)
    assert db.scalars(select(Bill.id)).all() == [bill_id]
