"""The bill page shows the version's text with the evidence marked, each tag linking to
its passage, and everything in the text escaped."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from flask import Flask

from tests.conftest import sign_in
from tests.web.conftest import PASSWORD
from tracker.models import BillVersion
from tracker.tagging_service import tag_bills
from tracker.textextract import store_version_text
from web.text import evidence_text

TEXTS = Path(__file__).resolve().parents[1] / "fixtures" / "texts"
HB1477 = "wa-202122-hb1477"


def test_evidence_text_escapes_and_marks_only_matching_offsets():
    text = "SEC. 1. <script>alert(1)</script> The 988 crisis line is funded. Other words."
    start = text.index("The 988")
    end = text.index("funded.") + len("funded.")
    good = {"field": "text", "start": start, "end": end, "quote": text[start:end]}
    stale = {"field": "text", "start": 0, "end": 4, "quote": "nope"}  # another version's offsets
    view = evidence_text(text, [("crisis", "Crisis care", [good, stale])])
    html = str(view.html)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<span class="anchor" id="ev-crisis-1"></span><mark class="ev">The 988' in html
    assert [p.anchor for p in view.passages] == ["ev-crisis-1"]
    assert view.first_anchor("crisis") == "ev-crisis-1" and view.first_anchor("parity") is None


def test_bill_page_shows_text_with_evidence_and_tag_links(app: Flask, db, world) -> None:  # noqa: ANN001
    version = BillVersion(
        bill_id=HB1477,
        url="https://lawfilesext.leg.wa.gov/biennium/2021-22/Xml/Bills/House%20Bills/1477.xml",
        note="Original bill",
        date=date(2021, 2, 1),
        position=0,
    )
    db.add(version)
    db.flush()
    store_version_text(db, version, (TEXTS / "wa" / "HB1477-1.md").read_bytes(), "text/plain")
    db.commit()
    tag_bills(db, [HB1477])
    client = app.test_client()
    sign_in(client, world["users"][("alpha", "viewer")].email, PASSWORD)
    page = client.get(f"/bills/{HB1477}").get_data(as_text=True)
    assert 'id="bill-text"' in page and "Original bill" in page
    links = re.findall(r'<a href="#(ev-[a-z0-9_-]+)" class="to-text">in the text</a>', page)
    assert links, "each tag with text evidence links to its passage"
    for anchor in links:
        assert f'id="{anchor}"' in page
    assert '<mark class="ev">' in page
    crisis_links = (
        r'<li><strong>Crisis[^<]*</strong>: <a href="#ev-crisis-1" title="[^"]*">Section \d+'
    )
    assert re.search(crisis_links, page)
    # A bill without any text says so.
    other = client.get("/bills/us-118-hr498").get_data(as_text=True)
    assert "No text of this bill has been published or extracted yet." in other


def test_bill_page_says_how_much_of_the_bill_is_a_model_act(app: Flask, db, world) -> None:  # noqa: ANN001
    hb1939 = "wa-202324-hb1939"
    version = BillVersion(bill_id=hb1939, url="https://app.leg.wa.gov/1939", note="Session law")
    db.add(version)
    db.flush()
    store_version_text(db, version, (TEXTS / "wa" / "HB1939-S.SL.md").read_bytes(), "text/plain")
    db.commit()
    client = app.test_client()
    sign_in(client, world["users"][("alpha", "viewer")].email, PASSWORD)
    page = client.get(f"/bills/{hb1939}").get_data(as_text=True)
    found = re.search(r"WA HB 1939 is (\d+)% the Social Work Licensure Compact", page)
    assert found and int(found.group(1)) >= 90
    assert "as enacted in WA HB 1939 (2023-24)" in page
