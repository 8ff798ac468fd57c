"""Tagging commands: `tracker classify` (stdin -> stdout), `tracker tag`, `tracker score`.

`classify` needs no database: it reads JSON lines
`{"id", "title", "abstract", "subjects"?, "text"?}` and writes one JSON line per input,
in input order. A malformed line gets an error line (with its id, or its line number)
and the rest go on; the exit code is 1 if any line failed.
"""

from __future__ import annotations

import json
import sys
from typing import IO, Any

import click

from tracker.cli import load_settings
from tracker.errors import InvalidInput, TrackerError

# Untrusted input: cap what one line may carry so a runaway document cannot stall a run.
MAX_LINE_CHARS = 20_000_000
FIELD_LIMITS = {"title": 20_000, "abstract": 200_000, "text": 10_000_000}
MAX_SUBJECTS = 500


def parse_classify_line(line: str) -> dict[str, Any]:
    """Validate one input line; InvalidInput says what is wrong."""
    if len(line) > MAX_LINE_CHARS:
        raise InvalidInput(f"line longer than {MAX_LINE_CHARS} characters")
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"not valid JSON: {exc.msg} at column {exc.colno}") from exc
    if not isinstance(obj, dict):
        raise InvalidInput("each line must be a JSON object")
    bill_id = obj.get("id")
    if isinstance(bill_id, bool) or not isinstance(bill_id, (str, int)) or bill_id == "":
        raise InvalidInput("`id` is required (a string or number)")
    out: dict[str, Any] = {"id": bill_id}
    for name, limit in FIELD_LIMITS.items():
        value = obj.get(name)
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise InvalidInput(f"`{name}` must be a string")
        if len(value) > limit:
            raise InvalidInput(f"`{name}` longer than {limit} characters")
        out[name] = value
    if not (out["title"] or out["abstract"] or out["text"] or obj.get("subjects")):
        raise InvalidInput("nothing to classify: give at least one of title, abstract, text")
    subjects = obj.get("subjects") or []
    if not isinstance(subjects, list) or not all(isinstance(s, str) for s in subjects):
        raise InvalidInput("`subjects` must be a list of strings")
    if len(subjects) > MAX_SUBJECTS:
        raise InvalidInput(f"more than {MAX_SUBJECTS} subjects")
    out["subjects"] = subjects
    return out


def classify_stream(
    lines: IO[str], out: IO[str], taxonomy_path: str | None = None, explain: bool = False
) -> tuple[int, int]:
    """Classify every line of `lines` into `out`; returns (ok, failed) counts."""
    from tracker.tagging import tag_bill
    from tracker.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(taxonomy_path)
    ok = failed = 0
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        try:
            bill = parse_classify_line(line)
        except InvalidInput as exc:
            failed += 1
            record: dict[str, Any] = {"id": _guess_id(line), "line": number, "error": str(exc)}
        else:
            ok += 1
            tags = tag_bill(
                bill["title"], bill["abstract"], bill["subjects"], bill["text"], taxonomy=taxonomy
            )
            record = {
                "id": bill["id"],
                "topics": [t.as_dict(explain=explain) for t in tags],
            }
            if explain:
                record["taxonomy_version"] = taxonomy.version
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        out.flush()
    return ok, failed


def _guess_id(line: str) -> str | int | None:
    """The id of a malformed line when it can still be read, so the error is findable."""
    try:
        obj = json.loads(line)
    except (json.JSONDecodeError, RecursionError):
        return None
    if isinstance(obj, dict) and isinstance(obj.get("id"), (str, int)):
        return obj["id"]
    return None


@click.command()
@click.option(
    "--taxonomy",
    "taxonomy_path",
    type=click.Path(exists=True, dir_okay=False),
    help="Taxonomy YAML to use instead of the shipped default.",
)
@click.option("--explain", is_flag=True, help="Add the rule ids that fired to each topic.")
def classify(taxonomy_path: str | None, explain: bool) -> None:
    """Tag JSON lines from stdin: {"id","title","abstract","subjects"?,"text"?}."""
    try:
        stdin = sys.stdin
        _ok, failed = classify_stream(stdin, sys.stdout, taxonomy_path, explain)
    except InvalidInput as exc:  # a bad taxonomy file stops the run before any output
        raise click.ClickException(str(exc)) from exc
    if failed:
        click.echo(f"{failed} line(s) could not be classified; see their error lines.", err=True)
        sys.exit(1)


@click.command()
@click.argument("bill_ids", nargs=-1)
@click.option("--all", "all_bills", is_flag=True, help="Re-tag every bill.")
@click.option(
    "--stale",
    "--changed",
    "stale",
    is_flag=True,
    help="Tag bills never tagged or tagged with an older taxonomy version (default).",
)
@click.option("--taxonomy", "taxonomy_path", type=click.Path(exists=True, dir_okay=False))
@click.option("--enqueue", is_flag=True, help="Run on the `tag` queue instead of here.")
@click.option("--org", "org_slug", default=None, help="With `train`: one organization (slug).")
def tag(
    bill_ids: tuple[str, ...],
    all_bills: bool,
    stale: bool,
    taxonomy_path: str | None,
    enqueue: bool,
    org_slug: str | None,
) -> None:
    """(Re)tag bills in the database: by id, --all, or --stale (changed / older taxonomy).

    `tracker tag train [--org SLUG] [--enqueue]` retrains each organization's
    second-opinion classifier on the shipped labels plus its corrections (a bill id is
    never "train"), and re-scores only the opinions whose outcome changes.
    """
    if bill_ids[:1] == ("train",):
        if len(bill_ids) > 1 or all_bills or taxonomy_path:
            raise click.UsageError("`tag train` takes only --org and --enqueue")
        _train(org_slug, enqueue)
        return
    from tracker.db import session_scope
    from tracker.tagging_queries import select_bills_to_tag
    from tracker.tagging_service import tag_bills
    from tracker.taxonomy import load_taxonomy

    if bill_ids and all_bills:
        raise click.UsageError("give bill ids or --all, not both")
    settings = load_settings()
    try:
        taxonomy = load_taxonomy(taxonomy_path)
    except InvalidInput as exc:
        raise click.ClickException(str(exc)) from exc
    mode = "ids" if bill_ids else ("all" if all_bills else "stale")
    with session_scope(settings) as session:
        ids = list(bill_ids) if bill_ids else select_bills_to_tag(session, taxonomy, mode)
        if enqueue:
            from tracker.jobs import enqueue as enqueue_job
            from tracker.tasks import tag_and_score_bills

            handle = enqueue_job(settings, tag_and_score_bills, ids, queue="tag", job_timeout=3600)
            click.echo(f"Enqueued {len(ids)} bill(s) as job {handle.id} ({handle.status}).")
            return
        summary = _in_batches(session, ids, lambda batch: tag_bills(session, batch, taxonomy))
    click.echo(
        f"Tagged {summary['tagged']} bill(s) with taxonomy {taxonomy.version}; "
        f"{summary['topics']} topic(s) stored; {summary['missing']} id(s) not found."
    )


def _train(org_slug: str | None, enqueue: bool) -> None:
    """Train (or enqueue training of) the second-opinion classifiers."""
    settings = load_settings()
    if enqueue:
        from tracker.jobs import enqueue as enqueue_job
        from tracker.tasks import train_second_opinion

        handle = enqueue_job(
            settings, train_second_opinion, org_slug, queue="tag", job_timeout=3600
        )
        click.echo(f"Enqueued training as job {handle.id} ({handle.status}).")
        return
    from tracker.jobs import using_settings
    from tracker.tasks import train_second_opinion

    try:
        with using_settings(settings):
            summary = train_second_opinion(org_slug)
    except TrackerError as exc:
        raise click.ClickException(str(exc)) from exc
    for org in summary["organizations"]:
        if not org["trained"]:
            click.echo(f"org {org['org']}: model {org['version']} unchanged (same data).")
            continue
        click.echo(
            f"org {org['org']}: trained {org['version']} ({org['bytes']:,} bytes); "
            f"{org['scored']} bill(s) scored, {org['disagreements']} disagreement(s) "
            f"for review, {org['written']} written, {org['removed']} removed."
        )


@click.command()
@click.argument("bill_ids", nargs=-1)
@click.option("--all", "all_bills", is_flag=True, help="Re-score every bill (the default).")
@click.option("--similar", is_flag=True, help="First recompute similar bills (companions, copies).")
def score(bill_ids: tuple[str, ...], all_bills: bool, similar: bool) -> None:
    """Compute relevance, passage likelihood and momentum for bills (default: all)."""
    from sqlalchemy import select

    from tracker.db import session_scope
    from tracker.models import Bill
    from tracker.tagging_service import score_bills

    if bill_ids and all_bills:
        raise click.UsageError("give bill ids or --all, not both")
    settings = load_settings()
    with session_scope(settings) as session:
        ids = list(bill_ids) or list(session.scalars(select(Bill.id).order_by(Bill.id)))
        if similar:
            from tracker.similarity import update_similar_bills

            pairs = update_similar_bills(session, ids if bill_ids else None)
            click.echo(f"Similar bills: {pairs['pairs']} pair(s) among {pairs['bills']} bills.")
        summary = _in_batches(
            session, ids, lambda batch: score_bills(session, batch, today=settings.today())
        )
    click.echo(f"Scored {summary['scored']} bill(s); {summary['missing']} id(s) not found.")


def _in_batches(session, ids: list[str], work, size: int = 200) -> dict[str, int]:  # noqa: ANN001
    """Run `work(batch)` over ids with a progress bar; sums the summaries."""
    total: dict[str, int] = {}
    with click.progressbar(length=len(ids), label="bills", file=sys.stderr) as bar:
        for i in range(0, len(ids), size):
            batch = ids[i : i + size]
            for key, value in work(batch).items():
                if isinstance(value, int):
                    total[key] = total.get(key, 0) + value
            bar.update(len(batch))
    for key in ("tagged", "topics", "missing", "scored"):
        total.setdefault(key, 0)
    return total
