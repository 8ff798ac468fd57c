"""Foundation commands: database migrations and job status (`tracker worker` and
`tracker scheduler` are in app/commands.py: they start the worker and the schedule)."""

from __future__ import annotations

import json

import click

from tracker import db as dbmod
from tracker.cli import load_settings
from tracker.jobs import queue_status


@click.group()
def db() -> None:
    """Migrate the database (SQLite or PostgreSQL)."""


@db.command()
@click.option("--revision", default="heads", show_default=True, help="Target revision.")
def upgrade(revision: str) -> None:
    """Apply migrations up to the latest revision."""
    settings = load_settings(need_secret=False)
    dbmod.upgrade(settings.database_url, revision)
    click.echo(f"Database at {_display(settings.database_url)} is at {revision}.")


@db.command()
@click.option("--revision", default="base", show_default=True, help="Target revision.")
@click.confirmation_option(prompt="This drops tables and their data. Continue?")
def downgrade(revision: str) -> None:
    """Revert migrations down to a revision (base drops everything)."""
    settings = load_settings(need_secret=False)
    dbmod.downgrade(settings.database_url, revision)
    click.echo(f"Database downgraded to {revision}.")


def _display(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
def jobs(as_json: bool) -> None:
    """Show queued, running and failed jobs (with their errors)."""
    settings = load_settings(need_secret=False)
    status = queue_status(settings)
    if as_json:
        click.echo(json.dumps(status, indent=2))
        return
    if status["mode"] == "embedded":
        click.echo("Embedded mode (no REDIS_URL): jobs run in-process. Recent runs:")
        for run in status["runs"]:
            line = f"  {run['id']:<12} {run['status']:<8} {run['func']}"
            click.echo(line + (f"  error: {run['error']}" if run["error"] else ""))
        if not status["runs"]:
            click.echo("  (none yet)")
        return
    for name, counts in status["queues"].items():
        click.echo(
            f"{name:<9} queued {counts['queued']:>4}  running {counts['running']:>3}  "
            f"failed {counts['failed']:>3}"
        )
    for job in status["running"]:
        click.echo(f"running  {job['id']}  {job['func']}")
    for job in status["failed"]:
        click.echo(f"failed   {job['id']}  {job['func']}  error: {job['error']}")
