"""The search page runs a fixed number of SQL statements whatever its size: the page, its
count and the bills' sessions in one statement, then one per kind of annotation (topics,
scores, snippets, watchlist entries), never one per bill."""

from __future__ import annotations

import re

from flask import Flask

from tests.conftest import sign_in
from tests.web.conftest import PASSWORD, QueryCounter
from tests.web.test_search_text import HB1477, _give_text
from tracker.models import Bill, Watchlist, WatchlistEntry
from tracker.tagging_service import score_bills, tag_bills

SEARCHES = [
    "q=health",  # one word, relevance: the index pages it
    "q=%22mental+health%22",  # a phrase (HB 1477 has it in its text too: a snippet)
    "q=crisi*",  # what people type for a prefix
    "q=health&jurisdiction=wa&jurisdiction=us",  # words and a filter
    "q=health&sort=score",  # words, another order
    "q=mental&topic=crisis&watchlist=any",  # topic and watchlist filters
    "status=introduced",  # no words at all
]
# user session, user, the page, watchlists, topics, scores, snippets, watch entries and
# what the layout asks about the signed-in admin.
MAX_STATEMENTS = 10


def _statements(engine, client, path: str) -> tuple[int, int]:  # noqa: ANN001
    with QueryCounter(engine) as counter:
        response = client.get(path)
    assert response.status_code == 200, path
    return counter.count, len(re.findall(r'<li class="bill">', response.get_data(as_text=True)))


def test_search_page_statements_do_not_grow_with_the_page(app: Flask, db, engine, world) -> None:  # noqa: ANN001
    _give_text(db, HB1477)
    ids = list(db.scalars(Bill.__table__.select().with_only_columns(Bill.id)))
    tag_bills(db, ids)
    score_bills(db, ids)
    wl = db.get(Watchlist, world["alpha"]["watchlist"])
    db.add_all(WatchlistEntry(watchlist_id=wl.id, bill_id=b) for b in ids if b != world["bill"])
    db.commit()
    client = app.test_client()
    sign_in(client, world["users"][("alpha", "admin")].email, PASSWORD)
    for search in SEARCHES:
        client.get(f"/bills?{search}")  # warm up (jurisdictions and the taxonomy are cached)
        counts = {n: _statements(engine, client, f"/bills?{search}&per_page={n}") for n in (1, 50)}
        (small, one_bill), (large, many_bills) = counts[1], counts[50]
        assert one_bill == 1 and many_bills > 1, (search, counts)
        assert small == large <= MAX_STATEMENTS, (search, counts)
