"""Bill and legislator pages list the organization's own letters and meetings, never
another organization's (outreach tables, written here through their models)."""

from __future__ import annotations

from datetime import date

from flask import Flask

from tests.conftest import sign_in
from tests.web.conftest import PASSWORD, WATCHED


def _alpha_outreach(db, world: dict) -> None:  # noqa: ANN001
    from outreach.models import (
        Campaign,
        Constituent,
        Letter,
        LetterTemplate,
        Meeting,
        MeetingAttendee,
        MeetingBill,
        TemplateVersion,
    )
    from tracker.models import utcnow

    org = world["alpha"]["org_id"]
    template = LetterTemplate(organization_id=org, name="Support HR 498")
    db.add(template)
    db.flush()
    version = TemplateVersion(template_id=template.id, number=1, subject="Support", body="Hi")
    campaign = Campaign(
        organization_id=org,
        slug="alpha-hr498",
        title="alpha-campaign-498",
        template_id=template.id,
        bill_id=WATCHED,
    )
    db.add_all([version, campaign])
    db.flush()
    for i in range(3):
        person = Constituent(
            organization_id=org,
            campaign_id=campaign.id,
            name=f"alpha-constituent-{i}",
            email=f"c{i}@example.org",
            link_nonce=f"n{i}",
        )
        db.add(person)
        db.flush()
        db.add(
            Letter(
                organization_id=org,
                campaign_id=campaign.id,
                constituent_id=person.id,
                legislator_id=world["legislator"],
                template_version_id=version.id,
                subject="Support",
                body="Hi",
                idempotency_key=f"k{i}",
                # "Sent" is the state (outreach.counts), as the delivery code sets it.
                state="queued" if i else "sent",
                sent_at=None if i else utcnow(),
            )
        )
    meeting = Meeting(
        organization_id=org, date=date(2026, 11, 2), kind="meeting", asks="alpha-meeting-ask"
    )
    meeting.attendees.append(
        MeetingAttendee(legislator_id=world["legislator"], name="Maria Cantwell")
    )
    meeting.bills.append(MeetingBill(bill_id=WATCHED, ask="Cosponsor", position="supportive"))
    db.add(meeting)
    db.commit()


def test_bill_and_legislator_pages_show_our_letters_and_meetings_only(
    app: Flask,
    db,
    world,  # noqa: ANN001
) -> None:
    _alpha_outreach(db, world)
    alpha, beta = app.test_client(), app.test_client()
    sign_in(alpha, world["users"][("alpha", "viewer")].email, PASSWORD)
    sign_in(beta, world["users"][("beta", "admin")].email, PASSWORD)
    page = alpha.get(f"/bills/{WATCHED}").get_data(as_text=True)
    outreach = page[page.index('id="outreach"') :]
    assert "alpha-campaign-498" in outreach and "3 letters, 1 sent" in outreach
    assert "Cosponsor" in outreach and "supportive" in outreach
    assert "alpha-constituent" not in page  # counts only, no constituent names
    person = alpha.get(f"/legislators/{world['legislator']}").get_data(as_text=True)
    assert "alpha-meeting-ask" in person and "3 letters to this office" in person
    for path in (f"/bills/{WATCHED}", f"/legislators/{world['legislator']}"):
        other = beta.get(path).get_data(as_text=True)
        assert "alpha-campaign-498" not in other and "alpha-meeting-ask" not in other
