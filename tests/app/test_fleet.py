"""A fleet shares the pipeline: big syncs become bounded jobs any worker can take, and a
job whose worker is killed mid-way runs again, redoing only its own chunk."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select, text

from scrapers import pipeline
from tests.tagging.helpers import ingest_demo
from tracker.models.tagging import BillTagging

ROOT = str(Path(__file__).resolve().parents[2])


@pytest.mark.redis
def test_a_big_sync_becomes_bounded_jobs_on_their_queues(rq_settings, redis_conn):
    from rq import Queue
    from rq.job import Job

    texts = pipeline.after_sync(rq_settings, [f"xx-2026-hb{i}" for i in range(450)])
    assert [len(Job.fetch(h.id, connection=redis_conn).args[0]) for h in texts] == [200, 200, 50]
    ids = [f"xx-2026-sb{i}" for i in range(1203)]
    tags = pipeline._then(pipeline.fetch_texts, rq_settings, ids + ids[:10])  # repeats dropped
    jobs = [Job.fetch(h.id, connection=redis_conn) for h in tags]
    assert [len(j.args[0]) for j in jobs] == [500, 500, 203]
    assert sorted(i for j in jobs for i in j.args[0]) == sorted(ids)
    assert {j.origin for j in jobs} == {"tag"} and Queue("tag", connection=redis_conn).count == 3
    assert {j.retries_left for j in jobs} == {2}  # a killed worker's job runs again


@pytest.mark.redis
def test_a_tag_job_whose_worker_is_killed_runs_again_and_only_it(
    rq_settings, redis_conn, db, engine, monkeypatch
):
    from rq import Queue, SimpleWorker
    from rq.job import Job
    from rq.registry import StartedJobRegistry

    ids = ingest_demo(db, lambda r: r["jurisdiction"] in ("wa", "or", "co"))
    assert len(ids) >= 4
    steps = list(pipeline.STEPS)
    steps[2] = dataclasses.replace(steps[2], chunk=len(ids) // 2 + 1)
    monkeypatch.setattr(pipeline, "STEPS", tuple(steps))
    first, second = pipeline._then(pipeline.fetch_texts, rq_settings, ids)
    queue = Queue("tag", connection=redis_conn)
    # Hold the tagging tables so the worker stalls on its first write, mid-job.
    lock = engine.connect()
    if engine.dialect.name == "sqlite":
        lock.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        lock.execute(text("BEGIN"))
        lock.execute(text("LOCK TABLE bill_topics, bill_taggings IN EXCLUSIVE MODE"))
    worker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from redis import Redis; from rq import Queue, SimpleWorker; import os;"
            "r = Redis.from_url(os.environ['REDIS_URL']);"
            "SimpleWorker([Queue('tag', connection=r)], connection=r).work(burst=True)",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": ROOT},
    )
    try:
        deadline = time.monotonic() + 60
        while first.id not in StartedJobRegistry(queue=queue).get_job_ids():
            assert time.monotonic() < deadline, "the worker never started the first job"
            time.sleep(0.1)
        time.sleep(1)  # inside the job, waiting on the lock
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
        lock.rollback()
        lock.close()
    assert db.scalars(select(BillTagging)).all() == []  # nothing half-written
    # RQ's maintenance finds the abandoned job (here: now, not after its heartbeat expires).
    StartedJobRegistry(queue=queue).cleanup(timestamp=time.time() + 10 * 3600)
    SimpleWorker([queue], connection=redis_conn).work(burst=True)
    killed, other = (Job.fetch(h.id, connection=redis_conn) for h in (first, second))
    assert killed.get_status() == other.get_status() == "finished"
    assert (killed.retries_left, other.retries_left) == (1, 2)  # only the killed one ran twice
    db.expire_all()
    assert sorted(db.scalars(select(BillTagging.bill_id))) == sorted(ids)


@pytest.mark.redis
def test_finished_tag_chunks_share_one_waiting_alert_job(rq_settings, redis_conn):
    """Alert detection reads the whole store, so chunks that finish while one alert job
    waits add none; once it has started, the next chunk's changes get a new one."""
    from rq import Queue
    from rq.job import Job

    first = pipeline._then(pipeline.tag_and_score, rq_settings, ["xx-2026-hb1"])
    again = pipeline._then(pipeline.tag_and_score, rq_settings, ["xx-2026-hb2", "xx-2026-hb3"])
    queue = Queue("outreach", connection=redis_conn)
    assert len(first) == len(again) == 1 and first[0].id == again[0].id
    assert queue.count == 1
    assert pipeline._then(pipeline.tag_and_score, rq_settings, []) == []
    # The waiting job starts (it reads everything committed so far): a later change needs
    # its own run.
    pipeline.started_once(rq_settings, pipeline.send_alerts)
    later = pipeline._then(pipeline.tag_and_score, rq_settings, ["xx-2026-hb4"])
    assert later[0].id != first[0].id and queue.count == 2
    # A marker whose job is gone (deleted before it ran) does not block alerts.
    Job.fetch(later[0].id, connection=redis_conn).delete()
    replaced = pipeline._then(pipeline.tag_and_score, rq_settings, ["xx-2026-hb5"])
    assert replaced[0].id not in (first[0].id, later[0].id)
    assert Job.fetch(replaced[0].id, connection=redis_conn).get_status() == "queued"
