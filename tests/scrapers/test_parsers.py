"""Every parser on the real recorded payloads (and the constructed Open States page)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from scrapers import congress_gov, govinfo, legiscan, mo_senate, openstates, or_legislature
from scrapers.bills_file import parse_csv, parse_jsonl
from scrapers.congress_legislators import CongressLegislatorsImporter
from scrapers.openstates_people import OpenStatesPeopleImporter
from tests.scrapers.conftest import FIXTURES
from tracker.config import Settings
from tracker.errors import ParseError
from tracker.records import ACTION_CLASSIFICATIONS, BillRecord, CommitteeRecord, MemberRecord
from tracker.status import derive_status

SETTINGS = Settings(database_url="sqlite://", secret_key="x" * 32)
CG = FIXTURES / "congress_gov"


def _load(path: Path) -> dict:
    return json.loads(path.read_text())


def _valid_actions(record: BillRecord) -> None:
    assert all(isinstance(a.date, date) for a in record.actions)
    assert [a.date for a in record.actions] == sorted(a.date for a in record.actions)
    for action in record.actions:
        assert set(action.classification) <= set(ACTION_CLASSIFICATIONS)


def test_congress_gov_detail_with_subresources_parses_postal_reform_act():
    base = CG / "christopherkenny_congress_httptest"
    record = congress_gov.parse_bill(
        _load(base / "bill_117_hr_3076-f60c0f.json"),
        actions=_load(base / "bill_117_hr_3076_actions-f60c0f.json"),
        summaries=_load(base / "bill_117_hr_3076_summaries-f60c0f.json"),
        text=_load(base / "bill_117_hr_3076_text-f60c0f.json"),
    )
    assert (record.jurisdiction, record.session, record.identifier) == ("us", "117", "HR 3076")
    assert record.title == "Postal Service Reform Act of 2022"
    assert record.introduced_date == date(2021, 5, 11)
    assert record.status == "enacted" and record.status_date == date(2022, 4, 6)
    assert record.sponsors[0].external_id == "bioguide:M000087"
    assert record.abstract.startswith("Postal Service Reform Act of 202")
    assert "<p>" not in record.abstract
    # The best format offered: Formatted XML (keeps section structure) over HTML and PDF.
    assert any(v.url.endswith("BILLS-117hr3076enr.xml") for v in record.versions)
    assert record.source_updated == "2023-05-11T15:46:24Z"
    # "Became Public Law" is recorded twice by the Library of Congress; kept once.
    texts = [(a.date, a.description) for a in record.actions]
    assert len(texts) == len(set(texts))
    assert record.actions[-1].classification == ["became-law"]
    _valid_actions(record)


def test_congress_gov_loc_sample_bill_has_cosponsors_subjects_and_passed_house():
    base = CG / "loc_api_sample_output"
    record = congress_gov.parse_bill(
        _load(base / "bill_117_hr_21.json"),
        actions=_load(base / "bill_117_hr_21_actions.json"),
        cosponsors=_load(base / "bill_117_hr_21_cosponsors.json"),
        subjects=_load(base / "bill_117_hr_21_subjects.json"),
        summaries=_load(base / "bill_117_hr_21_summaries.json"),
        text=_load(base / "bill_117_hr_21_text.json"),
    )
    assert record.identifier == "HR 21"
    assert [s.role for s in record.sponsors] == ["primary", "cosponsor", "cosponsor"]
    assert record.subjects[0] == "Government Operations and Politics"
    assert "Computer security and identity theft" in record.subjects
    assert derive_status(record.actions) == ("passed_origin", date(2021, 1, 5))
    assert record.url == "https://www.congress.gov/bill/117th-congress/house-bill/21"
    _valid_actions(record)


def test_congress_gov_bill_lists_give_change_tokens():
    recent = congress_gov.parse_bill_list(
        _load(CG / "christopherkenny_congress_httptest/bill-f60c0f.json")
    )
    assert recent[0]["token"] == "2023-12-29T12:58:54Z"  # updateDateIncludingText
    old = congress_gov.parse_bill_list(_load(CG / "loc_api_sample_output/bill.json"))
    assert len(old) == 20 and all(item["token"] for item in old)  # falls back to updateDate


def test_congress_gov_member_detail_becomes_member_with_bioguide():
    member = congress_gov.parse_member(
        _load(CG / "christopherkenny_congress_httptest/member_l000174-adb521.json")
    )
    assert member.external_ids == {"bioguide": "L000174"}
    assert (
        member.chamber == "upper" and member.district_ocd_id == "ocd-division/country:us/state:vt"
    )


def test_congress_gov_payload_without_bill_object_raises_parse_error():
    with pytest.raises(ParseError, match="no 'bill' object"):
        congress_gov.parse_bill({"request": {}}, url="https://api.congress.gov/v3/bill/1/hr/1")


@pytest.mark.parametrize(
    "path", sorted((FIXTURES / "govinfo").rglob("*.xml")), ids=lambda p: p.name
)
def test_govinfo_every_billstatus_layout_parses(path: Path):
    record = govinfo.parse_billstatus(path.read_bytes())
    stem = path.stem.removeprefix("BILLSTATUS-").split("_")[0]
    assert f"{record.session}-{record.identifier.replace(' ', '').lower()}" == (
        f"{stem[:3]}-{stem[3:]}"
    )
    assert record.title and record.actions and record.sponsors
    assert record.sources[0].url.startswith("https://www.govinfo.gov/bulkdata/BILLSTATUS/")
    _valid_actions(record)


def test_govinfo_v1_and_v3_of_the_same_bill_agree():
    v1 = govinfo.parse_billstatus(
        (FIXTURES / "govinfo/v1/BILLSTATUS-117s35_v1.0.0_pre-format-change.xml").read_bytes()
    )
    v3 = govinfo.parse_billstatus(
        (FIXTURES / "govinfo/v3_current/BILLSTATUS-117s35.xml").read_bytes()
    )
    assert (v1.identifier, v1.title, v1.subjects) == (v3.identifier, v3.title, v3.subjects)
    assert [(a.date, a.description) for a in v1.actions] == [
        (a.date, a.description) for a in v3.actions
    ]
    assert [s.external_id for s in v1.sponsors] == [s.external_id for s in v3.sponsors]


def test_govinfo_law_and_veto_stages():
    law = govinfo.parse_billstatus(
        (FIXTURES / "govinfo/legacy_unversioned/BILLSTATUS-114s1300.xml").read_bytes()
    )
    assert law.status == "enacted"
    veto = govinfo.parse_billstatus(
        (FIXTURES / "govinfo/legacy_unversioned/BILLSTATUS-114sjres8.xml").read_bytes()
    )
    assert derive_status(veto.actions)[0] == "vetoed"


def test_govinfo_truncated_xml_raises_parse_error():
    content = (FIXTURES / "govinfo/v3_current/BILLSTATUS-117s35.xml").read_bytes()
    with pytest.raises(ParseError, match="malformed BILLSTATUS XML"):
        govinfo.parse_billstatus(content[: len(content) // 2], url="https://example/x.xml")


def test_legiscan_dataset_bills_use_progress_codes():
    hb1 = legiscan.parse_bill(_load(FIXTURES / "legiscan/bill/HB1.json"))
    assert (hb1.jurisdiction, hb1.session, hb1.identifier) == ("ak", "27th Legislature", "HB 1")
    # progress: introduced, refer, report DNP, report pass, engrossed (2011-04-11), refer
    assert (hb1.status, hb1.status_date) == ("passed_origin", date(2011, 4, 11))
    assert hb1.source_updated == "38558907f12c02a238b1cd43d2a37393"
    assert hb1.sources[0].source_id == "230084"
    assert hb1.sponsors[0].external_id.startswith("legiscan:")
    ar = legiscan.parse_bill(_load(FIXTURES / "legiscan/bill/HB1044.json"))
    assert (ar.jurisdiction, ar.status, ar.status_date) == ("ar", "enacted", date(2012, 2, 21))
    _valid_actions(hb1)


def test_legiscan_progress_table_covers_every_lookup_code():
    lines = (FIXTURES / "legiscan/lookup_tables/progress.csv").read_text().splitlines()[1:]
    codes = {int(line.split(",")[0].strip('"')) for line in lines}
    assert codes <= set(legiscan.PROGRESS_STAGES)
    for code in codes:
        name = next(line.split(",")[1].strip('"') for line in lines if line.startswith(f'"{code}"'))
        assert legiscan.PROGRESS_STAGES[code][0] == name


def test_legiscan_error_envelope_and_committee_person():
    from tracker.errors import InvalidInput, SourceUnavailable

    with pytest.raises(SourceUnavailable, match="Unknown bill id"):
        legiscan.parse_bill({"status": "ERROR", "alert": {"message": "Unknown bill id"}})
    with pytest.raises(InvalidInput, match="committee"):
        legiscan.parse_person(_load(FIXTURES / "legiscan/people/8630.json"))


def test_openstates_constructed_page_parses_with_given_and_derived_classifications():
    payload = _load(FIXTURES / "openstates/bills-ca-page1.constructed.json")
    results, page, max_page = openstates.parse_bill_page(payload)
    assert (page, max_page) == (1, 1)
    record = openstates.parse_bill(results[0])
    assert (record.jurisdiction, record.session, record.identifier) == ("ca", "20252026", "AB 308")
    assert record.actions[0].chamber == "lower"
    assert derive_status(record.actions)[0] == "passed_origin"
    assert record.source_updated == results[0]["updated_at"]
    _valid_actions(record)


def test_missouri_senate_bill_and_actions_pages_build_one_enacted_bill():
    scraper = mo_senate.MoSenateScraper(None, SETTINGS)
    [record] = list(scraper.parse_file(FIXTURES / "mo_senate/billdetail.html"))
    assert (record.jurisdiction, record.session, record.identifier) == ("mo", "2011", "SB 70")
    assert record.title == "Modifies provisions relating to the Missouri Family Trust"
    assert record.sponsors[0].name == "Schaefer"
    assert len(record.actions) == 43  # joined from billactionspassed.html (same bill)
    assert derive_status(record.actions) == ("enacted", date(2011, 7, 5))
    assert [v.note for v in record.versions][0] == "Introduced"
    _valid_actions(record)


def test_missouri_actions_page_without_bill_page_uses_its_session_year():
    scraper = mo_senate.MoSenateScraper(None, SETTINGS)
    [record] = list(scraper.parse_file(FIXTURES / "mo_senate/billactions.html"))
    assert (record.identifier, record.session) == ("SB 1", "2011")  # prefiled Dec 2010
    assert record.actions[0].description == "Prefiled"


def test_changed_html_layout_raises_parse_error_naming_the_missing_element():
    house_page = (FIXTURES / "mo_house/billdetail-house.html").read_bytes()
    with pytest.raises(ParseError, match="#lblBillNum is missing"):
        mo_senate.parse_detail(house_page, url="https://www.senate.mo.gov/x")
    page = (FIXTURES / "mo_senate/billdetail.html").read_text()
    with pytest.raises(ParseError, match="#hlAllActions is missing"):
        mo_senate.parse_detail(page.replace('id="hlAllActions"', 'id="renamed"'))
    actions = (FIXTURES / "mo_senate/billactions.html").read_text()
    with pytest.raises(ParseError, match="no \\(date, action\\) rows"):
        mo_senate.parse_actions(actions.replace("<td>", "<th>").replace("</td>", "</th>"))


def test_oregon_history_needs_session_year_and_parses_sponsors():
    path = FIXTURES / "or_legislature/hb3623-2010s1.html"
    with pytest.raises(ParseError, match="without the year"):
        or_legislature.parse_history(path.read_bytes(), None)
    record = or_legislature.parse_history(path.read_bytes(), "2010S1")
    assert record.identifier == "HB 3623"
    assert record.title == "Relating to human trafficking information; and declaring an emergency."
    assert [s.name for s in record.sponsors if s.role == "primary"] == [
        "BARTON",
        "J SMITH",
        "ROSENBAUM",
    ]
    assert derive_status(record.actions) == ("enacted", date(2010, 3, 18))
    with pytest.raises(ParseError, match="no <h1>"):
        or_legislature.parse_history(path.read_text().replace("<h1>", "<h2>"), "2010S1")


def test_openstates_people_yaml_gives_people_and_committees():
    importer = OpenStatesPeopleImporter(None, SETTINGS)
    base = FIXTURES / "openstates/people_yaml"
    files = importer.sort_files(sorted(p for p in base.rglob("*.yml")))
    records = [r for f in files for r in importer.parse_file(f)]
    people = [r for r in records if isinstance(r, MemberRecord)]
    committees = [r for r in records if isinstance(r, CommitteeRecord)]
    assert len(people) == 17 and len(committees) == 4
    wahab = next(p for p in people if p.name == "Aisha Wahab")
    assert wahab.district_ocd_id == "ocd-division/country:us/state:ca/sldu:10"
    assert wahab.email == "senator.wahab@senate.ca.gov" and len(wahab.offices) == 2
    bean = next(p for p in people if p.name == "Aaron Bean")
    assert bean.contact_form_url.startswith("https://bean.house.gov/")
    assert bean.email is None and bean.district_ocd_id == "ocd-division/country:us/state:fl/cd:4"
    assert next(p for p in people if p.name == "Gavin Newsom").chamber == "executive"
    mental = next(c for c in committees if c.jurisdiction == "ny" and c.chamber == "lower")
    assert mental.members[0] == (
        "Jo Anne Simon",
        "chair",
        "openstates:ocd-person/21da6116-bec3-44a4-9e0b-a68eef91222d",
    )


def test_congress_legislators_yaml_merges_offices_and_committees():
    importer = CongressLegislatorsImporter(None, SETTINGS)
    base = FIXTURES / "congress_legislators"
    files = importer.sort_files(sorted(base.glob("*.yaml")))
    records = [r for f in files for r in importer.parse_file(f)]
    people = [r for r in records if isinstance(r, MemberRecord)]
    committees = [r for r in records if isinstance(r, CommitteeRecord)]
    assert len(people) == 6
    cantwell = next(p for p in people if p.external_ids["bioguide"] == "C000127")
    assert cantwell.chamber == "upper" and cantwell.contact_form_url
    assert cantwell.district_ocd_id == "ocd-division/country:us/state:wa"
    help_ = next(c for c in committees if c.external_id == "SSHR")
    assert ("Bill Cassidy", "chairman", "bioguide:C001075") in help_.members
    assert any(c.external_id == "HSIF14" and c.parent_external_id == "HSIF" for c in committees)


def test_bills_jsonl_demo_file_parses_all_73_real_bills():
    items = list(parse_jsonl((FIXTURES / "demo/bills.jsonl").read_text()))
    assert len(items) == 73 and all(isinstance(i, BillRecord) for i in items)
    de = next(i for i in items if i.jurisdiction == "de")
    assert de.identifier == "HS 2 for HB 160"
    assert all(i.status is None for i in items)  # derived from actions at ingest


def test_bills_jsonl_bad_lines_become_failures_naming_the_line():
    text = "\n".join(
        [
            json.dumps({"jurisdiction": "ca", "session": "2023", "identifier": "AB 1"}),
            "{not json",
            json.dumps({"jurisdiction": "california", "session": "2023", "identifier": "AB 2"}),
            json.dumps(
                {
                    "jurisdiction": "ca",
                    "session": "2023",
                    "identifier": "AB 3",
                    "actions": [{"date": "03/01/2023", "description": "x"}],
                }
            ),
        ]
    )
    items = list(parse_jsonl(text, origin="mine.jsonl"))
    assert isinstance(items[0], BillRecord)
    errors = [i.error for i in items[1:]]
    assert errors[0].startswith("line 2:")
    assert "two-letter" in errors[1] and "actions[0].date" in errors[2]


def test_bills_csv_rows_with_multiline_cells():
    text = (
        "jurisdiction,session,identifier,title,actions,sponsors,source_urls\n"
        'wa,2021-22,HB 1477,"988 crisis line","2021-02-22 | lower | READ FIRST TIME 02/22/21.\n'
        '2021-05-13 | executive | Approved May 13, 2021 11:49 AM","Orwall | primary | D",'
        "https://app.leg.wa.gov/billsummary?BillNumber=1477&Year=2021\n"
    )
    [record] = list(parse_csv(text))
    assert record.identifier == "HB 1477" and len(record.actions) == 2
    assert derive_status(record.actions) == ("enacted", date(2021, 5, 13))
    assert record.sponsors[0].party == "D"


def test_oregon_second_saved_copy_of_the_history_page_parses_the_same():
    base = FIXTURES / "or_legislature"
    one = or_legislature.parse_history((base / "hb3623-2010s1.html").read_bytes(), "2010S1")
    two = or_legislature.parse_history((base / "hb3623-2010s1-ore.html").read_bytes(), "2010S1")
    assert [(a.date, a.description) for a in one.actions] == [
        (a.date, a.description) for a in two.actions
    ]


def test_govinfo_sitemap_index_keeps_only_the_wanted_congress():
    base = "https://www.govinfo.gov/sitemap/bulkdata/BILLSTATUS"
    index = (
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(
            f"<sitemap><loc>{base}/{name}/sitemap.xml</loc></sitemap>"
            for name in ("117hr", "117s", "118hr", "1170")
        )
        + "</sitemapindex>"
    ).encode()
    locs = govinfo.parse_sitemap_index(index)
    assert govinfo.sitemaps_for_congress(locs, 117) == [
        f"{base}/117hr/sitemap.xml",
        f"{base}/117s/sitemap.xml",
    ]
    with pytest.raises(ParseError, match="sitemap index"):
        govinfo.parse_sitemap_index(index[:40])
