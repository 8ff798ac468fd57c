"""Alert jobs (queue "outreach") and the `tracker alerts` command.

`run_alerts` is the last step of the pipeline after every sync (scrapers/pipeline.py);
`send_daily_digest` is scheduled once a day (app/schedule.py; or cron `tracker alerts digest`).
"""

from __future__ import annotations

import click

from tracker import alerts
from tracker.db import session_scope
from tracker.jobs import job_settings


def run_alerts() -> dict:
    """Detect changes on watched bills and new saved-search matches; send immediate alerts."""
    settings = job_settings()
    with session_scope(settings) as session:
        return alerts.run(settings, session)


def send_daily_digest() -> dict:
    """Send every pending daily-digest delivery, one message per subscription."""
    settings = job_settings()
    with session_scope(settings) as session:
        return alerts.deliver_pending(settings, session, "daily")


@click.group("alerts")
def alerts_cli() -> None:
    """Detect and send alerts (watched-bill changes, saved-search matches)."""


@alerts_cli.command("run")
@click.option("--enqueue", is_flag=True, help="Put the job on the outreach queue instead.")
def run_command(enqueue: bool) -> None:
    """Detect changes now and send immediate alerts."""
    _dispatch(run_alerts, enqueue)


@alerts_cli.command("digest")
@click.option("--enqueue", is_flag=True, help="Put the job on the outreach queue instead.")
def digest_command(enqueue: bool) -> None:
    """Send the daily digests."""
    _dispatch(send_daily_digest, enqueue)


def _dispatch(job, enqueue: bool) -> None:  # noqa: ANN001 - a job function
    from tracker.cli import load_settings
    from tracker.jobs import enqueue as enqueue_job
    from tracker.jobs import using_settings

    settings = load_settings()
    if enqueue:
        handle = enqueue_job(settings, job, queue="outreach", network=True)
        click.echo(f"{handle.status}: {handle.id}")
        return
    with using_settings(settings):
        click.echo(job())
