"""Real legislators for outreach tests: Open States people YAML -> MemberRecord -> ingest.

The YAML files in tests/fixtures/openstates_people/ are verbatim copies of
openstates/people files (see /work/shared/fixtures/README.md for the commit).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import us
import yaml

from tracker.ingest import ingest_committees, ingest_members
from tracker.jurisdictions import congressional_ocd_id, division_ocd_id
from tracker.records import CommitteeRecord, MemberRecord, OfficeRecord, TermRecord

PEOPLE = Path(__file__).parent.parent / "fixtures" / "openstates_people"


def _jurisdiction(ocd: str) -> str:
    return "us" if ocd.endswith("country:us/government") else ocd.split("state:")[1][:2]


def member_from_yaml(path: Path) -> MemberRecord:
    """A MemberRecord for the person's current role (the one without an end date, or latest)."""
    data = yaml.safe_load(path.read_text())
    roles = sorted(data["roles"], key=lambda r: (str(r.get("start_date")), str(r.get("end_date"))))
    role = next((r for r in roles if not r.get("end_date")), roles[-1])
    juris = _jurisdiction(role["jurisdiction"])
    chamber = role["type"]
    district = str(role.get("district") or "")
    if juris == "us":
        if chamber == "upper":
            state = us.states.lookup(district).abbr.lower()
            ocd = congressional_ocd_id(state, "upper", None)
        else:
            state, _, number = district.partition("-")
            ocd = congressional_ocd_id(state.lower(), "lower", number)
    else:
        ocd = division_ocd_id(juris, chamber, district)
    email = data.get("email") or ""
    return MemberRecord(
        name=data["name"],
        jurisdiction=juris,
        external_ids={"openstates": data["id"]},
        given_name=data.get("given_name"),
        family_name=data.get("family_name"),
        party=(data.get("party") or [{}])[0].get("name"),
        chamber=chamber,
        district=district,
        district_ocd_id=ocd,
        email=email if "@" in email else None,
        contact_form_url=email if email.startswith("http") else None,
        offices=[
            OfficeRecord(
                classification=o["classification"], address=o.get("address"), phone=o.get("voice")
            )
            for o in data.get("offices") or []
        ],
        terms=[
            TermRecord(
                chamber=chamber,
                district=district,
                end_date=date.fromisoformat(str(role["end_date"]))
                if role.get("end_date")
                else None,  # noqa: E501
            )
        ],
    )


def committee_from_yaml(path: Path) -> CommitteeRecord:
    """A CommitteeRecord whose members point at Open States person ids."""
    data = yaml.safe_load(path.read_text())
    return CommitteeRecord(
        name=data["name"],
        jurisdiction=_jurisdiction(data["jurisdiction"]),
        chamber=data.get("chamber"),
        external_id=data["id"],
        members=[
            (m["name"], m.get("role", "member"), f"openstates:{m['person_id']}")
            for m in data.get("members") or []
        ],
    )


def load_people(session) -> dict[str, int]:  # noqa: ANN001
    """Ingest every person and committee fixture; returns {name: legislator id}."""
    from sqlalchemy import select

    from tracker.models import Legislator

    members = [member_from_yaml(p) for p in sorted(PEOPLE.glob("[A-Z]*.yml"))]
    ingest_members(session, members)
    ingest_committees(session, [committee_from_yaml(p) for p in PEOPLE.glob("upper-*.yml")])
    return {leg.name: leg.id for leg in session.scalars(select(Legislator))}
