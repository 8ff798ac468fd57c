"""Alert settings (per user), saved searches and recent alerts (per organization)."""

from __future__ import annotations

from urllib.parse import parse_qs

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker import bill_query as search
from tracker.errors import InvalidInput
from tracker.models.web import AlertEvent, AlertSubscription, SavedSearch
from web.auth import current_user, login_required, role_required
from web.db import db
from web.views.common import org_id
from web.views.forms import KIND_LABELS, ButtonForm, SaveSearchForm, SubscriptionForm

bp = Blueprint("alerts", __name__)


@bp.route("/alerts", methods=["GET", "POST"])
@login_required
def index():  # noqa: ANN201
    """The user's alert subscriptions (add one here), saved searches and recent alerts."""
    user = current_user()
    form = SubscriptionForm()
    if request.method == "POST" and form.validate_on_submit():
        db().add(
            AlertSubscription(
                user_id=user.id,
                organization_id=user.organization_id,
                channel=form.channel.data,
                frequency=form.frequency.data,
                kinds=list(form.kinds.data),
                webhook_url=form.webhook_url.data if form.channel.data == "webhook" else None,
            )
        )
        db().commit()
        flash("Alert added.")
        return redirect(url_for("alerts.index"))
    subscriptions = (
        db()
        .scalars(
            select(AlertSubscription)
            .where(AlertSubscription.user_id == user.id)
            .order_by(AlertSubscription.id)
        )
        .all()
    )
    searches = (
        db()
        .scalars(
            select(SavedSearch)
            .where(SavedSearch.organization_id == org_id())
            .order_by(SavedSearch.name)
        )
        .all()
    )
    events = (
        db()
        .scalars(
            select(AlertEvent)
            .where(AlertEvent.organization_id == org_id())
            .options(selectinload(AlertEvent.bill))
            .order_by(AlertEvent.created_at.desc(), AlertEvent.id.desc())
            .limit(50)
        )
        .all()
    )
    return render_template(
        "alerts/index.html",
        form=form,
        subscriptions=subscriptions,
        searches=searches,
        events=events,
        kind_labels=KIND_LABELS,
        button=ButtonForm(),
    ), (400 if form.errors else 200)


@bp.route("/alerts/subscriptions/<int:subscription_id>/delete", methods=["POST"])
@login_required
def delete_subscription(subscription_id: int):  # noqa: ANN201
    """Stop one of the user's own alerts."""
    sub = db().get(AlertSubscription, subscription_id)
    if sub is None or sub.user_id != current_user().id:
        abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    db().delete(sub)
    db().commit()
    flash("Alert removed.")
    return redirect(url_for("alerts.index"))


@bp.route("/alerts/searches", methods=["POST"])
@role_required("advocate")
def save_search():  # noqa: ANN201
    """Save the current /bills search for the organization."""
    form = SaveSearchForm()
    if not form.validate_on_submit():
        flash("Give the search a name to save it.")
        return redirect(url_for("bills.search") + "?" + (form.query.data or ""))
    try:
        query = search.parse_query({k: v for k, v in parse_qs(form.query.data or "").items()})
    except InvalidInput as exc:
        abort(400, str(exc))
    db().add(
        SavedSearch(
            organization_id=org_id(),
            user_id=current_user().id,
            name=form.name.data.strip(),
            query=query.to_query_string(page=1),
        )
    )
    db().commit()
    flash(f"Saved “{form.name.data.strip()}”. New matching bills will raise an alert.")
    return redirect(url_for("alerts.index"))


@bp.route("/alerts/searches/<int:search_id>/delete", methods=["POST"])
@role_required("advocate")
def delete_search(search_id: int):  # noqa: ANN201
    """Delete one of the organization's saved searches."""
    saved = db().get(SavedSearch, search_id)
    if saved is None or saved.organization_id != org_id():
        abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    db().delete(saved)
    db().commit()
    flash("Saved search deleted.")
    return redirect(url_for("alerts.index"))
