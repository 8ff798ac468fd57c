"""Sponsors named only by surname ("Mr. Wicker", "FAHY", "Umberg (S)") link to the one
legislator of that jurisdiction who carries the name; ambiguous names stay unlinked."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from tests.conftest import demo_record, demo_rows
from tracker.ingest import ingest, ingest_members, person_key
from tracker.models import Legislator, Sponsorship
from tracker.records import MemberRecord, SponsorRecord


def test_person_key_folds_honorifics_suffixes_and_accents():
    assert person_key("Mr. Wicker") == "wicker"
    assert person_key("Mrs. Biggs of South Carolina") == "biggs"
    assert person_key("Umberg (S)") == "umberg"
    assert person_key("Erin Gámez") == "erin gamez"
    assert person_key("Sen. Aisha Wahab") == "aisha wahab"


def test_surname_sponsors_link_to_the_one_matching_legislator(db):  # noqa: ANN001
    ingest_members(
        db,
        [
            MemberRecord(
                name="Roger F. Wicker",
                jurisdiction="us",
                family_name="Wicker",
                external_ids={"test": "p1"},
            ),
            MemberRecord(
                name="Aisha Wahab",
                jurisdiction="ca",
                family_name="Wahab",
                external_ids={"test": "p2"},
            ),
            MemberRecord(
                name="Al Taylor",
                jurisdiction="ny",
                family_name="Taylor",
                external_ids={"test": "p3"},
            ),
            MemberRecord(
                name="Jo Taylor",
                jurisdiction="ny",
                family_name="Taylor",
                external_ids={"test": "p4"},
            ),
        ],
    )
    db.commit()
    rows = [r for r in demo_rows() if r["jurisdiction"] in ("us", "ca", "ny")]
    us = next(r for r in rows if r["jurisdiction"] == "us")
    ca = next(r for r in rows if r["jurisdiction"] == "ca")
    ny = next(r for r in rows if r["jurisdiction"] == "ny")
    records = [
        replace(demo_record(us), sponsors=[SponsorRecord("Mr. Wicker")]),
        replace(demo_record(ca), sponsors=[SponsorRecord("Wahab (S)"), SponsorRecord("Nobody")]),
        replace(demo_record(ny), sponsors=[SponsorRecord("TAYLOR"), SponsorRecord("Wicker")]),
    ]
    ingest(db, records)
    db.commit()
    ids = {lg.name: lg.id for lg in db.scalars(select(Legislator))}
    links = {
        (s.bill_id.split("-")[0], s.name): s.legislator_id for s in db.scalars(select(Sponsorship))
    }
    assert links[("us", "Mr. Wicker")] == ids["Roger F. Wicker"]
    assert links[("ca", "Wahab (S)")] == ids["Aisha Wahab"]
    assert links[("ca", "Nobody")] is None
    assert links[("ny", "TAYLOR")] is None  # two NY Taylors: no guess
    assert links[("ny", "Wicker")] is None  # Wicker is a US senator, not a NY member
