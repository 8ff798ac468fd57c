"""Letters counted one way: per campaign and per office, for the campaign page, the bill
and legislator pages (`web.enrich`) and the weekly brief (`outreach.briefs`).

"Sent" means `state == 'sent'` everywhere (a letter that bounced after sending is
`failed`, and is not counted as sent anywhere).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from outreach.models import Campaign, Letter
from tracker.models import Legislator

SENT = Letter.state == "sent"


@dataclass
class CampaignCount:
    """Letters of one campaign: counts only."""

    campaign_id: int
    title: str
    total: int
    sent: int


def _sent_count():  # noqa: ANN202
    return func.sum(case((SENT, 1), else_=0))


def letters_by_campaign(session: Session, organization_id: int, *where: Any) -> list[CampaignCount]:
    """The organization's letters per campaign matching `where`, newest campaign first."""
    rows = session.execute(
        select(Campaign.id, Campaign.title, func.count(Letter.id), _sent_count())
        .join(Letter, Letter.campaign_id == Campaign.id)
        .where(
            Campaign.organization_id == organization_id,
            Letter.organization_id == organization_id,
            *where,
        )
        .group_by(Campaign.id, Campaign.title)
        .order_by(Campaign.id.desc())
    ).all()
    return [CampaignCount(cid, title, total, int(sent or 0)) for cid, title, total, sent in rows]


def letters_by_office(
    session: Session, organization_id: int, *where: Any
) -> list[tuple[Legislator, int, int]]:
    """(office, letters, sent) for the organization's letters matching `where`."""
    rows = session.execute(
        select(Legislator, func.count(Letter.id), _sent_count())
        .join(Legislator, Legislator.id == Letter.legislator_id)
        .where(Letter.organization_id == organization_id, *where)
        .group_by(Legislator.id)
        .order_by(func.count(Letter.id).desc(), Legislator.name)
    ).all()
    return [(leg, total, int(sent or 0)) for leg, total, sent in rows]
