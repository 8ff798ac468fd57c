"""Hearing-triggered push: when a campaign's bill is set for a committee hearing, the
campaign owner sends one alert, in one click, to the campaign's past supporters who
live in the districts of that committee's current members.

Who gets it: constituents of the campaign who confirmed their letters, ticked "the
organization may contact me", and have not unsubscribed, whose division ids include a
current committee member's district. One `HearingAlert` per (campaign, hearing)
(unique), one `HearingAlertRecipient` per person with `sent_at`: a second click, a job
retry or a crash mid-way never mails anyone twice. Every alert carries an unsubscribe
link (`/act/unsubscribe/<token>`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from outreach.campaigns import campaign_for_org
from outreach.constituents import link_token
from outreach.models import Campaign, Constituent, HearingAlert, HearingAlertRecipient
from outreach.targeting import legislator_fields
from tracker.config import Settings
from tracker.errors import InvalidInput, NotFound
from tracker.jurisdictions import hearing_time, local_time
from tracker.mail import send_plain_email
from tracker.models import Committee, CommitteeMembership, Event, EventBill, Legislator, utcnow
from tracker.terms import serving

ALERT_TEXT = """Hello {name},

You wrote to your legislators about {bill} with {organization}. The {committee}
hears it on {when}{where}.

Your {member} sits on this committee. A call or a note before the hearing counts:
{campaign_url}

If you are in crisis, call or text 988 (Suicide & Crisis Lifeline) any time.

You get this because you agreed that {organization} may contact you about this
campaign. Stop these emails: {unsubscribe_url}
"""


def upcoming_hearings(session: Session, campaign: Campaign, now: datetime | None = None):  # noqa: ANN201
    """Committee hearings on the campaign's bill that have not happened yet."""
    if not campaign.bill_id:
        return []
    now = now or utcnow()
    return list(
        session.scalars(
            select(Event)
            .join(EventBill, EventBill.event_id == Event.id)
            .where(
                EventBill.bill_id == campaign.bill_id,
                Event.committee_id.is_not(None),
                Event.start >= now,
            )
            .order_by(Event.start)
        ).all()
    )


def _members(session: Session, committee_id: int) -> dict[str, Legislator]:
    """District OCD id -> the current committee member who represents it."""
    rows = session.scalars(
        select(Legislator)
        .join(CommitteeMembership, CommitteeMembership.legislator_id == Legislator.id)
        .where(CommitteeMembership.committee_id == committee_id, serving())
    ).all()
    return {leg.district_ocd_id: leg for leg in rows if leg.district_ocd_id}


def audience(
    session: Session, campaign: Campaign, event: Event
) -> list[tuple[Constituent, Legislator]]:
    """(supporter, their member on the committee) pairs an alert for `event` reaches."""
    members = _members(session, event.committee_id)
    people = session.scalars(
        select(Constituent)
        .where(
            Constituent.campaign_id == campaign.id,
            Constituent.confirmed_at.is_not(None),
            Constituent.consent_contact.is_(True),
            Constituent.contact_unsubscribed_at.is_(None),
        )
        .order_by(Constituent.id)
    ).all()
    reached = []
    for person in people:
        member = next((members[d] for d in person.division_ids or [] if d in members), None)
        if member is not None:
            reached.append((person, member))
    return reached


def hearing_summaries(session: Session, campaign: Campaign) -> list[dict[str, Any]]:
    """Upcoming hearings with how many supporters an alert reaches and whether one went."""
    sent = {
        alert.event_id: alert
        for alert in session.scalars(
            select(HearingAlert).where(HearingAlert.campaign_id == campaign.id)
        )
    }
    return [
        {
            "event": event,
            "committee": session.get(Committee, event.committee_id),
            "reach": len(audience(session, campaign, event)),
            "alert": sent.get(event.id),
        }
        for event in upcoming_hearings(session, campaign)
    ]


def create_alert(
    session: Session,
    organization_id: int,
    campaign_id: int,
    event_id: int,
    user_id: int | None = None,
) -> HearingAlert:
    """Record the one alert for this hearing and its recipients; InvalidInput if sent."""
    campaign = campaign_for_org(session, organization_id, campaign_id)
    event = next((e for e in upcoming_hearings(session, campaign) if e.id == event_id), None)
    if event is None:
        raise NotFound("no upcoming committee hearing on this campaign's bill")
    people = audience(session, campaign, event)
    alert = HearingAlert(
        organization_id=organization_id,
        campaign_id=campaign.id,
        event_id=event.id,
        created_by_id=user_id,
        recipients=len(people),
    )
    session.add(alert)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise InvalidInput("an alert for this hearing was already sent") from exc
    for person, _member in people:
        session.add(HearingAlertRecipient(alert_id=alert.id, constituent_id=person.id))
    session.commit()
    return alert


def send_alert(session: Session, settings: Settings, alert_id: int) -> dict[str, int]:
    """Email every recipient of the alert not yet mailed (safe to run again)."""
    alert = session.get(HearingAlert, alert_id)
    if alert is None:
        return {"sent": 0}
    campaign = session.get(Campaign, alert.campaign_id)
    event = session.get(Event, alert.event_id)
    committee = session.get(Committee, event.committee_id)
    members = _members(session, event.committee_id)
    pending = session.scalars(
        select(HearingAlertRecipient).where(
            HearingAlertRecipient.alert_id == alert.id, HearingAlertRecipient.sent_at.is_(None)
        )
    ).all()
    sent = 0
    for row in pending:
        person = session.get(Constituent, row.constituent_id)
        if person is None or person.contact_unsubscribed_at is not None:
            continue
        member = next((members[d] for d in person.division_ids or [] if d in members), None)
        fields = legislator_fields(member) if member else {"title": "legislator", "name": ""}
        body = ALERT_TEXT.format(
            name=person.name,
            bill=f"{campaign.bill.identifier}" if campaign.bill else campaign.title,
            organization=campaign.organization.name,
            committee=f"{committee.name} committee",
            when=hearing_time(event.start, event.jurisdiction_id),
            where=f" ({event.location})" if event.location else "",
            member=f"{fields['title']} {fields['name']}".strip(),
            campaign_url=f"{settings.base_url}/act/{campaign.slug}",
            unsubscribe_url=(
                f"{settings.base_url}/act/unsubscribe/"
                f"{link_token(settings.secret_key, person, 'unsubscribe')}"
            ),
        )
        send_plain_email(
            settings,
            person.email,
            f"Hearing on {local_time(event.start, event.jurisdiction_id):%B %-d}: {campaign.title}"[
                :200
            ],
            body,
        )
        row.sent_at = utcnow()
        alert.sent += 1
        session.commit()  # per person: a retry after a failure mails only the rest
        sent += 1
    return {"sent": sent, "recipients": alert.recipients}


def unsubscribe(session: Session, constituent: Constituent) -> None:
    """No more contact from the campaign (the letters already sent are not affected)."""
    if constituent.contact_unsubscribed_at is None:
        constituent.contact_unsubscribed_at = utcnow()
        constituent.consent_contact = False
        session.commit()
