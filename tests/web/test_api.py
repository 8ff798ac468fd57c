"""JSON API: token auth, pagination, organization isolation, rate limits, OpenAPI."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select

from tests.conftest import csrf_token, sign_in
from tests.web.conftest import PASSWORD, SECRETS, WATCHED


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_api_needs_a_valid_unrevoked_token(app: Flask, db, world) -> None:  # noqa: ANN001
    from web.models import ApiToken

    client = app.test_client()
    missing = client.get("/api/v1/bills")
    assert missing.status_code == 401 and missing.is_json
    assert client.get("/api/v1/bills", headers=_h("mhpt_nope")).status_code == 401
    token = world["alpha"]["token"]
    assert client.get("/api/v1/bills", headers=_h(token)).status_code == 200
    row = db.get(ApiToken, world["alpha"]["api_token_id"])
    assert row.last_used_at is not None
    row.user.active = False
    db.commit()
    assert client.get("/api/v1/bills", headers=_h(token)).status_code == 401


def test_token_made_on_the_account_page_works_once_shown_and_revoked(app: Flask, db, world) -> None:  # noqa: ANN001
    client = app.test_client()
    sign_in(client, world["users"][("beta", "viewer")].email, PASSWORD)
    html = client.post(
        "/account/tokens",
        data={"name": "sheet", "csrf_token": csrf_token(client, "/account/tokens")},
    ).get_data(as_text=True)
    token = re.search(r'<code id="new-token">(mhpt_[^<]+)</code>', html).group(1)
    assert client.get("/account/tokens").get_data(as_text=True).count(token) == 0  # shown once
    api = app.test_client()
    assert api.get("/api/v1/watchlists", headers=_h(token)).status_code == 200
    from web.models import ApiToken

    stored = db.scalars(select(ApiToken).where(ApiToken.name == "sheet")).one()
    assert token not in (stored.token_hash, stored.prefix)
    client.post(
        f"/account/tokens/{stored.id}/revoke",
        data={"csrf_token": csrf_token(client, "/account/tokens")},
    )
    assert api.get("/api/v1/watchlists", headers=_h(token)).status_code == 401


def test_bills_are_paged_with_links_that_walk_every_result(app: Flask, world: dict) -> None:
    client = app.test_client()
    headers = _h(world["alpha"]["token"])
    seen: list[str] = []
    url = "/api/v1/bills?jurisdiction=us&per_page=4"
    pages = 0
    while url:
        body = client.get(url, headers=headers).get_json()
        seen += [b["id"] for b in body["data"]]
        assert body["meta"]["total"] == 15 and body["meta"]["pages"] == 4
        url = body["links"]["next"]
        url = url.replace("http://localhost", "") if url else None
        pages += 1
    assert pages == 4 and len(seen) == 15 == len(set(seen))
    two = client.get("/api/v1/bills?jurisdiction=ca&jurisdiction=co&per_page=2", headers=headers)
    next_url = two.get_json()["links"]["next"]
    assert "jurisdiction=ca" in next_url and "jurisdiction=co" in next_url
    bad = client.get("/api/v1/bills?per_page=1000", headers=headers)
    assert bad.status_code == 400 and "per_page" in bad.get_json()["message"]


def test_search_ranks_and_requires_words(app: Flask, world: dict) -> None:
    client = app.test_client()
    headers = _h(world["alpha"]["token"])
    body = client.get("/api/v1/search?q=988", headers=headers).get_json()
    assert body["meta"]["total"] == 6
    ranks = [b["rank"] for b in body["data"]]
    assert ranks == sorted(ranks, reverse=True)
    assert client.get("/api/v1/search", headers=headers).status_code == 400


def test_bill_detail_shows_only_our_watchlist_entries(app: Flask, world: dict) -> None:
    client = app.test_client()
    alpha = client.get(f"/api/v1/bills/{WATCHED}", headers=_h(world["alpha"]["token"])).get_json()
    beta = client.get(f"/api/v1/bills/{WATCHED}", headers=_h(world["beta"]["token"])).get_json()
    assert [e["notes"] for e in alpha["watchlist_entries"]] == [SECRETS["alpha"][1]]
    assert [e["notes"] for e in beta["watchlist_entries"]] == [SECRETS["beta"][1]]
    assert alpha["identifier"] == "HR 498" and alpha["actions"]
    missing = client.get("/api/v1/bills/us-1-hr0", headers=_h(world["alpha"]["token"]))
    assert missing.status_code == 404 and missing.is_json


def test_watchlists_of_another_organization_are_invisible(app: Flask, world: dict) -> None:
    client = app.test_client()
    beta = _h(world["beta"]["token"])
    names = [w["name"] for w in client.get("/api/v1/watchlists", headers=beta).get_json()["data"]]
    assert names == [SECRETS["beta"][0]]
    assert (
        client.get(f"/api/v1/watchlists/{world['alpha']['watchlist']}", headers=beta).status_code
        == 404
    )
    own = client.get(f"/api/v1/watchlists/{world['beta']['watchlist']}", headers=beta).get_json()
    assert own["data"][0]["bill"]["id"] == WATCHED
    for path in (
        "/api/v1/bills?watchlist=any",
        f"/api/v1/bills?watchlist={world['alpha']['watchlist']}",
    ):
        ids = [b["id"] for b in client.get(path, headers=beta).get_json()["data"]]
        assert ids == ([WATCHED] if path.endswith("any") else [])


def test_legislators_list_and_detail(app: Flask, world: dict) -> None:
    client = app.test_client()
    headers = _h(world["alpha"]["token"])
    listing = client.get("/api/v1/legislators?name=cantwell", headers=headers).get_json()
    assert listing["data"][0]["name"] == "Maria Cantwell"
    detail = client.get(f"/api/v1/legislators/{world['legislator']}", headers=headers).get_json()
    assert WATCHED in detail["sponsored_bills"]


def test_api_is_rate_limited_per_token(app: Flask, world: dict) -> None:
    from web import api

    client = app.test_client()
    limit = int(api.RATE.split()[0])
    headers = _h(world["alpha"]["token"])
    codes = [
        client.get("/api/v1/watchlists", headers=headers).status_code for _ in range(limit + 1)
    ]
    assert codes[:limit] == [200] * limit and codes[-1] == 429
    # Another token has its own budget.
    assert client.get("/api/v1/watchlists", headers=_h(world["beta"]["token"])).status_code == 200


def test_openapi_document_describes_every_api_route(app: Flask) -> None:
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    documented = {re.sub(r"\{(\w+)\}", r"<\1>", p) for p in doc["paths"]}
    routes = {
        rule.rule.removeprefix("/api/v1").replace("<path:", "<").replace("<int:", "<")
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        and rule.endpoint not in ("api.openapi", "api.index", "api.index_bare")
    }
    assert routes == documented
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_api_index_lists_every_documented_resource_without_a_token(app: Flask) -> None:
    client = app.test_client()
    doc = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1", "/api/v1/"):
        index = client.get(path)
        assert index.status_code == 200 and index.is_json
        body = index.get_json()
        assert {r["path"] for r in body["resources"]} == set(doc["paths"])
        assert body["docs"].endswith("/api/docs") and body["openapi"].endswith("/openapi.json")


def test_api_docs_page_renders_every_operation_and_parameter(app: Flask) -> None:
    page = app.test_client().get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    for path, ops in doc["paths"].items():
        assert f"<code>{path}</code>" in html
        for op in ops.values():
            for p in op.get("parameters", []):
                assert f"<code>{p['name']}</code>" in html


def test_unknown_query_parameter_is_a_400_naming_the_allowed_ones(app: Flask, world: dict) -> None:
    client = app.test_client()
    h = _h(world["alpha"]["token"])
    r = client.get("/api/v1/bills?jurisdicton=ca", headers=h)
    assert r.status_code == 400 and r.is_json
    message = str(r.get_json())
    assert "jurisdicton" in message and "jurisdiction" in message and "per_page" in message
    one = client.get(f"/api/v1/bills/{WATCHED}?page=2", headers=h)
    assert one.status_code == 400 and "no query parameters" in str(one.get_json())
    assert client.get("/api/v1/bills?jurisdiction=ca", headers=h).status_code == 200


def test_limit_is_honoured_like_per_page(app: Flask, world: dict) -> None:
    client = app.test_client()
    h = _h(world["alpha"]["token"])
    body = client.get("/api/v1/bills?limit=3", headers=h).get_json()
    assert len(body["data"]) == 3 and body["meta"]["per_page"] == 3
    assert "limit=" not in (body["links"]["next"] or "")
    assert len(client.get("/api/v1/watchlists?limit=1", headers=h).get_json()["data"]) <= 1
    assert client.get("/api/v1/bills?limit=0", headers=h).status_code == 400


def test_tokens_page_links_the_api_reference(app: Flask, world: dict) -> None:
    client = app.test_client()
    sign_in(client, world["users"][("alpha", "viewer")].email, PASSWORD)
    html = client.get("/account/tokens").get_data(as_text=True)
    assert 'href="/api/docs"' in html and 'href="/api/v1/openapi.json"' in html
