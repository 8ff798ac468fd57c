"""OCD division ids for districts (`ocd-division/country:us/state:ca/sldl:12`)."""

from __future__ import annotations

import re

import us


def state_abbr(value: str) -> str | None:
    """`CA`, `California`, `ca` -> `ca`; None when unknown."""
    if not value:
        return None
    found = us.states.lookup(value.strip())
    if found is not None:
        return found.abbr.lower()
    if value.strip().upper() in ("DC", "PR"):
        return value.strip().lower()
    return None


def state_district(jurisdiction: str, chamber: str | None, district: str | None) -> str | None:
    """The OCD id of a state legislative district (sldu upper, sldl lower)."""
    if not district or not jurisdiction or jurisdiction == "us":
        return None
    kind = {"upper": "sldu", "lower": "sldl", "legislature": "sldu"}.get(chamber or "")
    if kind is None:
        return None
    slug = re.sub(r"[^a-z0-9]+", "_", district.strip().lower()).strip("_")
    return f"ocd-division/country:us/state:{jurisdiction}/{kind}:{slug}"
