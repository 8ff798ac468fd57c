"""Helpers every web view shares: the caller's organization, org-scoped lookups, nav."""

from __future__ import annotations

from flask import abort, current_app
from sqlalchemy import select

from tracker.models import Watchlist
from web.auth import current_user, has_role
from web.db import db

NAV = [
    ("home.index", "Dashboard", "viewer"),
    ("bills.search", "Bills", "viewer"),
    ("corrections.review", "Review", "viewer"),
    ("watchlists.index", "Watchlists", "viewer"),
    ("legislators.index", "Legislators", "viewer"),
    ("campaigns.index", "Campaigns", "viewer"),  # outreach's blueprints, when registered
    ("meetings.index", "Meetings", "viewer"),
    ("briefs.index", "Weekly brief", "viewer"),
    ("alerts.index", "Alerts", "viewer"),
    ("provisions.index", "988 funding", "viewer"),
    ("parity.index", "Parity enforcement", "viewer"),
    ("jobs.index", "Jobs", "admin"),
    ("admin.users", "Team", "admin"),
    ("account.tokens", "API tokens", "viewer"),
]


def org_id() -> int:
    """The signed-in user's organization id (views are behind login_required)."""
    user = current_user()
    if user is None:
        abort(401)
    return user.organization_id


def nav_links() -> list[tuple[str, str]]:
    """Links the current user may follow."""
    if current_user() is None:
        return []
    from web.auth import is_site_admin

    return [
        (endpoint, label)
        for endpoint, label, role in NAV
        if has_role(role)
        and endpoint in current_app.view_functions
        and (endpoint != "jobs.index" or is_site_admin(current_user()))
    ]


def org_watchlists() -> list[Watchlist]:
    """The organization's watchlists by name."""
    return list(
        db().scalars(
            select(Watchlist).where(Watchlist.organization_id == org_id()).order_by(Watchlist.name)
        )
    )


def get_watchlist(watchlist_id: int) -> Watchlist:
    """A watchlist of the caller's organization, or 404 (never another org's)."""
    from web.security import MAX_ID

    if not 0 < watchlist_id <= MAX_ID:  # a form field past any id column: 404, not a 500
        abort(404)
    wl = db().get(Watchlist, watchlist_id)
    if wl is None or wl.organization_id != org_id():
        abort(404)
    return wl
