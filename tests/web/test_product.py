"""Issue 15: the demo's "as of" day, dashboard links, the bill page's watchlist entry, API docs."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.config import DEMO_AS_OF_FILE, Settings
from tracker.errors import ConfigError


def test_as_of_setting_is_read_and_validated(tmp_path):
    env = {"SECRET_KEY": "k" * 32, "TRACKER_VAR_DIR": str(tmp_path)}
    assert Settings.from_env(env).as_of is None
    s = Settings.from_env({**env, "TRACKER_AS_OF": "2026-04-17"})
    assert s.as_of == date(2026, 4, 17)
    assert s.today() == date(2026, 4, 17)
    assert s.now().date() == date(2026, 4, 17) and s.now().tzinfo is not None
    with pytest.raises(ConfigError, match="TRACKER_AS_OF"):
        Settings.from_env({**env, "TRACKER_AS_OF": "April"})


def test_demo_as_of_file_is_shared_by_later_commands(tmp_path):
    (tmp_path / DEMO_AS_OF_FILE).write_text("2026-04-17\n")
    env = {"SECRET_KEY": "k" * 32, "TRACKER_VAR_DIR": str(tmp_path)}
    assert Settings.from_env(env).as_of == date(2026, 4, 17)
    assert Settings.from_env({**env, "TRACKER_AS_OF": "2026-01-01"}).as_of == date(2026, 1, 1)


@pytest.fixture
def as_of_app(settings):  # noqa: ANN001, ANN201
    """The app with the demo's day: the day after the corpus's newest action."""
    from web import create_app

    app = create_app(settings.with_(as_of=date(2026, 4, 17)))
    app.config.update(TESTING=True)
    yield app
    app.extensions["tracker.engine"].dispose()


def test_dashboard_reads_the_as_of_day(as_of_app, db, demo_bills, orgs):  # noqa: ANN001
    """NY S 9927 was introduced 2026-04-16: "changed since" shows it only against as_of."""
    from tests.conftest import sign_in
    from tests.web.conftest import PASSWORD
    from tracker.models import Watchlist, WatchlistEntry

    admin = orgs[("alpha", "admin")]
    wl = Watchlist(organization_id=admin.organization_id, name="Priority")
    wl.entries = [WatchlistEntry(bill_id="ny-2025-s9927", position="monitor", priority="high")]
    db.add(wl)
    db.commit()
    c = as_of_app.test_client()
    sign_in(c, admin.email, PASSWORD)
    html = c.get("/").get_data(as_text=True)
    assert "Demo data as of" in html and "2026-04-17" in html
    changes = html.split('id="changes"')[1].split("</ul>")[0]
    assert "S 9927" in changes or "S9927" in changes
    # Every page carries the banner, signed in or not.
    assert "Demo data as of" in as_of_app.test_client().get("/login").get_data(as_text=True)


def test_no_as_of_banner_without_the_setting(client):  # noqa: ANN001
    assert "Demo data as of" not in client.get("/login").get_data(as_text=True)


def test_dashboard_topic_by_stage_links_carry_the_topic(app, db, world):  # noqa: ANN001
    """Each count opens exactly the bills it counts: watchlist, stage and topic."""
    import re
    from urllib.parse import parse_qs, urlsplit

    from tests.web.conftest import PASSWORD
    from tracker.tagging_service import tag_bills
    from tracker.taxonomy import load_taxonomy

    tag_bills(db, [world["bill"]], load_taxonomy())
    db.commit()
    c = app.test_client()
    from tests.conftest import sign_in

    sign_in(c, world["users"][("alpha", "admin")].email, PASSWORD)
    html = c.get("/").get_data(as_text=True)
    grid = html.split('id="grid-h"')[1].split("</table>")[0]
    cells = re.findall(r'<td class="num"><a href="([^"]+)"[^>]*>(\d+)</a>', grid)
    assert cells, grid
    for href, count in cells:
        args = parse_qs(urlsplit(href.replace("&amp;", "&")).query)
        assert args["watchlist"] == ["any"] and args["status"] and args["topic"], href
        listed = c.get(href.replace("&amp;", "&")).get_data(as_text=True)
        assert listed.count('class="bill-id"') == int(count) or f"{count} bill" in listed


def test_bill_page_shows_and_edits_the_existing_watchlist_entry(app, db, world):  # noqa: ANN001
    from tests.conftest import csrf_token, sign_in
    from tests.web.conftest import PASSWORD, SECRETS
    from tracker.models import WatchlistEntry

    c = app.test_client()
    sign_in(c, world["users"][("alpha", "advocate")].email, PASSWORD)
    path = f"/bills/{world['bill']}"
    html = c.get(path).get_data(as_text=True)
    side = html.split('id="watch-h"')[1].split("</section>")[0]
    # The entry's own position and priority, selected in an edit form; no second "Add".
    assert 'position-support">support' in side and "high priority" in side
    assert '<option selected value="support">' in side or 'value="support" selected' in side
    assert SECRETS["alpha"][1] in side and "Edit on" in side
    assert 'action="/watchlists/entries"' not in side  # Alpha has one list and the bill is on it
    entry = (
        db.query(WatchlistEntry).filter_by(bill_id=world["bill"], notes=SECRETS["alpha"][1]).one()
    )
    r = c.post(
        f"/watchlists/{entry.watchlist_id}/entries/{entry.id}",
        data={
            "csrf_token": csrf_token(c, path),
            f"e{entry.id}-position": "oppose",
            f"e{entry.id}-priority": "low",
            f"e{entry.id}-owner_id": "0",
            f"e{entry.id}-notes": "changed on the bill page",
            "next": path,
        },
    )
    assert r.status_code == 302 and r.headers["Location"].endswith(path + "#watch-h")
    db.refresh(entry)
    assert (entry.position, entry.priority, entry.notes) == (
        "oppose",
        "low",
        "changed on the bill page",
    )
    # An outside `next` is ignored (no open redirect).
    r = c.post(
        f"/watchlists/{entry.watchlist_id}/entries/{entry.id}",
        data={
            "csrf_token": csrf_token(c, path),
            f"e{entry.id}-position": "oppose",
            f"e{entry.id}-priority": "low",
            f"e{entry.id}-owner_id": "0",
            "next": "https://evil.example/",
        },
    )
    assert "evil" not in r.headers["Location"]


def test_search_csv_has_topic_score_position_and_priority(app, db, world):  # noqa: ANN001
    import csv
    import io

    from tests.conftest import sign_in
    from tests.web.conftest import PASSWORD
    from tracker.tagging_service import score_bills, tag_bills
    from tracker.taxonomy import load_taxonomy

    tag_bills(db, [world["bill"]], load_taxonomy())
    score_bills(db, [world["bill"]])
    db.commit()
    c = app.test_client()
    sign_in(c, world["users"][("alpha", "viewer")].email, PASSWORD)
    body = c.get("/bills.csv?q=suicide").get_data(as_text=True)
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(body))}
    for column in ("topics", "relevance", "passage_likelihood", "position", "priority"):
        assert column in next(iter(rows.values())), column
    watched = rows[world["bill"]]
    assert watched["position"] == "support" and watched["priority"] == "high"
    assert watched["watchlists"] == "alpha-secret-list"  # never Beta's list
    assert watched["topics"] and watched["relevance"].isdigit()


def test_brief_page_offers_this_week_so_far_from_the_as_of_day(as_of_app, db, orgs):  # noqa: ANN001
    from tests.conftest import sign_in
    from tests.web.conftest import PASSWORD

    c = as_of_app.test_client()
    sign_in(c, orgs[("alpha", "admin")].email, PASSWORD)
    html = c.get("/briefs/").get_data(as_text=True)
    # 2026-04-17 is a Friday: the last full week is Apr 6-12, this week Apr 13-17.
    assert "from=2026-04-06&amp;to=2026-04-12" in html
    assert "from=2026-04-13&amp;to=2026-04-17" in html and "This week so far" in html


def test_meeting_form_and_legislators_read_the_as_of_day(as_of_app, db, orgs):  # noqa: ANN001
    """A meeting logged in the demo defaults to the demo's day, not the machine's."""
    from tests.conftest import sign_in
    from tests.web.conftest import PASSWORD

    c = as_of_app.test_client()
    sign_in(c, orgs[("alpha", "advocate")].email, PASSWORD)
    html = c.get("/meetings/new").get_data(as_text=True)
    assert 'name="date"' in html and 'value="2026-04-17"' in html
    assert f'value="{date.today().isoformat()}"' not in html
