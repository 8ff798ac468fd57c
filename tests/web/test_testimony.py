"""Testimony kit on the world's hearing: preview, DOCX/PDF read back, log, isolation."""

from __future__ import annotations

import io
import re

import pypdfium2
from docx import Document
from flask import Flask
from sqlalchemy import select

from outreach.models import Meeting, MeetingBill
from tests.conftest import sign_in
from tests.web.conftest import PASSWORD, WATCHED
from tracker.models import Event


def _form(client, url):  # noqa: ANN001, ANN202
    html = client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert token, html[:2000]
    token = token.group(1)
    return html, token


def _post(client, url, token, **extra):  # noqa: ANN001, ANN003, ANN202
    data = {
        "csrf_token": token,
        "starter": "clear_ask",
        "speaker": "Jordan Lee",
        "position": "support",
        "ask": "Pass the bill out of committee.",
        "facts": "988 took 5 million contacts in its first year (SAMHSA, 2023).",
        "quote": "",
        "written_testimony": "https://www.example.gov/testify",
        "body": "",
        "action": "preview",
    }
    data.update(extra)
    return client.post(url, data=data)


def test_prepare_export_and_log_testimony(app: Flask, db, world) -> None:  # noqa: ANN001
    event = db.scalar(select(Event).where(Event.external_id == "test-hearing-1"))
    url = f"/hearings/{event.id}/testimony/{WATCHED}"
    alpha = app.test_client()
    sign_in(alpha, world["users"][("alpha", "advocate")].email, PASSWORD)
    assert "Prepare testimony" in alpha.get(f"/bills/{WATCHED}").get_data(as_text=True)
    html, token = _form(alpha, url)
    assert "Health Subcommittee hearing" in html and "2123 Rayburn" in html
    assert 'id="checklist"' in html and "Consent" in html

    res = _post(alpha, url, token)
    page = res.get_data(as_text=True)
    assert res.status_code == 200
    assert "asks you to support" in page and "5 million contacts" in page
    assert "call or text 988" in page

    docx = Document(io.BytesIO(_post(alpha, url, token, action="docx").data))
    text = "\n".join(p.text for p in docx.paragraphs)
    assert "Pass the bill out of committee." in text and "2123 Rayburn" in text
    assert "988" in docx.sections[0].footer.paragraphs[0].text

    pdf = pypdfium2.PdfDocument(_post(alpha, url, token, action="pdf").data)
    first = pdf[0].get_textpage().get_text_range()
    assert "Pass the bill out of committee." in first and "988" in first

    res = _post(alpha, url, token, action="log")
    assert res.status_code == 302
    meeting = db.scalar(select(Meeting).where(Meeting.kind == "testimony"))
    assert meeting.our_attendees == "Jordan Lee"
    assert meeting.asks == "support: Pass the bill out of committee."
    bill_link = db.scalar(select(MeetingBill).where(MeetingBill.meeting_id == meeting.id))
    assert bill_link.bill_id == WATCHED
    assert alpha.get(res.headers["Location"]).status_code == 200

    # Another organization sees neither the committee link nor the logged testimony.
    beta = app.test_client()
    sign_in(beta, world["users"][("beta", "advocate")].email, PASSWORD)
    html, _ = _form(beta, url)
    assert "https://www.example.gov/testify" not in html
    assert beta.get(f"/meetings/{meeting.id}").status_code == 404
    assert "Jordan Lee" not in beta.get(f"/bills/{WATCHED}").get_data(as_text=True)


def test_hostile_template_is_refused_in_the_sandbox(app: Flask, db, world) -> None:  # noqa: ANN001
    event = db.scalar(select(Event).where(Event.external_id == "test-hearing-1"))
    url = f"/hearings/{event.id}/testimony/{WATCHED}"
    client = app.test_client()
    sign_in(client, world["users"][("alpha", "advocate")].email, PASSWORD)
    _, token = _form(client, url)
    res = _post(client, url, token, body="{{ ''.__class__.__mro__ }}")
    assert res.status_code == 400 and "Template problem" in res.get_data(as_text=True)
    assert client.get(f"/hearings/{event.id}/testimony/us-118-hr1").status_code == 404


def test_starter_templates_pass_the_sandbox_check():
    from outreach import testimony as tk
    from outreach.templates import check_template

    starters = tk.starters()
    assert set(starters) == {"clear_ask", "lived_experience"}
    for source in starters.values():
        assert check_template(source).ok
        assert "988" in source.body
    assert "without their permission" in starters["lived_experience"].body
    # Letters keep their own fields: a letter cannot use the hearing's.
    from outreach.templates import TemplateSource

    assert not check_template(TemplateSource("{{ hearing.date }}")).ok
    assert not check_template(tk.testimony_source("{{ constituent.story }}")).ok


def test_the_quote_falls_back_to_the_parity_element_of_a_real_text(app: Flask, db, world) -> None:  # noqa: ANN001
    """WA SB 6228 (session law) has no 988 provision: the heaviest parity element is quoted."""
    from datetime import UTC, datetime, timedelta
    from pathlib import Path

    from tracker.ingest import ingest_events
    from tracker.models import Bill, BillVersion
    from tracker.records import EventRecord
    from tracker.textextract import store_version_text

    bill = db.scalar(select(Bill).where(Bill.jurisdiction_id == "wa", Bill.identifier == "SB 6228"))
    text = Path(__file__).resolve().parents[1] / "fixtures" / "texts" / "wa" / "SB6228-S2.SL.md"
    v = BillVersion(bill_id=bill.id, url="https://example.invalid/6228", note="Session law")
    db.add(v)
    db.flush()
    store_version_text(db, v, text.read_bytes(), "text/plain")
    ingest_events(
        db,
        [
            EventRecord(
                jurisdiction="wa",
                name="Health & Long-Term Care hearing",
                start=datetime.now(UTC).replace(microsecond=0) + timedelta(days=3),
                location="Senate Hearing Rm 4",
                external_id="test-hearing-wa",
                bill_ids=[bill.id],
            )
        ],
    )
    db.commit()
    event = db.scalar(select(Event).where(Event.external_id == "test-hearing-wa"))
    client = app.test_client()
    sign_in(client, world["users"][("alpha", "advocate")].email, PASSWORD)
    url = f"/hearings/{event.id}/testimony/{bill.id}"
    html, token = _form(client, url)
    assert (
        "“Medical necessity review must be based on the standard set of criteria established "
        "under RCW 41.05.528.” (Section 6(2)(ii))"
    ) in html.replace("&#34;", '"')
    page = _post(client, url, token, quote="").get_data(as_text=True)
    assert "What the bill does:" not in page  # an empty quote leaves no dangling line
