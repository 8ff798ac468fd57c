"""The bill query, in one place: parse a search (the /bills query string, a saved
search, an API call), run full text + filters, page the result, and answer "does this
bill match?" for saved-search alerts with the very same SQL.

Used by the search page and its CSV export (`web/views/bills.py`), the API
(`web/api.py`), saved searches and their alerts (`tracker/alerts.py`).

Full text runs on SQLite FTS5 (`bill_fts`, porter stemming, bm25 with identifier and title
weighted highest) or PostgreSQL (`bill_search.document` tsvector, GIN index, ts_rank_cd);
revision 0004 creates both and the triggers that keep them current. The user's words are
reduced to plain tokens and ANDed, so no query syntax from the box reaches the engine;
words in double quotes are a phrase ("trust fund"), matched as adjacent words (FTS5
phrase, PostgreSQL `phraseto_tsquery`), and a word of at least 3 letters ending in `*`
is a prefix (`tele*`: telehealth, telemedicine; FTS5 `"tele"*`, PostgreSQL `tele:*`).
`snippets` gives, for a page of results, the
passage of the bill's text that matched, with the words marked.

No Flask here: views and the API call `parse_query` with `request.args` and render.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup, escape
from sqlalchemy import (
    Float,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    func,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session, joinedload, selectinload

from tracker.errors import InvalidInput
from tracker.models import Bill, Jurisdiction, LegislativeSession, Watchlist, WatchlistEntry
from tracker.records import STAGES

__all__ = [
    "SORTS",
    "MAX_PER_PAGE",
    "CSV_LIMIT",
    "COUNT_CAP",
    "BillQuery",
    "SearchPage",
    "tokens",
    "terms",
    "parse_query",
    "fts_subquery",
    "count_matches",
    "snippets",
    "bare_search",
    "apply_filters",
    "order_by_score",
    "search_bills",
    "iter_all",
    "jurisdictions",
    "reindex",
    "refresh_texts",
    "matching_bill_ids",
]

SORTS = ("relevance", "last_action", "score", "introduced", "identifier")
MAX_PER_PAGE = 100
CSV_LIMIT = 10_000
COUNT_CAP = 1_000  # the web page counts this far ("1,000+ bills"); the API counts all
_TOKEN = re.compile(r"\w+", re.UNICODE)
# Outside quotes, a word with a trailing "*" is a prefix: kept as "word*" in its term.
_TOKEN_OR_PREFIX = re.compile(r"(\w+)(\*?)", re.UNICODE)
MIN_PREFIX = 3  # "a*" would match half the index
MAX_TOKENS = 12
# How much of a bill's text is indexed: a PostgreSQL tsvector holds at most 1 MB (and
# word positions stop at 16,383), so a 200 MB appropriations bill is indexed by its start.
MAX_INDEX_CHARS = 400_000
SNIPPET_WORDS = 32
# Private-use characters mark the matched words inside a snippet; the snippet is
# escaped first and only then are they turned into <mark>, so bill text stays text.
_HIT, _HIT_END = "\ue010", "\ue011"


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
    return [t.lower() for t in _TOKEN.findall(q or "")][:MAX_TOKENS]


def terms(q: str) -> list[list[str]]:
    """The search as terms that must all match: a word, a prefix (`tele*`, kept as
    "tele*"), or a quoted phrase's words.

    `"trust fund" 988 tele*` -> [["trust", "fund"], ["988"], ["tele*"]]; at most 12 words.
    """
    out: list[list[str]] = []
    budget = MAX_TOKENS
    for i, part in enumerate((q or "").split('"')):
        if i % 2 == 1:  # inside quotes: one phrase
            words = [t.lower() for t in _TOKEN.findall(part)]
            if words:
                out.append(words[:budget])
                budget -= len(out[-1])
        else:
            words = [
                w.lower() + ("*" if star and len(w) >= MIN_PREFIX else "")
                for w, star in _TOKEN_OR_PREFIX.findall(part)
            ]
            for w in words[:budget]:
                out.append([w])
            budget -= min(len(words), budget)
        if budget <= 0:
            break
    return out


def _prefix(term: list[str]) -> str | None:
    """The prefix of a one-word prefix term ("tele" of ["tele*"]), else None."""
    return term[0][:-1] if len(term) == 1 and term[0].endswith("*") else None


def _fts5_match(q: str) -> str:
    """An FTS5 MATCH string: each term a quoted string (a phrase when several words; a
    prefix query `"tele"*`), ANDed. Terms hold only word characters, so no FTS5 syntax
    gets through."""
    return " ".join(
        f'"{stem}"*' if (stem := _prefix(term)) else '"' + " ".join(term) + '"' for term in terms(q)
    )


def _tsquery(q: str, prefix: str = "t") -> tuple[str, dict[str, str]]:
    """A PostgreSQL tsquery expression (phrases by phraseto_tsquery, prefixes by
    to_tsquery of "word:*", the word being only word characters) and its parameters
    (named `prefix`0, `prefix`1, ...)."""
    parts, params = [], {}
    for i, term in enumerate(terms(q)):
        if stem := _prefix(term):
            params[f"{prefix}{i}"] = f"{stem}:*"
            parts.append(f"to_tsquery('english', :{prefix}{i})")
        else:
            params[f"{prefix}{i}"] = " ".join(term)
            parts.append(f"phraseto_tsquery('english', :{prefix}{i})")
    return " && ".join(parts) or "plainto_tsquery('english', '')", params


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
    # `limit` is the API's alias for per_page (what most clients try first).
    per_page = integer("per_page" if get("per_page") else "limit", 25, 1, MAX_PER_PAGE)
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


def _fts_sql(
    session: Session, q: str, top: int | None = None, skip: int = 0, total: bool = False
) -> Any:
    """The dialect's full-text statement (bill_id, rank); with `top`, only the best ones.

    `total` (PostgreSQL only) adds a third column, `total`: how many bills match in all,
    counted by the ranking scan itself (a window count, evaluated before the LIMIT)."""
    page = f" ORDER BY rank DESC, {{tie}} LIMIT {int(top)} OFFSET {int(skip)}" if top else ""
    if session.get_bind().dialect.name == "sqlite":
        # Rank and cut inside FTS5 first: joining every match to its bill id before
        # sorting costs more than the ranking itself.
        inner = (
            "SELECT rowid AS rid, -bm25(bill_fts, 10.0, 6.0, 2.0, 1.0) AS rank "
            "FROM bill_fts WHERE bill_fts MATCH :match" + page.format(tie="rowid")
        )
        return text(
            "SELECT r.bill_id AS bill_id, t.rank AS rank "
            f"FROM ({inner}) t JOIN bill_search_rows r ON r.id = t.rid"
        ).bindparams(match=_fts5_match(q))
    tsq, params = _tsquery(q)
    counted = ", count(*) OVER () AS total" if total else ""
    return text(
        f"SELECT s.bill_id AS bill_id, ts_rank_cd(s.document, tsq) AS rank{counted} "
        f"FROM bill_search s, (SELECT {tsq} AS tsq) q "
        "WHERE s.document @@ tsq" + page.format(tie="bill_id")
    ).bindparams(**params)


def fts_subquery(session: Session, q: str, top: int | None = None, skip: int = 0):  # noqa: ANN201
    """(bill_id, rank) for bills matching every token of `q`; higher rank is better.

    With `top`, only the best `top` matches after skipping `skip`.
    `q` must have at least one token (see `tokens`).
    """
    return _fts_sql(session, q, top, skip).columns(bill_id=String, rank=Float).subquery("fts")


def _count_sql(session: Session, q: str, cap: int) -> Any:
    """How many bills match `q`, counting no further than `cap` (one row, one column).

    Its parameters have names of their own (`cmatch`, `c0`...), so the statement can sit
    inside the page's query as a scalar subquery next to the ranking one."""
    if session.get_bind().dialect.name == "sqlite":
        return text(
            "SELECT count(*) FROM (SELECT 1 FROM bill_fts WHERE bill_fts MATCH :cmatch "
            f"LIMIT {int(cap)})"
        ).bindparams(cmatch=_fts5_match(q))
    tsq, params = _tsquery(q, prefix="c")
    return text(
        f"SELECT count(*) FROM (SELECT 1 FROM bill_search s, (SELECT {tsq} AS tsq) q "
        f"WHERE s.document @@ tsq LIMIT {int(cap)}) c"
    ).bindparams(**params)


def count_matches(session: Session, q: str, cap: int) -> int:
    """How many bills match `q`, counting no further than `cap`."""
    return session.scalar(_count_sql(session, q, cap)) or 0


def snippets(session: Session, q: str, bill_ids: list[str]) -> dict[str, Markup]:
    """bill id -> the passage of its text that matched `q`, escaped, words in <mark>.

    Only for bills whose text (not just the title) matched; one query per page.
    """
    if not bill_ids or not terms(q):
        return {}
    if session.get_bind().dialect.name == "sqlite":
        # The rowids first: FTS5 then visits only these rows instead of every match.
        stmt = text(
            "SELECT r.bill_id, snippet(bill_fts, 3, :hit, :end, '…', :words) "
            "FROM bill_fts JOIN bill_search_rows r ON r.id = bill_fts.rowid "
            "WHERE bill_fts MATCH :match AND bill_fts.rowid IN "
            "(SELECT id FROM bill_search_rows WHERE bill_id IN :ids)"
        ).bindparams(
            bindparam("ids", expanding=True),
            match=_fts5_match(q),
            hit=_HIT,
            end=_HIT_END,
            words=SNIPPET_WORDS,
            ids=list(bill_ids),
        )
    else:
        tsq, params = _tsquery(q)
        options = (
            f"StartSel={_HIT}, StopSel={_HIT_END}, MaxWords={SNIPPET_WORDS}, MinWords=12, "
            'MaxFragments=2, FragmentDelimiter=" … "'
        )
        stmt = text(
            f"SELECT t.bill_id, ts_headline('english', t.text, tsq, :options) "
            "FROM bill_texts t JOIN bill_search s ON s.bill_id = t.bill_id, "
            f"(SELECT {tsq} AS tsq) q "
            "WHERE t.bill_id IN :ids AND s.document @@ tsq"
        ).bindparams(
            bindparam("ids", expanding=True), options=options, ids=list(bill_ids), **params
        )
    out: dict[str, Markup] = {}
    for bill_id, snip in session.execute(stmt):
        if snip and _HIT in snip:
            marked = str(escape(snip)).replace(_HIT, "<mark>").replace(_HIT_END, "</mark>")
            out[bill_id] = Markup(marked)
    return out


def bare_search(session: Session, q: str, limit: int = 25) -> list[str]:
    """The full-text query alone, best first (the benchmark's baseline)."""
    if not tokens(q):
        return []
    sub = fts_subquery(session, q, top=limit)
    return list(session.scalars(select(sub.c.bill_id).order_by(sub.c.rank.desc())))


def apply_filters(
    stmt: Select,
    topic: str,
    score_min: float | None,
    score_max: float | None,
    org_id: int | None = None,
) -> Select:
    """Restrict a bill query by topic (as organization `org_id` sees it: its corrections
    override the tagger) and relevance-score range (the tagging tables)."""
    from tracker.models.tagging import BillScore
    from tracker.tagging_queries import bill_ids_with_topic

    if topic:
        stmt = stmt.where(Bill.id.in_(bill_ids_with_topic(topic, org_id)))
    if score_min is not None or score_max is not None:
        scored = select(BillScore.bill_id)
        if score_min is not None:
            scored = scored.where(BillScore.relevance >= score_min)
        if score_max is not None:
            scored = scored.where(BillScore.relevance <= score_max)
        stmt = stmt.where(Bill.id.in_(scored))
    return stmt


def order_by_score(stmt: Select) -> Select:
    """Order by relevance score, highest first (unscored bills last)."""
    from tracker.models.tagging import BillScore

    return stmt.outerjoin(BillScore, BillScore.bill_id == Bill.id).order_by(
        BillScore.relevance.desc().nulls_last(),
        Bill.last_action_date.desc().nulls_last(),
        Bill.id,
    )


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
    stmt = apply_filters(stmt, query.topic, query.score_min, query.score_max, org_id)
    return stmt, rank


def matching_bill_ids(
    session: Session, query: BillQuery, org_id: int | None, among: Select | None = None
) -> list[str]:
    """Ids of every bill matching `query`'s words and filters (optionally only among the
    ids `among` selects), with the SQL the search page runs: a saved-search alert and the
    page that saved it cannot disagree."""
    stmt, _rank = _filtered(session, query, org_id)
    if among is not None:
        stmt = stmt.where(Bill.id.in_(among))
    return list(session.scalars(stmt.with_only_columns(Bill.id).order_by(Bill.id)))


def _ordered(stmt: Select, query: BillQuery, rank: Any) -> Select:
    sort = query.effective_sort
    if sort == "relevance" and rank is not None:
        return stmt.order_by(rank.desc(), Bill.last_action_date.desc().nulls_last(), Bill.id)
    if sort == "score":
        return order_by_score(stmt)
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
    limit = (count_cap + 1) if count_cap else None
    # One statement per page: the bills, their sessions (joined), the rank and the count
    # (an uncorrelated scalar subquery, which both databases run once per statement).
    if _text_only(query):
        # Take the page's ids straight from the index, then load just those bills.
        if session.get_bind().dialect.name == "sqlite":
            top = fts_subquery(session, query.q, top=query.per_page, skip=offset)
            counted = _count_sql(session, query.q, limit or 10**9).columns(n=Integer)
            total_column = counted.scalar_subquery()
        else:
            # PostgreSQL counts in the ranking scan, which reads every match's tsvector
            # anyway: a separate count re-read (and decompressed) up to 1,001 of them.
            top = (
                _fts_sql(session, query.q, top=query.per_page, skip=offset, total=True)
                .columns(bill_id=String, rank=Float, total=Integer)
                .subquery("fts")
            )
            total_column = top.c.total
        rows = session.execute(
            select(Bill, top.c.rank, total_column)
            .join(top, top.c.bill_id == Bill.id)
            .options(joinedload(Bill.session, innerjoin=True))
            .order_by(top.c.rank.desc(), Bill.id)
        ).all()
        if rows:
            total = rows[0][2]
        else:  # no bill on this page: none at all, or a page past the last one
            total = count_matches(session, query.q, limit or 10**9) if offset else 0
    else:
        stmt, rank = _filtered(session, query, org_id)
        ids = stmt.with_only_columns(Bill.id)
        if limit:
            ids = ids.limit(limit)
        counted = select(func.count()).select_from(ids.subquery())
        paged = _ordered(stmt, query, rank).add_columns(
            rank if rank is not None else literal(0.0), counted.scalar_subquery()
        )
        rows = session.execute(
            paged.options(joinedload(Bill.session, innerjoin=True))
            .limit(query.per_page)
            .offset(offset)
        ).all()
        if rows:
            total = rows[0][2]
        else:
            total = (session.scalar(counted) or 0) if offset else 0
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
    from tracker.models.web import BillText
    from tracker.tagging_queries import latest_version_texts

    ids = bill_ids if bill_ids is not None else list(session.scalars(select(Bill.id)))
    changed = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        current = {
            t.bill_id: t
            for t in session.scalars(select(BillText).where(BillText.bill_id.in_(chunk)))
        }
        for bill_id, (_version, _sha, text_value) in latest_version_texts(session, chunk).items():
            if not text_value:
                continue
            text_value = text_value[:MAX_INDEX_CHARS]
            row = current.get(bill_id)
            if row is None:
                session.add(BillText(bill_id=bill_id, text=text_value))
            elif row.text != text_value:
                row.text = text_value
            else:
                continue
            changed += 1
        session.commit()
    return changed
