"""The bill page shows the version's text with the evidence marked, each tag linking to
its passage, and everything in the text escaped."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from flask import Flask
from markupsafe import escape

from tests.conftest import sign_in
from tests.web.conftest import PASSWORD
from tracker.models import BillVersion
from tracker.tagging_service import tag_bills
from tracker.textextract import extract, store_version_text
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


def _version_with_text(db, bill_id: str, path: Path, note: str) -> BillVersion:  # noqa: ANN001
    version = BillVersion(bill_id=bill_id, url=f"https://example.invalid/{path.name}", note=note)
    db.add(version)
    db.flush()
    store_version_text(db, version, path.read_bytes(), "text/plain")
    db.commit()
    return version


def test_text_view_shows_inserted_and_struck_runs_of_real_bills_escaped():
    # WA HB 1477 as introduced: wa-law.org's **bold** = text inserted into RCW 71.24.
    wa = extract((TEXTS / "wa" / "HB1477-1.md").read_bytes())
    run = next(m for m in wa.marks if m["kind"] == "ins" and m["end"] - m["start"] > 100)
    html = str(evidence_text(wa.text, [], marks=wa.marks).html)
    assert f"<ins>{escape(wa.text[run['start'] : run['end']])}</ins>" in html
    assert evidence_text(wa.text, [], marks=wa.marks).marked
    assert not evidence_text(wa.text, []).marked and "<ins>" not in str(
        evidence_text(wa.text, []).html
    )
    # MO HB 1533: bold [brackets] = struck words, shown where they stood, not in the text.
    mo = extract((TEXTS / "mo" / "HB1533_full_text.md").read_bytes())
    struck = [m for m in mo.marks if m["kind"] == "del"]
    assert struck
    html = str(evidence_text(mo.text, [], marks=mo.marks).html)
    assert html.count("<del>") == len(struck)
    first = struck[0]
    assert f"<del>{escape(first['text'])}</del>" in html
    assert first["text"] not in mo.text[max(0, first["at"] - 5) : first["at"] + 5]
    # Struck text is escaped like the rest.
    fake = evidence_text("a b", [], marks=[{"kind": "del", "at": 2, "text": "<b>x</b>"}])
    assert "<del>&lt;b&gt;x&lt;/b&gt;</del>" in str(fake.html)


def test_evidence_the_version_inserts_is_stored_as_added(app: Flask, db, world) -> None:  # noqa: ANN001
    from tracker.models import Bill
    from tracker.models.tagging import BillTopic
    from tracker.tagging import tag_bill

    _version_with_text(db, HB1477, TEXTS / "wa" / "HB1477-1.md", "Original bill")
    tag_bills(db, [HB1477])
    rows = {r.topic: r for r in db.query(BillTopic).filter_by(bill_id=HB1477)}
    added = [(t, e) for t, r in rows.items() for e in r.evidence if e.get("added")]
    # "i. Adult, youth, and geriatric mobile rapid response crisis teams, crisis
    # stabilization services, and peer respite services;" is all **bold** in RCW 71.24.
    assert ("crisis_stabilization", 13375) in [(t, e["start"]) for t, e in added]
    assert all(e["added"] is True and e["field"] == "text" for _t, e in added)
    # Everything else is what the tagger said, unchanged; evidence outside runs has no key.
    bill = db.get(Bill, HB1477)
    text = extract((TEXTS / "wa" / "HB1477-1.md").read_bytes()).text
    tags = tag_bill(bill.title, bill.abstract, [s.subject for s in bill.subjects], text)
    assert {t.topic for t in tags} == set(rows)
    for tag in tags:
        stored = [
            {k: e[k] for k in ev.as_dict()}
            for e, ev in zip(rows[tag.topic].evidence, tag.evidence, strict=True)
        ]
        assert stored == [ev.as_dict() for ev in tag.evidence]
    plain = [
        e for r in rows.values() for e in r.evidence if e["field"] == "text" and "added" not in e
    ]
    assert plain  # most evidence is the old RCW text or new sections, not inserted runs


def test_bill_page_says_added_in_this_version(app: Flask, db, world) -> None:  # noqa: ANN001
    _version_with_text(db, HB1477, TEXTS / "wa" / "HB1477-1.md", "Original bill")
    tag_bills(db, [HB1477])
    client = app.test_client()
    sign_in(client, world["users"][("alpha", "viewer")].email, PASSWORD)
    page = client.get(f"/bills/{HB1477}").get_data(as_text=True)
    assert '<span class="added">added in this version</span>' in page
    assert re.search(
        r'<a href="#ev-crisis_stabilization-\d+"[^>]*>[^<]*</a> '
        r'<span class="added">\(added in this version\)</span>',
        page,
    )
    assert '<ins><mark class="ev">' in page or "<ins>" in page
    assert "Text this version inserts is <ins>underlined</ins>" in page
