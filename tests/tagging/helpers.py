"""Shared helpers for the tagging tests: the saved fixture files."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import demo_record, demo_rows  # noqa: F401 - re-exported for tagging tests

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


def ingest_demo(session, pick=None) -> list[str]:  # noqa: ANN001
    """Ingest (some of) the demo bills; returns their stored ids in file order."""
    from tracker.ingest import ingest

    rows = [r for r in demo_rows() if pick is None or pick(r)]
    result = ingest(session, [demo_record(r) for r in rows])
    assert result.inserted == len(rows)
    return sorted(result.changed_bill_ids)
