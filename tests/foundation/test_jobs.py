from __future__ import annotations

from rq import Queue, SimpleWorker
from rq.registry import FailedJobRegistry
from sqlalchemy import select

from tests.foundation import sample_jobs
from tracker.jobs import enqueue, queue_status
from tracker.models import JobRun, Organization


def test_embedded_mode_runs_the_job_in_process_and_records_it(settings, db):
    handle = enqueue(settings, sample_jobs.add_org, "Inline Org", queue="sync")
    assert handle.status == "finished"
    assert handle.result == {"orgs": 1}
    assert db.scalars(select(Organization.name)).all() == ["Inline Org"]
    run = db.scalars(select(JobRun)).one()
    assert (run.kind, run.status) == ("tests.foundation.sample_jobs.add_org", "done")


def test_embedded_failure_is_recorded_not_raised(settings, db):
    handle = enqueue(settings, sample_jobs.fail, "source down", queue="sync")
    assert handle.status == "failed"
    assert "source down" in handle.error
    status = queue_status(settings)
    assert status["mode"] == "embedded"
    assert status["runs"][0]["status"] == "failed"
    assert "RuntimeError: source down" in status["runs"][0]["error"]


def test_rq_mode_queues_and_a_real_worker_runs_it(rq_settings, redis_conn, db):
    handle = enqueue(rq_settings, sample_jobs.add_org, "Queued Org", queue="tag")
    assert handle.status == "queued"
    assert db.scalars(select(Organization)).all() == []  # nothing ran yet
    queue = Queue("tag", connection=redis_conn)
    assert queue.count == 1
    SimpleWorker([queue], connection=redis_conn).work(burst=True)
    db.expire_all()
    assert db.scalars(select(Organization.name)).all() == ["Queued Org"]
    assert queue.fetch_job(handle.id).return_value() == {"orgs": 1}


def test_rq_failures_stay_in_the_failed_registry_and_show_in_status(rq_settings, redis_conn):
    handle = enqueue(rq_settings, sample_jobs.fail, "boom", queue="outreach")
    queue = Queue("outreach", connection=redis_conn)
    SimpleWorker([queue], connection=redis_conn).work(burst=True)
    assert handle.id in FailedJobRegistry(queue=queue).get_job_ids()
    status = queue_status(rq_settings)
    assert status["queues"]["outreach"]["failed"] == 1
    assert status["failed"][0]["id"] == handle.id
    assert "boom" in status["failed"][0]["error"]


def test_enqueue_rejects_unknown_queue_and_function(settings):
    import pytest

    from tracker.errors import InvalidInput

    with pytest.raises(InvalidInput, match="unknown queue"):
        enqueue(settings, sample_jobs.fail, queue="nope")
    # A dotted path still works, and a typo in one fails at the call site, not in a worker.
    with pytest.raises(AttributeError):
        enqueue(settings, "tests.foundation.sample_jobs.missing", queue="sync")
    with pytest.raises(InvalidInput, match="module-level"):
        enqueue(settings, lambda: None, queue="sync")


def test_a_job_function_is_stored_and_shown_by_its_dotted_name(rq_settings, redis_conn):
    handle = enqueue(rq_settings, sample_jobs.add_org, "Named Org", queue="sync")
    assert handle.func == "tests.foundation.sample_jobs.add_org"
    job = Queue("sync", connection=redis_conn).fetch_job(handle.id)
    assert job.func_name == "tests.foundation.sample_jobs.add_org"


def test_tracker_worker_command_works_the_queue_in_burst_mode(rq_settings, redis_conn, db):
    import os
    import subprocess
    import sys
    from pathlib import Path

    handle = enqueue(rq_settings, sample_jobs.add_org, "Worker Org", queue="sync")
    root = Path(__file__).resolve().parents[2]
    tracker = Path(sys.executable).parent / "tracker"
    proc = subprocess.run(
        [str(tracker), "worker", "sync", "--burst"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},  # the sample job lives in tests/
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    db.expire_all()
    assert db.scalars(select(Organization.name)).all() == ["Worker Org"]
    assert Queue("sync", connection=redis_conn).fetch_job(handle.id).get_status() == "finished"
