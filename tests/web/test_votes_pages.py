"""The bill page lists roll calls; the legislator page shows their votes on tracked bills."""

from __future__ import annotations

from datetime import date

from flask import Flask
from sqlalchemy import select

from tests.conftest import csrf_token, sign_in
from tests.web.conftest import PASSWORD, WATCHED
from tracker.ingest import ingest_votes
from tracker.models import LegislatorExternalId
from tracker.records import PersonVoteRecord, VoteRecord


def test_bill_and_legislator_pages_show_roll_calls(app: Flask, db, world) -> None:  # noqa: ANN001
    ext = db.scalars(
        select(LegislatorExternalId).where(
            LegislatorExternalId.legislator_id == world["legislator"]
        )
    ).first()
    ingest_votes(
        db,
        [
            VoteRecord(
                jurisdiction="us",
                external_id="test:hr498-passage",
                motion="On Motion to Suspend the Rules and Pass",
                date=date(2023, 5, 2),
                chamber="lower",
                bill_id=WATCHED,
                result="Passed",
                yes=2,
                no=1,
                votes=[
                    PersonVoteRecord("Member With Id", "Yea", f"{ext.scheme}:{ext.value}"),
                    PersonVoteRecord("Someone Else", "Nay"),
                ],
            )
        ],
    )
    client = app.test_client()
    sign_in(client, world["users"][("alpha", "viewer")].email, PASSWORD)
    page = client.get(f"/bills/{WATCHED}").get_data(as_text=True)
    votes = page[page.index('id="votes-h"') :]
    assert "On Motion to Suspend the Rules and Pass" in votes and "Passed" in votes
    assert "Someone Else</li>" not in votes and "Someone Else: no" in votes
    person = client.get(f"/legislators/{world['legislator']}").get_data(as_text=True)
    section = person[person.index('id="member-votes-h"') :]
    assert "<strong>yes</strong> on On Motion to Suspend the Rules and Pass" in section


def test_cancelled_hearing_leaves_the_dashboard_and_is_cancelled_in_the_calendar(
    app: Flask,
    db,
    world,  # noqa: ANN001
) -> None:
    import re

    from tracker.models import Event

    client = app.test_client()
    sign_in(client, world["users"][("alpha", "viewer")].email, PASSWORD)
    home = client.get("/").get_data(as_text=True)
    assert "Health Subcommittee hearing" in home[home.index('id="hearings-h"') :]
    event = db.scalars(select(Event).where(Event.external_id == "test-hearing-1")).one()
    event.status = "cancelled"
    db.commit()
    home = client.get("/").get_data(as_text=True)
    assert "Health Subcommittee hearing" not in home[home.index('id="hearings-h"') :]
    path = f"/watchlists/{world['alpha']['watchlist']}"
    html = client.post(f"{path}/feed-key", data={"csrf_token": csrf_token(client, path)}).get_data(
        as_text=True
    )  # feed links are made on request and shown once
    ics = re.search(
        r'href="http://127\.0\.0\.1:5000(/watchlists/\d+/hearings\.ics\?key=[^"]+)"', html
    )
    cal = app.test_client().get(ics.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "STATUS:CANCELLED" in cal
