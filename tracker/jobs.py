"""One way to run background work.

With `REDIS_URL` set, `enqueue` puts the job on an RQ queue and a worker (`worker.py`,
`tracker worker`) runs it. Without Redis (embedded mode, one laptop) the same job
function runs in-process right away and its outcome is recorded as a JobRun row, so
failures stay visible either way. Job functions are module-level, take ids and
strings, and get their settings from `job_settings()`. Callers pass the function
itself (`enqueue(settings, send_letter, 7, queue="outreach")`), so a typo is an
ImportError where the caller is imported; RQ stores it by its dotted name.

rq and redis are imported inside functions: importing tracker never loads them.
"""

from __future__ import annotations

import contextvars
import importlib
import logging
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tracker.config import Settings
from tracker.errors import InvalidInput

log = logging.getLogger(__name__)

QUEUES = ("sync", "tag", "outreach", "briefs")
# Network-bound work retries with backoff (STYLE: Retry(max=3, interval=[60, 300, 900])).
NETWORK_RETRY_INTERVALS = (60, 300, 900)

_current_settings: contextvars.ContextVar[Settings | None] = contextvars.ContextVar(
    "tracker_job_settings", default=None
)


def job_settings() -> Settings:
    """Settings for code running inside a job: the caller's in embedded mode, else the env."""
    return _current_settings.get() or Settings.from_env()


@contextmanager
def using_settings(settings: Settings) -> Iterator[None]:
    """Make `settings` what jobs see in this context (embedded runs, the worker process)."""
    token = _current_settings.set(settings)
    try:
        yield
    finally:
        _current_settings.reset(token)


@dataclass
class JobHandle:
    """What enqueue returns: enough to show status now or look the job up later."""

    id: str
    queue: str
    func: str
    status: str  # queued | finished | failed
    result: Any = None
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


JobFunc = Callable[..., Any] | str


def resolve(func: JobFunc) -> Callable[..., Any]:
    """The job function: `func` itself, or the function a dotted path names."""
    if callable(func):
        return func
    module_name, _, attr = func.rpartition(".")
    if not module_name:
        raise InvalidInput(f"job function must be a dotted path, got {func!r}")
    return getattr(importlib.import_module(module_name), attr)


def redis_connection(settings: Settings):  # noqa: ANN201 - redis.Redis
    """A Redis client for the configured REDIS_URL."""
    from redis import Redis

    return Redis.from_url(settings.redis_url)


def job_name(func: JobFunc) -> str:
    """The dotted name RQ stores and `tracker jobs` shows (`outreach.jobs.send_letter`)."""
    if isinstance(func, str):
        return func
    if "<" in func.__qualname__:  # a lambda or a nested function cannot be found by a worker
        raise InvalidInput(f"job function must be module-level, got {func.__qualname__}")
    return f"{func.__module__}.{func.__qualname__}"


def enqueue(
    settings: Settings,
    func: JobFunc,
    *args: Any,
    queue: str = "sync",
    job_timeout: int = 600,
    network: bool = False,
    job_id: str | None = None,
    retries: int = 0,
    **kwargs: Any,
) -> JobHandle:
    """Run `func(*args, **kwargs)` on `queue`: via RQ with Redis, in-process without.

    Network jobs are retried with backoff (`NETWORK_RETRY_INTERVALS`); others `retries`
    times at once, which is what brings back a job whose worker was killed mid-way (RQ
    re-queues an abandoned job that has retries left; the job must be idempotent).

    `func` is the job function (preferred) or its dotted path, which is resolved here so a
    typo fails at the call site, not in the worker.
    """
    if queue not in QUEUES:
        raise InvalidInput(f"unknown queue {queue!r}; expected one of {', '.join(QUEUES)}")
    function = resolve(func)
    func_path = job_name(func)
    if settings.embedded:
        return _run_inline(settings, function, func_path, args, kwargs, queue)
    from rq import Queue, Retry

    q = Queue(queue, connection=redis_connection(settings))
    job = q.enqueue(
        func_path if isinstance(func, str) else function,
        *args,
        job_timeout=job_timeout,
        retry=(
            Retry(max=3, interval=list(NETWORK_RETRY_INTERVALS))
            if network
            else (Retry(max=retries) if retries else None)
        ),
        job_id=job_id,
        result_ttl=7 * 24 * 3600,
        failure_ttl=30 * 24 * 3600,
        **kwargs,
    )
    return JobHandle(id=job.id, queue=queue, func=func_path, status="queued")


ONCE_TTL = 6 * 3600  # a waiting-job marker outlives any queue wait; never blocks forever
_WAITING = ("queued", "deferred", "scheduled")


def _once_key(func: JobFunc) -> str:
    return f"tracker:once:{job_name(func)}"


def enqueue_once(
    settings: Settings, func: JobFunc, *args: Any, queue: str, **kwargs: Any
) -> JobHandle:
    """`enqueue`, but at most one job of `func` waits at a time: while one is queued and
    not yet started, this returns that job instead of adding another.

    For jobs that read the whole store rather than their arguments (alert detection), so
    300 finished tagging chunks cause one run, not 300. The job calls `started_once(func)`
    first: a change committed after it started enqueues a new one. A marker whose job is
    gone (failed before starting, deleted) is replaced. Embedded mode runs every call.
    """
    if settings.embedded:
        return enqueue(settings, func, *args, queue=queue, **kwargs)
    import uuid

    from rq.job import Job

    conn = redis_connection(settings)
    key = _once_key(func)
    for _ in range(3):
        job_id = uuid.uuid4().hex
        if conn.set(key, job_id, nx=True, ex=ONCE_TTL):
            return enqueue(settings, func, *args, queue=queue, job_id=job_id, **kwargs)
        waiting = conn.get(key)
        if waiting is None:  # it started between the two calls: try again
            continue
        waiting_id = waiting.decode()
        job = Job.fetch_many([waiting_id], connection=conn)[0]
        if job is not None and job.get_status(refresh=False) in _WAITING:
            return JobHandle(id=waiting_id, queue=queue, func=job_name(func), status="queued")
        conn.delete(key)  # its job is gone or past waiting: the marker is stale
    return enqueue(settings, func, *args, queue=queue, **kwargs)


def started_once(settings: Settings, func: JobFunc) -> None:
    """Called by a job enqueued with `enqueue_once` as it starts: later changes need a new run."""
    if not settings.embedded:
        redis_connection(settings).delete(_once_key(func))


def _run_inline(
    settings: Settings,
    function: Callable[..., Any],
    func_path: str,
    args: tuple,
    kwargs: dict,
    queue: str,
) -> JobHandle:
    """Embedded mode: run now, record the outcome as a JobRun, never raise to the caller."""
    from tracker.db import session_scope
    from tracker.models import JobRun, utcnow

    with session_scope(settings) as session:
        run = JobRun(
            kind=func_path, status="running", summary={"queue": queue, "args": _jsonable(args)}
        )
        session.add(run)
        session.commit()
        run_id = run.id
    handle = JobHandle(id=f"inline-{run_id}", queue=queue, func=func_path, status="finished")
    try:
        with using_settings(settings):
            handle.result = function(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - the embedded runner is a boundary, like RQ's
        handle.status, handle.error = "failed", f"{type(exc).__name__}: {exc}"
        log.error("job %s failed: %s", func_path, handle.error)
        trace = traceback.format_exc()
    else:
        trace = None
    with session_scope(settings) as session:
        run = session.get(JobRun, run_id)
        run.status = "done" if handle.status == "finished" else "failed"
        run.finished_at = utcnow()
        run.error = trace
        if isinstance(handle.result, dict):
            run.summary = {**run.summary, "result": _jsonable(handle.result)}
        session.commit()
    return handle


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def queue_status(settings: Settings) -> dict[str, Any]:
    """Queue lengths and failed jobs (RQ), or recent runs (embedded)."""
    if settings.embedded:
        from sqlalchemy import select

        from tracker.db import session_scope
        from tracker.models import JobRun

        with session_scope(settings) as session:
            runs = session.scalars(select(JobRun).order_by(JobRun.id.desc()).limit(50)).all()
            return {
                "mode": "embedded",
                "queues": {},
                "runs": [
                    {
                        "id": f"inline-{r.id}",
                        "func": r.kind,
                        "status": r.status,
                        "started_at": r.started_at.isoformat() if r.started_at else None,
                        "error": (r.error or "").strip().splitlines()[-1] if r.error else None,
                    }
                    for r in runs
                ],
            }
    from rq import Queue
    from rq.job import Job
    from rq.registry import FailedJobRegistry, StartedJobRegistry

    conn = redis_connection(settings)
    queues: dict[str, Any] = {}
    failed: list[dict[str, Any]] = []
    running: list[dict[str, Any]] = []
    for name in QUEUES:
        q = Queue(name, connection=conn)
        failed_reg = FailedJobRegistry(queue=q)
        started_reg = StartedJobRegistry(queue=q)
        queues[name] = {
            "queued": q.count,
            "running": started_reg.count,
            "failed": failed_reg.count,
        }
        for job in Job.fetch_many(failed_reg.get_job_ids(), connection=conn):
            if job is None:
                continue
            failed.append(
                {
                    "id": job.id,
                    "queue": name,
                    "func": job.func_name,
                    "error": (job.latest_result().exc_string or "").strip().splitlines()[-1]
                    if job.latest_result()
                    else None,
                    "ended_at": job.ended_at.isoformat() if job.ended_at else None,
                }
            )
        for job in Job.fetch_many(started_reg.get_job_ids(), connection=conn):
            if job is not None:
                running.append({"id": job.id, "queue": name, "func": job.func_name})
    return {"mode": "rq", "queues": queues, "failed": failed, "running": running}


def retry_failed(settings: Settings, job_id: str) -> None:
    """Requeue a failed RQ job (the web jobs page's retry button)."""
    if settings.embedded:
        raise InvalidInput("in embedded mode jobs run at once; run the command again to retry")
    from rq.job import Job

    Job.fetch(job_id, connection=redis_connection(settings)).requeue()
