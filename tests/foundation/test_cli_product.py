"""Issue 15's CLI faults: `tracker org list`, `-o` into a missing folder, import exit codes."""

from __future__ import annotations

import json

from click.testing import CliRunner

from app.cli import cli
from tests.conftest import demo_rows


def test_org_list_shows_the_slugs_that_org_accepts(settings, db):  # noqa: ANN001
    from tracker.accounts import create_org

    empty = CliRunner().invoke(cli, ["org", "list"])
    assert empty.exit_code == 0 and "No organizations yet" in empty.output
    create_org(db, "Demo Mental Health Coalition")
    create_org(db, "Beta Team", "America/Chicago")
    result = CliRunner().invoke(cli, ["org", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:2] == ["SLUG", "USERS"]
    assert lines[1].split()[0] == "betateam" and "America/Chicago" in lines[1]
    assert lines[2].split()[0] == "demomentalhealthcoalition"
    assert lines[2].endswith("Demo Mental Health Coalition")


def test_output_into_a_missing_folder_is_a_clear_error(settings, db, tmp_path):  # noqa: ANN001
    from tracker.accounts import create_org

    create_org(db, "Alpha")
    missing = tmp_path / "no-such-dir" / "brief.pdf"
    for args in (
        ["brief", "--org", "alpha", "--format", "pdf", "-o", str(missing)],
        ["bills", "export", "--format", "csv", "-o", str(missing)],
        ["legislators", "export", "-o", str(missing)],
        ["meetings", "export", "--org", "alpha", "--out", str(missing)],
    ):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, (args, result.output)
        assert "does not exist" in result.output and "no-such-dir" in result.output
        assert not missing.parent.exists()
    ok = CliRunner().invoke(cli, ["bills", "export", "-o", str(tmp_path / "bills.jsonl")])
    assert ok.exit_code == 0 and (tmp_path / "bills.jsonl").exists()


def test_import_summary_and_exit_code_agree(settings, db, tmp_path):  # noqa: ANN001
    good = tmp_path / "good.jsonl"
    good.write_text("\n".join(json.dumps(r) for r in demo_rows()[:2]) + "\n")
    clean = CliRunner().invoke(cli, ["import", "--source", "bills-jsonl", "--no-tag", str(good)])
    assert clean.exit_code == 0 and "] ok:" in clean.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(demo_rows()[2]) + "\n{not json\n")
    result = CliRunner().invoke(cli, ["import", "--source", "bills-jsonl", "--no-tag", str(bad)])
    assert result.exit_code == 1, result.output
    assert "] ok:" not in result.output and "] partial:" in result.output
    assert "quarantined 1" in result.output
    as_json = CliRunner().invoke(
        cli, ["import", "--source", "bills-jsonl", "--no-tag", "--json", str(bad)]
    )
    assert as_json.exit_code == 1
    assert json.loads(_json_part(as_json.output))[0]["outcome"] == "partial"


def _json_part(output: str) -> str:
    start = output.index("[")
    end = output.rindex("]") + 1
    return output[start:end]
