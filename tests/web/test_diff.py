"""The redline between two real versions: WA HB 1477 as introduced and as enacted."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from flask import Flask

from tests.conftest import sign_in
from tests.web.conftest import PASSWORD
from tracker.models import BillVersion
from tracker.textdiff import diff_ops, diff_versions
from tracker.textextract import store_version_text

TEXTS = Path(__file__).resolve().parents[1] / "fixtures" / "texts" / "wa"
HB1477 = "wa-202122-hb1477"
OLD = (TEXTS / "HB1477-1.md").read_text(encoding="utf-8")
NEW = (TEXTS / "HB1477-S2.SL.md").read_text(encoding="utf-8")


def test_redline_of_hb1477_original_vs_session_law():
    ops = diff_ops(OLD, NEW)
    assert "".join(t for op, t in ops if op != "delete") == NEW
    assert "".join(t for op, t in ops if op != "insert") == OLD
    redline = diff_versions(OLD, NEW)
    by_label = {s.label: s for s in redline.sections}
    # The 988 line tax: 30 cents struck, 24 cents inserted, inside Section 202.
    tax = by_label["Section 202"]
    assert tax.status == "changed"
    assert any(op == "delete" and "30 cents" in t for op, t in tax.pieces)
    assert any(op == "insert" and "24 cents" in t for op, t in tax.pieces)
    # Sections the session law adds (the original has no Section 206) are "added".
    assert by_label["Section 206"].status == "added"
    assert redline.words_inserted > 1000 and redline.words_deleted > 1000
    summary = redline.summary()
    assert re.match(
        r"\d+ sections changed; \d+ sections added \(\+[\d,]+ / -[\d,]+ words\)", summary
    )
    same = diff_versions(NEW, NEW)
    assert same.changed() == [] and same.summary() == "no change in the text"


def _versions(db, original_date=date(2021, 2, 1)):  # noqa: ANN001, ANN202
    out = []
    for name, note, day in (
        ("HB1477-1.md", "Original bill", original_date),
        ("HB1477-S2.SL.md", "Session law", date(2021, 5, 13)),
    ):
        v = BillVersion(bill_id=HB1477, url=f"https://app.leg.wa.gov/{name}", note=note, date=day)
        db.add(v)
        db.flush()
        store_version_text(db, v, (TEXTS / name).read_bytes(), "text/plain")
        out.append(v)
    db.commit()
    return out


def test_diff_page_and_latest_change_on_the_bill_page(app: Flask, db, world) -> None:  # noqa: ANN001
    original, enacted = _versions(db)
    client = app.test_client()
    sign_in(client, world["users"][("alpha", "viewer")].email, PASSWORD)
    page = client.get(f"/bills/{HB1477}").get_data(as_text=True)
    assert 'id="latest-change"' in page and "What changed in Session law" in page
    link = f"/bills/{HB1477}/diff?a={original.id}&amp;b={enacted.id}"
    assert link in page
    # Either order reads older -> newer.
    diff = client.get(f"/bills/{HB1477}/diff?a={enacted.id}&b={original.id}")
    html = diff.get_data(as_text=True)
    assert diff.status_code == 200
    assert re.search(r"<summary><strong>Section 202</strong> <span class=\"meta\">changed", html)
    assert "<del>rate is 30 cents </del>" in html and "24 cents" in html
    assert 'class="diff-section diff-added" open' in html
    assert client.get(f"/bills/{HB1477}/diff?a={original.id}&b=999999").status_code == 404


def test_alert_says_what_changed_in_the_latest_version(db, world) -> None:  # noqa: ANN001
    from tracker import alerts

    alerts.detect_changes(db)  # the watched bills as they are now
    _versions(db)
    from tracker.models import Watchlist, WatchlistEntry

    watchlist = db.query(Watchlist).filter_by(organization_id=world["alpha"]["org_id"]).first()
    db.add(WatchlistEntry(watchlist_id=watchlist.id, bill_id=HB1477))
    db.commit()
    events = [e for e in alerts.detect_changes(db) if e.key.startswith("text:")]
    assert [e.bill_id for e in events] == [HB1477]
    assert "new text “Session law”; what changed since “Original bill”:" in events[0].summary
    assert "sections changed" in events[0].summary and ": Section 101, " in events[0].summary
    db.commit()
    assert not [e for e in alerts.detect_changes(db) if e.key.startswith("text:")]  # once


def test_an_undated_original_is_the_older_version_on_the_page_as_in_alerts(
    app: Flask, db, world
) -> None:  # noqa: ANN001
    """Sources often give no date for the bill as introduced: it is still the older one,
    on the bill page as in alerts and the brief (one order: undated first)."""
    from tracker.tagging_queries import latest_version_text

    original, enacted = _versions(db, original_date=None)
    assert latest_version_text(db, db.get(BillVersion, enacted.id).bill)[0].id == enacted.id
    client = app.test_client()
    sign_in(client, world["users"][("alpha", "viewer")].email, PASSWORD)
    page = client.get(f"/bills/{HB1477}").get_data(as_text=True)
    assert "What changed in Session law" in page and "What changed in Original bill" not in page
    assert f"/bills/{HB1477}/diff?a={original.id}&amp;b={enacted.id}" in page
