"""Storing built briefs and managing weekly-brief subscribers (organization-scoped)."""

from __future__ import annotations

import hashlib
import re
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.briefs.models import BriefArchive, BriefSubscriber
from outreach.briefs.render import CONTENT_TYPES, FORMATS
from tracker.errors import InvalidInput, NotFound
from tracker.models import Organization

MAX_SUBSCRIBERS = 500
_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")


def normalize_email(email: str) -> str:
    """A lower-cased address, or InvalidInput when it does not look like one."""
    cleaned = (email or "").strip().lower()
    if len(cleaned) > 254 or not _EMAIL.match(cleaned):
        raise InvalidInput(f"not an email address: {email!r}")
    return cleaned


def subscribe(session: Session, org: Organization, email: str, name: str = "") -> BriefSubscriber:
    """Add an address to the org's weekly brief (idempotent)."""
    address = normalize_email(email)
    existing = session.scalars(
        select(BriefSubscriber).where(
            BriefSubscriber.organization_id == org.id, BriefSubscriber.email == address
        )
    ).first()
    if existing is not None:
        return existing
    if len(subscribers(session, org)) >= MAX_SUBSCRIBERS:
        raise InvalidInput(f"an organization can have at most {MAX_SUBSCRIBERS} subscribers")
    sub = BriefSubscriber(organization_id=org.id, email=address, name=(name or "").strip()[:200])
    session.add(sub)
    session.commit()
    return sub


def unsubscribe(session: Session, org: Organization, email: str) -> bool:
    """Remove an address; True when it was subscribed."""
    address = normalize_email(email)
    sub = session.scalars(
        select(BriefSubscriber).where(
            BriefSubscriber.organization_id == org.id, BriefSubscriber.email == address
        )
    ).first()
    if sub is None:
        return False
    session.delete(sub)
    session.commit()
    return True


def subscribers(session: Session, org: Organization) -> list[BriefSubscriber]:
    """The org's subscribers, by address."""
    return list(
        session.scalars(
            select(BriefSubscriber)
            .where(BriefSubscriber.organization_id == org.id)
            .order_by(BriefSubscriber.email)
        )
    )


def archive_brief(
    session: Session,
    org: Organization,
    start: date,
    end: date,
    fmt: str,
    content: bytes,
    filename: str,
    source: str = "manual",
    user_id: int | None = None,
) -> BriefArchive:
    """Keep a built brief file; the caller commits."""
    if fmt not in FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(FORMATS)} (got {fmt!r})")
    row = BriefArchive(
        organization_id=org.id,
        start_date=start,
        end_date=end,
        format=fmt,
        filename=filename,
        content_type=CONTENT_TYPES[fmt],
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        source=source,
        created_by_id=user_id,
    )
    session.add(row)
    session.flush()
    return row


def archived(session: Session, org: Organization, limit: int = 200) -> list[BriefArchive]:
    """The org's archived briefs, newest range first (content not loaded)."""
    from sqlalchemy.orm import defer

    return list(
        session.scalars(
            select(BriefArchive)
            .where(BriefArchive.organization_id == org.id)
            .options(defer(BriefArchive.content))
            .order_by(BriefArchive.end_date.desc(), BriefArchive.created_at.desc(), BriefArchive.id)
            .limit(limit)
        )
    )


def get_archived(session: Session, org: Organization, archive_id: int) -> BriefArchive:
    """One archived brief of this org (NotFound for another org's)."""
    row = session.get(BriefArchive, archive_id)
    if row is None or row.organization_id != org.id:
        raise NotFound("no such brief in your archive")
    return row


def already_emailed(session: Session, org: Organization, start: date, end: date) -> bool:
    """True when the weekly job already mailed this org's brief for [start, end]."""
    return (
        session.scalars(
            select(BriefArchive.id).where(
                BriefArchive.organization_id == org.id,
                BriefArchive.start_date == start,
                BriefArchive.end_date == end,
                BriefArchive.emailed_at.is_not(None),
            )
        ).first()
        is not None
    )
