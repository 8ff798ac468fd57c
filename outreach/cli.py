"""Outreach commands: `tracker template ...`, `tracker outreach ...`, `tracker meetings ...`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from tracker.cli import load_settings, output_file
from tracker.errors import TrackerError


@click.group()
def template() -> None:
    """Check and preview letter templates (sandboxed Jinja2)."""


@template.command("check")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def template_check(file: Path) -> None:
    """Exit 0 when FILE is a valid template; otherwise print each problem with its line."""
    from outreach.templates import TemplateProblem, TemplateSource, check_template

    try:
        source = TemplateSource.from_file(file)
    except FileNotFoundError as exc:
        raise click.ClickException(f"{file}: no such file") from exc
    except TemplateProblem as exc:
        click.echo(f"{file}:{exc.line or 1}: {exc.message}", err=True)
        sys.exit(1)
    result = check_template(source)
    if result.ok:
        fields = ", ".join(sorted(result.fields_used)) or "none"
        click.echo(f"{file}: OK (fields used: {fields})")
        return
    for problem in result.problems:
        where = f"{file}:{problem.line}" if problem.line else str(file)
        part = f" [{problem.part}]" if problem.part != "body" else ""
        click.echo(f"{where}:{part} {problem.message}", err=True)
    sys.exit(1)


@template.command("render")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--sample", is_flag=True, help="Fill the merge fields with sample data.")
@click.option(
    "--values",
    "values_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON file with constituent/legislator/bill/organization values.",
)
def template_render(file: Path, sample: bool, values_file: Path | None) -> None:
    """Render FILE with --sample data (or --values JSON) and print subject and body."""
    from outreach.templates import SAMPLE_CONTEXT, TemplateProblem, TemplateSource, render

    if not sample and values_file is None:
        raise click.UsageError("give --sample or --values FILE")
    values = SAMPLE_CONTEXT if sample else json.loads(values_file.read_text())
    try:
        out = render(TemplateSource.from_file(file), values)
    except TemplateProblem as exc:
        click.echo(f"{file}:{exc.line or 1}: {exc.message}", err=True)
        sys.exit(1)
    if out.subject:
        click.echo(f"Subject: {out.subject}\n")
    click.echo(out.body, nl=False)


@template.command("starters")
def template_starters() -> None:
    """List the packaged starter templates and their files."""
    from outreach.templates import STARTERS_DIR, starter_templates

    for key, source in starter_templates().items():
        click.echo(f"{key:22} {source.name}  ({STARTERS_DIR / (key + '.j2')})")


@click.group()
def outreach() -> None:
    """Letter delivery: reconcile the outbox, print batches, bounces."""


@outreach.command("reconcile")
@click.option("--stale-seconds", type=int, default=None, help="Default: 900.")
def outreach_reconcile(stale_seconds: int | None) -> None:
    """Re-enqueue letters stranded in queued/sending (after a Redis flush or a dead worker)."""
    from outreach.delivery import MIN_STALE_SECONDS
    from outreach.jobs import reconcile
    from tracker.jobs import using_settings

    if stale_seconds is not None and stale_seconds < MIN_STALE_SECONDS:
        raise click.ClickException(
            f"--stale-seconds must be at least {MIN_STALE_SECONDS}: a letter claimed more "
            "recently may still be in a live worker's hands, and resetting it could send it twice"
        )
    with using_settings(load_settings()):
        summary = reconcile(stale_seconds)
    click.echo(
        f"re-enqueued {summary['requeued']}; outcome unknown {summary['unknown']}; "
        f"confirmation emails re-enqueued {summary['confirmations']}"
    )


@outreach.command("print")
@click.argument("campaign_id", type=int)
@click.option("--org", "org_name", required=True, help="Organization name or slug.")
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path(".")
)
def outreach_print(campaign_id: int, org_name: str, out_dir: Path) -> None:
    """Write one PDF per office for a campaign's paper letters, plus a CSV of all letters."""
    from sqlalchemy import select

    from outreach.campaigns import campaign_for_org
    from outreach.delivery import letters_csv, print_batch_pdf
    from outreach.models import Letter
    from tracker.accounts import get_org
    from tracker.db import session_scope

    settings = load_settings()
    out_dir.mkdir(parents=True, exist_ok=True)
    with session_scope(settings) as session:
        try:
            org = get_org(session, org_name)
            campaign = campaign_for_org(session, org.id, campaign_id)
        except TrackerError as exc:
            raise click.ClickException(str(exc)) from exc
        offices = session.scalars(
            select(Letter.legislator_id)
            .where(
                Letter.organization_id == org.id,
                Letter.campaign_id == campaign.id,
                Letter.delivery == "print",
                Letter.state == "queued",
            )
            .distinct()
        ).all()
        with click.progressbar(offices, label="Printing") as bar:
            for legislator_id in bar:
                pdf = print_batch_pdf(session, org.id, campaign.id, legislator_id)
                (out_dir / f"campaign-{campaign.id}-office-{legislator_id}.pdf").write_bytes(pdf)
        csv_path = out_dir / f"campaign-{campaign.id}-letters.csv"
        csv_path.write_text(letters_csv(session, org.id, campaign.id))
    click.echo(f"{len(offices)} PDF batch(es) and {csv_path}")


@outreach.command("load-zips")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def outreach_load_zips(file: Path) -> None:
    """Load a ZIP-to-congressional-district CSV (state_abbr, zcta, house_district)."""
    import csv

    from outreach.geocode import load_zip_districts
    from tracker.db import session_scope

    with session_scope(load_settings()) as session, file.open(newline="") as handle:
        try:
            count = load_zip_districts(session, csv.DictReader(handle))
        except TrackerError as exc:
            raise click.ClickException(f"{file}: {exc}") from exc
    click.echo(f"loaded {count} ZIP/district pairs")


@outreach.command("bounce")
@click.argument("message_id")
@click.option("--status", default="5.0.0", help="DSN status code, e.g. 5.1.1.")
@click.option("--reason", default="")
def outreach_bounce(message_id: str, status: str, reason: str) -> None:
    """Record a bounce for the letter with MESSAGE_ID (permanent ones fail the letter)."""
    from outreach.delivery import record_bounce
    from tracker.db import session_scope

    with session_scope(load_settings()) as session:
        bounce = record_bounce(session, message_id, status=status, reason=reason)
        click.echo(f"recorded; letter {bounce.letter_id or 'not found'}")


@click.group()
def meetings() -> None:
    """The meeting log: export and follow-up reminders."""


@meetings.command("export")
@click.option("--org", "org_name", required=True, help="Organization name or slug.")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), default=None, callback=output_file
)
def meetings_export(org_name: str, out: Path | None) -> None:
    """Write the organization's meetings as CSV (stdout or --out)."""
    from outreach.meetings import meetings_csv
    from tracker.accounts import get_org
    from tracker.db import session_scope

    with session_scope(load_settings()) as session:
        try:
            org = get_org(session, org_name)
        except TrackerError as exc:
            raise click.ClickException(str(exc)) from exc
        text = meetings_csv(session, org.id)
    if out:
        out.write_text(text)
        click.echo(f"wrote {out}")
    else:
        click.echo(text, nl=False)


@meetings.command("remind")
def meetings_remind() -> None:
    """Email assignees about follow-ups due by tomorrow (run daily)."""
    from outreach.meetings import send_reminders
    from tracker.db import session_scope

    settings = load_settings()
    with session_scope(settings) as session:
        summary = send_reminders(session, settings)
    click.echo(f"reminders sent: {summary['reminders_sent']}")
