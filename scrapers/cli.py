"""Collection commands: sync, import, reparse, quarantine, texts, bills/legislators export."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from pathlib import Path

import click

from tracker.cli import load_settings, output_file
from tracker.errors import TrackerError


def _since(value: str | None) -> date | datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"not an ISO date or datetime: {value!r}") from exc


def _tag_changed(settings, summaries: list, enabled: bool, texts: str = "scope") -> None:  # noqa: ANN001
    """Hand the bills whose content changed to the rest of the pipeline (scrapers/pipeline.py):
    their texts (`texts` scope), then tagging, scoring and alerts."""
    ids = sorted({bid for s in summaries for bid in s.changed_bill_ids})
    if not enabled or not ids:
        return
    from scrapers.pipeline import after_sync

    handles = after_sync(settings, ids, texts=texts)
    if handles:
        statuses = ", ".join(sorted({h.status for h in handles}))
        jobs = handles[0].id if len(handles) == 1 else f"{len(handles)} jobs"
        click.echo(f"tagging {len(ids)} changed bill(s): {jobs} {statuses}", err=True)


def _print_summaries(summaries: list, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps([s.as_dict() for s in summaries], indent=2))
        return
    for summary in summaries:
        click.echo(summary.line())


@click.command("sync")
@click.option(
    "--source", "sources", multiple=True, help="Source key (repeatable); default: all syncable."
)
@click.option(
    "--jurisdiction", "-j", default=None, help="State code (openstates, legiscan need one)."
)
@click.option(
    "--since", default=None, help="Override the stored cursor (YYYY-MM-DD or ISO datetime)."
)
@click.option(
    "--session",
    "session_name",
    default=None,
    help="Session to list where the source needs one (GovInfo: Congress number; MO: year).",
)
@click.option(
    "--replay",
    "replay_dir",
    type=click.Path(exists=True, file_okay=False),
    default=None,
    help="Serve recorded responses from DIR (index.jsonl) instead of the network.",
)
@click.option(
    "--topic", "topics", multiple=True, help="Topic query (repeatable); default list otherwise."
)
@click.option(
    "--all-bills", is_flag=True, help="No topic filter: collect every bill the source lists."
)
@click.option(
    "--texts",
    "texts_scope",
    type=click.Choice(["all", "scope", "none"]),
    default="scope",
    show_default=True,
    help="Then fetch the changed bills' version texts: those tagged or watched (scope), "
    "all, or none.",
)
@click.option("--json", "as_json", is_flag=True, help="Print summaries as JSON.")
@click.option("--no-tag", is_flag=True, help="Do not queue tagging of the changed bills.")
def sync(
    sources,
    jurisdiction,
    since,
    session_name,
    replay_dir,
    topics,
    all_bills,
    texts_scope,
    as_json,
    no_tag,
) -> None:
    """Incremental sync from the sources' APIs and sites (resumes an interrupted run)."""
    from scrapers import SYNCABLE, get_source
    from scrapers.sync import run_sync

    settings = load_settings()
    keys = list(sources) or [
        k
        for k in SYNCABLE
        if replay_dir
        or not get_source(k).key_setting
        or getattr(settings, get_source(k).key_setting)
    ]
    topic_list = [] if all_bills else (list(topics) or None)
    summaries = []
    failed = False
    for key in keys:
        get_source(key)
        try:
            summary = run_sync(
                settings,
                key,
                jurisdiction=jurisdiction,
                since=_since(since),
                replay_dir=replay_dir,
                topics=topic_list,
                progress=sys.stderr.isatty(),
                session_name=session_name,
            )
        except TrackerError as exc:
            click.echo(f"{key}: {exc}", err=True)
            failed = True
            continue
        summaries.append(summary)
        failed = failed or summary.status == "failed"
    _print_summaries(summaries, as_json)
    if replay_dir and texts_scope != "none":
        # Replaying: the texts come from the same directory, here rather than in the
        # pipeline's texts step (which never reads a replay directory by itself).
        from scrapers.texts import bills_in_scope, fetch_texts
        from tracker.db import session_scope

        changed = sorted({bid for s in summaries for bid in s.changed_bill_ids})
        with session_scope(settings) as session:
            wanted = bills_in_scope(session, texts_scope, candidates=changed)
        texts = fetch_texts(settings, wanted, replay_dir=replay_dir, progress=sys.stderr.isatty())
        click.echo(texts.line(), err=True)
        summaries.append(texts)
        texts_scope = "none"
    _tag_changed(settings, summaries, not no_tag, texts=texts_scope)
    if failed:
        raise SystemExit(1)


@click.group("texts")
def texts() -> None:
    """Bill version documents: download, archive and extract their text."""


@texts.command("fetch")
@click.argument("bill_ids", nargs=-1)
@click.option(
    "--scope",
    type=click.Choice(["all", "scope"]),
    default="scope",
    show_default=True,
    help="Without IDS: bills tagged or on a watchlist (scope), or every bill (all).",
)
@click.option("--all", "all_bills", is_flag=True, help="Same as --scope all.")
@click.option(
    "--recheck", is_flag=True, help="Ask again for fetched documents (conditional GET, 304)."
)
@click.option(
    "--replay",
    "replay_dir",
    type=click.Path(exists=True, file_okay=False),
    default=None,
    help="Serve recorded documents from DIR (index.jsonl) instead of the network.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--no-tag", is_flag=True, help="Do not queue tagging of bills with new text.")
def texts_fetch(bill_ids, scope, all_bills, recheck, replay_dir, as_json, no_tag) -> None:
    """Backfill texts: fetch and extract the versions of IDS (or of the bills in scope)."""
    from scrapers.texts import fetch_texts

    settings = load_settings()
    summary = fetch_texts(
        settings,
        list(bill_ids) or None,
        scope="all" if all_bills else scope,
        replay_dir=replay_dir,
        recheck=recheck,
        progress=sys.stderr.isatty(),
    )
    if as_json:
        click.echo(json.dumps(summary.as_dict(), indent=2))
    else:
        click.echo(summary.line())
    _tag_changed(settings, [summary], not no_tag, texts="none")
    if summary.status == "failed":
        raise SystemExit(1)


@click.command("import")
@click.option(
    "--source",
    required=True,
    help="Source key (congress-gov, govinfo, legiscan, bills-jsonl, ...).",
)
@click.option("--session", "session_name", default=None, help="Session when the payload lacks it.")
@click.option("--jurisdiction", "-j", default=None, help="Jurisdiction when the payload lacks it.")
@click.option("--json", "as_json", is_flag=True)
@click.option("--no-tag", is_flag=True, help="Do not queue tagging of the changed bills.")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
def import_(source, session_name, jurisdiction, as_json, no_tag, paths) -> None:
    """Import recorded payload files or directories through the parsers and ingest."""
    from scrapers import get_source
    from scrapers.sync import import_paths

    settings = load_settings()
    try:
        get_source(source)
        summary = import_paths(
            settings,
            source,
            [Path(p) for p in paths],
            session_name=session_name,
            jurisdiction=jurisdiction,
            progress=sys.stderr.isatty(),
        )
    except TrackerError as exc:
        raise click.ClickException(str(exc)) from exc
    _print_summaries([summary], as_json)
    _tag_changed(settings, [summary], not no_tag)
    if summary.quarantined:
        click.echo(
            f"{summary.quarantined} payload(s) quarantined: see `tracker quarantine list`", err=True
        )
        raise SystemExit(1)


@click.command("reparse")
@click.option("--source", default=None, help="Only this source's archive.")
@click.option("--json", "as_json", is_flag=True)
@click.option("--no-tag", is_flag=True, help="Do not queue tagging of the changed bills.")
def reparse(source, as_json, no_tag) -> None:
    """Rebuild bills from the raw-response archive with the current parsers (no network)."""
    from scrapers.sync import reparse as run_reparse

    settings = load_settings()
    summaries = run_reparse(settings, source, progress=sys.stderr.isatty())
    if not summaries and not as_json:
        click.echo("the raw-response archive is empty: nothing to reparse")
        return
    _print_summaries(summaries, as_json)
    _tag_changed(settings, summaries, not no_tag)


@click.group("quarantine")
def quarantine() -> None:
    """Payloads that failed to parse."""


@quarantine.command("list")
@click.option("--source", default=None)
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def quarantine_list(source, limit, as_json) -> None:
    """List quarantined payloads, newest first."""
    from scrapers.archive import list_quarantine
    from tracker.db import session_scope

    settings = load_settings()
    with session_scope(settings) as session:
        rows = list_quarantine(session, source, limit)
        items = [
            {
                "id": r.id,
                "source": r.source,
                "url": r.url,
                "source_id": r.source_id,
                "error": r.error,
                "payload_path": r.payload_path,
                "created_at": r.created_at.isoformat() if r.created_at else None,
            }
            for r in rows
        ]
    if as_json:
        click.echo(json.dumps(items, indent=2))
        return
    if not items:
        click.echo("quarantine is empty")
    for item in items:
        where = item["url"] or item["source_id"] or "-"
        click.echo(
            f"#{item['id']} {item['created_at'][:19]} {item['source']} {where}\n    {item['error']}"
        )


def _export(
    kind: str, fmt: str, jurisdiction: str | None, output: str | None, org: str | None = None
) -> None:
    from scrapers.exports import (
        BILL_FIELDS,
        LEGISLATOR_FIELDS,
        bill_rows,
        legislator_rows,
        write_rows,
    )
    from tracker.db import session_scope

    settings = load_settings()
    rows_fn, fields = (
        (bill_rows, BILL_FIELDS) if kind == "bills" else (legislator_rows, LEGISLATOR_FIELDS)
    )
    with session_scope(settings) as session:
        if org:
            from sqlalchemy import select

            from tracker.models import Organization

            org_id = session.scalar(select(Organization.id).where(Organization.slug == org))
            if org_id is None:
                raise click.BadParameter(f"no organization with slug {org!r}", param_hint="--org")
            rows = bill_rows(session, jurisdiction, org_id=org_id)
        else:
            rows = rows_fn(session, jurisdiction)
        if output and output != "-":
            with open(output, "w", encoding="utf-8", newline="") as handle:
                count = write_rows(rows, handle, fmt, fields)
            click.echo(f"wrote {count} {kind} to {output}", err=True)
        else:
            write_rows(rows, sys.stdout, fmt, fields)


@click.group("bills")
def bills() -> None:
    """Bills in the store."""


@bills.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True
)
@click.option("--jurisdiction", "-j", default=None)
@click.option(
    "--output", "-o", default=None, callback=output_file, help="File to write (default stdout)."
)
@click.option("--org", default=None, help="Topics as this organization (slug) corrected them.")
def bills_export(fmt, jurisdiction, output, org) -> None:
    """Export bills, one object (or row) per bill."""
    _export("bills", fmt, jurisdiction, output, org)


@click.group("legislators")
def legislators() -> None:
    """Legislators in the store."""


@legislators.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True
)
@click.option("--jurisdiction", "-j", default=None)
@click.option(
    "--output", "-o", default=None, callback=output_file, help="File to write (default stdout)."
)
def legislators_export(fmt, jurisdiction, output) -> None:
    """Export legislators with offices, contact details and external ids."""
    _export("legislators", fmt, jurisdiction, output)
