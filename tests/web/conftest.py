"""Web fixtures: real demo bills through tracker.ingest, two organizations, signed-in clients."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import event

from tests.conftest import sign_in
from tracker.ingest import ingest
from tracker.records import ActionRecord, BillRecord, SourceRef, SponsorRecord

DEMO = Path(__file__).parents[1] / "fixtures" / "demo" / "bills.jsonl"
PASSWORD = "correct horse battery staple"


def demo_rows() -> list[dict]:
    """The real demo corpus (copied from shared/fixtures/demo/bills.jsonl)."""
    return [json.loads(line) for line in DEMO.read_text(encoding="utf-8").splitlines() if line]


def record_from_row(row: dict) -> BillRecord:
    """A BillRecord from one demo row, as the bills-jsonl importer would build it."""
    return BillRecord(
        jurisdiction=row["jurisdiction"],
        session=row["session"],
        identifier=row["identifier"],
        title=row.get("title") or "",
        abstract=row.get("abstract") or "",
        introduced_date=date.fromisoformat(row["introduced_date"])
        if row.get("introduced_date")
        else None,
        actions=[
            ActionRecord(date=date.fromisoformat(a["date"]), description=a["description"],
                         chamber=a.get("chamber"))
            for a in row.get("actions") or []
        ],
        sponsors=[
            SponsorRecord(name=s["name"], role=s.get("role") or "primary", party=s.get("party"))
            for s in row.get("sponsors") or []
        ],
        subjects=list(row.get("subjects") or []),
        sources=[SourceRef(source="bills-jsonl", url=u) for u in (row.get("source_urls") or [])[:1]],
    )


@pytest.fixture
def demo_bills(db):  # noqa: ANN001, ANN201
    """All 73 demo bills ingested; returns their records keyed by stable id."""
    from tracker.ids import bill_id

    records = [record_from_row(r) for r in demo_rows()]
    ingest(db, records)
    return {bill_id(r.jurisdiction, r.session, r.identifier): r for r in records}


@pytest.fixture
def orgs(make_org_user):  # noqa: ANN001, ANN201
    """Two organizations with an admin, an advocate and a viewer each."""
    users = {}
    for org in ("Alpha Coalition", "Beta Team"):
        for role in ("admin", "advocate", "viewer"):
            email = f"{role}@{org.split()[0].lower()}.example.org"
            _, user, _ = make_org_user(org, email, role)
            users[(org.split()[0].lower(), role)] = user
    return users


@pytest.fixture
def login(app):  # noqa: ANN001, ANN201
    """login(email) -> a fresh test client signed in as that user."""

    def make(email: str):  # noqa: ANN202
        c = app.test_client()
        sign_in(c, email, PASSWORD)
        return c

    return make


class QueryCounter:
    """Counts SQL statements run on an engine (for N+1 checks)."""

    def __init__(self, engine) -> None:  # noqa: ANN001
        self.engine, self.count = engine, 0

    def _hook(self, *args) -> None:  # noqa: ANN002
        self.count += 1

    def __enter__(self) -> QueryCounter:
        event.listen(self.engine, "before_cursor_execute", self._hook)
        return self

    def __exit__(self, *exc) -> None:  # noqa: ANN002
        event.remove(self.engine, "before_cursor_execute", self._hook)
