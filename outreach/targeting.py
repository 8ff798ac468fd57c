"""Which offices a campaign writes to for one constituent, and how to address them.

The bill decides the legislature: a campaign on a California bill writes to California
legislators, so a visitor from another state is told so and offered nothing to send;
a campaign on a federal bill writes to the constituent's two U.S. senators and their
representative. `Campaign.target_level` can add (`both`) or choose (`federal`) members
of Congress; a campaign without a bill uses the constituent's own state.

Three target modes (`Campaign.target_mode`):

- `district` (default): the constituent's own legislators, found by OCD division id
  (from `outreach.geocode`), narrowed by chamber, committee membership and the bill's
  sponsors. Every seat the constituent should have (state senate and house district,
  two U.S. senators, one representative) is checked: a seat with nobody in office in
  our data, or only a member whose term has ended, is named in `Targeting.gaps` with
  the reason, so the page says who will not get a letter and why.
- `committee`: every current member of `target_committee_id` (e.g. the committee that
  will hear the bill), wherever the constituent lives in the jurisdiction.
- `offices`: the legislators named in `target_office_ids`.

Only members serving today (`tracker.terms.serving`) are ever targeted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import us
from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.models import Campaign
from tracker.models import Committee, CommitteeMembership, Legislator, Sponsorship
from tracker.phrases import Phrase
from tracker.terms import is_serving, serving

TARGET_MODES = ("district", "committee", "offices")

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


def place_name(jurisdiction: str) -> str:
    """`ca` -> California, `us` -> the United States."""
    if jurisdiction == "us":
        return "the United States"
    found = us.states.lookup(jurisdiction.upper()) if len(jurisdiction) == 2 else None
    return found.name if found else jurisdiction.upper()


def seat_name(jurisdiction: str, chamber: str | None, district: str | None = None) -> str:
    """A seat as a person reads it: `California Assembly, district 24`, `U.S. Senate`."""
    if jurisdiction == "us":
        name = "U.S. Senate" if chamber == "upper" else "U.S. House of Representatives"
    else:
        name = Phrase(
            "%(place)s %(chamber)s",
            place=place_name(jurisdiction),
            chamber=chamber_name(jurisdiction, chamber),
        )
    return (
        Phrase("%(seat)s, district %(district)s", seat=name, district=district)
        if district
        else name
    )


@dataclass
class Gap:
    """A seat the constituent has that gets no letter, and why."""

    seat: str
    reason: str


@dataclass
class Targeting:
    """Who a campaign writes to for one constituent, and what it could not fill."""

    legislators: list[Legislator] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    out_of_state: str | None = None  # set when the constituent is outside the jurisdiction


def campaign_jurisdiction(campaign: Campaign) -> str | None:
    """The legislature the campaign's bill belongs to (`us`, `ca`), or None without a bill."""
    return campaign.bill.jurisdiction_id if campaign.bill is not None else None


def _levels(campaign: Campaign, state: str) -> tuple[list[str], str | None]:
    """Jurisdictions to write to for a constituent in `state`, and an out-of-state notice."""
    state = state.lower()
    home = campaign_jurisdiction(campaign)
    if home == "us":
        return ["us"], None
    wanted = {
        "state": [home or state],
        "federal": ["us"],
        "both": [home or state, "us"],
    }[campaign.target_level]
    if home and home in wanted and home != state:
        notice = Phrase(
            "This campaign is about a %(home)s bill, so its letters go to %(home)s "
            "legislators. Your address is in %(state)s, so there is no %(home)s legislator "
            "who represents you.",
            home=place_name(home),
            state=place_name(state),
        )
        return [j for j in wanted if j != home], notice
    return wanted, None


def _expected_seats(levels: list[str], division_ids: list[str], chambers: list[str]):
    """(jurisdiction, chamber, division id or None, how many) the constituent should have."""
    seats = []
    for juris in levels:
        if juris == "us":
            state_div = next((d for d in division_ids if "/" not in d.split("state:")[-1]), None)
            cd = next((d for d in division_ids if "/cd:" in d), None)
            seats.append(("us", "upper", state_div, 2))
            seats.append(("us", "lower", cd, 1))
        else:
            upper = next((d for d in division_ids if f"state:{juris}/sldu:" in d), None)
            lower = next((d for d in division_ids if f"state:{juris}/sldl:" in d), None)
            if juris in ("ne", "dc"):
                seats.append((juris, "legislature", upper or lower, 1))
            else:
                seats.append((juris, "upper", upper, 1))
                seats.append((juris, "lower", lower, 1))
    return [s for s in seats if not chambers or s[1] in chambers]


def _district_of(division_id: str | None) -> str | None:
    if not division_id or ":" not in division_id.rsplit("/", 1)[-1]:
        return None
    part = division_id.rsplit("/", 1)[-1]
    if part.startswith("state:"):
        return None
    return part.split(":", 1)[1]


def _seat_gaps(session: Session, found: list[Legislator], seats, day: date) -> list[Gap]:  # noqa: ANN001
    gaps = []
    for juris, chamber, division, wanted in seats:
        numbered = juris != "us" or chamber == "lower"
        name = seat_name(juris, chamber, _district_of(division) if numbered else None)
        if division is None:
            # At-large House seats sit on the state's division; the state gives them.
            if (
                juris == "us"
                and chamber == "lower"
                and any(leg.jurisdiction_id == "us" and leg.chamber == "lower" for leg in found)
            ):
                continue
            gaps.append(
                Gap(
                    name,
                    "we could not tell your district from what you entered; "
                    "enter your street address or choose the district",
                )
            )
            continue
        have = [
            leg
            for leg in found
            if leg.jurisdiction_id == juris
            and leg.chamber == chamber
            and leg.district_ocd_id == division
        ]
        if len(have) >= wanted:
            continue
        former = session.scalars(
            select(Legislator)
            .where(
                Legislator.jurisdiction_id == juris,
                Legislator.chamber == chamber,
                Legislator.district_ocd_id == division,
                Legislator.id.not_in([leg.id for leg in have]),
            )
            .order_by(Legislator.term_end.desc())
        ).all()
        missing = wanted - len(have)
        if former:
            last = former[0]
            if last.term_end and last.term_end < day:
                reason = Phrase(
                    "%(name)s's term ended on %(ended)s; we have no record of a current "
                    "member, so no letter goes to this seat",
                    name=last.name,
                    ended=last.term_end.isoformat(),
                )
            else:
                reason = Phrase(
                    "%(name)s is not yet in office; we have no record of a current member, "
                    "so no letter goes to this seat",
                    name=last.name,
                )
        else:
            reason = Phrase("we have no record of who holds this seat, so no letter goes to it")
        if wanted > 1:
            reason = Phrase(
                "%(missing)s of %(wanted)s seats: %(reason)s",
                missing=missing,
                wanted=wanted,
                reason=reason,
            )
        gaps.append(Gap(name, reason))
    return gaps


def _sort(found: list[Legislator]) -> list[Legislator]:
    order = {"us": 0}
    return sorted(
        found, key=lambda leg: (order.get(leg.jurisdiction_id, 1), leg.chamber or "", leg.name)
    )


def _committee_plan(session: Session, campaign: Campaign, state: str, day: date) -> Targeting:
    """Every current member of the campaign's committee, for anyone in its jurisdiction."""
    committee = session.get(Committee, campaign.target_committee_id)
    if committee is None:
        return Targeting()
    juris = committee.jurisdiction_id
    if juris != "us" and juris != state.lower():
        return Targeting(
            out_of_state=(
                Phrase(
                    "This campaign writes to the %(home)s %(committee)s committee, whose "
                    "members answer to %(home)s residents. Your address is in %(state)s, so "
                    "there is no letter for you to send here.",
                    home=place_name(juris),
                    committee=committee.name,
                    state=place_name(state),
                )
            )
        )
    rows = session.execute(
        select(Legislator, CommitteeMembership.role)
        .join(CommitteeMembership, CommitteeMembership.legislator_id == Legislator.id)
        .where(CommitteeMembership.committee_id == committee.id)
    ).all()
    result = Targeting(legislators=_sort([leg for leg, _ in rows if is_serving(leg, day)]))
    former = [leg for leg, _ in rows if not is_serving(leg, day)]
    if former:
        result.gaps.append(
            Gap(
                Phrase("%(committee)s committee", committee=committee.name),
                Phrase(
                    "%(count)s listed member(s) no longer in office (%(names)s) get no letter",
                    count=len(former),
                    names=", ".join(leg.name for leg in former[:5]),
                ),
            )
        )
    return result


def plan(
    session: Session,
    campaign: Campaign,
    division_ids: list[str],
    state: str,
    day: date | None = None,
) -> Targeting:
    """Who `campaign` writes to for a constituent in these districts, with any gaps."""
    day = day or date.today()
    if (campaign.target_mode or "district") == "committee" and campaign.target_committee_id:
        return _committee_plan(session, campaign, state, day)
    levels, notice = _levels(campaign, state)
    result = Targeting(out_of_state=notice)
    if not levels:
        return result
    if campaign.target_mode == "offices":
        named = session.scalars(
            select(Legislator).where(Legislator.id.in_(list(campaign.target_office_ids or [])))
        ).all()
        for leg in named:
            if is_serving(leg, day):
                result.legislators.append(leg)
            else:
                ended = leg.term_end.isoformat() if leg.term_end else "unknown"
                result.gaps.append(
                    Gap(
                        Phrase(
                            "%(name)s (%(seat)s)",
                            name=leg.name,
                            seat=seat_name(leg.jurisdiction_id, leg.chamber, leg.district),
                        ),
                        Phrase(
                            "no longer in office (term ended %(ended)s), so no letter goes there",
                            ended=ended,
                        ),
                    )
                )
        result.legislators = _sort(result.legislators)
        return result
    if not division_ids:
        return result
    chambers = list(campaign.target_chambers or [])
    query = select(Legislator).where(
        Legislator.district_ocd_id.in_(division_ids),
        Legislator.jurisdiction_id.in_(levels),
        serving(day),
    )
    if chambers:
        query = query.where(Legislator.chamber.in_(chambers))
    found = list(session.scalars(query).all())
    result.gaps = _seat_gaps(session, found, _expected_seats(levels, division_ids, chambers), day)
    # The campaign's own choices (committee, sponsors) narrow the list; they are not gaps.
    if campaign.target_committee_id:
        members = set(
            session.scalars(
                select(CommitteeMembership.legislator_id).where(
                    CommitteeMembership.committee_id == campaign.target_committee_id
                )
            )
        )
        found = [leg for leg in found if leg.id in members]
    if campaign.bill_id and campaign.target_sponsors in ("only", "exclude"):
        sponsors = set(
            session.scalars(
                select(Sponsorship.legislator_id).where(
                    Sponsorship.bill_id == campaign.bill_id,
                    Sponsorship.legislator_id.is_not(None),
                )
            )
        )
        keep = campaign.target_sponsors == "only"
        found = [leg for leg in found if (leg.id in sponsors) == keep]
    result.legislators = _sort(found)
    return result


def targets(
    session: Session, campaign: Campaign, division_ids: list[str], state: str
) -> list[Legislator]:
    """The current legislators `campaign` writes to for these districts (see `plan`)."""
    return plan(session, campaign, division_ids, state).legislators
