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


def _writes_during(db, action) -> list[str]:  # noqa: ANN001
    """The INSERT/UPDATE/DELETE statements the database sees while `action` runs."""
    from sqlalchemy import event

    engine = db.connection().engine
    seen: list[str] = []

    def hook(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        if statement.lstrip().split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", hook)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", hook)
    return seen


def test_reimport_of_unchanged_bills_writes_nothing(db):
    records = [_record(identifier=f"HB{n}") for n in (1477, 1478, 1479)]
    assert ingest(db, records).inserted == 3
    again = [_record(identifier=f"HB{n}") for n in (1477, 1478, 1479)]
    writes = _writes_during(db, lambda: ingest(db, again))
    assert writes == []
    assert db.scalar(select(func.count()).select_from(BillAction)) == 9


def _counting_builds(monkeypatch) -> list[str]:  # noqa: ANN001
    """Record every bill record ingest normalizes (builds content for), calling through."""
    import tracker.ingest as ingest_module

    built: list[str] = []
    real = ingest_module._content_from_record

    def counting(record):  # noqa: ANN001, ANN202
        built.append(record.identifier)
        return real(record)

    monkeypatch.setattr(ingest_module, "_content_from_record", counting)
    return built


def test_reimport_of_unchanged_records_builds_nothing_and_a_changed_one_is_reimported(
    db, monkeypatch
):
    ingest(db, [_record(identifier=f"HB{n}") for n in (1477, 1478, 1479)])
    assert db.scalar(select(func.count()).where(SourceLink.raw_sha256.is_(None))) == 0
    built = _counting_builds(monkeypatch)

    again = [_record(identifier=f"HB{n}") for n in (1477, 1478, 1479)]
    writes = _writes_during(db, lambda: ingest(db, again))
    assert (writes, built) == ([], [])

    changed = [_record(identifier=f"HB{n}") for n in (1477, 1478, 1479)]
    changed[2].title = "Implementing the national 988 crisis line"
    result = ingest(db, changed)
    assert built == ["HB 1479"]
    assert (result.updated, result.unchanged) == (1, 2)
    db.expire_all()
    assert db.get(Bill, "wa-202122-hb1479").title == "Implementing the national 988 crisis line"
    built.clear()
    assert ingest(db, changed).unchanged == 3 and built == []


def test_a_link_without_a_raw_fingerprint_gets_one_and_is_then_skipped(db, monkeypatch):
    from sqlalchemy import update

    ingest(db, [_record()])
    db.execute(update(SourceLink).values(raw_sha256=None))  # stored before fingerprints
    db.commit()
    built = _counting_builds(monkeypatch)
    first = _writes_during(db, lambda: ingest(db, [_record()]))
    assert built == ["HB 1477"]
    assert [w.split(None, 2)[:2] for w in first] == [["UPDATE", "source_links"]]
    assert db.scalar(select(func.count()).where(SourceLink.raw_sha256.is_(None))) == 0
    built.clear()
    assert _writes_during(db, lambda: ingest(db, [_record()])) == [] and built == []


def test_a_fetch_time_alone_does_not_change_the_raw_fingerprint():
    from datetime import datetime

    from tracker.ingest import raw_fingerprint

    first, second = _record(), _record()
    second.sources[0].fetched_at = datetime(2026, 12, 3, 14, 0)
    assert raw_fingerprint(first) == raw_fingerprint(second)
    second.actions[0].chamber = "upper"
    assert raw_fingerprint(first) != raw_fingerprint(second)


def test_a_changed_record_rewrites_only_its_own_rows(db):
    ingest(db, [_record(identifier=f"HB{n}") for n in (1477, 1478, 1479)])
    before = {
        bill.id: (bill.updated_at, [a.id for a in bill.actions])
        for bill in db.scalars(select(Bill))
    }
    records = [_record(identifier=f"HB{n}") for n in (1477, 1478, 1479)]
    records[1].actions.append(ActionRecord(date(2021, 5, 14), "Chapter 302, 2021 Laws.", None))
    result = ingest(db, records)
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 2)
    assert result.changed_bill_ids == {"wa-202122-hb1478"}
    db.expire_all()
    after = {
        bill.id: (bill.updated_at, [a.id for a in bill.actions])
        for bill in db.scalars(select(Bill))
    }
    for bill_id in ("wa-202122-hb1477", "wa-202122-hb1479"):
        assert after[bill_id] == before[bill_id]
    changed = db.get(Bill, "wa-202122-hb1478")
    assert len(changed.actions) == 4 and changed.last_action == "Chapter 302, 2021 Laws."
    assert after["wa-202122-hb1478"][0] > before["wa-202122-hb1478"][0]


def _rich_record(identifier: str, source: str) -> BillRecord:
    from tracker.records import VersionRecord

    return _record(
        source,
        identifier=identifier,
        abstract="Creates the 988 line.\x00",
        sponsors=[
            SponsorRecord(name="Orwall", role="primary", party="D"),
            SponsorRecord(name="Printed pursuant to Senate Interim Rule 2.1", role="primary"),
        ],
        versions=[VersionRecord(note="Original", url="https://example.test/hb.pdf")],
        subjects=["Mental health", "Mental health", " "],
        source_updated="2021-05-14T00:00:00Z",
    )


def _stored(db, bill_id: str) -> dict:  # noqa: ANN001
    bill = db.get(Bill, bill_id)
    columns = (
        "title abstract classification status status_date introduced_date "
        "last_action_date last_action url content_hash"
    ).split()
    return {
        "bill": {c: getattr(bill, c) for c in columns},
        "actions": [
            (a.position, a.date, a.chamber, a.description, a.classification) for a in bill.actions
        ],
        "sponsors": [(s.position, s.name, s.role, s.party) for s in bill.sponsorships],
        "versions": [(v.position, v.note, v.url) for v in bill.versions],
        "subjects": [s.subject for s in bill.subjects],
        "link": [
            (lk.source, lk.url, lk.source_updated, lk.record_sha256)
            for lk in bill.source_links
            if lk.source == "legiscan"
        ],
    }


def test_a_new_bill_written_in_bulk_matches_one_written_through_the_merge(db):
    # HB 1 arrives twice in one batch (two sources), so it is merged object by object;
    # HB 2 arrives once and goes in with bulk INSERTs. Both must store the same thing.
    result = ingest(
        db,
        [
            _rich_record("HB1", "legiscan"),
            _rich_record("HB1", "openstates"),
            _rich_record("HB2", "legiscan"),
        ],
    )
    assert (result.inserted, result.changed_bill_ids) == (2, {"wa-202122-hb1", "wa-202122-hb2"})
    merged, bulk = _stored(db, "wa-202122-hb1"), _stored(db, "wa-202122-hb2")
    assert merged == bulk
    assert bulk["sponsors"] == [(0, "Orwall", "primary", "D")]
    assert bulk["subjects"] == ["Mental health"] and "\x00" not in bulk["bill"]["abstract"]
    # Read back through the merge path, the bulk-written bill is unchanged content.
    again = ingest(db, [_rich_record("HB2", "openstates")])
    assert (again.updated, again.changed_bill_ids) == (1, set())


def test_a_big_load_on_postgresql_leaves_the_bill_tables_analyzed(db, monkeypatch):
    import pytest
    from sqlalchemy import text

    import tracker.ingest as ingest_module

    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("ANALYZE after a load is for PostgreSQL's planner")
    monkeypatch.setattr(ingest_module, "ANALYZE_AFTER", 2)
    ingest(db, [_record(identifier=f"HB{n}") for n in (1477, 1478, 1479)])
    reltuples = db.scalar(
        text("SELECT reltuples FROM pg_class WHERE oid = to_regclass('source_links')")
    )
    assert reltuples >= 0  # -1 until the table has been analyzed
