from __future__ import annotations

import json

import pytest
import responses

from outreach.geocode import AddressNotFound, geocode_address, manual_divisions, parse_geographies
from tests.conftest import FIXTURES
from tracker.errors import InvalidInput, SourceUnavailable

CENSUS = FIXTURES / "census_geocoder"
URL = "https://geocoding.geo.census.gov/geocoder/geographies/onelineaddress"


def _payload(name: str) -> dict:
    return json.loads((CENSUS / name).read_text())


def test_census_answer_gives_congressional_and_state_legislative_districts():
    match = parse_geographies(_payload("onelineaddress-fremont-ca.constructed.json"))
    assert (match.state, match.congressional_district) == ("ca", "17")
    assert (match.upper_district, match.lower_district) == ("10", "24")
    assert match.city == "Fremont" and match.zip == "94538"
    assert match.division_ids == [
        "ocd-division/country:us/state:ca",
        "ocd-division/country:us/state:ca/cd:17",
        "ocd-division/country:us/state:ca/sldu:10",
        "ocd-division/country:us/state:ca/sldl:24",
    ]


@responses.activate
def test_geocode_address_calls_the_census_with_documented_parameters(settings):
    responses.get(URL, json=_payload("onelineaddress-fremont-ca.constructed.json"))
    match = geocode_address(settings.with_(offline=False), "39510 Paseo Padre Pkwy, Fremont, CA")
    assert match.source == "census" and match.lower_district == "24"
    query = responses.calls[0].request.params
    assert query["benchmark"] == "Public_AR_Current" and query["vintage"] == "Current_Current"
    assert query["format"] == "json" and query["address"].startswith("39510 Paseo Padre")


@responses.activate
def test_unmatched_address_raises_address_not_found(settings):
    responses.get(URL, json=_payload("onelineaddress-nomatch.constructed.json"))
    with pytest.raises(AddressNotFound):
        geocode_address(settings.with_(offline=False), "1 Nowhere Lane")


@responses.activate
def test_census_outage_and_offline_mode_mean_manual_fallback(settings):
    responses.get(URL, status=503)
    with pytest.raises(SourceUnavailable):
        geocode_address(settings.with_(offline=False), "39510 Paseo Padre Pkwy, Fremont, CA")
    with pytest.raises(SourceUnavailable, match="offline"):
        geocode_address(settings, "39510 Paseo Padre Pkwy, Fremont, CA")
    assert len(responses.calls) == 1  # offline never touched the network


def test_manual_pickers_give_the_same_divisions_and_validate():
    census = parse_geographies(_payload("onelineaddress-fremont-ca.constructed.json"))
    manual = manual_divisions("CA", "17", "10", "24")
    assert manual.division_ids == census.division_ids and manual.source == "manual"
    assert manual_divisions("WY", "at-large").division_ids == ["ocd-division/country:us/state:wy"]
    with pytest.raises(InvalidInput, match="state"):
        manual_divisions("ZZ")
    with pytest.raises(InvalidInput, match="number"):
        manual_divisions("CA", "seventeen")


def test_zip_table_offers_a_choice_when_a_zip_spans_districts(db):
    import csv

    from outreach.geocode import load_zip_districts, zip_choices

    with (FIXTURES / "zccd" / "zccd.excerpt.csv").open(newline="") as handle:
        assert load_zip_districts(db, csv.DictReader(handle)) == 12
    assert zip_choices(db, "35004") == [("al", "3")]
    assert zip_choices(db, "35006") == [("al", "4"), ("al", "6"), ("al", "7")]
    assert zip_choices(db, "99999") == []
    with pytest.raises(InvalidInput, match="five-digit"):
        zip_choices(db, "35O05")
