"""The `tracker` command line: every command of every area, registered here.

Each area owns its commands (`scrapers/cli.py`, `outreach/cli.py`, `web/cli.py`, ...);
this root only lists them. Entries are imported on first use so that `tracker db upgrade`
loads neither Flask nor the scrapers, and `tracker --help` prints SHORT_HELP without
importing any area; `tests/app/test_registries.py` loads every entry (a missing module or
attribute fails there) and checks SHORT_HELP against each command's own help.

To add a command: write it in its area's cli module, then add one line to COMMANDS,
e.g. `"texts": lambda: _scrapers().texts,`, and its one-line help to SHORT_HELP.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import click

from tracker.errors import TrackerError

# One loader per area module: the import statement is the wiring (tools and tests follow it).


def _core():  # noqa: ANN202 - modules
    from tracker import cli_core

    return cli_core


def _accounts():  # noqa: ANN202
    from tracker import accounts_cli

    return accounts_cli


def _alerts():  # noqa: ANN202
    from tracker import alert_jobs

    return alert_jobs


def _tagging():  # noqa: ANN202
    from tracker import tagging_cli

    return tagging_cli


def _scrapers():  # noqa: ANN202
    from scrapers import cli

    return cli


def _outreach():  # noqa: ANN202
    from outreach import cli

    return cli


def _briefs():  # noqa: ANN202
    from outreach.briefs import cli as brief_cli

    return brief_cli


def _web():  # noqa: ANN202
    from web import cli

    return cli


def _search():  # noqa: ANN202
    from web import search_cli

    return search_cli


def _root():  # noqa: ANN202
    from app import commands

    return commands


def _demo():  # noqa: ANN202
    from app import demo

    return demo


# name -> loader. Keep grouped by area; one line per command.
COMMANDS: dict[str, Callable[[], click.Command]] = {
    # foundation
    "db": lambda: _core().db,
    "worker": lambda: _root().worker,
    "scheduler": lambda: _root().scheduler,
    "jobs": lambda: _core().jobs,
    "serve": lambda: _web().serve,
    "demo": lambda: _demo().demo,
    "org": lambda: _accounts().org,
    "user": lambda: _accounts().user,
    "alerts": lambda: _alerts().alerts_cli,
    "search": lambda: _search().search,
    # tagging
    "classify": lambda: _tagging().classify,
    "tag": lambda: _tagging().tag,
    "score": lambda: _tagging().score,
    # collection
    "sync": lambda: _scrapers().sync,
    "import": lambda: _scrapers().import_,
    "reparse": lambda: _scrapers().reparse,
    "quarantine": lambda: _scrapers().quarantine,
    "texts": lambda: _scrapers().texts,
    "bills": lambda: _scrapers().bills,
    "legislators": lambda: _scrapers().legislators,
    # outreach and briefs
    "template": lambda: _outreach().template,
    "outreach": lambda: _outreach().outreach,
    "meetings": lambda: _outreach().meetings,
    "brief": lambda: _briefs().brief,
}


# name -> one-line help, shown by `tracker --help` without importing any area (cold start).
# tests/app/test_registries.py checks each line equals its command's own short help.
SHORT_HELP: dict[str, str] = {
    "db": "Migrate the database (SQLite or PostgreSQL).",
    "worker": "Run an RQ worker on the queues (default: sync, tag, outreach, briefs).",
    "scheduler": "Enqueue the periodic jobs on time (RQ CronScheduler); run exactly one.",
    "jobs": "Show queued, running and failed jobs (with their errors).",
    "serve": "Serve the web app (waitress; put a TLS proxy in front in production).",
    "demo": "Migrate, load the bundled real bills through the pipeline, and serve the app.",
    "org": "Organizations (a policy team or a coalition).",
    "user": "Users who sign in to the web app.",
    "alerts": "Detect and send alerts (watched-bill changes, saved-search matches).",
    "search": "The bill full-text index.",
    "classify": 'Tag JSON lines from stdin: {"id","title","abstract","subjects"?,"text"?}.',
    "tag": "(Re)tag bills in the database: by id, --all, or --stale (changed / older taxonomy).",
    "score": "Compute relevance, passage likelihood and momentum for bills (default: all).",
    "sync": "Incremental sync from the sources' APIs and sites (resumes an interrupted run).",
    "import": "Import recorded payload files or directories through the parsers and ingest.",
    "reparse": "Rebuild bills from the raw-response archive with the current parsers (no network).",
    "quarantine": "Payloads that failed to parse.",
    "texts": "Bill version documents: download, archive and extract their text.",
    "bills": "Bills in the store.",
    "legislators": "Legislators in the store.",
    "template": "Check and preview letter templates (sandboxed Jinja2).",
    "outreach": "Letter delivery: reconcile the outbox, print batches, bounces.",
    "meetings": "The meeting log: export and follow-up reminders.",
    "brief": "Build the policy brief (default: last full ISO week in the org's time zone).",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        load = COMMANDS.get(name)
        return load() if load is not None else None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from SHORT_HELP: `tracker --help` imports no area."""
        with formatter.section("Commands"):
            formatter.write_dl([(name, SHORT_HELP[name]) for name in self.list_commands(ctx)])


@click.group(
    cls=LazyGroup,
    context_settings={
        "help_option_names": ["-h", "--help"],
        "max_content_width": 120,
        "terminal_width": 120,
    },
)
def cli() -> None:
    """mh-policy-tracker: collect, tag and act on mental-health policy bills."""


def main() -> None:
    """Console-script entry point: domain errors become clean messages, not tracebacks."""
    try:
        cli(standalone_mode=True)
    except TrackerError as exc:  # raised outside click's own handling
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
