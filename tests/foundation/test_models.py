from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tracker.models import (
    Bill,
    BillAction,
    BillSubject,
    BillVersion,
    Committee,
    CommitteeMembership,
    LegislativeSession,
    Legislator,
    LegislatorExternalId,
    SourceLink,
    Sponsorship,
)


def test_bill_round_trip_with_children(db):
    session = LegislativeSession(jurisdiction_id="ca", identifier="20232024", name="2023-2024")
    legislator = Legislator(
        jurisdiction_id="ca",
        name="Rebecca Bauer-Kahan",
        chamber="lower",
        district="16",
        district_ocd_id="ocd-division/country:us/state:ca/sldl:16",
        phones=["916-319-2016"],
        offices=[{"classification": "capitol", "address": "1021 O Street"}],
        external_ids=[LegislatorExternalId(scheme="openstates", value="ocd-person/abc")],
    )
    bill = Bill(
        id="ca-20232024-ab988",
        jurisdiction_id="ca",
        session=session,
        identifier="AB 988",
        title="Mental health: 988 Suicide and Crisis Lifeline",
        status="enacted",
        introduced_date=date(2021, 2, 17),
        actions=[
            BillAction(
                position=0,
                date=date(2021, 2, 17),
                description="Introduced",
                chamber="lower",
                classification=["introduction"],
            ),
            BillAction(
                position=1,
                date=date(2022, 9, 29),
                description="Chaptered",
                chamber="executive",
                classification=["became-law"],
            ),
        ],
        sponsorships=[Sponsorship(name="Bauer-Kahan", role="primary", legislator=legislator)],
        versions=[
            BillVersion(
                note="Chaptered", url="https://leginfo.legislature.ca.gov/x", media_type="text/html"
            )
        ],
        subjects=[BillSubject(subject="Mental health")],
        source_links=[SourceLink(source="openstates", source_id="ocd-bill/1", url="https://x")],
    )
    committee = Committee(jurisdiction_id="ca", chamber="lower", name="Health")
    db.add_all([bill, committee, CommitteeMembership(committee=committee, legislator=legislator)])
    db.commit()
    db.expunge_all()

    loaded = db.get(Bill, "ca-20232024-ab988")
    assert [a.classification for a in loaded.actions] == [["introduction"], ["became-law"]]
    assert loaded.actions[1].date == date(2022, 9, 29)
    assert loaded.sponsorships[0].legislator.district_ocd_id.endswith("sldl:16")
    assert loaded.session.identifier == "20232024"
    assert loaded.subjects[0].subject == "Mental health"
    assert loaded.source_links[0].source == "openstates"
    person = db.scalars(select(Legislator)).one()
    assert person.offices[0]["address"] == "1021 O Street"
    assert person.memberships[0].committee.name == "Health"


def test_deleting_a_bill_removes_its_children(db):
    session = LegislativeSession(jurisdiction_id="us", identifier="118", name="118th Congress")
    db.add(
        Bill(
            id="us-118-hr7",
            jurisdiction_id="us",
            session=session,
            identifier="HR 7",
            actions=[BillAction(date=date(2023, 1, 9), description="Introduced")],
        )
    )
    db.commit()
    db.delete(db.get(Bill, "us-118-hr7"))
    db.commit()
    assert db.scalars(select(BillAction)).all() == []
