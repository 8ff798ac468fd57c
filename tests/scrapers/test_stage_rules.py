"""The status-derivation table of docs/collection.md, rule by rule, on real action texts.

Every text below is copied from a payload under tests/fixtures or demo/ (the comment
names which); the table in docs/collection.md lists the same rules and examples.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from scrapers import congress_gov, govinfo, legiscan
from scrapers.federal import direct_order_name
from scrapers.sync import import_paths
from tests.scrapers.conftest import FIXTURES
from tracker.jurisdictions import congressional_ocd_id
from tracker.models import Bill
from tracker.records import ActionRecord
from tracker.status import classify_action, derive_status, origin_chamber

RULES = [
    # (rule, real text, chamber, classification)  -- source in the comment
    # Motions, rules and recommittal are not the bill's own question (BILLSTATUS 117 HR 1,
    # 114 SJRES 8, 117 HR 3076).
    (
        "motion",
        "On motion to recommit Failed by the Yeas and Nays: 210 - 219 (Roll no. 61).",
        "lower",
        [],
    ),
    ("rule", "Rule H. Res. 152 passed House.", "lower", []),
    (
        "rule",
        "Rules Committee Resolution H. Res. 179 Reported to House. Rule provides for "
        "consideration of H.R. 1 and H.R. 1280.",
        "lower",
        [],
    ),
    (
        "cloture",
        "Cloture on the measure invoked in Senate by Yea-Nay Vote. 74 - 17. Record Vote "
        "Number: 69. (CR S1011)",
        "upper",
        [],
    ),
    (
        "motion",
        "Motion to table the veto message to accompany S. J. Res. 8 agreed to in Senate "
        "by Yea-Nay Vote. 96 - 3.",
        "upper",
        [],
    ),
    (
        "motion",
        "Motion by Senator Schumer to refer to Senate Committee on Appropriations the "
        "House message to accompany H.R. 2471 with instructions",
        "upper",
        [],
    ),
    ("motion", "Motion to reconsider laid on the table Agreed to without objection.", "lower", []),
    # The bill's own question, even when a motion carries it (BILLSTATUS 114 HR 1531, 117 HR 1).
    (
        "passage",
        "On motion to suspend the rules and pass the bill Agreed to by voice vote. "
        "(text: CR H4782)",
        "lower",
        ["passage"],
    ),
    (
        "passage",
        "Passed/agreed to in House: On passage Passed by the Yeas and Nays: 220 - 210 "
        "(Roll no. 62).",
        "lower",
        ["passage"],
    ),
    ("passage", "PASSED ON RECONSIDERATION Y33 N2 E5", "lower", ["passage"]),  # LegiScan AK HB 3
    # Amendments (LegiScan AK HB 3; Utah SB 27 in demo/bills.jsonl).
    ("amendment", "AM NO 1 FAILED Y10 N24 E5 A1", "lower", ["amendment-failure"]),
    (
        "amendment",
        "Senate 3rd Reading Floor Amendments incorporated into the bill on Mon, Feb 12, "
        "2024 at 10:32 AM",
        "upper",
        ["amendment-passage"],
    ),
    # Concurrence (BILLSTATUS 117 HR 2471).
    (
        "concurrence",
        "Senate agreed to the House amendment to the Senate Amendment to H.R. 2471, "
        "under the order of 3/10/2022",
        "upper",
        ["concurrence"],
    ),
    # Enacted: Effective, Chaptered, Act No., signed, public law (demo/bills.jsonl TX, OR, LA).
    ("enacted", "Effective: 2025-06-20", None, ["became-law"]),
    ("enacted", "Chaptered", None, ["became-law"]),
    (
        "enacted",
        "Signed by the Governor. Becomes Act No. 166.",
        "executive",
        ["became-law", "executive-signature"],
    ),
    ("enacted", "Became Public Law No: 114-47.", None, ["became-law"]),
    (
        "enacted",
        "Governor signed. Chapter 38, 2022 Laws.",
        "executive",
        ["became-law", "executive-signature"],
    ),
    # Veto: the veto itself, not the message being received (BILLSTATUS 114 SJRES 8).
    (
        "veto",
        "Vetoed by President.(text of veto message: CR 4/13/2015 S2094, S2107)",
        "executive",
        ["executive-veto"],
    ),
    ("veto", "Veto message received in Senate. Ordered held at the desk.", "upper", []),
    # Referral, including "referred concurrently" (BILLSTATUS 115 S 2979).
    (
        "referral",
        "Read twice and referred concurrently to the Committees on Appropriations; the "
        "Budget pursuant to the order of January 30, 1975",
        "upper",
        ["reading-2", "referral-committee"],
    ),
    # A floor step is not a committee report (LegiScan AK HB 3).
    ("reading", "ADVANCED TO THIRD READING 2/28 CALENDAR", "lower", ["reading-3"]),
]


@pytest.mark.parametrize(("rule", "text", "chamber", "expected"), RULES)
def test_stage_rule_classifies_real_action_text(rule, text, chamber, expected):
    assert classify_action(text, chamber) == expected, rule


def _bill(path: str):
    return govinfo.parse_billstatus((FIXTURES / path).read_bytes())


def test_failed_recommit_motion_leaves_passed_bill_passed_in_any_order():
    bill = _bill("govinfo/v1/BILLSTATUS-117hr1.xml")
    assert derive_status(bill.actions) == ("passed_origin", date(2021, 3, 3))
    # Congress.gov lists same-day actions newest first: the failed motion after passage.
    same_day = [a for a in bill.actions if a.date == date(2021, 3, 3)]
    assert derive_status(list(reversed(same_day)))[0] == "passed_origin"


def test_passed_rule_is_not_the_bill_passing():
    actions = [ActionRecord(date(2015, 3, 19), "Rule H. Res. 152 passed House.", "lower")]
    assert derive_status(actions) == ("introduced", date(2015, 3, 19))


def test_veto_date_is_the_veto_not_the_later_message_votes():
    assert derive_status(_bill("govinfo/legacy_unversioned/BILLSTATUS-114sjres8.xml").actions) == (
        "vetoed",
        date(2015, 3, 31),
    )


def test_effective_date_action_is_enacted_tx_hb5342():
    line = next(
        json.loads(raw)
        for raw in (FIXTURES / "demo/bills.jsonl").read_text().splitlines()
        if '"HB 5342"' in raw
    )
    actions = [
        ActionRecord(date.fromisoformat(a["date"]), a["description"], a["chamber"])
        for a in line["actions"]
    ]
    assert derive_status(actions) == ("enacted", date(2025, 6, 20))


def test_senate_bill_passing_the_house_has_passed_both_chambers_wa_sb5555():
    line = next(
        json.loads(raw)
        for raw in (FIXTURES / "demo/bills.jsonl").read_text().splitlines()
        if '"SB 5555"' in raw
    )
    actions = [
        ActionRecord(date.fromisoformat(a["date"]), a["description"], a["chamber"])
        for a in line["actions"]
    ]
    assert origin_chamber("SB 5555") == "upper"
    assert derive_status(actions, origin="upper") == ("passed_second", date(2023, 4, 12))
    # "Passed. Ordered to the Senate." is the Assembly passing (CA AB 308), not the Senate.
    ca = [
        ActionRecord(
            date(2025, 5, 8),
            "Read third time. Passed. Ordered to the Senate. (Ayes 69. Noes 0. Page 1487.)",
            "lower",
        )
    ]
    assert derive_status(ca, origin="lower") == ("passed_origin", date(2025, 5, 8))


def test_sine_die_closes_a_pending_bill_as_failed():
    actions = [
        ActionRecord(date(2011, 1, 18), "READ THE FIRST TIME - REFERRALS", "lower"),
        ActionRecord(date(2011, 1, 18), "REFERRED TO STATE AFFAIRS", "lower"),
        ActionRecord(date(2012, 4, 15), "Adjourned sine die", None),
    ]
    assert derive_status(actions) == ("failed", date(2012, 4, 15))
    ended = derive_status(actions[:2], session_end=date(2012, 4, 15), today=date(2013, 1, 1))
    assert ended == ("failed", date(2012, 4, 15))
    # A session still running, or a bill on the governor's desk, is not closed.
    running = derive_status(actions[:2], session_end=date(2012, 4, 15), today=date(2012, 3, 1))
    assert running == ("in_committee", date(2011, 1, 18))
    desk = actions[:2] + [ActionRecord(date(2012, 4, 10), "Delivered to Governor.", "executive")]
    assert derive_status(desk, session_end=date(2012, 4, 15), today=date(2013, 1, 1))[0] == (
        "to_executive"
    )


def test_congress_gov_detail_without_actions_keeps_latest_action_date_and_stage(db, settings):
    detail = json.loads(
        (FIXTURES / "congress_gov/loc_api_sample_output/bill_117_hr_21.json").read_text()
    )
    record = congress_gov.parse_bill(detail)
    assert record.actions == []
    assert record.latest_action.date == date(2021, 1, 6)
    from tracker.ingest import ingest

    ingest(db, [record])
    bill = db.get(Bill, "us-117-hr21")
    assert bill.last_action_date == date(2021, 1, 6)
    assert bill.status == "in_committee"  # "Received in the Senate and ... referred to"


def test_billstatus_legacy_primary_subject_is_a_subject():
    bill = _bill("govinfo/legacy_unversioned/BILLSTATUS-114hr1531.xml")
    assert "Government Operations and Politics" in bill.subjects


def test_sponsor_names_with_suffix_and_nickname():
    bill = _bill("govinfo/v1/BILLSTATUS-117hr1.xml")
    names = [s.name for s in bill.sponsors]
    assert 'Henry C. "Hank" Johnson Jr.' in names
    assert "Nancy Pelosi" in names
    assert direct_order_name('Johnson, Henry C. "Hank," Jr.') == 'Henry C. "Hank" Johnson Jr.'
    assert direct_order_name("Sweeney, David McCann") == "David McCann Sweeney"


def test_member_address_information_is_the_dc_office():
    # Shape per the Congress.gov API documentation (MemberEndpoint.md); no recorded
    # member payload in the fixtures carries addressInformation.
    payload = json.loads(
        (
            FIXTURES / "congress_gov/christopherkenny_congress_httptest/member_l000174-adb521.json"
        ).read_text()
    )
    payload["member"]["addressInformation"] = {
        "city": "Washington",
        "district": "DC",
        "officeAddress": "437 Russell Senate Office Building",
        "phoneNumber": "(202) 224-4242",
        "zipCode": 20510,
    }
    member = congress_gov.parse_member(payload)
    assert member.phones == ["(202) 224-4242"]
    assert member.offices[0].classification == "capitol"
    assert member.offices[0].address == ("437 Russell Senate Office Building, Washington, DC 20510")


def test_territory_divisions_follow_the_ocd_corrections():
    assert congressional_ocd_id("PR", "lower", 0) == "ocd-division/country:us/territory:pr"
    assert congressional_ocd_id("VI", "lower", "0") == "ocd-division/country:us/territory:vi"
    assert congressional_ocd_id("CA", "lower", 12) == "ocd-division/country:us/state:ca/cd:12"


def test_legiscan_history_without_chamber_is_attributed_to_the_chamber():
    record = legiscan.parse_bill(json.loads((FIXTURES / "legiscan/bill/HB3.json").read_text()))
    by_text = {(a.date.isoformat(), a.description): a.chamber for a in record.actions}
    assert by_text[("2011-02-28", "PASSED Y32 N2 E5 A1")] == "lower"
    assert by_text[("2011-02-28", "TRANSMITTED TO (S)")] == "lower"
    assert by_text[("2011-03-01", "REFERRED TO STATE AFFAIRS")] == "upper"


def test_rule_boilerplate_is_not_a_sponsor(db):
    from tracker.ingest import ingest
    from tracker.records import BillRecord, SponsorRecord

    record = BillRecord(
        jurisdiction="mo",
        session="2011",
        identifier="SB 1",
        sponsors=[
            SponsorRecord("Printed pursuant to Senate Interim Rule 2.1"),
            SponsorRecord("Jason Crowell"),
        ],
    )
    ingest(db, [record])
    assert [s.name for s in db.get(Bill, "mo-2011-sb1").sponsorships] == ["Jason Crowell"]


def test_import_describing_a_bill_twice_is_a_noop_on_reimport(settings):
    # GovInfo's pre-format-change and current S. 35, Oregon's two pages of HB 3623.
    for source, path, extra in (
        ("govinfo", FIXTURES / "govinfo", {}),
        ("or-legislature", FIXTURES / "or_legislature", {"session_name": "2010S1"}),
    ):
        import_paths(settings, source, [path], **extra)
        again = import_paths(settings, source, [path], **extra)
        assert (again.inserted, again.updated) == (0, 0), source
        assert again.unchanged + again.votes + again.events == again.fetched, source


def test_missouri_house_pages_are_parsed_not_quarantined(settings):
    summary = import_paths(settings, "mo-senate", [FIXTURES / "mo_house"])
    assert (summary.inserted, summary.quarantined) == (1, 0)
    from tracker.db import session_scope

    with session_scope(settings) as s:
        bill = s.get(Bill, "mo-2011-hb45")
        assert bill.title.startswith("Changes the laws regarding the Big Government")
        assert [(x.name, x.role) for x in bill.sponsorships] == [
            ("Denny Hoskins", "primary"),
            ("Sue Allen", "cosponsor"),
        ]
        assert (bill.status, bill.status_date) == ("enacted", date(2011, 7, 8))
        assert len(bill.actions) == 41 and bill.actions[0].description == "Prefiled"
        assert bill.actions[0].chamber == "lower"
        # "Signed by President Pro Tem (S)" is the Senate's officer, not the executive.
        pro_tem = next(a for a in bill.actions if a.description == "Signed by President Pro Tem")
        assert pro_tem.chamber == "upper" and "executive-signature" not in pro_tem.classification
    again = import_paths(settings, "mo-senate", [FIXTURES / "mo_house"])
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 1)
