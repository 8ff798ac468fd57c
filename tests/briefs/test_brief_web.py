"""The /briefs page: preview, downloads, archive, subscribers, roles and org isolation."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.briefs.models import BriefArchive, BriefSubscriber
from tests.briefs.conftest import ENACTED_WEEK, QUIET_WEEK
from tests.conftest import csrf_token, sign_in
from tracker.accounts import create_org, create_user

RANGE = {"from": ENACTED_WEEK[0], "to": ENACTED_WEEK[1]}


def _user(db: Session, org, role: str, email: str) -> str:  # noqa: ANN001
    password = "correct horse battery staple"
    create_user(db, email, org, role, password)
    return password


def test_brief_page_needs_sign_in(client):
    response = client.get("/briefs/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_brief_page_shows_changes_downloads_and_preview(db: Session, org, client):
    sign_in(client, "viewer@example.org", _user(db, org, "viewer", "viewer@example.org"))
    page = client.get("/briefs/", query_string=RANGE)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Policy brief: Mar 18-24, 2024" in html
    assert "WA HB 1939" in html and "<strong>Enacted</strong>" in html
    for fmt in ("html", "pdf", "md", "docx", "csv", "xlsx"):
        assert f"/briefs/download/{fmt}?from=2024-03-18&amp;to=2024-03-24" in html
    assert 'src="/briefs/view?from=2024-03-18&amp;to=2024-03-24"' in html
    # A viewer reads and downloads but cannot archive, send or see subscribers.
    assert "Save to archive" not in html and "Weekly email subscribers" not in html
    preview = client.get("/briefs/view", query_string=RANGE)
    assert preview.status_code == 200
    assert "script-src" not in preview.headers["Content-Security-Policy"]
    assert "default-src 'none'" in preview.headers["Content-Security-Policy"]
    assert "SOCIAL WORK LICENSURE COMPACT" in preview.get_data(as_text=True)


def test_downloads_are_files_in_each_format(db: Session, org, client):
    sign_in(client, "viewer@example.org", _user(db, org, "viewer", "viewer@example.org"))
    pdf = client.get("/briefs/download/pdf", query_string=RANGE)
    assert pdf.mimetype == "application/pdf"
    assert 'filename="brief-' in pdf.headers["Content-Disposition"]
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "WA HB 1939" in text
    xlsx = client.get("/briefs/download/xlsx", query_string=RANGE)
    assert "All bills" in load_workbook(io.BytesIO(xlsx.data)).sheetnames
    assert client.get("/briefs/download/exe", query_string=RANGE).status_code == 404
    bad = client.get("/briefs/", query_string={"from": "yesterday"})
    assert bad.status_code == 400 and "from must be a date" in bad.get_data(as_text=True)


def test_quiet_week_page_says_no_changes(db: Session, org, client):
    sign_in(client, "viewer@example.org", _user(db, org, "viewer", "viewer@example.org"))
    html = client.get(
        "/briefs/", query_string={"from": QUIET_WEEK[0], "to": QUIET_WEEK[1]}
    ).get_data(as_text=True)
    assert "No changes this week" in html


def test_advocate_archives_and_downloads_the_same_bytes(db: Session, org, client):
    sign_in(client, "adv@example.org", _user(db, org, "advocate", "adv@example.org"))
    token = csrf_token(client, "/briefs/?from=2024-03-18&to=2024-03-24")
    response = client.post(
        "/briefs/archive?from=2024-03-18&to=2024-03-24",
        data={"fmt": "csv", "csrf_token": token},
    )
    assert response.status_code == 302
    row = db.scalars(select(BriefArchive)).one()
    assert (row.start_date.isoformat(), row.format, row.source) == ("2024-03-18", "csv", "manual")
    page = client.get("/briefs/").get_data(as_text=True)
    assert f"/briefs/archive/{row.id}" in page
    stored = client.get(f"/briefs/archive/{row.id}")
    assert stored.data == row.content and b"HB 1939" in stored.data
    # Without the CSRF token nothing is archived.
    assert client.post("/briefs/archive", data={"fmt": "csv"}).status_code == 400
    assert len(db.scalars(select(BriefArchive)).all()) == 1


def test_other_orgs_archive_is_not_visible(db: Session, org, client):
    other = create_org(db, "Other Org")
    from outreach.briefs.archive import archive_brief

    theirs = archive_brief(
        db, other, *map(__import__("datetime").date.fromisoformat, ENACTED_WEEK),
        "md", b"secret plans", "x.md",
    )  # fmt: skip
    db.commit()
    sign_in(client, "adv@example.org", _user(db, org, "advocate", "adv@example.org"))
    assert client.get(f"/briefs/archive/{theirs.id}").status_code == 404
    assert "secret" not in client.get("/briefs/").get_data(as_text=True)


def test_admin_manages_subscribers_and_viewer_cannot(db: Session, org, client, app):
    password = _user(db, org, "admin", "boss@example.org")
    sign_in(client, "boss@example.org", password)
    token = csrf_token(client, "/briefs/")
    response = client.post(
        "/briefs/subscribers",
        data={"email": "Funder@Example.org", "name": "Funder", "csrf_token": token},
    )
    assert response.status_code == 302
    sub = db.scalars(select(BriefSubscriber)).one()
    assert sub.email == "funder@example.org"
    html = client.get("/briefs/").get_data(as_text=True)
    assert "funder@example.org (Funder)" in html
    removed = client.post(f"/briefs/subscribers/{sub.id}/delete", data={"csrf_token": token})
    assert removed.status_code == 302
    db.expire_all()
    assert db.scalars(select(BriefSubscriber)).all() == []

    viewer = app.test_client()
    sign_in(viewer, "viewer@example.org", _user(db, org, "viewer", "viewer@example.org"))
    vtoken = csrf_token(viewer, "/briefs/")
    forbidden = viewer.post(
        "/briefs/subscribers", data={"email": "x@example.org", "csrf_token": vtoken}
    )
    assert forbidden.status_code == 403
    assert (
        re.search(r"Weekly email subscribers", viewer.get("/briefs/").get_data(as_text=True))
        is None
    )


def test_admin_sends_brief_now_over_smtp(db: Session, org, settings):
    from aiosmtpd.controller import Controller

    from outreach.briefs.archive import subscribe
    from tests.briefs.test_brief_email import Sink
    from tests.conftest import free_port
    from web import create_app

    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    app = create_app(settings.with_(smtp_port=port))  # embedded mode: the job runs inline
    app.config.update(TESTING=True)
    try:
        client = app.test_client()
        subscribe(db, org, "board@example.org")
        sign_in(client, "boss@example.org", _user(db, org, "admin", "boss@example.org"))
        token = csrf_token(client, "/briefs/")
        response = client.post(
            "/briefs/send?from=2024-03-18&to=2024-03-24", data={"csrf_token": token}
        )
        assert response.status_code == 302
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "Brief sent: 1 emails sent." in page
        assert [r for e in sink.envelopes for r in e.rcpt_tos] == ["board@example.org"]
        assert "emailed to 1" in page
    finally:
        controller.stop()
        app.extensions["tracker.engine"].dispose()


def test_add_subscriber_keeps_the_chosen_week_and_changes_link_to_bills(db: Session, org, client):
    sign_in(client, "boss@example.org", _user(db, org, "admin", "boss@example.org"))
    page = client.get("/briefs/", query_string=RANGE).get_data(as_text=True)
    changes = page.split('id="changes"')[1].split("</table>")[0]
    assert re.search(r'<a href="/bills/wa-202324-hb1939">WA HB 1939</a>', changes)
    token = csrf_token(client, "/briefs/")
    form = page.split('action="/briefs/subscribers"')[1].split("</form>")[0]
    assert 'name="from" value="2024-03-18"' in form and 'name="to" value="2024-03-24"' in form
    added = client.post(
        "/briefs/subscribers",
        data={"email": "funder@example.org", "csrf_token": token, **RANGE},
    )
    assert added.headers["Location"].endswith("/briefs/?from=2024-03-18&to=2024-03-24")
    sub = db.scalars(select(BriefSubscriber)).one()
    removed = client.post(
        f"/briefs/subscribers/{sub.id}/delete", data={"csrf_token": token, **RANGE}
    )
    assert removed.headers["Location"].endswith("/briefs/?from=2024-03-18&to=2024-03-24")
    bad = client.post(
        "/briefs/subscribers", data={"email": "x@example.org", "csrf_token": token, "from": "x"}
    )
    assert bad.status_code == 400
    assert (
        db.scalars(select(BriefSubscriber).where(BriefSubscriber.email == "x@example.org")).all()
        == []
    )
