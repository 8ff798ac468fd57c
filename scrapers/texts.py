"""Bill version documents: download each version's text once, archive it, extract it.

Sources (the version rows the scrapers stored say where each document lives):
- Congress.gov and GovInfo: `/bill/{congress}/{type}/{number}/text` and BILLSTATUS
  `textVersions` list every version in several formats; the scrapers keep the best one
  (Formatted XML / USLM, then HTML, then PDF: `scrapers.federal.build_versions`) and the
  document is fetched from govinfo.gov / congress.gov by that URL.
- LegiScan: versions carry `source_doc = "legiscan:<doc_id>"` and `source_hash` (the
  text_hash). The document comes from `getBillText` (base64 `doc` + `mime`), only when
  the hash changed since the last fetch; each call counts against LEGISCAN_MONTHLY_CAP
  (the run records its LegiScan queries as a `legiscan` sync run). Without a key the
  state_link is fetched directly instead.
- Open States `versions[].links`, the Missouri Senate versions page and Oregon's
  measure pages: the state's own PDF/HTML, fetched by URL.

Politeness and incrementality: every request goes through `scrapers.http` (timeout,
retries with backoff, one rate limit per host, the TEXT_MAX_BYTES size cap, refused
before the body is read when Content-Length says so). A document fetched before is not
requested again (`version_documents` remembers it); with `recheck=True` it is asked for
with If-None-Match / If-Modified-Since and a 304 costs no download. Raw bytes are kept
content-addressed under SCRAPER_CACHE_DIR/texts/ so extraction can be redone offline
(a new extractor version re-extracts from there, without the network).

A document that cannot be extracted (encrypted PDF, scan without text, garbage) or is
too large is quarantined with its URL and reason; the bill and its other versions still
import. Runs are recorded as `texts` sync runs, so /jobs shows them.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scrapers.base import Failure
from scrapers.http import HttpClient, Transport, http_session
from tracker.config import Settings
from tracker.db import session_scope
from tracker.errors import (
    InvalidInput,
    NotFound,
    ParseError,
    QuotaExhausted,
    SourceUnavailable,
    TooLarge,
)
from tracker.models import Bill, BillVersion, WatchlistEntry
from tracker.models.collection import SyncRun, VersionDocument

log = logging.getLogger(__name__)

SOURCE = "texts"
SCOPES = ("all", "scope", "none")
DOCUMENT_RATE_PER_HOST = 1.0  # requests per second to any one legislature's server
_EXT = {"application/pdf": "pdf", "text/html": "html", "application/xml": "xml"}


@dataclass
class TextSummary:
    """What a text-fetch run did."""

    versions: int = 0
    requests: int = 0
    downloaded: int = 0
    not_modified: int = 0
    skipped: int = 0
    extracted: int = 0
    reextracted: int = 0
    quarantined: int = 0
    not_found: int = 0
    failed: int = 0
    legiscan_requests: int = 0
    status: str = "ok"
    message: str = ""
    run_id: int | None = None
    changed_bill_ids: set[str] = field(default_factory=set)

    def as_dict(self) -> dict[str, Any]:
        """The summary as plain JSON-able values."""
        out = {k: v for k, v in self.__dict__.items() if k != "changed_bill_ids"}
        out["changed_bill_ids"] = sorted(self.changed_bill_ids)
        return out

    def line(self) -> str:
        """One line for the CLI."""
        return (
            f"texts: {self.status}; versions {self.versions}, requests {self.requests} "
            f"(downloaded {self.downloaded}, not modified {self.not_modified}), "
            f"already fetched {self.skipped}, extracted {self.extracted}, "
            f"re-extracted {self.reextracted}, quarantined {self.quarantined}, "
            f"not found {self.not_found}, failed {self.failed}; "
            f"bills with new text {len(self.changed_bill_ids)}"
        )


def bills_in_scope(
    session: Session, scope: str = "scope", candidates: Iterable[str] | None = None
) -> list[str]:
    """Bill ids (with a version) whose texts a sync fetches: `scope` = tagged with a
    topic, on any watchlist, or (for `candidates` not tagged yet, e.g. new in this sync)
    tagged on their title and abstract; `all` = every one; `none` = nothing."""
    if scope not in SCOPES:
        raise InvalidInput(f"texts scope must be one of {', '.join(SCOPES)}, got {scope!r}")
    if scope == "none":
        return []
    with_versions = select(BillVersion.bill_id).distinct()
    if candidates is not None:
        wanted = sorted(set(candidates))
        ids = {
            bid
            for start in range(0, len(wanted), 500)
            for bid in session.scalars(
                with_versions.where(BillVersion.bill_id.in_(wanted[start : start + 500]))
            )
        }
    else:
        ids = set(session.scalars(with_versions))
    if scope == "all":
        return sorted(ids)
    from tracker.models.tagging import BillTopic

    tagged = set(session.scalars(select(BillTopic.bill_id).where(BillTopic.score > 0)))
    watched = set(session.scalars(select(WatchlistEntry.bill_id)))
    keep = ids & (tagged | watched)
    if candidates is not None and ids - keep:
        from tracker.tagging import tag_bill

        for bill in session.scalars(select(Bill).where(Bill.id.in_(sorted(ids - keep)))):
            if tag_bill(bill.title, bill.abstract, [s.subject for s in bill.subjects]):
                keep.add(bill.id)
    return sorted(keep)


def fetch_texts(
    settings: Settings,
    bill_ids: Iterable[str] | None = None,
    *,
    scope: str = "scope",
    replay_dir: Path | str | None = None,
    transport: Transport | None = None,
    recheck: bool = False,
    progress: bool = False,
) -> TextSummary:
    """Fetch and extract the texts of these bills' versions (default: the bills in
    `scope`); returns the summary, with the bills whose text changed."""
    summary = TextSummary()
    with session_scope(settings) as session:
        ids = list(bill_ids) if bill_ids is not None else bills_in_scope(session, scope)
        run = SyncRun(source=SOURCE, mode="replay" if replay_dir else "sync")
        session.add(run)
        session.commit()
        summary.run_id = run.id
        fetcher = _Fetcher(settings, session, summary, run.id, replay_dir, transport, recheck)
        versions = _versions(session, ids)
        summary.versions = len(versions)
        try:
            for version in _progress(versions, progress):
                fetcher.one(version)
                session.commit()
        except QuotaExhausted as exc:
            session.rollback()
            summary.status, summary.message = "stopped", str(exc)
        except SourceUnavailable as exc:
            # Offline without a replay directory, or no client could be built.
            session.rollback()
            summary.status, summary.message = "failed", str(exc)
        fetcher.close(run)
    return summary


def _versions(session: Session, bill_ids: list[str]) -> list[BillVersion]:
    out: list[BillVersion] = []
    for start in range(0, len(bill_ids), 500):
        chunk = bill_ids[start : start + 500]
        out += session.scalars(
            select(BillVersion)
            .join(Bill, Bill.id == BillVersion.bill_id)
            .where(BillVersion.bill_id.in_(chunk))
            .order_by(BillVersion.bill_id, BillVersion.position)
        )
    return out


def _progress(items: list[Any], enabled: bool) -> Iterable[Any]:
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(items, desc="texts", unit="version", leave=False)


class _Fetcher:
    """One run's clients and bookkeeping; `one(version)` handles a version."""

    def __init__(
        self,
        settings: Settings,
        session: Session,
        summary: TextSummary,
        run_id: int,
        replay_dir: Path | str | None,
        transport: Transport | None,
        recheck: bool,
    ):
        self.settings, self.session, self.summary, self.run_id = settings, session, summary, run_id
        self.replay_dir, self.transport, self.recheck = replay_dir, transport, recheck
        self._docs: HttpClient | None = None
        self._legiscan: HttpClient | None = None
        self._archived_path: str | None = None

    # -- clients (built on first use, so a run with nothing to fetch needs none) --------

    def docs(self) -> HttpClient:
        if self._docs is None:
            self._docs = http_session(
                self.settings,
                SOURCE,
                rate_per_second=None if self.replay_dir else DOCUMENT_RATE_PER_HOST,
                per_host=True,
                max_bytes=self.settings.text_max_bytes,
                replay_dir=self.replay_dir,
                transport=self.transport,
            )
        return self._docs

    def legiscan(self) -> HttpClient | None:
        """The LegiScan client, or None when there is no key (and nothing to replay)."""
        if self._legiscan is None:
            from scrapers.cursors import requests_this_month
            from scrapers.legiscan import LegiScanScraper

            if not (self.settings.legiscan_api_key or self.replay_dir or self.transport):
                return None
            options = LegiScanScraper.client_options(self.settings)
            options["used"] = requests_this_month(self.session, "legiscan")
            self._legiscan = http_session(
                self.settings,
                "legiscan",
                rate_per_second=None if self.replay_dir else LegiScanScraper.rate_per_second,
                max_bytes=self.settings.text_max_bytes * 2,  # base64 inside JSON
                replay_dir=self.replay_dir,
                transport=self.transport,
                **options,
            )
        return self._legiscan

    def close(self, run: SyncRun) -> None:
        """Archive what is left, count requests, finish the run row(s)."""
        from scrapers.archive import archive_responses

        for client in (self._docs, self._legiscan):
            if client is not None:
                archive_responses(self.session, self.settings, client.drain(), self.run_id)
        docs_used = self._docs.requests_used if self._docs else 0
        self.summary.legiscan_requests = self._legiscan.requests_used if self._legiscan else 0
        self.summary.requests = docs_used + self.summary.legiscan_requests
        if self.summary.legiscan_requests and self.replay_dir is None:
            # getBillText queries count against LEGISCAN_MONTHLY_CAP like a sync's.
            now = datetime.now(UTC)
            self.session.add(
                SyncRun(
                    source="legiscan",
                    mode="sync",
                    status="ok",
                    requests=self.summary.legiscan_requests,
                    started_at=now,
                    finished_at=now,
                    message=f"getBillText for bill texts (texts run {self.run_id})",
                )
            )
        run.status = self.summary.status
        run.finished_at = datetime.now(UTC)
        run.fetched = self.summary.downloaded
        run.unchanged = self.summary.skipped + self.summary.not_modified
        run.updated = self.summary.extracted + self.summary.reextracted
        run.quarantined = self.summary.quarantined
        run.requests = self.summary.requests
        run.changed_bill_ids = sorted(self.summary.changed_bill_ids)
        if not self.summary.message and (self.summary.quarantined or self.summary.failed):
            self.summary.message = (
                f"{self.summary.quarantined} document(s) quarantined, {self.summary.failed} failed"
            )
        run.message = self.summary.message or None
        self.session.commit()

    # -- one version ----------------------------------------------------------------

    def one(self, version: BillVersion) -> None:
        key = (version.source_doc or version.url)[:500]
        doc = self.session.scalars(
            select(VersionDocument).where(VersionDocument.key == key)
        ).first()
        legiscan_id = _legiscan_doc_id(version.source_doc)
        legiscan = self.legiscan() if legiscan_id else None
        same_hash = doc is not None and (
            not version.source_hash or doc.source_hash == version.source_hash
        )
        # Settled outcomes are not asked again (a 404 neither, until --recheck); a network
        # failure is retried on the next run.
        settled = ("ok", "quarantined", "too_large", "not_found")
        if doc is not None and doc.status in settled and same_hash:
            if legiscan is not None or not self.recheck:
                self.summary.skipped += 1
                self._ensure_text(version, doc)
                return
        if doc is None:
            doc = VersionDocument(key=key, url=version.url, source=SOURCE, status="new")
            self.session.add(doc)
        doc.checked_at = datetime.now(UTC)
        doc.source_doc = version.source_doc
        try:
            if legiscan is not None:
                data, media_type, source_hash = self._from_legiscan(legiscan, legiscan_id, version)
                # The token compared next time is the one the bill listing gave.
                doc.source, doc.source_hash = "legiscan", version.source_hash or source_hash
            else:
                fetched = self._from_url(version, doc)
                if fetched is None:  # 304 Not Modified
                    self.summary.not_modified += 1
                    self._ensure_text(version, doc)
                    return
                data, media_type = fetched
                doc.source_hash = version.source_hash
        except TooLarge as exc:
            self._quarantine(version, doc, "too_large", str(exc), None)
            return
        except NotFound as exc:
            doc.status, doc.error = "not_found", str(exc)
            self.summary.not_found += 1
            return
        except ParseError as exc:
            self._quarantine(version, doc, "quarantined", str(exc), None)
            return
        except SourceUnavailable as exc:
            if self._docs is None and self._legiscan is None:
                raise
            doc.status, doc.error = "failed", str(exc)
            self.summary.failed += 1
            log.warning("text of %s (%s) not fetched: %s", version.bill_id, version.url, exc)
            return
        self.summary.downloaded += 1
        doc.raw_sha256 = hashlib.sha256(data).hexdigest()
        # A document fetched by URL is already in the raw-response archive; LegiScan's
        # decoded PDF is kept beside it.
        archived, self._archived_path = self._archived_path, None
        doc.raw_path = archived or _keep_raw(self.settings, data, media_type)
        doc.content_type, doc.size = (media_type or "")[:120], len(data)
        doc.fetched_at = datetime.now(UTC)
        self._extract(version, doc, data, media_type)

    def _from_url(self, version: BillVersion, doc: VersionDocument) -> tuple[bytes, str] | None:
        headers: dict[str, str] = {}
        if self.recheck and doc.status not in ("new", "failed", "not_found"):
            if doc.etag:
                headers["If-None-Match"] = doc.etag
            if doc.last_modified:
                headers["If-Modified-Since"] = doc.last_modified
        client = self.docs()
        resp = client.get(
            version.url,
            headers=headers,
            allow_status=(304,),
            kind="document",
            ref={"bill_id": version.bill_id, "url": version.url},
        )
        from scrapers.archive import archive_responses

        rows = archive_responses(self.session, self.settings, client.drain(), self.run_id)
        if resp.status == 304:
            return None
        self._archived_path = rows[-1].path if rows else None
        doc.etag = _header(resp.headers, "ETag")[:200] or None
        doc.last_modified = _header(resp.headers, "Last-Modified")[:100] or None
        return resp.content, resp.content_type or version.media_type or ""

    def _from_legiscan(
        self, client: HttpClient, doc_id: str, version: BillVersion
    ) -> tuple[bytes, str, str | None]:
        from scrapers.legiscan import BASE

        resp = client.get(BASE, {"op": "getBillText", "id": doc_id}, kind="text")
        payload = resp.json()
        from scrapers.archive import archive_responses

        archive_responses(self.session, self.settings, client.drain(), self.run_id)
        text = payload.get("text") if isinstance(payload, dict) else None
        if payload.get("status") != "OK" or not isinstance(text, dict) or not text.get("doc"):
            raise ParseError("getBillText answered without a document", url=resp.url)
        try:
            data = base64.b64decode(text["doc"], validate=True)
        except (ValueError, TypeError) as exc:
            raise ParseError(f"getBillText doc is not base64: {exc}", url=resp.url) from exc
        expected = str(text.get("text_hash") or "")
        if expected and hashlib.md5(data, usedforsecurity=False).hexdigest() != expected:
            raise ParseError("getBillText doc does not match its text_hash", url=resp.url)
        return data, str(text.get("mime") or version.media_type or ""), expected or None

    # -- extraction -----------------------------------------------------------------

    def _extract(
        self, version: BillVersion, doc: VersionDocument, data: bytes, media_type: str | None
    ) -> None:
        from tracker.textextract import cached_text

        try:
            with self.session.begin_nested():
                row = cached_text(self.session, data, media_type)
        except InvalidInput as exc:
            self._quarantine(version, doc, "quarantined", str(exc), data)
            return
        doc.status, doc.error = "ok", None
        if version.text_sha256 != row.sha256:
            version.text_sha256 = row.sha256
            self.summary.changed_bill_ids.add(version.bill_id)
        self.summary.extracted += 1

    def _ensure_text(self, version: BillVersion, doc: VersionDocument) -> None:
        """Point the version at its stored text; re-extract from the archived bytes when
        the extractor changed (no network)."""
        from tracker.models.tagging import ExtractedText
        from tracker.textextract import extractor_version

        if doc.status != "ok" or not doc.raw_sha256:
            return
        row = self.session.get(ExtractedText, doc.raw_sha256)
        fresh = row is not None and row.extractor_version == extractor_version(row.extractor)
        if fresh:
            if version.text_sha256 != row.sha256:
                version.text_sha256 = row.sha256
                self.summary.changed_bill_ids.add(version.bill_id)
            return
        path = Path(self.settings.scraper_cache_dir) / (doc.raw_path or "")
        if not doc.raw_path or not path.is_file():
            return
        before = self.summary.extracted
        self._extract(version, doc, path.read_bytes(), doc.content_type)
        if self.summary.extracted > before:
            self.summary.extracted -= 1
            self.summary.reextracted += 1
            self.summary.changed_bill_ids.add(version.bill_id)

    def _quarantine(
        self,
        version: BillVersion,
        doc: VersionDocument,
        status: str,
        reason: str,
        data: bytes | None,
    ) -> None:
        from scrapers.archive import quarantine

        doc.status, doc.error = status, reason[:5000]
        quarantine(
            self.session,
            self.settings,
            Failure(
                SOURCE, f"text not extracted: {reason}", url=version.url, source_id=version.bill_id
            ),
            self.run_id,
            payload=data,
        )
        self.summary.quarantined += 1


def _legiscan_doc_id(source_doc: str | None) -> str | None:
    if source_doc and source_doc.startswith("legiscan:"):
        return source_doc.split(":", 1)[1] or None
    return None


def _header(headers: dict[str, str], name: str) -> str:
    for key, value in (headers or {}).items():
        if key.lower() == name.lower():
            return value or ""
    return ""


def _keep_raw(settings: Settings, data: bytes, media_type: str | None) -> str:
    """Write the document content-addressed under SCRAPER_CACHE_DIR/texts/; its path."""
    from tracker.textextract import sniff_media_type

    digest = hashlib.sha256(data).hexdigest()
    ext = _EXT.get(sniff_media_type(data, media_type), "txt")
    rel = Path(SOURCE) / "raw" / digest[:2] / f"{digest}.{ext}"
    target = Path(settings.scraper_cache_dir) / rel
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return str(rel)


def text_status(session: Session, versions: Iterable[BillVersion]) -> dict[int, dict[str, Any]]:
    """Version id -> what the bill page says about its text: `state` is `extracted`
    (with chars and extractor), `quarantined` / `too_large` / `not_found` / `failed`
    (with the reason), or `pending` (never fetched)."""
    from tracker.models.tagging import ExtractedText

    versions = list(versions)
    keys = {v.id: (v.source_doc or v.url)[:500] for v in versions}
    shas = {v.text_sha256 for v in versions if v.text_sha256}
    texts = {}
    if shas:
        texts = {
            sha: (chars, extractor)
            for sha, chars, extractor in session.execute(
                select(ExtractedText.sha256, ExtractedText.chars, ExtractedText.extractor).where(
                    ExtractedText.sha256.in_(shas)
                )
            )
        }
    # Only versions without a text need their fetch outcome (one query, or none).
    missing = {keys[v.id] for v in versions if v.text_sha256 not in texts}
    docs = {}
    if missing:
        docs = {
            d.key: d
            for d in session.scalars(
                select(VersionDocument).where(VersionDocument.key.in_(missing))
            )
        }
    out: dict[int, dict[str, Any]] = {}
    for v in versions:
        if v.text_sha256 in texts:
            chars, extractor = texts[v.text_sha256]
            out[v.id] = {"state": "extracted", "chars": chars, "extractor": extractor}
            continue
        doc = docs.get(keys[v.id])
        if doc is None or doc.status in ("new", "ok"):
            out[v.id] = {"state": "pending"}
        else:
            out[v.id] = {"state": doc.status, "reason": (doc.error or "")[:300]}
    return out
