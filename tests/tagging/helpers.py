"""Shared helpers for the tagging tests: the saved fixture files."""

from __future__ import annotations

import json
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "tagging"


def load_jsonl(name: str) -> list[dict]:
    """Rows of a JSONL fixture under tests/fixtures/tagging/."""
    with (FIXTURES / name).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def dev_rows() -> list[dict]:
    """The hand-labelled dev set (copied from shared/fixtures/tagging/)."""
    return load_jsonl("dev.jsonl")


def dev_row(bill_id: str) -> dict:
    """One dev record by id."""
    for row in dev_rows():
        if row["id"] == bill_id:
            return row
    raise KeyError(bill_id)


def demo_rows() -> list[dict]:
    """The demo corpus (real bills with histories), copied from shared/fixtures/demo/."""
    return load_jsonl("demo/bills.jsonl")


def demo_record(row: dict):  # noqa: ANN201 - tracker.records.BillRecord
    """A BillRecord for a demo row (status is derived from the actions by ingest)."""
    from datetime import date

    from tracker.ids import normalize_identifier
    from tracker.records import ActionRecord, BillRecord, SourceRef, SponsorRecord

    return BillRecord(
        jurisdiction=row["jurisdiction"],
        session=row["session"],
        identifier=normalize_identifier(row["identifier"]),
        title=row.get("title") or "",
        abstract=row.get("abstract") or "",
        introduced_date=date.fromisoformat(row["introduced_date"])
        if row.get("introduced_date")
        else None,
        actions=[
            ActionRecord(date.fromisoformat(a["date"]), a["description"], a.get("chamber"))
            for a in row.get("actions") or []
            if a.get("date")
        ],
        sponsors=[
            SponsorRecord(s["name"], s.get("role") or "primary", s.get("party"))
            for s in row.get("sponsors") or []
        ],
        subjects=list(row.get("subjects") or []),
        sources=[SourceRef("bills-jsonl", url=(row.get("source_urls") or [None])[0])],
    )


def ingest_demo(session, pick=None) -> list[str]:  # noqa: ANN001
    """Ingest (some of) the demo bills; returns their stored ids in file order."""
    from tracker.ingest import ingest

    rows = [r for r in demo_rows() if pick is None or pick(r)]
    result = ingest(session, [demo_record(r) for r in rows])
    assert result.inserted == len(rows)
    return sorted(result.changed_bill_ids)
