"""Hearing-triggered push: one alert, only to consenting supporters in the committee
members' districts, never twice, with a working unsubscribe link."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from outreach import hearings, letters
from outreach.geocode import manual_divisions
from outreach.letters import Submission
from tests.conftest import csrf_token, sign_in
from tracker.models import Committee, Event, EventBill, utcnow


def _supporter(db, campaign, email: str, senate: str, *, contact=True, confirm=True):  # noqa: ANN001, ANN202
    person = Submission(
        name=email.split("@")[0].title() + " Rivera",
        email=email,
        address="",
        consent_send=True,
        consent_contact=contact,
    )
    constituent = letters.submit(db, campaign, person, manual_divisions("CA", None, senate))
    if confirm:
        letters.confirm(db, constituent)
    return constituent


def test_hearing_push_reaches_only_supporters_in_the_committee_members_districts(
    app, db, smtp_settings, smtp, campaign, org, make_org_user, bill
):
    health = db.scalars(select(Committee).where(Committee.name == "Health")).one()
    # A hearing row inserted by the test (the events table is filled by the calendar work).
    hearing = Event(
        jurisdiction_id="ca",
        name="Senate Health Committee hearing",
        start=utcnow() + timedelta(days=6),
        location="1021 O Street, Room 1200",
        committee_id=health.id,
        bills=[EventBill(bill_id=bill.id)],
    )
    db.add(hearing)
    db.commit()
    # SD 39 is Sen. Weber Pierson's, who sits on Health; SD 10 (Wahab) does not.
    reached = _supporter(db, campaign, "ana@example.net", "39")
    _supporter(db, campaign, "ben@example.net", "10")  # not a member's district
    _supporter(db, campaign, "cy@example.net", "39", contact=False)  # no consent
    _supporter(db, campaign, "dee@example.net", "39", confirm=False)  # never confirmed
    gone = _supporter(db, campaign, "eve@example.net", "39")
    hearings.unsubscribe(db, gone)
    assert [p.email for p, _ in hearings.audience(db, campaign, hearing)] == ["ana@example.net"]

    from web import create_app

    web = create_app(smtp_settings)
    advocate = web.test_client()
    _, user, password = make_org_user(org.name, "advocate@example.org", "advocate")
    sign_in(advocate, user.email, password)
    page = advocate.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "1 supporter(s) live in the members&#39; districts" in page or "1 supporter(s)" in page
    token = csrf_token(advocate, f"/campaigns/{campaign.id}")
    alert_url = f"/campaigns/{campaign.id}/hearings/{hearing.id}/alert"
    advocate.post(alert_url, data={"csrf_token": token})
    advocate.post(alert_url, data={"csrf_token": token})  # a second click sends nothing
    assert [m["To"] for m in smtp.messages] == ["ana@example.net"]
    [mail] = smtp.messages
    text = mail.get_content()
    assert "Senator Akilah Weber Pierson" in text and "1021 O Street" in text
    page = advocate.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "alert sent to 1 of 1 supporter(s)" in page

    # The unsubscribe link works and is honored by later alerts.
    path = re.search(r"http://[^/]+(/act/unsubscribe/\S+)", text).group(1)
    public = web.test_client()
    assert "Stop emails" in public.get(path).get_data(as_text=True)
    done = public.post(path, data={"csrf_token": csrf_token(public, path)})
    assert "will not email you" in done.get_data(as_text=True)
    db.expire_all()
    db.refresh(reached)
    assert reached.contact_unsubscribed_at is not None
    assert hearings.audience(db, campaign, hearing) == []
