"""The weekly brief email: delivered to a real SMTP server (aiosmtpd) on loopback, directly
and through RQ with a real Redis."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.briefs.archive import subscribe
from outreach.briefs.data import build_brief
from outreach.briefs.jobs import compose, deliver_brief
from outreach.briefs.models import BriefArchive
from tests.conftest import free_port
from tracker.accounts import create_org
from tracker.errors import SourceUnavailable

# Wednesday after the week WA HB 1939 was enacted: the default range is Mar 18-24, 2024.
NOW = datetime(2024, 3, 27, 15, 0, tzinfo=UTC)


class Sink:
    """Collects every message the SMTP server accepts."""

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def messages(self) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(e.original_content, policy=email.policy.default)
            for e in self.envelopes
        ]


@pytest.fixture
def smtp():  # noqa: ANN201
    """A real SMTP server on a free loopback port."""
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


def test_brief_is_mailed_to_each_subscriber_with_inline_charts_and_pdf(
    db: Session, org, settings, smtp
):
    sink, port = smtp
    subscribe(db, org, "Board@Example.org", name="Board")
    subscribe(db, org, "funder@example.org")
    summary = deliver_brief(db, settings.with_(smtp_port=port), org, now=NOW)
    assert summary["status"] == "sent" and summary["sent"] == 2
    assert (summary["start"], summary["end"]) == ("2024-03-18", "2024-03-24")
    assert sorted(rcpt for e in sink.envelopes for rcpt in e.rcpt_tos) == [
        "board@example.org",
        "funder@example.org",
    ]
    msg = sink.messages()[0]
    assert msg["Subject"] == "Demo Coalition: Weekly policy brief, Mar 18-24, 2024"
    text = msg.get_body(preferencelist=("plain",)).get_content()
    assert "WA HB 1939" in text and "Enacted" in text
    html = msg.get_body(preferencelist=("html",)).get_content()
    assert 'src="cid:topic-stage"' in html and "SOCIAL WORK LICENSURE COMPACT" in html
    images = {
        part["Content-ID"]: part.get_content()
        for part in msg.walk()
        if part.get_content_type() == "image/png"
    }
    assert set(images) == {"<topic-stage>", "<state-map>"}
    assert all(png.startswith(b"\x89PNG") for png in images.values())
    pdfs = [p for p in msg.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert len(pdfs) == 1 and pdfs[0].get_content().startswith(b"%PDF")
    assert pdfs[0].get_filename().endswith("2024-03-18-2024-03-24.pdf")
    rows = db.scalars(select(BriefArchive).where(BriefArchive.organization_id == org.id)).all()
    assert sorted(r.format for r in rows) == ["html", "pdf"]
    assert all(r.emailed_at is not None and r.recipients == 2 for r in rows)


def test_same_week_is_not_mailed_twice(db: Session, org, settings, smtp):
    sink, port = smtp
    subscribe(db, org, "board@example.org")
    first = deliver_brief(db, settings.with_(smtp_port=port), org, now=NOW)
    again = deliver_brief(db, settings.with_(smtp_port=port), org, now=NOW)
    assert first["sent"] == 1
    assert again == {**again, "status": "skipped", "sent": 0}
    assert len(sink.envelopes) == 1


def test_without_subscribers_brief_is_archived_and_nothing_sent(db: Session, org, settings, smtp):
    sink, port = smtp
    summary = deliver_brief(db, settings.with_(smtp_port=port), org, now=NOW)
    assert summary["status"] == "archived" and summary["sent"] == 0
    assert sink.envelopes == []
    # A subscriber added later still gets that week: nothing was marked as mailed.
    subscribe(db, org, "late@example.org")
    assert deliver_brief(db, settings.with_(smtp_port=port), org, now=NOW)["sent"] == 1


def test_smtp_down_raises_and_leaves_week_unmailed(db: Session, org, settings):
    subscribe(db, org, "board@example.org")
    with pytest.raises(SourceUnavailable, match="SMTP server 127.0.0.1:"):
        deliver_brief(db, settings.with_(smtp_port=free_port()), org, now=NOW)
    db.rollback()
    rows = db.scalars(select(BriefArchive).where(BriefArchive.organization_id == org.id)).all()
    assert rows and all(r.emailed_at is None for r in rows)


def test_subject_stays_one_line_whatever_the_org_name(db: Session, settings):
    org = create_org(db, "Evil\r\nBcc: victim@example.org")
    brief = build_brief(db, org, now=NOW)
    mail = compose(brief, settings)
    assert "\n" not in mail.subject and "\r" not in mail.subject
    assert mail.subject.startswith("Evil Bcc: victim@example.org: Weekly policy brief")


def test_empty_week_email_says_no_changes(db: Session, settings, smtp):
    sink, port = smtp
    org = create_org(db, "Quiet Team", timezone="UTC")
    subscribe(db, org, "quiet@example.org")
    deliver_brief(db, settings.with_(smtp_port=port), org, now=NOW)
    html = sink.messages()[0].get_body(preferencelist=("html",)).get_content()
    assert "No changes this week" in html


@pytest.mark.redis
def test_weekly_cron_job_mails_through_rq(
    db: Session, org, rq_settings, redis_conn, smtp, monkeypatch
):
    from rq import Queue, SimpleWorker

    from outreach.briefs.jobs import send_weekly_briefs
    from tracker.jobs import enqueue

    sink, port = smtp
    monkeypatch.setenv("SMTP_PORT", str(port))  # the worker builds its settings from the env
    subscribe(db, org, "board@example.org")
    other = create_org(db, "No Subscribers")
    assert other.id != org.id
    handle = enqueue(rq_settings, send_weekly_briefs, queue="briefs")
    assert handle.status == "queued"
    queue = Queue("briefs", connection=redis_conn)
    SimpleWorker([queue], connection=redis_conn).work(burst=True)
    assert [rcpt for e in sink.envelopes for rcpt in e.rcpt_tos] == ["board@example.org"]
    assert sink.messages()[0]["Subject"].startswith("Demo Coalition: Weekly policy brief")
    mailed = db.scalars(select(BriefArchive).where(BriefArchive.emailed_at.is_not(None))).all()
    assert {r.organization_id for r in mailed} == {org.id}


def test_weekly_job_is_on_the_schedule():
    from app.schedule import periodic_jobs
    from outreach.briefs.jobs import send_weekly_briefs

    [job] = [j for j in periodic_jobs() if j.func is send_weekly_briefs]
    assert job.queue == "briefs" and job.cron == "0 12 * * 1"


def test_email_without_cairo_has_no_broken_image_links(db: Session, org, settings, monkeypatch):
    from outreach.briefs import render as brief_render

    monkeypatch.setattr(brief_render, "png_available", lambda: False)
    mail = compose(build_brief(db, org, now=NOW), settings)
    assert mail.images == [] and "cid:" not in mail.html
    assert "data:image" not in mail.text and "WA HB 1939" in mail.text
