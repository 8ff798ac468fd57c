"""Which of a constituent's legislators a campaign writes to, and how to address them.

A constituent's districts are OCD division ids (from `outreach.geocode`). Their
legislators are the current ones whose `district_ocd_id` is among those ids, in the
campaign's level (state legislature, Congress, or both), narrowed by chamber,
committee membership and sponsorship of the campaign's bill.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from outreach.models import Campaign
from tracker.models import CommitteeMembership, Legislator, Sponsorship

# Lower chambers that are not called "House of Representatives".
ASSEMBLY_STATES = {"ca", "ny", "nv", "nj", "wi"}
DELEGATE_STATES = {"md", "va", "wv"}


def chamber_name(jurisdiction: str, chamber: str | None) -> str:
    """What the chamber is called: Senate, House of Representatives, Assembly ..."""
    if chamber == "upper":
        return "Senate"
    if chamber == "legislature":
        return "Council" if jurisdiction == "dc" else "Legislature"
    if jurisdiction in ASSEMBLY_STATES:
        return "Assembly"
    if jurisdiction in DELEGATE_STATES:
        return "House of Delegates"
    return "House of Representatives"


def legislator_title(jurisdiction: str, chamber: str | None) -> str:
    """How to address a member: Senator, Representative, Assemblymember, Delegate."""
    if chamber == "upper":
        return "Senator"
    if chamber == "legislature":
        return "Councilmember" if jurisdiction == "dc" else "Senator"
    if jurisdiction == "us":
        return "Representative"
    if jurisdiction in ASSEMBLY_STATES - {"wi"}:
        return "Assemblymember"
    if jurisdiction in DELEGATE_STATES:
        return "Delegate"
    return "Representative"


def legislator_fields(legislator: Legislator) -> dict[str, str]:
    """The `legislator` merge fields for a letter."""
    juris = legislator.jurisdiction_id
    title = legislator_title(juris, legislator.chamber)
    family = legislator.family_name or legislator.name.split()[-1]
    return {
        "name": legislator.name,
        "family_name": family,
        "title": title,
        "salutation": f"Dear {title} {family}",
        "chamber": chamber_name(juris, legislator.chamber),
        "district": legislator.district or "",
        "party": legislator.party or "",
    }


def targets(
    session: Session, campaign: Campaign, division_ids: list[str], state: str
) -> list[Legislator]:
    """The current legislators for these districts that `campaign` writes to."""
    if not division_ids:
        return []
    levels = {
        "state": [state.lower()],
        "federal": ["us"],
        "both": [state.lower(), "us"],
    }[campaign.target_level]
    today = date.today()
    query = select(Legislator).where(
        Legislator.district_ocd_id.in_(division_ids),
        Legislator.jurisdiction_id.in_(levels),
        or_(Legislator.term_end.is_(None), Legislator.term_end >= today),
    )
    if campaign.target_chambers:
        query = query.where(Legislator.chamber.in_(list(campaign.target_chambers)))
    if campaign.target_committee_id:
        query = query.where(
            Legislator.id.in_(
                select(CommitteeMembership.legislator_id).where(
                    CommitteeMembership.committee_id == campaign.target_committee_id
                )
            )
        )
    if campaign.bill_id and campaign.target_sponsors in ("only", "exclude"):
        sponsors = select(Sponsorship.legislator_id).where(
            Sponsorship.bill_id == campaign.bill_id, Sponsorship.legislator_id.is_not(None)
        )
        if campaign.target_sponsors == "only":
            query = query.where(Legislator.id.in_(sponsors))
        else:
            query = query.where(Legislator.id.not_in(sponsors))
    order = {"us": 0}
    found = session.scalars(query).all()
    return sorted(
        found,
        key=lambda leg: (order.get(leg.jurisdiction_id, 1), leg.chamber or "", leg.name),
    )
