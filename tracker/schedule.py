"""Periodic jobs on RQ's CronScheduler (rq >= 2.4, `rq/cron.py`).

Run it next to the workers, as a second process:

    tracker worker &                # or several
    python -m tracker.schedule      # enqueues the periodic jobs below on time

Each entry names its job by dotted path; entries whose module is not installed (an
area not deployed) are skipped with a log line. CronScheduler only *enqueues*: the
jobs run on the ordinary workers, so their failures land in RQ's failed registry and
show in `tracker jobs` like any other job.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from tracker.config import Settings
from tracker.jobs import redis_connection, resolve

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    """One periodic job: what, where, and when (cron in the server's local time, or seconds)."""

    func: str
    queue: str
    cron: str | None = None
    interval: int | None = None  # seconds
    job_timeout: int = 3600
    description: str = ""


def periodic_jobs(sync_every_hours: int = 6) -> list[Periodic]:
    """The schedule: sync, tag what changed, rescore, similarity, weekly brief, reminders."""
    return [
        Periodic(
            "scrapers.jobs.sync_all",
            "sync",
            interval=sync_every_hours * 3600,
            description=f"collect bills from every source every {sync_every_hours} hours",
        ),
        Periodic(
            "tracker.tasks.retag_stale",
            "tag",
            cron="30 * * * *",
            description="tag new/changed bills and bills tagged by an older taxonomy",
        ),
        Periodic(
            "tracker.tasks.rescore_all",
            "tag",
            cron="15 5 * * *",
            description="daily: passage likelihood and momentum move with the calendar",
        ),
        Periodic(
            "tracker.tasks.update_similarity",
            "tag",
            cron="45 5 * * *",
            description="daily: similar bills across states",
        ),
        Periodic(
            "outreach.brief_jobs.send_weekly_briefs",
            "briefs",
            cron="0 12 * * 1",
            description="weekly brief, Mondays 12:00 (server time)",
        ),
        Periodic(
            "tracker.alert_jobs.send_daily_digest",
            "outreach",
            cron="0 7 * * *",
            description="daily alert digests, 07:00 (server time)",
        ),
        Periodic(
            "outreach.jobs.reconcile",
            "outreach",
            interval=300,
            description="every 5 minutes: re-enqueue letters stuck in queued/sending",
        ),
        Periodic(
            "outreach.jobs.send_follow_up_reminders",
            "outreach",
            cron="0 13 * * *",
            description="daily follow-up reminders",
        ),
    ]


def register_periodic_jobs(scheduler, jobs: list[Periodic] | None = None) -> list:  # noqa: ANN001
    """Register the periodic jobs on a CronScheduler; returns the CronJobs registered."""
    registered = []
    for job in jobs if jobs is not None else periodic_jobs():
        try:
            func = resolve(job.func)
        except (ImportError, AttributeError) as exc:
            log.warning("periodic job %s skipped: %s", job.func, exc)
            continue
        registered.append(
            scheduler.register(
                func,
                queue_name=job.queue,
                cron=job.cron,
                interval=job.interval,
                job_timeout=job.job_timeout,
                name=job.func,
            )
        )
    return registered


def build_scheduler(settings: Settings, jobs: list[Periodic] | None = None):  # noqa: ANN201
    """A CronScheduler on the configured Redis with the periodic jobs registered."""
    from rq.cron import CronScheduler

    scheduler = CronScheduler(connection=redis_connection(settings))
    register_periodic_jobs(scheduler, jobs)
    return scheduler


def main() -> None:
    """Entry point for `python -m tracker.schedule`."""
    settings = Settings.from_env()
    if settings.embedded:
        raise SystemExit("REDIS_URL is not set: the scheduler needs Redis")
    logging.basicConfig(level=logging.INFO)
    build_scheduler(settings).start()


if __name__ == "__main__":
    main()
