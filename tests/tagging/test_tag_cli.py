"""`tracker tag` and `tracker score` against a real database."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import func, select

from app.cli import cli
from tests.tagging.helpers import ingest_demo
from tracker.models.tagging import BillScore, BillTagging


def test_tag_defaults_to_stale_bills_then_has_nothing_left(settings, db):
    ids = ingest_demo(db, lambda r: r["jurisdiction"] in ("wa", "va"))
    runner = CliRunner()
    first = runner.invoke(cli, ["tag"])
    assert first.exit_code == 0, first.output
    assert f"Tagged {len(ids)} bill(s)" in first.output
    again = runner.invoke(cli, ["tag"])
    assert "Tagged 0 bill(s)" in again.output
    one = runner.invoke(cli, ["tag", ids[0], "no-such-bill"])
    assert "Tagged 1 bill(s)" in one.output and "1 id(s) not found" in one.output
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(BillTagging)) == len(ids)


def test_score_command_scores_every_bill(settings, db):
    ids = ingest_demo(db, lambda r: r["jurisdiction"] == "ca")
    runner = CliRunner()
    runner.invoke(cli, ["tag", "--all"])
    result = runner.invoke(cli, ["score", "--similar"])
    assert result.exit_code == 0, result.output
    assert "Similar bills:" in result.output
    assert f"Scored {len(ids)} bill(s)" in result.output
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(BillScore)) == len(ids)


def test_tag_enqueue_runs_inline_without_redis(settings, db):
    ingest_demo(db, lambda r: r["jurisdiction"] == "co")
    result = CliRunner().invoke(cli, ["tag", "--enqueue"])
    assert result.exit_code == 0, result.output
    assert "(finished)" in result.output


def test_tag_rejects_ids_together_with_all(settings):
    result = CliRunner().invoke(cli, ["tag", "--all", "x"])
    assert result.exit_code == 2 and "not both" in result.output
