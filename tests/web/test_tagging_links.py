"""Topics, evidence and scores from the tagging area on search, bill page and dashboard
(the demo bills tagged and scored by the real tagger)."""

from __future__ import annotations

import re

from flask import Flask

from tests.conftest import sign_in
from tests.web.conftest import PASSWORD, WATCHED


def _tag_everything(db, demo_bills) -> None:  # noqa: ANN001
    from tracker.tagging_service import score_bills, tag_bills

    tag_bills(db, list(demo_bills))
    score_bills(db, list(demo_bills))


def _ids(html: str) -> list[str]:
    return re.findall(r'<h2 class="bill-title"><a href="/bills/([^"]+)"', html)


def test_topic_and_score_filters_use_the_tagging_tables(app: Flask, db, world, demo_bills) -> None:  # noqa: ANN001
    from tracker.tagging_queries import bill_ids_for_topic, scores_for

    _tag_everything(db, demo_bills)
    client = app.test_client()
    sign_in(client, world["users"][("alpha", "viewer")].email, PASSWORD)
    crisis = set(_ids(client.get("/bills?topic=crisis&per_page=100").get_data(as_text=True)))
    assert crisis == set(bill_ids_for_topic(db, "crisis"))
    assert "wa-202122-hb1477" in crisis
    html = client.get("/bills?q=988&topic=crisis").get_data(as_text=True)
    assert 'class="tag"' in html
    scored = _ids(client.get("/bills?sort=score&per_page=100").get_data(as_text=True))
    scores = scores_for(db, scored)
    relevance = [scores[b].relevance for b in scored if b in scores]
    assert relevance == sorted(relevance, reverse=True)
    high = _ids(client.get("/bills?score_min=60&per_page=100").get_data(as_text=True))
    assert high and all(scores_for(db, [b])[b].relevance >= 60 for b in high)


def test_bill_page_highlights_evidence_and_dashboard_groups_by_core_topic(
    app: Flask,
    db,
    world,
    demo_bills,  # noqa: ANN001
) -> None:
    from tracker.tagging_queries import tags_for

    _tag_everything(db, demo_bills)
    tags = tags_for(db, WATCHED)
    assert tags, "the tagger should find a topic in HR 498 (suicide prevention lifeline)"
    client = app.test_client()
    sign_in(client, world["users"][("alpha", "viewer")].email, PASSWORD)
    page = client.get(f"/bills/{WATCHED}").get_data(as_text=True)
    assert 'id="topics-h"' in page and "<mark>" in page
    assert 'id="scores-h"' in page and "Passage likelihood" in page
    dashboard = client.get("/").get_data(as_text=True)
    grid = dashboard[dashboard.index('id="grid-h"') : dashboard.index('id="changes-h"')]
    assert "crisis" in {t.topic for t in tags}
    # HR 498 (in committee) counts in the crisis row; umbrella topics get no row.
    row = re.search(
        r"<tr><th scope=\"row\">(?:<a [^>]+>)?Crisis care &amp; 988(?:</a>)?</th>(.*?)</tr>", grid
    )
    assert row and ">1</a>" in row.group(1)
    assert "Mental health &amp; substance use" not in grid
