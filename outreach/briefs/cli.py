"""`tracker brief`: build a brief file, manage subscribers, mail a brief now.

tracker brief --org ORG [--from DATE --to DATE] --format pdf -o brief.pdf
tracker brief subscribe --org ORG someone@example.org
tracker brief unsubscribe --org ORG someone@example.org
tracker brief subscribers --org ORG
tracker brief send --org ORG [--from DATE --to DATE] [--force]
"""

from __future__ import annotations

from pathlib import Path

import click

from tracker.cli import load_settings, output_file
from tracker.errors import TrackerError


def _fail(exc: TrackerError) -> click.ClickException:
    return click.ClickException(str(exc))


@click.group(invoke_without_command=True)
@click.option("--org", "org_name", help="Organization name or slug.")
@click.option("--from", "start", metavar="DATE", help="First day (YYYY-MM-DD).")
@click.option("--to", "end", metavar="DATE", help="Last day (YYYY-MM-DD).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "pdf", "md", "docx", "csv", "xlsx"]),
    help="Output format.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=output_file,
    help="File (its folder must exist).",
)
@click.option("--watchlist", "watchlists", multiple=True, help="Only these watchlists.")
@click.option("--topic", "topics", multiple=True, help="Also bills tagged with these topics.")
@click.option("--jurisdiction", "jurisdictions", multiple=True, help="Only these (e.g. ca, us).")
@click.option("--archive", is_flag=True, help="Also keep the file in the org's brief archive.")
@click.option(
    "--full", is_flag=True, help="Every tracked bill in the topic tables (not only the top 25)."
)
@click.pass_context
def brief(
    ctx: click.Context,
    org_name: str | None,
    start: str | None,
    end: str | None,
    fmt: str | None,
    output: Path | None,
    watchlists: tuple[str, ...],
    topics: tuple[str, ...],
    jurisdictions: tuple[str, ...],
    archive: bool,
    full: bool,
) -> None:
    """Build the policy brief (default: last full ISO week in the org's time zone)."""
    if ctx.invoked_subcommand is not None:
        return
    missing = [
        name
        for name, value in (("--org", org_name), ("--format", fmt), ("-o", output))
        if not value
    ]
    if missing:
        raise click.UsageError(f"missing {', '.join(missing)} (see `tracker brief --help`)")
    from outreach.briefs import render
    from outreach.briefs.archive import archive_brief
    from outreach.briefs.data import build_brief, find_org, parse_date
    from tracker.db import session_scope

    settings = load_settings()
    try:
        with session_scope(settings) as session:
            org = find_org(session, org_name)
            with click.progressbar(length=2, label="Building brief", file=None) as bar:
                data = build_brief(
                    session,
                    org,
                    parse_date(start, "--from"),
                    parse_date(end, "--to"),
                    now=settings.now(),
                    watchlists=list(watchlists) or None,
                    topics=list(topics) or None,
                    jurisdictions=list(jurisdictions) or None,
                )
                bar.update(1)
                content = render.render(data, fmt, full=full)
                bar.update(1)
            if archive:
                archive_brief(
                    session, org, data.start, data.end, fmt, content,
                    render.filename(data, fmt), source="cli",
                )  # fmt: skip
                session.commit()
    except TrackerError as exc:
        raise _fail(exc) from exc
    output.write_bytes(content)
    summary = (
        "no changes" if data.no_changes else f"{len(data.changes)} moved, {len(data.new_bills)} new"
    )
    click.echo(
        f"Wrote {output} ({len(content):,} bytes): {data.org_name}, "
        f"{data.start.isoformat()} to {data.end.isoformat()}, "
        f"{data.headline.tracked} tracked bills, {summary}."
    )


@brief.command()
@click.option("--org", "org_name", required=True, help="Organization name or slug.")
@click.option("--name", default="", help="The subscriber's name.")
@click.argument("email")
def subscribe(org_name: str, name: str, email: str) -> None:
    """Send the weekly brief to EMAIL."""
    from outreach.briefs.archive import subscribe as add
    from outreach.briefs.data import find_org
    from tracker.db import session_scope

    try:
        with session_scope(load_settings()) as session:
            sub = add(session, find_org(session, org_name), email, name)
            click.echo(f"{sub.email} gets the weekly brief of {org_name}.")
    except TrackerError as exc:
        raise _fail(exc) from exc


@brief.command()
@click.option("--org", "org_name", required=True, help="Organization name or slug.")
@click.argument("email")
def unsubscribe(org_name: str, email: str) -> None:
    """Stop sending the weekly brief to EMAIL."""
    from outreach.briefs.archive import unsubscribe as remove
    from outreach.briefs.data import find_org
    from tracker.db import session_scope

    try:
        with session_scope(load_settings()) as session:
            removed = remove(session, find_org(session, org_name), email)
    except TrackerError as exc:
        raise _fail(exc) from exc
    click.echo(f"{email} unsubscribed." if removed else f"{email} was not subscribed.")


@brief.command(name="subscribers")
@click.option("--org", "org_name", required=True, help="Organization name or slug.")
def list_subscribers(org_name: str) -> None:
    """List who gets the weekly brief."""
    from outreach.briefs.archive import subscribers
    from outreach.briefs.data import find_org
    from tracker.db import session_scope

    try:
        with session_scope(load_settings()) as session:
            subs = subscribers(session, find_org(session, org_name))
    except TrackerError as exc:
        raise _fail(exc) from exc
    for sub in subs:
        click.echo(f"{sub.email}\t{sub.name}")
    if not subs:
        click.echo("No subscribers.")


@brief.command()
@click.option("--org", "org_name", required=True, help="Organization name or slug.")
@click.option("--from", "start", metavar="DATE", help="First day (YYYY-MM-DD).")
@click.option("--to", "end", metavar="DATE", help="Last day (YYYY-MM-DD).")
@click.option("--force", is_flag=True, help="Send even if this range was already mailed.")
def send(org_name: str, start: str | None, end: str | None, force: bool) -> None:
    """Build, archive and email the brief to the org's subscribers now."""
    from outreach.briefs.data import find_org, parse_date
    from outreach.briefs.jobs import deliver_brief
    from tracker.db import session_scope

    settings = load_settings()
    try:
        with session_scope(settings) as session:
            result = deliver_brief(
                session,
                settings,
                find_org(session, org_name),
                parse_date(start, "--from"),
                parse_date(end, "--to"),
                force=force,
            )
    except TrackerError as exc:
        raise _fail(exc) from exc
    click.echo(
        f"{result['status']}: {result['start']} to {result['end']}, {result['sent']} emails sent."
    )
