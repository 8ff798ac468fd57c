"""Background jobs of the collection area (RQ queue `sync`).

Arguments are strings; the job builds its settings and calls `scrapers.sync.run_sync`,
which holds the logic and is tested without RQ. Exceptions are not caught: RQ (or the
embedded runner) records the failure. Enqueue with `network=True` so RQ retries with
backoff (60 s, 5 min, 15 min).
"""

from __future__ import annotations

from typing import Any

from tracker.jobs import job_settings

SYNC_JOB_TIMEOUT = 3 * 3600  # a full LegiScan state or Congress.gov backfill is slow


def sync_source(
    source: str,
    jurisdiction: str | None = None,
    since: str | None = None,
    replay_dir: str | None = None,
    topics: list[str] | None = None,
    session: str | None = None,
    tag: bool = True,
) -> dict[str, Any]:
    """Run one incremental sync, then queue tagging of the changed bills; returns the summary."""
    from datetime import date, datetime

    from scrapers.sync import run_sync

    since_value = None
    if since:
        since_value = datetime.fromisoformat(since) if "T" in since else date.fromisoformat(since)
    summary = run_sync(
        job_settings(),
        source,
        jurisdiction=jurisdiction,
        since=since_value,
        replay_dir=replay_dir,
        topics=topics,
        session_name=session,
    )
    result = summary.as_dict()
    result["changed_bill_ids"] = sorted(summary.changed_bill_ids)
    if tag:
        from tracker.tasks import enqueue_after_sync

        handle = enqueue_after_sync(job_settings(), summary.changed_bill_ids)
        result["tag_job"] = handle.id if handle is not None else None
    return result


def enqueue_sync(settings: Any, source: str, **kwargs: Any) -> Any:
    """Put `sync_source` on the `sync` queue (or run it in-process without Redis)."""
    from tracker.jobs import enqueue

    return enqueue(
        settings,
        "scrapers.jobs.sync_source",
        source,
        queue="sync",
        job_timeout=SYNC_JOB_TIMEOUT,
        network=kwargs.get("replay_dir") is None,
        **kwargs,
    )


TEXTS_JOB_TIMEOUT = 2 * 3600


def fetch_texts(
    bill_ids: list[str] | None = None,
    scope: str = "scope",
    replay_dir: str | None = None,
    recheck: bool = False,
    tag: bool = True,
) -> dict[str, Any]:
    """Download and extract bill version texts (these bills, or the bills in `scope`),
    then queue tagging of the bills whose text changed; returns the summary."""
    from scrapers.texts import fetch_texts as run

    summary = run(job_settings(), bill_ids, scope=scope, replay_dir=replay_dir, recheck=recheck)
    result = summary.as_dict()
    if tag:
        from tracker.tasks import enqueue_after_sync

        handle = enqueue_after_sync(job_settings(), summary.changed_bill_ids)
        result["tag_job"] = handle.id if handle is not None else None
    return result


def enqueue_fetch_texts(settings: Any, bill_ids: list[str] | None = None, **kwargs: Any) -> Any:
    """Put `fetch_texts` on the `sync` queue (or run it in-process without Redis)."""
    from tracker.jobs import enqueue

    return enqueue(
        settings,
        "scrapers.jobs.fetch_texts",
        bill_ids,
        queue="sync",
        job_timeout=TEXTS_JOB_TIMEOUT,
        network=kwargs.get("replay_dir") is None,
        **kwargs,
    )
