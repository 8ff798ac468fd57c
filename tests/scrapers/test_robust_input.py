"""Collection input that must be quarantined, never crash the run or corrupt a bill
(issue #13): bad lines among good ones, deep nesting, lists for objects, YAML alias bombs,
a sharply shrinking update from a payload that is not newer, a value the database
refuses, and a crash in the loop (the run is closed as failed).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from scrapers import guard
from scrapers.sync import import_paths
from tests.conftest import DEMO_BILLS, FIXTURES
from tracker.db import make_engine, make_session_factory
from tracker.models import Bill
from tracker.models.collection import QuarantinedPayload, SyncRun

ROWS = [json.loads(line) for line in DEMO_BILLS.read_text(encoding="utf-8").splitlines() if line]
BIG = max(ROWS, key=lambda r: len(r.get("actions") or []))  # WA HB 1800, 18 actions


def _session(settings):  # noqa: ANN001, ANN202
    return make_session_factory(make_engine(settings))()


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_one_bad_line_of_each_kind_costs_only_itself(settings, tmp_path) -> None:  # noqa: ANN001
    good = [json.dumps(r) for r in ROWS[:10]]
    bad = [
        json.dumps([ROWS[11]]),  # a list where an object is expected
        "[" * 5000 + "]" * 5000,  # nesting that would recurse
        '{"jurisdiction": "us", "session": "118", "identifier": "HR 1", "title": "\\ud800x"',
        json.dumps({**ROWS[12], "actions": {"not": "a list"}}),
        json.dumps({**ROWS[13], "identifier": None}),
    ]
    path = _write(tmp_path / "mixed.jsonl", good[:5] + bad + good[5:])
    summary = import_paths(settings, "bills-jsonl", [path])
    assert summary.inserted == 10
    assert summary.quarantined == len(bad)
    with _session(settings) as session:
        reasons = [q.error for q in session.scalars(select(QuarantinedPayload))]
        assert any("must be an object" in r for r in reasons), reasons
        assert any("nests" in r for r in reasons), reasons
        run = session.get(SyncRun, summary.run_id)
        assert run.status == "ok" and "quarantined" in run.message


def test_json_depth_and_yaml_alias_bombs_are_refused_before_they_expand() -> None:
    with pytest.raises(guard.ParseError, match="nests"):
        guard.load_json("[" * 100_000 + "]" * 100_000)
    assert guard.json_depth('{"a": "[[[[[[", "b": [1, {"c": 2}]}') == 3
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(20)
    )
    started = time.monotonic()
    with pytest.raises(guard.ParseError, match="aliases"):
        guard.load_yaml(bomb)
    assert time.monotonic() - started < 2


def test_truncated_and_bomb_yaml_files_are_quarantined(settings, tmp_path) -> None:  # noqa: ANN001
    real = (FIXTURES / "congress_legislators" / "legislators-current.excerpt.yaml").read_text()
    (tmp_path / "legislators-current.bomb.yaml").write_text(
        "- &a {name: x}\n" + "- [" + ", ".join(["*a"] * 500) + "]\n"
    )
    (tmp_path / "legislators-current.list.yaml").write_text("id: not-a-list\n")
    (tmp_path / "legislators-current.truncated.yaml").write_text(real[: len(real) // 2])
    summary = import_paths(settings, "congress-legislators", [tmp_path])
    assert summary.quarantined >= 2
    with _session(settings) as session:
        assert session.get(SyncRun, summary.run_id).status == "ok"


def test_a_shrinking_update_from_a_payload_not_newer_is_held_for_review(settings, tmp_path) -> None:  # noqa: ANN001
    import_paths(settings, "bills-jsonl", [_write(tmp_path / "full.jsonl", [json.dumps(BIG)])])
    with _session(settings) as session:
        bill = session.scalars(select(Bill).where(Bill.identifier == BIG["identifier"])).one()
        before = (len(bill.actions), bill.status, bill.title)
    truncated = {**BIG, "actions": BIG["actions"][:2]}  # a page cut at 50% ...
    path = _write(tmp_path / "truncated.jsonl", [json.dumps(truncated)])
    summary = import_paths(settings, "bills-jsonl", [path])
    assert summary.updated == 0 and summary.quarantined == 1
    with _session(settings) as session:
        bill = session.scalars(select(Bill).where(Bill.identifier == BIG["identifier"])).one()
        assert (len(bill.actions), bill.status, bill.title) == before
        (held,) = session.scalars(select(QuarantinedPayload)).all()
        assert "drop 16 of its 18 actions" in held.error and "held for review" in held.error
        assert held.payload_path  # the archive keeps the refused payload too


def test_a_value_the_database_refuses_costs_only_its_own_bill(settings, tmp_path) -> None:  # noqa: ANN001
    rows = [json.dumps(r) for r in ROWS[20:25]]
    poisoned = {**ROWS[25], "sponsors": [{"name": "A\x00B", "role": "primary", "party": "D\x00"}]}
    poisoned["title"] = "Title with a NUL\x00 byte"
    long = {**ROWS[26], "session": "x" * 500}  # past the column size PostgreSQL enforces
    path = _write(
        tmp_path / "db.jsonl", rows[:2] + [json.dumps(poisoned), json.dumps(long)] + rows[2:]
    )
    summary = import_paths(settings, "bills-jsonl", [path])
    with _session(settings) as session:
        ids = {b.identifier for b in session.scalars(select(Bill))}
        assert {r["identifier"] for r in ROWS[20:25]} <= ids  # the five good bills
        poisoned_bill = session.scalars(
            select(Bill).where(Bill.identifier == ROWS[25]["identifier"])
        ).first()
        if poisoned_bill is not None:  # stored: then without the NUL
            assert "\x00" not in poisoned_bill.title
    assert summary.inserted + summary.quarantined == 7


def test_a_crash_in_the_loop_marks_the_run_failed_with_its_error(
    settings, tmp_path, monkeypatch
) -> None:  # noqa: ANN001
    from scrapers import sync

    def broken(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(sync, "_write_batch", broken)
    path = _write(tmp_path / "ok.jsonl", [json.dumps(ROWS[0])])
    with pytest.raises(RuntimeError):
        import_paths(settings, "bills-jsonl", [path])
    with _session(settings) as session:
        (run,) = session.scalars(select(SyncRun)).all()
        assert run.status == "failed" and "disk on fire" in run.message and run.finished_at


def test_huge_fields_are_refused_not_stored(settings, tmp_path) -> None:  # noqa: ANN001
    huge = {**ROWS[30], "title": "A" * 2_000_000}
    summary = import_paths(
        settings, "bills-jsonl", [_write(tmp_path / "h.jsonl", [json.dumps(huge)])]
    )
    assert summary.inserted == 0 and summary.quarantined == 1
    with _session(settings) as session:
        (held,) = session.scalars(select(QuarantinedPayload)).all()
        assert "2000000 characters" in held.error


def _bench():  # noqa: ANN202
    import importlib.util

    path = Path(__file__).parents[2] / "bench" / "robustness.py"
    spec = importlib.util.spec_from_file_location("robustness_bench", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "source, fixture",
    [
        ("govinfo", FIXTURES / "govinfo" / "v1" / "BILLSTATUS-116hr5177.xml"),
        ("legiscan", FIXTURES / "legiscan" / "bill" / "HB1044.json"),
        (
            "congress-legislators",
            FIXTURES / "congress_legislators" / "legislators-current.excerpt.yaml",
        ),
    ],
)
def test_every_corruption_kind_is_quarantined_or_harmless(tmp_path, source, fixture) -> None:  # noqa: ANN001
    """The robustness bench's corruptions, one of each, as a test: no crash, nothing wrong."""
    import random

    from tracker import db as dbmod

    bench = _bench()
    template = tmp_path / "template.db"
    dbmod.upgrade(f"sqlite:///{template}")
    rng = random.Random(13)
    pristine = fixture.read_bytes()
    for kind in bench.KINDS:
        variant = bench.corrupt(fixture, pristine, kind, rng)
        outcome, detail = bench.run_variant(
            template, tmp_path / "work", source, fixture.name, pristine, variant
        )
        assert outcome in ("quarantined", "imported-correctly"), (kind, outcome, detail)
