"""Home: the overview a visitor sees first (the team dashboard builds on it)."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import func, select

from tracker.models import Bill
from tracker.records import STAGES
from web.db import db

bp = Blueprint("home", __name__)


@bp.route("/")
def index():  # noqa: ANN201
    """Bills by stage and the latest movement."""
    counts = dict(db().execute(select(Bill.status, func.count()).group_by(Bill.status)).all())
    recent = (
        db()
        .scalars(
            select(Bill)
            .where(Bill.last_action_date.is_not(None))
            .order_by(Bill.last_action_date.desc(), Bill.id)
            .limit(15)
        )
        .all()
    )
    return render_template(
        "home/index.html",
        stages=[(stage, counts.get(stage, 0)) for stage in STAGES],
        total=sum(counts.values()),
        recent=recent,
    )


@bp.route("/healthz")
def healthz():  # noqa: ANN201
    """Liveness for load balancers: the database answers."""
    db().execute(select(1))
    return {"status": "ok"}
