"""The pipeline runs itself: the scheduled sync, through a real RQ worker and Redis, to an
alert email in a real SMTP server.

The cron entry registered by app/schedule.py enqueues `sync_all`; a SimpleWorker runs it
and every step it chains (sync_source -> fetch_texts -> tag_and_score -> send_alerts).
Congress.gov is a local HTTP server answering with the recorded Library of Congress
sample payloads for H.R. 21 (117th), with the API base pointed at it; nothing else is
faked. The organization watches H.R. 21 as it stood when referred to committee (the
recorded bill with its actions after 2021-01-04 left out), so the sync that brings the House passage
must raise a status alert by email.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from app.schedule import build_scheduler, periodic_jobs
from scrapers import congress_gov, pipeline
from tests.conftest import FIXTURES, free_port
from tests.web.conftest import _Inbox
from tracker import alerts
from tracker.accounts import create_org, create_user
from tracker.ingest import ingest
from tracker.models import Bill, Watchlist, WatchlistEntry
from tracker.models.web import AlertSubscription

pytestmark = pytest.mark.redis
LOC = FIXTURES / "congress_gov" / "loc_api_sample_output"
HR21 = "us-117-hr21"
KEY = "e2e-congress-key"


def _congress_gov_server(files: dict[str, bytes], seen: list[tuple[str, str]]):  # noqa: ANN202
    """A loopback HTTP server answering recorded payloads by path (query ignored)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            path = urlsplit(self.path).path
            seen.append((self.path, self.headers.get("X-Api-Key", "")))
            body = files.get(path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body if body is not None else b'{"error": "not recorded"}')

        def log_message(self, *args) -> None:  # noqa: ANN002
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _recorded(base: str) -> dict[str, bytes]:
    """H.R. 21's recorded detail and sub-resources, with api.congress.gov links pointed here."""

    def load(name: str) -> bytes:
        text = (LOC / name).read_text().replace("https://api.congress.gov/v3", base)
        return text.encode()

    files = {"/v3/bill/117/hr/21": load("bill_117_hr_21.json")}
    for sub in congress_gov.SUBRESOURCES:
        if (LOC / f"bill_117_hr_21_{sub}.json").exists():
            files[f"/v3/bill/117/hr/21/{sub}"] = load(f"bill_117_hr_21_{sub}.json")
    bill = json.loads(files["/v3/bill/117/hr/21"])["bill"]
    # The /bill list page is built here from the recorded detail (the recorded list pages
    # list other bills): one item with the fields parse_bill_list reads.
    item = {k: bill[k] for k in ("congress", "type", "number", "title", "latestAction")}
    item["updateDate"] = bill["updateDate"]
    item["url"] = f"{base}/bill/117/hr/21?format=json"
    files["/v3/bill"] = json.dumps({"bills": [item], "pagination": {"count": 1}}).encode()
    return files


def _watch_hr21_as_introduced(db, email: str) -> None:  # noqa: ANN001
    """Store H.R. 21 as it was on 2021-01-04, watched by an org whose admin wants email."""
    detail = json.loads((LOC / "bill_117_hr_21.json").read_text())
    actions = json.loads((LOC / "bill_117_hr_21_actions.json").read_text())
    actions["actions"] = [a for a in actions["actions"] if a["actionDate"] <= "2021-01-04"]
    record = congress_gov.parse_bill(detail, actions=actions)
    record.source_updated = "2021-01-04T00:00:00Z"  # older than the list's token
    ingest(db, [record])
    org = create_org(db, "E2E Coalition")
    user = create_user(db, email, org, "admin", "a-long-password-123")
    watchlist = Watchlist(organization_id=org.id, name="Watched")
    watchlist.entries = [WatchlistEntry(bill_id=HR21, position="support", owner_id=user.id)]
    db.add(watchlist)
    db.add(
        AlertSubscription(
            user_id=user.id,
            organization_id=org.id,
            channel="email",
            frequency="immediate",
            kinds=["status", "action"],
        )
    )
    db.commit()
    alerts.ensure_bill_states(db, [HR21])  # what alerts last saw: the introduced bill
    db.commit()
    assert db.get(Bill, HR21).status == "in_committee"  # referred on 2021-01-04


def test_scheduled_sync_reaches_an_alert_email_through_a_real_worker(
    db, rq_settings, redis_conn, monkeypatch
):
    from aiosmtpd.controller import Controller
    from rq import Queue, SimpleWorker
    from rq.registry import FailedJobRegistry, FinishedJobRegistry

    inbox = _Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    files: dict[str, bytes] = {}
    seen: list[tuple[str, str]] = []
    server = _congress_gov_server(files, seen)
    base = f"http://127.0.0.1:{server.server_address[1]}/v3"
    files.update(_recorded(base))
    # The worker builds its settings from the environment, like a deployed one.
    for name, value in {
        "TRACKER_OFFLINE": "false",
        "CONGRESS_GOV_API_KEY": KEY,
        "SYNC_SOURCES": "congress-gov",
        "SMTP_PORT": str(smtp.port),
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(congress_gov, "BASE", base)  # the network edge: where the API is
    try:
        _watch_hr21_as_introduced(db, "policy@e2e.example.org")
        [entry] = [p for p in periodic_jobs() if p.func is pipeline.sync_all]
        scheduler = build_scheduler(rq_settings, [entry])
        assert [j.func_name for j in scheduler.enqueue_jobs()] == ["scrapers.pipeline.sync_all"]

        conn = redis_conn
        queues = [Queue(name, connection=conn) for name in ("sync", "tag", "outreach")]
        SimpleWorker(queues, connection=conn).work(burst=True)

        failed = [FailedJobRegistry(queue=q).get_job_ids() for q in queues]
        assert failed == [[], [], []]
        finished = {
            q.name: sorted(
                q.fetch_job(i).func_name for i in FinishedJobRegistry(queue=q).get_job_ids()
            )
            for q in queues
        }
        assert finished == {
            "sync": [
                "scrapers.pipeline.fetch_texts",
                "scrapers.pipeline.sync_all",
                "scrapers.pipeline.sync_source",
            ],
            "tag": ["scrapers.pipeline.tag_and_score"],
            "outreach": ["scrapers.pipeline.send_alerts"],
        }
    finally:
        server.shutdown()
        server.server_close()
        smtp.stop()

    # Every request went to the recorded server with the key in a header, never the URL.
    assert seen and all(key == KEY and KEY not in path for path, key in seen)
    assert [p for p, _ in seen][0].startswith("/v3/bill?")
    db.expire_all()
    bill = db.get(Bill, HR21)
    assert bill.status == "passed_origin" and len(bill.actions) == 9  # two identical merge
    assert db.scalars(select(Bill.id)).all() == [HR21]
    [message] = inbox.messages
    assert message["To"] == "policy@e2e.example.org"
    body = message.get_body(("plain",)).get_content()
    assert "HR 21" in message["Subject"] + body
    assert "Received in the Senate" in body or "passed" in body.lower()
