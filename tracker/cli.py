"""The `tracker` command line.

The root group loads subcommands lazily from their own packages, so each area owns
its commands (`scrapers/cli.py`, `web/cli.py`, ...) and `tracker --help` imports
them only to print their one-line help. To add a command, add one line to COMMANDS.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click

from tracker.config import Settings
from tracker.errors import TrackerError

# name -> "module:attribute". Keep sorted by area; one line per command.
COMMANDS: dict[str, str] = {
    # foundation
    "db": "tracker.cli_core:db",
    "worker": "tracker.cli_core:worker",
    "scheduler": "tracker.cli_core:scheduler",
    "jobs": "tracker.cli_core:jobs",
    "serve": "web.cli:serve",
    "demo": "web.cli:demo",
    "org": "tracker.accounts_cli:org",
    "user": "tracker.accounts_cli:user",
    "alerts": "tracker.alert_jobs:alerts_cli",
    "search": "web.search_cli:search",
    "classify": "tracker.tagging_cli:classify",
    "tag": "tracker.tagging_cli:tag",
    "score": "tracker.tagging_cli:score",
    "sync": "scrapers.cli:sync",
    "import": "scrapers.cli:import_",
    "reparse": "scrapers.cli:reparse",
    "quarantine": "scrapers.cli:quarantine",
    "bills": "scrapers.cli:bills",
    "legislators": "scrapers.cli:legislators",
    "template": "outreach.cli:template",
    "outreach": "outreach.cli:outreach",
    "meetings": "outreach.cli:meetings",
    "brief": "outreach.brief_cli:brief",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        return getattr(importlib.import_module(module_name), attr)


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


def load_settings(demo: bool = False, need_secret: bool = True) -> Settings:
    """Settings for a command; a configuration error exits with its message."""
    try:
        return Settings.from_env(demo=demo, need_secret=need_secret)
    except TrackerError as exc:
        raise click.ClickException(str(exc)) from exc


def output_file(_ctx: click.Context, param: click.Parameter, value: object) -> object:
    """Click callback for `-o FILE`: the folder must exist (a typo is not a new folder)."""
    if value is None or str(value) == "-":
        return value
    parent = Path(str(value)).expanduser().parent
    if not parent.is_dir():
        raise click.BadParameter(
            f"folder {str(parent)!r} does not exist; create it first or choose another path",
            param=param,
        )
    return value


def main() -> None:
    """Console-script entry point: domain errors become clean messages, not tracebacks."""
    try:
        cli(standalone_mode=True)
    except TrackerError as exc:  # raised outside click's own handling
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
