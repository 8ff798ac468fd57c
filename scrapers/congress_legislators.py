"""unitedstates/congress-legislators YAML: members of Congress, offices, committees.

Source: https://github.com/unitedstates/congress-legislators (also served at
https://theunitedstates.io/congress-legislators/*.yaml). Static files, no auth, no
pagination. Files: legislators-current.yaml (ids, name, terms), legislators-district-
offices.yaml, committees-current.yaml, committee-membership-current.yaml (keyed by
thomas id; subcommittee keys append the subcommittee id, e.g. HSIF14).
Merged with Congress.gov members by `bioguide` and with Open States by name-free ids.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from scrapers import guard
from scrapers.base import Scraper, parse_date
from tracker.errors import ParseError
from tracker.jurisdictions import congressional_ocd_id
from tracker.records import CommitteeRecord, MemberRecord, OfficeRecord, SourceRef, TermRecord

SOURCE = "congress-legislators"
_ID_SCHEMES = (
    "bioguide",
    "thomas",
    "lis",
    "govtrack",
    "opensecrets",
    "votesmart",
    "cspan",
    "wikipedia",
    "ballotpedia",
    "icpsr",
    "wikidata",
)
_COMMITTEE_CHAMBER = {"house": "lower", "senate": "upper", "joint": "legislature"}


def _load(path: Path, shape: type = list) -> Any:
    data = guard.load_yaml(path.read_bytes(), path.name, url=str(path))
    if shape is dict:
        return guard.expect_mapping(data or {}, path.name, url=str(path))
    return guard.expect_list(data, path.name, url=str(path))


def _ids(block: Mapping[str, Any]) -> dict[str, str]:
    out = {k: str(block[k]) for k in _ID_SCHEMES if block.get(k) not in (None, "")}
    if not out.get("bioguide"):
        raise ParseError("legislator record lacks id.bioguide", source=SOURCE)
    return out


def _party(value: object) -> str | None:
    """congress-legislators writes "Democrat"; every other source "Democratic"."""
    if not value:
        return None
    return "Democratic" if str(value) == "Democrat" else str(value)


def _district_ocd(term: Mapping[str, Any]) -> str | None:
    state = str(term.get("state") or "").lower()
    if not state:
        return None
    chamber = "lower" if term.get("type") == "rep" else "upper"
    return congressional_ocd_id(state, chamber, term.get("district"))


def parse_legislator(data: Mapping[str, Any]) -> MemberRecord:
    """A legislators-current.yaml record -> MemberRecord."""
    ids = _ids(data.get("id") or {})
    name = data.get("name") or {}
    terms_raw = list(data.get("terms") or [])
    if not terms_raw:
        raise ParseError(f"legislator {ids['bioguide']} has no terms", source=SOURCE)
    terms = [
        TermRecord(
            chamber="upper" if t.get("type") == "sen" else "lower",
            district=str(t["district"]) if t.get("district") is not None else None,
            start_date=parse_date(t.get("start")),
            end_date=parse_date(t.get("end")),
            party=_party(t.get("party")),
            jurisdiction="us",
        )
        for t in terms_raw
    ]
    current = terms_raw[-1]
    offices = []
    if current.get("address") or current.get("phone"):
        offices.append(
            OfficeRecord(
                classification="capitol",
                address=current.get("address"),
                phone=current.get("phone"),
                fax=current.get("fax"),
            )
        )
    full = name.get("official_full") or " ".join(
        str(p) for p in (name.get("first"), name.get("middle"), name.get("last")) if p
    )
    return MemberRecord(
        name=str(full),
        jurisdiction="us",
        external_ids=ids,
        given_name=name.get("first"),
        family_name=name.get("last"),
        party=_party(current.get("party")),
        chamber=terms[-1].chamber,
        district=terms[-1].district,
        district_ocd_id=_district_ocd(current),
        phones=[current["phone"]] if current.get("phone") else [],
        offices=offices,
        contact_form_url=current.get("contact_form"),
        url=current.get("url"),
        terms=terms,
        sources=[SourceRef(source=SOURCE, source_id=ids["bioguide"])],
    )


def parse_offices(data: Mapping[str, Any]) -> MemberRecord:
    """A legislators-district-offices.yaml record -> offices (merged into the member)."""
    ids = _ids(data.get("id") or {})
    offices = []
    for office in data.get("offices") or []:
        parts = [office.get("building"), office.get("address"), office.get("suite")]
        street = ", ".join(str(p) for p in parts if p)
        city_line = " ".join(str(p) for p in (office.get("state"), office.get("zip")) if p)
        address = ", ".join(p for p in (street, str(office.get("city") or ""), city_line) if p)
        offices.append(
            OfficeRecord(
                classification="district",
                address=address or None,
                phone=office.get("phone"),
                fax=office.get("fax"),
                name=office.get("id"),
            )
        )
    return MemberRecord(
        name="",
        jurisdiction="us",
        external_ids=ids,
        phones=[o.phone for o in offices if o.phone],
        offices=offices,
        sources=[SourceRef(source=SOURCE, source_id=ids["bioguide"])],
    )


def parse_committees(
    committees: list[Mapping[str, Any]], membership: Mapping[str, Any] | None = None
) -> list[CommitteeRecord]:
    """committees-current (+ committee-membership-current) -> CommitteeRecords."""
    membership = membership or {}
    out = []

    def members(key: str) -> list[tuple[str, str, str | None]]:
        return [
            (
                str(m.get("name") or ""),
                str(m.get("title") or "member").lower(),
                f"bioguide:{m['bioguide']}" if m.get("bioguide") else None,
            )
            for m in membership.get(key) or []
        ]

    for committee in committees:
        thomas = committee.get("thomas_id")
        if not thomas or not committee.get("name"):
            raise ParseError("committee record lacks thomas_id or name", source=SOURCE)
        chamber = _COMMITTEE_CHAMBER.get(str(committee.get("type")))
        out.append(
            CommitteeRecord(
                name=str(committee["name"]),
                jurisdiction="us",
                chamber=chamber,
                external_id=str(thomas),
                members=members(str(thomas)),
                sources=[SourceRef(source=SOURCE, url=committee.get("url"), source_id=str(thomas))],
            )
        )
        for sub in committee.get("subcommittees") or []:
            sub_id = f"{thomas}{sub.get('thomas_id')}"
            out.append(
                CommitteeRecord(
                    name=f"{committee['name']}: {sub.get('name')}",
                    jurisdiction="us",
                    chamber=chamber,
                    external_id=sub_id,
                    parent_external_id=str(thomas),
                    members=members(sub_id),
                    sources=[SourceRef(source=SOURCE, source_id=sub_id)],
                )
            )
    return out


class CongressLegislatorsImporter(Scraper):
    """Members of Congress and committees from congress-legislators YAML files."""

    source = SOURCE
    kind = "people"
    suffixes = (".yaml", ".yml")

    def parse_file(
        self, path: Path, *, session: str | None = None, jurisdiction: str | None = None
    ) -> Iterator[Any]:
        """Dispatch on the file name (legislators-current, -district-offices, committees...)."""
        name = path.name
        if name.startswith("legislators-current") or name.startswith("legislators-historical"):
            # District offices live in a sibling file; attach them here so an offices
            # record never creates a legislator on its own.
            offices: dict[str, MemberRecord] = {}
            for sibling in sorted(path.parent.glob("legislators-district-offices*.yaml")):
                for record in _load(sibling) or []:
                    parsed = parse_offices(record)
                    offices[parsed.external_ids["bioguide"]] = parsed
            for record in _load(path) or []:
                member = parse_legislator(record)
                extra = offices.get(member.external_ids["bioguide"])
                if extra is not None:
                    member.offices.extend(extra.offices)
                    member.phones.extend(p for p in extra.phones if p not in member.phones)
                yield member
        elif name.startswith("committees-current"):
            siblings = sorted(path.parent.glob("committee-membership-current*.yaml"))
            membership = _load(siblings[0], dict) if siblings else {}
            yield from parse_committees(_load(path) or [], membership)
        # social media and membership files alone add nothing we store

    @staticmethod
    def sort_files(files: list[Path]) -> list[Path]:
        """Legislators first, then offices, then committees (members must exist first)."""
        order = ("legislators-current", "legislators-historical", "committees")

        def rank(path: Path) -> tuple[int, str]:
            for i, prefix in enumerate(order):
                if path.name.startswith(prefix):
                    return i, path.name
            return len(order), path.name

        return sorted(files, key=rank)
