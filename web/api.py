"""JSON API `/api/v1`: bills, bill, search, legislators, watchlists, parity notes.

Every endpoint but the OpenAPI document needs `Authorization: Bearer <token>` (tokens are
per user, made on /account/tokens, stored as sha256). Lists are paged with `page` and
`per_page` (max 100) and answer `{"data", "meta", "links"}`. Rate limited per token.
Watchlists and parity notes are the token owner's organization's only.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, abort, g, jsonify, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from tracker import bill_query as search
from tracker.errors import InvalidInput
from tracker.models import (
    Bill,
    CommitteeMembership,
    Legislator,
    Sponsorship,
    User,
    Watchlist,
    WatchlistEntry,
    utcnow,
)
from web import csrf, enrich
from web.db import db
from web.limits import api_token_backoff, limiter
from web.models import ApiToken, ParityNote

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
RATE = "300 per minute"


def _token_key() -> str:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return "token:" + hashlib.sha256(header[7:].strip().encode()).hexdigest()[:32]
    return "ip:" + (request.remote_addr or "?")


limiter.limit(RATE, key_func=_token_key)(bp)


PUBLIC = ("api.openapi", "api.index", "api.index_bare")
_RULE_ARG = re.compile(r"<(?:\w+:)?(\w+)>")


def allowed_params(rule: str) -> list[str]:
    """The query parameters the OpenAPI document declares for a URL rule of this API."""
    from web.openapi import document

    path = _RULE_ARG.sub(r"{\1}", rule.removeprefix(bp.url_prefix or "")) or "/"
    operation = document("").get("paths", {}).get(path, {}).get("get", {})
    return [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]


@bp.before_request
def _check_params() -> None:
    """An unknown query parameter is a 400 naming the allowed ones (no silent ignoring)."""
    if request.url_rule is None or request.endpoint in PUBLIC:
        return
    allowed = allowed_params(request.url_rule.rule)
    unknown = sorted(set(request.args) - set(allowed))
    if unknown:
        raise InvalidInput(
            f"unknown query parameter{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(unknown)}; this endpoint takes "
            + (", ".join(allowed) if allowed else "no query parameters")
        )


@bp.before_request
def _authenticate() -> None:
    if request.endpoint in PUBLIC:
        return
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        abort(401, "Send an API token: Authorization: Bearer <token>")
    ip = request.remote_addr or "?"
    wait = api_token_backoff.wait(ip)
    if wait:
        abort(
            Response(
                '{"error": "Slow down", "message": "Too many unknown API tokens from your '
                f'address. Try again in {wait} seconds."}}',
                status=429,
                mimetype="application/json",
                headers={"Retry-After": str(wait)},
            )
        )
    hashed = hashlib.sha256(header[7:].strip().encode()).hexdigest()
    token = (
        db()
        .scalars(
            select(ApiToken)
            .where(ApiToken.token_hash == hashed, ApiToken.revoked_at.is_(None))
            .options(selectinload(ApiToken.user))
        )
        .first()
    )
    if token is None or not token.user.active:
        api_token_backoff.failure(ip)
        abort(401, "This API token is unknown or revoked.")
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now
        db().commit()
    g.api_user = token.user


def _user() -> User:
    return g.api_user


def _page_args() -> tuple[int, int]:
    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page") or request.args.get("limit") or 25)
    except ValueError as exc:
        raise InvalidInput("page and per_page must be whole numbers") from exc
    if page < 1 or not 1 <= per_page <= search.MAX_PER_PAGE:
        raise InvalidInput(f"page must be >= 1 and per_page 1-{search.MAX_PER_PAGE}")
    return page, per_page


def _paged(items: list[dict], total: int, page: int, per_page: int) -> Any:
    pages = max(1, -(-total // per_page))
    args = {
        k: v
        for k, v in request.args.to_dict(flat=False).items()
        if k not in ("page", "per_page", "limit")
    }

    def link(p: int) -> str:
        return url_for(
            request.endpoint, **request.view_args, **args, page=p, per_page=per_page, _external=True
        )

    return jsonify(
        {
            "data": items,
            "meta": {"page": page, "per_page": per_page, "total": total, "pages": pages},
            "links": {
                "self": link(page),
                "next": link(page + 1) if page < pages else None,
                "prev": link(page - 1) if page > 1 else None,
            },
        }
    )


def bill_summary(bill: Bill) -> dict[str, Any]:
    """The fields a bill list shows."""
    return {
        "id": bill.id,
        "jurisdiction": bill.jurisdiction_id,
        "session": bill.session.identifier,
        "identifier": bill.identifier,
        "title": bill.title,
        "classification": bill.classification,
        "status": bill.status,
        "status_date": _iso(bill.status_date),
        "introduced_date": _iso(bill.introduced_date),
        "last_action_date": _iso(bill.last_action_date),
        "last_action": bill.last_action,
        "url": url_for("api.bill", bill_id=bill.id, _external=True),
        "html_url": url_for("bills.show", bill_id=bill.id, _external=True),
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _bill_list(require_q: bool) -> Any:
    args = request.args.to_dict(flat=False)
    if require_q and not search.tokens(request.args.get("q", "")):
        raise InvalidInput("q is required: the words to search for")
    query = search.parse_query(args)
    result = search.search_bills(db(), query, _user().organization_id)
    items = []
    snips = search.snippets(db(), query.q, [b.id for b in result.bills])
    for bill in result.bills:
        item = bill_summary(bill)
        if search.tokens(query.q):
            item["rank"] = round(result.ranks.get(bill.id, 0.0), 6)
            if bill.id in snips:
                item["snippet"] = snips[bill.id].striptags()
        items.append(item)
    return _paged(items, result.total, query.page, query.per_page)


@bp.route("/bills")
def bills():  # noqa: ANN201
    """Bills, with the same filters as /bills in the web app."""
    return _bill_list(require_q=False)


@bp.route("/search")
def search_endpoint():  # noqa: ANN201
    """Full-text search (q required), best match first."""
    return _bill_list(require_q=True)


@bp.route("/bills/<path:bill_id>")
def bill(bill_id: str):  # noqa: ANN201
    """One bill with actions, sponsors, versions, sources, topics, scores, and our entries."""
    item = (
        db()
        .scalars(
            select(Bill)
            .where(Bill.id == bill_id)
            .options(
                selectinload(Bill.actions),
                selectinload(Bill.sponsorships),
                selectinload(Bill.versions),
                selectinload(Bill.subjects),
                selectinload(Bill.source_links),
                selectinload(Bill.session),
            )
        )
        .first()
    )
    if item is None:
        abort(404, f"no bill {bill_id!r}")
    entries = (
        db()
        .scalars(
            select(WatchlistEntry)
            .join(Watchlist, Watchlist.id == WatchlistEntry.watchlist_id)
            .where(
                Watchlist.organization_id == _user().organization_id,
                WatchlistEntry.bill_id == item.id,
            )
        )
        .all()
    )
    data = bill_summary(item)
    data.update(
        abstract=item.abstract,
        actions=[
            {
                "date": _iso(a.date),
                "chamber": a.chamber,
                "description": a.description,
                "classification": a.classification,
            }
            for a in item.actions
        ],
        sponsors=[
            {"name": s.name, "role": s.role, "party": s.party, "legislator_id": s.legislator_id}
            for s in item.sponsorships
        ],
        versions=[
            {"note": v.note, "url": v.url, "date": _iso(v.date), "media_type": v.media_type}
            for v in item.versions
        ],
        subjects=[s.subject for s in item.subjects],
        sources=[{"source": s.source, "url": s.url} for s in item.source_links],
        topics=[
            t.__dict__
            for t in enrich.topics_for(db(), [item.id], _user().organization_id).get(item.id, [])
        ],
        scores=[s.__dict__ for s in enrich.scores_for(db(), [item.id]).get(item.id, [])],
        watchlist_entries=[_entry(e) for e in entries],
    )
    return jsonify(data)


def _entry(e: WatchlistEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "watchlist_id": e.watchlist_id,
        "bill_id": e.bill_id,
        "position": e.position,
        "priority": e.priority,
        "notes": e.notes,
        "owner_id": e.owner_id,
        "added_at": _iso(e.added_at),
    }


def _legislator(l: Legislator) -> dict[str, Any]:  # noqa: E741
    return {
        "id": l.id,
        "name": l.name,
        "jurisdiction": l.jurisdiction_id,
        "party": l.party,
        "chamber": l.chamber,
        "district": l.district,
        "email": l.email,
        "url": url_for("api.legislator", legislator_id=l.id, _external=True),
    }


@bp.route("/legislators")
def legislators():  # noqa: ANN201
    """Legislators; filter by `jurisdiction` and `name` (substring)."""
    page, per_page = _page_args()
    stmt = select(Legislator)
    if name := request.args.get("name", "").strip():
        stmt = stmt.where(func.lower(Legislator.name).contains(name.lower()[:100], autoescape=True))
    if jurisdiction := request.args.get("jurisdiction", "").strip().lower():
        stmt = stmt.where(Legislator.jurisdiction_id == jurisdiction[:8])
    total = db().scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = (
        db()
        .scalars(
            stmt.order_by(Legislator.jurisdiction_id, Legislator.name, Legislator.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        .all()
    )
    return _paged([_legislator(r) for r in rows], total, page, per_page)


@bp.route("/legislators/<int:legislator_id>")
def legislator(legislator_id: int):  # noqa: ANN201
    """One legislator with offices, committees and sponsored bill ids."""
    item = (
        db()
        .scalars(
            select(Legislator)
            .where(Legislator.id == legislator_id)
            .options(
                selectinload(Legislator.memberships).selectinload(CommitteeMembership.committee)
            )
        )
        .first()
    )
    if item is None:
        abort(404, f"no legislator {legislator_id}")
    data = _legislator(item)
    data.update(
        phones=item.phones,
        offices=item.offices,
        contact_form_url=item.contact_form_url,
        committees=[{"name": m.committee.name, "role": m.role} for m in item.memberships],
        sponsored_bills=list(
            db().scalars(select(Sponsorship.bill_id).where(Sponsorship.legislator_id == item.id))
        ),
    )
    return jsonify(data)


@bp.route("/watchlists")
def watchlists():  # noqa: ANN201
    """The token owner's organization's watchlists."""
    page, per_page = _page_args()
    stmt = select(Watchlist).where(Watchlist.organization_id == _user().organization_id)
    total = db().scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = (
        db()
        .scalars(stmt.order_by(Watchlist.name).limit(per_page).offset((page - 1) * per_page))
        .all()
    )
    counts = dict(
        db()
        .execute(
            select(WatchlistEntry.watchlist_id, func.count())
            .where(WatchlistEntry.watchlist_id.in_([w.id for w in rows]))
            .group_by(WatchlistEntry.watchlist_id)
        )
        .all()
    )
    return _paged(
        [
            {
                "id": w.id,
                "name": w.name,
                "description": w.description,
                "entries": counts.get(w.id, 0),
                "url": url_for("api.watchlist", watchlist_id=w.id, _external=True),
            }
            for w in rows
        ],
        total,
        page,
        per_page,
    )


@bp.route("/watchlists/<int:watchlist_id>")
def watchlist(watchlist_id: int):  # noqa: ANN201
    """One watchlist with its entries (paged)."""
    wl = db().get(Watchlist, watchlist_id)
    if wl is None or wl.organization_id != _user().organization_id:
        abort(404, f"no watchlist {watchlist_id}")
    page, per_page = _page_args()
    stmt = select(WatchlistEntry).where(WatchlistEntry.watchlist_id == wl.id)
    total = db().scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = (
        db()
        .scalars(
            stmt.options(selectinload(WatchlistEntry.bill).selectinload(Bill.session))
            .order_by(WatchlistEntry.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        .all()
    )
    return _paged(
        [{**_entry(e), "bill": bill_summary(e.bill)} for e in rows], total, page, per_page
    )


@bp.route("/parity/<state>/notes")
def parity_notes(state: str):  # noqa: ANN201
    """The token owner's organization's private notes on a state's parity profile."""
    code = state.strip().lower()
    if not code.isalpha() or len(code) > 3:
        abort(404, f"no state {state}")
    page, per_page = _page_args()
    stmt = select(ParityNote).where(
        ParityNote.organization_id == _user().organization_id,
        ParityNote.jurisdiction_id == code,
    )
    total = db().scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = (
        db()
        .scalars(stmt.order_by(ParityNote.element).limit(per_page).offset((page - 1) * per_page))
        .all()
    )
    return _paged(
        [
            {
                "state": n.jurisdiction_id,
                "element": n.element or None,
                "body": n.body,
                "updated_at": _iso(n.updated_at),
            }
            for n in rows
        ],
        total,
        page,
        per_page,
    )


@bp.route("/openapi.json")
def openapi():  # noqa: ANN201
    """The OpenAPI 3.1 description of this API."""
    from web.openapi import document

    return jsonify(document(url_for("api.openapi", _external=True).rsplit("/", 1)[0]))


@bp.route("/")
@bp.route("", endpoint="index_bare")
def index():  # noqa: ANN201
    """The resources of this API, with links (no token needed to read it)."""
    from web.openapi import document

    base = url_for("api.index", _external=True).rstrip("/")
    doc = document(base)
    return jsonify(
        {
            "name": doc["info"]["title"],
            "version": doc["info"]["version"],
            "authentication": "Authorization: Bearer <token> (make one on /account/tokens)",
            "resources": [
                {
                    "path": path,
                    "url": base + path,
                    "summary": op["get"].get("summary", ""),
                    "parameters": [p["name"] for p in op["get"].get("parameters", [])],
                }
                for path, op in doc["paths"].items()
            ],
            "openapi": url_for("api.openapi", _external=True),
            "docs": url_for("api_docs.docs", _external=True),
        }
    )
