"""Find a constituent's districts: U.S. Census Geocoder, with a manual fallback.

Source: https://geocoding.geo.census.gov/geocoder/geographies/onelineaddress
(documented at https://geocoding.geo.census.gov/geocoder/Geocoding_Services_API.html).
No key; `benchmark=Public_AR_Current`, `vintage=Current_Current`, `format=json`.
The answer lists `result.addressMatches[]`; each match has `addressComponents`
(city, state, zip) and `geographies`, a mapping from layer names to lists of
features. Layer names carry the vintage ("119th Congressional Districts",
"2024 State Legislative Districts - Upper"), so they are matched by their
stable suffix. District codes are zero-padded ("010"); `BASENAME` holds the
plain district name ("10"). Congressional district "00" is at-large, "98" a
non-voting delegate.

When the service is unreachable, settings say offline, or the address does not
match, the web form falls back to pickers (state, congressional and state
legislative districts); `manual_divisions` turns those into the same OCD ids.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import us

from tracker.config import Settings
from tracker.errors import InvalidInput, SourceUnavailable
from tracker.jurisdictions import congressional_ocd_id, division_ocd_id

log = logging.getLogger(__name__)

USER_AGENT = "mh-policy-tracker outreach (+https://github.com/mh-policy-tracker)"
TIMEOUT = (5, 15)


@dataclass
class DistrictMatch:
    """Where an address is: state, districts, and their OCD division ids."""

    state: str  # two-letter, lower case
    congressional_district: str | None = None  # "17", "at-large"
    upper_district: str | None = None
    lower_district: str | None = None
    city: str = ""
    zip: str = ""
    matched_address: str = ""
    source: str = "census"  # census|manual
    division_ids: list[str] = field(default_factory=list)


class AddressNotFound(InvalidInput):
    """The geocoder answered but did not match the address."""


def _layer(geographies: dict[str, Any], suffix: str) -> dict[str, Any] | None:
    for name, features in geographies.items():
        if name.endswith(suffix) and features:
            return features[0]
    return None


def _district_name(feature: dict[str, Any] | None, code_keys: tuple[str, ...]) -> str | None:
    if not feature:
        return None
    base = str(feature.get("BASENAME") or "").strip()
    if base:
        return base
    for key in code_keys:
        code = str(feature.get(key) or "").strip()
        if code:
            return code.lstrip("0") or "0"
    return None


def parse_geographies(payload: dict[str, Any]) -> DistrictMatch:
    """The first address match in a Census `geographies/onelineaddress` answer."""
    try:
        matches = payload["result"]["addressMatches"]
    except (KeyError, TypeError) as exc:
        raise InvalidInput("the Census Geocoder answer has no result.addressMatches") from exc
    if not matches:
        raise AddressNotFound("the Census Geocoder could not match that address")
    match = matches[0]
    comps = match.get("addressComponents") or {}
    geos = match.get("geographies") or {}
    state = (comps.get("state") or (_layer(geos, "States") or {}).get("STUSAB") or "").lower()
    if not state:
        raise AddressNotFound("the matched address has no state")
    cd_feature = _layer(geos, "Congressional Districts")
    cd = None
    if cd_feature:
        code = next(
            (str(v) for k, v in cd_feature.items() if k.startswith("CD") and k[2:].isdigit()),
            None,
        ) or str(cd_feature.get("BASENAME") or "")
        cd = "at-large" if code in ("00", "98", "0") else (code.lstrip("0") or None)
    upper = _district_name(_layer(geos, "Legislative Districts - Upper"), ("SLDU",))
    lower = _district_name(_layer(geos, "Legislative Districts - Lower"), ("SLDL",))
    result = DistrictMatch(
        state=state,
        congressional_district=cd,
        upper_district=upper,
        lower_district=lower,
        city=str(comps.get("city") or "").title(),
        zip=str(comps.get("zip") or ""),
        matched_address=str(match.get("matchedAddress") or ""),
        source="census",
    )
    result.division_ids = _divisions(result)
    return result


def _divisions(match: DistrictMatch) -> list[str]:
    ids = [congressional_ocd_id(match.state, "upper", None)]  # the state: senators
    if match.congressional_district:
        ids.append(
            congressional_ocd_id(
                match.state,
                "lower",
                None
                if match.congressional_district == "at-large"
                else match.congressional_district,
            )
        )
    for chamber, district in (("upper", match.upper_district), ("lower", match.lower_district)):
        if district:
            ocd = division_ocd_id(match.state, chamber, district)
            if ocd:
                ids.append(ocd)
    return list(dict.fromkeys(ids))


def manual_divisions(
    state: str,
    congressional_district: str | None = None,
    upper_district: str | None = None,
    lower_district: str | None = None,
    city: str = "",
    zip_code: str = "",
) -> DistrictMatch:
    """The fallback: districts picked by hand, as the same DistrictMatch."""
    state = (state or "").strip().lower()
    known = {s.abbr.lower() for s in [*us.states.STATES_AND_TERRITORIES, us.states.DC]}
    if state not in known:
        raise InvalidInput("choose your state")
    cleaned = []
    for value in (congressional_district, upper_district, lower_district):
        value = (value or "").strip()
        if len(value) > 40:
            raise InvalidInput("district names are at most 40 characters")
        cleaned.append(value or None)
    cd = cleaned[0]
    if cd and cd.lower() in ("at-large", "at large", "0", "00"):
        cd = "at-large"
    elif cd and not cd.isdigit():
        raise InvalidInput("congressional district must be a number or 'at-large'")
    elif cd:
        cd = str(int(cd))
    match = DistrictMatch(
        state=state,
        congressional_district=cd,
        upper_district=cleaned[1],
        lower_district=cleaned[2],
        city=city.strip(),
        zip=zip_code.strip(),
        source="manual",
    )
    match.division_ids = _divisions(match)
    return match


def load_zip_districts(session, rows) -> int:  # noqa: ANN001
    """Replace the ZIP table from rows with `state_abbr`, `zcta`, `house_district` columns
    (the shape of the ZCTA-to-congressional-district CSVs built from Census files)."""
    from outreach.models import ZipDistrict

    seen: set[tuple[str, str, str]] = set()
    session.query(ZipDistrict).delete()
    for number, row in enumerate(rows, 2):
        try:
            zip_code = str(row["zcta"]).strip().zfill(5)
            state = str(row["state_abbr"]).strip().lower()
            district = str(row["house_district"]).strip()
        except KeyError as exc:
            raise InvalidInput(f"line {number}: missing column {exc}") from exc
        if not (zip_code.isdigit() and len(zip_code) == 5 and len(state) == 2):
            raise InvalidInput(f"line {number}: not a ZIP/state pair: {zip_code!r}, {state!r}")
        district = "at-large" if district.lstrip("0") == "" else district.lstrip("0")
        key = (zip_code, state, district)
        if key not in seen:
            seen.add(key)
            session.add(ZipDistrict(zip=zip_code, state=state, congressional_district=district))
    session.commit()
    return len(seen)


def zip_choices(session, zip_code: str) -> list[tuple[str, str]]:  # noqa: ANN001
    """(state, congressional district) pairs a ZIP code overlaps; several means ask."""
    from sqlalchemy import select

    from outreach.models import ZipDistrict

    zip_code = (zip_code or "").strip()[:5]
    if not (zip_code.isdigit() and len(zip_code) == 5):
        raise InvalidInput("enter a five-digit ZIP code")
    rows = session.execute(
        select(ZipDistrict.state, ZipDistrict.congressional_district)
        .where(ZipDistrict.zip == zip_code)
        .order_by(ZipDistrict.state, ZipDistrict.congressional_district)
    ).all()
    return sorted(
        ((s, d) for s, d in rows), key=lambda p: (p[0], int(p[1]) if p[1].isdigit() else 0)
    )


def geocode_address(settings: Settings, address: str, session: Any = None) -> DistrictMatch:
    """Look an address up with the Census Geocoder; SourceUnavailable when offline or down."""
    address = " ".join((address or "").split())
    if not address or len(address) > 300:
        raise InvalidInput("enter a street address (at most 300 characters)")
    if settings.offline:
        raise SourceUnavailable("address lookup is offline; choose your districts instead")
    import requests

    http = session or requests.Session()
    url = f"{settings.census_geocoder_url.rstrip('/')}/geographies/onelineaddress"
    params = {
        "address": address,
        "benchmark": "Public_AR_Current",
        "vintage": "Current_Current",
        "layers": "all",
        "format": "json",
    }
    try:
        response = http.get(url, params=params, timeout=TIMEOUT, headers={"User-Agent": USER_AGENT})
        response.raise_for_status()
        payload = response.json()
    except (requests.RequestException, ValueError) as exc:
        log.warning("census geocoder failed: %s", type(exc).__name__)
        raise SourceUnavailable(
            "the address lookup service did not answer; choose your districts instead"
        ) from exc
    return parse_geographies(payload)


@dataclass
class WhereInput:
    """What a constituent typed to say where they live (the campaign form's fields)."""

    address: str = ""
    state: str = ""
    congressional_district: str = ""
    upper_district: str = ""
    lower_district: str = ""
    city: str = ""
    zip_code: str = ""
    zip_choice: str = ""  # "ca:17" when a ZIP spans several districts


@dataclass
class Located:
    """The lookup's answer: a match, or a problem to show and what to offer next."""

    match: DistrictMatch | None = None
    problem: str | None = None
    show_pickers: bool = False
    zip_options: list[tuple[str, str]] = field(default_factory=list)


def locate(settings: Settings, session: Any, where: WhereInput) -> Located:
    """Resolve districts: pickers, else the Census Geocoder, else the ZIP code."""
    if where.state:
        try:
            match = manual_divisions(
                where.state,
                where.congressional_district,
                where.upper_district,
                where.lower_district,
                city=where.city or "",
                zip_code=where.zip_code or "",
            )
        except InvalidInput as exc:
            return Located(problem=exc.args[0], show_pickers=True)
        return Located(match=match, show_pickers=True)
    problem = "Enter your street address, or choose your districts below."
    if (where.address or "").strip():
        try:
            return Located(match=geocode_address(settings, where.address))
        except AddressNotFound:
            problem = "We could not find that address. Check it, or choose your districts."
        except SourceUnavailable:
            problem = "Address lookup is not available right now. Choose your districts."
        except InvalidInput as exc:
            problem = exc.args[0]
    if (where.zip_code or "").strip():
        return _locate_by_zip(session, where)
    return Located(problem=problem, show_pickers=True)


def _locate_by_zip(session: Any, where: WhereInput) -> Located:
    """A ZIP code gives the congressional district, or a choice when it spans several."""
    try:
        choices = zip_choices(session, where.zip_code)
    except InvalidInput as exc:
        return Located(problem=str(exc), show_pickers=True)
    if not choices:
        return Located(
            problem="We do not know that ZIP code. Choose your state and districts.",
            show_pickers=True,
        )
    chosen = next((c for c in choices if f"{c[0]}:{c[1]}" == where.zip_choice), None)
    if chosen is None and len(choices) == 1:
        chosen = choices[0]
    if chosen is None:
        return Located(
            problem="Your ZIP code is in more than one congressional district. Choose yours.",
            show_pickers=True,
            zip_options=choices,
        )
    match = manual_divisions(chosen[0], chosen[1], city=where.city or "", zip_code=where.zip_code)
    return Located(match=match, show_pickers=True)
