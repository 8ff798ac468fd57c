"""Bill search (/bills, CSV export) and the bill page."""

from __future__ import annotations

import io

from flask import Blueprint, Response, abort, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from scrapers.texts import text_status
from tracker import bill_query as search
from tracker import parity_enforcement as pe
from tracker.cells import neutralize, safe_csv_writer
from tracker.errors import InvalidInput
from tracker.models import (
    Bill,
    Event,
    EventBill,
    Sponsorship,
    User,
    Watchlist,
    WatchlistEntry,
)
from tracker.models.votes import votes_for_bill
from tracker.records import STAGES
from tracker.similarity import model_act_matches, shared_passages
from tracker.tagging_queries import (
    latest_text_shas,
    latest_version_text,
    tags_for,
    text_marks,
    version_order,
)
from tracker.textdiff import diff_versions
from web import enrich
from web.auth import has_role, login_required
from web.db import db, settings
from web.text import (
    evidence_text,
    highlight,
    render_sections,
    stage_bar,
    version_text,
    version_texts,
)
from web.views import corrections
from web.views.common import org_id, org_watchlists
from web.views.forms import EntryForm, SaveSearchForm, WatchForm, options

bp = Blueprint("bills", __name__)


def _watched_map(
    bill_ids: list[str], watchlists: list[Watchlist] | None = None
) -> dict[str, list[WatchlistEntry]]:
    """Entries of the caller's organization for these bills (one query). Pass the
    organization's `watchlists` when they are loaded already: the entries then find
    theirs in the session instead of loading them again."""
    if not bill_ids:
        return {}
    stmt = select(WatchlistEntry).where(WatchlistEntry.bill_id.in_(bill_ids))
    if watchlists is not None:
        if not watchlists:
            return {}
        stmt = stmt.where(WatchlistEntry.watchlist_id.in_([w.id for w in watchlists]))
    else:
        stmt = stmt.join(Watchlist, Watchlist.id == WatchlistEntry.watchlist_id).where(
            Watchlist.organization_id == org_id()
        )
        stmt = stmt.options(selectinload(WatchlistEntry.watchlist))
    rows = db().scalars(stmt.order_by(WatchlistEntry.watchlist_id, WatchlistEntry.id))
    out: dict[str, list[WatchlistEntry]] = {}
    for entry in rows:
        out.setdefault(entry.bill_id, []).append(entry)
    return out


@bp.route("/bills", endpoint="search")
@login_required
def search_page():  # noqa: ANN201
    """Full-text search with filters, sorting and pagination; the URL is shareable."""
    error = None
    try:
        query = search.parse_query(request.args)
    except InvalidInput as exc:
        error, query = str(exc), search.BillQuery()
    page = search.search_bills(db(), query, org_id(), count_cap=search.COUNT_CAP)
    ids = [b.id for b in page.bills]
    watchlists = org_watchlists()
    return render_template(
        "bills/search.html",
        page=page,
        query=query,
        error=error,
        stages=STAGES,
        sorts=search.SORTS,
        jurisdictions=search.jurisdictions(db()),
        topics=enrich.topic_labels_for(db(), ids, org_id()),
        topic_choices=enrich.topic_choices(db()),
        scores=enrich.scores_for(db(), ids),
        snippets=search.snippets(db(), query.q, ids),
        watched=_watched_map(ids, watchlists),
        watchlists=watchlists,
        can_watch=has_role("advocate"),
        save_form=SaveSearchForm(query=query.to_query_string(page=1)),
    ), (400 if error else 200)


@bp.route("/bills.csv")
@login_required
def export_csv():  # noqa: ANN201
    """The whole result (up to 10,000 rows) as CSV, in the search's order."""
    query = search.parse_query(request.args)
    bills = list(search.iter_all(db(), query, org_id()))
    buffer = io.StringIO()
    writer = safe_csv_writer(buffer)
    writer.writerow(
        [
            "id",
            "jurisdiction",
            "session",
            "identifier",
            "title",
            "status",
            "introduced",
            "last_action_date",
            "last_action",
            "topics",
            "relevance",
            "passage_likelihood",
            "momentum",
            "position",
            "priority",
            "watchlists",
            "url",
        ]
    )
    for start in range(0, len(bills), CSV_BATCH):  # the columns a policy team sorts by
        batch = bills[start : start + CSV_BATCH]
        ids = [b.id for b in batch]
        topics = enrich.topic_labels_for(db(), ids)
        scores = {
            bill_id: {v.key: v.value for v in views}
            for bill_id, views in enrich.scores_for(db(), ids).items()
        }
        watched = _watched_map(ids)
        for b in batch:
            entries = watched.get(b.id, [])
            score = scores.get(b.id, {})
            writer.writerow(
                [
                    b.id,
                    b.jurisdiction_id,
                    b.session.identifier,
                    b.identifier,
                    _csv_safe(b.title),
                    b.status,
                    b.introduced_date or "",
                    b.last_action_date or "",
                    _csv_safe(b.last_action or ""),
                    "; ".join(t.label for t in topics.get(b.id, [])),
                    _number(score.get("relevance")),
                    _number(score.get("passage")),
                    "yes" if score.get("momentum") else "no" if score else "",
                    "; ".join(dict.fromkeys(e.position for e in entries)),
                    "; ".join(dict.fromkeys(e.priority for e in entries)),
                    _csv_safe("; ".join(e.watchlist.name for e in entries)),
                    b.url or "",
                ]
            )
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="bills.csv"'},
    )


CSV_BATCH = 500  # bills per enrichment query (SQLite's bound-parameter limit)


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}"


_csv_safe = neutralize  # every cell goes through safe_csv_writer as well


def _load_bill(bill_id: str) -> Bill:
    bill = (
        db()
        .scalars(
            select(Bill)
            .where(Bill.id == bill_id)
            .options(
                selectinload(Bill.actions),
                selectinload(Bill.sponsorships).selectinload(Sponsorship.legislator),
                selectinload(Bill.versions),
                selectinload(Bill.subjects),
                selectinload(Bill.source_links),
                selectinload(Bill.session),
                selectinload(Bill.jurisdiction),
            )
        )
        .first()
    )
    if bill is None:
        abort(404)
    return bill


@bp.route("/bills/<path:bill_id>")
@login_required
def show(bill_id: str):  # noqa: ANN201
    """Everything about one bill, plus the organization's own notes and outreach."""
    bill = _load_bill(bill_id)
    topics = enrich.topics_for(db(), [bill.id], org_id()).get(bill.id, [])
    evidence = [quote for t in topics for quote in t.evidence]
    hearings = (
        db()
        .scalars(
            select(Event)
            .join(EventBill, EventBill.event_id == Event.id)
            .where(EventBill.bill_id == bill.id)
            .order_by(Event.start.desc())
        )
        .all()
    )
    by_sha = version_texts(settings(), db(), [v.text_sha256 for v in bill.versions])
    text_version, text_sha, text = latest_version_text(db(), bill)
    labels = enrich.topic_labels()
    bill_text = (
        evidence_text(
            text,
            [(r.topic, labels.get(r.topic, r.topic), r.evidence) for r in tags_for(db(), bill.id)],
            text_sha,
            text_marks(db(), [text_sha]).get(text_sha or ""),
        )
        if text
        else None
    )
    texts = {v.id: by_sha.get(v.text_sha256 or "") for v in bill.versions}
    with_text = [v for v in bill.versions if texts.get(v.id)]
    latest_change = None
    if len(with_text) >= 2:  # "what changed in the latest version", with a link to it
        before, after = sorted(with_text, key=version_order)[-2:]
        latest_change = (before, after, diff_versions(texts[before.id], texts[after.id]).summary())
    # Parity-enforcement elements of the latest text: the page links the state's profile.
    found = pe.elements(text) if text else {}
    rubric = pe.load_rubric(settings().var_dir)
    parity = (
        {
            "labels": [spec["label"] for key, spec in rubric.elements.items() if key in found],
            "grade": pe.grade(found, rubric),
        }
        if found
        else None
    )
    similar = enrich.similar_for(db(), bill.id)
    mine = text or f"{bill.title or ''}\n{bill.abstract or ''}"
    # The near-copies' newest texts in two queries, not one per similar bill.
    others = [s.bill for s in similar[:5]]
    other_shas = latest_text_shas(db(), [b.id for b in others]) if others else {}
    other_texts = version_texts(settings(), db(), list(other_shas.values()))
    shared = {
        b.id: shared_passages(
            mine,
            other_texts.get(other_shas.get(b.id, "")) or f"{b.title or ''}\n{b.abstract or ''}",
            limit=2,
        )
        for b in others
    }
    watchlists = org_watchlists()
    entries = _watched_map([bill.id]).get(bill.id, [])
    entry_forms = {}
    if has_role("advocate") and entries:
        members = db().scalars(select(User).where(User.organization_id == org_id())).all()
        owners = options([(0, "Nobody")] + [(u.id, u.name or u.email) for u in members])
        for e in entries:
            form = EntryForm(prefix=f"e{e.id}", obj=e)
            form.owner_id.choices = owners
            form.owner_id.data = e.owner_id or 0
            entry_forms[e.id] = form
    # Adding is offered only for lists the bill is not on yet (editing covers the rest).
    free = [w for w in watchlists if w.id not in {e.watchlist_id for e in entries}]
    return render_template(
        "bills/show.html",
        bill=bill,
        bar=stage_bar(bill),
        title_html=highlight(bill.title, evidence),
        abstract_html=highlight(bill.abstract, evidence),
        topics=topics,
        scores=enrich.scores_for(db(), [bill.id]).get(bill.id, []),
        similar=similar,
        shared=shared,
        model_acts=model_act_matches(text or ""),
        parity=parity,
        corrections=corrections.panel(bill.id, topics),
        outreach=enrich.outreach_for_bill(db(), org_id(), bill.id),
        hearings=hearings,
        votes=votes_for_bill(db(), bill.id),
        with_text=with_text,
        text_status=text_status(db(), bill.versions),
        latest_change=latest_change,
        bill_text=bill_text,
        text_version=text_version,
        entries=entries,
        entry_forms=entry_forms,
        can_watch=has_role("advocate"),
        watchlists=watchlists,
        watch_form=WatchForm.for_watchlists(free, bill_id=bill.id)
        if has_role("advocate") and free
        else None,
    )


@bp.route("/bills/<path:bill_id>/diff")
@login_required
def diff(bill_id: str):  # noqa: ANN201
    """A word diff between two versions' extracted text (?a=<version id>&b=<version id>)."""
    bill = _load_bill(bill_id)
    by_id = {v.id: v for v in bill.versions}
    try:
        a, b = by_id[int(request.args["a"])], by_id[int(request.args["b"])]
    except (KeyError, ValueError):
        abort(404)
    old = version_text(settings(), a.text_sha256, db())
    new = version_text(settings(), b.text_sha256, db())
    if old is None or new is None:
        abort(404, "The text of one of these versions has not been extracted yet.")
    if a.date and b.date and a.date > b.date:  # always read as older -> newer
        a, b, old, new = b, a, new, old
    redline = diff_versions(old, new)
    return render_template(
        "bills/diff.html", bill=bill, a=a, b=b, redline=redline, sections=render_sections(redline)
    )
