"""Similarity in chunks: stored signatures and LSH bands find exactly the pairs one
in-memory MinHashLSH over every bill finds, re-runs sign only changed documents, and the
daily run is bounded jobs that RQ workers share."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.tagging.helpers import ingest_demo
from tracker.ingest import ingest
from tracker.models import Bill, BillVersion
from tracker.models.tagging import BillSignature, SignatureBand, SimilarBill
from tracker.records import BillRecord
from tracker.similarity import (
    band_ranges,
    bill_document,
    find_similar,
    store_signatures,
    update_similar_bills,
)
from tracker.textextract import store_version_text

TEXTS = Path(__file__).resolve().parents[1] / "fixtures" / "texts"


@pytest.fixture
def corpus(db):  # noqa: ANN001, ANN201
    """The demo bills, two of them with the real texts of the Dental Compact (WA, MO)."""
    ids = ingest_demo(db)
    ingest(
        db, [BillRecord(jurisdiction="mo", session="2024", identifier="HB 2075", title="Dental")]
    )
    (wa,) = [i for i in ids if i.startswith("wa-") and i.endswith("hb1939")]
    for bill_id, name in ((wa, "wa/HB1576-S.SL.md"), ("mo-2024-hb2075", "mo/HB2075_full_text.md")):
        v = BillVersion(bill_id=bill_id, url=f"https://example.org/{name}", date=date(2024, 1, 1))
        db.add(v)
        db.flush()
        store_version_text(db, v, (TEXTS / name).read_bytes(), "text/plain")
    db.commit()
    return [*ids, "mo-2024-hb2075"]


def _in_memory(db) -> dict[tuple[str, str], float]:  # noqa: ANN001
    docs = {b.id: bill_document(db, b) for b in db.scalars(select(Bill))}
    return {(p.a, p.b): p.similarity for p in find_similar(docs)}


def _stored(db) -> dict[tuple[str, str], float]:  # noqa: ANN001
    rows = db.execute(
        select(SimilarBill.bill_id, SimilarBill.other_bill_id, SimilarBill.similarity)
    )
    both = {(a, b): s for a, b, s in rows}
    assert all(both.get((b, a)) == s for (a, b), s in both.items()), "stored both ways"
    return {(a, b): s for (a, b), s in both.items() if a < b}


def test_chunks_find_exactly_what_one_in_memory_index_finds(db, corpus):  # noqa: ANN001
    expected = _in_memory(db)
    assert ("mo-2024-hb2075", next(i for i in corpus if i.endswith("hb1939"))) in expected
    assert len(expected) >= 3  # companions and copies in the demo corpus, and the compact
    summary = update_similar_bills(db, chunk=7)  # many chunks, pairs across chunks
    assert summary == {"bills": len(corpus), "pairs": len(expected)}
    assert _stored(db) == pytest.approx(expected)
    signed = db.scalars(select(BillSignature.bill_id).where(BillSignature.hashvalues.is_not(None)))
    assert db.query(SignatureBand).count() == len(list(signed)) * len(band_ranges())


def test_a_rerun_signs_only_changed_documents_and_drops_pairs_that_ended(db, corpus):  # noqa: ANN001
    update_similar_bills(db)
    assert store_signatures(db, corpus) == {"signed": 0, "unchanged": len(corpus)}
    # A title-only pair: one of them is rewritten into something else entirely.
    a, b = next(
        (a, b)
        for a, b in _stored(db)
        if not db.scalars(select(BillVersion).where(BillVersion.bill_id.in_([a, b]))).first()
    )
    bill = db.get(Bill, a)
    bill.title, bill.abstract = "Broadband poles and right-of-way permits for cable " * 3, ""
    db.commit()
    assert store_signatures(db, corpus) == {"signed": 1, "unchanged": len(corpus) - 1}
    update_similar_bills(db, [a])
    assert (a, b) not in _stored(db) and (b, a) not in _stored(db)
    assert _stored(db) == pytest.approx(_in_memory(db))


@pytest.mark.redis
def test_the_daily_run_is_bounded_jobs_that_workers_share(
    rq_settings, redis_conn, db, corpus, monkeypatch
):  # noqa: ANN001
    from rq import Queue, SimpleWorker
    from rq.job import Job

    from tracker import similarity, tasks
    from tracker.jobs import using_settings

    monkeypatch.setattr(similarity, "SIMILARITY_CHUNK", 10)
    with using_settings(rq_settings):
        summary = tasks.update_similarity()
    jobs = [Job.fetch(i, connection=redis_conn) for i in summary["jobs"]]
    assert len(jobs) == -(-len(corpus) // 10) and {j.origin for j in jobs} == {"tag"}
    assert sorted(i for j in jobs for i in j.args[0]) == sorted(corpus)
    queue = Queue("tag", connection=redis_conn)
    SimpleWorker([queue], connection=redis_conn).work(burst=True)
    assert {j.get_status(refresh=True) for j in jobs} == {"finished"}
    db.expire_all()
    assert _stored(db) == pytest.approx(_in_memory(db))


def test_the_tag_step_finds_near_copies_as_soon_as_bills_are_tagged(settings, db, corpus):  # noqa: ANN001
    """The pipeline's tag step (after each sync's texts) signs and matches its chunk, so a
    new copy shows up without waiting for the daily run, and before it is scored."""
    from tracker.jobs import using_settings
    from tracker.tasks import tag_and_score_bills

    with using_settings(settings):
        summary = tag_and_score_bills(corpus, then_alert=False)
    expected = _in_memory(db)
    assert summary["similar_pairs"] == len(expected) and _stored(db) == pytest.approx(expected)
