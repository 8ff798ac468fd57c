"""Legislator directory and pages: contacts, offices, committees, tracked bills, outreach."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tracker.models import (
    Bill,
    CommitteeMembership,
    Jurisdiction,
    Legislator,
    Sponsorship,
    Watchlist,
    WatchlistEntry,
)
from tracker.models.votes import member_votes
from tracker.terms import serving
from web import enrich
from web.auth import login_required
from web.db import db, settings
from web.views.common import org_id

bp = Blueprint("legislators", __name__)
PER_PAGE = 50


@bp.route("/legislators")
@login_required
def index():  # noqa: ANN201
    """Legislators by name, filtered by jurisdiction and a name search."""
    name = (request.args.get("name") or "").strip()[:100]
    jurisdiction = (request.args.get("jurisdiction") or "").strip().lower()[:8]
    try:
        page = max(1, int(request.args.get("page") or 1))
    except ValueError:
        page = 1
    former = request.args.get("former") == "1"
    stmt = select(Legislator)
    if not former:
        stmt = stmt.where(serving())
    if name:
        stmt = stmt.where(func.lower(Legislator.name).contains(name.lower(), autoescape=True))
    if jurisdiction:
        stmt = stmt.where(Legislator.jurisdiction_id == jurisdiction)
    total = db().scalar(select(func.count()).select_from(stmt.subquery())) or 0
    legislators = (
        db()
        .scalars(
            stmt.order_by(Legislator.jurisdiction_id, Legislator.name, Legislator.id)
            .limit(PER_PAGE)
            .offset((page - 1) * PER_PAGE)
        )
        .all()
    )
    return render_template(
        "legislators/index.html",
        legislators=legislators,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        name=name,
        jurisdiction=jurisdiction,
        former=former,
        today=settings().today(),
        jurisdictions=db().scalars(select(Jurisdiction).order_by(Jurisdiction.name)).all(),
    )


@bp.route("/legislators/<int:legislator_id>")
@login_required
def show(legislator_id: int):  # noqa: ANN201
    """One legislator: contacts, offices, committees, tracked and other sponsored bills."""
    legislator = (
        db()
        .scalars(
            select(Legislator)
            .where(Legislator.id == legislator_id)
            .options(
                selectinload(Legislator.memberships).selectinload(CommitteeMembership.committee),
                selectinload(Legislator.external_ids),
                selectinload(Legislator.jurisdiction),
            )
        )
        .first()
    )
    if legislator is None:
        abort(404)
    tracked_ids = (
        select(WatchlistEntry.bill_id)
        .join(Watchlist, Watchlist.id == WatchlistEntry.watchlist_id)
        .where(Watchlist.organization_id == org_id())
    )
    sponsored = (
        db()
        .execute(
            select(Bill, Sponsorship.role, Bill.id.in_(tracked_ids).label("tracked"))
            .join(Sponsorship, Sponsorship.bill_id == Bill.id)
            .where(Sponsorship.legislator_id == legislator.id)
            .order_by(Bill.last_action_date.desc().nulls_last(), Bill.id)
            .limit(200)
        )
        .all()
    )
    return render_template(
        "legislators/show.html",
        legislator=legislator,
        tracked=[(b, role) for b, role, t in sponsored if t],
        others=[(b, role) for b, role, t in sponsored if not t],
        outreach=enrich.outreach_for_legislator(db(), org_id(), legislator.id),
        member_votes=member_votes(db(), legislator.id, tracked_ids),
    )
