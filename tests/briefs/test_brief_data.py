"""Brief content: ranges and time zones, stages as of a date, scope, hearings, outreach."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.briefs import render as brief_render
from outreach.briefs.data import build_brief, last_full_week, resolve_range
from tests.briefs.conftest import DELIVERED_WEEK, ENACTED_WEEK, QUIET_WEEK
from tests.briefs.demo_data import demo_rows, to_record
from tracker.accounts import create_org
from tracker.errors import InvalidInput
from tracker.ingest import ingest
from tracker.models import Bill, Event, EventBill, Watchlist, WatchlistEntry


def d(text: str) -> date:
    return date.fromisoformat(text)


def week(pair: tuple[str, str]) -> tuple[date, date]:
    return d(pair[0]), d(pair[1])


# --- ranges -------------------------------------------------------------------------------


def test_last_full_week_is_monday_to_sunday_before_this_week():
    # Wednesday 2024-03-27 noon UTC: the last full week is Mar 18-24.
    assert last_full_week("America/New_York", datetime(2024, 3, 27, 12, tzinfo=UTC)) == (
        date(2024, 3, 18),
        date(2024, 3, 24),
    )


def test_last_full_week_follows_the_org_time_zone_across_midnight():
    # Monday 2024-03-25 03:00 UTC is still Sunday evening in Los Angeles, Monday in Berlin.
    now = datetime(2024, 3, 25, 3, 0, tzinfo=UTC)
    assert last_full_week("America/Los_Angeles", now) == (date(2024, 3, 11), date(2024, 3, 17))
    assert last_full_week("Europe/Berlin", now) == (date(2024, 3, 18), date(2024, 3, 24))
    assert last_full_week("UTC", now) == (date(2024, 3, 18), date(2024, 3, 24))


def test_last_full_week_across_new_year_uses_iso_weeks():
    # Thursday 2026-01-01: ISO week 1 of 2026 started Monday 2025-12-29.
    assert last_full_week("UTC", datetime(2026, 1, 1, 9, tzinfo=UTC)) == (
        date(2025, 12, 22),
        date(2025, 12, 28),
    )


def test_resolve_range_rejects_reversed_too_long_and_bad_zone():
    with pytest.raises(InvalidInput, match="before it starts"):
        resolve_range("UTC", date(2024, 3, 10), date(2024, 3, 1))
    with pytest.raises(InvalidInput, match="at most 366 days"):
        resolve_range("UTC", date(2020, 1, 1), date(2024, 1, 1))
    with pytest.raises(InvalidInput, match="unknown time zone"):
        last_full_week("Mars/Olympus_Mons", datetime(2024, 1, 1, tzinfo=UTC))
    # One end given: the week that starts (or ends) there.
    assert resolve_range("UTC", date(2024, 3, 18), None) == (date(2024, 3, 18), date(2024, 3, 24))


def test_default_range_is_last_full_week_in_org_zone(db: Session, org):
    brief = build_brief(db, org, now=datetime(2024, 3, 25, 3, 0, tzinfo=UTC))
    # Org is in Los Angeles, where it is still Sunday the 24th.
    assert (brief.start, brief.end) == (date(2024, 3, 11), date(2024, 3, 17))
    assert brief.is_week


# --- stages from dated actions ------------------------------------------------------------


def test_brief_reports_stage_change_with_action_and_date(db: Session, org):
    brief = build_brief(db, org, *week(ENACTED_WEEK))
    moved = {c.row.bill_id: c for c in brief.changes}
    change = moved["wa-202324-hb1939"]
    assert (change.old_stage, change.new_stage) == ("to_executive", "enacted")
    assert change.action == "Approved March 19, 2024 9:42 AM"
    assert change.action_date == date(2024, 3, 19)
    assert brief.headline.moved == len(brief.changes) >= 1
    assert brief.headline.enacted >= 1
    assert not brief.no_changes


def test_past_week_shows_stage_as_of_that_week_not_today(db: Session, org):
    bill = db.get(Bill, "wa-202324-hb1939")
    assert bill.status == "enacted"  # today's stored status
    brief = build_brief(db, org, *week(DELIVERED_WEEK))
    change = next(c for c in brief.changes if c.row.bill_id == bill.id)
    assert (change.old_stage, change.new_stage) == ("passed_second", "to_executive")
    assert change.action_date == date(2024, 3, 4)
    row = next(r for _, r in brief.all_rows() if r.bill_id == bill.id)
    assert row.stage == "to_executive"
    assert row.last_action_date <= date(2024, 3, 10)


def test_past_brief_is_reproducible_after_more_bills_arrive(db: Session):
    """Rebuilding a past week later, after new bills and actions were fetched, gives the
    same brief: everything comes from action dates, nothing from fetch times."""
    org = create_org(db, "Repro", timezone="America/New_York")
    start, end = week(DELIVERED_WEEK)
    rows = demo_rows()

    def first_date(r: dict) -> date | None:
        dates = [a["date"] for a in r["actions"]] + [r["introduced_date"] or "9999-12-31"]
        return d(min(dates)) if min(dates) != "9999-12-31" else None

    # A bill with no dated history at all (Idaho S 1125) cannot be placed in time; it is
    # listed with its stored status in every brief, so it belongs to the first batch.
    early = [r for r in rows if first_date(r) is None or first_date(r) <= end]
    late = [r for r in rows if r not in early]
    ingest(db, [to_record(r) for r in early])
    wl = Watchlist(organization_id=org.id, name="All")
    db.add(wl)
    db.flush()

    def watch_everything() -> None:
        have = set(
            db.scalars(select(WatchlistEntry.bill_id).where(WatchlistEntry.watchlist_id == wl.id))
        )
        for bill_id in db.scalars(select(Bill.id)):
            if bill_id not in have:
                db.add(WatchlistEntry(watchlist_id=wl.id, bill_id=bill_id))
        db.commit()

    watch_everything()
    now = datetime(2024, 3, 12, tzinfo=UTC)
    first = brief_render.render_csv(build_brief(db, org, start, end, now=now))
    ingest(db, [to_record(r) for r in late])
    watch_everything()
    second = brief_render.render_csv(build_brief(db, org, start, end, now=now))
    assert len(late) > 0
    assert first.decode().splitlines() == second.decode().splitlines()


def test_bills_introduced_after_the_range_are_not_counted(db: Session, org):
    brief = build_brief(db, org, *week(DELIVERED_WEEK))
    ids = {r.bill_id for _, r in brief.all_rows()}
    assert "ny-2025-a1792" not in ids  # a 2025 bill cannot be in a 2024 brief
    assert "wa-202324-hb1939" in ids
    total = db.scalar(select(Bill).where(Bill.id == "ny-2025-a1792").with_only_columns(Bill.id))
    assert total == "ny-2025-a1792"
    assert brief.headline.tracked == len(ids) < len(demo_rows())


def test_new_bills_in_scope_are_those_introduced_in_the_range(db: Session, org):
    brief = build_brief(db, org, d("2025-01-20"), d("2025-01-26"))
    assert len(brief.new_bills) == 3
    for row in brief.new_bills:
        assert d("2025-01-20") <= row.introduced <= d("2025-01-26")
    assert brief.headline.new == 3
    assert not brief.no_changes


def test_empty_week_is_a_no_changes_brief_not_an_error(db: Session, org):
    brief = build_brief(db, org, *week(QUIET_WEEK))
    assert brief.no_changes
    assert brief.changes == [] and brief.new_bills == []
    assert brief.headline.tracked > 0
    html = brief_render.render_html(brief)
    assert "No changes this week" in html


def test_brief_for_org_without_watchlists_is_empty_but_renders(db: Session):
    org = create_org(db, "New Team")
    brief = build_brief(db, org, *week(QUIET_WEEK))
    assert brief.headline.tracked == 0 and brief.topics == []
    assert "No bills are tracked yet" in brief_render.render_html(brief)


def test_other_orgs_watchlists_are_out_of_scope(db: Session, org):
    other = create_org(db, "Other Coalition")
    wl = Watchlist(organization_id=other.id, name="Mine")
    db.add(wl)
    db.flush()
    db.add(WatchlistEntry(watchlist_id=wl.id, bill_id="wa-202324-hb1939", priority="low"))
    db.commit()
    brief = build_brief(db, other, *week(ENACTED_WEEK))
    assert [r.bill_id for _, r in brief.all_rows()] == ["wa-202324-hb1939"]
    mine = build_brief(db, org, *week(ENACTED_WEEK))
    row = next(r for _, r in mine.all_rows() if r.bill_id == "wa-202324-hb1939")
    assert row.priority == "high"  # this org's entry, not the other org's


def test_jurisdiction_filter_narrows_scope(db: Session, org):
    brief = build_brief(db, org, *week(ENACTED_WEEK), jurisdictions=["wa"])
    assert {r.jurisdiction for _, r in brief.all_rows()} == {"WA"}


def test_state_activity_counts_actions_in_range_by_state(db: Session, org):
    brief = build_brief(db, org, *week(ENACTED_WEEK))
    # HB 1939: "Approved March 19" and "FILED March 19" are both in the week.
    assert brief.state_activity.get("WA", 0) >= 2
    svg = brief.map_svg()
    assert svg.startswith("<svg") and ">WA<" in svg


# --- hearings -----------------------------------------------------------------------------


def test_hearings_in_next_14_days_use_org_time_zone(db: Session, org):
    start, end = week(ENACTED_WEEK)  # ends Sunday 2024-03-24, org in Los Angeles

    def event(name: str, start_utc: datetime) -> None:
        ev = Event(jurisdiction_id="wa", name=name, start=start_utc, location="Room 101")
        db.add(ev)
        db.flush()
        db.add(EventBill(event_id=ev.id, bill_id="wa-202324-sb6228"))

    # Day 14 at 23:30 in Los Angeles is already day 15 in UTC: still inside the window.
    event("Last evening in window", datetime(2024, 4, 8, 6, 30, tzinfo=UTC))
    event("Day 15 in LA", datetime(2024, 4, 8, 8, 0, tzinfo=UTC))
    event("During the brief week", datetime(2024, 3, 22, 17, 0, tzinfo=UTC))
    event("Next Monday", datetime(2024, 3, 25, 16, 0, tzinfo=UTC))
    unrelated = Event(
        jurisdiction_id="wa", name="No tracked bill", start=datetime(2024, 3, 26, tzinfo=UTC)
    )
    db.add(unrelated)
    db.commit()
    brief = build_brief(db, org, start, end)
    names = [h.name for h in brief.hearings]
    assert names == ["Next Monday", "Last evening in window"]
    assert brief.hearings[1].start.date() == end + timedelta(days=14)
    assert brief.hearings[0].bills == ["WA SB 6228"]


# --- outreach -----------------------------------------------------------------------------


def _outreach_rows(db: Session, org) -> None:  # noqa: ANN001
    from outreach.models import (
        Campaign,
        Constituent,
        FollowUp,
        Letter,
        LetterTemplate,
        Meeting,
        MeetingAttendee,
        MeetingBill,
        TemplateVersion,
    )
    from tracker.models import Legislator

    tpl = LetterTemplate(organization_id=org.id, name="Support")
    db.add(tpl)
    db.flush()
    version = TemplateVersion(template_id=tpl.id, number=1, subject="Support", body="Please")
    db.add(version)
    db.flush()
    campaign = Campaign(
        organization_id=org.id, slug="pass-6228", title="Pass SB 6228", template_id=tpl.id
    )
    db.add(campaign)
    leg = Legislator(jurisdiction_id="wa", name="Jane Doe", chamber="upper", district="7")
    db.add(leg)
    db.flush()
    sent_times = [
        datetime(2024, 3, 18, 7, 30, tzinfo=UTC),  # Mar 18 00:30 in LA: in range
        datetime(2024, 3, 25, 5, 0, tzinfo=UTC),  # Sun Mar 24 22:00 in LA: in range
        datetime(2024, 3, 25, 8, 0, tzinfo=UTC),  # Mon Mar 25 01:00 in LA: next week
        datetime(2024, 3, 18, 6, 0, tzinfo=UTC),  # Sun Mar 17 23:00 in LA: last week
    ]
    for i, sent_at in enumerate(sent_times):
        person = Constituent(
            organization_id=org.id, campaign_id=campaign.id, name=f"P{i}",
            email=f"p{i}@example.org", link_nonce=f"n{i}",
        )  # fmt: skip
        db.add(person)
        db.flush()
        db.add(
            Letter(
                organization_id=org.id, campaign_id=campaign.id, constituent_id=person.id,
                legislator_id=leg.id, template_version_id=version.id, subject="s", body="b",
                state="sent", idempotency_key=f"k{i}", sent_at=sent_at,
            )
        )  # fmt: skip
    meeting = Meeting(organization_id=org.id, date=date(2024, 3, 20), outcome="Will cosponsor")
    db.add(meeting)
    db.flush()
    db.add(MeetingAttendee(meeting_id=meeting.id, name="Sen. Jane Doe"))
    db.add(MeetingBill(meeting_id=meeting.id, bill_id="wa-202324-sb6228"))
    db.add(
        FollowUp(
            organization_id=org.id,
            meeting_id=meeting.id,
            description="Send data",
            due_date=date(2024, 3, 22),
        )
    )
    db.add(
        FollowUp(
            organization_id=org.id, meeting_id=meeting.id, description="Done already",
            due_date=date(2024, 3, 21), done_at=datetime(2024, 3, 21, 18, tzinfo=UTC),
        )
    )  # fmt: skip
    db.commit()


def test_outreach_section_counts_letters_meetings_and_open_follow_ups(db: Session, org):
    _outreach_rows(db, org)
    brief = build_brief(db, org, *week(ENACTED_WEEK))
    o = brief.outreach
    assert o.letters_by_campaign == [("Pass SB 6228", 2)]
    assert o.letters_by_office == [("Sen. Jane Doe (WA-7)", 2)]
    assert [m["outcome"] for m in o.meetings] == ["Will cosponsor"]
    assert o.meetings[0]["bill"] == "WA SB 6228"
    assert [f["what"] for f in o.open_follow_ups] == ["Send data"]
    assert o.open_follow_ups[0]["overdue"] is True
    # The week before: the follow-ups' meeting had not happened yet.
    earlier = build_brief(db, org, date(2024, 3, 11), date(2024, 3, 17))
    assert earlier.outreach.letters_total == 1
    assert earlier.outreach.open_follow_ups == [] and earlier.outreach.meetings == []


# --- topics and scores from the tagger ------------------------------------------------------


def _tag_everything(db: Session) -> None:
    from tracker.tagging_service import score_bills, tag_bills

    ids = list(db.scalars(select(Bill.id)))
    assert tag_bills(db, ids)["tagged"] == len(ids)
    score_bills(db, ids)


def test_topic_tables_come_from_the_tagger(db: Session, org):
    _tag_everything(db)
    brief = build_brief(db, org, *week(ENACTED_WEEK))
    tables = {t.key: t for t in brief.topics}
    assert list(tables)[:4] == ["parity", "crisis", "workforce", "mental_health"]
    workforce = {r.identifier: r for r in tables["workforce"].rows}
    assert "HB 1939" in workforce  # the Social Work Licensure Compact
    assert 0 <= workforce["HB 1939"].score <= 100
    # A decoy (Texas HB 9, 9-1-1 telecom fund) is tracked but in no mental-health table.
    decoy = next(r for _, r in brief.all_rows() if r.bill_id == "tx-88r-hb9")
    assert decoy.topics == []
    assert "tx-88r-hb9" in {r.bill_id for r in tables["untagged"].rows}
    by_topic = {h.label: h for h in brief.by_topic}
    assert by_topic["Behavioral-health workforce"].enacted == 1
    assert by_topic["Behavioral-health workforce"].moved >= 1
    # Within a table the org's priority comes first: HB 1939 is this org's only "high".
    assert tables["workforce"].rows[0].identifier == "HB 1939"
    assert set(brief.topic_stage) == set(tables)
    assert ">Behavioral-health workforce<" in brief.chart_svg()


def test_topic_scope_adds_tagged_bills_without_a_watchlist(db: Session):
    ingest(db, [to_record(r) for r in demo_rows()])
    _tag_everything(db)
    org = create_org(db, "Crisis Only", timezone="America/Denver")
    brief = build_brief(db, org, *week(ENACTED_WEEK), topics=["crisis"])
    assert brief.headline.tracked > 0
    assert [t.key for t in brief.topics] == ["crisis"]
    assert all(r.position == "" for _, r in brief.all_rows())


def test_momentum_is_judged_as_of_the_range_end(db: Session, org):
    _tag_everything(db)
    # WA HB 1946 passed the House 2024-02-08 and had committee action to 2024-02-24.
    during = build_brief(db, org, d("2024-02-19"), d("2024-02-25"))
    assert "wa-202324-hb1946" in {r.bill_id for r in during.momentum}
    row = next(r for r in during.momentum if r.bill_id == "wa-202324-hb1946")
    assert row.momentum
    later = build_brief(db, org, d("2024-04-15"), d("2024-04-21"))
    assert "wa-202324-hb1946" not in {r.bill_id for r in later.momentum}


def test_bill_known_only_by_introduction_date_still_shows_its_move(db: Session, org):
    # Colorado SB22-181: introduced 2022-03-28, first recorded action "Governor Signed" 06-08.
    brief = build_brief(db, org, d("2022-06-06"), d("2022-06-12"))
    change = next(c for c in brief.changes if c.row.identifier == "SB22-181")
    assert (change.old_stage, change.new_stage) == ("introduced", "enacted")
    assert change.action == "Governor Signed" and change.action_date == d("2022-06-08")


def test_brief_says_what_changed_in_a_new_version_text(db: Session, org):
    from pathlib import Path

    from tracker.models import BillVersion
    from tracker.textextract import store_version_text

    texts = Path(__file__).resolve().parents[1] / "fixtures" / "texts" / "wa"
    for name, note, day in (
        ("HB1477-1.md", "Original bill", d("2021-02-01")),
        ("HB1477-S2.SL.md", "Session law", d("2021-05-13")),
    ):
        v = BillVersion(bill_id="wa-202122-hb1477", url=f"https://x.example/{name}", note=note)
        v.date = day
        db.add(v)
        db.flush()
        store_version_text(db, v, (texts / name).read_bytes(), "text/plain")
    db.commit()
    brief = build_brief(db, org, d("2021-05-10"), d("2021-05-16"))
    (change,) = brief.text_changes
    assert change.row.bill_id == "wa-202122-hb1477"
    assert (change.version, change.since) == ("Session law", "Original bill")
    assert "sections changed" in change.summary and "Section 101" in change.summary
    md = brief_render.render_markdown(brief)
    md = md.decode() if isinstance(md, bytes) else md
    assert "### What changed in the latest version" in md and "Session law" in md
    html = brief_render.render_html(brief)
    html = html.decode() if isinstance(html, bytes) else html
    assert "What changed in the latest version" in html
    assert build_brief(db, org, d("2021-05-17"), d("2021-05-23")).text_changes == []
