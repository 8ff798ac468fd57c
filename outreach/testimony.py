"""Testimony kit for hearing day: values from a hearing, sandboxed template, DOCX/PDF.

`hearing_values` gathers the bill facts, the hearing's committee (chair and members from
committee_memberships), date, time, place and the organization's recorded link for
written testimony; `render_testimony` fills a template in the letter sandbox
(outreach.templates: the same limits, fields checked); `to_docx` (python-docx) and
`to_pdf` (WeasyPrint) put the text on pages whose footer carries the 988 line;
`log_testimony` records it as a meeting of kind "testimony" with the bill, the position
and who testified, so it shows in the meeting log and on the bill page.
"""

from __future__ import annotations

import html
import io
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.models import CommitteeTestimonyLink, Meeting, MeetingBill
from outreach.templates import Rendered, TemplateSource, render
from tracker.jurisdictions import local_time
from tracker.models import Bill, CommitteeMembership, Event, Legislator, Organization

STARTERS = Path(__file__).parent / "testimony_starters"
FOOTER = "In crisis? Call or text 988, the Suicide & Crisis Lifeline, any time."
CHECKLIST = (
    "Consent: the person whose story this is agreed to share it, in these words.",
    "No names or identifying details of anyone without their permission.",
    "One clear ask (support, oppose, amend: say which and how).",
    "One or two facts, each with its source.",
    "The 988 line is on every page (the exports add it to the footer).",
    "Written testimony submitted where the chamber takes it, before its deadline.",
    "Signed up to testify (in person or remote) if the committee requires it.",
)
POSITIONS = ("support", "oppose", "amend")


def testimony_source(text: str) -> TemplateSource:
    """A testimony template (bill, organization, hearing and testimony fields)."""
    return replace(TemplateSource.from_text(text), fields="testimony")


def starters() -> dict[str, TemplateSource]:
    return {
        p.stem: testimony_source(p.read_text(encoding="utf-8"))
        for p in sorted(STARTERS.glob("*.j2"))
    }


def committee_members(session: Session, event: Event) -> tuple[str, list[str]]:
    """(chair, members by name) of the hearing's committee, when memberships are known."""
    if event.committee_id is None:
        return "", []
    rows = session.execute(
        select(Legislator, CommitteeMembership)
        .join(CommitteeMembership, CommitteeMembership.legislator_id == Legislator.id)
        .where(CommitteeMembership.committee_id == event.committee_id)
    ).all()
    chair = ""
    names = []
    for leg, m in rows:
        role = (getattr(m, "role", "") or "").lower()
        name = leg.name
        if role == "chair" and not chair:
            chair = name
        names.append(name)
    return chair, sorted(names)


def written_link(session: Session, org_id: int, event: Event) -> CommitteeTestimonyLink | None:
    return session.scalar(
        select(CommitteeTestimonyLink).where(
            CommitteeTestimonyLink.organization_id == org_id,
            CommitteeTestimonyLink.jurisdiction_id == event.jurisdiction_id,
            CommitteeTestimonyLink.committee == (event.committee_name or event.name)[:300],
        )
    )


def save_link(session: Session, org_id: int, event: Event, url: str) -> None:
    """Record (or change) where this committee takes written testimony, for this org."""
    link = written_link(session, org_id, event)
    if link is None:
        link = CommitteeTestimonyLink(
            organization_id=org_id,
            jurisdiction_id=event.jurisdiction_id,
            committee=(event.committee_name or event.name)[:300],
            url=url[:500],
        )
        session.add(link)
    link.url = url[:500]
    session.flush()


def hearing_values(
    session: Session, org_id: int, event: Event, bill: Bill, form: dict[str, str]
) -> dict[str, dict[str, Any]]:
    chair, members = committee_members(session, event)
    org = session.get(Organization, org_id)
    link = written_link(session, org_id, event)
    local = local_time(
        event.start, event.jurisdiction_id
    )  # stored in UTC, read in the capital's zone
    return {
        "bill": {
            "identifier": bill.identifier,
            "title": bill.title,
            "status": bill.status.replace("_", " "),
            "url": bill.url or "",
        },
        "organization": {"name": org.name if org else ""},
        "hearing": {
            "committee": event.committee_name or event.name,
            "chair": form.get("chair") or chair,
            "members": ", ".join(members),
            "date": local.strftime("%B %-d, %Y"),
            "time": f"{local.strftime('%-I:%M %p')} {local.tzname()}",
            "place": event.location or "",
            "written_testimony": link.url if link else "",
        },
        "testimony": {k: form.get(k, "") for k in ("speaker", "position", "ask", "facts", "quote")},
    }


def render_testimony(source: TemplateSource, values: dict[str, dict[str, Any]]) -> Rendered:
    """The template filled in the letter sandbox (raises TemplateProblem on a bad one)."""
    return render(source, values)


def to_docx(doc: Rendered) -> bytes:
    from docx import Document

    d = Document()
    d.add_heading(doc.subject or "Testimony", level=1)
    for para in doc.body.split("\n\n"):
        d.add_paragraph(para.strip())
    for section in d.sections:
        section.footer.paragraphs[0].text = FOOTER
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def to_pdf(doc: Rendered) -> bytes:
    from weasyprint import HTML

    paras = "".join(f"<p>{html.escape(p.strip())}</p>" for p in doc.body.split("\n\n"))
    page = (
        "<html><head><meta charset='utf-8'><style>"
        "@page { size: Letter; margin: 1in; @bottom-center { content: '"
        + FOOTER.replace("'", "\\'")
        + "'; font-size: 9pt; } } body { font-family: sans-serif; font-size: 11pt; }"
        "p { white-space: pre-wrap; }</style></head><body>"
        f"<h1>{html.escape(doc.subject or 'Testimony')}</h1>{paras}</body></html>"
    )
    return HTML(string=page).write_pdf()


def log_testimony(
    session: Session,
    org_id: int,
    user_id: int | None,
    event: Event,
    bill: Bill,
    speaker: str,
    position: str,
    ask: str,
    text: str,
) -> Meeting:
    """The testimony in the meeting log (kind "testimony"), on the bill, with who testified."""
    meeting = Meeting(
        organization_id=org_id,
        date=local_time(event.start, event.jurisdiction_id).date() if event.start else date.today(),
        kind="testimony",
        location=(event.location or "")[:300],
        our_attendees=speaker,
        asks=f"{position}: {ask}" if position else ask,
        notes=f"Testimony before {event.committee_name or event.name}.\n\n{text}",
        created_by_id=user_id,
    )
    meeting.bills.append(
        MeetingBill(bill_id=bill.id, label=bill.identifier, ask=ask, position="unknown")
    )
    session.add(meeting)
    session.flush()
    return meeting
