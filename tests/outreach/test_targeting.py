"""Targeting by the bill's legislature: state, federal, committee, named offices, gaps."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from outreach import campaigns, letters, templates
from outreach.geocode import manual_divisions
from outreach.letters import Submission
from outreach.targeting import plan
from tests.conftest import FIXTURES, csrf_token
from tests.outreach.conftest import FREMONT
from tests.outreach.people import PEOPLE, member_from_yaml
from tracker.errors import InvalidInput
from tracker.ingest import ingest, ingest_members
from tracker.jurisdictions import congressional_ocd_id
from tracker.models import Bill, Committee, Legislator
from tracker.records import MemberRecord, TermRecord


def _bill(db, name: str) -> Bill:  # noqa: ANN001
    from scrapers.bills_file import bill_from_mapping

    data = json.loads((FIXTURES / "demo_bills" / name).read_text())
    ingest(db, [bill_from_mapping(data)])
    return db.scalars(select(Bill).where(Bill.jurisdiction_id == data["jurisdiction"])).one()


def _campaign(db, org, bill, slug: str, **options):  # noqa: ANN001, ANN003, ANN202
    starter = templates.starter_templates()["support-988-funding"]
    template = campaigns.create_template(db, org.id, f"letter {slug}", starter)
    campaign = campaigns.create_campaign(
        db, org.id, f"Campaign {slug}", template, slug=slug, bill_id=bill.id
    )
    for key, value in options.items():
        setattr(campaign, key, value)
    db.commit()
    return campaign


def _submission() -> Submission:
    return Submission(
        name="Jordan Rivera", email="jordan@example.net", address="", consent_send=True
    )


def test_out_of_state_visitor_on_a_state_campaign_is_told_and_offered_nothing(db, campaign, people):
    new_york = manual_divisions("NY", "12", "47", "73")
    result = plan(db, campaign, new_york.division_ids, "ny")
    assert result.legislators == []
    assert "California bill" in result.out_of_state and "New York" in result.out_of_state
    with pytest.raises(InvalidInput, match="California bill"):
        letters.submit(db, campaign, _submission(), new_york)


def test_out_of_state_page_says_so_and_has_no_send_button(app, db, campaign, people):
    client = app.test_client()
    page = client.post(
        "/act/crisis-ca",
        data={
            "csrf_token": csrf_token(client, "/act/crisis-ca"),
            "name": "Jordan Rivera",
            "email": "jordan@example.net",
            "state": "NY",
            "congressional_district": "12",
            "upper_district": "47",
            "lower_district": "73",
            "action": "lookup",
            "website": "",
        },
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "This campaign is about a California bill" in html
    assert 'value="submit"' not in html and "Alex Bores" not in html


def _federal_members(db) -> None:  # noqa: ANN001
    # Built in the test (not recorded payloads): Sen. Padilla and Rep. Khanna (CA-17), the
    # other two members of Congress for Fremont, next to Sen. Schiff from Open States YAML.
    ingest_members(
        db,
        [
            MemberRecord(
                name="Alex Padilla",
                jurisdiction="us",
                external_ids={"bioguide": "P000145"},
                family_name="Padilla",
                chamber="upper",
                district_ocd_id=congressional_ocd_id("ca", "upper", None),
                contact_form_url="https://www.padilla.senate.gov/contact/",
                terms=[TermRecord(chamber="upper", end_date=date(2029, 1, 3))],
            ),
            MemberRecord(
                name="Ro Khanna",
                jurisdiction="us",
                external_ids={"bioguide": "K000389"},
                family_name="Khanna",
                chamber="lower",
                district="17",
                district_ocd_id=congressional_ocd_id("ca", "lower", "17"),
                terms=[TermRecord(chamber="lower", district="17", end_date=date(2027, 1, 3))],
            ),
        ],
    )


def test_federal_campaign_reaches_two_senators_and_the_representative(db, org, people):
    _federal_members(db)
    federal = _campaign(db, org, _bill(db, "us-hr2741.jsonl"), "peer-support")
    fremont = manual_divisions(**FREMONT)
    result = plan(db, federal, fremont.division_ids, "ca")
    assert [leg.name for leg in result.legislators] == ["Ro Khanna", "Adam Schiff", "Alex Padilla"]
    assert result.gaps == [] and result.out_of_state is None
    constituent = letters.submit(db, federal, _submission(), fremont)
    assert sorted(letter.legislator.name for letter in constituent.letters) == [
        "Adam Schiff",
        "Alex Padilla",
        "Ro Khanna",
    ]
    # Without Khanna's district, the page names the seat it cannot fill.
    state_only = manual_divisions("CA")
    gaps = plan(db, federal, state_only.division_ids, "ca").gaps
    assert [g.seat for g in gaps] == ["U.S. House of Representatives"]


def test_federal_campaign_names_a_missing_senator(db, org, people):
    federal = _campaign(db, org, _bill(db, "us-hr2741.jsonl"), "peer-support")
    result = plan(db, federal, manual_divisions(**FREMONT).division_ids, "ca")
    assert [leg.name for leg in result.legislators] == ["Adam Schiff"]
    assert {g.seat: g.reason for g in result.gaps} == {
        "U.S. Senate": "1 of 2 seats: we have no record of who holds this seat, "
        "so no letter goes to it",
        "U.S. House of Representatives, district 17": "we have no record of who holds "
        "this seat, so no letter goes to it",
    }


def test_committee_targeting_writes_to_every_current_member(db, campaign, people):
    health = db.scalars(select(Committee).where(Committee.name == "Health")).one()
    members = {m.legislator.name for m in health.memberships}
    assert "Akilah Weber Pierson" in members and "Aisha Wahab" not in members
    campaign.target_mode = "committee"
    campaign.target_committee_id = health.id
    db.commit()
    # A Fremont constituent (not in any member's district) writes to the whole committee.
    result = plan(db, campaign, manual_divisions(**FREMONT).division_ids, "ca")
    assert {leg.name for leg in result.legislators} == members
    # ... and a Texan is told the committee answers to Californians.
    texan = plan(db, campaign, manual_divisions("TX", None, "27", "40").division_ids, "tx")
    assert texan.legislators == [] and "California Health committee" in texan.out_of_state


@pytest.fixture
def texas(db):  # noqa: ANN001, ANN201
    """Real TX people: Sen. Adam Hinojosa (SD 27) and Aaron Peña (HD 40, left in 2012)."""
    ingest_members(db, [member_from_yaml(p) for p in sorted((PEOPLE / "tx").glob("*.yml"))])
    return {leg.name: leg for leg in db.scalars(select(Legislator))}


def test_a_former_member_is_never_targeted_and_the_empty_seat_is_named(db, org, texas):
    assert texas["Aaron Peña"].term_end == date(2012, 12, 31)
    tx = _campaign(db, org, _bill(db, "tx-hb5342.jsonl"), "tx-crisis")
    valley = manual_divisions("TX", None, "27", "40")
    result = plan(db, tx, valley.division_ids, "tx")
    assert [leg.name for leg in result.legislators] == ["Adam Hinojosa"]
    assert [(g.seat, g.reason) for g in result.gaps] == [
        (
            "Texas House of Representatives, district 40",
            "Aaron Peña's term ended on 2012-12-31; we have no record of a current member, "
            "so no letter goes to this seat",
        )
    ]
    constituent = letters.submit(db, tx, _submission(), valley)
    assert [letter.legislator.name for letter in constituent.letters] == ["Adam Hinojosa"]


def test_named_offices_skip_a_member_out_of_office(db, org, texas):
    tx = _campaign(
        db,
        org,
        _bill(db, "tx-hb5342.jsonl"),
        "tx-named",
        target_mode="offices",
        target_office_ids=[texas["Adam Hinojosa"].id, texas["Aaron Peña"].id],
    )
    result = plan(db, tx, manual_divisions("TX").division_ids, "tx")
    assert [leg.name for leg in result.legislators] == ["Adam Hinojosa"]
    assert len(result.gaps) == 1 and "term ended 2012-12-31" in result.gaps[0].reason


def test_the_page_names_the_seat_it_could_not_fill(app, db, org, texas):
    _campaign(db, org, _bill(db, "tx-hb5342.jsonl"), "tx-crisis")
    client = app.test_client()
    page = client.post(
        "/act/tx-crisis",
        data={
            "csrf_token": csrf_token(client, "/act/tx-crisis"),
            "name": "Jordan Rivera",
            "email": "jordan@example.net",
            "state": "TX",
            "upper_district": "27",
            "lower_district": "40",
            "action": "lookup",
            "website": "",
        },
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Adam Hinojosa" in html
    assert "Seats that get no letter" in html
    assert "Texas House of Representatives, district 40" in html
    assert "Aaron Peña’s term ended" in html or "Aaron Peña&#39;s term ended" in html


def test_the_spanish_page_says_who_gets_no_letter_and_why_in_spanish(app, db, org, texas):
    """The seat, its reason, the office line and the out-of-state notice come from the
    domain in English; at ?lang=es the constituent reads them in Spanish."""
    _campaign(db, org, _bill(db, "tx-hb5342.jsonl"), "tx-crisis")
    client = app.test_client()
    client.get("/act/tx-crisis?lang=es")
    form = {
        "csrf_token": csrf_token(client, "/act/tx-crisis"),
        "name": "Jordan Rivera",
        "email": "jordan@example.net",
        "state": "TX",
        "upper_district": "27",
        "lower_district": "40",
        "action": "lookup",
        "website": "",
    }
    html = client.post("/act/tx-crisis", data=form).get_data(as_text=True)
    assert 'lang="es"' in html and "Adam Hinojosa" in html
    assert "¿En crisis? Llame al" in html and 'href="tel:988"' in html  # the 988 line too
    assert "Cámara de Representantes de Texas, distrito 40" in html
    assert "el mandato de Aaron Peña terminó el 2012-12-31" in html
    assert "Senado, distrito 27" in html and "term ended" not in html
    outside = client.post("/act/tx-crisis", data={**form, "state": "CA"}).get_data(as_text=True)
    assert "Esta campaña trata de un proyecto de ley de Texas" in outside
    assert "so its letters go to" not in outside


def test_directory_and_meeting_form_list_only_current_members(client, make_org_user, org, texas):
    from tests.conftest import sign_in

    _, user, password = make_org_user(org.name, "advocate@example.org", "advocate")
    sign_in(client, user.email, password)
    directory = client.get("/legislators?jurisdiction=tx").get_data(as_text=True)
    assert "Adam Hinojosa" in directory and "Aaron Peña" not in directory
    former = client.get("/legislators?jurisdiction=tx&former=1").get_data(as_text=True)
    assert "Aaron Peña" in former and "former member</strong> (term ended 2012-12-31)" in former
    picker = client.get("/meetings/legislators.json?q=A").get_data(as_text=True)
    assert "Adam Hinojosa" in picker and "Aaron Pe" not in picker
