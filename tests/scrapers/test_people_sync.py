"""People syncs: Open States API v3 /people and LegiScan getSessionPeople.

No real response of either was recorded: the envelopes are built here, in the documented
shapes (openstates/api-v3 api/schemas.py Person; LegiScan getSessionList /
getSessionPeople in shared/fixtures/FORMATS.md), around real people: CA Senator Aisha
Wahab's openstates/people YAML record and the AK HB 3 sponsors of a LegiScan dataset.
"""

from __future__ import annotations

import json

import responses
import yaml
from sqlalchemy import select

from scrapers.http import LiveTransport, make_retry
from scrapers.legiscan import BASE as LS_BASE
from scrapers.openstates_people import API_BASE
from scrapers.sync import run_sync
from tests.scrapers.conftest import FIXTURES
from tracker.db import session_scope
from tracker.models import Legislator, LegislatorExternalId

WAHAB = "openstates/people_yaml/ca/legislature/Aisha-Wahab-295965df-6c71-4e11-806f-2b7d5be5d45c.yml"


def _transport() -> LiveTransport:
    return LiveTransport(retry=make_retry(total=2, backoff_factor=0.01))


CA = {"jurisdiction": "ca"}
AK = {"jurisdiction": "ak"}


def _api_person() -> dict:
    data = yaml.safe_load((FIXTURES / WAHAB).read_text())
    role = data["roles"][0]
    return {
        "id": data["id"],
        "name": data["name"],
        "party": data["party"][0]["name"],
        "current_role": {
            "title": "Senator",
            "org_classification": role["type"],
            "district": role["district"],
            "division_id": "ocd-division/country:us/state:ca/sldu:10",
        },
        "jurisdiction": {
            "id": role["jurisdiction"],
            "name": "California",
            "classification": "state",
        },
        "given_name": data["given_name"],
        "family_name": data["family_name"],
        "image": data["image"],
        "email": data["email"],
        "openstates_url": "https://openstates.org/person/aisha-wahab/",
        "offices": [
            {"name": "Capitol Office", "fax": None, "voice": o["voice"], "address": o["address"]}
            if o["classification"] == "capitol"
            else {
                "name": "District Office",
                "fax": None,
                "voice": o["voice"],
                "address": o["address"],
            }
            for o in data["offices"]
        ],
        "other_identifiers": [],
    }


def test_openstates_people_api_sync_pages_and_merges_with_the_yaml_person(settings):
    os_settings = settings.with_(openstates_api_key="OSKEY")
    page = {"results": [_api_person()], "pagination": {"page": 1, "max_page": 1, "per_page": 50}}
    seen = []

    def people(request):  # noqa: ANN001, ANN202
        seen.append(request.url)
        assert request.headers["X-API-KEY"] == "OSKEY"
        return 200, {}, json.dumps(page)

    with responses.RequestsMock() as mock:
        mock.add_callback(responses.GET, f"{API_BASE}/people", callback=people)
        first = run_sync(
            os_settings, "openstates-people", jurisdiction="ca", transport=_transport()
        )
        again = run_sync(
            os_settings, "openstates-people", jurisdiction="ca", transport=_transport()
        )
    assert first.status == "ok" and first.requests == 1 and first.legislators == 1
    assert again.legislators == 0  # unchanged person: nothing written
    assert "jurisdiction=ca" in seen[0] and "include=offices" in seen[0]
    with session_scope(os_settings) as s:
        person = s.scalars(select(Legislator)).one()
        assert (person.name, person.party, person.chamber, person.district) == (
            "Aisha Wahab",
            "Democratic",
            "upper",
            "10",
        )
        assert person.district_ocd_id == "ocd-division/country:us/state:ca/sldu:10"
        assert person.phones == ["916-651-4410", "510-794-3900"]
        assert person.offices[0]["classification"] == "capitol"


def test_legiscan_session_people_sync(settings):
    ls_settings = settings.with_(legiscan_api_key="LSKEY")
    bill = json.loads((FIXTURES / "legiscan/bill/HB3.json").read_text())["bill"]
    people = [dict(s, state_id=2) for s in bill["sponsors"]]  # AK; sponsors omit state_id
    ops = []

    def api(request):  # noqa: ANN001, ANN202
        from urllib.parse import parse_qs, urlsplit

        params = parse_qs(urlsplit(request.url).query)
        ops.append(params["op"][0])
        assert params["key"] == ["LSKEY"]
        if params["op"][0] == "getSessionList":
            sessions = [
                {"session_id": 77, "year_start": 2011, "year_end": 2012, "special": 0},
                {"session_id": 90, "year_start": 2011, "year_end": 2011, "special": 1},
            ]
            return 200, {}, json.dumps({"status": "OK", "sessions": sessions})
        assert params["id"] == ["77"]
        body = {"status": "OK", "sessionpeople": {"session": {"session_id": 77}, "people": people}}
        return 200, {}, json.dumps(body)

    with responses.RequestsMock() as mock:
        mock.add_callback(responses.GET, LS_BASE, callback=api)
        summary = run_sync(
            ls_settings, "legiscan-people", jurisdiction="ak", transport=_transport()
        )
    assert ops == ["getSessionList", "getSessionPeople"]
    assert summary.legislators == len(people)
    with session_scope(ls_settings) as s:
        gatto = s.scalars(
            select(Legislator)
            .join(LegislatorExternalId)
            .where(LegislatorExternalId.scheme == "legiscan")
            .where(Legislator.name == "Carl Gatto")
        ).one()
        assert (gatto.jurisdiction_id, gatto.chamber, gatto.district, gatto.party) == (
            "ak",
            "lower",
            "13",
            "R",
        )
