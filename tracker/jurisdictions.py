"""The jurisdictions the tracker knows: federal, the 50 states, DC and Puerto Rico."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo

import us

FEDERAL = {
    "id": "us",
    "name": "United States",
    "abbr": "US",
    "classification": "country",
    "ocd_id": "ocd-jurisdiction/country:us/government",
    "timezone": "America/New_York",
}


def all_jurisdictions() -> list[dict[str, str]]:
    """Rows for the jurisdictions table, from the `us` package's state metadata."""
    rows = [FEDERAL]
    wanted = {*(s.abbr for s in us.states.STATES), "DC", "PR"}
    by_abbr = {s.abbr: s for s in [*us.states.STATES_AND_TERRITORIES, us.states.DC]}
    for abbr in sorted(wanted):
        state = by_abbr[abbr]
        code = state.abbr.lower()
        if code == "dc":
            classification, ocd = "district", "ocd-jurisdiction/country:us/district:dc/government"
        elif code == "pr":
            classification, ocd = "territory", "ocd-jurisdiction/country:us/territory:pr/government"
        else:
            classification, ocd = "state", f"ocd-jurisdiction/country:us/state:{code}/government"
        rows.append(
            {
                "id": code,
                "name": state.name,
                "abbr": state.abbr,
                "classification": classification,
                "ocd_id": ocd,
                "timezone": (state.capital_tz or (state.time_zones or [None])[0]),
            }
        )
    return rows


# opencivicdata corrections: DC is `district:dc`; Puerto Rico, the Virgin Islands, Guam,
# American Samoa and the Northern Marianas are `territory:xx`, not `state:xx`.
_DIVISION_KIND = {"dc": "district", "pr": "territory", "vi": "territory", "gu": "territory"}
_DIVISION_KIND.update({"as": "territory", "mp": "territory"})


def division_base(code: str) -> str:
    """The OCD division of a state, DC or territory: `ocd-division/country:us/territory:pr`."""
    code = code.strip().lower()
    return f"ocd-division/country:us/{_DIVISION_KIND.get(code, 'state')}:{code}"


def division_ocd_id(jurisdiction: str, chamber: str | None, district: str | None) -> str | None:
    """OCD division id of a district: `ocd-division/country:us/state:ca/sldl:12`.

    Congress: `.../state:ca/cd:12` (House; at-large -> the state itself), Senate -> the state.
    """
    juris = jurisdiction.lower()
    if juris == "us" or not district:
        return None
    base = division_base(juris)
    dist = str(district).strip().lower().replace(" ", "_")
    if chamber == "upper":
        return f"{base}/sldu:{dist}"
    if chamber == "lower":
        return f"{base}/sldl:{dist}"
    return base


def congressional_ocd_id(state: str, chamber: str | None, district: str | int | None) -> str:
    """OCD division id for a member of Congress's constituency."""
    base = division_base(state)
    # Delegates of DC and the territories are elected at large: the division itself.
    if (
        chamber == "upper"
        or district in (None, "", 0, "0", "At-Large", "at-large", "AL")
        or state.lower() in _DIVISION_KIND
    ):
        return base
    return f"{base}/cd:{int(district)}"


@cache
def zone(jurisdiction: str) -> ZoneInfo:
    """The legislature's own time zone: the capital's (`us` package), federal -> New York.

    States spanning zones use the capital's (Florida: Tallahassee, America/New_York);
    an unknown code falls back to America/New_York like the federal government.
    """
    code = (jurisdiction or "").strip().upper()
    state = us.states.lookup(code) if code and code != "US" else None
    return ZoneInfo(state.capital_tz if state and state.capital_tz else FEDERAL["timezone"])


def local_time(moment: datetime, jurisdiction: str) -> datetime:
    """A stored UTC instant (naive from SQLite means UTC) in the jurisdiction's zone."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone(jurisdiction))


def hearing_time(moment: datetime, jurisdiction: str, fmt: str = "%B %-d, %Y at %-I:%M %p") -> str:
    """`January 17, 2022 at 1:30 PM PST`: the local wall clock with its zone abbreviation."""
    local = local_time(moment, jurisdiction)
    return f"{local.strftime(fmt)} {local.tzname()}"
