"""Tags and scores in the database: storage, readers, only-changed and version-bump re-tagging."""

from __future__ import annotations

import dataclasses
from datetime import date

from sqlalchemy import func, select

from tests.tagging.helpers import demo_record, demo_rows, ingest_demo
from tracker.ingest import ingest
from tracker.models import Bill
from tracker.models.tagging import BillScore, BillTagging, BillTopic
from tracker.tagging_queries import (
    bill_ids_for_topic,
    bill_ids_tagged_with_older_taxonomy,
    scores_for,
    select_bills_to_tag,
    tags_for,
    topics_for,
)
from tracker.tagging_service import score_bills, tag_bills
from tracker.taxonomy import DEFAULT_TAXONOMY_PATH, load_taxonomy, parse_taxonomy


def _bumped_taxonomy(version: str):
    import yaml

    data = yaml.safe_load(DEFAULT_TAXONOMY_PATH.read_text())
    data["version"] = version
    return parse_taxonomy(data, source="bumped")


def test_tag_bills_stores_topics_with_evidence_and_taxonomy_version(db):
    ids = ingest_demo(db, lambda r: r["jurisdiction"] in ("tx", "wa"))
    summary = tag_bills(db, ids)
    assert summary["tagged"] == len(ids) and summary["missing"] == 0
    tax = load_taxonomy()
    by_bill = topics_for(db, ids)
    assert set(by_bill) == set(ids)
    assert "crisis" in by_bill["tx-89r-hb5342"]
    assert by_bill["tx-87thlegislature1stspecialsession-hb266"] == []  # "pay equity" decoy
    rows = tags_for(db, "tx-89r-hb5342")
    assert rows and rows[0].score >= rows[-1].score
    bill = db.get(Bill, "tx-89r-hb5342")
    for row in rows:
        assert row.taxonomy_version == tax.version
        for ev in row.evidence:
            assert getattr(bill, ev["field"])[ev["start"] : ev["end"]] == ev["quote"]
    markers = db.scalars(select(BillTagging)).all()
    assert {m.bill_id for m in markers} == set(ids)
    assert all(m.taxonomy_version == tax.version for m in markers)


def test_tagging_twice_replaces_rows_instead_of_duplicating(db):
    ids = ingest_demo(db, lambda r: r["jurisdiction"] == "co")
    tag_bills(db, ids)
    first = db.scalar(select(func.count()).select_from(BillTopic))
    tag_bills(db, ids)
    assert db.scalar(select(func.count()).select_from(BillTopic)) == first > 0


def test_only_changed_bills_are_retagged_after_a_sync(db):
    rows = [r for r in demo_rows() if r["jurisdiction"] == "ny"]
    ids = ingest_demo(db, lambda r: r["jurisdiction"] == "ny")
    tax = load_taxonomy()
    assert select_bills_to_tag(db, tax, "stale") == sorted(ids)  # never tagged
    tag_bills(db, ids, tax)
    assert select_bills_to_tag(db, tax, "stale") == []

    # A second sync: the same records, one bill's abstract amended.
    records = [demo_record(r) for r in rows]
    changed = records[0]
    records[0] = dataclasses.replace(changed, abstract=changed.abstract + " As amended.")
    result = ingest(db, records)
    assert len(result.changed_bill_ids) == 1
    assert select_bills_to_tag(db, tax, "stale") == sorted(result.changed_bill_ids)
    tag_bills(db, result.changed_bill_ids, tax)
    assert select_bills_to_tag(db, tax, "stale") == []


def test_taxonomy_version_bump_retags_exactly_the_bills_with_an_older_version(db):
    ids = ingest_demo(db, lambda r: r["jurisdiction"] in ("us", "ca"))
    old = load_taxonomy()
    tag_bills(db, ids, old)
    new = _bumped_taxonomy(old.version + "-next")
    already_new = ids[:3]
    tag_bills(db, already_new, new)  # some bills were re-tagged under the new version
    older = bill_ids_tagged_with_older_taxonomy(db, new.version)
    assert older == sorted(set(ids) - set(already_new))
    assert select_bills_to_tag(db, new, "stale") == older
    tag_bills(db, older, new)
    assert select_bills_to_tag(db, new, "stale") == []
    versions = set(db.scalars(select(BillTopic.taxonomy_version)))
    assert versions == {new.version}


def test_scores_are_stored_with_reasons_and_readable_by_topic(db):
    ids = ingest_demo(db)
    tag_bills(db, ids)
    summary = score_bills(db, ids, today=date(2026, 11, 26))
    assert summary["scored"] == len(ids)
    scores = scores_for(db, ids)
    enacted = scores["wa-202122-hb1477"]
    assert enacted.passage == 100 and enacted.passage_reasons[0]["factor"] == "stage"
    assert enacted.relevance >= 80
    assert any(r["factor"] == "topic:crisis" for r in enacted.relevance_reasons)
    decoy = scores["md-2023regularsession-hb355"]  # "Lifeline" auto insurance
    assert decoy.relevance == 0
    crisis_bills = bill_ids_for_topic(db, "crisis")
    assert "wa-202122-hb1477" in crisis_bills and "md-2023regularsession-hb355" not in crisis_bills
    rel = [scores[b].relevance for b in crisis_bills]
    assert rel == sorted(rel, reverse=True)
    assert db.scalar(select(func.count()).select_from(BillScore)) == len(ids)


def test_sponsor_majority_and_committee_chair_enter_passage_when_known(db):
    from tracker.models import Committee, CommitteeMembership, Legislator, Sponsorship

    ids = ingest_demo(db, lambda r: r["identifier"] == "HB 1939" and r["jurisdiction"] == "wa")
    bill = db.get(Bill, ids[0])
    members = [
        Legislator(
            jurisdiction_id="wa",
            name=f"Member {i}",
            party="Democratic" if i < 10 else "Republican",
            chamber="lower",
        )
        for i in range(16)
    ]
    db.add_all(members)
    committee = Committee(jurisdiction_id="wa", name="Health Care & Wellness", chamber="lower")
    db.add(committee)
    db.flush()
    db.add(
        CommitteeMembership(committee_id=committee.id, legislator_id=members[0].id, role="Chair")
    )
    db.add(
        Sponsorship(
            bill_id=bill.id,
            name="Member 0",
            role="primary",
            party="D",
            legislator_id=members[0].id,
            position=99,
        )
    )
    bill.status = "in_committee"
    db.commit()
    score_bills(db, ids, today=date(2023, 2, 1))
    reasons = {r["factor"] for r in scores_for(db, ids)[ids[0]].passage_reasons}
    assert {"sponsor_in_majority", "sponsor_chairs_committee"} <= reasons
