"""Incremental sync, file import and reparse: the one loop between scrapers and ingest.

- `run_sync`: per source and jurisdiction, reads the stored cursor (and any resume
  state of an interrupted run), hands the scraper the change tokens of the bills it
  already has (`known`), archives every raw response, quarantines payloads that fail
  to parse and goes on, ingests each bill in its own transaction, checkpoints progress
  so an interrupted run resumes, and advances the cursor only when the run completes.
- `import_paths`: recorded payload files through the same parsers and ingest.
- `reparse`: rebuild bills from the raw-response archive, without the network.

Scrapers never touch the database; this module is where their output meets it. The
raw-response archive and the quarantine live in `scrapers.archive`, cursors, change
tokens and request quotas in `scrapers.cursors`.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from scrapers import get_source, guard
from scrapers.archive import ArchiveTransport, archive_responses, quarantine
from scrapers.base import Checkpoint, Failure, Scraper, Unchanged
from scrapers.cursors import (
    CURSOR_OVERLAP,
    cursor_for,
    known_tokens,
    newer_token,
    parse_since,
    requests_this_month,
    watched_without_source,
)
from scrapers.hearings import hearings_from_actions
from scrapers.http import HttpClient, Transport, http_session
from scrapers.redaction import redact_text
from tracker.config import Settings
from tracker.db import session_scope
from tracker.errors import (
    InvalidInput,
    NotFound,
    ParseError,
    QuotaExhausted,
    ScrapeError,
    TrackerError,
)
from tracker.ids import bill_id as make_bill_id
from tracker.ingest import (
    IngestResult,
    ingest,
    ingest_committees,
    ingest_events,
    ingest_members,
    ingest_votes,
)
from tracker.models.collection import RawResponse, SyncCursor, SyncRun
from tracker.records import BillRecord, CommitteeRecord, EventRecord, MemberRecord, VoteRecord

log = logging.getLogger(__name__)


@dataclass
class Summary:
    """A run's closing summary."""

    source: str
    jurisdiction: str = ""
    mode: str = "sync"
    status: str = "ok"
    fetched: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    requests: int = 0
    legislators: int = 0
    committees: int = 0
    events: int = 0
    votes: int = 0
    changed_bill_ids: set[str] = field(default_factory=set)
    message: str = ""
    run_id: int | None = None

    def add_ingest(self, result: IngestResult) -> None:
        """Fold ingest counts in."""
        self.inserted += result.inserted
        self.updated += result.updated
        self.unchanged += result.unchanged
        self.changed_bill_ids |= result.changed_bill_ids
        self.legislators += result.legislators_inserted + result.legislators_updated

    @property
    def outcome(self) -> str:
        """What the CLI reports and exits on: "partial" when a payload was quarantined."""
        return "partial" if self.status == "ok" and self.quarantined else self.status

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly summary (job results, --json output)."""
        return {
            "source": self.source,
            "jurisdiction": self.jurisdiction,
            "mode": self.mode,
            "status": self.status,
            "outcome": self.outcome,
            "fetched": self.fetched,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "quarantined": self.quarantined,
            "requests": self.requests,
            "legislators": self.legislators,
            "committees": self.committees,
            "events": self.events,
            "votes": self.votes,
            "changed": len(self.changed_bill_ids),
            "message": self.message,
            "run_id": self.run_id,
        }

    def line(self) -> str:
        """One human line for the CLI."""
        text = (
            f"{self.source}{'/' + self.jurisdiction if self.jurisdiction else ''} [{self.mode}] "
            f"{self.outcome}: fetched {self.fetched}, inserted {self.inserted}, "
            f"updated {self.updated}, unchanged {self.unchanged}, "
            f"quarantined {self.quarantined}, requests {self.requests}"
        )
        if self.legislators or self.committees:
            text += f", legislators {self.legislators}, committees {self.committees}"
        if self.events or self.votes:
            text += f", events {self.events}, votes {self.votes}"
        return text + (f" - {self.message}" if self.message else "")


# --- archive and quarantine -----------------------------------------------------------


# --- writing records ------------------------------------------------------------------


# What writing one record may raise when the record (not the code) is wrong: our own
# validation, the database refusing a value, a malformed field a parser let through.
WRITE_ERRORS = (TrackerError, SQLAlchemyError, *guard.RECORD_ERRORS)


def _write_hearings(session: Session, bills: list[BillRecord], summary: Summary) -> None:
    """Hearings the bills' histories announce (WA, FL, MA wording) become events."""
    events = [event for bill in bills for event in hearings_from_actions(bill)]
    if events:
        summary.events += ingest_events(session, events)


def _write_record(session: Session, record: Any, summary: Summary) -> None:
    if isinstance(record, BillRecord):
        summary.add_ingest(ingest(session, [record]))
        _write_hearings(session, [record], summary)
    elif isinstance(record, MemberRecord):
        summary.add_ingest(ingest_members(session, [record]))
    elif isinstance(record, CommitteeRecord):
        summary.committees += ingest_committees(session, [record])
    elif isinstance(record, EventRecord):
        summary.events += ingest_events(session, [record])
    elif isinstance(record, VoteRecord):
        summary.votes += ingest_votes(session, [record])
    else:
        raise InvalidInput(f"unexpected record type {type(record).__name__}")


def _write_batch(
    session: Session, settings: Settings, records: list[Any], summary: Summary, run_id: int | None
) -> None:
    """Ingest a batch in one transaction; if it fails, retry one by one and quarantine."""
    bills = [r for r in records if isinstance(r, BillRecord)]
    others = [r for r in records if not isinstance(r, BillRecord)]
    try:
        if bills:
            summary.add_ingest(ingest(session, bills, batch_size=len(bills)))
            _write_hearings(session, bills, summary)
    except WRITE_ERRORS:
        # One bad record (a NUL byte PostgreSQL refuses, a shrink held for review ...)
        # never costs the batch: each record again in its own transaction.
        session.rollback()
        for record in bills:
            _write_one(session, settings, record, summary, run_id)
    for record in others:
        _write_one(session, settings, record, summary, run_id)


def _write_one(
    session: Session, settings: Settings, record: Any, summary: Summary, run_id: int | None
) -> None:
    try:
        _write_record(session, record, summary)
    except WRITE_ERRORS as exc:
        session.rollback()
        source = record.sources[0].source if getattr(record, "sources", None) else summary.source
        ref = record.sources[0] if getattr(record, "sources", None) else None
        quarantine(
            session,
            settings,
            Failure(
                source,
                f"{type(exc).__name__}: {exc}",
                url=ref.url if ref else None,
                source_id=(ref.source_id if ref else None) or getattr(record, "identifier", None),
            ),
            run_id,
            payload=_record_payload(record),
        )
        summary.quarantined += 1
        session.commit()


def _record_payload(record: Any) -> bytes | None:
    """The refused record as JSON, kept with its quarantine row for review."""
    if not is_dataclass(record):
        return None
    return json.dumps(asdict(record), default=str, ensure_ascii=False).encode(
        "utf-8", errors="replace"
    )


# --- import -------------------------------------------------------------------------------


def expand_paths(paths: Iterable[Path | str], suffixes: tuple[str, ...] = ()) -> list[Path]:
    """Files as given; directories walked recursively (sorted), keeping `suffixes` only."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file()
                and not p.name.startswith(".")
                and (not suffixes or p.suffix.lower() in suffixes)
            )
        elif path.exists():
            out.append(path)
        else:
            raise NotFound(f"no such file or directory: {path}")
    return out


def import_paths(
    settings: Settings,
    source: str,
    paths: Iterable[Path | str],
    *,
    session_name: str | None = None,
    jurisdiction: str | None = None,
    progress: bool = False,
    batch_size: int = 200,
) -> Summary:
    """Import recorded payload files through the source's parsers and ingest."""
    scraper_cls = get_source(source)
    scraper = scraper_cls(None, settings)
    files = scraper_cls.sort_files(expand_paths(paths, scraper_cls.suffixes))
    summary = Summary(source=source, jurisdiction=jurisdiction or "", mode="import")
    with session_scope(settings) as session:
        run = _start_run(session, summary)
        batch: list[Any] = []
        # (bill id, source) -> (token, batch number, position) of its first description
        seen: dict[tuple[str, str], tuple[str | None, int, int]] = {}
        batches = 0
        with _marks_failure(session, run, summary):
            for path in _progress(files, progress, f"import {source}"):
                items = _parse_file(scraper, source, path, session_name, jurisdiction)
                for item in items:
                    if isinstance(item, Failure):
                        quarantine(session, settings, item, run.id, payload=_read_small(path))
                        summary.quarantined += 1
                        session.commit()
                        continue
                    summary.fetched += 1
                    if not _first_description(item, seen, batch, batches):
                        summary.unchanged += 1  # described earlier in this import
                        continue
                    if len(batch) >= batch_size:
                        _write_batch(session, settings, batch, summary, run.id)
                        batch, batches = [], batches + 1
            if batch:
                _write_batch(session, settings, batch, summary, run.id)
            _finish_run(session, run, summary)
    return summary


def _parse_file(
    scraper: Scraper,
    source: str,
    path: Path,
    session_name: str | None,
    jurisdiction: str | None,
) -> list[Any]:
    """Everything a file yields; a failure part-way keeps what came before it."""
    items: list[Any] = []
    try:
        if path.stat().st_size > guard.MAX_PAYLOAD_BYTES:
            raise ParseError(f"{path.name} is larger than {guard.MAX_PAYLOAD_BYTES} bytes")
        for item in scraper.parse_file(path, session=session_name, jurisdiction=jurisdiction):
            items.append(item)
    except guard.RECORD_ERRORS as exc:
        items.append(Failure(source, f"{type(exc).__name__}: {exc}", url=str(path)))
    return items


def _first_description(
    item: Any,
    seen: dict[tuple[str, str], tuple[str | None, int, int]],
    batch: list[Any],
    number: int,
) -> bool:
    """Add `item` to the batch; False when it only replaced or repeated an earlier one.

    One import can hold a bill twice (GovInfo's old and new layouts of S. 35, Oregon's
    two saved pages of HB 3623). The first description stands unless a later one carries
    a newer timestamp token, so every re-import makes the same choice and is a no-op.
    """
    if not isinstance(item, BillRecord):
        batch.append(item)
        return True
    try:
        key = (
            make_bill_id(item.jurisdiction, item.session, item.identifier),
            item.sources[0].source if item.sources else "",
        )
    except InvalidInput:
        batch.append(item)
        return True
    if key in seen:
        token, owner, position = seen[key]
        if not newer_token(item.source_updated, token):
            return False
        if owner == number:
            batch[position] = item  # not written yet: the older one is dropped
            seen[key] = (item.source_updated, number, position)
            return False
    batch.append(item)
    seen[key] = (item.source_updated, number, len(batch) - 1)
    return True


def _read_small(path: Path, limit: int = 5_000_000) -> bytes | None:
    try:
        return path.read_bytes()[:limit]
    except OSError:
        return None


# --- sync ---------------------------------------------------------------------------------


def run_sync(
    settings: Settings,
    source: str,
    *,
    jurisdiction: str | None = None,
    since: date | datetime | None = None,
    replay_dir: Path | str | None = None,
    transport: Transport | None = None,
    topics: list[str] | None = None,
    progress: bool = False,
    http: HttpClient | None = None,
    session_name: str | None = None,
) -> Summary:
    """One incremental sync of one source (and jurisdiction); returns its summary."""
    scraper_cls = get_source(source)
    if scraper_cls.scrape is Scraper.scrape:
        raise InvalidInput(f"{source} is a file format: use `tracker import --source {source}`")
    juris = (jurisdiction or "").lower()
    summary = Summary(source=source, jurisdiction=juris, mode="replay" if replay_dir else "sync")
    with session_scope(settings) as session:
        cursor = cursor_for(session, source, juris)
        resume_state: dict[str, Any] | None = None
        if since is None and cursor.resume and cursor.resume.get("state"):
            since = parse_since(cursor.resume.get("since"))
            resume_state = dict(cursor.resume["state"])
        elif since is None:
            since = parse_since(cursor.value)
        started = datetime.now(UTC)
        if http is None:
            key_name = scraper_cls.key_setting
            if (
                key_name
                and not getattr(settings, key_name)
                and replay_dir is None
                and transport is None
            ):
                raise InvalidInput(f"{source} needs {key_name.upper()} (or use --replay DIR)")
            options = scraper_cls.client_options(settings)
            if options.get("cap") is not None:
                shared = getattr(scraper_cls, "cap_sources", ()) or (source,)
                options["used"] = requests_this_month(session, tuple(shared))
            http = http_session(
                settings,
                source,
                rate_per_second=None if replay_dir else scraper_cls.rate_per_second,
                replay_dir=replay_dir,
                transport=transport,
                **options,
            )
        # The run row is written once the client exists, so a missing key or offline
        # mode leaves no "running" row behind.
        run = _start_run(session, summary)
        with _marks_failure(session, run, summary):
            scraper = scraper_cls(http, settings, session_name)
            known = known_tokens(session, source, juris or None)
            extra: dict[str, Any] = {}
            if "watch" in inspect.signature(scraper.scrape).parameters and juris:
                extra["watch"] = watched_without_source(session, source, juris)
            session.commit()
            since_text = since.isoformat() if since else None
            completed = False
            try:
                stream = scraper.scrape(
                    since,
                    jurisdiction=juris or None,
                    known=known,
                    resume=resume_state,
                    topics=topics,
                    **extra,
                )
                for item in _progress(stream, progress, f"sync {source}"):
                    _handle(session, settings, http, item, summary, run.id, cursor, since_text)
                completed = True
            except QuotaExhausted as exc:
                session.rollback()
                summary.status, summary.message = "stopped", str(exc)
            except (ParseError, NotFound) as exc:
                session.rollback()
                archive_responses(session, settings, http.drain(), run.id)
                quarantine(
                    session,
                    settings,
                    Failure(source, f"{type(exc).__name__}: {exc}", url=getattr(exc, "url", None)),
                    run.id,
                )
                summary.quarantined += 1
                summary.status, summary.message = "failed", redact_text(str(exc))
            except ScrapeError as exc:
                session.rollback()
                summary.status, summary.message = "failed", redact_text(str(exc))
            archive_responses(session, settings, http.drain(), run.id)
            if completed:
                cursor.value = (started - CURSOR_OVERLAP).isoformat()
                cursor.resume = None
                cursor.updated_at = datetime.now(UTC)
            summary.requests = http.requests_used
            _finish_run(session, run, summary)
    return summary


def _handle(
    session: Session,
    settings: Settings,
    http: HttpClient,
    item: Any,
    summary: Summary,
    run_id: int | None,
    cursor: SyncCursor,
    since_text: str | None,
) -> None:
    if isinstance(item, Unchanged):
        summary.unchanged += 1
        return
    responses = http.drain()
    if isinstance(item, Checkpoint):
        archive_responses(session, settings, responses, run_id)
        cursor.resume = {"since": since_text, "state": item.state}
        cursor.updated_at = datetime.now(UTC)
        session.commit()
        return
    if isinstance(item, Failure):
        archive_responses(session, settings, responses, run_id)
        payload = responses[-1].content if responses else None
        quarantine(session, settings, item, run_id, payload=payload)
        summary.quarantined += 1
        session.commit()
        return
    summary.fetched += 1
    rows = archive_responses(session, settings, responses, run_id)
    main = next((r for r in rows if r.kind == "bill"), rows[0] if rows else None)
    for ref in getattr(item, "sources", []):
        if main is not None and ref.source == summary.source:
            ref.payload_sha256 = ref.payload_sha256 or main.sha256
            ref.fetched_at = ref.fetched_at or main.fetched_at
    # The archive rows and the bill commit in the same transaction.
    _write_one(session, settings, item, summary, run_id)


# --- reparse ------------------------------------------------------------------------------


def reparse(settings: Settings, source: str | None = None, progress: bool = False) -> list[Summary]:
    """Rebuild bills from the raw-response archive with today's parsers; no network."""
    summaries = []
    with session_scope(settings) as session:
        sources = (
            [source]
            if source
            else sorted(set(session.scalars(select(RawResponse.source).distinct())))
        )
        for name in sources:
            summary = Summary(source=name, mode="reparse")
            run = _start_run(session, summary)
            rows = list(
                session.scalars(
                    select(RawResponse).where(RawResponse.source == name).order_by(RawResponse.id)
                )
            )
            transport = ArchiveTransport(settings, rows)
            http = HttpClient(name, transport)
            scraper = get_source(name)(http, settings)
            refs: dict[str, dict[str, Any]] = {}
            for row in rows:
                if row.kind == "bill" and row.ref:
                    refs[json.dumps(row.ref, sort_keys=True)] = row.ref
                    continue
                try:
                    whole = scraper.parse_archived(
                        row.kind, (transport.cache / row.path).read_bytes(), row.url
                    )
                except (ParseError, InvalidInput, ValueError) as exc:
                    quarantine(session, settings, Failure(name, str(exc), url=row.url), run.id)
                    summary.quarantined += 1
                    session.commit()
                    continue
                for record in whole or []:
                    summary.fetched += 1
                    _write_one(session, settings, record, summary, run.id)
            for ref in _progress(list(refs.values()), progress, f"reparse {name}"):
                try:
                    record = scraper.fetch_bill(ref)
                except (ParseError, NotFound) as exc:
                    quarantine(
                        session,
                        settings,
                        Failure(name, str(exc), url=getattr(exc, "url", None)),
                        run.id,
                    )
                    summary.quarantined += 1
                    session.commit()
                    continue
                http.drain()
                summary.fetched += 1
                _write_one(session, settings, record, summary, run.id)
            summary.requests = 0  # served from the archive
            _finish_run(session, run, summary)
            summaries.append(summary)
    return summaries


# --- runs and progress --------------------------------------------------------------------


@contextmanager
def _marks_failure(session: Session, run: SyncRun, summary: Summary) -> Iterator[None]:
    """Whatever escapes the loop (a bug, Ctrl-C, a lost database) still closes the run as
    failed with its error, so no run stays `running` forever; then it propagates."""
    try:
        yield
    except BaseException as exc:
        session.rollback()
        summary.status = "failed"
        summary.message = redact_text(f"{type(exc).__name__}: {exc}")[:2000]
        _finish_run(session, run, summary)
        raise


def _start_run(session: Session, summary: Summary) -> SyncRun:
    run = SyncRun(source=summary.source, jurisdiction=summary.jurisdiction, mode=summary.mode)
    session.add(run)
    session.commit()
    summary.run_id = run.id
    return run


def _finish_run(session: Session, run: SyncRun, summary: Summary) -> None:
    if summary.status == "ok" and summary.quarantined:
        summary.message = summary.message or f"{summary.quarantined} payload(s) quarantined"
    run.status = summary.status
    run.finished_at = datetime.now(UTC)
    for name in ("fetched", "inserted", "updated", "unchanged", "quarantined", "requests"):
        setattr(run, name, getattr(summary, name))
    run.changed_bill_ids = sorted(summary.changed_bill_ids)
    run.message = summary.message or None
    session.commit()


def _progress(items: Iterable[Any], enabled: bool, label: str) -> Iterator[Any]:
    if not enabled:
        yield from items
        return
    from tqdm import tqdm

    total = len(items) if isinstance(items, list) else None
    with tqdm(items, total=total, desc=label, unit="item", leave=False) as bar:
        yield from bar
