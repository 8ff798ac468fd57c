"""Tagging jobs on a real Redis with RQ's SimpleWorker, embedded mode, cron registration."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.tagging.helpers import ingest_demo
from tracker.jobs import queue_status
from tracker.models import JobRun
from tracker.schedule import Periodic, build_scheduler, periodic_jobs
from tracker.tagging_models import BillTagging
from tracker.tagging_queries import scores_for, topics_for
from tracker.tasks import enqueue_after_sync

pytestmark = pytest.mark.redis


def _work(redis_conn, *queues: str) -> None:  # noqa: ANN001
    from rq import Queue, SimpleWorker

    qs = [Queue(name, connection=redis_conn) for name in queues]
    SimpleWorker(qs, connection=redis_conn).work(burst=True)


def test_changed_bills_are_tagged_and_scored_by_a_worker_on_the_tag_queue(
    rq_settings, db, redis_conn
):
    from rq import Queue

    ids = ingest_demo(db, lambda r: r["jurisdiction"] in ("wa", "or"))
    handle = enqueue_after_sync(rq_settings, ids[:3])
    assert handle.status == "queued" and handle.queue == "tag"
    assert Queue("tag", connection=redis_conn).count == 1
    _work(redis_conn, "tag")
    db.expire_all()
    tagged = set(db.scalars(select(BillTagging.bill_id)))
    assert tagged == set(ids[:3])  # only the changed bills
    assert set(scores_for(db, ids)) == set(ids[:3])
    assert any(topics_for(db, ids[:3]).values())
    from rq.job import Job

    job = Job.fetch(handle.id, connection=redis_conn)
    assert job.return_value()["tagged"] == 3


def test_nothing_is_enqueued_when_a_sync_changed_nothing(rq_settings, redis_conn):
    from rq import Queue

    assert enqueue_after_sync(rq_settings, []) is None
    assert Queue("tag", connection=redis_conn).count == 0


def test_a_failing_tag_job_stays_in_the_failed_registry_and_shows_in_jobs(rq_settings, redis_conn):
    from tracker.jobs import enqueue

    enqueue(rq_settings, "tracker.tasks.tag_and_score_bills", None, queue="tag")  # bad argument
    _work(redis_conn, "tag")
    status = queue_status(rq_settings)
    assert status["queues"]["tag"]["failed"] == 1
    failed = status["failed"][0]
    assert failed["func"] == "tracker.tasks.tag_and_score_bills" and "TypeError" in failed["error"]


def test_embedded_mode_runs_the_same_job_in_process(settings, db):
    ids = ingest_demo(db, lambda r: r["jurisdiction"] == "co")
    handle = enqueue_after_sync(settings, ids)
    assert handle.status == "finished" and handle.result["tagged"] == len(ids)
    runs = {run.kind: run.status for run in db.scalars(select(JobRun))}
    # Tagging, then the alert check it chains (saved searches filter on topics).
    assert runs == {
        "tracker.tasks.tag_and_score_bills": "done",
        "tracker.alert_jobs.run_alerts": "done",
    }


def test_periodic_jobs_are_registered_on_rqs_cron_scheduler(rq_settings, redis_conn):
    scheduler = build_scheduler(rq_settings)
    registered = {job.func_name: job for job in scheduler.get_jobs()}
    assert registered["tracker.tasks.retag_stale"].queue_name == "tag"
    assert registered["tracker.tasks.retag_stale"].cron == "30 * * * *"
    assert registered["tracker.tasks.rescore_all"].next_enqueue_time is not None
    assert registered["outreach.brief_jobs.send_weekly_briefs"].queue_name == "briefs"
    assert registered["outreach.jobs.send_follow_up_reminders"].queue_name == "outreach"
    wanted = {p.func for p in periodic_jobs()}
    assert set(registered) <= wanted  # areas not installed are skipped, nothing invented


def test_cron_scheduler_enqueues_retagging_that_a_worker_runs(rq_settings, db, redis_conn):
    from rq import Queue

    ids = ingest_demo(db, lambda r: r["jurisdiction"] == "ny")
    scheduler = build_scheduler(
        rq_settings, [Periodic("tracker.tasks.retag_stale", "tag", interval=3600)]
    )
    enqueued = scheduler.enqueue_jobs()
    assert [j.func_name for j in enqueued] == ["tracker.tasks.retag_stale"]
    assert Queue("tag", connection=redis_conn).count == 1
    assert scheduler.enqueue_jobs() == []  # not due again for an hour
    _work(redis_conn, "tag")
    db.expire_all()
    assert set(db.scalars(select(BillTagging.bill_id))) == set(ids)
