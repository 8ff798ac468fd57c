"""Full-text search over bill text (SQLite FTS5 and PostgreSQL tsvector): phrases, a
snippet of the matched passage, and saved-search alerts that agree with the page."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import Flask

from tests.conftest import sign_in
from tests.web.conftest import PASSWORD, demo_rows, record_from_row
from tracker import alerts, bill_query
from tracker.ingest import ingest
from tracker.models import Bill, BillVersion
from tracker.tagging_service import tag_bills
from tracker.textextract import store_version_text
from web.models import SavedSearch

TEXTS = Path(__file__).resolve().parents[1] / "fixtures" / "texts"
HB1477 = "wa-202122-hb1477"
PHRASE = '"crisis call center hubs" 988'


def _give_text(db, bill_id: str, name: str = "HB1477-S2.SL.md") -> None:  # noqa: ANN001
    version = BillVersion(
        bill_id=bill_id, url=f"https://app.leg.wa.gov/{name}", note="Session law", position=9
    )
    version.date = date(2021, 5, 13)
    db.add(version)
    db.flush()
    store_version_text(db, version, (TEXTS / "wa" / name).read_bytes(), "text/plain")
    db.commit()
    tag_bills(db, [bill_id])  # tagging copies the text into the search index


def _ids(db, q: str) -> list[str]:  # noqa: ANN001
    page = bill_query.search_bills(db, bill_query.parse_query({"q": q, "per_page": "100"}), None)
    return [b.id for b in page.bills]


def test_phrase_search_finds_words_only_in_the_text_with_a_snippet(db, demo_bills) -> None:  # noqa: ANN001
    assert "hub" not in (db.get(Bill, HB1477).title + db.get(Bill, HB1477).abstract).lower()
    assert HB1477 not in _ids(db, PHRASE)
    _give_text(db, HB1477)
    assert bill_query.terms(PHRASE) == [["crisis", "call", "center", "hubs"], ["988"]]
    assert HB1477 in _ids(db, PHRASE)
    assert HB1477 in _ids(db, "hubs center call crisis")  # the words, in any order
    assert HB1477 not in _ids(db, '"hubs center call crisis"')  # not as a phrase
    snippet = str(bill_query.snippets(db, PHRASE, [HB1477])[HB1477])
    assert "<mark>" in snippet and "hub" in snippet.lower()
    assert bill_query.snippets(db, PHRASE, ["us-118-hr498"]) == {}


def test_search_page_shows_the_snippet_escaped(app: Flask, db, world) -> None:  # noqa: ANN001
    _give_text(db, HB1477)
    client = app.test_client()
    sign_in(client, world["users"][("alpha", "viewer")].email, PASSWORD)
    html = client.get("/bills", query_string={"q": PHRASE}).get_data(as_text=True)
    assert f'href="/bills/{HB1477}"' in html
    assert '<p class="snippet"><span class="meta">In the text:</span>' in html
    token = {"Authorization": f"Bearer {world['alpha']['token']}"}
    api = client.get("/api/v1/search", query_string={"q": PHRASE}, headers=token).get_json()
    hit = next(item for item in api["data"] if item["id"] == HB1477)
    assert "hub" in hit["snippet"].lower() and "<mark>" not in hit["snippet"]


def test_saved_search_alert_agrees_with_the_page_that_saved_it(db, world, settings) -> None:  # noqa: ANN001
    org = world["alpha"]["org_id"]
    saved = SavedSearch(organization_id=org, name="hubs", query="q=%22crisis+call+center+hubs%22")
    db.add(saved)
    db.commit()
    alerts.run(settings.with_(smtp_port=1), db)  # existing bills: checked, nothing new
    row = next(r for r in demo_rows() if (r["jurisdiction"], r["identifier"]) == ("wa", "HB 1477"))
    with_text, without = record_from_row(row), record_from_row(row)
    with_text.identifier, without.identifier = "HB 91477", "HB 91478"  # two new bills
    ingest(db, [with_text, without])
    _give_text(db, "wa-202122-hb91477")
    tag_bills(db, ["wa-202122-hb91478"])
    page = set(_ids(db, '"crisis call center hubs"'))
    events = alerts.match_saved_searches(db)
    alerted = {e.bill_id for e in events if e.saved_search_id == saved.id}
    assert alerted == {"wa-202122-hb91477"}
    assert alerted <= page and "wa-202122-hb91478" not in page


def test_prefix_search_matches_words_starting_with_it(db, demo_bills) -> None:  # noqa: ANN001
    """`licens*` finds licensure, licenses, licensed; `telepsych*` the one
    telepsychological bill; without the star only the word itself (stemmed) matches."""
    assert bill_query.terms("telepsych* a* 988") == [["telepsych*"], ["a"], ["988"]]
    prefixed = _ids(db, "telepsych*")
    assert len(prefixed) == 1
    bill = db.get(Bill, prefixed[0])
    assert "telepsychological" in f"{bill.title} {bill.abstract}".lower()
    assert _ids(db, "telepsych") == []
    licens = set(_ids(db, "licens*"))
    words = [set(_ids(db, w)) for w in ("licensure", "licenses", "license")]
    assert all(words) and licens == set().union(*words)
    assert set(_ids(db, "licens* 988")) <= licens  # ANDed with the other terms
