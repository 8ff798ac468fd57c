"""Letters read well: no doubled periods, no empty paragraphs, the campaign's subject."""

from __future__ import annotations

import json

from sqlalchemy import select

from outreach import campaigns, letters, templates
from outreach.compose import tidy
from outreach.geocode import manual_divisions
from outreach.letters import Submission
from tests.conftest import FIXTURES
from tests.outreach.conftest import FREMONT
from tracker.ingest import ingest
from tracker.models import Bill


def test_tidy_drops_a_doubled_period_but_keeps_an_ellipsis():
    assert tidy("support AB 308, Mobile crisis teams or units: procedures..") == (
        "support AB 308, Mobile crisis teams or units: procedures.\n"
    )
    assert tidy("Wait... what?.") == "Wait... what?\n"
    assert tidy("One.\n\n\n  \n\nTwo.\n\n\n") == "One.\n\nTwo.\n"


def test_ab_308_letter_with_nothing_added_reads_well(db, org, people):
    from scrapers.bills_file import bill_from_mapping

    line = (FIXTURES / "demo_bills" / "ca-ab308.jsonl").read_text()
    ingest(db, [bill_from_mapping(json.loads(line))])
    bill = db.scalars(select(Bill)).one()
    assert bill.title.endswith(".")  # the real title: "...: procedures."
    starter = templates.starter_templates()["support-988-funding"]
    template = campaigns.create_template(db, org.id, "988 letter", starter)
    campaign = campaigns.create_campaign(
        db,
        org.id,
        "Mobile crisis teams",
        template,
        slug="ca-mobile-crisis",
        bill_id=bill.id,
        subject="Please support {{ bill.identifier }}: mobile crisis teams",
    )
    person = Submission(name="Jordan Rivera", email="j@example.net", address="", consent_send=True)
    constituent = letters.submit(db, campaign, person, manual_divisions(**FREMONT))
    for letter in constituent.letters:
        assert ".." not in letter.body and "\n\n\n" not in letter.body
        assert "procedures. When" not in letter.body and "procedures.\n" in letter.body
        assert letter.subject == "Please support AB 308: mobile crisis teams"
        paragraphs = letter.body.split("\n\n")
        assert all(p.strip() for p in paragraphs)


def test_campaign_without_its_own_subject_uses_the_templates(db, campaign, people):
    person = Submission(name="Jordan Rivera", email="j@example.net", address="", consent_send=True)
    constituent = letters.submit(db, campaign, person, manual_divisions(**FREMONT))
    assert constituent.letters[0].subject.startswith("Fund the 988 Suicide & Crisis Lifeline")


def test_every_starter_reads_well_without_a_city(db, org, people):
    """Districts picked by hand give no city: no "constituent in ," and no ", CA" line."""
    from scrapers.bills_file import bill_from_mapping

    line = (FIXTURES / "demo_bills" / "ca-ab308.jsonl").read_text()
    ingest(db, [bill_from_mapping(json.loads(line))])
    bill = db.scalars(select(Bill)).one()
    for key, starter in templates.starter_templates().items():
        template = campaigns.create_template(db, org.id, key, starter)
        campaign = campaigns.create_campaign(
            db, org.id, key, template, slug=f"no-city-{key}", bill_id=bill.id
        )
        person = Submission(
            name="Jordan Rivera", email=f"{key}@example.net", address="", consent_send=True
        )
        constituent = letters.submit(
            db, campaign, person, manual_divisions(**{**FREMONT, "city": ""})
        )
        assert constituent.city == "" and constituent.letters, key
        for letter in constituent.letters:
            body = letter.body
            assert " in ," not in body and " in and " not in body and " in  " not in body, key
            assert "\n, " not in body, key
            assert "Jordan Rivera\nCA\n" in body, (key, body)
