"""Meeting log: meetings and calls with offices, bills discussed, positions, follow-ups.

Everything here is organization-private: every query filters on organization_id.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from outreach.models import (
    POSITIONS,
    FollowUp,
    Meeting,
    MeetingAttendee,
    MeetingBill,
)
from tracker.cells import neutralize, safe_csv_writer
from tracker.config import Settings
from tracker.errors import InvalidInput, NotFound
from tracker.models import Bill, Legislator, User, utcnow

TEXT_LIMIT = 10_000


@dataclass
class BillDiscussed:
    """A bill brought up in a meeting: tracker id or a typed label, the ask, the position."""

    bill_id: str | None = None
    label: str = ""
    ask: str = ""
    position: str = "unknown"


@dataclass
class FollowUpTask:
    """A follow-up to create with a meeting."""

    description: str
    due_date: date
    assignee_id: int | None = None


@dataclass
class MeetingInput:
    """A meeting as an advocate logs it."""

    date: date
    kind: str = "meeting"
    location: str = ""
    legislator_ids: list[int] = field(default_factory=list)
    staff: list[tuple[str, str]] = field(default_factory=list)  # (name, title)
    our_attendees: str = ""
    asks: str = ""
    outcome: str = ""
    notes: str = ""
    bills: list[BillDiscussed] = field(default_factory=list)
    follow_ups: list[FollowUpTask] = field(default_factory=list)


def _text(value: str, name: str) -> str:
    value = (value or "").replace("\r\n", "\n").strip()
    if len(value) > TEXT_LIMIT:
        raise InvalidInput(f"{name} is too long (at most {TEXT_LIMIT} characters)")
    return value


def log_meeting(
    session: Session, organization_id: int, data: MeetingInput, user: User | None = None
) -> Meeting:
    """Save a meeting with its attendees, bills and follow-ups (one transaction)."""
    if data.kind not in ("meeting", "call", "virtual"):
        raise InvalidInput("kind must be meeting, call or virtual")
    if not data.legislator_ids and not data.staff:
        raise InvalidInput("add at least one legislator or staff member")
    meeting = Meeting(
        organization_id=organization_id,
        date=data.date,
        kind=data.kind,
        location=_text(data.location, "location")[:300],
        our_attendees=_text(data.our_attendees, "our attendees"),
        asks=_text(data.asks, "asks"),
        outcome=_text(data.outcome, "outcome"),
        notes=_text(data.notes, "notes"),
        created_by_id=user.id if user else None,
    )
    for legislator_id in dict.fromkeys(data.legislator_ids):
        legislator = session.get(Legislator, legislator_id)
        if legislator is None:
            raise InvalidInput(f"no legislator with id {legislator_id}")
        meeting.attendees.append(
            MeetingAttendee(legislator_id=legislator.id, name=legislator.name, role="legislator")
        )
    for name, title in data.staff:
        name = " ".join((name or "").split())[:200]
        if name:
            meeting.attendees.append(
                MeetingAttendee(name=name, role="staff", title=(title or "").strip()[:200])
            )
    for item in data.bills:
        if item.position not in POSITIONS:
            raise InvalidInput(f"position must be one of {', '.join(POSITIONS)}")
        bill_id = (item.bill_id or "").strip() or None
        if bill_id and session.get(Bill, bill_id) is None:
            raise InvalidInput(f"no bill {bill_id!r} in the tracker; type its name instead")
        label = (item.label or "").strip()[:200]
        if not bill_id and not label:
            continue
        meeting.bills.append(
            MeetingBill(
                bill_id=bill_id, label=label, ask=_text(item.ask, "ask"), position=item.position
            )
        )
    for task in data.follow_ups:
        description = _text(task.description, "follow-up")
        if not description:
            continue
        if task.assignee_id is not None:
            assignee = session.get(User, task.assignee_id)
            if assignee is None or assignee.organization_id != organization_id:
                raise InvalidInput("follow-ups can be assigned to people in your organization")
        meeting.follow_ups.append(
            FollowUp(
                organization_id=organization_id,
                description=description,
                due_date=task.due_date,
                assignee_id=task.assignee_id,
            )
        )
    session.add(meeting)
    session.commit()
    return meeting


def meetings_for(
    session: Session, organization_id: int, legislator_id: int | None = None
) -> list[Meeting]:
    """This organization's meetings, newest first; optionally with one legislator."""
    query = (
        select(Meeting)
        .where(Meeting.organization_id == organization_id)
        .options(
            selectinload(Meeting.attendees),
            selectinload(Meeting.bills),
            selectinload(Meeting.follow_ups),
        )
        .order_by(Meeting.date.desc(), Meeting.id.desc())
    )
    if legislator_id is not None:
        query = query.where(
            Meeting.id.in_(
                select(MeetingAttendee.meeting_id).where(
                    MeetingAttendee.legislator_id == legislator_id
                )
            )
        )
    return list(session.scalars(query).all())


def get_meeting(session: Session, organization_id: int, meeting_id: int) -> Meeting:
    """One meeting of this organization, or NotFound."""
    meeting = session.scalars(
        select(Meeting).where(Meeting.id == meeting_id, Meeting.organization_id == organization_id)
    ).first()
    if meeting is None:
        raise NotFound("no such meeting")
    return meeting


def complete_follow_up(session: Session, organization_id: int, follow_up_id: int) -> FollowUp:
    """Mark a follow-up done."""
    task = session.scalars(
        select(FollowUp).where(
            FollowUp.id == follow_up_id, FollowUp.organization_id == organization_id
        )
    ).first()
    if task is None:
        raise NotFound("no such follow-up")
    task.done_at = task.done_at or utcnow()
    session.commit()
    return task


def open_follow_ups(session: Session, organization_id: int) -> list[FollowUp]:
    """Follow-ups not done yet, soonest first."""
    return list(
        session.scalars(
            select(FollowUp)
            .where(FollowUp.organization_id == organization_id, FollowUp.done_at.is_(None))
            .order_by(FollowUp.due_date, FollowUp.id)
        ).all()
    )


_csv_safe = neutralize  # every cell goes through safe_csv_writer as well


def meetings_csv(session: Session, organization_id: int) -> str:
    """CSV: one row per (meeting, bill discussed); meetings without bills get one row."""
    out = io.StringIO()
    writer = safe_csv_writer(out)
    writer.writerow(
        [
            "meeting_id",
            "date",
            "kind",
            "location",
            "legislators",
            "staff",
            "our_attendees",
            "bill",
            "ask",
            "stated_position",
            "outcome",
            "notes",
            "open_follow_ups",
        ]
    )
    for meeting in meetings_for(session, organization_id):
        legislators = "; ".join(a.name for a in meeting.attendees if a.role == "legislator")
        staff = "; ".join(
            f"{a.name} ({a.title})" if a.title else a.name
            for a in meeting.attendees
            if a.role == "staff"
        )
        follow = "; ".join(
            f"{f.description} (due {f.due_date.isoformat()})"
            for f in meeting.follow_ups
            if f.done_at is None
        )
        bills = meeting.bills or [None]
        for item in bills:
            label = ""
            if item is not None:
                label = item.bill.identifier if item.bill else item.label
            writer.writerow(
                [
                    meeting.id,
                    meeting.date.isoformat(),
                    meeting.kind,
                    _csv_safe(meeting.location),
                    legislators,
                    _csv_safe(staff),
                    _csv_safe(meeting.our_attendees.replace("\n", "; ")),
                    _csv_safe(label),
                    _csv_safe(item.ask if item else meeting.asks),
                    item.position if item else "",
                    _csv_safe(meeting.outcome),
                    _csv_safe(meeting.notes),
                    _csv_safe(follow),
                ]
            )
    return out.getvalue()


REMINDER_TEXT = """Hello {name},

A follow-up from a meeting is due {when}:

  {description}

Meeting: {meeting_date}, with {with_whom}

Mark it done on the meetings page: {url}
"""


def send_reminders(session: Session, settings: Settings, today: date | None = None) -> dict:
    """Email each assignee once about follow-ups due by tomorrow (overdue included)."""
    from tracker.mail import send_plain_email

    today = today or settings.today()
    due = session.scalars(
        select(FollowUp).where(
            FollowUp.done_at.is_(None),
            FollowUp.reminded_at.is_(None),
            FollowUp.assignee_id.is_not(None),
            FollowUp.due_date <= today + timedelta(days=1),
        )
    ).all()
    sent = 0
    for task in due:
        assignee = task.assignee
        if assignee is None or not assignee.active:
            continue
        when = "today" if task.due_date == today else task.due_date.isoformat()
        with_whom = ", ".join(a.name for a in task.meeting.attendees) or "an office"
        send_plain_email(
            settings,
            assignee.email,
            f"Follow-up due {when}: {task.description[:80]}",
            REMINDER_TEXT.format(
                name=assignee.name or assignee.email,
                when=when,
                description=task.description,
                meeting_date=task.meeting.date.isoformat(),
                with_whom=with_whom,
                url=f"{settings.base_url}/meetings/{task.meeting_id}",
            ),
        )
        task.reminded_at = utcnow()
        session.commit()
        sent += 1
    return {"reminders_sent": sent}
