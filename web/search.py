"""Bill search: parse the /bills query string, run full-text + filters, page the result.

Full text runs on SQLite FTS5 (`bill_fts`, porter stemming, bm25 with identifier and title
weighted highest) or PostgreSQL (`bill_search.document` tsvector, GIN index, ts_rank_cd);
revision 0004 creates both and the triggers that keep them current. The user's words are
reduced to plain tokens and ANDed, so no query syntax from the box reaches the engine.

No Flask here: views and the API call `parse_query` with `request.args` and render.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Float, Select, String, and_, func, literal, or_, select, text
from sqlalchemy.orm import Session, selectinload

from tracker.errors import InvalidInput
from tracker.models import Bill, Jurisdiction, LegislativeSession, Watchlist, WatchlistEntry
from tracker.records import STAGES
from web import enrich

SORTS = ("relevance", "last_action", "score", "introduced", "identifier")
MAX_PER_PAGE = 100
CSV_LIMIT = 10_000
COUNT_CAP = 1_000  # the web page counts this far ("1,000+ bills"); the API counts all
_TOKEN = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class BillQuery:
    """Everything /bills, the CSV export, saved searches and the API can ask for."""

    q: str = ""
    jurisdiction: tuple[str, ...] = ()
    session: str = ""
    topic: str = ""
    status: tuple[str, ...] = ()
    score_min: float | None = None
    score_max: float | None = None
    updated_since: date | None = None
    watchlist: str = ""  # "" (any bill), "any" (on one of our lists) or a watchlist id
    sort: str = ""
    page: int = 1
    per_page: int = 25

    @property
    def effective_sort(self) -> str:
        """Relevance when there is a query, else most recent action."""
        if self.sort:
            return self.sort
        return "relevance" if tokens(self.q) else "last_action"

    def to_args(self, **changes: Any) -> dict[str, Any]:
        """Query-string arguments that reproduce this search (shareable URLs)."""
        query = replace(self, **changes) if changes else self
        args: dict[str, Any] = {}
        for f in fields(query):
            value = getattr(query, f.name)
            if value in ("", None, ()) or (f.name == "page" and value == 1):
                continue
            if f.name == "per_page" and value == 25:
                continue
            args[f.name] = list(value) if isinstance(value, tuple) else str(value)
        return args

    def to_query_string(self, **changes: Any) -> str:
        """`to_args` encoded for a URL."""
        return urlencode(self.to_args(**changes), doseq=True)


@dataclass
class SearchPage:
    """One page of results with the total and relevance ranks."""

    query: BillQuery
    bills: list[Bill]
    total: int
    ranks: dict[str, float] = field(default_factory=dict)
    capped: bool = False  # more than `total` bills match; counting stopped there

    @property
    def pages(self) -> int:
        """Number of pages (at least 1; a lower bound when the count was capped)."""
        return max(1, -(-self.total // self.query.per_page), self.query.page)

    @property
    def has_next(self) -> bool:
        """True when a later page exists."""
        if self.capped:
            return len(self.bills) == self.query.per_page
        return self.query.page < self.pages


def tokens(q: str) -> list[str]:
    """The words of a search box value, lower-cased, at most 12 of them."""
    return [t.lower() for t in _TOKEN.findall(q or "")][:12]


def parse_query(args: Mapping[str, Any]) -> BillQuery:
    """Validate query-string arguments; InvalidInput names each bad field."""
    errors: list[str] = []

    def getlist(name: str) -> list[str]:
        if hasattr(args, "getlist"):
            values = args.getlist(name)
        else:
            raw = args.get(name)
            values = raw if isinstance(raw, list) else ([raw] if raw else [])
        return [str(v).strip() for v in values if v is not None and str(v).strip()]

    def get(name: str) -> str:
        values = getlist(name)
        return values[0] if values else ""

    q = get("q")[:300]
    jurisdiction = tuple(dict.fromkeys(j.lower() for j in getlist("jurisdiction")))
    for j in jurisdiction:
        if not re.fullmatch(r"[a-z]{2}", j):
            errors.append(f"jurisdiction: {j!r} is not a two-letter code")
    status = tuple(dict.fromkeys(getlist("status")))
    for s in status:
        if s not in STAGES:
            errors.append(f"status: {s!r} is not one of {', '.join(STAGES)}")

    def number(name: str) -> float | None:
        raw = get(name)
        if not raw:
            return None
        try:
            return float(raw)
        except ValueError:
            errors.append(f"{name}: {raw!r} is not a number")
            return None

    score_min, score_max = number("score_min"), number("score_max")
    updated_since = None
    if raw := get("updated_since"):
        try:
            updated_since = date.fromisoformat(raw)
        except ValueError:
            errors.append(f"updated_since: {raw!r} is not a date (YYYY-MM-DD)")
    watchlist = get("watchlist")
    if watchlist and watchlist != "any" and not watchlist.isdigit():
        errors.append("watchlist: use 'any' or a watchlist number")
    sort = get("sort")
    if sort and sort not in SORTS:
        errors.append(f"sort: {sort!r} is not one of {', '.join(SORTS)}")

    def integer(name: str, default: int, low: int, high: int) -> int:
        raw = get(name)
        if not raw:
            return default
        if not raw.isdigit() or not low <= int(raw) <= high:
            errors.append(f"{name}: must be a whole number from {low} to {high}")
            return default
        return int(raw)

    page = integer("page", 1, 1, 100_000)
    per_page = integer("per_page", 25, 1, MAX_PER_PAGE)
    if errors:
        raise InvalidInput("; ".join(errors))
    return BillQuery(
        q=q,
        jurisdiction=jurisdiction,
        session=get("session")[:80],
        topic=get("topic")[:80],
        status=status,
        score_min=score_min,
        score_max=score_max,
        updated_since=updated_since,
        watchlist=watchlist,
        sort=sort,
        page=page,
        per_page=per_page,
    )


def _fts_sql(session: Session, q: str, top: int | None = None, skip: int = 0) -> Any:
    """The dialect's full-text statement (bill_id, rank); with `top`, only the best ones."""
    words = tokens(q)
    page = f" ORDER BY rank DESC, {{tie}} LIMIT {int(top)} OFFSET {int(skip)}" if top else ""
    if session.get_bind().dialect.name == "sqlite":
        match = " ".join('"' + w.replace('"', "") + '"' for w in words)
        # Rank and cut inside FTS5 first: joining every match to its bill id before
        # sorting costs more than the ranking itself.
        inner = (
            "SELECT rowid AS rid, -bm25(bill_fts, 10.0, 6.0, 2.0, 1.0) AS rank "
            "FROM bill_fts WHERE bill_fts MATCH :match" + page.format(tie="rowid")
        )
        return text(
            "SELECT r.bill_id AS bill_id, t.rank AS rank "
            f"FROM ({inner}) t JOIN bill_search_rows r ON r.id = t.rid"
        ).bindparams(match=match)
    return text(
        "SELECT s.bill_id AS bill_id, ts_rank_cd(s.document, tsq) AS rank "
        "FROM bill_search s, plainto_tsquery('english', :q) tsq "
        "WHERE s.document @@ tsq" + page.format(tie="bill_id")
    ).bindparams(q=" ".join(words))


def fts_subquery(session: Session, q: str, top: int | None = None, skip: int = 0):  # noqa: ANN201
    """(bill_id, rank) for bills matching every token of `q`; higher rank is better.

    With `top`, only the best `top` matches after skipping `skip`.
    `q` must have at least one token (see `tokens`).
    """
    return _fts_sql(session, q, top, skip).columns(bill_id=String, rank=Float).subquery("fts")


def count_matches(session: Session, q: str, cap: int) -> int:
    """How many bills match `q`, counting no further than `cap`."""
    if session.get_bind().dialect.name == "sqlite":
        match = " ".join('"' + w.replace('"', "") + '"' for w in tokens(q))
        stmt = text(
            "SELECT count(*) FROM (SELECT 1 FROM bill_fts WHERE bill_fts MATCH :match "
            f"LIMIT {int(cap)})"
        ).bindparams(match=match)
    else:
        stmt = text(
            "SELECT count(*) FROM (SELECT 1 FROM bill_search s, "
            "plainto_tsquery('english', :q) tsq WHERE s.document @@ tsq "
            f"LIMIT {int(cap)}) c"
        ).bindparams(q=" ".join(tokens(q)))
    return session.scalar(stmt) or 0


def bare_search(session: Session, q: str, limit: int = 25) -> list[str]:
    """The full-text query alone, best first (the benchmark's baseline)."""
    if not tokens(q):
        return []
    sub = fts_subquery(session, q, top=limit)
    return list(session.scalars(select(sub.c.bill_id).order_by(sub.c.rank.desc())))


def _filtered(session: Session, query: BillQuery, org_id: int | None) -> tuple[Select, Any]:
    stmt = select(Bill)
    rank = None
    if tokens(query.q):
        sub = fts_subquery(session, query.q)
        stmt = stmt.join(sub, sub.c.bill_id == Bill.id)
        rank = sub.c.rank
    if query.jurisdiction:
        stmt = stmt.where(Bill.jurisdiction_id.in_(query.jurisdiction))
    if query.session:
        stmt = stmt.where(
            Bill.session_id.in_(
                select(LegislativeSession.id).where(LegislativeSession.identifier == query.session)
            )
        )
    if query.status:
        stmt = stmt.where(Bill.status.in_(query.status))
    if query.updated_since:
        stmt = stmt.where(
            or_(
                Bill.last_action_date >= query.updated_since,
                and_(Bill.last_action_date.is_(None), Bill.introduced_date >= query.updated_since),
            )
        )
    if query.watchlist:
        watched = (
            select(WatchlistEntry.bill_id)
            .join(Watchlist, Watchlist.id == WatchlistEntry.watchlist_id)
            .where(Watchlist.organization_id == (org_id if org_id is not None else -1))
        )
        if query.watchlist != "any":
            watched = watched.where(Watchlist.id == int(query.watchlist))
        stmt = stmt.where(Bill.id.in_(watched))
    stmt = enrich.apply_filters(stmt, query.topic, query.score_min, query.score_max)
    return stmt, rank


def _ordered(stmt: Select, query: BillQuery, rank: Any) -> Select:
    sort = query.effective_sort
    if sort == "relevance" and rank is not None:
        return stmt.order_by(rank.desc(), Bill.last_action_date.desc().nulls_last(), Bill.id)
    if sort == "score":
        ordered = enrich.order_by_score(stmt, query.topic)
        if ordered is not None:
            return ordered
    if sort == "introduced":
        return stmt.order_by(Bill.introduced_date.desc().nulls_last(), Bill.id)
    if sort == "identifier":
        return stmt.order_by(Bill.jurisdiction_id, Bill.identifier, Bill.id)
    return stmt.order_by(Bill.last_action_date.desc().nulls_last(), Bill.id)


def _text_only(query: BillQuery) -> bool:
    """True for a plain relevance search with no filter: the FTS index alone can page it."""
    return (
        bool(tokens(query.q))
        and query.effective_sort == "relevance"
        and not (
            query.jurisdiction
            or query.session
            or query.status
            or query.updated_since
            or query.watchlist
            or query.topic
            or query.score_min is not None
            or query.score_max is not None
        )
    )


def search_bills(
    session: Session, query: BillQuery, org_id: int | None, *, count_cap: int | None = None
) -> SearchPage:
    """One page of bills for `query`, seen by organization `org_id`.

    `count_cap` stops counting there (the page says "1,000+"); None counts exactly.
    """
    offset = (query.page - 1) * query.per_page
    if _text_only(query):
        # Take the page's ids straight from the index, then load just those bills.
        top = fts_subquery(session, query.q, top=query.per_page, skip=offset)
        rows = session.execute(
            select(Bill, top.c.rank)
            .join(top, top.c.bill_id == Bill.id)
            .options(selectinload(Bill.session))
            .order_by(top.c.rank.desc(), Bill.id)
        ).all()
        total = count_matches(session, query.q, (count_cap + 1) if count_cap else 10**9)
    else:
        stmt, rank = _filtered(session, query, org_id)
        ids = stmt.with_only_columns(Bill.id)
        if count_cap:
            ids = ids.limit(count_cap + 1)
        total = session.scalar(select(func.count()).select_from(ids.subquery())) or 0
        paged = _ordered(stmt, query, rank).add_columns(rank if rank is not None else literal(0.0))
        rows = session.execute(
            paged.options(selectinload(Bill.session)).limit(query.per_page).offset(offset)
        ).all()
    capped = bool(count_cap) and total > count_cap
    return SearchPage(
        query=query,
        bills=[row[0] for row in rows],
        total=min(total, count_cap) if capped else total,
        ranks={row[0].id: float(row[1] or 0) for row in rows},
        capped=capped,
    )


def iter_all(session: Session, query: BillQuery, org_id: int | None, limit: int = CSV_LIMIT):  # noqa: ANN201
    """Every matching bill (up to `limit`) in the query's order, for the CSV export."""
    stmt, rank = _filtered(session, query, org_id)
    stmt = _ordered(stmt, query, rank).options(selectinload(Bill.session)).limit(limit)
    return session.scalars(stmt).all()


_JURISDICTIONS: dict[str, list[tuple[str, str]]] = {}


def jurisdictions(session: Session) -> list[tuple[str, str]]:
    """(id, name) of every jurisdiction, for the filter form (the migration seeds them,
    so they are read once per database and process)."""
    url = str(session.get_bind().url)
    if url not in _JURISDICTIONS:
        _JURISDICTIONS[url] = [
            (j.id, j.name)
            for j in session.scalars(select(Jurisdiction).order_by(Jurisdiction.name))
        ]
    return _JURISDICTIONS[url]


def reindex(session: Session) -> int:
    """Rebuild the full-text index from the bills and bill_texts tables; returns rows."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("DELETE FROM bill_fts"))
        session.execute(text("DELETE FROM bill_search_rows"))
        session.execute(text("INSERT INTO bill_search_rows (bill_id) SELECT id FROM bills"))
        session.execute(
            text(
                "INSERT INTO bill_fts (rowid, identifier, title, abstract, body) "
                "SELECT r.id, b.identifier, b.title, b.abstract, coalesce(t.text, '') "
                "FROM bills b JOIN bill_search_rows r ON r.bill_id = b.id "
                "LEFT JOIN bill_texts t ON t.bill_id = b.id"
            )
        )
        session.execute(text("INSERT INTO bill_fts(bill_fts) VALUES ('optimize')"))
    else:
        session.execute(text("SELECT bill_search_upsert(id) FROM bills"))
    session.commit()
    return session.scalar(select(func.count()).select_from(Bill)) or 0


def refresh_texts(session: Session, bill_ids: list[str] | None = None) -> int:
    """Copy each bill's latest extracted text (tagging's `extracted_texts`) into
    `bill_texts`, whose triggers index it; all bills when `bill_ids` is None."""
    from tracker.tagging_queries import latest_text
    from web.models import BillText

    ids = bill_ids if bill_ids is not None else list(session.scalars(select(Bill.id)))
    changed = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        current = {
            t.bill_id: t
            for t in session.scalars(select(BillText).where(BillText.bill_id.in_(chunk)))
        }
        for bill in session.scalars(select(Bill).where(Bill.id.in_(chunk))):
            _, text_value = latest_text(session, bill)
            if not text_value:
                continue
            row = current.get(bill.id)
            if row is None:
                session.add(BillText(bill_id=bill.id, text=text_value))
            elif row.text != text_value:
                row.text = text_value
            else:
                continue
            changed += 1
        session.commit()
    return changed
