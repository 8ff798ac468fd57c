"""Jobs page (site admins; jobs are site-wide): recent syncs, queue lengths, failed jobs, retry."""

from __future__ import annotations

import importlib.util

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from sqlalchemy import select

from tracker.errors import InvalidInput
from tracker.jobs import queue_status, retry_failed
from tracker.models import JobRun
from web.auth import site_admin_required
from web.db import db, settings
from web.views.forms import ButtonForm

bp = Blueprint("jobs", __name__)


def _recent_syncs() -> list[dict]:
    """Recent sync/import runs with their counts: SyncRun rows, or sync-like JobRuns."""
    if importlib.util.find_spec("tracker.models.collection") is not None:
        from tracker.models.collection import SyncRun

        runs = db().scalars(select(SyncRun).order_by(SyncRun.id.desc()).limit(30)).all()
        counts = ("fetched", "inserted", "updated", "unchanged", "quarantined", "requests")
        return [
            {
                "name": f"{r.mode} {r.source}" + (f" ({r.jurisdiction})" if r.jurisdiction else ""),
                "status": r.status,
                "started_at": r.started_at,
                "finished_at": r.finished_at,
                "summary": {k: getattr(r, k) for k in counts if getattr(r, k)},
                "message": r.message,
            }
            for r in runs
        ]
    runs = db().scalars(
        select(JobRun)
        .where(JobRun.kind.contains("sync") | JobRun.kind.contains("import"))
        .order_by(JobRun.id.desc())
        .limit(30)
    )
    return [
        {
            "name": r.kind,
            "status": r.status,
            "started_at": r.started_at,
            "finished_at": r.finished_at,
            "summary": (r.summary or {}).get("result") or {},
            "message": None,
        }
        for r in runs
    ]


@bp.route("/jobs")
@site_admin_required
def index():  # noqa: ANN201
    """What the background workers did and what failed."""
    from redis.exceptions import RedisError

    try:
        status = queue_status(settings())
        error = None
    except (RedisError, OSError) as exc:
        status, error = {"mode": "rq", "queues": {}, "failed": [], "running": []}, str(exc)
    failed_runs = (
        db()
        .scalars(
            select(JobRun).where(JobRun.status == "failed").order_by(JobRun.id.desc()).limit(30)
        )
        .all()
    )
    return render_template(
        "jobs/index.html",
        status=status,
        error=error,
        syncs=_recent_syncs(),
        failed_runs=failed_runs,
        button=ButtonForm(),
    )


@bp.route("/jobs/<job_id>/retry", methods=["POST"])
@site_admin_required
def retry(job_id: str):  # noqa: ANN201
    """Requeue a failed RQ job."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        retry_failed(settings(), job_id)
    except InvalidInput as exc:
        flash(str(exc))
    else:
        flash(f"Job {job_id} is queued again.")
    return redirect(url_for("jobs.index"))
