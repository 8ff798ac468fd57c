"""Real demo bills (tests/fixtures/demo/bills.jsonl, copied from shared/fixtures/demo) as
BillRecords, and a tracked-bills org built from them through `tracker.ingest.ingest`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from tracker.ingest import ingest
from tracker.models import Organization, Watchlist, WatchlistEntry
from tracker.records import ActionRecord, BillRecord, SourceRef, SponsorRecord

DEMO = Path(__file__).parent.parent / "fixtures" / "demo" / "bills.jsonl"


def demo_rows() -> list[dict]:
    """The demo file's records, as read."""
    with DEMO.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def to_record(row: dict) -> BillRecord:
    """One demo row as the BillRecord a source would emit."""
    return BillRecord(
        jurisdiction=row["jurisdiction"],
        session=row["session"],
        identifier=row["identifier"],
        title=row.get("title") or "",
        abstract=row.get("abstract") or "",
        actions=[
            ActionRecord(
                date=date.fromisoformat(a["date"]),
                description=a["description"],
                chamber=a.get("chamber"),
            )
            for a in row.get("actions") or []
        ],
        sponsors=[
            SponsorRecord(name=s["name"], role=s.get("role") or "primary", party=s.get("party"))
            for s in row.get("sponsors") or []
        ],
        subjects=list(row.get("subjects") or []),
        introduced_date=(
            date.fromisoformat(row["introduced_date"]) if row.get("introduced_date") else None
        ),
        url=(row.get("source_urls") or [None])[0],
        sources=[SourceRef(source="bills-jsonl", url=(row.get("source_urls") or [None])[0])],
    )


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
