"""Incremental sync state: cursors per source and jurisdiction, change tokens, quotas.

A sync asks the source only for what changed since its cursor (minus `CURSOR_OVERLAP`),
skips bills whose change token is unchanged (`known_tokens`), and counts the requests a
capped source (LegiScan) has spent this month.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.ingest import token_time
from tracker.models import Bill, LegislativeSession, SourceLink, WatchlistEntry
from tracker.models.collection import SyncCursor, SyncRun

CURSOR_OVERLAP = timedelta(hours=1)


def newer_token(mine: str | None, theirs: str | None) -> bool:
    """Whether our stored token is a later timestamp than the one the source lists."""
    a, b = token_time(mine), token_time(theirs)
    return a is not None and b is not None and a > b


def known_tokens(session: Session, source: str, jurisdiction: str | None) -> dict[str, str]:
    """{source id: change token} of every bill this source contributed (and watchlists')."""
    query = select(SourceLink.source_id, SourceLink.source_updated).where(
        SourceLink.source == source, SourceLink.source_id.is_not(None)
    )
    if jurisdiction:
        query = query.join(Bill, Bill.id == SourceLink.bill_id).where(
            Bill.jurisdiction_id == jurisdiction
        )
    return {sid: token or "" for sid, token in session.execute(query)}


def watched_without_source(
    session: Session, source: str, jurisdiction: str
) -> list[tuple[str, str]]:
    """(session, identifier) of watchlisted bills in a jurisdiction this source never reported."""
    reported = select(SourceLink.bill_id).where(SourceLink.source == source)
    rows = session.execute(
        select(LegislativeSession.identifier, Bill.identifier)
        .join(Bill, Bill.session_id == LegislativeSession.id)
        .join(WatchlistEntry, WatchlistEntry.bill_id == Bill.id)
        .where(Bill.jurisdiction_id == jurisdiction, Bill.id.not_in(reported))
        .distinct()
        .order_by(Bill.identifier)
    )
    return [(s, i) for s, i in rows]


def requests_this_month(
    session: Session, source: str | tuple[str, ...], now: datetime | None = None
) -> int:
    """Requests already spent on a source (or sources sharing one key) this month."""
    now = now or datetime.now(UTC)
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    sources = (source,) if isinstance(source, str) else source
    total = session.scalar(
        select(func.coalesce(func.sum(SyncRun.requests), 0)).where(
            SyncRun.source.in_(sources), SyncRun.started_at >= start, SyncRun.mode == "sync"
        )
    )
    return int(total or 0)


def cursor_for(session: Session, source: str, jurisdiction: str) -> SyncCursor:
    cursor = session.scalars(
        select(SyncCursor).where(
            SyncCursor.source == source, SyncCursor.jurisdiction == jurisdiction
        )
    ).first()
    if cursor is None:
        cursor = SyncCursor(source=source, jurisdiction=jurisdiction)
        session.add(cursor)
        session.flush()
    return cursor


def parse_since(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
