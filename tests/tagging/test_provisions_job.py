"""The tagging job stores the 988 provisions of each texted version (real Redis + RQ)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from tests.tagging.helpers import ingest_demo
from tracker.jobs import enqueue
from tracker.models import BillVersion
from tracker.models.provisions import VersionProvisions
from tracker.textextract import store_version_text

pytestmark = pytest.mark.redis
TEXTS = Path(__file__).resolve().parents[1] / "fixtures" / "texts" / "wa"


def test_tag_job_on_a_worker_stores_provisions_of_both_hb1477_versions(rq_settings, db, redis_conn):
    from rq import Queue, SimpleWorker

    from scrapers.pipeline import tag_and_score

    ids = ingest_demo(db, lambda r: r["jurisdiction"] == "wa" and r["identifier"] == "HB 1477")
    assert ids == ["wa-202122-hb1477"]
    for pos, name in enumerate(("HB1477-1.md", "HB1477-S2.SL.md")):
        v = BillVersion(bill_id=ids[0], url=f"https://example.invalid/{name}", position=pos)
        db.add(v)
        db.flush()
        store_version_text(db, v, (TEXTS / name).read_bytes(), "text/plain")
    db.commit()  # rows the job reads, committed before it is enqueued
    handle = enqueue(rq_settings, tag_and_score, ids, queue="tag")
    assert handle.status == "queued"
    SimpleWorker([Queue("tag", connection=redis_conn)], connection=redis_conn).work(burst=True)
    db.expire_all()
    rows = db.execute(
        select(BillVersion.position, VersionProvisions.fee_cents, VersionProvisions.trust_fund)
        .join(VersionProvisions, VersionProvisions.version_id == BillVersion.id)
        .order_by(BillVersion.position)
    ).all()
    assert [tuple(r) for r in rows] == [(0, 75, True), (1, 40, True)]
