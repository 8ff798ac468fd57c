from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from tracker.ingest import ingest, ingest_members
from tracker.models import Bill, BillAction, Legislator, LegislatorExternalId, SourceLink
from tracker.records import ActionRecord, BillRecord, MemberRecord, SourceRef, SponsorRecord


def _record(source: str = "bills-jsonl", **overrides) -> BillRecord:
    fields = dict(
        jurisdiction="wa",
        session="2021-22",
        identifier="HB1477",
        title="Implementing the national 988 system",
        actions=[
            ActionRecord(
                date(2021, 1, 19), "First reading, referred to Health Care & Wellness.", "lower"
            ),
            ActionRecord(date(2021, 3, 3), "Third reading, passed; yeas, 52; nays, 45.", "lower"),
            ActionRecord(date(2021, 5, 13), "Governor signed.", "executive"),
        ],
        sponsors=[SponsorRecord(name="Orwall", role="primary", party="D")],
        subjects=["Mental health"],
        sources=[SourceRef(source=source, url=f"https://example.test/{source}/hb1477")],
    )
    fields.update(overrides)
    return BillRecord(**fields)


def test_ingest_same_bill_twice_is_noop(db):
    first = ingest(db, [_record()])
    assert (first.inserted, first.updated, first.unchanged) == (1, 0, 0)
    assert first.changed_bill_ids == {"wa-202122-hb1477"}
    before = db.get(Bill, "wa-202122-hb1477").updated_at

    second = ingest(db, [_record()])
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 1)
    assert second.changed_bill_ids == set()
    db.expire_all()
    assert db.get(Bill, "wa-202122-hb1477").updated_at == before
    assert db.scalar(select(func.count()).select_from(BillAction)) == 3


def test_ingest_derives_status_and_dates_from_actions(db):
    ingest(db, [_record()])
    bill = db.get(Bill, "wa-202122-hb1477")
    assert bill.identifier == "HB 1477"
    assert bill.status == "enacted"
    assert bill.status_date == date(2021, 5, 13)
    assert bill.introduced_date == date(2021, 1, 19)
    assert bill.last_action == "Governor signed."
    assert "executive-signature" in bill.actions[-1].classification


def test_higher_precedence_source_wins_and_both_sources_are_kept(db):
    ingest(db, [_record("legiscan", title="988 system")])
    result = ingest(
        db,
        [
            _record(
                "openstates",
                title="Implementing the national 988 system",
                abstract="Creates the 988 line.",
            )
        ],
    )
    assert result.updated == 1 and result.changed_bill_ids == {"wa-202122-hb1477"}
    bill = db.get(Bill, "wa-202122-hb1477")
    assert bill.title == "Implementing the national 988 system"
    # A lower-precedence source fills only what is empty.
    ingest(db, [_record("bills-jsonl", title="Other title", abstract="", url="https://leg.wa.gov")])
    db.expire_all()
    bill = db.get(Bill, "wa-202122-hb1477")
    assert bill.title == "Implementing the national 988 system"
    assert bill.url == "https://leg.wa.gov"
    sources = db.scalars(select(SourceLink.source).where(SourceLink.bill_id == bill.id)).all()
    assert sorted(sources) == ["bills-jsonl", "legiscan", "openstates"]


def test_a_bad_record_rolls_back_its_whole_batch(db):
    import pytest

    from tracker.errors import InvalidInput

    with pytest.raises(InvalidInput, match="unknown jurisdiction"):
        ingest(db, [_record(), _record(jurisdiction="zz", identifier="HB 2")])
    assert db.scalar(select(func.count()).select_from(Bill)) == 0


def test_members_merge_by_external_id_and_link_sponsors(db):
    yaml_member = MemberRecord(
        name="Tina Orwall",
        jurisdiction="wa",
        chamber="upper",
        district="33",
        external_ids={"openstates": "ocd-person/1"},
    )
    legiscan_member = MemberRecord(
        name="Tina Orwall",
        jurisdiction="wa",
        party="Democratic",
        email="tina.orwall@leg.wa.gov",
        external_ids={"openstates": "ocd-person/1", "legiscan": "42"},
    )
    result = ingest_members(db, [yaml_member, legiscan_member])
    assert (result.legislators_inserted, result.legislators_updated) == (1, 1)
    person = db.scalars(select(Legislator)).one()
    assert (person.party, person.district, person.email) == (
        "Democratic",
        "33",
        "tina.orwall@leg.wa.gov",
    )
    assert db.scalar(select(func.count()).select_from(LegislatorExternalId)) == 2
    again = ingest_members(db, [legiscan_member])
    assert again.legislators_unchanged == 1

    ingest(db, [_record(sponsors=[SponsorRecord("Orwall", "primary", "D", "legiscan:42")])])
    bill = db.get(Bill, "wa-202122-hb1477")
    assert bill.sponsorships[0].legislator_id == person.id


def test_a_new_change_token_with_the_same_content_refreshes_the_link_only(db):
    ingest(db, [_record("legiscan", source_updated="hash-1")])
    again = ingest(db, [_record("legiscan", source_updated="hash-2")])
    assert again.changed_bill_ids == set() and again.updated == 1
    link = db.scalars(select(SourceLink).where(SourceLink.source == "legiscan")).one()
    assert link.source_updated == "hash-2"
    assert ingest(db, [_record("legiscan", source_updated="hash-2")]).unchanged == 1


def test_a_changed_record_from_a_known_source_is_merged_again(db):
    ingest(db, [_record()])
    record = _record()
    record.actions.append(ActionRecord(date(2021, 5, 14), "Chapter 302, 2021 Laws.", None))
    result = ingest(db, [record])
    assert result.changed_bill_ids == {"wa-202122-hb1477"}
    db.expire_all()
    assert db.get(Bill, "wa-202122-hb1477").last_action == "Chapter 302, 2021 Laws."
