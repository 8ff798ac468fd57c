"""The pipeline that runs itself: what follows a sync, on which queue, with which retries.

    sync_all()                 queue sync      every 6 h (app/schedule.py): one sync per source
      sync_source(source)      queue sync      network: Retry 60/300/900 s, 3 h timeout
        fetch_texts(ids)       queue sync      network: Retry 60/300/900 s, 1 h timeout,
                                               at most 200 bills per job
          tag_and_score(ids)   queue tag       CPU only: run again (twice at most) if its
                                               worker dies, 1 h timeout,
                                               at most 500 bills per job
            send_alerts()      queue outreach  SMTP/webhooks: Retry 60/300/900 s, 10 min

`STEPS` below is that list; each step is a module-level job that calls the plain function
holding its logic (`scrapers.sync.run_sync`, `tracker.tasks.tag_and_score_bills`,
`tracker.alert_jobs.run_alerts`) and then `_then(...)` enqueues the next step with the ids
of the bills that changed, split into jobs of at most the next step's `chunk` bills so
that any number of workers share a big sync (a 50-state backfill becomes hundreds of
texts and tag jobs, not one of each); each chunk continues the chain on its own. Every
step is idempotent (texts are fetched only when changed, tagging and scoring replace a
bill's rows, alert events are unique per change and their deliveries locked while sent),
so a job killed mid-way and retried redoes at most its own chunk. A step with nothing to
pass on ends the chain (a sync that
changed nothing tags nothing; tagging that changed nothing sends no alerts). A sync run
in-process (`tracker sync`, `tracker import`, `tracker reparse`, the demo) starts the chain
at the step after the sync with `after_sync(settings, changed_ids)`.

With Redis each step is an RQ job (RQ retries network steps with backoff; failures stay
in the failed registry and show in `tracker jobs`); without Redis every step runs
in-process in turn (tracker.jobs). This module lives in scrapers/ because collection starts
the chain and scrapers is the lowest package that can see every step (tracker sees none
of scrapers).

The texts step calls `scrapers.texts.fetch_texts` (docs/texts.md) on the changed bills
in scope; offline (the demo, tests) it fetches nothing and passes the ids on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tracker.config import Settings
from tracker.jobs import JobHandle, enqueue, enqueue_once, job_name, job_settings, started_once

SYNC_JOB_TIMEOUT = 3 * 3600  # a full LegiScan state or Congress.gov backfill is slow
SYNC_ALL_TIMEOUT = 600  # sync_all only enqueues
# Sources whose sync lists one state at a time (the rest know their jurisdiction).
NEEDS_JURISDICTION = ("openstates", "legiscan")


@dataclass(frozen=True)
class Step:
    """One step of the chain: its job, queue, timeout, whether it retries (network), and
    the most bill ids one job of it takes (None: all of them in one job)."""

    func: Callable[..., dict[str, Any]]
    queue: str
    timeout: int
    network: bool
    chunk: int | None = None
    retries: int = 0  # CPU steps: how often a job killed mid-way is run again
    # The job reads the whole store, not its ids: one waiting job covers every chunk
    # that finishes before it starts (`tracker.jobs.enqueue_once`).
    once: bool = False


def chunks(ids: Iterable[str], size: int | None) -> list[list[str]]:
    """The sorted, distinct ids in runs of at most `size` (one run when size is None)."""
    ordered = sorted(set(ids))
    if not ordered:
        return []
    step = size or len(ordered)
    return [ordered[i : i + step] for i in range(0, len(ordered), step)]


# --- the steps, in order -------------------------------------------------------------


def sync_all() -> dict[str, Any]:
    """Periodic job: enqueue one incremental sync per configured source (and state)."""
    settings = job_settings()
    planned, skipped = plan_syncs(settings)
    handles = [enqueue_sync(settings, source, jurisdiction=juris) for source, juris in planned]
    return {
        "enqueued": [f"{s}:{j}" if j else s for s, j in planned],
        "jobs": [h.id for h in handles],
        "skipped": skipped,
    }


def sync_source(
    source: str,
    jurisdiction: str | None = None,
    since: str | None = None,
    replay_dir: str | None = None,
    topics: list[str] | None = None,
    session: str | None = None,
    tag: bool = True,
) -> dict[str, Any]:
    """Step 1: one incremental sync of one source, then the next step on what changed."""
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
        result["next_jobs"] = _ids(_then(sync_source, job_settings(), result["changed_bill_ids"]))
    return result


def fetch_texts(
    bill_ids: list[str], scope: str = "scope", replay_dir: str | None = None
) -> dict[str, Any]:
    """Step 2: download and extract the version texts of the changed bills in `scope`
    (tagged, or tagged on their title/abstract, or watched; `all`: every one), then tag
    and score the changed bills and those whose text changed."""
    from scrapers.texts import bills_in_scope
    from scrapers.texts import fetch_texts as run_fetch
    from tracker.db import session_scope

    settings = job_settings()
    ids = sorted(set(bill_ids))
    result: dict[str, Any] = {"bills": len(ids)}
    if settings.offline and replay_dir is None:
        # The demo and tests: documents come from `tracker texts fetch --replay DIR`.
        result["note"] = "offline: no texts fetched"
        changed: set[str] = set()
    else:
        with session_scope(settings) as session:
            wanted = bills_in_scope(session, scope, candidates=ids)
        summary = run_fetch(settings, wanted, replay_dir=replay_dir)
        result.update(summary.as_dict())
        changed = summary.changed_bill_ids
    result["next_jobs"] = _ids(_then(fetch_texts, settings, set(ids) | changed))
    return result


def tag_and_score(bill_ids: list[str]) -> dict[str, Any]:
    """Step 3: (re)tag and (re)score the changed bills, then alerts if any were tagged."""
    from tracker.tasks import tag_and_score_bills

    summary = tag_and_score_bills(bill_ids, then_alert=False)
    # Alerts run after tagging because saved searches filter on topics and scores.
    summary["next_jobs"] = _ids(
        _then(tag_and_score, job_settings(), bill_ids if summary["tagged"] else [])
    )
    return summary


def send_alerts(bill_ids: list[str]) -> dict[str, Any]:
    """Step 4: detect changes on watched bills and saved-search matches; send alerts.

    Detection compares the store with what each alert last saw, so it covers every bill
    that changed, not only `bill_ids` (kept in the job's arguments for the jobs page).
    """
    from tracker.alert_jobs import run_alerts

    started_once(job_settings(), send_alerts)
    return run_alerts()


STEPS: tuple[Step, ...] = (
    Step(sync_source, "sync", SYNC_JOB_TIMEOUT, network=True),
    Step(fetch_texts, "sync", 3600, network=True, chunk=200),
    Step(tag_and_score, "tag", 3600, network=False, chunk=500, retries=2),
    Step(send_alerts, "outreach", 600, network=True, once=True),
)


# --- starting and continuing the chain ------------------------------------------------


def after_sync(
    settings: Settings, changed_bill_ids: Iterable[str], texts: str = "scope"
) -> list[JobHandle]:
    """Start the chain after a sync that ran in-process: the step after `sync_source`,
    as one job per chunk of bills (none when nothing changed).

    `texts` is the scope of the texts step (`scope`, `all`), or `none` to go straight
    to tagging (the texts were just fetched, or the user said so).
    """
    if texts == "none":
        return _then(fetch_texts, settings, changed_bill_ids)
    step = STEPS[1]
    kwargs = {} if texts == "scope" else {"scope": texts}
    return [
        enqueue(
            settings,
            step.func,
            ids,
            queue=step.queue,
            job_timeout=step.timeout,
            network=step.network,
            **kwargs,
        )
        for ids in chunks(changed_bill_ids, step.chunk)
    ]


def enqueue_sync(settings: Settings, source: str, **kwargs: Any) -> JobHandle:
    """Put step 1 (`sync_source`) on the `sync` queue (or run it in-process without Redis)."""
    step = STEPS[0]
    return enqueue(
        settings,
        step.func,
        source,
        queue=step.queue,
        job_timeout=step.timeout,
        network=kwargs.get("replay_dir") is None,
        **kwargs,
    )


def _then(
    current: Callable[..., Any], settings: Settings, bill_ids: Iterable[str]
) -> list[JobHandle]:
    """Enqueue the step after `current` on these bill ids, one job per chunk of them (a
    `once` step: one waiting job at most, shared by every chunk that finishes before it
    starts); nothing when there are none or `current` is the last step."""
    names = [job_name(s.func) for s in STEPS]
    position = names.index(job_name(current))
    if position + 1 >= len(STEPS):
        return []
    step = STEPS[position + 1]
    ids = sorted(set(bill_ids))
    if step.once:
        if not ids:
            return []
        return [
            enqueue_once(
                settings, step.func, ids, queue=step.queue, job_timeout=step.timeout,
                network=step.network, retries=step.retries,
            )
        ]  # fmt: skip
    return [
        enqueue(
            settings, step.func, chunk, queue=step.queue, job_timeout=step.timeout,
            network=step.network, retries=step.retries,
        )
        for chunk in chunks(ids, step.chunk)
    ]  # fmt: skip


def _ids(handles: list[JobHandle]) -> list[str]:
    return [h.id for h in handles]


def plan_syncs(settings: Settings) -> tuple[list[tuple[str, str | None]], dict[str, str]]:
    """Which (source, jurisdiction) pairs the scheduled sync runs, and why others are skipped.

    `SYNC_SOURCES` (default: every syncable source) narrows the list; a source whose API
    key is unset is skipped; Open States and LegiScan run once per `SYNC_JURISDICTIONS` state.
    """
    from scrapers import SYNCABLE, get_source

    planned: list[tuple[str, str | None]] = []
    skipped: dict[str, str] = {}
    for source in settings.sync_sources or SYNCABLE:
        key_setting = get_source(source).key_setting
        if key_setting and not getattr(settings, key_setting):
            skipped[source] = f"{key_setting.upper()} is not set"
        elif source in NEEDS_JURISDICTION and not settings.sync_jurisdictions:
            skipped[source] = "SYNC_JURISDICTIONS is not set"
        elif source in NEEDS_JURISDICTION:
            planned.extend((source, j) for j in settings.sync_jurisdictions)
        else:
            planned.append((source, None))
    return planned, skipped
