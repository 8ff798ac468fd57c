"""Sync, import, replay, reparse and quarantine against a real database.

The network edge is mocked with `responses` (bodies are the real recorded payloads;
list envelopes that no fixture holds are built in code from the real bill objects).
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from click.testing import CliRunner
from lxml import etree
from sqlalchemy import func, select

from app.cli import cli
from scrapers import govinfo
from scrapers.congress_gov import BASE as CG_BASE
from scrapers.http import LiveTransport, make_retry
from scrapers.legiscan import BASE as LS_BASE
from scrapers.openstates import BASE as OS_BASE
from scrapers.sync import import_paths, reparse, run_sync
from tests.scrapers.conftest import FIXTURES
from tracker.db import session_scope
from tracker.models import Bill, Legislator, SourceLink
from tracker.models.collection import QuarantinedPayload, RawResponse, SyncCursor, SyncRun

AK_BILLS = [
    json.loads((FIXTURES / f"legiscan/bill/{name}.json").read_text())["bill"]
    for name in ("HB1", "HB2", "HB3")
]


OS_NO_EVENTS = {"results": [], "pagination": {"per_page": 20, "page": 1, "max_page": 1}}


def _transport() -> LiveTransport:
    return LiveTransport(retry=make_retry(total=2, backoff_factor=0.01))


def _params(request) -> dict[str, list[str]]:  # noqa: ANN001
    return parse_qs(urlsplit(request.url).query)


class LegiScanApi:
    """Answers getMasterListRaw / getBill from real AK bill objects; counts requests."""

    def __init__(self, bills: list[dict]):
        self.bills = {str(b["bill_id"]): copy.deepcopy(b) for b in bills}
        self.ops: list[str] = []
        self.malformed: set[str] = set()

    def __call__(self, request):  # noqa: ANN001, ANN204
        params = _params(request)
        op = params["op"][0]
        self.ops.append(op)
        assert params["key"] == ["LSKEY"]
        if op == "getMasterListRaw":
            master = {"session": {"session_id": 122}}
            for i, bill in enumerate(self.bills.values()):
                master[str(i)] = {
                    "bill_id": bill["bill_id"],
                    "number": bill["bill_number"],
                    "change_hash": bill["change_hash"],
                }
            return 200, {}, json.dumps({"status": "OK", "masterlist": master})
        if op == "getSearchRaw":
            # Envelope built here (client-code shape); hits are bills whose real title
            # contains the query.
            query = params["query"][0].lower()
            hits = [
                {"relevance": 100, "bill_id": b["bill_id"], "change_hash": b["change_hash"]}
                for b in self.bills.values()
                if query in b["title"].lower()
            ]
            summary = {"page": "1 of 1", "count": len(hits)}
            return (
                200,
                {},
                json.dumps({"status": "OK", "searchresult": {"summary": summary, "results": hits}}),
            )
        if op == "getBill":
            bill_id = params["id"][0]
            if bill_id in self.malformed:
                return 200, {}, '{"status": "OK", "bill": {"bill_id": '
            return 200, {}, json.dumps({"status": "OK", "bill": self.bills[bill_id]})
        return 400, {}, "{}"

    def change(self, bill_id: int, title: str) -> None:
        bill = self.bills[str(bill_id)]
        bill["title"] = title
        bill["change_hash"] = "changed" + bill["change_hash"][7:]


@pytest.fixture
def legiscan_settings(settings):  # noqa: ANN001, ANN201
    return settings.with_(legiscan_api_key="LSKEY")


def test_legiscan_economy_one_master_list_plus_only_changed_bills(legiscan_settings):
    api = LegiScanApi(AK_BILLS)
    with responses.RequestsMock() as mock:
        mock.add_callback(responses.GET, LS_BASE, callback=api)
        first = run_sync(
            legiscan_settings, "legiscan", jurisdiction="ak", topics=[], transport=_transport()
        )
        assert api.ops == ["getMasterListRaw", "getBill", "getBill", "getBill"]
        assert (first.inserted, first.requests) == (3, 4)

        api.ops.clear()
        api.change(230085, "Divest Investments In Iran (amended)")  # HB 2
        second = run_sync(
            legiscan_settings, "legiscan", jurisdiction="ak", topics=[], transport=_transport()
        )
        assert api.ops == ["getMasterListRaw", "getBill"]
        assert (second.updated, second.unchanged, second.inserted) == (1, 2, 0)
        assert second.changed_bill_ids == {"ak-27thlegislature-hb2"}

        api.ops.clear()
        with session_scope(legiscan_settings) as session:
            archived = session.scalar(select(func.count()).select_from(RawResponse))
        third = run_sync(
            legiscan_settings, "legiscan", jurisdiction="ak", topics=[], transport=_transport()
        )
        assert api.ops == ["getMasterListRaw"]
        assert (third.unchanged, third.updated, third.changed_bill_ids) == (3, 0, set())
        with session_scope(legiscan_settings) as session:  # same master list: nothing new archived
            assert session.scalar(select(func.count()).select_from(RawResponse)) == archived


def test_legiscan_cap_stops_cleanly_and_next_run_resumes(legiscan_settings):
    api = LegiScanApi(AK_BILLS)
    capped = legiscan_settings.with_(legiscan_monthly_cap=2)
    with responses.RequestsMock() as mock:
        mock.add_callback(responses.GET, LS_BASE, callback=api)
        stopped = run_sync(capped, "legiscan", jurisdiction="ak", topics=[], transport=_transport())
        assert stopped.status == "stopped" and "cap 2" in stopped.message
        assert (stopped.inserted, stopped.requests, len(api.ops)) == (1, 2, 2)
        # The same month's usage counts against the cap: nothing more is sent.
        again = run_sync(capped, "legiscan", jurisdiction="ak", topics=[], transport=_transport())
        assert again.status == "stopped" and len(api.ops) == 2
        api.ops.clear()
        resumed = run_sync(
            legiscan_settings.with_(legiscan_monthly_cap=100),
            "legiscan",
            jurisdiction="ak",
            topics=[],
            transport=_transport(),
        )
    assert resumed.status == "ok"
    assert api.ops == ["getMasterListRaw", "getBill", "getBill"]
    assert resumed.inserted == 2
    with session_scope(legiscan_settings) as session:
        cursor = session.scalars(select(SyncCursor).where(SyncCursor.source == "legiscan")).one()
        assert cursor.resume is None and cursor.value


def test_malformed_bill_is_quarantined_and_sync_goes_on(legiscan_settings):
    api = LegiScanApi(AK_BILLS)
    api.malformed.add("230085")
    with responses.RequestsMock() as mock:
        mock.add_callback(responses.GET, LS_BASE, callback=api)
        summary = run_sync(
            legiscan_settings, "legiscan", jurisdiction="ak", topics=[], transport=_transport()
        )
    assert (summary.status, summary.inserted, summary.quarantined) == ("ok", 2, 1)
    with session_scope(legiscan_settings) as session:
        row = session.scalars(select(QuarantinedPayload)).one()
        assert row.source == "legiscan" and row.source_id == "230085"
        assert "malformed JSON" in row.error and "LSKEY" not in (row.url or "")
        assert row.payload_path and row.payload_sha256
    result = CliRunner().invoke(cli, ["quarantine", "list"])
    assert result.exit_code == 0, result.output
    assert (
        "legiscan" in result.output
        and "230085" in result.output
        and "malformed JSON" in result.output
    )


def test_archive_keeps_every_response_without_the_key_and_reparse_needs_no_network(
    legiscan_settings,
):
    api = LegiScanApi(AK_BILLS)
    with responses.RequestsMock() as mock:
        mock.add_callback(responses.GET, LS_BASE, callback=api)
        run_sync(
            legiscan_settings, "legiscan", jurisdiction="ak", topics=[], transport=_transport()
        )
    cache = Path(legiscan_settings.scraper_cache_dir)
    with session_scope(legiscan_settings) as session:
        rows = session.scalars(select(RawResponse)).all()
        assert len(rows) == 4 and all("LSKEY" not in r.url for r in rows)
        assert all((cache / r.path).exists() for r in rows)
        link = session.scalars(select(SourceLink).where(SourceLink.source == "legiscan")).first()
        assert link.payload_sha256 in {r.sha256 for r in rows}
        session.query(Bill).delete()
        session.commit()
    assert "LSKEY" not in (cache / "index.jsonl").read_text()
    # No responses mock is active and settings are offline: any network use would fail.
    [summary] = reparse(legiscan_settings, "legiscan")
    assert (summary.inserted, summary.requests, summary.quarantined) == (3, 0, 0)
    with session_scope(legiscan_settings) as session:
        assert session.scalar(select(func.count()).select_from(Bill)) == 3


def _congress_list(items: list[dict]) -> str:
    return json.dumps(
        {"bills": items, "pagination": {"count": len(items)}, "request": {"format": "json"}}
    )


def _list_item(detail: dict) -> dict:
    bill = detail["bill"]
    return {
        "congress": bill["congress"],
        "type": bill["type"],
        "number": bill["number"],
        "title": bill["title"],
        "updateDate": bill["updateDate"][:10],
        "updateDateIncludingText": bill.get("updateDateIncludingText") or bill["updateDate"],
        "latestAction": bill["latestAction"],
    }


def test_congress_gov_economy_from_datetime_and_only_changed_details(settings):
    loc = FIXTURES / "congress_gov/loc_api_sample_output"
    kenny = FIXTURES / "congress_gov/christopherkenny_congress_httptest"
    hr21 = json.loads((loc / "bill_117_hr_21.json").read_text())
    hr3076 = json.loads((kenny / "bill_117_hr_3076-f60c0f.json").read_text())
    items = [_list_item(hr21), _list_item(hr3076)]
    seen_params: list[dict] = []

    def listing(request):  # noqa: ANN001, ANN202
        seen_params.append(_params(request))
        assert request.headers["X-Api-Key"] == "CGKEY" and "CGKEY" not in request.url
        return 200, {}, _congress_list(items)

    files = {
        "/v3/bill/117/hr/21": loc / "bill_117_hr_21.json",
        "/v3/bill/117/hr/21/actions": loc / "bill_117_hr_21_actions.json",
        "/v3/bill/117/hr/21/cosponsors": loc / "bill_117_hr_21_cosponsors.json",
        "/v3/bill/117/hr/21/subjects": loc / "bill_117_hr_21_subjects.json",
        "/v3/bill/117/hr/21/summaries": loc / "bill_117_hr_21_summaries.json",
        "/v3/bill/117/hr/21/text": loc / "bill_117_hr_21_text.json",
        "/v3/bill/117/hr/3076": kenny / "bill_117_hr_3076-f60c0f.json",
        "/v3/bill/117/hr/3076/actions": kenny / "bill_117_hr_3076_actions-f60c0f.json",
        "/v3/bill/117/hr/3076/summaries": kenny / "bill_117_hr_3076_summaries-f60c0f.json",
        "/v3/bill/117/hr/3076/text": kenny / "bill_117_hr_3076_text-f60c0f.json",
    }
    detail_calls: list[str] = []

    def detail(request):  # noqa: ANN001, ANN202
        path = urlsplit(request.url).path
        detail_calls.append(path)
        if "offset" in _params(request):
            # Only page 1 of HR 3076's 74 actions was recorded: answer the follow-up
            # page (built here) as an empty last page.
            return 200, {}, json.dumps({"actions": [], "pagination": {"count": 74}})
        if path not in files:
            return 404, {}, '{"error": "not recorded"}'
        return 200, {}, files[path].read_text()

    cg = settings.with_(congress_gov_api_key="CGKEY")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.GET, f"{CG_BASE}/bill", callback=listing)
        for path in {p.rsplit("/", 1)[0] for p in files} | set(files):
            mock.add_callback(responses.GET, f"https://api.congress.gov{path}", callback=detail)
        for sub in ("cosponsors", "subjects"):
            mock.add_callback(responses.GET, f"{CG_BASE}/bill/117/hr/3076/{sub}", callback=detail)
        first = run_sync(cg, "congress-gov", topics=[], transport=_transport())
        assert first.inserted == 2 and first.requests == 1 + 2 * 6 + 1  # + actions page 2
        assert "fromDateTime" not in seen_params[0]

        detail_calls.clear()
        items[0]["updateDateIncludingText"] = "2022-04-01T00:00:00Z"  # HR 21 changed
        second = run_sync(cg, "congress-gov", topics=[], transport=_transport())
    assert second.requests == 1 + 6
    # HR 3076 was skipped unseen; HR 21 was re-fetched, only its change token moved.
    assert (second.unchanged, second.updated, second.changed_bill_ids) == (1, 1, set())
    assert all(p.startswith("/v3/bill/117/hr/21") for p in detail_calls)
    cursor_since = seen_params[1]["fromDateTime"][0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", cursor_since)
    with session_scope(cg) as session:
        bill = session.get(Bill, "us-117-hr3076")
        assert bill.status == "enacted" and [link.source for link in bill.source_links] == [
            "congress-gov"
        ]
        assert "CGKEY" not in json.dumps([r.url for r in session.scalars(select(RawResponse))])


def test_openstates_economy_updated_since_one_request_per_page(settings):
    page = json.loads((FIXTURES / "openstates/bills-ca-page1.constructed.json").read_text())
    seen: list[dict] = []

    def bills(request):  # noqa: ANN001, ANN202
        seen.append(_params(request))
        assert request.headers["X-API-KEY"] == "OSKEY"
        return 200, {}, json.dumps(page)

    events_seen: list[dict] = []

    def events(request):  # noqa: ANN001, ANN202
        events_seen.append(_params(request))
        return 200, {}, json.dumps({"results": [], "pagination": {"page": 1, "max_page": 1}})

    os_settings = settings.with_(openstates_api_key="OSKEY")
    with responses.RequestsMock() as mock:
        mock.add_callback(responses.GET, f"{OS_BASE}/bills", callback=bills)
        mock.add_callback(responses.GET, f"{OS_BASE}/events", callback=events)
        first = run_sync(
            os_settings, "openstates", jurisdiction="ca", topics=[], transport=_transport()
        )
        page["results"][1]["updated_at"] = "2025-06-01T00:00:00.000000+00:00"
        page["results"][1]["title"] = "Mental health: involuntary commitment (amended)"
        second = run_sync(
            os_settings, "openstates", jurisdiction="ca", topics=[], transport=_transport()
        )
    # One bills page and one events page per run.
    assert (first.inserted, first.requests) == (2, 2)
    assert (second.updated, second.unchanged, second.requests) == (1, 1, 2)
    assert "updated_since" not in seen[0] and "updated_since" in seen[1]
    assert set(seen[0]["include"]) == {
        "actions",
        "sponsorships",
        "versions",
        "abstracts",
        "sources",
        "votes",
    }
    assert set(events_seen[0]["include"]) == {"agenda", "participants"}
    assert "after" not in events_seen[0] and "after" in events_seen[1]


def test_openstates_archive_pages_reparse(settings):
    page = (FIXTURES / "openstates/bills-ca-page1.constructed.json").read_text()
    os_settings = settings.with_(openstates_api_key="OSKEY")
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, f"{OS_BASE}/bills", body=page)
        mock.add(responses.GET, f"{OS_BASE}/events", json=OS_NO_EVENTS)
        run_sync(os_settings, "openstates", jurisdiction="ca", topics=[], transport=_transport())
    with session_scope(os_settings) as session:
        session.query(Bill).delete()
        session.commit()
    [summary] = reparse(os_settings, "openstates")
    assert summary.inserted == 2


def _congress_payload_from_billstatus(xml: bytes) -> dict:
    """A Congress.gov /bill detail built in code from the same bill's BILLSTATUS v3 XML.

    No recorded Congress.gov response exists for a bill that also has a BILLSTATUS
    fixture; both describe the same LoC record, so the JSON is derived field by field.
    """
    bill = etree.fromstring(xml).find("bill")
    return {
        "bill": {
            "congress": int(bill.findtext("congress")),
            "type": bill.findtext("type"),
            "number": bill.findtext("number"),
            "title": bill.findtext("title"),
            "introducedDate": bill.findtext("introducedDate"),
            "updateDate": bill.findtext("updateDate"),
            "updateDateIncludingText": bill.findtext("updateDateIncludingText"),
            "latestAction": {
                "actionDate": bill.findtext("latestAction/actionDate"),
                "text": bill.findtext("latestAction/text"),
            },
            "sponsors": [
                {
                    "bioguideId": s.findtext("bioguideId"),
                    "fullName": s.findtext("fullName"),
                    "party": s.findtext("party"),
                }
                for s in bill.findall("sponsors/item")
            ],
        }
    }


def test_congress_gov_and_govinfo_merge_into_one_bill_with_both_source_links(settings, tmp_path):
    xml_path = FIXTURES / "govinfo/v3_current/BILLSTATUS-117s35.xml"
    constructed = tmp_path / "bill_117_s_35.constructed.json"
    constructed.write_text(json.dumps(_congress_payload_from_billstatus(xml_path.read_bytes())))
    first = import_paths(settings, "govinfo", [xml_path])
    second = import_paths(settings, "congress-gov", [constructed])
    assert (first.inserted, second.inserted, second.updated) == (1, 0, 1)
    with session_scope(settings) as session:
        assert session.scalar(select(func.count()).select_from(Bill)) == 1
        bill = session.get(Bill, "us-117-s35")
        assert sorted(link.source for link in bill.source_links) == ["congress-gov", "govinfo"]
        # Congress.gov outranks GovInfo for scalars; its payload had no actions, so the
        # full GovInfo action history is kept.
        assert len(bill.actions) == len(govinfo.parse_billstatus(xml_path.read_bytes()).actions)
        assert bill.title.startswith("Officer Eugene Goodman")


def test_reimport_is_a_noop_and_demo_statuses_are_derived(settings):
    path = FIXTURES / "demo/bills.jsonl"
    first = import_paths(settings, "bills-jsonl", [path])
    again = import_paths(settings, "bills-jsonl", [path])
    assert (first.inserted, first.quarantined) == (73, 0)
    assert (again.inserted, again.updated, again.unchanged, again.changed_bill_ids) == (
        0,
        0,
        73,
        set(),
    )
    with session_scope(settings) as session:
        statuses = {row.id: row.status for row in session.execute(select(Bill.id, Bill.status))}
    assert statuses["ca-20212022-ab1331"] == "vetoed"
    assert statuses["wa-202122-hb1477"] == "enacted"
    assert statuses["fl-2022-hb1143"] == "failed"
    assert statuses["us-117-hr7666"] == "passed_origin"


def test_import_cli_quarantines_bad_file_and_exits_nonzero(settings, tmp_path):
    bad = tmp_path / "BILLSTATUS-117s35.xml"
    content = (FIXTURES / "govinfo/v3_current/BILLSTATUS-117s35.xml").read_bytes()
    bad.write_bytes(content[:5000])
    good = FIXTURES / "govinfo/v3_current/BILLSTATUS-117hr6658.xml"
    result = CliRunner().invoke(cli, ["import", "--source", "govinfo", str(bad), str(good)])
    assert result.exit_code == 1
    assert "inserted 1" in result.output and "quarantined 1" in result.output
    listing = CliRunner().invoke(cli, ["quarantine", "list", "--json"])
    [item] = json.loads(listing.stdout)
    assert item["source"] == "govinfo" and "malformed BILLSTATUS XML" in item["error"]


def test_replay_directory_runs_a_full_govinfo_sync_and_quarantines_truncated_xml(
    settings, tmp_path
):
    v3 = FIXTURES / "govinfo/v3_current"
    replay = tmp_path / "replay"
    (replay / "files").mkdir(parents=True)
    good = (v3 / "BILLSTATUS-117s35.xml").read_bytes()
    (replay / "files/s35.xml").write_bytes(good)
    (replay / "files/s36.xml").write_bytes(good[: len(good) // 3])
    # The sitemap envelope is built here (no recorded sitemap is in the fixtures).
    entries = "".join(
        f"<url><loc>{govinfo.bulk_url(117, 's', n)}</loc><lastmod>{mod}</lastmod></url>"
        for n, mod in ((35, "2022-09-07T13:36:03Z"), (36, "2022-09-08T00:00:00Z"))
    )
    sitemap = (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{entries}</urlset>"
    )
    (replay / "files/sitemap-s.xml").write_text(sitemap)
    # The sitemap index is built here too: it names the 117th Congress Senate-bill map.
    (replay / "files/index.xml").write_text(
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{govinfo.SITEMAP.format(congress=117, type='s')}</loc></sitemap>"
        "</sitemapindex>"
    )
    index = [
        {
            "url": govinfo.SITEMAP_INDEX,
            "file": "files/index.xml",
            "content_type": "application/xml",
        },
        {
            "url": govinfo.SITEMAP.format(congress=117, type="s"),
            "file": "files/sitemap-s.xml",
            "content_type": "application/xml",
        },
        {
            "url": govinfo.bulk_url(117, "s", 35),
            "file": "files/s35.xml",
            "content_type": "application/xml",
        },
        {
            "url": govinfo.bulk_url(117, "s", 36),
            "file": "files/s36.xml",
            "content_type": "application/xml",
        },
    ]
    (replay / "index.jsonl").write_text("\n".join(json.dumps(e) for e in index) + "\n")
    result = CliRunner().invoke(
        cli,
        [
            "sync",
            "--source",
            "govinfo",
            "--session",
            "117",
            "--replay",
            str(replay),
            "--all-bills",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    [summary] = json.loads(result.stdout)
    assert (summary["mode"], summary["inserted"], summary["quarantined"]) == ("replay", 1, 1), (
        json.dumps(summary)
    )
    with session_scope(settings) as session:
        q = session.scalars(select(QuarantinedPayload)).one()
        assert q.source_id == "117-s36" and "malformed BILLSTATUS XML" in q.error
        run = session.scalars(
            select(SyncRun).where(SyncRun.source == "govinfo").order_by(SyncRun.id.desc())
        ).first()
        assert run.requests == 1 + 1 + 2  # sitemap index, the Congress's sitemap, 2 files


def test_people_import_merges_legislators_by_external_ids(settings):
    base = FIXTURES / "congress_legislators"
    summary = import_paths(settings, "congress-legislators", [base])
    assert summary.legislators == 6 and summary.committees == 18
    again = import_paths(settings, "congress-legislators", [base])
    assert again.legislators == 0
    people = import_paths(settings, "openstates-people", [FIXTURES / "openstates/people_yaml"])
    assert people.quarantined == 0 and people.committees == 4
    with session_scope(settings) as session:
        cantwell = session.scalars(
            select(Legislator).where(Legislator.name == "Maria Cantwell")
        ).one()
        assert {e.scheme for e in cantwell.external_ids} >= {"bioguide", "govtrack", "votesmart"}
        assert cantwell.offices and cantwell.district_ocd_id == "ocd-division/country:us/state:wa"


def test_people_import_keeps_each_members_current_term_whatever_the_role_order(settings):
    """Open States people files list roles newest first, congress-legislators oldest
    first: a sitting member (Alex Lee, AD 24 since 2022; Adam Schiff, Senate since 2024)
    must never be stored with an earlier term that ended, or outreach drops them."""
    from tracker.terms import serving

    import_paths(settings, "congress-legislators", [FIXTURES / "congress_legislators"])
    import_paths(settings, "openstates-people", [FIXTURES / "openstates/people_yaml"])
    with session_scope(settings) as session:
        lee = session.scalars(select(Legislator).where(Legislator.name == "Alex Lee")).one()
        assert (lee.district, lee.term_end) == ("24", None)
        assert str(lee.term_start) == "2022-12-05"
        serving_now = set(session.scalars(select(Legislator.name).where(serving())))
        assert {"Alex Lee", "Akilah Weber Pierson", "Adam Schiff"} <= serving_now


def test_bills_export_jsonl_and_csv_have_the_contract_fields(settings, tmp_path):
    import_paths(settings, "bills-jsonl", [FIXTURES / "demo/bills.jsonl"])
    out = tmp_path / "bills.jsonl"
    result = CliRunner().invoke(
        cli, ["bills", "export", "--format", "jsonl", "-j", "wa", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows and all(r["jurisdiction"] == "wa" for r in rows)
    from scrapers.exports import BILL_FIELDS

    assert list(rows[0]) == list(BILL_FIELDS)
    hb1477 = next(r for r in rows if r["identifier"] == "HB 1477")
    assert hb1477["status"] == "enacted" and hb1477["status_date"] == "2021-05-13"
    assert hb1477["actions"][0] == {
        "date": "2021-02-22",
        "chamber": "lower",
        "description": "READ FIRST TIME 02/22/21.",
        "classification": ["reading-1"],
    }
    assert hb1477["sources"][0]["source"] == "bills-jsonl" and hb1477["topics"]
    csv_out = CliRunner().invoke(cli, ["bills", "export", "--format", "csv"])
    assert csv_out.output.splitlines()[0] == ",".join(BILL_FIELDS)
    assert len(csv_out.output.splitlines()) > 73


def test_missouri_senate_sync_from_replayed_pages_is_incremental(settings, tmp_path):
    replay = tmp_path / "mo"
    replay.mkdir()
    site = "https://www.senate.mo.gov/11info/BTS_Web"
    # No saved bill list page exists: this one is built here with the one bill link
    # the saved bill page itself names (BillID=4068821, SB 70).
    (replay / "list.constructed.html").write_text(
        f'<html><body><a href="{site}/Bill.aspx?SessionType=R&amp;BillID=4068821">SB 70</a>'
        "</body></html>"
    )
    for name in ("billdetail.html", "billactionspassed.html"):
        (replay / name).write_bytes((FIXTURES / "mo_senate" / name).read_bytes())
    index = [
        (f"{site}/BillList.aspx?SessionType=R", "list.constructed.html"),
        (f"{site}/Bill.aspx?BillID=4068821&SessionType=R", "billdetail.html"),
        (f"{site}/Actions.aspx?BillID=4068821&SessionType=R", "billactionspassed.html"),
    ]
    (replay / "index.jsonl").write_text(
        "".join(
            json.dumps({"url": u, "file": f, "content_type": "text/html"}) + "\n" for u, f in index
        )
    )
    first = run_sync(settings, "mo-senate", replay_dir=replay, topics=[], session_name="2011")
    second = run_sync(settings, "mo-senate", replay_dir=replay, topics=[], session_name="2011")
    assert (first.status, first.inserted, first.requests) == ("ok", 1, 3)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 1)
    with session_scope(settings) as session:
        bill = session.get(Bill, "mo-2011-sb70")
        assert bill.status == "enacted" and len(bill.actions) == 43
        assert bill.source_links[0].url == f"{site}/Bill.aspx?BillID=4068821&SessionType=R"


def test_congress_gov_members_sync_follows_pages_and_writes_legislators(settings):
    page = (
        FIXTURES / "congress_gov/christopherkenny_congress_httptest/member-adb521.json"
    ).read_text()

    def members(request):  # noqa: ANN001, ANN202
        if "offset" in _params(request):
            # Only page 1 was recorded; the follow-up page is built here, empty and last.
            return 200, {}, json.dumps({"members": [], "pagination": {"count": 2598}})
        return 200, {}, page

    cg = settings.with_(congress_gov_api_key="CGKEY")
    with responses.RequestsMock() as mock:
        mock.add_callback(responses.GET, f"{CG_BASE}/member", callback=members)
        summary = run_sync(cg, "congress-gov-members", transport=_transport())
    assert (summary.status, summary.fetched, summary.legislators, summary.requests) == (
        "ok",
        19,
        19,
        2,
    )
    with session_scope(cg) as session:
        connolly = session.scalars(
            select(Legislator).where(Legislator.name == "Gerald E. Connolly")
        ).one()
        assert connolly.district_ocd_id == "ocd-division/country:us/state:va/cd:11"


def test_legiscan_topic_search_fetches_only_matching_bills(legiscan_settings):
    api = LegiScanApi(AK_BILLS)  # HB 1 "Policy For Securing Health Care Services"
    with responses.RequestsMock() as mock:
        mock.add_callback(responses.GET, LS_BASE, callback=api)
        summary = run_sync(
            legiscan_settings,
            "legiscan",
            jurisdiction="ak",
            topics=["health care"],
            transport=_transport(),
        )
    assert api.ops == ["getMasterListRaw", "getSearchRaw", "getBill"]
    assert summary.inserted == 1 and summary.changed_bill_ids == {"ak-27thlegislature-hb1"}


def test_govinfo_second_run_sends_if_modified_since_and_304_costs_no_file_requests(settings):
    xml = (FIXTURES / "govinfo/v3_current/BILLSTATUS-117s35.xml").read_bytes()
    # Sitemap envelope built here; the file it lists is the real BILLSTATUS document.
    sitemap = (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{govinfo.bulk_url(117, 's', 35)}</loc>"
        "<lastmod>2022-09-07T13:36:03Z</lastmod></url></urlset>"
    )
    conditional: list[str | None] = []

    index = (
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{govinfo.SITEMAP.format(congress=117, type='s')}</loc></sitemap>"
        "</sitemapindex>"
    )

    def sitemaps(request):  # noqa: ANN001, ANN202
        if request.url == govinfo.SITEMAP_INDEX:
            return 200, {}, index
        since = request.headers.get("If-Modified-Since")
        if request.url.endswith("/117s/sitemap.xml"):
            conditional.append(since)
            return (304, {}, "") if since else (200, {}, sitemap)
        return 404, {}, ""

    with responses.RequestsMock() as mock:
        mock.add_callback(
            responses.GET, re.compile(r"https://www\.govinfo\.gov/sitemap/.*"), callback=sitemaps
        )
        mock.add(responses.GET, govinfo.bulk_url(117, "s", 35), body=xml)
        first = run_sync(settings, "govinfo", session_name="117", topics=[], transport=_transport())
        second = run_sync(
            settings, "govinfo", session_name="117", topics=[], transport=_transport()
        )
    assert (first.inserted, first.requests) == (1, 1 + 1 + 1)
    assert conditional[0] is None and conditional[1].endswith("GMT")
    assert (second.fetched, second.requests) == (0, 1 + 1)  # index, then a 304


def test_openstates_refreshes_watchlisted_bills_it_never_reported(settings, tmp_path):
    from tracker.models import Organization, Watchlist, WatchlistEntry

    rows = [json.loads(line) for line in (FIXTURES / "demo/bills.jsonl").read_text().splitlines()]
    ab308 = next(r for r in rows if r["jurisdiction"] == "ca" and r["identifier"] == "AB 308")
    source = tmp_path / "ab308.jsonl"
    source.write_text(json.dumps(ab308) + "\n")
    import_paths(settings, "bills-jsonl", [source])
    with session_scope(settings) as session:
        org = Organization(name="Coalition", slug="coalition")
        session.add(org)
        session.flush()
        watchlist = Watchlist(organization_id=org.id, name="Priority")
        session.add(watchlist)
        session.flush()
        session.add(WatchlistEntry(watchlist_id=watchlist.id, bill_id="ca-20252026-ab308"))
        session.commit()
    page = json.loads((FIXTURES / "openstates/bills-ca-page1.constructed.json").read_text())
    empty = {
        "results": [],
        "pagination": {"per_page": 20, "page": 1, "max_page": 1, "total_items": 0},
    }
    os_settings = settings.with_(openstates_api_key="OSKEY")
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, f"{OS_BASE}/bills", json=empty)  # the topic search finds nothing
        mock.add(responses.GET, f"{OS_BASE}/bills/ca/20252026/AB308", json=page["results"][0])
        mock.add(responses.GET, f"{OS_BASE}/events", json=OS_NO_EVENTS)
        summary = run_sync(
            os_settings, "openstates", jurisdiction="ca", topics=["988"], transport=_transport()
        )
    assert (summary.requests, summary.updated) == (3, 1)  # search, the watched bill, events
    with session_scope(settings) as session:
        bill = session.get(Bill, "ca-20252026-ab308")
        assert {link.source for link in bill.source_links} == {"bills-jsonl", "openstates"}


def test_openstates_person_and_congress_member_merge_by_bioguide(settings, tmp_path):
    people = FIXTURES / "openstates/people_yaml/us/legislature"
    import_paths(settings, "openstates-people", [people])
    # A Congress.gov member detail for the same person, built here in the documented
    # /member/{bioguideId} shape (no recorded response for S001150 is in the fixtures).
    member = {
        "member": {
            "bioguideId": "S001150",
            "directOrderName": "Adam B. Schiff",
            "firstName": "Adam",
            "lastName": "Schiff",
            "state": "California",
            "partyHistory": [{"partyName": "Democratic"}],
            "terms": [{"chamber": "Senate", "startYear": 2024}],
        }
    }
    path = tmp_path / "member_s001150.constructed.json"
    path.write_text(json.dumps(member))
    summary = import_paths(settings, "congress-gov", [path])
    assert summary.legislators == 1
    with session_scope(settings) as session:
        rows = session.scalars(select(Legislator).where(Legislator.family_name == "Schiff")).all()
        assert len(rows) == 1
        schemes = {e.scheme for e in rows[0].external_ids}
        assert {"openstates", "bioguide", "ballotpedia"} <= schemes


def test_import_cli_hands_changed_bills_to_the_tagger_and_reimport_does_not(settings):
    from tracker.models.tagging import BillTopic

    path = str(FIXTURES / "demo/bills.jsonl")
    first = CliRunner().invoke(cli, ["import", "--source", "bills-jsonl", path])
    assert first.exit_code == 0, first.output
    assert "tagging 73 changed bill(s)" in first.output
    with session_scope(settings) as session:
        tagged = session.scalar(select(func.count(func.distinct(BillTopic.bill_id))))
        assert tagged > 50
    again = CliRunner().invoke(cli, ["import", "--source", "bills-jsonl", path])
    assert "unchanged 73" in again.output and "tagging" not in again.output
    exported = CliRunner().invoke(cli, ["bills", "export", "-j", "us"])
    rows = [json.loads(line) for line in exported.stdout.splitlines()]
    with session_scope(settings) as session:
        stored = {
            (t.bill_id, t.topic)
            for t in session.scalars(select(BillTopic).where(BillTopic.bill_id.like("us-%")))
        }
    assert {(r["id"], topic) for r in rows for topic in r["topics"]} == stored


def test_a_record_refused_in_a_bulk_batch_is_quarantined_and_the_rest_are_written(
    settings, tmp_path
):
    lines = (FIXTURES / "demo/bills.jsonl").read_text().splitlines()[:3]
    bad = json.loads(lines[1])
    bad["jurisdiction"] = "zz"  # no such jurisdiction: refused when the batch is written
    lines[1] = json.dumps(bad)
    path = tmp_path / "bills.jsonl"
    path.write_text("\n".join(lines) + "\n")
    summary = import_paths(settings, "bills-jsonl", [path])
    assert (summary.inserted, summary.quarantined) == (2, 1)
    with session_scope(settings) as session:
        row = session.scalars(select(QuarantinedPayload)).one()
        assert "unknown jurisdiction" in row.error
        bills = session.scalars(select(Bill)).all()
        assert len(bills) == 2 and all(b.actions and b.source_links for b in bills)
    again = import_paths(settings, "bills-jsonl", [path])
    assert (again.inserted, again.unchanged, again.quarantined) == (0, 2, 1)
