"""Periodic jobs on RQ's CronScheduler (rq >= 2.4, `rq/cron.py`).

Run it next to the workers, as a second process:

    tracker worker &                # or several
    tracker scheduler               # (or python -m app.schedule) enqueues the jobs below on time

Each entry holds its job function itself, so a renamed or missing job is an ImportError
when this module loads (and in tests/app/test_registries.py), never a silent skip.
CronScheduler only *enqueues*: the jobs run on the ordinary workers, so their failures
land in RQ's failed registry and show in `tracker jobs` like any other job.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from outreach import jobs as outreach_jobs
from outreach.briefs import jobs as brief_jobs
from scrapers import pipeline
from tracker import alert_jobs, tasks
from tracker.config import Settings
from tracker.jobs import job_name, redis_connection

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    """One periodic job: what, where, and when (cron in the server's local time, or seconds)."""

    func: Callable[..., Any]
    queue: str
    cron: str | None = None
    interval: int | None = None  # seconds
    job_timeout: int = 3600
    description: str = ""


def periodic_jobs(sync_every_hours: int = 6) -> list[Periodic]:
    """The schedule: sync, tag what changed, rescore, similarity, weekly brief, reminders."""
    return [
        Periodic(
            pipeline.sync_all,
            "sync",
            interval=sync_every_hours * 3600,
            job_timeout=pipeline.SYNC_ALL_TIMEOUT,
            description=f"collect bills from every source every {sync_every_hours} hours",
        ),
        Periodic(
            tasks.retag_stale,
            "tag",
            cron="30 * * * *",
            description="tag new/changed bills and bills tagged by an older taxonomy",
        ),
        Periodic(
            tasks.rescore_all,
            "tag",
            cron="15 5 * * *",
            description="daily: passage likelihood and momentum move with the calendar",
        ),
        Periodic(
            tasks.update_similarity,
            "tag",
            cron="45 5 * * *",
            description="daily: similar bills across states",
        ),
        Periodic(
            tasks.train_second_opinion,
            "tag",
            cron="0 6 * * 1",
            description="weekly: retrain each organization's second opinion on its verdicts",
        ),
        Periodic(
            brief_jobs.send_weekly_briefs,
            "briefs",
            cron="0 12 * * 1",
            description="weekly brief, Mondays 12:00 (server time)",
        ),
        Periodic(
            alert_jobs.send_daily_digest,
            "outreach",
            cron="0 7 * * *",
            description="daily alert digests, 07:00 (server time)",
        ),
        Periodic(
            outreach_jobs.reconcile,
            "outreach",
            interval=300,
            description="every 5 minutes: re-enqueue letters stuck in queued/sending",
        ),
        Periodic(
            outreach_jobs.send_follow_up_reminders,
            "outreach",
            cron="0 13 * * *",
            description="daily follow-up reminders",
        ),
    ]


def register_periodic_jobs(scheduler, jobs: list[Periodic] | None = None) -> list:  # noqa: ANN001
    """Register the periodic jobs on a CronScheduler; returns the CronJobs registered."""
    return [
        scheduler.register(
            job.func,
            queue_name=job.queue,
            cron=job.cron,
            interval=job.interval,
            job_timeout=job.job_timeout,
            name=job_name(job.func),
        )
        for job in (jobs if jobs is not None else periodic_jobs())
    ]


def build_scheduler(settings: Settings, jobs: list[Periodic] | None = None):  # noqa: ANN201
    """A CronScheduler on the configured Redis with the periodic jobs registered."""
    from rq.cron import CronScheduler

    scheduler = CronScheduler(connection=redis_connection(settings))
    register_periodic_jobs(scheduler, jobs)
    return scheduler


def main() -> None:
    """Entry point for `python -m app.schedule` and `tracker scheduler`."""
    settings = Settings.from_env()
    if settings.embedded:
        raise SystemExit("REDIS_URL is not set: the scheduler needs Redis")
    logging.basicConfig(level=logging.INFO)
    build_scheduler(settings).start()


if __name__ == "__main__":
    main()
