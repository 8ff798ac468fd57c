"""Hearings and roll-call votes from recorded payloads, through the normal import."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime

from sqlalchemy import func, select

from scrapers import congress_gov
from scrapers.bills_file import parse_jsonl
from scrapers.hearings import hearings_from_actions
from scrapers.sync import import_paths
from tests.scrapers.conftest import FIXTURES
from tracker.db import make_engine, make_session_factory
from tracker.ingest import ingest_events
from tracker.models import Event, EventBill
from tracker.models.votes import PersonVote, Vote

KENNY = FIXTURES / "congress_gov/christopherkenny_congress_httptest"


def _session(settings):  # noqa: ANN001, ANN202
    return make_session_factory(make_engine(settings))()


def test_committee_meeting_parses_bills_committee_time_and_status():
    payload = json.loads((KENNY / "committee-meeting_118_house_115538-f60c0f.json").read_text())
    event = congress_gov.parse_committee_meeting(payload)
    assert event.start == datetime(2023, 3, 24, 13, 0, tzinfo=UTC)
    assert event.bill_ids == ["us-118-hr1532", "us-118-hr1246"]
    assert event.committee == "House Natural Resources Subcommittee on Indian and Insular Affairs"
    assert event.committee_external_id == "hsii24"
    assert event.location == "1324, Longworth House Office Building"
    assert event.status == "Scheduled"


def test_house_vote_with_members_is_one_roll_call_with_every_member(settings, tmp_path):
    for name in ("house-vote_119_1_17-f60c0f.json", "house-vote_119_1_17_members-f60c0f.json"):
        shutil.copy(KENNY / name, tmp_path / name)
    first = import_paths(settings, "congress-gov", [tmp_path])
    again = import_paths(settings, "congress-gov", [tmp_path])
    assert first.votes == 1 and again.votes == 1
    with _session(settings) as s:
        vote = s.scalars(select(Vote)).one()
        assert (vote.motion, vote.result, vote.chamber) == ("On Passage", "Passed", "lower")
        assert (vote.yes, vote.no) == (274, 145)  # votePartyTotal: 213 + 61 yea, 145 nay
        assert vote.bill_ref == "us-119-hr30" and vote.bill_id is None  # bill not imported
        rows = s.scalars(select(PersonVote).where(PersonVote.vote_id == vote.id)).all()
        assert len(rows) == len(
            json.loads((KENNY / "house-vote_119_1_17_members-f60c0f.json").read_text())[
                "houseRollCallVoteMemberVotes"
            ]["results"]
        )
        aderholt = next(r for r in rows if r.external_id == "bioguide:A000055")
        assert (aderholt.name, aderholt.option) == ("Robert Aderholt", "yes")
        assert s.scalar(select(func.count()).select_from(Vote)) == 1


def test_cancelled_meeting_updates_the_same_event_in_place(settings, tmp_path):
    name = "committee-meeting_118_house_115538-f60c0f.json"
    shutil.copy(KENNY / name, tmp_path / name)
    import_paths(settings, "congress-gov", [tmp_path])
    payload = json.loads((tmp_path / name).read_text())
    # The same meeting as the API would return it after a cancellation and a new date.
    payload["committeeMeeting"]["meetingStatus"] = "Canceled"
    payload["committeeMeeting"]["date"] = "2023-03-28 14:00:00+00:00"
    (tmp_path / name).write_text(json.dumps(payload))
    import_paths(settings, "congress-gov", [tmp_path])
    with _session(settings) as s:
        event = s.scalars(select(Event)).one()
        assert event.status == "cancelled"
        assert event.start.replace(tzinfo=UTC) == datetime(2023, 3, 28, 14, 0, tzinfo=UTC)


def test_legiscan_bill_votes_and_roll_call_names(settings, tmp_path):
    shutil.copy(FIXTURES / "legiscan/bill/HB1044.json", tmp_path / "HB1044.json")
    shutil.copy(FIXTURES / "legiscan/vote/154366.json", tmp_path / "154366.json")
    summary = import_paths(settings, "legiscan", [tmp_path])
    assert summary.votes == 2  # HB 1044's two roll calls; 154366 is another bill's
    with _session(settings) as s:
        votes = s.scalars(select(Vote).order_by(Vote.date)).all()
        assert [(v.chamber, v.yes, v.no, v.other, v.result) for v in votes] == [
            ("lower", 94, 0, 0, "pass"),
            ("upper", 34, 0, 1, "pass"),
        ]
        assert {v.bill_id for v in votes} == {"ar-88thgeneralassembly2012fiscal-hb1044"}


def test_hearings_announced_in_a_bill_history_link_to_the_bill(settings):
    text = (FIXTURES / "demo/bills.jsonl").read_text()
    record = next(r for r in parse_jsonl(text) if getattr(r, "identifier", "") == "HB 1800")
    events = hearings_from_actions(record)
    first = events[0]
    # "Public hearing in the House Committee on Children, Youth & Families at 1:30 PM."
    assert first.name == "Public hearing: House Children, Youth & Families"
    assert first.start == datetime(2022, 1, 17, 21, 30, tzinfo=UTC)  # 1:30 PM Pacific
    assert first.bill_ids == ["wa-202122-hb1800"]
    summary = import_paths(settings, "bills-jsonl", [FIXTURES / "demo/bills.jsonl"])
    again = import_paths(settings, "bills-jsonl", [FIXTURES / "demo/bills.jsonl"])
    assert summary.events >= len(events) and summary.unchanged == 0
    with _session(settings) as s:
        count = s.scalar(select(func.count()).select_from(Event))
        linked = s.scalar(select(func.count()).where(EventBill.bill_id == "wa-202122-hb1800"))
        assert linked == len(events)
        ingest_events(s, events)  # a second bill on the agenda never drops the first
        assert s.scalar(select(func.count()).select_from(Event)) == count
    assert again.inserted == 0


def test_hearing_alert_reads_like_the_calendar():
    from tracker.alerts import hearing_summary

    # WA HB 1800's real hearing action, as hearings_from_actions stores it (UTC).
    event = Event(
        jurisdiction_id="wa",
        name="Public hearing: House Children, Youth & Families",
        start=datetime(2022, 1, 17, 21, 30, tzinfo=UTC),
        committee_name="House Children, Youth & Families",
    )
    assert hearing_summary("HB 1800", event) == (
        "HB 1800 is scheduled in House Children, Youth & Families on Jan 17 at 1:30 pm PST"
    )


def test_openstates_event_agenda_links_the_bill_of_the_running_session(settings, tmp_path):
    import_paths(settings, "bills-jsonl", [FIXTURES / "demo/bills.jsonl"])
    path = FIXTURES / "openstates/events-wa.built_from_docs.json"
    first = import_paths(settings, "openstates", [path])
    assert first.events == 1 and first.quarantined == 0
    payload = json.loads(path.read_text())
    payload["results"][0]["status"] = "cancelled"
    (tmp_path / "events.json").write_text(json.dumps(payload))
    import_paths(settings, "openstates", [tmp_path / "events.json"])
    with _session(settings) as s:
        event = s.scalars(select(Event).where(Event.external_id.like("ocd-event/%"))).one()
        assert event.status == "cancelled"
        assert event.committee_name == "Children, Youth & Families"
        assert [b.bill_id for b in event.bills] == ["wa-202122-hb1800"]
        assert event.start.replace(tzinfo=UTC) == datetime(2022, 1, 17, 21, 30, tzinfo=UTC)


def test_openstates_bill_votes_include():
    from scrapers.openstates import parse_bill, parse_votes

    page = json.loads((FIXTURES / "openstates/bills-ca-page1.constructed.json").read_text())
    data = dict(page["results"][0])
    # VoteEvent shape per openstates/api-v3 api/schemas.py (built from docs, not recorded).
    data["votes"] = [
        {
            "id": "ocd-vote/built-from-docs-1",
            "motion_text": "Assembly Third Reading",
            "motion_classification": ["passage"],
            "start_date": "2025-05-08",
            "result": "pass",
            "identifier": "",
            "extras": {},
            "organization": {
                "id": "ocd-organization/x",
                "name": "Assembly",
                "classification": "lower",
            },
            "votes": [{"option": "yes", "voter_name": "Wilson", "voter": None}],
            "counts": [
                {"option": "yes", "value": 69},
                {"option": "no", "value": 0},
                {"option": "not voting", "value": 11},
            ],
            "sources": [],
        }
    ]
    record = parse_bill(data)
    (vote,) = parse_votes(data, record)
    assert (vote.chamber, vote.yes, vote.no, vote.other, vote.result) == (
        "lower",
        69,
        0,
        11,
        "pass",
    )
    assert vote.votes[0].name == "Wilson" and vote.bill_id.startswith("ca-")


def test_billstatus_recorded_votes_share_the_house_vote_key(settings, tmp_path):
    shutil.copy(FIXTURES / "govinfo/v1/BILLSTATUS-117hr1.xml", tmp_path / "hr1.xml")
    summary = import_paths(settings, "govinfo", [tmp_path])
    assert summary.votes == 2
    with _session(settings) as s:
        votes = {v.external_id: v for v in s.scalars(select(Vote))}
    passage = votes["us-house-vote:117-1-62"]
    assert (passage.motion, passage.yes, passage.no, passage.result) == (
        "On passage Passed by the Yeas and Nays: 220 - 210 (Roll no. 62).",
        220,
        210,
        "pass",
    )
    assert passage.bill_id == "us-117-hr1" and str(passage.date) == "2021-03-03"
    assert votes["us-house-vote:117-1-61"].result == "fail"  # the motion to recommit


def test_hearing_links_its_committee_by_name_across_chamber_and_ampersand(settings):
    """HB 1800's real actions name "House Children, Youth & Families"; a roster stores it as
    "Children, Youth and Families" (lower). No WA roster is recorded in the fixtures, so the
    two committee rows here are built by the test (names as the WA legislature writes them);
    the Senate one of a similar name must not be taken for the House one."""
    from tracker.ingest import committee_key
    from tracker.models import Committee

    assert committee_key("House Health Care & Wellness") == (
        "lower",
        committee_key("Health Care and Wellness")[1],
    )
    assert committee_key("House Committee on Energy and Commerce")[1] == "energy and commerce"
    text = (FIXTURES / "demo/bills.jsonl").read_text()
    record = next(r for r in parse_jsonl(text) if getattr(r, "identifier", "") == "HB 1800")
    import_paths(settings, "bills-jsonl", [FIXTURES / "demo/bills.jsonl"])
    with _session(settings) as s:
        house = Committee(
            jurisdiction_id="wa", chamber="lower", name="Children, Youth and Families"
        )
        senate = Committee(jurisdiction_id="wa", chamber="upper", name="Health & Long Term Care")
        s.add_all([house, senate])
        s.commit()
        ingest_events(s, hearings_from_actions(record))
        linked = dict(s.execute(select(Event.committee_name, Event.committee_id)).all())
        assert linked["House Children, Youth & Families"] == house.id
        assert linked["Senate Health & Long Term Care"] == senate.id
        assert linked["House Appropriations"] is None  # no such committee stored
        # The subcommittee is another committee, not its parent.
        sub = "Senate Behavioral Health Subcommittee to Health & Long Term Care"
        assert linked[sub] is None
