"""`tracker worker` and `tracker scheduler`: the commands that start background processes."""

from __future__ import annotations

import click

from tracker.cli import load_settings
from tracker.jobs import QUEUES


@click.command()
@click.argument("queues", nargs=-1)
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option(
    "--with-scheduler",
    is_flag=True,
    help="Also run the periodic jobs (sync, re-tag, weekly brief, reminders); run one of these.",
)
def worker(queues: tuple[str, ...], burst: bool, with_scheduler: bool) -> None:
    """Run an RQ worker on the queues (default: sync, tag, outreach, briefs)."""
    import subprocess
    import sys

    import worker as worker_module

    unknown = set(queues) - set(QUEUES)
    if unknown:
        raise click.BadParameter(f"unknown queue(s): {', '.join(sorted(unknown))}")
    settings = load_settings()
    if settings.embedded:
        raise click.ClickException(
            "REDIS_URL is not set: without Redis, jobs run in-process and no worker is needed."
        )
    # The cron scheduler installs its own signal handlers, so it gets its own process.
    scheduler = subprocess.Popen([sys.executable, "-m", "app.schedule"]) if with_scheduler else None
    try:
        worker_module.main(list(queues) or None, burst=burst)
    finally:
        if scheduler is not None:
            scheduler.terminate()
            scheduler.wait(timeout=30)


@click.command()
def scheduler() -> None:
    """Enqueue the periodic jobs on time (RQ CronScheduler); run exactly one."""
    from app import schedule
    from tracker.jobs import job_name

    settings = load_settings()
    if settings.embedded:
        raise click.ClickException("REDIS_URL is not set: the scheduler needs Redis.")
    for job in schedule.periodic_jobs():
        when = job.cron or f"every {job.interval} s"
        click.echo(f"  {job.queue:<9} {when:<14} {job_name(job.func)}")
    schedule.main()
