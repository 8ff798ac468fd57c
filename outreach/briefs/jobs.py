"""The weekly brief job: build each subscribed organization's brief and email it.

Schedule: `send_weekly_briefs` runs once a week, Mondays 12:00 UTC (registered in
app/schedule.py; `tracker scheduler` runs RQ's CronScheduler). 12:00 UTC is
already Monday in every U.S. time zone, so the last full week has ended for every org.
It enqueues one `send_weekly_brief(org_id)` per organization with subscribers on the
`briefs` queue; each builds the last full ISO week in the org's time zone, archives the
HTML and PDF, and mails every subscriber one message (HTML with the charts as inline
PNG, a plain-text part, the PDF attached).

A week that was mailed is marked in the archive and skipped afterwards, so a repeated
job sends nothing twice. Delivery is at-least-once: if SMTP fails part-way through the
subscribers, the retry mails all of them again. SMTP errors are not caught: RQ records
them and retries (network=True).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.briefs import render
from outreach.briefs.archive import already_emailed, archive_brief, subscribers
from outreach.briefs.data import Brief, build_brief, find_org, parse_date
from outreach.briefs.models import BriefSubscriber
from tracker.config import Settings
from tracker.mail import send_messages
from tracker.models import Organization, utcnow

JOB_TIMEOUT = 900


@dataclass
class RenderedMail:
    """What one brief email carries."""

    subject: str
    text: str
    html: str
    images: list[tuple[str, bytes]]  # (content id, PNG)
    pdf: bytes
    pdf_name: str


def compose(brief: Brief, settings: Settings) -> RenderedMail:
    """Render the brief for email: cid images, plain-text alternative, PDF attachment."""
    images = [(name, png) for name, _alt, png in render.png_images(brief)]
    kind = "Weekly policy brief" if brief.is_week else "Policy brief"
    subject = " ".join(f"{brief.org_name}: {kind}, {brief.period_label}".split())[:250]
    text = render.render_markdown(
        brief, image_names={n: f"cid:{n}" for n, _ in images}, with_images=bool(images)
    )
    text += f"\nManage the brief and its archive: {settings.base_url}/briefs\n"
    return RenderedMail(
        subject=subject,
        text=text,
        html=render.render_html(brief, images="cid" if images else "none"),
        images=images,
        pdf=render.render_pdf(brief),
        pdf_name=render.filename(brief, "pdf"),
    )


def build_message(mail: RenderedMail, sender: str, recipient: str) -> EmailMessage:
    """One MIME message: text + (HTML with related PNGs), PDF attached."""
    msg = EmailMessage()
    msg["Subject"] = mail.subject
    msg["From"] = sender
    msg["To"] = recipient
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(">") or "localhost")
    msg.set_content(mail.text)
    msg.add_alternative(mail.html, subtype="html")
    html_part = msg.get_payload()[1]
    for cid, png in mail.images:
        html_part.add_related(
            png, maintype="image", subtype="png", cid=f"<{cid}>", filename=f"{cid}.png"
        )
    msg.add_attachment(mail.pdf, maintype="application", subtype="pdf", filename=mail.pdf_name)
    return msg


def deliver_brief(
    session: Session,
    settings: Settings,
    org: Organization,
    start: date | None = None,
    end: date | None = None,
    now: datetime | None = None,
    force: bool = False,
) -> dict:
    """Build, archive and mail one org's brief; skip a range that was already mailed."""
    brief = build_brief(session, org, start, end, now=now or settings.now())
    summary = {"org": org.slug, "start": brief.start.isoformat(), "end": brief.end.isoformat()}
    if not force and already_emailed(session, org, brief.start, brief.end):
        return {**summary, "status": "skipped", "reason": "already emailed", "sent": 0}
    subs: list[BriefSubscriber] = subscribers(session, org)
    mail = compose(brief, settings)
    html_row = archive_brief(
        session, org, brief.start, brief.end, "html",
        render.render_html(brief).encode("utf-8"),
        render.filename(brief, "html"), source="weekly",
    )  # fmt: skip
    pdf_row = archive_brief(
        session, org, brief.start, brief.end, "pdf", mail.pdf, mail.pdf_name, source="weekly"
    )
    # Archive rows are committed before sending: a crash mid-send leaves them unmarked,
    # so the retry sends again rather than silently never.
    session.commit()
    sender = settings.mail_from
    messages = [
        build_message(mail, sender, formataddr((" ".join(s.name.split()), s.email))) for s in subs
    ]
    sent = send_messages(settings, messages)
    stamp = utcnow()
    for row in (html_row, pdf_row):
        row.emailed_at = stamp if sent else None
        row.recipients = sent
    session.commit()
    return {
        **summary,
        "status": "sent" if sent else "archived",
        "sent": sent,
        "no_changes": brief.no_changes,
        "changes": len(brief.changes),
    }


# --- RQ jobs (module-level, ids and strings only) ----------------------------------------------


def send_weekly_brief(org_id: int, start: str | None = None, end: str | None = None) -> dict:
    """Job: mail org `org_id` its brief (default: last full week in its time zone)."""
    from tracker.db import session_scope
    from tracker.jobs import job_settings

    settings = job_settings()
    with session_scope(settings) as session:
        org = find_org(session, int(org_id))
        return deliver_brief(
            session, settings, org, parse_date(start, "start"), parse_date(end, "end")
        )


def send_weekly_briefs() -> dict:
    """Cron job: enqueue `send_weekly_brief` for every org that has subscribers."""
    from tracker.db import session_scope
    from tracker.jobs import enqueue, job_settings

    settings = job_settings()
    with session_scope(settings) as session:
        org_ids = list(
            session.scalars(
                select(BriefSubscriber.organization_id)
                .distinct()
                .order_by(BriefSubscriber.organization_id)
            )
        )
    handles = [
        enqueue(
            settings,
            send_weekly_brief,
            org_id,
            queue="briefs",
            network=True,
            job_timeout=JOB_TIMEOUT,
        )
        for org_id in org_ids
    ]
    return {
        "at": datetime.now(UTC).isoformat(),
        "organizations": len(org_ids),
        "jobs": [h.id for h in handles],
    }
