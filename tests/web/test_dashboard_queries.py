"""The dashboard's statements do not grow with the watchlist, and its topic grid reads
topic ids only: what it (and the search page) shows of each bill's topics is exactly
what the full lookup with evidence gives, corrections included."""

from __future__ import annotations

from flask import Flask

from tests.conftest import sign_in
from tests.web.conftest import PASSWORD, QueryCounter
from tracker.models import Bill, Watchlist, WatchlistEntry
from tracker.models.tagging import BillTopic, TopicCorrection
from tracker.tagging_service import score_bills, tag_bills
from web import enrich

# user session, user, tracked bills, topics, entries (+ their bills and lists), changes,
# hearings, momentum (flagged, busiest, their bills), failed jobs, the bill count and
# what the layout asks about the signed-in admin.
MAX_STATEMENTS = 15


def _tag_everything(db) -> list[str]:  # noqa: ANN001
    ids = sorted(db.scalars(Bill.__table__.select().with_only_columns(Bill.id)))
    tag_bills(db, ids)
    score_bills(db, ids)
    return ids


def _dashboard_statements(engine, client) -> int:  # noqa: ANN001
    with QueryCounter(engine) as counter:
        response = client.get("/")
    assert response.status_code == 200
    return counter.count


def test_dashboard_statements_do_not_grow_with_the_watchlist(
    app: Flask,
    db,
    engine,
    world,  # noqa: ANN001
) -> None:
    ids = _tag_everything(db)
    client = app.test_client()
    sign_in(client, world["users"][("alpha", "admin")].email, PASSWORD)
    client.get("/")  # warm up (the taxonomy and the momentum list are cached)
    one = _dashboard_statements(engine, client)
    wl = db.get(Watchlist, world["alpha"]["watchlist"])
    db.add_all(WatchlistEntry(watchlist_id=wl.id, bill_id=b) for b in ids if b != world["bill"])
    db.commit()
    many = _dashboard_statements(engine, client)
    assert one == many <= MAX_STATEMENTS, (one, many)


def test_topic_labels_match_the_full_lookup(db, world) -> None:  # noqa: ANN001
    ids = _tag_everything(db)
    org = world["users"][("alpha", "admin")].organization_id
    tagged = db.scalars(BillTopic.__table__.select().with_only_columns(BillTopic.bill_id)).all()
    first = db.query(BillTopic).filter(BillTopic.bill_id == tagged[0]).first()
    # One topic the organization rejected, one it added.
    db.add(
        TopicCorrection(
            organization_id=org, bill_id=first.bill_id, topic=first.topic, verdict="reject"
        )
    )
    db.add(TopicCorrection(organization_id=org, bill_id=ids[-1], topic="workforce", verdict="add"))
    db.commit()
    for who in (org, None):
        full = enrich.topics_for(db, ids, who)
        light = enrich.topic_labels_for(db, ids, who)
        assert {b: [(t.key, t.label) for t in ts] for b, ts in full.items()} == {
            b: [(t.key, t.label) for t in ts] for b, ts in light.items()
        }
    assert any(t.key == "workforce" for t in enrich.topic_labels_for(db, ids, org)[ids[-1]])
