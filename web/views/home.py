"""The dashboard: what moved, what is scheduled, what needs a decision."""

from __future__ import annotations

import time
from collections import Counter
from datetime import date, timedelta

from flask import Blueprint, render_template
from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from tracker.models import Bill, BillAction, Event, EventBill, JobRun, Watchlist, WatchlistEntry
from tracker.models.tagging import BillScore
from tracker.records import STAGES
from web import enrich
from web.auth import has_role, login_required
from web.db import db, settings
from web.views.common import nav_links, org_id

bp = Blueprint("home", __name__)


@bp.app_context_processor
def _nav() -> dict:
    return {"nav_links": nav_links()}


@bp.app_template_filter("http_url")
def http_url(url: str | None) -> str:
    """Scraped links only as http(s) URLs; anything else (javascript:, data:) becomes '#'."""
    url = (url or "").strip()
    return url if url.lower().startswith(("http://", "https://")) else "#"


def _tracked_ids_query(organization_id: int):  # noqa: ANN202 - a Select
    return (
        select(WatchlistEntry.bill_id)
        .join(Watchlist, Watchlist.id == WatchlistEntry.watchlist_id)
        .where(Watchlist.organization_id == organization_id)
    )


def _failed_jobs() -> int:
    """Failed background jobs: RQ's failed registries, or failed runs in embedded mode."""
    s = settings()
    if s.embedded:
        return db().scalar(select(func.count()).where(JobRun.status == "failed")) or 0
    from redis.exceptions import RedisError
    from rq import Queue
    from rq.registry import FailedJobRegistry

    from tracker.jobs import QUEUES, redis_connection

    try:
        conn = redis_connection(s)
        # Counts only: the jobs page fetches the jobs themselves.
        return sum(FailedJobRegistry(queue=Queue(name, connection=conn)).count for name in QUEUES)
    except (RedisError, OSError):
        return -1  # shown as "queue unreachable"


_MOMENTUM_CACHE: dict[tuple[str, date], tuple[float, list[tuple[str, int]]]] = {}
MOMENTUM_TTL = 60.0  # seconds; the list is the same for every organization


def _busiest(today: date) -> list[tuple[str, int]]:
    """(bill id, actions) of the 10 bills with most actions in the last 30 days (cached)."""
    key = (settings().database_url, today)
    hit = _MOMENTUM_CACHE.get(key)
    if hit is not None and time.monotonic() - hit[0] < MOMENTUM_TTL:
        return hit[1]
    # The CTE is MATERIALIZED because, without statistics, SQLite otherwise walks the
    # bill_id index over every action instead of the date range (700 ms at 100k bills).
    recent = (
        select(BillAction.bill_id)
        .where(BillAction.date >= today - timedelta(days=30))
        .cte("recent_actions")
        .prefix_with("MATERIALIZED")
    )
    rows = [
        (bill_id, n)
        for bill_id, n in db().execute(
            select(recent.c.bill_id, func.count().label("n"))
            .group_by(recent.c.bill_id)
            .having(func.count() >= 2)
            .order_by(func.count().desc(), recent.c.bill_id)
            .limit(10)
        )
    ]
    _MOMENTUM_CACHE.clear()
    _MOMENTUM_CACHE[key] = (time.monotonic(), rows)
    return rows


@bp.route("/")
@login_required
def index():  # noqa: ANN201
    """Tracked bills by topic and stage, recent changes, hearings, momentum, failed jobs."""
    today = settings().today()
    # Only ids and statuses: the grid needs no more, and lists can run to thousands.
    tracked_bills = (
        db()
        .execute(
            select(Bill.id, Bill.status)
            .where(Bill.id.in_(_tracked_ids_query(org_id())))
            .order_by(Bill.id)
        )
        .all()
    )
    tracked = [row.id for row in tracked_bills]
    topics = enrich.topic_labels_for(db(), tracked, org_id())
    core = enrich.core_topics()
    # (label, topic key) -> counts by stage; the key goes into every cell's link so the
    # search shows exactly the bills counted ("" = no core topic: no such filter exists).
    grid: dict[tuple[str, str], Counter] = {}
    for bill in tracked_bills:
        cells = [(t.label, t.key) for t in topics.get(bill.id, []) if t.key in core]
        if not cells:
            cells = [("Other topics" if core else "All tracked bills", "")]
        for cell in cells:
            grid.setdefault(cell, Counter())[bill.status] += 1
    entries = (
        db()
        .scalars(
            select(WatchlistEntry)
            .join(Watchlist, Watchlist.id == WatchlistEntry.watchlist_id)
            .join(Bill, Bill.id == WatchlistEntry.bill_id)
            .where(Watchlist.organization_id == org_id())
            .options(selectinload(WatchlistEntry.bill), selectinload(WatchlistEntry.watchlist))
            .order_by(
                case({"high": 0, "medium": 1, "low": 2}, value=WatchlistEntry.priority, else_=3),
                Bill.last_action_date.desc().nulls_last(),
                WatchlistEntry.id,
            )
            .limit(25)
        )
        .all()
    )
    changes = (
        db()
        .execute(
            select(BillAction, Bill)
            .join(Bill, Bill.id == BillAction.bill_id)
            .where(
                BillAction.bill_id.in_(_tracked_ids_query(org_id())),
                BillAction.date >= today - timedelta(days=7),
            )
            .order_by(BillAction.date.desc(), BillAction.bill_id, BillAction.position.desc())
            .limit(50)
        )
        .all()
        if tracked
        else []
    )
    now = settings().now()
    hearings = (
        db()
        .execute(
            select(Event, Bill)
            .join(EventBill, EventBill.event_id == Event.id)
            .join(Bill, Bill.id == EventBill.bill_id)
            .where(
                EventBill.bill_id.in_(_tracked_ids_query(org_id())),
                Event.start >= now - timedelta(hours=12),
                Event.start <= now + timedelta(days=14),
                Event.status != "cancelled",
            )
            .order_by(Event.start, Bill.id)
            .limit(50)
        )
        .all()
        if tracked
        else []
    )
    # Momentum: bills the scorer flagged for this day (advanced in the last 14 days or a
    # hearing ahead, with its reason), then the busiest by action count.
    flagged = (
        db()
        .execute(
            select(BillScore.bill_id, BillScore.momentum_reasons)
            .join(Bill, Bill.id == BillScore.bill_id)
            .where(BillScore.momentum.is_(True))
            .order_by(Bill.last_action_date.desc().nulls_last(), Bill.id)
            .limit(10)
        )
        .all()
    )
    why = {
        bill_id: "; ".join(r.get("detail", "") for r in reasons or [])
        for bill_id, reasons in flagged
    }
    busiest = _busiest(today)
    counts = dict(busiest)
    ids = list(dict.fromkeys([b for b, _ in flagged] + [b for b, _ in busiest]))[:10]
    by_id = {b.id: b for b in db().scalars(select(Bill).where(Bill.id.in_(ids)))} if ids else {}
    momentum = [(by_id[i], counts.get(i, 0), why.get(i, "")) for i in ids if i in by_id]
    return render_template(
        "home/index.html",
        stages=STAGES,
        grid=sorted(grid.items()),
        tracked_count=len(tracked_bills),
        entries=entries,
        changes=changes,
        hearings=hearings,
        momentum=momentum,
        failed_jobs=_failed_jobs() if has_role("advocate") else 0,
        since=today - timedelta(days=7),
        total_bills=db().scalar(select(func.count()).select_from(Bill)) or 0,
    )


@bp.route("/healthz")
def healthz():  # noqa: ANN201
    """Liveness for load balancers: the database answers."""
    db().execute(select(1))
    return {"status": "ok"}
