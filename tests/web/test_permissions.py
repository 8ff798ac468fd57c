"""The permission matrix: every web route x role x organization, including anonymous.

Alpha owns every object the routes point at. Expected, per route:
- public routes answer everyone;
- anonymous visitors are sent to the sign-in page;
- a signed-in user below the route's role gets 403;
- a user of the other organization (Beta) gets 404 for Alpha's objects, never the object;
- site-wide pages (/jobs) answer only the site's admins (Alpha's admins here), 403 otherwise;
- everyone else succeeds.
Beta's responses are also searched for Alpha's private strings (list name, note, search).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask

from tests.conftest import sign_in
from tests.web.conftest import PASSWORD, SECRETS
from tracker.accounts import ROLES

COUNTER = itertools.count()
# The web area's blueprints; outreach's (act, campaigns, meetings) carry their own matrix.
WEB_BLUEPRINTS = {
    "home",
    "auth",
    "bills",
    "legislators",
    "watchlists",
    "alerts",
    "jobs",
    "admin",
    "account",
    "corrections",
    "parity",
}
USERS = [None] + [(org, role) for org in ("beta", "alpha") for role in ROLES]


@dataclass
class Route:
    method: str
    min_role: str | None  # None: public
    # "public" | "global" | "org" (Alpha's object) | "owner" (Alpha admin's own)
    # | "site" (the installation's admins: Alpha, the first organization, has them)
    scope: str
    path: Callable[[dict, object], str]
    data: Callable[[dict, object], dict] = lambda ctx, db: {}
    fresh: Callable[[dict, object], None] | None = None  # make a new target before each call


def _new_watchlist(ctx: dict, db) -> None:  # noqa: ANN001
    from tracker.models import Watchlist, WatchlistEntry

    wl = Watchlist(organization_id=ctx["alpha"]["org_id"], name=f"tmp-{len(ctx['tmp'])}")
    db.add(wl)
    db.flush()
    entry = WatchlistEntry(watchlist_id=wl.id, bill_id=ctx["bill"], notes="tmp")
    db.add(entry)
    db.commit()
    ctx["tmp"].append((wl.id, entry.id))


def _new_search(ctx: dict, db) -> None:  # noqa: ANN001
    from web.models import SavedSearch

    s = SavedSearch(organization_id=ctx["alpha"]["org_id"], name="tmp", query="q=crisis")
    db.add(s)
    db.commit()
    ctx["tmp_search"] = s.id


def _new_sub(ctx: dict, db) -> None:  # noqa: ANN001
    from web.models import AlertSubscription

    admin = ctx["users"][("alpha", "admin")]
    s = AlertSubscription(user_id=admin.id, organization_id=admin.organization_id, kinds=["status"])
    db.add(s)
    db.commit()
    ctx["tmp_sub"] = s.id


def _new_token(ctx: dict, db) -> None:  # noqa: ANN001
    from web.models import ApiToken

    t = ApiToken(
        user_id=ctx["users"][("alpha", "admin")].id,
        name="tmp",
        token_hash=f"{len(ctx['tmp']):064d}"[-64:],
        prefix="mhpt_tmp",
    )
    ctx["tmp"].append(("token", 0))
    db.add(t)
    db.commit()
    ctx["tmp_token"] = t.id


def _new_invite(ctx: dict, db) -> None:  # noqa: ANN001
    from tracker.models import utcnow
    from web.models import Invitation

    inv = Invitation(
        organization_id=ctx["alpha"]["org_id"],
        email="tmp@alpha.example.org",
        token_hash=f"{len(ctx['tmp']) + 1000:064d}",
        expires_at=utcnow(),
    )
    ctx["tmp"].append(("inv", 0))
    db.add(inv)
    db.commit()
    ctx["tmp_invite"] = inv.id


def _new_correction(ctx: dict, db) -> None:  # noqa: ANN001
    from tracker.corrections import record_correction

    row = record_correction(db, ctx["alpha"]["org_id"], None, ctx["bill"], "parity", "add")
    ctx["tmp_correction"] = row.id


A = "alpha"
ROUTES: list[Route] = [
    Route("GET", None, "public", lambda c, d: "/login"),
    Route("GET", None, "public", lambda c, d: "/healthz"),
    Route("GET", None, "public", lambda c, d: "/password/forgot"),
    Route("GET", None, "public", lambda c, d: f"/password/reset/{c[A]['reset_token']}"),
    Route("GET", None, "public", lambda c, d: f"/invite/{c[A]['invite_token']}"),
    Route("GET", None, "public", lambda c, d: "/api/v1/openapi.json"),
    Route("GET", None, "public", lambda c, d: "/api/v1/"),
    Route("GET", None, "public", lambda c, d: "/api/v1"),
    Route("GET", None, "public", lambda c, d: "/api/docs"),
    Route("GET", None, "public", lambda c, d: "/parity"),
    Route("GET", None, "public", lambda c, d: "/parity/wa"),
    Route("GET", None, "public", lambda c, d: "/parity/wa.csv"),
    # Notes are the caller's organization's own (isolation: tests/web/test_parity_notes.py).
    Route(
        "POST",
        "advocate",
        "global",
        lambda c, d: "/parity/wa/notes",
        data=lambda c, d: {"element": "", "body": "A note from the permission matrix."},
    ),  # fmt: skip
    Route("GET", "viewer", "global", lambda c, d: "/"),
    Route("GET", "viewer", "global", lambda c, d: "/bills?q=988"),
    Route("GET", "viewer", "global", lambda c, d: "/bills.csv?q=988"),
    Route("GET", "viewer", "global", lambda c, d: f"/bills/{c['bill']}"),
    Route(
        "GET",
        "viewer",
        "global",
        lambda c, d: f"/bills/{c['bill']}/diff?a={c['versions'][0]}&b={c['versions'][1]}",
    ),
    Route("GET", "viewer", "global", lambda c, d: "/review"),
    Route(
        "POST",
        "advocate",
        "global",
        lambda c, d: f"/bills/{c['bill']}/corrections",
        lambda c, d: {"form": "tag", "tag-topic": "crisis", "tag-verdict": "confirm"},
    ),
    Route(
        "POST",
        "advocate",
        "org",
        lambda c, d: f"/corrections/{c['tmp_correction']}/undo",
        fresh=_new_correction,
    ),
    Route("GET", "viewer", "global", lambda c, d: "/legislators"),
    Route("GET", "viewer", "global", lambda c, d: f"/legislators/{c['legislator']}"),
    Route("GET", "viewer", "global", lambda c, d: "/watchlists"),
    Route(
        "POST",
        "advocate",
        "global",
        lambda c, d: "/watchlists",
        lambda c, d: {"name": f"New list {next(COUNTER)}"},
    ),
    Route("GET", "viewer", "org", lambda c, d: f"/watchlists/{c[A]['watchlist']}"),
    Route("GET", "viewer", "org", lambda c, d: f"/watchlists/{c[A]['watchlist']}/feed.atom"),
    Route("GET", "viewer", "org", lambda c, d: f"/watchlists/{c[A]['watchlist']}/feed.rss"),
    Route("POST", "viewer", "org", lambda c, d: f"/watchlists/{c[A]['watchlist']}/feed-key"),
    Route("POST", "viewer", "org", lambda c, d: f"/watchlists/{c[A]['watchlist']}/feed-key/revoke"),
    Route("GET", "viewer", "org", lambda c, d: f"/watchlists/{c[A]['watchlist']}/hearings.ics"),
    Route(
        "POST",
        "advocate",
        "org",
        lambda c, d: "/watchlists/entries",
        lambda c, d: {"bill_id": "ca-20252026-ab308", "watchlist_id": c[A]["watchlist"]},
    ),
    Route(
        "POST",
        "advocate",
        "org",
        lambda c, d: f"/watchlists/{c[A]['watchlist']}/entries/{c[A]['entry']}",
        lambda c, d: {
            f"e{c[A]['entry']}-position": "oppose",
            f"e{c[A]['entry']}-priority": "low",
            f"e{c[A]['entry']}-owner_id": "0",
            f"e{c[A]['entry']}-notes": SECRETS["alpha"][1],
        },
    ),
    Route(
        "POST",
        "advocate",
        "org",
        lambda c, d: f"/watchlists/{c['tmp'][-1][0]}/entries/{c['tmp'][-1][1]}/delete",
        fresh=_new_watchlist,
    ),
    Route(
        "POST",
        "advocate",
        "org",
        lambda c, d: f"/watchlists/{c['tmp'][-1][0]}/delete",
        fresh=_new_watchlist,
    ),
    Route("GET", "viewer", "global", lambda c, d: "/alerts"),
    Route(
        "POST",
        "viewer",
        "global",
        lambda c, d: "/alerts",
        lambda c, d: {"channel": "email", "frequency": "daily", "kinds": ["status"]},
    ),
    Route(
        "POST",
        "viewer",
        "owner",
        lambda c, d: f"/alerts/subscriptions/{c['tmp_sub']}/delete",
        fresh=_new_sub,
    ),
    Route(
        "POST",
        "advocate",
        "global",
        lambda c, d: "/alerts/searches",
        lambda c, d: {"name": "parity", "query": "q=parity"},
    ),
    Route(
        "POST",
        "advocate",
        "org",
        lambda c, d: f"/alerts/searches/{c['tmp_search']}/delete",
        fresh=_new_search,
    ),
    Route("GET", "admin", "site", lambda c, d: "/jobs"),
    Route("POST", "admin", "site", lambda c, d: "/jobs/some-job-id/retry"),
    Route("GET", "admin", "global", lambda c, d: "/admin/users"),
    Route(
        "POST",
        "admin",
        "global",
        lambda c, d: "/admin/users",
        lambda c, d: {"email": "invitee@example.org", "role": "viewer"},
    ),
    Route(
        "POST",
        "admin",
        "org",
        lambda c, d: f"/admin/users/{c['users'][(A, 'viewer')].id}",
        lambda c, d: {
            f"u{c['users'][(A, 'viewer')].id}-role": "viewer",
            f"u{c['users'][(A, 'viewer')].id}-active": "y",
        },
    ),
    Route(
        "POST",
        "admin",
        "org",
        lambda c, d: f"/admin/invitations/{c['tmp_invite']}/revoke",
        fresh=_new_invite,
    ),
    Route("GET", "viewer", "global", lambda c, d: "/account/tokens"),
    Route("POST", "viewer", "global", lambda c, d: "/account/tokens", lambda c, d: {"name": "t"}),
    Route(
        "POST",
        "viewer",
        "owner",
        lambda c, d: f"/account/tokens/{c['tmp_token']}/revoke",
        fresh=_new_token,
    ),
]


def _expected(route: Route, user: tuple[str, str] | None) -> str:
    if route.scope == "public":
        return "ok"
    if user is None:
        return "login"
    org, role = user
    if ROLES.index(role) < ROLES.index(route.min_role):
        return "forbidden"
    if route.scope == "site" and user != ("alpha", "admin"):
        return "forbidden"
    if route.scope == "org" and org != "alpha":
        return "missing"
    if route.scope == "owner" and user != ("alpha", "admin"):
        return "missing"
    return "ok"


def _outcome(response) -> str:  # noqa: ANN001
    if response.status_code == 302 and "/login" in response.headers.get("Location", ""):
        return "login"
    if response.status_code in (200, 201, 302):
        return "ok"
    return {403: "forbidden", 404: "missing"}.get(response.status_code, str(response.status_code))


def _csrf(client) -> str:  # noqa: ANN001
    html = client.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_every_route_role_and_organization_gets_exactly_its_rights(app: Flask, db, world) -> None:  # noqa: ANN001
    world["tmp"] = []
    clients = {}
    for user in USERS:
        client = app.test_client()
        if user is not None:
            sign_in(client, world["users"][user].email, PASSWORD)
        clients[user] = (client, _csrf(client))
    adapter = app.url_map.bind("localhost")
    endpoints = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in WEB_BLUEPRINTS
    }
    # POST-only sign-outs end the client's session: tested below and in test_security.py
    covered = {"auth.logout", "auth.logout_everywhere"}
    problems = []
    for route in ROUTES:
        for user in USERS:
            if route.fresh:
                route.fresh(world, db)
            client, token = clients[user]
            path = route.path(world, db)
            covered.add(adapter.match(path.split("?")[0], method=route.method)[0])
            if route.method == "GET":
                response = client.get(path)
            else:
                response = client.post(path, data={**route.data(world, db), "csrf_token": token})
            got, want = _outcome(response), _expected(route, user)
            if got != want:
                problems.append(f"{route.method} {path} as {user}: {got}, expected {want}")
            if user is not None and user[0] == "beta":
                body = response.get_data(as_text=True)
                for secret in SECRETS["alpha"]:
                    if secret in body:
                        problems.append(f"{route.method} {path} as {user} leaks {secret!r}")
    assert not problems, "\n".join(problems)
    assert endpoints <= covered, f"routes missing from the matrix: {sorted(endpoints - covered)}"


def test_signing_out_needs_a_post_with_csrf(app: Flask, world) -> None:  # noqa: ANN001
    client = app.test_client()
    sign_in(client, world["users"][("alpha", "viewer")].email, PASSWORD)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400  # no CSRF token
    assert client.post("/logout", data={"csrf_token": _csrf(client)}).status_code == 302
    assert "/login" in client.get("/").headers["Location"]
