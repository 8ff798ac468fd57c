"""`tracker brief`: files in every format, subscribers, errors that say what to fix."""

from __future__ import annotations

import csv
import io

from click.testing import CliRunner
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cli import cli
from outreach.briefs.models import BriefArchive, BriefSubscriber
from tests.briefs.conftest import ENACTED_WEEK


def run(*args: str):  # noqa: ANN201
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_brief_command_writes_each_format(db: Session, org, tmp_path):
    base = ["brief", "--org", org.slug, "--from", ENACTED_WEEK[0], "--to", ENACTED_WEEK[1]]
    out = {}
    for fmt in ("csv", "pdf", "xlsx", "md"):
        path = tmp_path / f"brief.{fmt}"
        result = run(*base, "--format", fmt, "-o", str(path))
        assert result.exit_code == 0, result.output
        assert "1 moved" in result.output and "2024-03-18 to 2024-03-24" in result.output
        out[fmt] = path.read_bytes()
    rows = list(csv.DictReader(io.StringIO(out["csv"].decode("utf-8-sig"))))
    assert any(r["Bill"] == "HB 1939" and r["Status"] == "Enacted" for r in rows)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(out["pdf"])).pages)
    assert "WA HB 1939" in text
    assert "Changes" in load_workbook(io.BytesIO(out["xlsx"])).sheetnames
    assert "WA HB 1939" in out["md"].decode()


def test_brief_command_archives_when_asked(db: Session, org, tmp_path):
    path = tmp_path / "b.html"
    result = run(
        "brief", "--org", "Demo Coalition", "--from", "2024-03-18", "--to", "2024-03-24",
        "--format", "html", "-o", str(path), "--archive",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    row = db.scalars(select(BriefArchive)).one()
    assert row.content == path.read_bytes() and row.source == "cli" and row.format == "html"


def test_brief_command_errors_are_clear(db: Session, org, tmp_path):
    out = str(tmp_path / "x.csv")
    missing = CliRunner().invoke(cli, ["brief", "--org", org.slug])
    assert missing.exit_code == 2 and "missing --format, -o" in missing.output
    bad_date = CliRunner().invoke(
        cli, ["brief", "--org", org.slug, "--from", "2024-13-01", "--format", "csv", "-o", out]
    )
    assert bad_date.exit_code == 1
    assert "--from must be a date like 2024-03-04 (got '2024-13-01')" in bad_date.output
    reversed_range = CliRunner().invoke(
        cli,
        ["brief", "--org", org.slug, "--from", "2024-03-10", "--to", "2024-03-01",
         "--format", "csv", "-o", out],
    )  # fmt: skip
    assert reversed_range.exit_code == 1 and "before it starts" in reversed_range.output
    nobody = CliRunner().invoke(cli, ["brief", "--org", "nope", "--format", "csv", "-o", out])
    assert nobody.exit_code == 1 and "no organization 'nope'" in nobody.output
    assert not (tmp_path / "x.csv").exists()


def test_subscribe_list_unsubscribe(db: Session, org):
    assert (
        "gets the weekly brief"
        in run("brief", "subscribe", "--org", org.slug, "A@Example.org").output
    )
    run("brief", "subscribe", "--org", org.slug, "a@example.org")  # idempotent
    assert run("brief", "subscribers", "--org", org.slug).output.strip() == "a@example.org"
    assert db.scalars(select(BriefSubscriber)).one().email == "a@example.org"
    assert "unsubscribed" in run("brief", "unsubscribe", "--org", org.slug, "a@example.org").output
    assert (
        "was not subscribed"
        in run("brief", "unsubscribe", "--org", org.slug, "a@example.org").output
    )
    bad = CliRunner().invoke(cli, ["brief", "subscribe", "--org", org.slug, "not-an-address"])
    assert bad.exit_code == 1 and "not an email address" in bad.output


def test_send_mails_subscribers_now(db: Session, org, monkeypatch):
    from aiosmtpd.controller import Controller

    from tests.briefs.test_brief_email import Sink
    from tests.conftest import free_port

    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("SMTP_PORT", str(port))
    try:
        run("brief", "subscribe", "--org", org.slug, "board@example.org")
        args = ["brief", "send", "--org", org.slug, "--from", "2024-03-18", "--to", "2024-03-24"]
        first = run(*args)
        assert "sent: 2024-03-18 to 2024-03-24, 1 emails sent." in first.output
        assert "skipped" in run(*args).output
        assert "1 emails sent" in run(*args, "--force").output
    finally:
        controller.stop()
    assert len(sink.envelopes) == 2
