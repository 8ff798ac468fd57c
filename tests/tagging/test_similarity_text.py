"""Similar bills across states (MinHash/LSH) and full-text extraction cached by hash."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.tagging.helpers import dev_row, ingest_demo
from tracker.errors import InvalidInput
from tracker.models import Bill, BillVersion
from tracker.models.tagging import ExtractedText
from tracker.similarity import find_similar, shingles, update_similar_bills
from tracker.tagging_queries import similar_for, tags_for
from tracker.tagging_service import tag_bills
from tracker.textextract import extract_text, sha256_bytes, store_version_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

# Real statute-style text: the NJ 9-8-8 fee digest (dev nj-2026-s3013) and Oregon's
# HB 2757 summary (demo), used as the body of two model bills in different states.
NJ = dev_row("nj-2026-s3013")["abstract"]


def test_shingles_ignore_case_and_punctuation():
    assert shingles("The 9-8-8 fee, per LINE.", k=2) == shingles("the 9 8 8 fee per line", k=2)


def test_find_similar_reports_near_copies_with_a_percentage():
    base = dev_row("us-119-s2826")["abstract"]
    docs = {
        "us-119-s2826": base,
        "us-119-hr5434": dev_row("us-119-hr5434")["abstract"],  # identical companion
        "co-x": base.replace("Secretary of Health and Human Services", "executive director"),
        "unrelated": dev_row("ak-22-hb186")["abstract"],
    }
    pairs = find_similar(docs, threshold=0.5)
    found = {(p.a, p.b): p for p in pairs}
    assert found[("us-119-hr5434", "us-119-s2826")].percent == 100
    assert 50 <= found[("co-x", "us-119-s2826")].percent < 100
    assert not any("unrelated" in key for key in found)


def _html(body: str) -> bytes:
    head = "<head><title>x</title><script>var a=1;</script></head>"
    return f"<html>{head}<body><p>{body}</p></body></html>".encode()


def test_similar_bills_across_states_from_extracted_full_text(db):
    ids = ingest_demo(db, lambda r: r["identifier"] in ("HB 2757", "SF 2588", "HB 9"))
    bills = {b.jurisdiction_id: b for b in db.scalars(select(Bill).where(Bill.id.in_(ids)))}
    copies = {
        "or": NJ,
        "mn": NJ.replace("New Jersey", "Minnesota"),
        "tx": "Broadband and telecommunications services funding; " * 3,
    }
    for juris, body in copies.items():
        version = BillVersion(
            bill_id=bills[juris].id, url=f"https://example.invalid/{juris}", note="Introduced"
        )
        db.add(version)
        db.flush()
        store_version_text(db, version, _html(body), "text/html")
    db.commit()
    summary = update_similar_bills(db)
    assert summary["pairs"] >= 1
    similar = similar_for(db, bills["or"].id)
    assert [s.other_bill_id for s in similar] == [bills["mn"].id]
    assert 50 <= similar[0].percent < 100  # one state name differs in a short digest
    assert similar_for(db, bills["tx"].id) == []
    # the full text is tagged too, with evidence in the text field
    tag_bills(db, [bills["mn"].id])
    fee = next(t for t in tags_for(db, bills["mn"].id) if t.topic == "988_fee")
    assert any(ev["field"] == "text" for ev in fee.evidence)


def test_extraction_is_cached_by_sha256(db):
    data = _html(NJ)
    ids = ingest_demo(db, lambda r: r["identifier"] == "HB 2757")
    v1 = BillVersion(bill_id=ids[0], url="https://example.invalid/a", note="a")
    v2 = BillVersion(bill_id=ids[0], url="https://example.invalid/b", note="b")
    db.add_all([v1, v2])
    db.flush()
    row1 = store_version_text(db, v1, data, "text/html")
    row2 = store_version_text(db, v2, data, None)
    assert row1 is row2 and v1.text_sha256 == v2.text_sha256 == sha256_bytes(data)
    assert db.scalar(select(func.count()).select_from(ExtractedText)) == 1
    assert "var a" not in row1.text and row1.text.startswith("This bill establishes")


def test_extract_text_from_real_xml_and_html_fixtures():
    xml = (FIXTURES / "tagging" / "BILLSTATUS-116s2902.xml").read_bytes()
    text, kind, _ = extract_text(xml)
    assert kind == "application/xml" and "Strengthening Our Rural Health Workforce Act" in text


def test_extract_text_from_pdf(tmp_path):
    from weasyprint import HTML

    pdf = HTML(string=f"<p>{NJ}</p>").write_pdf()
    text, kind, extractor = extract_text(pdf)
    assert kind == "application/pdf" and extractor == "pypdfium2"
    assert "9-8-8 fee" in " ".join(text.split())


def test_unreadable_documents_raise_invalid_input():
    with pytest.raises(InvalidInput):
        extract_text(b"%PDF-1.7 not really a pdf")
