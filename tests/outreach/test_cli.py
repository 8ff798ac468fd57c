from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from app.cli import cli
from outreach.templates import STARTERS_DIR


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_template_check_accepts_every_starter(runner):
    for path in sorted(STARTERS_DIR.glob("*.j2")):
        result = runner.invoke(cli, ["template", "check", str(path)])
        assert result.exit_code == 0, result.output
        assert "OK (fields used:" in result.output


@pytest.mark.parametrize(
    "body, message",
    [
        ("Dear {{ legislator.salutation }}\n{% if x %}", ":2: syntax error"),
        ("Hello\n\n{{ senator.name }}", ":3: unknown field 'senator'"),
        ("{{ legislator.nmae }}", ":1: unknown field legislator.nmae"),
        ("{{ legislator.__class__.__mro__ }}", "'__class__' is not allowed"),
        ("{{ bill.title.__init__.__globals__ }}", "'__globals__' is not allowed"),
    ],
)
def test_template_check_fails_with_line_and_reason(runner, tmp_path, body, message):
    path = tmp_path / "letter.j2"
    path.write_text(body)
    result = runner.invoke(cli, ["template", "check", str(path)])
    assert result.exit_code == 1
    assert message in result.output and str(path) in result.output


def test_template_render_sample_prints_subject_and_body(runner):
    result = runner.invoke(
        cli, ["template", "render", str(STARTERS_DIR / "oppose-a-cut.j2"), "--sample"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Subject: Please oppose SB 855")
    assert "Dear Senator Wahab," in result.output


def test_installed_tracker_command_exits_nonzero_on_a_sandbox_violation(tmp_path):
    path = tmp_path / "bad.j2"
    path.write_text("{{ ''.__class__ }}")
    tracker = [sys.executable, "-c", "from app.cli import main; main()"]
    proc = subprocess.run(
        [*tracker, "template", "check", str(path)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 1 and "not allowed" in proc.stderr


def test_outreach_reconcile_and_meetings_export_commands(runner, settings, db, campaign, org):
    result = runner.invoke(cli, ["outreach", "reconcile", "--stale-seconds", "0"])
    assert result.exit_code != 0 and "must be at least 600" in result.output
    result = runner.invoke(cli, ["outreach", "reconcile", "--stale-seconds", "600"])
    assert result.exit_code == 0 and "re-enqueued 0" in result.output
    result = runner.invoke(cli, ["meetings", "export", "--org", org.slug])
    assert result.exit_code == 0 and result.output.startswith("meeting_id,date,kind")


def test_core_outreach_modules_do_not_import_flask():
    code = (
        "import sys, outreach.templates, outreach.language, outreach.delivery, outreach.jobs, "
        "outreach.letters, outreach.campaigns, outreach.constituents, outreach.meetings, "
        "outreach.geocode, outreach.targeting, outreach.cli; "
        "print('flask' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr


def test_migration_0005_downgrades_and_upgrades(database_url):
    from sqlalchemy import create_engine, inspect

    from tracker import db as dbmod

    engine = create_engine(dbmod.normalize_url(database_url))
    ours = {"letters", "campaigns", "constituents", "meetings", "follow_ups", "template_versions"}
    assert ours <= set(inspect(engine).get_table_names())
    dbmod.downgrade(database_url, "0001")
    assert not ours & set(inspect(engine).get_table_names())
    dbmod.upgrade(database_url)
    assert ours <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_outreach_print_writes_a_pdf_per_office_and_a_csv(
    runner, settings, db, campaign, org, people, tmp_path
):
    from outreach import letters
    from outreach.geocode import manual_divisions
    from tests.outreach.conftest import FREMONT
    from tracker.models import Legislator

    db.get(Legislator, people["Aisha Wahab"]).email = None  # paper only
    db.commit()
    constituent = letters.submit(
        db,
        campaign,
        letters.Submission(name="Ana Ruiz", email="ana@example.net", address="",
                           consent_send=True),
        manual_divisions(**FREMONT),
    )  # fmt: skip
    letters.confirm(db, constituent)
    result = runner.invoke(
        cli, ["outreach", "print", str(campaign.id), "--org", org.slug, "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    pdfs = sorted(tmp_path.glob("*.pdf"))
    assert [p.name for p in pdfs] == [f"campaign-{campaign.id}-office-{people['Aisha Wahab']}.pdf"]
    assert pdfs[0].read_bytes().startswith(b"%PDF")
    csv_text = (tmp_path / f"campaign-{campaign.id}-letters.csv").read_text()
    assert "Aisha Wahab" in csv_text and "Alex Lee" in csv_text
