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
