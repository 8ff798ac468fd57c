"""Advocates' pages: template editor, preview, campaign setup, results, meetings; org privacy."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from outreach import letters
from outreach.geocode import manual_divisions
from outreach.models import Campaign, FollowUp, LanguageTerm, Meeting
from tests.conftest import csrf_token, sign_in
from tests.outreach.conftest import FREMONT


@pytest.fixture
def advocate(client, make_org_user, org):  # noqa: ANN001, ANN201
    _, user, password = make_org_user(org.name, "advocate@example.org", "advocate")
    sign_in(client, user.email, password)
    return user


def test_template_editor_saves_versions_and_reports_problems_with_lines(client, advocate, db):
    page = client.get("/campaigns/templates/new?starter=thank-a-sponsor")
    assert page.status_code == 200 and "Thank you for sponsoring" in page.get_data(as_text=True)
    token = csrf_token(client, "/campaigns/templates/new")
    bad = client.post(
        "/campaigns/templates/new",
        data={
            "csrf_token": token,
            "name": "Bad",
            "subject": "Hi",
            "body": "Dear {{ legislator.salutation }},\n{{ legislator.__class__ }}",
        },
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "body line 2: access to &#39;__class__&#39;" in html
    good = client.post(
        "/campaigns/templates/new",
        data={
            "csrf_token": token,
            "name": "Thanks",
            "subject": "Thanks for {{ bill.identifier }}",
            "body": "{{ legislator.salutation }},\nThank you. The <b>mentally ill</b> need you.",
        },
    )
    assert good.status_code == 302
    edit_path = good.headers["Location"]
    html = client.get(edit_path).get_data(as_text=True)
    # plain-text template shown HTML-escaped; the language check sits beside it
    assert "&lt;b&gt;mentally ill&lt;/b&gt;" in html and "<b>mentally" not in html
    saved = client.post(
        edit_path,
        data={
            "csrf_token": token,
            "name": "Thanks",
            "subject": "v2",
            "body": "{{ legislator.salutation }}, v2",
        },
    )
    assert saved.status_code == 302
    assert "version 2" in client.get(edit_path).get_data(as_text=True)


def test_live_preview_returns_problems_language_and_sample_text(client, advocate):
    token = csrf_token(client, "/campaigns/templates/new")
    r = client.post(
        "/campaigns/templates/preview",
        json={
            "subject": "To {{ legislator.title }}",
            "body": "Hi {{ legislator.name }}, crazy times",
        },
        headers={"X-CSRFToken": token},
    )
    data = r.get_json()
    assert r.status_code == 200 and data["problems"] == []
    assert data["preview"] == {"subject": "To Senator", "body": "Hi Aisha Wahab, crazy times"}
    assert data["language"][0]["matched"] == "crazy"
    r = client.post(
        "/campaigns/templates/preview", json={"body": "{{ nope }}"}, headers={"X-CSRFToken": token}
    )
    assert r.get_json()["problems"][0]["line"] == 1
    assert client.post("/campaigns/templates/preview", json={"body": "x"}).status_code == 400


def test_campaign_setup_and_results_per_office_district_and_quotable_stories(
    client, advocate, db, campaign, org
):
    token = csrf_token(client, "/campaigns/new")
    r = client.post(
        "/campaigns/new",
        data={
            "csrf_token": token,
            "title": "Thank sponsors",
            "slug": "thanks",
            "template_id": campaign.template_id,
            "target_level": "both",
            "target_committee_id": 0,
            "target_sponsors": "any",
            "daily_cap_per_office": 100,
            "bill_id": "",
        },
    )
    assert r.status_code == 302
    created = db.scalars(select(Campaign).where(Campaign.slug == "thanks")).one()
    assert created.organization_id == org.id and created.target_level == "both"
    for i, quote in enumerate([True, False]):
        c = letters.submit(
            db,
            campaign,
            letters.Submission(
                name=f"Sam Lee{i}",
                email=f"s{i}@example.net",
                address="",
                story=f"story {i}",
                consent_send=True,
                consent_quote=quote,
            ),
            manual_divisions(**FREMONT),
        )
        letters.confirm(db, c)
    html = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "Alex Lee" in html and "CA Assembly 24" in html and "CA Senate 10" in html
    assert "story 0" in html and "story 1" not in html
    rows = list(
        csv.reader(
            io.StringIO(client.get(f"/campaigns/{campaign.id}/letters.csv").get_data(as_text=True))
        )
    )
    assert rows[0][:3] == ["letter_id", "legislator", "chamber"] and len(rows) == 5


def test_other_organizations_cannot_see_campaigns_templates_or_meetings(
    client, make_org_user, db, campaign
):
    from tracker.accounts import create_org

    other = create_org(db, "Another Org")
    _, user, password = make_org_user(other.name, "other@example.org", "advocate")
    sign_in(client, user.email, password)
    assert client.get(f"/campaigns/{campaign.id}").status_code == 404
    assert client.get(f"/campaigns/{campaign.id}/letters.csv").status_code == 404
    assert client.get(f"/campaigns/templates/{campaign.template_id}").status_code == 404
    assert "Fund crisis services" not in client.get("/campaigns/").get_data(as_text=True)
    from datetime import date

    from outreach.meetings import MeetingInput, log_meeting

    theirs = log_meeting(
        db,
        campaign.organization_id,
        MeetingInput(date=date(2026, 11, 2), staff=[("Dana Ortiz", "aide")], notes="private notes"),
    )
    assert client.get(f"/meetings/{theirs.id}").status_code == 404
    assert "private notes" not in client.get("/meetings/export.csv").get_data(as_text=True)
    assert "Dana Ortiz" not in client.get("/meetings/").get_data(as_text=True)


def test_language_terms_extend_the_organizations_list(client, advocate, db, org):
    token = csrf_token(client, "/campaigns/")
    client.post(
        "/campaigns/language-terms",
        data={
            "csrf_token": token,
            "phrase": "frequent flyer",
            "suggestions": "person who needs care",
        },
    )
    assert db.scalars(select(LanguageTerm)).one().organization_id == org.id
    r = client.post(
        "/campaigns/templates/preview",
        json={"body": "a frequent flyer"},
        headers={"X-CSRFToken": token},
    )
    assert r.get_json()["language"][0]["suggestions"] == ["person who needs care"]


def test_meeting_log_timeline_follow_ups_and_csv(client, advocate, db, people, bill, org):
    token = csrf_token(client, "/meetings/new")
    r = client.post(
        "/meetings/new",
        data={
            "csrf_token": token,
            "date": "2026-11-20",
            "kind": "meeting",
            "location": "Capitol",
            "legislator_ids": [people["Aisha Wahab"]],
            "staff": "Dana Ortiz, Health policy aide",
            "our_attendees": "Ana\nRaj",
            "asks": "Co-author AB 1331",
            "outcome": "Will review",
            "notes": '=HYPERLINK("x")',
            "bills-0-bill": bill.id,
            "bills-0-ask": "Vote yes",
            "bills-0-position": "undecided",
            "bills-1-bill": "SB 43 (conservatorship)",
            "bills-1-ask": "",
            "bills-1-position": "oppose",
            "follow_ups-0-description": "Send data on wait times",
            "follow_ups-0-due_date": "2026-11-27",
            "follow_ups-0-assignee_id": advocate.id,
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    meeting = db.scalars(select(Meeting)).one()
    assert meeting.organization_id == org.id
    assert [(a.name, a.role) for a in meeting.attendees] == [
        ("Aisha Wahab", "legislator"),
        ("Dana Ortiz", "staff"),
    ]
    assert [(b.bill_id, b.label, b.position) for b in meeting.bills] == [
        (bill.id, "", "undecided"),
        (None, "SB 43 (conservatorship)", "oppose"),
    ]
    timeline = client.get(f"/meetings/legislator/{people['Aisha Wahab']}").get_data(as_text=True)
    assert "AB 1331: undecided" in timeline and "Will review" in timeline
    rows = list(
        csv.DictReader(io.StringIO(client.get("/meetings/export.csv").get_data(as_text=True)))
    )
    assert len(rows) == 2 and rows[0]["stated_position"] == "undecided"
    assert rows[0]["notes"].startswith("'=")  # no spreadsheet formulas from notes
    follow = db.scalars(select(FollowUp)).one()
    client.post(f"/meetings/follow-ups/{follow.id}/done", data={"csrf_token": token})
    db.refresh(follow)
    assert follow.done_at is not None


def test_follow_up_reminders_are_emailed_once(db, smtp, smtp_settings, make_org_user, org, people):
    from datetime import date, timedelta

    from outreach.meetings import FollowUpTask, MeetingInput, log_meeting, send_reminders

    _, user, _ = make_org_user(org.name, "lead@example.org", "advocate")
    log_meeting(
        db,
        org.id,
        MeetingInput(
            date=date.today(),
            legislator_ids=[people["Alex Lee"]],
            follow_ups=[
                FollowUpTask("Send the one-pager", date.today() + timedelta(days=1), user.id),
                FollowUpTask("Later task", date.today() + timedelta(days=9), user.id),
            ],
        ),
    )
    assert send_reminders(db, smtp_settings) == {"reminders_sent": 1}
    assert send_reminders(db, smtp_settings) == {"reminders_sent": 0}
    [mail] = smtp.to("lead@example.org")
    assert "Send the one-pager" in mail.get_content() and "Alex Lee" in mail.get_content()


def test_meeting_legislator_picker_lists_matches_not_every_legislator(client, advocate, db, people):
    """The form never renders every legislator; Search (no JS) and the JSON endpoint find them."""
    from tracker.models import Legislator

    total = db.query(Legislator).count()
    page = client.get("/meetings/new").get_data(as_text=True)
    assert page.count('name="legislator_ids"') == 0 and total > 0
    token = csrf_token(client, "/meetings/new")
    found = client.post(
        "/meetings/new",
        data={"csrf_token": token, "find": "wahab", "find_submit": "1", "location": "Capitol"},
    )
    html = found.get_data(as_text=True)
    assert found.status_code == 200 and "Aisha Wahab" in html and 'value="Capitol"' in html
    assert html.count('name="legislator_ids"') == 1
    # A chosen legislator stays listed (and ticked) while searching for another.
    again = client.post(
        "/meetings/new",
        data={
            "csrf_token": token,
            "find": "alex lee",
            "find_submit": "1",
            "legislator_ids": [people["Aisha Wahab"]],
        },
    ).get_data(as_text=True)
    assert "Aisha Wahab" in again and "Alex Lee" in again and "checked" in again
    live = client.get("/meetings/legislators.json?q=wah").get_json()["results"]
    assert [r["id"] for r in live] == [people["Aisha Wahab"]]
    assert client.get("/meetings/legislators.json?q=").get_json() == {"results": []}
