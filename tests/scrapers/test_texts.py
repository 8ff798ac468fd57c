"""Bill text fetch: every source's documents from a local HTTP server (never the network).

The server answers on loopback with the recorded documents (real MO PDFs inside real
LegiScan getBillText responses, real GPO XML, real wa-law.org text), honours
If-None-Match / If-Modified-Since with 304 and counts every request. A transport sends
each source's real URL to it by path, so the recorded payloads keep their own URLs.
"""

from __future__ import annotations

import base64
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from sqlalchemy import select

from scrapers.http import LiveTransport
from scrapers.texts import bills_in_scope, fetch_texts
from tracker.errors import InvalidInput
from tracker.ingest import ingest
from tracker.models import Bill, BillVersion
from tracker.models.collection import QuarantinedPayload, VersionDocument
from tracker.models.tagging import ExtractedText
from tracker.records import BillRecord, SourceRef, VersionRecord

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TEXTS = FIXTURES / "texts"


def _doc_key(url: str) -> str:
    """Path and sorted query without credentials: how the server finds a document."""
    parts = urlsplit(url)
    query = sorted((k, v) for k, v in parse_qsl(parts.query) if k != "key")
    return parts.path + ("?" + urlencode(query) if query else "")


class DocumentServer:
    """path -> (body, content type, validators); counts requests per path."""

    def __init__(self) -> None:
        self.docs: dict[str, dict] = {}
        self.hits: list[tuple[str, int]] = []
        self.keys_seen: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                path = urlsplit(self.path).path
                server.keys_seen += [
                    v for k, v in parse_qsl(urlsplit(self.path).query) if k == "key"
                ]
                doc = server.docs.get(_doc_key(self.path)) or server.docs.get(path)
                if doc is None:
                    server.hits.append((path, 404))
                    self.send_response(404)
                    self.end_headers()
                    return
                etag, modified = doc.get("etag"), doc.get("last_modified")
                if (etag and self.headers.get("If-None-Match") == etag) or (
                    modified and self.headers.get("If-Modified-Since") == modified
                ):
                    server.hits.append((path, 304))
                    self.send_response(304)
                    self.end_headers()
                    return
                server.hits.append((path, 200))
                body = doc["body"]
                self.send_response(200)
                self.send_header("Content-Type", doc.get("content_type", "application/pdf"))
                if etag:
                    self.send_header("ETag", etag)
                if modified:
                    self.send_header("Last-Modified", modified)
                if doc.get("chunked"):
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for start in range(0, len(body), 65536):
                        piece = body[start : start + 65536]
                        self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                    self.wfile.write(b"0\r\n\r\n")
                    return
                self.send_header("Content-Length", str(doc.get("declared", len(body))))
                self.end_headers()
                if not doc.get("declared"):
                    self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def add(self, url: str, body: bytes, **options: object) -> None:
        """Serve `body` at the path (and query) of a real URL."""
        self.docs[_doc_key(url)] = {"body": body, **options}

    def requests(self) -> int:
        return len(self.hits)


class ToLocal(LiveTransport):
    """The real HTTP stack, with every URL's host replaced by the local server."""

    def __init__(self, base: str, **kwargs: object):
        super().__init__(retry=None, **kwargs)
        self.base = base

    def fetch(self, url, params, headers, secret_params):  # noqa: ANN001, ANN201
        parts = urlsplit(url)
        local = self.base + parts.path + (f"?{parts.query}" if parts.query else "")
        return super().fetch(local, params, headers, secret_params)


@pytest.fixture
def server():  # noqa: ANN201
    srv = DocumentServer()
    srv.thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


def _envelope(name: str) -> dict:
    return json.loads((TEXTS / "mo" / f"{name}.json").read_text())


def _pdf(name: str) -> bytes:
    return base64.b64decode(_envelope(name)["text"]["doc"])


def _bill(db, identifier: str, versions: list[VersionRecord], juris: str = "mo", title: str = ""):  # noqa: ANN001, ANN202
    record = BillRecord(
        jurisdiction=juris,
        session="2024",
        identifier=identifier,
        title=title or f"{identifier} (test bill)",
        versions=versions,
        sources=[SourceRef(source="bills-jsonl")],
    )
    ingest(db, [record])
    db.commit()
    return db.scalars(select(Bill.id).where(Bill.identifier == identifier)).one()


def _legiscan_version(name: str) -> VersionRecord:
    text = _envelope(name)["text"]
    return VersionRecord(
        note=text["type"],
        url=text["state_link"],
        media_type=text["mime"],
        source_doc=f"legiscan:{text['doc_id']}",
        source_hash=text["text_hash"],
    )


def _serve_legiscan(server: DocumentServer, name: str) -> None:
    doc_id = _envelope(name)["text"]["doc_id"]
    server.add(
        f"https://api.legiscan.com/?id={doc_id}&op=getBillText",
        (TEXTS / "mo" / f"{name}.json").read_bytes(),
        content_type="application/json",
    )


def _texts(db, bill_id: str) -> list[str | None]:  # noqa: ANN001
    db.expire_all()
    return [
        v.text_sha256
        for v in db.scalars(
            select(BillVersion).where(BillVersion.bill_id == bill_id).order_by(BillVersion.position)
        )
    ]


def test_each_source_fetches_once_then_nothing_then_304(settings, db, server):
    # LegiScan getBillText (MO HB 2520), a GPO bill XML by its govinfo URL, a state HTML page.
    gpo = "https://www.govinfo.gov/content/pkg/BILLS-117hr2008ih/xml/BILLS-117hr2008ih.xml"
    wa = "https://wa-law.org/bill/2021-22/hb/1477/1/"
    _serve_legiscan(server, "HB2520")
    server.add(
        gpo,
        (TEXTS / "us" / "BILLS-117hr2008ih.xml").read_bytes(),
        content_type="text/xml",
        etag='"gpo-1"',
    )
    server.add(
        wa,
        (TEXTS / "wa" / "HB1477-1.md").read_bytes(),
        content_type="text/markdown",
        last_modified="Tue, 01 Jun 2021 00:00:00 GMT",
    )
    mo = _bill(db, "HB 2520", [_legiscan_version("HB2520")])
    us = _bill(db, "HR 2008", [VersionRecord(note="Introduced", url=gpo)], juris="us")
    wa_id = _bill(db, "HB 1477", [VersionRecord(note="Original bill", url=wa)], juris="wa")
    live = settings.with_(offline=False, legiscan_api_key="test-key-not-sent-anywhere")

    first = fetch_texts(live, [mo, us, wa_id], transport=ToLocal(server.base))
    assert (first.downloaded, first.extracted, first.quarantined) == (3, 3, 0), first.line()
    assert server.requests() == 3 and first.legiscan_requests == 1
    assert server.keys_seen == ["test-key-not-sent-anywhere"]  # on the wire, never stored
    assert "test-key" not in json.dumps([d.url for d in db.scalars(select(VersionDocument))])
    assert first.changed_bill_ids == {mo, us, wa_id}
    by_bill = {bid: _texts(db, bid)[0] for bid in (mo, us, wa_id)}
    rows = {bid: db.get(ExtractedText, sha) for bid, sha in by_bill.items()}
    assert "mobile mental health unit" in rows[mo].text and rows[mo].extractor == "pypdfium2"
    assert rows[us].extractor == "lxml.etree" and rows[us].sections[0]["label"] == "SEC. 1"
    assert "988" in rows[wa_id].text
    # The raw bytes are archived by hash for offline re-extraction.
    for doc in db.scalars(select(VersionDocument)):
        assert (settings.scraper_cache_dir / doc.raw_path).is_file(), doc.key

    second = fetch_texts(live, [mo, us, wa_id], transport=ToLocal(server.base))
    assert server.requests() == 3, server.hits  # nothing new: not one request
    assert (second.requests, second.skipped, second.changed_bill_ids) == (0, 3, set())

    third = fetch_texts(live, [mo, us, wa_id], transport=ToLocal(server.base), recheck=True)
    # The two URL documents are asked again with their validators and answer 304; LegiScan
    # is not asked (its text_hash is the change token and it did not change).
    assert [status for _, status in server.hits[3:]] == [304, 304]
    assert (third.not_modified, third.downloaded, third.legiscan_requests) == (2, 0, 0)


def test_legiscan_text_refetched_only_when_its_hash_changes(settings, db, server):
    _serve_legiscan(server, "HB2064")
    bill = _bill(db, "HB 2064", [_legiscan_version("HB2064")])
    live = settings.with_(offline=False, legiscan_api_key="test-key-not-sent-anywhere")
    fetch_texts(live, [bill], transport=ToLocal(server.base))
    fetch_texts(live, [bill], transport=ToLocal(server.base))
    assert server.requests() == 1
    version = db.scalars(select(BillVersion).where(BillVersion.bill_id == bill)).one()
    version.source_hash = "0" * 32  # LegiScan says the document changed
    db.commit()
    summary = fetch_texts(live, [bill], transport=ToLocal(server.base))
    assert server.requests() == 2 and summary.legiscan_requests == 1
    # Fetched for that hash: the next run does not ask again.
    fetch_texts(live, [bill], transport=ToLocal(server.base))
    assert server.requests() == 2


def test_size_cap_refuses_declared_and_streamed_documents(settings, db, server):
    big = "https://www.senate.mo.gov/24info/pdf-bill/intro/SB778.pdf"
    streamed = "https://www.senate.mo.gov/24info/pdf-bill/intro/SB1284.pdf"
    small = "https://documents.house.mo.gov/billtracking/bills241/hlrbillspdf/5266H.01I.pdf"
    # Content-Length over the cap: refused before the body is read (none is sent).
    server.add(big, b"", declared=400_000)
    # No Content-Length (chunked): cut off once the body passes the cap.
    server.add(streamed, _pdf("SB1284"), chunked=True)
    server.add(small, _pdf("HB2520"))
    bill = _bill(
        db,
        "SB 778",
        [
            VersionRecord(note="Introduced", url=big),
            VersionRecord(note="Committee", url=streamed),
            VersionRecord(note="Perfected", url=small),
        ],
    )
    capped = settings.with_(offline=False, text_max_bytes=300_000)
    summary = fetch_texts(capped, [bill], transport=ToLocal(server.base, max_bytes=300_000))
    assert summary.quarantined == 2 and summary.extracted == 1, summary.line()
    assert _texts(db, bill)[:2] == [None, None] and _texts(db, bill)[2] is not None
    reasons = {q.url: q.error for q in db.scalars(select(QuarantinedPayload))}
    assert "300000-byte cap" in reasons[big] and "300000-byte cap" in reasons[streamed]
    statuses = {d.url: d.status for d in db.scalars(select(VersionDocument))}
    assert statuses == {big: "too_large", streamed: "too_large", small: "ok"}


def test_size_cap_and_rate_limit_live_in_scrapers_base(server):
    server.add("https://x.example/a.pdf", b"%PDF-" + b"x" * 2000)
    transport = ToLocal(server.base, max_bytes=1000, per_host=True, rate_per_second=50)
    from tracker.errors import TooLarge

    with pytest.raises(TooLarge):
        transport.fetch("https://x.example/a.pdf", {}, {}, {})
    assert transport.host_limiter is not None and transport.limiter.interval == 0


def test_corrupt_pdf_is_quarantined_and_the_rest_imports(settings, db, server):
    good = "https://documents.house.mo.gov/billtracking/bills241/hlrbillspdf/5076H.01I.pdf"
    corrupt = "https://documents.house.mo.gov/billtracking/bills241/hlrbillspdf/5076H.02P.pdf"
    truncated = _pdf("HB2471")[:3000]  # a real PDF cut short: no xref, no pages
    server.add(good, _pdf("HB2471"))
    server.add(corrupt, truncated)
    bill = _bill(
        db,
        "HB 2471",
        [VersionRecord(note="Introduced", url=good), VersionRecord(note="Perfected", url=corrupt)],
    )
    summary = fetch_texts(settings.with_(offline=False), [bill], transport=ToLocal(server.base))
    assert (summary.extracted, summary.quarantined) == (1, 1)
    texts = _texts(db, bill)
    assert texts[0] is not None and texts[1] is None
    q = db.scalars(select(QuarantinedPayload)).one()
    assert q.url == corrupt and q.source == "texts" and q.source_id == bill
    assert "PDF" in q.error and q.payload_path
    assert (settings.scraper_cache_dir / q.payload_path).read_bytes() == truncated
    assert db.get(Bill, bill) is not None


def test_encrypted_and_image_only_pdfs_are_quarantined_with_their_reason(settings, db, server):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(_pdf("HB2123"))))
    writer.encrypt(user_password="secret", owner_password="owner")
    encrypted = io.BytesIO()
    writer.write(encrypted)
    blank = PdfWriter()
    for _ in range(3):
        blank.add_blank_page(612, 792)  # pages with no text layer, like a scan
    scanned = io.BytesIO()
    blank.write(scanned)
    server.add("https://example.gov/enc.pdf", encrypted.getvalue())
    server.add("https://example.gov/scan.pdf", scanned.getvalue())
    bill = _bill(
        db,
        "HB 2123",
        [
            VersionRecord(note="A", url="https://example.gov/enc.pdf"),
            VersionRecord(note="B", url="https://example.gov/scan.pdf"),
        ],
    )
    summary = fetch_texts(settings.with_(offline=False), [bill], transport=ToLocal(server.base))
    assert summary.quarantined == 2
    errors = {q.url.rsplit("/", 1)[1]: q.error for q in db.scalars(select(QuarantinedPayload))}
    assert "encrypted" in errors["enc.pdf"] and "no text layer" in errors["scan.pdf"]


def test_new_extractor_version_reextracts_from_the_archive_without_requests(settings, db, server):
    url = "https://www.senate.mo.gov/24info/pdf-bill/intro/SB762.pdf"
    server.add(url, _pdf("SB762"))
    bill = _bill(db, "SB 762", [VersionRecord(note="Introduced", url=url)])
    live = settings.with_(offline=False)
    fetch_texts(live, [bill], transport=ToLocal(server.base))
    sha = _texts(db, bill)[0]
    row = db.get(ExtractedText, sha)
    row.extractor_version, row.text = "1/old", "stale"
    db.commit()
    summary = fetch_texts(live, [bill], transport=ToLocal(server.base))
    assert server.requests() == 1 and summary.reextracted == 1
    db.expire_all()
    assert "suicide" in db.get(ExtractedText, sha).text.lower()


def test_open_states_mo_senate_and_oregon_versions_are_fetched_by_url(settings, db, server):
    from scrapers.mo_senate import parse_versions
    from scrapers.openstates import parse_bill as parse_openstates
    from scrapers.or_legislature import parse_history

    # Open States v3 bill with versions[].links: built from the API's documented shape
    # (no recorded bill payload with versions exists in the fixtures).
    payload = json.loads(
        (FIXTURES / "openstates" / "bill_versions_built_from_docs.json").read_text()
    )
    os_record = parse_openstates(payload)
    mo_versions = parse_versions((FIXTURES / "mo_senate" / "billversions.html").read_bytes())
    or_record = parse_history(
        (FIXTURES / "or_legislature" / "hb3623-2010s1.html").read_bytes(), "2010S1"
    )
    assert os_record.versions[0].media_type == "text/html"  # HTML chosen over the PDF
    urls = [os_record.versions[0].url, mo_versions[0].url, or_record.versions[0].url]
    # Real state documents stand in for the ones these URLs name.
    server.add(
        urls[0],
        b"<html><body><p>SECTION 1. <ins>Mobile crisis teams</ins> "
        b"shall respond.</p></body></html>",
        content_type="text/html",
    )
    server.add(urls[1], _pdf("SB1370"))
    server.add(urls[2], _pdf("HB1892"), content_type="application/octet-stream")
    bills = [
        _bill(db, "AB 308", os_record.versions[:1], juris="ca"),
        _bill(db, "SB 70", mo_versions[:1]),
        _bill(db, "HB 3623", or_record.versions[:1], juris="or"),
    ]
    summary = fetch_texts(settings.with_(offline=False), bills, transport=ToLocal(server.base))
    assert summary.extracted == 3, summary.line()
    kinds = [db.get(ExtractedText, _texts(db, b)[0]).media_type for b in bills]
    assert kinds == ["text/html", "application/pdf", "application/pdf"]  # sniffed, not trusted


def test_scope_is_bills_tagged_mental_health_or_watched(settings, db):
    from tracker.tagging_service import tag_bills

    url = "https://documents.house.mo.gov/billtracking/bills241/hlrbillspdf/5266H.01I.pdf"
    plain = _bill(db, "HB 2123", [VersionRecord(note="Introduced", url=url + "?x")])
    bill = _bill(
        db,
        "HB 2520",
        [VersionRecord(note="Introduced", url=url)],
        title="Establishes a statewide mobile crisis response program for mental health crises",
    )
    assert bills_in_scope(db, "scope") == [] and bills_in_scope(db, "all") == sorted([plain, bill])
    tag_bills(db, [plain, bill])
    assert bills_in_scope(db, "scope") == [bill] and bills_in_scope(db, "none") == []
    with pytest.raises(InvalidInput):
        bills_in_scope(db, "everything")


def test_legiscan_text_queries_count_against_the_monthly_cap(settings, db, server):
    from scrapers.cursors import requests_this_month

    for name in ("HB2520", "HB2064"):
        _serve_legiscan(server, name)
    bills = [_bill(db, "HB 2520", [_legiscan_version("HB2520")])]
    bills.append(_bill(db, "HB 2064", [_legiscan_version("HB2064")]))
    capped = settings.with_(
        offline=False, legiscan_api_key="test-key-not-sent-anywhere", legiscan_monthly_cap=1
    )
    summary = fetch_texts(capped, bills, transport=ToLocal(server.base))
    assert summary.status == "stopped" and "cap 1" in summary.message
    assert (summary.extracted, server.requests()) == (1, 1)
    assert requests_this_month(db, "legiscan") == 1
    again = fetch_texts(capped, bills, transport=ToLocal(server.base))
    assert again.status == "stopped" and server.requests() == 1  # nothing more is sent


@pytest.mark.redis
def test_pipeline_texts_step_on_a_real_worker_fetches_then_tags(
    rq_settings, db, server, redis_conn, monkeypatch
):
    from rq import Queue, SimpleWorker
    from rq.job import Job

    from scrapers.pipeline import after_sync
    from tracker.models.collection import SyncRun
    from tracker.models.tagging import BillTopic

    monkeypatch.setenv("TRACKER_OFFLINE", "false")  # the worker's settings (job_settings)
    url = f"{server.base}/billtracking/bills241/hlrbillspdf/5266H.01I.pdf"  # loopback
    server.add(url, _pdf("HB2520"))
    bill = _bill(
        db,
        "HB 2520",
        [VersionRecord(note="Introduced", url=url)],
        title="Relating to a statewide mobile mental health unit program",
    )
    [handle] = after_sync(rq_settings, [bill])
    assert (handle.queue, handle.status) == ("sync", "queued")
    SimpleWorker([Queue("sync", connection=redis_conn)], connection=redis_conn).work(burst=True)
    result = Job.fetch(handle.id, connection=redis_conn).return_value()
    assert result["extracted"] == 1 and result["changed_bill_ids"] == [bill], result
    assert server.requests() == 1
    SimpleWorker([Queue("tag", connection=redis_conn)], connection=redis_conn).work(burst=True)
    db.expire_all()
    run = db.scalars(select(SyncRun).where(SyncRun.source == "texts")).one()
    assert (run.status, run.updated, run.requests) == ("ok", 1, 1)
    evidence = [
        e
        for t in db.scalars(select(BillTopic).where(BillTopic.bill_id == bill))
        for e in t.evidence
    ]
    assert any(e.get("field") == "text" for e in evidence), evidence
