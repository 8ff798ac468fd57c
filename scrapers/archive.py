"""The raw-response archive and the quarantine: what a sync keeps besides records.

Every body a source returned is written once, content-addressed, under
SCRAPER_CACHE_DIR (which doubles as a replay directory) with a `RawResponse` row;
`ArchiveTransport` serves those bodies back for `tracker reparse`. A payload that fails
to parse is kept as a `QuarantinedPayload` with its source, URL and reason.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scrapers.base import Failure
from scrapers.http import FetchedResponse
from scrapers.redaction import canonical_url, redact_text
from tracker.config import Settings
from tracker.models.collection import QuarantinedPayload, RawResponse

log = logging.getLogger("scrapers.sync")

_EXTENSIONS = {"json": "json", "xml": "xml", "html": "html", "yaml": "yaml", "csv": "csv"}


def _extension(content_type: str, url: str) -> str:
    for key, ext in _EXTENSIONS.items():
        if key in (content_type or "").lower():
            return ext
    tail = url.rsplit("?", 1)[0].rsplit(".", 1)
    return tail[1] if len(tail) == 2 and tail[1].isalnum() and len(tail[1]) <= 5 else "bin"


def archive_responses(
    session: Session, settings: Settings, responses: Iterable[FetchedResponse], run_id: int | None
) -> list[RawResponse]:
    """Write bodies to SCRAPER_CACHE_DIR (content-addressed) and add archive rows."""
    rows = []
    cache = Path(settings.scraper_cache_dir)
    for resp in responses:
        digest = resp.sha256
        seen = session.scalars(
            select(RawResponse)
            .where(RawResponse.url == resp.url[:2000], RawResponse.sha256 == digest)
            .limit(1)
        ).first()
        if seen is not None:
            # The same body at the same URL is archived once; a re-run writes nothing new.
            rows.append(seen)
            continue
        rel = Path(resp.source) / digest[:2] / f"{digest}.{_extension(resp.content_type, resp.url)}"
        target = cache / rel
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(resp.content)
        entry = {
            "url": resp.url,
            "file": str(rel),
            "status": resp.status,
            "content_type": resp.content_type,
            "source": resp.source,
        }
        # The cache directory doubles as a replay directory (`--replay SCRAPER_CACHE_DIR`).
        with (cache / "index.jsonl").open("a", encoding="utf-8") as index:
            index.write(json.dumps(entry) + "\n")
        row = RawResponse(
            source=resp.source,
            url=resp.url[:2000],
            kind=resp.kind,
            ref=resp.ref,
            status=resp.status,
            content_type=(resp.content_type or "")[:120],
            sha256=digest,
            size=len(resp.content),
            path=str(rel),
            fetched_at=resp.fetched_at,
            sync_run_id=run_id,
        )
        session.add(row)
        rows.append(row)
    return rows


def quarantine(
    session: Session,
    settings: Settings,
    failure: Failure,
    run_id: int | None,
    payload: bytes | None = None,
) -> QuarantinedPayload:
    """Keep a payload that failed to parse, with source, URL/id and the error."""
    payload = payload if payload is not None else failure.payload
    digest = path = None
    if payload:
        resp = FetchedResponse(
            source=failure.source, url=failure.url or "", status=0, content=payload
        )
        digest = resp.sha256
        rel = Path("quarantine") / failure.source / f"{digest}.bin"
        target = Path(settings.scraper_cache_dir) / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(payload)
        path = str(rel)
    row = QuarantinedPayload(
        source=failure.source,
        url=(redact_text(failure.url) if failure.url else None),
        source_id=failure.source_id,
        error=redact_text(failure.error)[:5000],
        payload_sha256=digest,
        payload_path=path,
        sync_run_id=run_id,
    )
    session.add(row)
    log.warning(
        "quarantined %s %s: %s", failure.source, failure.url or failure.source_id, failure.error
    )
    return row


def list_quarantine(
    session: Session, source: str | None = None, limit: int = 100
) -> list[QuarantinedPayload]:
    """Newest quarantined payloads first."""
    query = select(QuarantinedPayload).order_by(QuarantinedPayload.id.desc()).limit(limit)
    if source:
        query = query.where(QuarantinedPayload.source == source)
    return list(session.scalars(query))


class ArchiveTransport:
    """Serves the latest archived body for each canonical URL; never the network."""

    def __init__(self, settings: Settings, rows: Iterable[RawResponse]):
        self.cache = Path(settings.scraper_cache_dir)
        self.by_url: dict[str, RawResponse] = {}
        for row in rows:
            self.by_url[row.url] = row  # rows come oldest first: the latest wins

    def fetch(
        self,
        url: str,
        params: Mapping[str, Any],
        headers: Mapping[str, str],
        secret_params: Mapping[str, str],
    ) -> tuple[int, bytes, dict[str, str]]:
        """The archived response, or 404 when the archive never saw this URL."""
        row = self.by_url.get(canonical_url(url, params))
        if row is None:
            return 404, b"", {}
        return row.status, (self.cache / row.path).read_bytes(), {"Content-Type": row.content_type}
