"""Hearing times on the legislature's clock, with its zone, on the real WA HB 1800 hearings.

The demo bills (tests/fixtures/demo/bills.jsonl) carry HB 1800's real actions: "Public
hearing in the House Committee on Children, Youth & Families at 1:30 PM" on Jan 17, 2022,
and a Senate Behavioral Health Subcommittee hearing on Feb 16, 2022 at 6:00 PM. Both are
stored in UTC (21:30 and, the next day, 02:00); every screen must show Pacific time.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import select

from outreach.testimony import hearing_values
from scrapers.hearings import hearings_from_actions
from tests.conftest import sign_in
from tests.web.conftest import PASSWORD
from tracker.ingest import ingest_events
from tracker.jurisdictions import hearing_time, zone
from tracker.models import Bill, Event
from web.ics import calendar

HB1800 = "wa-202122-hb1800"


@pytest.fixture
def world(world, db, demo_bills):  # noqa: ANN001, ANN201
    """The web world plus HB 1800's hearings, read from its actions as a sync does."""
    ingest_events(db, hearings_from_actions(demo_bills[HB1800]))
    return world


def _event(db, committee: str) -> Event:  # noqa: ANN001
    return db.scalar(select(Event).where(Event.jurisdiction_id == "wa", Event.name == committee))


def test_zones_are_the_capitals_and_federal_is_eastern():
    assert str(zone("wa")) == "America/Los_Angeles"
    assert str(zone("fl")) == "America/New_York"  # spans two zones: Tallahassee's
    assert str(zone("tn")) == "America/Chicago"  # Nashville, not Knoxville
    assert str(zone("us")) == "America/New_York"
    # Summer time is the zone's, not a fixed offset.
    assert hearing_time(datetime(2022, 7, 1, 20, 30, tzinfo=UTC), "wa") == (
        "July 1, 2022 at 1:30 PM PDT"
    )


def test_testimony_kit_prints_the_real_hb1800_hearing_in_pacific_time(db, world) -> None:  # noqa: ANN001
    event = _event(db, "Public hearing: House Children, Youth & Families")
    assert event.start.replace(tzinfo=UTC) == datetime(2022, 1, 17, 21, 30, tzinfo=UTC)
    bill = db.get(Bill, HB1800)
    hearing = hearing_values(db, world["alpha"]["org_id"], event, bill, {})["hearing"]
    assert (hearing["date"], hearing["time"]) == ("January 17, 2022", "1:30 PM PST")


def test_bill_page_and_testimony_page_show_local_time_with_zone(app: Flask, db, world) -> None:  # noqa: ANN001
    client = app.test_client()
    sign_in(client, world["users"][("alpha", "viewer")].email, PASSWORD)
    html = client.get(f"/bills/{HB1800}").get_data(as_text=True)
    # Feb 16 at 6 PM in Olympia is Feb 17 02:00 UTC: the page shows the former.
    assert ">2022-02-16 6:00 PM PST</time>" in html
    assert "2022-02-17 02:00" not in html
    assert ">2022-01-17 1:30 PM PST</time>" in html
    assert "2022-01-17 21:30" not in html

    event = _event(db, "Public hearing: House Children, Youth & Families")
    advocate = app.test_client()
    sign_in(advocate, world["users"][("alpha", "advocate")].email, PASSWORD)
    page = advocate.get(f"/hearings/{event.id}/testimony/{HB1800}").get_data(as_text=True)
    assert "Monday January 17, 2022 at 1:30 PM PST" in page
    assert "9:30 PM" not in page


def test_ics_feed_keeps_the_utc_instant(db, world) -> None:  # noqa: ANN001
    event = _event(
        db, "Public hearing: Senate Behavioral Health Subcommittee to Health & Long Term Care"
    )
    body = calendar("HB 1800", [(event, db.get(Bill, HB1800))], host="example.org")
    assert "DTSTART:20220217T020000Z" in body
