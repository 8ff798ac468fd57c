"""Tagging jobs on a real Redis with RQ's SimpleWorker, embedded mode, cron registration."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.schedule import Periodic, build_scheduler
from scrapers.pipeline import after_sync
from tests.tagging.helpers import ingest_demo
from tracker import tasks
from tracker.jobs import queue_status
from tracker.models import JobRun
from tracker.models.tagging import BillTagging
from tracker.tagging_queries import scores_for, topics_for

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
    [texts] = after_sync(rq_settings, ids[:3])  # the texts step first, on the sync queue
    assert texts.status == "queued" and texts.queue == "sync"
    _work(redis_conn, "sync")
    from rq.job import Job

    [handle_id] = Job.fetch(texts.id, connection=redis_conn).return_value()["next_jobs"]
    assert Queue("tag", connection=redis_conn).count == 1
    _work(redis_conn, "tag")
    db.expire_all()
    tagged = set(db.scalars(select(BillTagging.bill_id)))
    assert tagged == set(ids[:3])  # only the changed bills
    assert set(scores_for(db, ids)) == set(ids[:3])
    assert any(topics_for(db, ids[:3]).values())
    job = Job.fetch(handle_id, connection=redis_conn)
    assert job.return_value()["tagged"] == 3
    assert Queue("outreach", connection=redis_conn).count == 1  # then the alert check


def test_nothing_is_enqueued_when_a_sync_changed_nothing(rq_settings, redis_conn):
    from rq import Queue

    assert after_sync(rq_settings, []) == []
    assert Queue("sync", connection=redis_conn).count == 0
    assert Queue("tag", connection=redis_conn).count == 0


def test_a_failing_tag_job_stays_in_the_failed_registry_and_shows_in_jobs(rq_settings, redis_conn):
    from tracker.jobs import enqueue

    enqueue(rq_settings, tasks.tag_and_score_bills, None, queue="tag")  # bad argument
    _work(redis_conn, "tag")
    status = queue_status(rq_settings)
    assert status["queues"]["tag"]["failed"] == 1
    failed = status["failed"][0]
    assert failed["func"] == "tracker.tasks.tag_and_score_bills" and "TypeError" in failed["error"]


def test_embedded_mode_runs_the_same_job_in_process(settings, db):
    ids = ingest_demo(db, lambda r: r["jurisdiction"] == "co")
    [handle] = after_sync(settings, ids)
    assert handle.status == "finished" and handle.result["bills"] == len(ids)
    runs = {run.kind: run.status for run in db.scalars(select(JobRun))}
    # Texts, tagging, then the alert check (saved searches filter on topics).
    assert runs == {
        "scrapers.pipeline.fetch_texts": "done",
        "scrapers.pipeline.tag_and_score": "done",
        "scrapers.pipeline.send_alerts": "done",
    }
    assert set(db.scalars(select(BillTagging.bill_id))) == set(ids)


def test_periodic_jobs_are_registered_on_rqs_cron_scheduler(rq_settings, redis_conn):
    scheduler = build_scheduler(rq_settings)
    registered = {
        job.func_name: (job.queue_name, job.cron, job.interval) for job in scheduler.get_jobs()
    }
    assert registered == {
        "scrapers.pipeline.sync_all": ("sync", None, 6 * 3600),
        "tracker.tasks.retag_stale": ("tag", "30 * * * *", None),
        "tracker.tasks.rescore_all": ("tag", "15 5 * * *", None),
        "tracker.tasks.update_similarity": ("tag", "45 5 * * *", None),
        "tracker.tasks.train_second_opinion": ("tag", "0 6 * * 1", None),
        "outreach.briefs.jobs.send_weekly_briefs": ("briefs", "0 12 * * 1", None),
        "tracker.alert_jobs.send_daily_digest": ("outreach", "0 7 * * *", None),
        "outreach.jobs.reconcile": ("outreach", None, 300),
        "outreach.jobs.send_follow_up_reminders": ("outreach", "0 13 * * *", None),
    }
    assert all(job.next_enqueue_time is not None for job in scheduler.get_jobs() if job.cron)


def test_cron_scheduler_enqueues_retagging_that_a_worker_runs(rq_settings, db, redis_conn):
    from rq import Queue

    ids = ingest_demo(db, lambda r: r["jurisdiction"] == "ny")
    scheduler = build_scheduler(rq_settings, [Periodic(tasks.retag_stale, "tag", interval=3600)])
    enqueued = scheduler.enqueue_jobs()
    assert [j.func_name for j in enqueued] == ["tracker.tasks.retag_stale"]
    assert Queue("tag", connection=redis_conn).count == 1
    assert scheduler.enqueue_jobs() == []  # not due again for an hour
    _work(redis_conn, "tag")
    db.expire_all()
    assert set(db.scalars(select(BillTagging.bill_id))) == set(ids)
