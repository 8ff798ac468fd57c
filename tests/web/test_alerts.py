"""Alerts: detection on watched bills and saved searches, email (aiosmtpd) and webhook
delivery, daily digests, the RQ job, and the watchlist feeds and hearing calendar."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from flask import Flask
from sqlalchemy import select, text

from tests.conftest import csrf_token, sign_in
from tests.web.conftest import PASSWORD, WATCHED, demo_rows, record_from_row
from tracker import alerts
from tracker.ingest import ingest, ingest_events
from tracker.records import ActionRecord, EventRecord
from web.models import AlertDelivery, AlertEvent, AlertSubscription, SavedSearch


def _watched_record():  # noqa: ANN202
    rows = {(r["jurisdiction"], r["identifier"]): r for r in demo_rows()}
    return record_from_row(rows[("us", "HR 498")])


def test_adding_to_a_watchlist_raises_no_alert_for_past_history(db, world, settings) -> None:  # noqa: ANN001
    result = alerts.run(settings.with_(smtp_port=1), db)  # nothing to send: no SMTP needed
    assert result["events"] == 0


def test_new_action_status_and_hearing_alert_each_watching_org_once(db, world, smtp_server) -> None:  # noqa: ANN001
    settings, inbox = smtp_server
    alerts.ensure_bill_states(db, [WATCHED])
    db.commit()
    record = _watched_record()
    record.actions.append(
        ActionRecord(
            date=date.today(),
            description="Passed House.",
            chamber="lower",
            classification=["passage"],
        )
    )
    ingest(db, [record])
    ingest_events(
        db,
        [
            EventRecord(
                jurisdiction="us",
                name="Markup",
                external_id="markup-2",
                start=datetime.now(UTC) + timedelta(days=3),
                bill_ids=[WATCHED],
            )
        ],
    )
    result = alerts.run(settings, db)
    events = db.scalars(select(AlertEvent).order_by(AlertEvent.id)).all()
    kinds = sorted({(e.organization_id, e.kind) for e in events})
    orgs = sorted({world["alpha"]["org_id"], world["beta"]["org_id"]})
    assert kinds == sorted((o, k) for o in orgs for k in ("action", "hearing", "status"))
    assert result["sent"] == len(events)  # both admins subscribed to everything, immediately
    assert len(inbox.messages) == 2  # one message per subscription, not per event
    body = inbox.messages[0].get_content()
    assert "Passed House." in body and "Markup" in body and "passed origin" in body
    assert f"/bills/{WATCHED}" in body
    # Running again finds nothing new and sends nothing.
    assert alerts.run(settings, db)["events"] == 0
    assert len(inbox.messages) == 2


def test_saved_search_alerts_on_new_matching_bills_only(db, world, smtp_server) -> None:  # noqa: ANN001
    settings, inbox = smtp_server
    alerts.run(settings, db)  # the demo bills existed before: checked, nothing sent
    assert inbox.messages == []
    record = _watched_record()
    record.identifier, record.title = "HR 9880", "988 Implementation Act"
    other = _watched_record()
    other.identifier, other.title, other.abstract = "HR 12", "Highway funding", "Roads."
    ingest(db, [record, other])
    alerts.run(settings, db)
    search_events = db.scalars(select(AlertEvent).where(AlertEvent.kind == "search")).all()
    assert {e.bill_id for e in search_events} == {"us-118-hr9880"}
    assert {e.organization_id for e in search_events} == {
        world["alpha"]["org_id"],
        world["beta"]["org_id"],
    }
    assert any("alpha-secret-search" in m.get_content() for m in inbox.messages)
    # Each organization's mail names only its own saved search.
    for message in inbox.messages:
        content = message.get_content()
        assert not ("alpha-secret-search" in content and "beta-secret-search" in content)


def test_webhook_gets_slack_compatible_json_and_failures_are_kept(
    db, world, settings, webhook_server
) -> None:  # noqa: ANN001
    url, received, set_status = webhook_server
    admin = world["users"][("alpha", "advocate")]
    db.add(
        AlertSubscription(
            user_id=admin.id,
            organization_id=admin.organization_id,
            channel="webhook",
            webhook_url=url,
            kinds=["action"],
        )
    )
    for sub in db.scalars(select(AlertSubscription).where(AlertSubscription.channel == "email")):
        sub.active = False
    alerts.ensure_bill_states(db, [WATCHED])
    db.commit()
    record = _watched_record()
    record.actions.append(ActionRecord(date=date.today(), description="Referred to Energy."))
    ingest(db, [record])
    set_status(500)
    assert alerts.run(settings, db)["failed"] == 1
    failed = db.scalars(select(AlertDelivery)).one()
    assert failed.status == "pending" and "500" in failed.error and failed.attempts == 1
    set_status(200)
    assert alerts.deliver_pending(settings, db)["sent"] == 1
    payload = received[-1]["json"]
    assert received[-1]["content_type"] == "application/json"
    assert "Referred to Energy." in payload["text"]
    assert payload["events"][0]["kind"] == "action"
    assert payload["events"][0]["bill_id"] == WATCHED


def test_daily_digest_waits_for_the_digest_run(db, world, smtp_server) -> None:  # noqa: ANN001
    settings, inbox = smtp_server
    for sub in db.scalars(select(AlertSubscription)):
        sub.frequency = "daily"
    alerts.ensure_bill_states(db, [WATCHED])
    db.commit()
    record = _watched_record()
    record.actions.append(ActionRecord(date=date.today(), description="Hearing held."))
    ingest(db, [record])
    assert alerts.run(settings, db)["sent"] == 0
    assert inbox.messages == []
    assert alerts.deliver_pending(settings, db, "daily")["sent"] == 2
    assert inbox.messages[0]["Subject"].startswith("Daily digest")


def test_alert_job_runs_on_rq_worker(db, world, rq_settings, smtp_server) -> None:  # noqa: ANN001
    from rq import Queue, SimpleWorker

    from tests.conftest import REDIS_URL
    from tracker.jobs import enqueue, redis_connection

    _, inbox = smtp_server
    settings = rq_settings.with_(smtp_port=smtp_server[0].smtp_port)
    alerts.ensure_bill_states(db, [WATCHED])
    db.commit()
    record = _watched_record()
    record.actions.append(ActionRecord(date=date.today(), description="Reported by committee."))
    ingest(db, [record])
    handle = enqueue(settings, "tracker.alert_jobs.run_alerts", queue="outreach")
    conn = redis_connection(settings)
    SimpleWorker([Queue("outreach", connection=conn)], connection=conn).work(burst=True)
    from rq.job import Job

    job = Job.fetch(handle.id, connection=conn)
    assert job.get_status() == "finished", job.latest_result().exc_string
    assert job.return_value()["sent"] >= 2
    assert any("Reported by committee." in m.get_content() for m in inbox.messages)
    assert REDIS_URL in settings.redis_url


def test_alert_settings_page_adds_a_webhook_and_shows_field_errors(app: Flask, db, world) -> None:  # noqa: ANN001
    from tests.conftest import csrf_token

    client = app.test_client()
    sign_in(client, world["users"][("beta", "viewer")].email, PASSWORD)
    token = csrf_token(client, "/alerts")
    bad = client.post(
        "/alerts",
        data={
            "channel": "webhook",
            "frequency": "immediate",
            "kinds": ["action"],
            "csrf_token": token,
        },
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert re.search(r'id="webhook_url-error">Enter the URL', html)
    internal = client.post(
        "/alerts",
        data={
            "channel": "webhook",
            "frequency": "immediate",
            "kinds": ["action"],
            "webhook_url": "http://127.0.0.1:6379/",
            "csrf_token": token,
        },
    )
    assert internal.status_code == 400 and "Use a public address" in internal.get_data(as_text=True)
    ok = client.post(
        "/alerts",
        data={
            "channel": "webhook",
            "frequency": "daily",
            "kinds": ["action", "hearing"],
            "webhook_url": "https://hooks.slack.com/services/T/B/X",
            "csrf_token": token,
        },
    )
    assert ok.status_code == 302
    sub = db.scalars(select(AlertSubscription).where(AlertSubscription.channel == "webhook")).one()
    assert sub.kinds == ["action", "hearing"] and sub.frequency == "daily"


def test_saving_a_search_from_the_bills_page(app: Flask, db, world) -> None:  # noqa: ANN001
    from tests.conftest import csrf_token

    client = app.test_client()
    sign_in(client, world["users"][("alpha", "advocate")].email, PASSWORD)
    html = client.get("/bills?q=crisis&jurisdiction=ca").get_data(as_text=True)
    assert 'name="query" type="hidden" value="q=crisis&amp;jurisdiction=ca"' in html
    token = csrf_token(client, "/bills?q=crisis&jurisdiction=ca")
    client.post(
        "/alerts/searches",
        data={"name": "CA crisis", "query": "q=crisis&jurisdiction=ca", "csrf_token": token},
    )
    saved = db.scalars(select(SavedSearch).where(SavedSearch.name == "CA crisis")).one()
    assert saved.query == "q=crisis&jurisdiction=ca"
    assert saved.organization_id == world["alpha"]["org_id"]


def test_feeds_and_calendar_open_with_the_feed_key_only(app: Flask, db, world) -> None:  # noqa: ANN001
    client = app.test_client()
    sign_in(client, world["users"][("alpha", "viewer")].email, PASSWORD)
    path = f"/watchlists/{world['alpha']['watchlist']}"
    html = client.post(f"{path}/feed-key", data={"csrf_token": csrf_token(client, path)}).get_data(
        as_text=True
    )
    atom = re.search(
        r'href="http://127\.0\.0\.1:5000(/watchlists/\d+/feed\.atom\?key=[^"]+)"', html
    ).group(1)
    ics = re.search(
        r'href="http://127\.0\.0\.1:5000(/watchlists/\d+/hearings\.ics\?key=[^"]+)"', html
    ).group(1)
    anonymous = app.test_client()
    feed = anonymous.get(atom.replace("&amp;", "&"))
    assert feed.status_code == 200 and feed.mimetype == "application/atom+xml"
    from xml.etree import ElementTree

    root = ElementTree.fromstring(feed.data)
    titles = [e.text for e in root.iter("{http://www.w3.org/2005/Atom}title")]
    assert any("HR 498" in (t or "") for t in titles)
    cal = anonymous.get(ics).get_data(as_text=True)
    assert (
        cal.startswith("BEGIN:VCALENDAR\r\n")
        and "SUMMARY:Health Subcommittee hearing (US HR 498)" in cal
    )
    assert "LOCATION:2123 Rayburn" in cal
    assert all(len(line.encode()) <= 75 for line in cal.split("\r\n"))
    # The key opens only its own watchlist.
    beta_path = atom.replace(
        f"/watchlists/{world['alpha']['watchlist']}/", f"/watchlists/{world['beta']['watchlist']}/"
    )
    assert anonymous.get(beta_path).status_code == 404
    assert anonymous.get(atom.split("?")[0] + "?key=forged").status_code == 404


def test_ics_text_is_escaped_and_folded() -> None:
    from web.ics import escape_text, fold

    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    folded = fold("SUMMARY:" + "é" * 60)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == "SUMMARY:" + "é" * 60


def test_webhooks_to_private_addresses_are_refused() -> None:
    import pytest

    from tracker.errors import InvalidInput

    for url in (
        "http://127.0.0.1:6379/",
        "http://10.0.0.5/hook",
        "http://[::1]/x",
        "http://169.254.169.254/latest/meta-data",
        "ftp://example.org/x",
    ):
        with pytest.raises(InvalidInput):
            alerts.check_webhook_url(url)


def test_saved_search_filters_apply_to_new_bills(db, world, settings) -> None:  # noqa: ANN001
    from tracker.tagging_service import tag_bills

    org = world["alpha"]["org_id"]
    db.add_all(
        [
            SavedSearch(
                organization_id=org, name="ca crisis", query="topic=crisis&jurisdiction=ca"
            ),
            SavedSearch(organization_id=org, name="wy only", query="q=lifeline&jurisdiction=wy"),
        ]
    )
    db.commit()
    alerts.run(settings.with_(smtp_port=1), db)  # existing bills: checked, nothing new
    rows = {(r["jurisdiction"], r["identifier"]): r for r in demo_rows()}
    ca = record_from_row(rows[("ca", "AB 308")])
    ca.identifier = "AB 3080"  # a new bill with a real crisis title
    us = _watched_record()
    us.identifier = "HR 4980"
    ingest(db, [ca, us])
    tag_bills(db, ["ca-20252026-ab3080", "us-118-hr4980"])
    alerts.detect_changes(db)
    events = alerts.match_saved_searches(db)
    by_search = {(e.saved_search_id, e.bill_id) for e in events}
    names = {s.id: s.name for s in db.scalars(select(SavedSearch))}
    got = {(names[sid], bill) for sid, bill in by_search}
    assert ("ca crisis", "ca-20252026-ab3080") in got
    assert ("wy only", "us-118-hr4980") not in got  # wrong jurisdiction
    assert not any(name == "ca crisis" and bill.startswith("us-") for name, bill in got)


def test_two_alert_runs_at_once_send_each_alert_once(db, world, smtp_server, database_url) -> None:  # noqa: ANN001
    """A fleet runs alert jobs concurrently: rows one run is sending are skipped by the other
    (PostgreSQL row locks), and sent by it once the first run let go without sending them."""
    import pytest

    if not database_url.startswith("postgresql"):
        pytest.skip("row locks: SQLite has one writer and is run by one worker")
    from tracker.db import session_scope

    settings, inbox = smtp_server
    alerts.ensure_bill_states(db, [WATCHED])
    db.commit()
    record = _watched_record()
    record.actions.append(
        ActionRecord(date=date.today(), description="Passed House.", chamber="lower",
                     classification=["passage"])
    )  # fmt: skip
    ingest(db, [record])
    events = alerts.detect_changes(db)
    queued = alerts.queue_deliveries(db, events)
    assert queued == len(events) >= 2  # two orgs watch the bill
    db.commit()
    # Without the row locks the second run would block on the first's: fail, do not hang.
    db.execute(text("SET lock_timeout = '10s'"))
    with session_scope(settings) as first:
        # The first run has claimed the pending rows and is still sending.
        claimed = first.scalars(
            select(AlertDelivery)
            .where(AlertDelivery.status == "pending")
            .with_for_update(skip_locked=True)
        ).all()
        assert len(claimed) == queued
        assert alerts.deliver_pending(settings, db, "immediate") == {"sent": 0, "failed": 0}
        assert inbox.messages == []
        first.rollback()  # killed before it sent: the rows stay pending
    assert alerts.deliver_pending(settings, db, "immediate") == {"sent": queued, "failed": 0}
    assert len(inbox.messages) == 2  # one message per subscription
    assert alerts.deliver_pending(settings, db, "immediate") == {"sent": 0, "failed": 0}
