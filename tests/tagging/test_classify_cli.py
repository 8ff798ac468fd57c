"""`tracker classify`: JSON lines in, one line out per input, errors do not stop the run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from app.cli import cli
from tests.tagging.helpers import dev_row, dev_rows


def run(stdin: str, *args: str):  # noqa: ANN201
    return CliRunner().invoke(cli, ["classify", *args], input=stdin)


def test_classify_round_trip_keeps_order_and_reports_malformed_lines():
    good = dev_row("tx-87-hb3553")
    negative = dev_row("us-118-hr4233")
    lines = [
        json.dumps({"id": good["id"], "title": good["title"], "abstract": good["abstract"]}),
        '{"id": "broken", "title": ',
        json.dumps({"title": "no id here"}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": "bad-subjects", "title": "x", "subjects": "Mental Health"}),
        json.dumps({"id": negative["id"], "title": negative["title"], "subjects": []}),
    ]
    result = run("\n".join(lines) + "\n")
    assert result.exit_code == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 6
    assert out[0]["id"] == "tx-87-hb3553"
    assert {t["topic"] for t in out[0]["topics"]} >= {"crisis", "mobile_crisis", "mental_health"}
    assert out[1] == {"id": None, "line": 2, "error": out[1]["error"]}
    assert "not valid JSON" in out[1]["error"]
    assert out[2]["line"] == 3 and "id" in out[2]["error"]
    assert out[3]["line"] == 4 and "object" in out[3]["error"]
    assert out[4]["id"] == "bad-subjects" and "subjects" in out[4]["error"]
    assert out[5] == {"id": "us-118-hr4233", "topics": []}


def test_classify_output_evidence_quotes_the_input_exactly():
    rows = dev_rows()[:40]
    stdin = "\n".join(json.dumps({k: r[k] for k in ("id", "title", "abstract")}) for r in rows)
    result = run(stdin)
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == [r["id"] for r in rows]
    for row, line in zip(rows, out, strict=True):
        for topic in line["topics"]:
            assert set(topic) == {"topic", "score", "evidence"}
            for ev in topic["evidence"]:
                assert row[ev["field"]][ev["start"] : ev["end"]] == ev["quote"]


def test_classify_accepts_full_text_and_a_custom_taxonomy(tmp_path):
    tax = tmp_path / "t.yaml"
    tax.write_text(
        "version: t1\ngroups:\n  - {name: fee, patterns: ['988 fee']}\n"
        "topics:\n  - id: fee988\n    rules: [{id: r, all: [fee], weight: 0.9}]\n"
    )
    line = json.dumps({"id": 1, "title": "", "abstract": "", "text": "A 988 fee is imposed."})
    result = run(line, "--taxonomy", str(tax), "--explain")
    assert result.exit_code == 0
    out = json.loads(result.stdout)
    assert out["taxonomy_version"] == "t1"
    assert out["topics"][0]["topic"] == "fee988"
    assert out["topics"][0]["evidence"][0]["field"] == "text"
    assert out["topics"][0]["rules"] == ["r"]


def test_classify_rejects_a_broken_taxonomy_before_reading_input(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\ngroups: [{name: a, patterns: ['(']}]\n")
    result = run('{"id": 1, "title": "x"}', "--taxonomy", str(bad))
    assert result.exit_code == 1
    assert "pattern" in result.output and result.stdout.count("{") == 0


def test_classify_as_a_real_process_over_pipes():
    exe = Path(sys.executable).with_name("tracker")
    row = dev_row("wy-2023-hb65")
    proc = subprocess.run(
        [str(exe), "classify"],
        input=json.dumps({"id": row["id"], "title": row["title"], "abstract": row["abstract"]})
        + "\nnope\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    first, second = (json.loads(x) for x in proc.stdout.splitlines())
    assert "crisis" in {t["topic"] for t in first["topics"]}
    assert second["line"] == 2 and "error" in second
    assert "could not be classified" in proc.stderr
