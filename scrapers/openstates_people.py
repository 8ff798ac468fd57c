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
from datetime import date, datetime
from pathlib import Path
from typing import Any

from scrapers import guard
from scrapers.base import Checkpoint, Failure, Scraper, parse_date
from scrapers.divisions import state_district
from scrapers.openstates import jurisdiction_code
from tracker.errors import InvalidInput, NotFound, ParseError
from tracker.jurisdictions import congressional_ocd_id
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
    return congressional_ocd_id(match.group(1), "lower", match.group(2))


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
    if juris == "us":
        # Members of Congress: "FL-4" -> "4" (as Congress.gov and congress-legislators write
        # it), at large "AK-AL" -> "At-Large"; a senator's "district" is the state: none.
        match = re.match(r"^[A-Z]{2}-(\d+|AL)$", district or "")
        if chamber == "upper":
            district = None
        elif match:
            district = "At-Large" if match.group(1) in ("AL", "0") else str(int(match.group(1)))
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


API_BASE = "https://v3.openstates.org"
API_PER_PAGE = 50


def parse_api_person(data: Mapping[str, Any], url: str | None = None) -> MemberRecord:
    """One Open States API v3 `/people` result (with offices, other_identifiers).

    Shape per openstates/api-v3 `api/schemas.py` Person: `current_role {title,
    org_classification, district, division_id}`, `offices[] {name, fax, voice, address}`.
    Merged with the same person's YAML record by the `openstates` (ocd-person) id.
    """
    if not isinstance(data, Mapping) or not str(data.get("id") or "").startswith("ocd-person/"):
        raise ParseError("Open States person lacks an ocd-person id", url=url, source=SOURCE)
    juris = jurisdiction_code(data.get("jurisdiction"))
    if not juris or not data.get("name"):
        raise ParseError(f"Open States person {data['id']} lacks name or jurisdiction", url=url)
    role = data.get("current_role") or {}
    chamber = _ROLE_CHAMBER.get(str(role.get("org_classification") or ""))
    district = str(role["district"]) if role.get("district") not in (None, "") else None
    ocd = role.get("division_id") or (
        _us_district_ocd(district) if juris == "us" else state_district(juris, chamber, district)
    )
    offices = [
        OfficeRecord(
            classification="capitol"
            if "capitol" in str(o.get("name") or "").lower()
            else "district",
            address=o.get("address") or None,
            phone=o.get("voice") or None,
            fax=o.get("fax") or None,
            name=o.get("name") or None,
        )
        for o in data.get("offices") or []
    ]
    ids = {"openstates": str(data["id"])}
    for other in data.get("other_identifiers") or []:
        scheme, value = other.get("scheme"), other.get("identifier")
        if scheme and value and scheme not in ids:
            ids[str(scheme)] = str(value)
    email = data.get("email") or None
    contact_form = None
    if email and str(email).startswith("http"):
        contact_form, email = str(email), None
    return MemberRecord(
        name=str(data["name"]),
        jurisdiction=juris,
        external_ids=ids,
        given_name=data.get("given_name") or None,
        family_name=data.get("family_name") or None,
        party=data.get("party") or None,
        chamber=chamber,
        district=district,
        district_ocd_id=ocd,
        email=email,
        phones=[o.phone for o in offices if o.phone],
        offices=offices,
        contact_form_url=contact_form,
        url=data.get("openstates_url") or None,
        image=data.get("image") or None,
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
    """People and committees: an openstates/people checkout (files), or the API v3
    `/people` endpoint (`tracker sync --source openstates-people -j ca`, key as for
    bills; one request per 50 people)."""

    source = SOURCE
    kind = "people"
    suffixes = (".yml", ".yaml", ".json")
    rate_per_second = 1.0
    key_setting = "openstates_api_key"

    @classmethod
    def client_options(cls, settings: Any) -> dict[str, Any]:
        """The key travels in the X-API-KEY header."""
        key = settings.openstates_api_key
        return {"headers": {"X-API-KEY": key}} if key else {}

    def scrape(
        self,
        since: date | datetime | None = None,
        *,
        jurisdiction: str | None = None,
        known: Mapping[str, str] | None = None,
        resume: Mapping[str, Any] | None = None,
        topics: list[str] | None = None,
    ) -> Iterator[Any]:
        """Every current legislator of one state, page by page (ingest skips unchanged)."""
        assert self.http is not None
        if not jurisdiction or jurisdiction == "us":
            raise InvalidInput("Open States people sync needs --jurisdiction (a state code)")
        page = int((resume or {}).get("page", 1))
        while True:
            params = {
                "jurisdiction": jurisdiction,
                "include": ["offices", "other_identifiers", "links"],
                "per_page": API_PER_PAGE,
                "page": page,
            }
            try:
                payload = self.http.get_json(f"{API_BASE}/people", params, kind="people-page")
            except NotFound:
                return
            results = payload.get("results") if isinstance(payload, Mapping) else None
            if not isinstance(results, list):
                raise ParseError("Open States /people payload has no 'results' list")
            for item in results:
                try:
                    yield parse_api_person(item)
                except ParseError as exc:
                    yield Failure(SOURCE, str(exc), source_id=str(item.get("id") or "") or None)
            pagination = payload.get("pagination") or {}
            yield Checkpoint({"page": page + 1})
            if page >= int(pagination.get("max_page") or page):
                return
            page += 1

    def parse_file(
        self, path: Path, *, session: str | None = None, jurisdiction: str | None = None
    ) -> Iterator[Any]:
        """One person or committee YAML file (settings.yml and other files are skipped)."""
        if path.suffix == ".json":
            try:
                data = json.loads(path.read_bytes())
            except ValueError as exc:
                raise ParseError(f"malformed JSON: {exc}", url=str(path), source=SOURCE) from exc
            if isinstance(data, Mapping) and isinstance(data.get("results"), list):
                for item in data["results"]:  # a saved API v3 /people page
                    yield parse_api_person(item, url=None)
                return
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
