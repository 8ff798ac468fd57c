"""Watchlists: several per organization; entries with position, priority, notes, owner.

Also the watchlist's feeds (RSS, Atom) and its hearings calendar (ICS). Feed readers and
calendar apps cannot sign in, so those URLs carry a random key (`web.feed_keys`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from tracker.alerts import ensure_bill_states
from tracker.cells import clean_text
from tracker.models import (
    Bill,
    BillAction,
    Event,
    EventBill,
    User,
    Watchlist,
    WatchlistEntry,
)
from web import feed_keys
from web.auth import current_user, has_role, login_required, role_required
from web.db import db, settings
from web.security import safe_next
from web.views.common import get_watchlist, org_id, org_watchlists
from web.views.forms import ButtonForm, EntryForm, WatchForm, WatchlistForm, options

bp = Blueprint("watchlists", __name__)


def _feed_watchlist(watchlist_id: int) -> Watchlist:
    """The watchlist for a feed request: a valid key, or a signed-in member of its org."""
    wl = db().get(Watchlist, watchlist_id)
    key = request.args.get("key", "")
    if wl is None:
        if not key and current_user() is None:
            abort(redirect(url_for("auth.login", next=request.full_path)))
        abort(404)
    if key:
        if feed_keys.opens(db(), wl, key):
            return wl
        abort(404)
    user = current_user()
    if user is None:
        abort(redirect(url_for("auth.login", next=request.full_path)))
    if user.organization_id != wl.organization_id:
        abort(404)
    return wl


@bp.route("/watchlists", methods=["GET", "POST"])
@login_required
def index():  # noqa: ANN201
    """The organization's watchlists; advocates create new ones."""
    form = WatchlistForm()
    if request.method == "POST":
        if not has_role("advocate"):
            abort(403)
        if form.validate_on_submit():
            wl = Watchlist(
                organization_id=org_id(),
                name=form.name.data.strip(),
                description=(form.description.data or "").strip(),
            )
            db().add(wl)
            try:
                db().commit()
            except IntegrityError:
                db().rollback()
                form.name.errors.append("You already have a watchlist with this name.")
            else:
                flash(f"Watchlist “{wl.name}” created.")
                return redirect(url_for("watchlists.show", watchlist_id=wl.id))
    counts = dict(
        db()
        .execute(
            select(WatchlistEntry.watchlist_id, func.count())
            .join(Watchlist, Watchlist.id == WatchlistEntry.watchlist_id)
            .where(Watchlist.organization_id == org_id())
            .group_by(WatchlistEntry.watchlist_id)
        )
        .all()
    )
    return render_template(
        "watchlists/index.html", watchlists=org_watchlists(), counts=counts, form=form
    ), (400 if form.errors else 200)


@bp.route("/watchlists/<int:watchlist_id>")
@login_required
def show(watchlist_id: int, new_key: str | None = None):  # noqa: ANN201
    """A watchlist's entries with their position, priority, owner and notes."""
    wl = get_watchlist(watchlist_id)
    entries = (
        db()
        .scalars(
            select(WatchlistEntry)
            .where(WatchlistEntry.watchlist_id == wl.id)
            .options(
                selectinload(WatchlistEntry.bill).selectinload(Bill.session),
                selectinload(WatchlistEntry.owner),
            )
            .join(Bill, Bill.id == WatchlistEntry.bill_id)
            .order_by(WatchlistEntry.priority, Bill.jurisdiction_id, Bill.identifier)
        )
        .all()
    )
    members = (
        db()
        .scalars(
            select(User)
            .where(User.organization_id == org_id(), User.active.is_(True))
            .order_by(User.email)
        )
        .all()
    )
    forms = {}
    if has_role("advocate"):
        for e in entries:
            form = EntryForm(prefix=f"e{e.id}", obj=e)
            form.owner_id.choices = options(
                [(0, "Nobody")] + [(u.id, u.name or u.email) for u in members]
            )
            form.owner_id.data = e.owner_id or 0
            forms[e.id] = form
    return render_template(
        "watchlists/show.html",
        watchlist=wl,
        entries=entries,
        forms=forms,
        button=ButtonForm(),
        feed_key=feed_keys.live(db(), wl, current_user()),
        feeds=_feed_urls(wl, new_key) if new_key else None,
    )


def _feed_urls(wl: Watchlist, key: str) -> dict[str, str]:
    return {
        "Atom": url_for("watchlists.feed", watchlist_id=wl.id, fmt="atom", key=key, _external=True),
        "RSS": url_for("watchlists.feed", watchlist_id=wl.id, fmt="rss", key=key, _external=True),
        "Hearings calendar (ICS)": url_for(
            "watchlists.calendar", watchlist_id=wl.id, key=key, _external=True
        ),
    }


@bp.route("/watchlists/<int:watchlist_id>/feed-key", methods=["POST"])
@login_required
def new_feed_key(watchlist_id: int):  # noqa: ANN201
    """Make (or rotate) your feed key for this watchlist; the links are shown once."""
    wl = get_watchlist(watchlist_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    return show(watchlist_id, new_key=feed_keys.create(db(), wl, current_user()))


@bp.route("/watchlists/<int:watchlist_id>/feed-key/revoke", methods=["POST"])
@login_required
def revoke_feed_key(watchlist_id: int):  # noqa: ANN201
    """Revoke your feed key for this watchlist: its links stop working at once."""
    wl = get_watchlist(watchlist_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    feed_keys.revoke_all(db(), wl, current_user())
    flash("Your feed links for this watchlist are revoked.")
    return redirect(url_for("watchlists.show", watchlist_id=wl.id))


@bp.route("/watchlists/entries", methods=["POST"])
@role_required("advocate")
def add_entry():  # noqa: ANN201
    """Add a bill to a watchlist (from search results or a bill page)."""
    try:
        wl = get_watchlist(int(request.form.get("watchlist_id", "")))
    except ValueError:
        abort(400, "Pick one of your watchlists.")
    form = WatchForm.for_watchlists(org_watchlists())
    if not form.validate_on_submit():
        abort(400, "; ".join(f"{k}: {', '.join(v)}" for k, v in form.errors.items()))
    bill = db().get(Bill, form.bill_id.data)
    if bill is None:
        abort(404)
    existing = (
        db()
        .scalars(
            select(WatchlistEntry).where(
                WatchlistEntry.watchlist_id == wl.id, WatchlistEntry.bill_id == bill.id
            )
        )
        .first()
    )
    if existing is None:
        db().add(
            WatchlistEntry(
                watchlist_id=wl.id,
                bill_id=bill.id,
                position=form.position.data or "monitor",
                priority=form.priority.data or "medium",
                notes=(form.notes.data or "").strip(),
                owner_id=current_user().id,
            )
        )
        # Alerts compare against what the bill looks like now, not its whole history.
        ensure_bill_states(db(), [bill.id])
        db().commit()
        flash(f"{bill.jurisdiction_id.upper()} {bill.identifier} added to {wl.name}.")
    else:
        flash(f"{bill.jurisdiction_id.upper()} {bill.identifier} is already on {wl.name}.")
    return redirect(safe_next(request.form.get("next"), url_for("bills.show", bill_id=bill.id)))


def _entry(watchlist_id: int, entry_id: int) -> tuple[Watchlist, WatchlistEntry]:
    wl = get_watchlist(watchlist_id)
    entry = db().get(WatchlistEntry, entry_id)
    if entry is None or entry.watchlist_id != wl.id:
        abort(404)
    return wl, entry


@bp.route("/watchlists/<int:watchlist_id>/entries/<int:entry_id>", methods=["POST"])
@role_required("advocate")
def update_entry(watchlist_id: int, entry_id: int):  # noqa: ANN201
    """Change an entry's position, priority, owner or notes."""
    wl, entry = _entry(watchlist_id, entry_id)
    form = EntryForm(prefix=f"e{entry.id}")
    members = db().scalars(select(User.id).where(User.organization_id == org_id())).all()
    form.owner_id.choices = options([(0, "Nobody")] + [(m, str(m)) for m in members])
    if not form.validate_on_submit():
        flash(
            "That change was not saved: "
            + "; ".join(f"{name}: {', '.join(errs)}" for name, errs in form.errors.items())
        )
        return redirect(url_for("watchlists.show", watchlist_id=wl.id))
    entry.position, entry.priority = form.position.data, form.priority.data
    entry.owner_id = form.owner_id.data or None
    entry.notes = (form.notes.data or "").strip()
    db().commit()
    flash(f"Saved: {entry.position}, {entry.priority} priority on {wl.name}.")
    back = request.form.get("next", "")
    if back == url_for("bills.show", bill_id=entry.bill_id):  # edited on the bill page
        return redirect(back + "#watch-h")
    return redirect(url_for("watchlists.show", watchlist_id=wl.id) + f"#entry-{entry.id}")


@bp.route("/watchlists/<int:watchlist_id>/entries/<int:entry_id>/delete", methods=["POST"])
@role_required("advocate")
def delete_entry(watchlist_id: int, entry_id: int):  # noqa: ANN201
    """Take a bill off a watchlist."""
    wl, entry = _entry(watchlist_id, entry_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    db().delete(entry)
    db().commit()
    flash("Removed from the watchlist.")
    return redirect(url_for("watchlists.show", watchlist_id=wl.id))


@bp.route("/watchlists/<int:watchlist_id>/delete", methods=["POST"])
@role_required("advocate")
def delete(watchlist_id: int):  # noqa: ANN201
    """Delete a watchlist and its entries."""
    wl = get_watchlist(watchlist_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    db().delete(wl)
    db().commit()
    flash(f"Watchlist “{wl.name}” deleted.")
    return redirect(url_for("watchlists.index"))


def _feed_actions(wl: Watchlist, limit: int = 50) -> list[tuple[BillAction, Bill]]:
    return (
        db()
        .execute(
            select(BillAction, Bill)
            .join(Bill, Bill.id == BillAction.bill_id)
            .join(WatchlistEntry, WatchlistEntry.bill_id == Bill.id)
            .where(WatchlistEntry.watchlist_id == wl.id)
            .order_by(BillAction.date.desc(), BillAction.id.desc())
            .limit(limit)
        )
        .all()
    )


@bp.route("/watchlists/<int:watchlist_id>/feed.<any(atom, rss):fmt>")
def feed(watchlist_id: int, fmt: str):  # noqa: ANN201
    """Recent actions on the watchlist's bills as Atom or RSS."""
    wl = _feed_watchlist(watchlist_id)
    items = _feed_actions(wl)
    body = render_template(
        f"watchlists/feed.{fmt}.xml",
        watchlist=wl,
        items=items,
        updated=datetime.now(UTC),
        self_url=request.url,
    )
    mimetype = "application/atom+xml" if fmt == "atom" else "application/rss+xml"
    return Response(clean_text(body), mimetype=mimetype)  # no control characters in XML


@bp.route("/watchlists/<int:watchlist_id>/hearings.ics")
def calendar(watchlist_id: int):  # noqa: ANN201
    """Hearings for the watchlist's bills as an iCalendar feed."""
    from web.ics import calendar as make_calendar

    wl = _feed_watchlist(watchlist_id)
    rows = (
        db()
        .execute(
            select(Event, Bill)
            .join(EventBill, EventBill.event_id == Event.id)
            .join(Bill, Bill.id == EventBill.bill_id)
            .join(WatchlistEntry, WatchlistEntry.bill_id == Bill.id)
            .where(WatchlistEntry.watchlist_id == wl.id)
            .order_by(Event.start)
        )
        .all()
    )
    body = make_calendar(
        f"{wl.name} hearings", rows, host=settings().base_url.split("//")[-1].split("/")[0]
    )
    return Response(clean_text(body), mimetype="text/calendar")
