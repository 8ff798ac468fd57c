"""Topic corrections: per organization, shown with who made them, overriding the tagger
in search, saved-search alerts, the brief, exports and the API; and the review queue."""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask import Flask
from sqlalchemy import select

from tests.conftest import sign_in
from tests.web.conftest import PASSWORD, WATCHED


def _tag(db, demo_bills) -> None:  # noqa: ANN001
    from tracker.tagging_service import score_bills, tag_bills

    tag_bills(db, list(demo_bills))
    score_bills(db, list(demo_bills))


def _ids(html: str) -> set[str]:
    return set(re.findall(r'<h2 class="bill-title"><a href="/bills/([^"]+)"', html))


def _csrf(client) -> str:  # noqa: ANN001
    html = client.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _correct(client, bill_id: str, topic: str, verdict: str, note: str = ""):  # noqa: ANN001, ANN202
    form = "add" if verdict == "add" else "tag"
    return client.post(
        f"/bills/{bill_id}/corrections",
        data={
            "csrf_token": _csrf(client),
            "form": form,
            f"{form}-topic": topic,
            f"{form}-verdict": verdict,
            f"{form}-note": note,
        },
    )


def test_a_correction_overrides_the_tagger_for_its_organization_only(
    app: Flask,
    db,
    world,
    demo_bills,  # noqa: ANN001
) -> None:
    from outreach.briefs.data import build_brief
    from scrapers.exports import bill_rows
    from tracker.alerts import match_saved_searches
    from tracker.models import Bill, Organization
    from tracker.tagging_queries import bill_ids_for_topic
    from web.models import SavedSearch

    _tag(db, demo_bills)
    tagged = bill_ids_for_topic(db, "workforce")
    rejected = tagged[0]  # the tagger says workforce; Alpha says no
    assert WATCHED not in tagged  # a crisis bill; Alpha says it is workforce too
    alpha = world["users"][("alpha", "advocate")]
    beta_viewer = world["users"][("beta", "viewer")]
    client = app.test_client()
    sign_in(client, alpha.email, PASSWORD)
    assert _correct(client, rejected, "workforce", "reject", "about nurses").status_code == 302
    assert _correct(client, WATCHED, "workforce", "add", "988 call-center staff").status_code == 302

    # Search and the watchlist filter
    mine = _ids(client.get("/bills?topic=workforce&per_page=100").get_data(as_text=True))
    assert WATCHED in mine and rejected not in mine
    listed = _ids(client.get("/bills?topic=workforce&watchlist=any").get_data(as_text=True))
    assert listed == {WATCHED}
    other = app.test_client()
    sign_in(other, beta_viewer.email, PASSWORD)
    theirs = _ids(other.get("/bills?topic=workforce&per_page=100").get_data(as_text=True))
    assert rejected in theirs and WATCHED not in theirs
    assert theirs == set(tagged)

    # The bill page shows who made the correction, to Alpha only
    page = client.get(f"/bills/{WATCHED}").get_data(as_text=True)
    assert "added by advocate@alpha.example.org" in page and "988 call-center staff" in page
    assert "advocate@alpha.example.org" not in other.get(f"/bills/{WATCHED}").get_data(as_text=True)

    # Saved-search alerts: new bills matching "topic=workforce", per organization
    past = db.get(Bill, WATCHED).created_at - timedelta(seconds=1)
    for key in ("alpha", "beta"):
        org_id = world["users"][(key, "admin")].organization_id
        db.add(
            SavedSearch(organization_id=org_id, name="wf", query="topic=workforce", checked_at=past)
        )
    db.commit()
    events = match_saved_searches(db)
    db.commit()
    alpha_org, beta_org = alpha.organization_id, beta_viewer.organization_id
    by_org = {
        o: {e.bill_id for e in events if e.organization_id == o and e.kind == "search"}
        for o in (alpha_org, beta_org)
    }
    assert WATCHED in by_org[alpha_org] and rejected not in by_org[alpha_org]
    assert rejected in by_org[beta_org] and WATCHED not in by_org[beta_org]

    # The brief's workforce table
    def brief_ids(org_id: int) -> set[str]:
        brief = build_brief(
            db,
            db.get(Organization, org_id),
            date(2026, 1, 5),
            date(2026, 12, 27),
            topics=["workforce"],
        )
        return {r.bill_id for t in brief.topics if t.key == "workforce" for r in t.rows}

    assert WATCHED in brief_ids(alpha_org) and rejected not in brief_ids(alpha_org)
    assert rejected in brief_ids(beta_org) and WATCHED not in brief_ids(beta_org)

    # Exports
    rows = {r["id"]: r["topics"] for r in bill_rows(db, org_id=alpha_org)}
    assert "workforce" in rows[WATCHED] and "workforce" not in rows[rejected]
    assert "workforce" in {r["id"]: r["topics"] for r in bill_rows(db)}[rejected]

    # The API, per token's organization
    api = app.test_client()

    def api_topics(org: str, bill_id: str) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {world[org]['token']}"}
        body = api.get(f"/api/v1/bills/{bill_id}", headers=headers).get_json()
        return {t["key"]: t["correction"] for t in body["topics"]}

    assert api_topics("alpha", WATCHED)["workforce"] == "added by advocate@alpha.example.org"
    assert "workforce" not in api_topics("alpha", rejected)
    assert "workforce" not in api_topics("beta", WATCHED)
    assert api_topics("beta", rejected)["workforce"] == ""

    # `tracker bills export --org SLUG`
    import json

    from click.testing import CliRunner

    from app.cli import cli

    slug = db.get(Organization, alpha_org).slug
    out = CliRunner().invoke(cli, ["bills", "export", "--org", slug], catch_exceptions=False)
    exported = {r["id"]: r["topics"] for r in map(json.loads, out.output.splitlines())}
    assert "workforce" in exported[WATCHED] and "workforce" not in exported[rejected]
    bad = CliRunner().invoke(cli, ["bills", "export", "--org", "no-such-org"])
    assert bad.exit_code != 0 and "no organization" in bad.output


def test_adding_a_topic_implies_its_parent_and_undo_removes_both(db, world, demo_bills) -> None:  # noqa: ANN001
    from tracker.corrections import record_correction, undo_correction
    from tracker.models.tagging import TopicCorrection
    from tracker.tagging_queries import effective_topics_for

    org = world["users"][("alpha", "advocate")].organization_id
    bill = "ca-20252026-ab308"
    before = effective_topics_for(db, [bill], org)[bill]
    assert "workforce" not in before and "mental_health" not in before  # untagged
    row = record_correction(db, org, None, bill, "loan_repayment", "confirm", "")
    assert row.verdict == "add"  # the tagger never gave it
    seen = effective_topics_for(db, [bill], org)[bill]
    assert {"loan_repayment", "workforce", "mental_health"} <= set(seen)
    assert effective_topics_for(db, [bill], None)[bill] == before
    implied = db.scalars(
        select(TopicCorrection.topic).where(TopicCorrection.implied_by == "loan_repayment")
    )
    assert set(implied) == {"workforce", "mental_health"}
    undo_correction(db, org, row.id)
    assert effective_topics_for(db, [bill], org)[bill] == before


def test_the_review_queue_puts_the_least_sure_first_and_drops_judged_bills(
    db, world, demo_bills
) -> None:  # noqa: ANN001
    from tracker.corrections import record_correction, review_queue
    from tracker.models.tagging import BillTopic, SecondOpinion

    org = world["users"][("alpha", "advocate")].organization_id
    bills = sorted(demo_bills)[:5]
    # The tagger only just assigned workforce to bills[0] (0.51) and bills[1] (0.54);
    # it is sure about bills[2] (0.9). The classifier says yes (0.97) where the rules
    # said no (bills[3]) and no (0.2) where they said yes (bills[2]).
    for bill_id, score in ((bills[0], 0.51), (bills[1], 0.54), (bills[2], 0.9)):
        db.add(BillTopic(bill_id=bill_id, topic="workforce", score=score, taxonomy_version="t"))
    db.add(
        SecondOpinion(
            organization_id=org,
            bill_id=bills[3],
            topic="workforce",
            probability=0.97,
            rules_say=False,
            reasons=[{"feature": "peer specialist", "weight": 1.2}],
            model_version="m",
        )
    )
    db.add(
        SecondOpinion(
            organization_id=org,
            bill_id=bills[2],
            topic="workforce",
            probability=0.2,
            rules_say=True,
            reasons=[{"feature": "nurse", "weight": -0.8}],
            model_version="m",
        )
    )
    db.commit()
    items, total = review_queue(db, org, ["workforce"])
    assert [(i.bill.id, i.why) for i in items] == [
        (bills[3], "classifier says yes"),
        (bills[2], "classifier says no"),
        (bills[0], "near threshold"),
        (bills[1], "near threshold"),
    ]
    assert total == 4
    assert items[0].reasons[0]["feature"] == "peer specialist"
    record_correction(db, org, None, bills[3], "workforce", "add")
    items, total = review_queue(db, org, ["workforce"])
    assert bills[3] not in [i.bill.id for i in items] and total == 3
    # Another organization's queue has no classifier rows of Alpha's
    beta = world["users"][("beta", "advocate")].organization_id
    assert [i.bill.id for i in review_queue(db, beta, ["workforce"])[0]] == [bills[0], bills[1]]


def test_review_page_lists_the_queue_and_a_verdict_returns_to_it(
    app: Flask, db, world, demo_bills
) -> None:  # noqa: ANN001
    from tracker.models.tagging import BillTopic

    bill = sorted(demo_bills)[0]
    db.add(BillTopic(bill_id=bill, topic="crisis", score=0.51, taxonomy_version="t"))
    db.commit()
    client = app.test_client()
    sign_in(client, world["users"][("alpha", "advocate")].email, PASSWORD)
    html = client.get("/review?topic=crisis").get_data(as_text=True)
    assert f'href="/bills/{bill}"' in html and "near threshold" in html
    response = client.post(
        f"/bills/{bill}/corrections",
        data={
            "csrf_token": _csrf(client),
            "form": "tag",
            "tag-topic": "crisis",
            "tag-verdict": "reject",
            "tag-next": "/review?topic=crisis",
        },
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/review?topic=crisis"
    )
    assert f'href="/bills/{bill}"' not in client.get("/review?topic=crisis").get_data(as_text=True)
    # Outside targets are refused; bad input is reported, nothing stored
    bad = client.post(
        f"/bills/{bill}/corrections",
        data={
            "csrf_token": _csrf(client),
            "form": "tag",
            "tag-topic": "crisis",
            "tag-verdict": "maybe",
            "tag-next": "https://evil.example",
        },
    )
    assert bad.status_code == 302 and "evil" not in bad.headers["Location"]
    assert "verdict must be one of" in client.get(bad.headers["Location"]).get_data(as_text=True)
