"""Jobs page: recent syncs with summaries, queue lengths, failed jobs with errors, retry."""

from __future__ import annotations

from flask import Flask

from tests.conftest import csrf_token, sign_in
from tests.web.conftest import PASSWORD


def test_jobs_page_lists_syncs_with_their_counts(app: Flask, db, world) -> None:  # noqa: ANN001
    from tracker.models import utcnow
    from tracker.models.collection import SyncRun

    db.add(
        SyncRun(
            source="congress-gov",
            mode="sync",
            status="ok",
            started_at=utcnow(),
            finished_at=utcnow(),
            fetched=40,
            inserted=3,
            updated=5,
            unchanged=32,
            message="stopped at the daily cap",
        )
    )
    db.commit()
    client = app.test_client()
    sign_in(client, world["users"][("alpha", "admin")].email, PASSWORD)
    html = client.get("/jobs").get_data(as_text=True)
    syncs = html[html.index('id="syncs"') :]
    assert "sync congress-gov" in syncs and "inserted: 3" in syncs and "unchanged: 32" in syncs
    assert "stopped at the daily cap" in syncs


def test_failed_rq_job_shows_its_error_and_retry_requeues_it(
    app: Flask,
    world,
    rq_settings,  # noqa: ANN001
) -> None:
    from rq import Queue, SimpleWorker

    from tracker.jobs import enqueue, redis_connection

    handle = enqueue(
        rq_settings, "tests.foundation.sample_jobs.fail", "source was down", queue="sync"
    )
    conn = redis_connection(rq_settings)
    SimpleWorker([Queue("sync", connection=conn)], connection=conn).work(burst=True)
    app.extensions["tracker.settings"] = rq_settings
    client = app.test_client()
    sign_in(client, world["users"][("alpha", "admin")].email, PASSWORD)
    assert "1 background job failed." in client.get("/").get_data(as_text=True)
    html = client.get("/jobs").get_data(as_text=True)
    assert "source was down" in html and f"/jobs/{handle.id}/retry" in html
    response = client.post(
        f"/jobs/{handle.id}/retry", data={"csrf_token": csrf_token(client, "/jobs")}
    )
    assert response.status_code == 302
    assert Queue("sync", connection=conn).count == 1  # back on the queue
