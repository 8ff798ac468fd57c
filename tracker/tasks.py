"""Tagging job functions (run on the `tag` queue, or in-process without Redis).

Module-level functions taking ids and strings; each builds its own settings and
session, calls the plain functions in tracker.tagging_service / tracker.similarity, and
returns a small summary dict. What runs after a sync (and so when these run) is
written down once, in scrapers/pipeline.py. rq is never imported here. Jobs are idempotent: tagging
and scoring replace a bill's rows, so running one twice leaves the same result.
"""

from __future__ import annotations

from tracker.db import session_scope
from tracker.jobs import enqueue, job_settings

BATCH = 500


def tag_and_score_bills(bill_ids: list[str], then_alert: bool = True) -> dict:
    """(Re)tag the given bills, find their near-copies, (re)score them, then look for
    alerts on what changed.

    Similarity runs before scoring (companion and reintroduction factors read the
    pairs), alerts after it (saved searches can filter on topics and scores).
    """
    from tracker.provisions_store import store_provisions
    from tracker.second_opinion import score_new_bills
    from tracker.similarity import match_similar, store_signatures
    from tracker.tagging_service import score_bills, tag_bills
    from tracker.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    summary = {"tagged": 0, "topics": 0, "scored": 0, "missing": 0, "similar_pairs": 0}
    ids = list(dict.fromkeys(bill_ids))
    with session_scope(job_settings()) as session:
        for i in range(0, len(ids), BATCH):
            batch = ids[i : i + BATCH]
            tagged = tag_bills(session, batch, taxonomy)
            store_signatures(session, batch)
            summary["similar_pairs"] += len(match_similar(session, batch))
            scored = score_bills(session, batch, today=job_settings().today())
            opinions = score_new_bills(session, batch)
            summary["provisions"] = (
                summary.get("provisions", 0)
                + store_provisions(session, batch, job_settings().scraper_cache_dir / "text")[
                    "computed"
                ]
            )
            summary["tagged"] += tagged["tagged"]
            summary["disagreements"] = summary.get("disagreements", 0) + opinions["disagreements"]
            summary["topics"] += tagged["topics"]
            summary["missing"] += tagged["missing"]
            summary["scored"] += scored["scored"]
    summary["taxonomy_version"] = taxonomy.version
    if then_alert and summary["tagged"]:
        from tracker.alert_jobs import run_alerts

        alerts = enqueue(job_settings(), run_alerts, queue="outreach")
        summary["alerts_job"] = alerts.id
    return summary


def train_second_opinion(org_slug: str | None = None) -> dict:
    """Retrain each organization's second-opinion classifier (or one's) and re-score."""
    from tracker.second_opinion import train_all

    with session_scope(job_settings()) as session:
        return {"organizations": train_all(session, org_slug)}


def retag_stale() -> dict:
    """Tag every bill that is new, changed since tagging, or tagged by an older taxonomy."""
    from tracker.tagging_queries import select_bills_to_tag
    from tracker.taxonomy import load_taxonomy

    with session_scope(job_settings()) as session:
        ids = select_bills_to_tag(session, load_taxonomy(), "stale")
    return {**tag_and_score_bills(ids), "selected": len(ids)}


def rescore_all() -> dict:
    """Recompute every bill's scores (passage and momentum move with the calendar)."""
    from sqlalchemy import select

    from tracker.models import Bill
    from tracker.tagging_service import score_bills

    total = 0
    with session_scope(job_settings()) as session:
        ids = list(session.scalars(select(Bill.id).order_by(Bill.id)))
        for i in range(0, len(ids), BATCH):
            total += score_bills(session, ids[i : i + BATCH], today=job_settings().today())[
                "scored"
            ]
    return {"scored": total}


def update_similarity(bill_ids: list[str] | None = None) -> dict:
    """Near-copies for the given bills (every bill when None), as `similarity_chunk`
    jobs of at most SIMILARITY_CHUNK bills on the `tag` queue, which any worker takes."""
    from sqlalchemy import select

    from tracker.models import Bill
    from tracker.similarity import SIMILARITY_CHUNK

    if bill_ids is None:
        with session_scope(job_settings()) as session:
            ids = list(session.scalars(select(Bill.id).order_by(Bill.id)))
    else:
        ids = sorted(set(bill_ids))
    jobs = [
        enqueue(
            job_settings(),
            similarity_chunk,
            ids[i : i + SIMILARITY_CHUNK],
            queue="tag",
            job_timeout=3600,
            retries=2,
        )
        for i in range(0, len(ids), SIMILARITY_CHUNK)
    ]
    return {"bills": len(ids), "jobs": [j.id for j in jobs]}


def similarity_chunk(bill_ids: list[str]) -> dict:
    """Sign these bills where their document changed, then replace their similar-bill
    rows from every stored signature (idempotent: a killed job is simply run again)."""
    from tracker.similarity import match_similar, store_signatures

    with session_scope(job_settings()) as session:
        signed = store_signatures(session, bill_ids)
        pairs = match_similar(session, bill_ids)
    return {**signed, "bills": len(bill_ids), "pairs": len(pairs)}
