"""Every web page through the Flask test client: content, escaping, CSRF, errors, N+1."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

from flask import Flask
from sqlalchemy import select

from tests.conftest import csrf_token, sign_in
from tests.web.conftest import PASSWORD, WATCHED, QueryCounter, demo_rows, record_from_row
from tracker.ingest import ingest
from tracker.models import Watchlist, WatchlistEntry
from tracker.records import ActionRecord

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _admin(app: Flask, world: dict):  # noqa: ANN202
    client = app.test_client()
    sign_in(client, world["users"][("alpha", "admin")].email, PASSWORD)
    return client


def _ids(html: str) -> list[str]:
    return re.findall(r'<h2 class="bill-title"><a href="/bills/([^"]+)"', html)


def test_search_988_finds_the_988_bills_best_first(app: Flask, world: dict) -> None:
    html = _admin(app, world).get("/bills?q=988").get_data(as_text=True)
    ids = _ids(html)
    assert {"wa-202122-hb1477", "wy-2023-hb65", "co-2021regularsession-sb21154"} <= set(ids)
    # Title hits rank above abstract-only hits: the first result has 988 in its title.
    assert ids[0] in {
        "wa-202122-hb1477",
        "wy-2023-hb65",
        "co-2021regularsession-sb21154",
        "de-152ndgeneralassembly20232024-hs2forhb160",
    }
    assert "6 bills for “988”" in html


def test_search_stems_words_and_needs_every_word(app: Flask, world: dict) -> None:
    client = _admin(app, world)
    stemmed = _ids(client.get("/bills?q=prevent+suicides&per_page=100").get_data(as_text=True))
    assert "wy-2023-hb65" in stemmed  # "988 suicide prevention."
    both = _ids(client.get("/bills?q=988+wyoming+nonsenseword").get_data(as_text=True))
    assert both == []


def test_search_filters_sort_and_paginate_with_shareable_urls(app: Flask, world: dict) -> None:
    client = _admin(app, world)
    ca = _ids(client.get("/bills?jurisdiction=ca&per_page=100").get_data(as_text=True))
    assert ca and all(i.startswith("ca-") for i in ca)
    enacted = client.get("/bills?status=enacted&per_page=100").get_data(as_text=True)
    assert 'class="status status-enacted"' in enacted
    assert "status-introduced" not in enacted
    watched = _ids(client.get("/bills?watchlist=any").get_data(as_text=True))
    assert watched == [WATCHED]
    first = client.get("/bills?per_page=5").get_data(as_text=True)
    second = client.get("/bills?per_page=5&page=2").get_data(as_text=True)
    assert len(_ids(first)) == 5 and len(_ids(second)) == 5
    assert not set(_ids(first)) & set(_ids(second))
    assert 'rel="next" href="/bills?per_page=5&amp;page=2"' in first or "page=2" in first
    by_date = _ids(client.get("/bills?sort=last_action&per_page=100").get_data(as_text=True))
    assert len(by_date) == 73
    old = _ids(
        client.get(f"/bills?updated_since={date.today().isoformat()}").get_data(as_text=True)
    )
    assert old == []


def test_bad_filter_shows_the_error_next_to_the_search_box(app: Flask, world: dict) -> None:
    response = _admin(app, world).get("/bills?status=bogus&updated_since=yesterday")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="search-error"' in html and "updated_since" in html and "bogus" in html


def test_csv_export_has_every_result_and_neutralizes_formulas(app: Flask, db, world) -> None:  # noqa: ANN001
    row = demo_rows()[0]
    record = record_from_row(row)
    record.identifier, record.title = "HR 99999", '=HYPERLINK("http://evil")'
    ingest(db, [record])
    text = _admin(app, world).get("/bills.csv?jurisdiction=us&per_page=5").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 16  # all 15 federal demo bills + the one above, not just one page
    evil = next(r for r in rows if r["identifier"] == "HR 99999")
    assert evil["title"].startswith("'=")


def test_scraped_title_with_markup_is_escaped_everywhere(app: Flask, db, world) -> None:  # noqa: ANN001
    record = record_from_row(demo_rows()[0])
    record.identifier, record.title, record.abstract = "HR 31337", XSS, XSS + " 988 lifeline"
    ingest(db, [record])
    bill_id = "us-117-hr31337"
    wl = db.get(Watchlist, world["alpha"]["watchlist"])
    db.add(WatchlistEntry(watchlist_id=wl.id, bill_id=bill_id, notes=XSS))
    db.commit()
    client = _admin(app, world)
    pages = [
        "/",
        "/bills?q=lifeline",
        f"/bills/{bill_id}",
        f"/watchlists/{wl.id}",
        f"/watchlists/{wl.id}/feed.atom",
        f"/watchlists/{wl.id}/feed.rss",
    ]
    for path in pages:
        body = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in body, path
        assert "<img src=x" not in body, path
    assert "&lt;script&gt;alert" in client.get(f"/bills/{bill_id}").get_data(as_text=True)


def test_evidence_highlighting_escapes_then_marks() -> None:
    from web.text import highlight

    out = str(highlight("<b>fund</b> the 988 line & more", ["988 line", "<b>"]))
    assert out == "<mark>&lt;b&gt;</mark>fund&lt;/b&gt; the <mark>988 line</mark> &amp; more"


def test_post_without_or_with_wrong_csrf_token_is_rejected(app: Flask, db, world) -> None:  # noqa: ANN001
    client = _admin(app, world)
    before = db.scalars(select(Watchlist)).all()
    assert client.post("/watchlists", data={"name": "No token"}).status_code == 400
    bad = client.post("/watchlists", data={"name": "Bad token", "csrf_token": "forged"})
    assert bad.status_code == 400
    assert len(db.scalars(select(Watchlist)).all()) == len(before)
    ok = client.post(
        "/watchlists", data={"name": "Good", "csrf_token": csrf_token(client, "/watchlists")}
    )
    assert ok.status_code == 302


def test_bill_page_shows_stages_actions_sponsors_versions_diff_and_our_notes(
    app: Flask, world: dict
) -> None:
    client = _admin(app, world)
    html = client.get(f"/bills/{WATCHED}").get_data(as_text=True)
    assert 'aria-current="step"' in html and "in committee" in html
    assert "alpha-secret-note" in html  # our own note
    assert f'href="/legislators/{world["legislator"]}"' in html
    assert "Health Subcommittee hearing" in html
    assert 'href="https://www.congress.gov/bill/118th-congress/house-bill/498/text/v1"' in html
    assert f'action="/bills/{WATCHED}/diff"' in html
    diff = client.get(
        f"/bills/{WATCHED}/diff?a={world['versions'][0]}&b={world['versions'][1]}"
    ).get_data(as_text=True)
    assert "shall secure <ins>and fund </ins>the <ins>988 </ins>lifeline." in diff
    assert client.get(f"/bills/{WATCHED}/diff?a=1&b=999999").status_code == 404


def test_javascript_urls_from_sources_are_not_linked(app: Flask, db, world) -> None:  # noqa: ANN001
    from tracker.models import BillVersion

    db.add(BillVersion(bill_id=WATCHED, position=5, note="evil", url="javascript:alert(1)"))
    db.commit()
    html = _admin(app, world).get(f"/bills/{WATCHED}").get_data(as_text=True)
    assert "javascript:alert" not in html


def test_dashboard_shows_tracked_bills_changes_hearings_and_momentum(app: Flask, db, world) -> None:  # noqa: ANN001
    rows = {(r["jurisdiction"], r["identifier"]): r for r in demo_rows()}
    record = record_from_row(rows[("us", "HR 498")])
    # A new action today on the watched bill (test input on top of the real record).
    record.actions.append(
        ActionRecord(date=date.today(), description="Ordered reported.", chamber="lower")
    )
    record.actions.append(
        ActionRecord(date=date.today(), description="Placed on calendar.", chamber="lower")
    )
    ingest(db, [record])
    html = _admin(app, world).get("/").get_data(as_text=True)
    tracked = html[html.index('id="tracked"') : html.index('id="momentum-h"')]
    assert "HR 498" in tracked and "support" in tracked
    changes = html[html.index('id="changes"') : html.index('id="hearings-h"')]
    assert "Ordered reported." in changes
    hearings = html[html.index('id="hearings-h"') : html.index('id="tracked-h"')]
    assert "Health Subcommittee hearing" in hearings
    momentum = html[html.index('id="momentum-h"') :]
    assert "HR 498" in momentum and "2 actions" in momentum


def test_legislator_page_lists_offices_committees_and_tracked_bills(
    app: Flask, world: dict
) -> None:
    client = _admin(app, world)
    html = client.get(f"/legislators/{world['legislator']}").get_data(as_text=True)
    assert "Maria Cantwell" in html
    tracked = html[html.index('id="tracked-h"') : html.index('id="outreach-h"')]
    assert "HR 498" in tracked
    listing = client.get("/legislators?name=cantwell").get_data(as_text=True)
    assert "Maria Cantwell" in listing


def test_friendly_404_and_500_pages(settings) -> None:  # noqa: ANN001
    from web import create_app

    app = create_app(settings)

    @app.route("/boom")
    def boom():  # noqa: ANN202
        raise RuntimeError("kaboom")

    client = app.test_client()
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and "Not found" in missing.get_data(as_text=True)
    assert "988" in missing.get_data(as_text=True)  # the crisis line is on every page
    broken = client.get("/boom")
    assert broken.status_code == 500
    assert "Something went wrong" in broken.get_data(as_text=True)
    assert "kaboom" not in broken.get_data(as_text=True)
    app.extensions["tracker.engine"].dispose()


def test_security_headers_and_session_cookie_flags(app: Flask, world: dict) -> None:
    client = app.test_client()
    response = client.get("/login")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    token = csrf_token(client, "/login")
    signed = client.post(
        "/login",
        data={
            "email": world["users"][("alpha", "viewer")].email,
            "password": PASSWORD,
            "csrf_token": token,
        },
    )
    cookie = signed.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_sign_in_is_rate_limited(app: Flask, world: dict) -> None:
    client = app.test_client()
    token = csrf_token(client, "/login")
    codes = [
        client.post(
            "/login",
            data={
                "email": f"nobody{i}@example.org",  # per IP; per account is web/test_security
                "password": "wrong password!",
                "csrf_token": token,
            },
        ).status_code
        for i in range(12)
    ]
    assert codes[:10] == [400] * 10 and codes[-1] == 429


def _count(engine, client, path: str) -> int:  # noqa: ANN001
    with QueryCounter(engine) as counter:
        assert client.get(path).status_code == 200
    return counter.count


def test_list_pages_run_a_fixed_number_of_queries(app: Flask, db, engine, world) -> None:  # noqa: ANN001
    client = _admin(app, world)
    wl_id = world["alpha"]["watchlist"]
    pages = [
        "/",
        "/bills?per_page=100",
        "/bills?q=health&per_page=100",
        f"/watchlists/{wl_id}",
        "/watchlists",
        "/legislators",
        "/alerts",
        f"/bills/{WATCHED}",
    ]
    for p in pages:  # warm up: the dashboard caches its momentum list for a minute
        client.get(p)
    small = {p: _count(engine, client, p) for p in pages}
    # Grow every list: 40 more bills on the watchlist (with owners), so pages show more rows.
    from tracker.models import Bill

    more = db.scalars(select(Bill.id).where(Bill.id != WATCHED).limit(40)).all()
    owner = world["users"][("alpha", "advocate")].id
    db.add_all(WatchlistEntry(watchlist_id=wl_id, bill_id=b, owner_id=owner) for b in more)
    db.commit()
    large = {p: _count(engine, client, p) for p in pages}
    # `engine` is the app's own engine (tracker.db.session_factory), so these are the
    # requests' real statements. The bill page reads many sections (actions, sponsors,
    # versions, tags, scores, similar bills, votes, hearings, notes, letters, meetings).
    assert min(small.values()) > 0, small
    assert large == small
    bill_page = large.pop(f"/bills/{WATCHED}")
    assert max(large.values()) <= 20 and bill_page <= 35, (large, bill_page)
