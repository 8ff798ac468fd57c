"""A tracked-bills org built from the real demo bills through `tracker.ingest.ingest`."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tests.conftest import demo_record, demo_rows
from tracker.ingest import ingest
from tracker.models import Organization, Watchlist, WatchlistEntry
from tracker.records import BillRecord

to_record = demo_record


def demo_records() -> list[BillRecord]:
    """Every demo bill as a BillRecord."""
    return [to_record(r) for r in demo_rows()]


def track_all(
    session: Session, org: Organization, priority: dict[str, str] | None = None
) -> list[str]:
    """Ingest the demo bills and put all of them on one watchlist of `org`; returns ids."""
    result = ingest(session, demo_records())
    assert result.inserted == len(demo_rows())
    from sqlalchemy import select

    from tracker.models import Bill

    ids = list(session.scalars(select(Bill.id).order_by(Bill.id)))
    wl = Watchlist(organization_id=org.id, name="Everything")
    session.add(wl)
    session.flush()
    for i, bill_id in enumerate(ids):
        session.add(
            WatchlistEntry(
                watchlist_id=wl.id,
                bill_id=bill_id,
                position=("support", "oppose", "monitor")[i % 3],
                priority=(priority or {}).get(bill_id, "medium"),
            )
        )
    session.commit()
    return ids
