"""Open States people and committees: the openstates/people repository YAML format.

Source: https://github.com/openstates/people (data/<state>/{legislature,executive,
retired,committees}/*.yml; schema in that repository's schema.md). Bulk files, no
auth, no rate limit; `tracker import --source openstates-people DIR` reads a checkout.
Also reads Open States scrape-output person JSON (`_id`, `contact_details`), which
carries no jurisdiction: pass `--jurisdiction`.
Quirks: `email` sometimes holds a contact-form URL (members of Congress); district of
members of Congress is written `FL-4`; retired people keep roles with `end_date`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from scrapers import guard
from scrapers.base import Scraper, parse_date
from scrapers.divisions import state_district
from scrapers.openstates import jurisdiction_code
from tracker.errors import ParseError
from tracker.records import CommitteeRecord, MemberRecord, OfficeRecord, SourceRef, TermRecord

SOURCE = "openstates-people"
_ROLE_CHAMBER = {
    "upper": "upper",
    "lower": "lower",
    "legislature": "legislature",
    "governor": "executive",
    "lt_governor": "executive",
    "mayor": "executive",
}


def _load_yaml(content: bytes | str, url: str | None) -> Any:
    try:
        return guard.load_yaml(content, "the YAML file", url=url)
    except ParseError as exc:
        raise ParseError(str(exc.args[0]), url=url, source=SOURCE) from exc


def _current_role(
    roles: list[Mapping[str, Any]], today: date | None = None
) -> Mapping[str, Any] | None:
    today = today or date.today()
    active = [
        r for r in roles if not r.get("end_date") or (parse_date(r["end_date"]) or today) >= today
    ]
    pool = active or roles
    return max(pool, key=lambda r: str(r.get("start_date") or "")) if pool else None


def _us_district_ocd(district: str | None) -> str | None:
    match = re.match(r"^([A-Z]{2})-(\d+|AL)$", district or "")
    if not match:
        return None
    state, number = match.group(1).lower(), match.group(2)
    if number in ("AL", "0"):
        return f"ocd-division/country:us/state:{state}"
    return f"ocd-division/country:us/state:{state}/cd:{int(number)}"


def parse_person(
    data: Mapping[str, Any], url: str | None = None, today: date | None = None
) -> MemberRecord:
    """A person YAML mapping -> MemberRecord (merged by `openstates` id and any others)."""
    if not isinstance(data, Mapping) or not str(data.get("id") or "").startswith("ocd-person/"):
        raise ParseError("Open States person lacks an ocd-person id", url=url, source=SOURCE)
    if not data.get("name"):
        raise ParseError(f"Open States person {data['id']} lacks a name", url=url, source=SOURCE)
    roles = list(data.get("roles") or [])
    role = _current_role(roles, today)
    juris = jurisdiction_code(role.get("jurisdiction")) if role else None
    if not juris:
        raise ParseError(
            f"Open States person {data['id']} has no jurisdiction", url=url, source=SOURCE
        )
    chamber = _ROLE_CHAMBER.get(str(role.get("type"))) if role else None
    district = str(role.get("district")) if role and role.get("district") is not None else None
    ocd = _us_district_ocd(district) if juris == "us" else state_district(juris, chamber, district)
    parties = list(data.get("party") or [])
    current_party = next((p["name"] for p in reversed(parties) if not p.get("end_date")), None)
    offices = [
        OfficeRecord(
            classification=str(o.get("classification") or "district"),
            address=o.get("address"),
            phone=o.get("voice"),
            fax=o.get("fax"),
            email=o.get("email"),
            name=o.get("name"),
        )
        for o in data.get("offices") or []
    ]
    email = data.get("email")
    contact_form = None
    if email and str(email).startswith("http"):
        contact_form, email = str(email), None
    ids = {"openstates": str(data["id"])}
    for key, value in (data.get("ids") or {}).items():
        if key in ("twitter", "youtube", "instagram", "facebook"):
            continue
        ids[str(key)] = str(value)
    # bioguide, votesmart, ballotpedia ... are what merges this person with the same
    # person from congress-legislators, Congress.gov or LegiScan.
    for other in data.get("other_identifiers") or []:
        scheme, value = other.get("scheme"), other.get("identifier")
        if scheme and value and scheme not in ids:
            ids[str(scheme)] = str(value)
    terms = [
        TermRecord(
            chamber=_ROLE_CHAMBER.get(str(r.get("type")), str(r.get("type"))),
            district=str(r["district"]) if r.get("district") is not None else None,
            start_date=parse_date(r.get("start_date")),
            end_date=parse_date(r.get("end_date")),
            jurisdiction=jurisdiction_code(r.get("jurisdiction")),
        )
        for r in roles
    ]
    links = [link.get("url") for link in data.get("links") or [] if link.get("url")]
    return MemberRecord(
        name=str(data["name"]),
        jurisdiction=juris,
        external_ids=ids,
        given_name=data.get("given_name"),
        family_name=data.get("family_name"),
        party=current_party,
        chamber=chamber,
        district=district,
        district_ocd_id=ocd,
        email=email,
        phones=[o.phone for o in offices if o.phone],
        offices=offices,
        contact_form_url=contact_form,
        url=links[0] if links else None,
        image=data.get("image"),
        terms=terms,
        sources=[SourceRef(source=SOURCE, url=url, source_id=str(data["id"]))],
    )


def parse_committee(data: Mapping[str, Any], url: str | None = None) -> CommitteeRecord:
    """A committee YAML mapping -> CommitteeRecord with `openstates:` member refs."""
    if not isinstance(data, Mapping) or not data.get("name"):
        raise ParseError("Open States committee lacks a name", url=url, source=SOURCE)
    juris = jurisdiction_code(data.get("jurisdiction"))
    if not juris:
        raise ParseError("Open States committee has no jurisdiction", url=url, source=SOURCE)
    members = [
        (
            str(m.get("name") or ""),
            str(m.get("role") or "member"),
            f"openstates:{m['person_id']}" if m.get("person_id") else None,
        )
        for m in data.get("members") or []
    ]
    return CommitteeRecord(
        name=str(data["name"]),
        jurisdiction=juris,
        chamber=data.get("chamber"),
        external_id=data.get("id"),
        parent_external_id=data.get("parent"),
        members=members,
        sources=[SourceRef(source=SOURCE, url=url, source_id=data.get("id"))],
    )


def parse_scrape_person(
    data: Mapping[str, Any], jurisdiction: str, url: str | None = None
) -> MemberRecord:
    """An Open States scrape-output person JSON (`_id`, `contact_details`) -> MemberRecord."""
    if not data.get("_id") or not data.get("name"):
        raise ParseError("scrape-output person lacks _id or name", url=url, source=SOURCE)
    details = data.get("contact_details") or []
    emails = [d["value"] for d in details if d.get("type") == "email" and d.get("value")]
    phones = [d["value"] for d in details if d.get("type") == "voice" and d.get("value")]
    addresses = [d for d in details if d.get("type") == "address" and d.get("value")]
    offices = [
        OfficeRecord(
            classification="capitol" if "capitol" in str(a.get("note")).lower() else "district",
            address=re.sub(r"\s*\n\s*", ", ", str(a["value"])),
            phone=next(
                (
                    d["value"]
                    for d in details
                    if d.get("type") == "voice" and d.get("note") == a.get("note")
                ),
                None,
            ),
        )
        for a in addresses
    ]
    links = [link.get("url") for link in data.get("links") or [] if link.get("url")]
    return MemberRecord(
        name=str(data["name"]),
        jurisdiction=jurisdiction,
        external_ids={"openstates-scrape": str(data["_id"])},
        email=emails[0] if emails else None,
        phones=phones,
        offices=offices,
        url=links[0] if links else None,
        image=data.get("image") or None,
        sources=[SourceRef(source=SOURCE, url=url, source_id=str(data["_id"]))],
    )


class OpenStatesPeopleImporter(Scraper):
    """People and committees from an openstates/people checkout (files, no network)."""

    source = SOURCE
    kind = "people"
    suffixes = (".yml", ".yaml", ".json")

    def parse_file(
        self, path: Path, *, session: str | None = None, jurisdiction: str | None = None
    ) -> Iterator[Any]:
        """One person or committee YAML file (settings.yml and other files are skipped)."""
        if path.suffix == ".json":
            try:
                data = json.loads(path.read_bytes())
            except ValueError as exc:
                raise ParseError(f"malformed JSON: {exc}", url=str(path), source=SOURCE) from exc
            if not jurisdiction:
                raise ParseError(
                    "scrape-output person JSON has no jurisdiction: pass --jurisdiction",
                    url=str(path),
                    source=SOURCE,
                )
            yield parse_scrape_person(data, jurisdiction.lower(), url=None)
            return
        if path.suffix not in (".yml", ".yaml"):
            return
        data = _load_yaml(path.read_bytes(), str(path))
        if not isinstance(data, Mapping) or "id" not in data:
            return  # settings.yml and the like
        if str(data["id"]).startswith("ocd-organization/"):
            yield parse_committee(data, url=None)
        else:
            yield parse_person(data, url=None)

    @staticmethod
    def sort_files(files: list[Path]) -> list[Path]:
        """People before committees, so committee members resolve to legislators."""
        return sorted(files, key=lambda p: ("committees" in p.parts, str(p)))
