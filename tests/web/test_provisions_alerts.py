"""Alerts on 988 provision changes between the two real WA HB 1477 versions."""

from __future__ import annotations

from pathlib import Path

from tracker import alerts, provisions
from tracker.models import Watchlist, WatchlistEntry
from tracker.provisions_store import store_provisions
from tracker.textextract import extract as extract_text

from .test_provisions_page import HB1477, _versions

TEXTS = Path(__file__).resolve().parents[1] / "fixtures" / "texts" / "wa"


def _p(name: str) -> dict:
    return provisions.extract(extract_text((TEXTS / name).read_bytes()).text).to_dict()


def test_compare_hb1477_introduced_to_session_law():
    old, new = _p("HB1477-1.md"), _p("HB1477-S2.SL.md")
    assert provisions.compare(old, new) == [
        "fee lowered from $0.75 to $0.40 per line per month",
        "trust fund kept",
    ]
    assert provisions.compare(new, new) == []
    # The reverse direction and removals (the second text is the real 988-signs bill).
    assert provisions.compare(new, old)[0] == "fee raised from $0.40 to $0.75 per line per month"
    signs = _p("HB1600-1.md")
    assert provisions.compare(new, signs) == [
        "fee removed",
        "trust fund removed",
        "anti-diversion clause removed",
    ]
    study = dict(signs, study_only={"quote": "q", "section": None, "offset": 0})
    assert provisions.compare(new, study)[0] == "fee bill turned into a study bill"


def test_alert_on_the_watched_bill_links_the_redline_once(db, world) -> None:  # noqa: ANN001
    alerts.detect_changes(db)
    original, enacted = _versions(db)
    store_provisions(db, [HB1477])
    watchlist = db.query(Watchlist).filter_by(organization_id=world["alpha"]["org_id"]).first()
    db.add(WatchlistEntry(watchlist_id=watchlist.id, bill_id=HB1477))
    db.commit()
    events = [e for e in alerts.detect_changes(db) if e.key.startswith("provisions:")]
    assert [e.bill_id for e in events] == [HB1477]
    assert events[0].summary == (
        "WA HB 1477 (Session law): fee lowered from $0.75 to $0.40 per line per month; "
        f"trust fund kept (redline: /bills/{HB1477}/diff?a={original.id}&b={enacted.id})"
    )
    db.commit()
    assert not [e for e in alerts.detect_changes(db) if e.key.startswith("provisions:")]


def test_delivered_alerts_link_the_redline_by_its_full_address(
    db, world, settings, webhook_server
) -> None:  # noqa: ANN001
    """An alert is read off the site (mail, a chat webhook): its redline link is absolute."""
    from sqlalchemy import select

    from web.models import AlertSubscription

    url, received, _set_status = webhook_server
    for sub in db.scalars(select(AlertSubscription)):
        sub.active = False
    advocate = world["users"][("alpha", "advocate")]
    db.add(
        AlertSubscription(
            user_id=advocate.id,
            organization_id=advocate.organization_id,
            channel="webhook",
            webhook_url=url,
            kinds=["action"],
        )
    )
    alerts.detect_changes(db)
    original, enacted = _versions(db)
    store_provisions(db, [HB1477])
    watchlist = db.query(Watchlist).filter_by(organization_id=world["alpha"]["org_id"]).first()
    db.add(WatchlistEntry(watchlist_id=watchlist.id, bill_id=HB1477))
    db.commit()
    alerts.run(settings.with_(base_url="https://tracker.example.org"), db)
    redline = f"https://tracker.example.org/bills/{HB1477}/diff?a={original.id}&b={enacted.id}"
    payload = received[-1]["json"]
    event = next(e for e in payload["events"] if "trust fund kept" in e["summary"])
    assert f"(redline: {redline})" in event["summary"]
    assert f"(redline: {redline})" in payload["text"]
