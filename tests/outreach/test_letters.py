from __future__ import annotations

import pytest
from sqlalchemy import select

from outreach import campaigns, constituents, letters
from outreach.geocode import manual_divisions
from outreach.letters import Submission
from outreach.models import Campaign, Constituent, Letter
from outreach.targeting import targets
from tests.outreach.conftest import FREMONT
from tracker.errors import InvalidInput, NotFound
from tracker.models import Committee


def _submission(**changes) -> Submission:
    values = dict(
        name="Jordan Rivera",
        email="jordan@example.net",
        address="39510 Paseo Padre Pkwy, Fremont, CA",
        message="Crisis teams saved my friend's life.",
        story="When my friend was in crisis, a mobile team came in 20 minutes.",
        consent_send=True,
        consent_quote=True,
    )
    values.update(changes)
    return Submission(**values)


def test_state_campaign_targets_the_constituents_state_legislators(db, campaign, people):
    chosen = targets(db, campaign, manual_divisions(**FREMONT).division_ids, "ca")
    assert [leg.name for leg in chosen] == ["Alex Lee", "Aisha Wahab"]


def test_federal_campaign_targets_senators_and_committee_and_chamber_filters(db, campaign, people):
    divisions = manual_divisions(**FREMONT).division_ids
    campaign.target_level = "federal"
    assert [leg.name for leg in targets(db, campaign, divisions, "ca")] == ["Adam Schiff"]
    campaign.target_level = "state"
    campaign.target_chambers = ["upper"]
    assert [leg.name for leg in targets(db, campaign, divisions, "ca")] == ["Aisha Wahab"]
    health = db.scalars(select(Committee).where(Committee.name == "Health")).one()
    campaign.target_committee_id = health.id
    campaign.target_chambers = []
    # Wahab is not on Senate Health; Weber Pierson (SD 39) chairs it.
    assert targets(db, campaign, divisions, "ca") == []
    san_diego = manual_divisions("CA", upper_district="39").division_ids
    assert [leg.name for leg in targets(db, campaign, san_diego, "ca")] == ["Akilah Weber Pierson"]


def test_sponsor_targeting_uses_the_bills_sponsorships(db, campaign, people, bill):
    from tracker.models import Sponsorship

    db.add(Sponsorship(bill_id=bill.id, name="Alex Lee", legislator_id=people["Alex Lee"]))
    db.commit()
    divisions = manual_divisions(**FREMONT).division_ids
    campaign.target_sponsors = "only"
    assert [leg.name for leg in targets(db, campaign, divisions, "ca")] == ["Alex Lee"]
    campaign.target_sponsors = "exclude"
    assert [leg.name for leg in targets(db, campaign, divisions, "ca")] == ["Aisha Wahab"]


def test_submit_writes_one_draft_letter_per_legislator_with_template_version(db, campaign, people):
    constituent = letters.submit(db, campaign, _submission(), manual_divisions(**FREMONT))
    rows = db.scalars(select(Letter).order_by(Letter.id)).all()
    assert [(r.legislator.name, r.state, r.delivery) for r in rows] == [
        ("Alex Lee", "draft", "email"),
        ("Aisha Wahab", "draft", "email"),
    ]
    assert rows[0].recipient == "assemblymember.lee@assembly.ca.gov"
    assert rows[1].body.startswith("Dear Senator Wahab,")
    assert "AB 1331" in rows[1].subject and "Crisis teams saved" in rows[1].body
    assert {r.template_version_id for r in rows} == {campaign.template.current.id}
    assert len({r.idempotency_key for r in rows}) == 2
    assert constituent.confirmed_at is None


def test_new_template_version_is_used_by_later_letters_only(db, campaign, people):
    first = letters.submit(db, campaign, _submission(), manual_divisions(**FREMONT))
    v2 = campaigns.save_version(
        db,
        campaign.template,
        "Version two {{ bill.identifier }}",
        "{{ legislator.salutation }}, v2 from {{ constituent.name }}",
    )
    assert v2.number == 2
    second = letters.submit(
        db, campaign, _submission(email="b@example.net"), manual_divisions(**FREMONT)
    )
    assert {x.template_version.number for x in first.letters} == {1}
    assert {x.template_version.number for x in second.letters} == {2}
    assert second.letters[0].subject == "Version two AB 1331"


def test_confirm_queues_letters_once(db, campaign, people):
    constituent = letters.submit(db, campaign, _submission(), manual_divisions(**FREMONT))
    ids = letters.confirm(db, constituent)
    assert len(ids) == 2
    assert {x.state for x in constituent.letters} == {"queued"}
    assert all(x.confirmed_at and x.queued_at for x in constituent.letters)
    assert letters.confirm(db, constituent) == []


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"consent_send": False}, "send this letter on my behalf"),
        ({"email": "not-an-email"}, "valid email"),
        ({"name": "  "}, "name is required"),
        ({"story": "x" * 5001}, "story is too long"),
        ({"message": "x" * 5001}, "message is too long"),
    ],
)
def test_bad_submissions_are_refused_and_store_nothing(db, campaign, people, changes, message):
    with pytest.raises(InvalidInput, match=message):
        letters.submit(db, campaign, _submission(**changes), manual_divisions(**FREMONT))
    assert db.scalars(select(Constituent)).all() == []


def test_no_targets_is_a_clear_error(db, campaign, people):
    with pytest.raises(InvalidInput, match="no letters for your districts"):
        letters.submit(db, campaign, _submission(), manual_divisions("CA", "7", "99", "99"))


def test_signed_links_and_data_deletion(db, settings, campaign, people):
    constituent = letters.submit(db, campaign, _submission(), manual_divisions(**FREMONT))
    token = constituents.link_token(settings.secret_key, constituent, "data")
    assert (
        constituents.constituent_from_token(db, settings.secret_key, token, "data") is constituent
    )
    with pytest.raises(NotFound):
        constituents.constituent_from_token(db, settings.secret_key, token, "confirm")
    exported = constituents.export_data(constituent)
    assert exported["email"] == "jordan@example.net" and len(exported["letters"]) == 2
    assert constituents.delete_data(db, constituent) == 2
    db.expire_all()
    assert db.scalars(select(Letter)).all() == [] and db.scalars(select(Constituent)).all() == []
    with pytest.raises(NotFound):
        constituents.constituent_from_token(db, settings.secret_key, token, "data")


def test_results_count_per_office_and_district_and_quotable_stories_only(db, campaign, people, org):
    c1 = letters.submit(db, campaign, _submission(), manual_divisions(**FREMONT))
    letters.confirm(db, c1)
    letters.submit(
        db,
        campaign,
        _submission(email="b@example.net", story="private", consent_quote=False),
        manual_divisions(**FREMONT),
    )
    res = campaigns.campaign_results(db, org.id, campaign.id)
    assert res["constituents"] == 2
    assert {o["legislator"].name: o["total"] for o in res["per_office"]} == {
        "Alex Lee": 2,
        "Aisha Wahab": 2,
    }
    assert dict(res["per_district"]) == {"CA Assembly 24": 2, "CA Senate 10": 2}
    assert [s.email for s in res["stories"]] == ["jordan@example.net"]
    with pytest.raises(NotFound):
        campaigns.campaign_results(db, org.id + 1, campaign.id)
    assert isinstance(res["campaign"], Campaign)
