"""Collection bookkeeping: sync cursors, the raw-response archive, quarantine, sync runs.

Written only by `scrapers.sync`, `scrapers.archive` and `scrapers.cursors` (scrapers
themselves never touch the database).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tracker.models import Base, utcnow


class SyncRun(Base):
    """One sync / import / reparse run of one source, with its closing summary."""

    __tablename__ = "sync_runs"
    __table_args__ = (Index("ix_sync_runs_source_started", "source", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    jurisdiction: Mapped[str] = mapped_column(String(8), default="")
    mode: Mapped[str] = mapped_column(String(20), default="sync")  # sync|replay|import|reparse
    status: Mapped[str] = mapped_column(String(20), default="running")  # running|ok|stopped|failed
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    fetched: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    quarantined: Mapped[int] = mapped_column(Integer, default=0)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    changed_bill_ids: Mapped[list[Any]] = mapped_column(default=list)
    message: Mapped[str | None] = mapped_column(Text)


class SyncCursor(Base):
    """A source's incremental cursor per jurisdiction, plus in-progress resume state."""

    __tablename__ = "sync_cursors"
    __table_args__ = (UniqueConstraint("source", "jurisdiction"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    jurisdiction: Mapped[str] = mapped_column(String(8), default="")
    value: Mapped[str | None] = mapped_column(String(100))  # last completed run's "since"
    resume: Mapped[dict[str, Any] | None] = mapped_column()  # {"since":..., "state": {...}}
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class RawResponse(Base):
    """An archived raw response: body on disk under SCRAPER_CACHE_DIR, keyed by sha256."""

    __tablename__ = "raw_responses"
    __table_args__ = (
        Index("ix_raw_responses_source_kind", "source", "kind"),
        Index("ix_raw_responses_url", "url"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    url: Mapped[str] = mapped_column(String(2000))  # canonical, never carries a key
    kind: Mapped[str] = mapped_column(String(40), default="page")
    ref: Mapped[dict[str, Any] | None] = mapped_column()  # how to re-fetch the bill
    status: Mapped[int] = mapped_column(Integer, default=200)
    content_type: Mapped[str] = mapped_column(String(120), default="")
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer, default=0)
    path: Mapped[str] = mapped_column(String(500))  # relative to SCRAPER_CACHE_DIR
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    sync_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("sync_runs.id", ondelete="SET NULL"), index=True
    )


class QuarantinedPayload(Base):
    """A payload that failed to parse: kept with source, URL/id and error; the run went on."""

    __tablename__ = "quarantine"
    __table_args__ = (Index("ix_quarantine_source_created", "source", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    url: Mapped[str | None] = mapped_column(String(2000))
    source_id: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str] = mapped_column(Text)
    payload_sha256: Mapped[str | None] = mapped_column(String(64))
    payload_path: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved: Mapped[bool] = mapped_column(default=False)
    sync_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("sync_runs.id", ondelete="SET NULL"), index=True
    )


class VersionDocument(Base):
    """Fetch state of one version document URL (kept apart from bill_versions, which
    ingest rewrites): validators for conditional requests, the archived bytes, outcome."""

    __tablename__ = "version_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The source's document id ("legiscan:2861602") when it has one, else the URL: two
    # LegiScan texts can share one state_link.
    key: Mapped[str] = mapped_column(String(500), unique=True)
    url: Mapped[str] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(40))  # "legiscan" or "texts" (by URL)
    source_doc: Mapped[str | None] = mapped_column(String(120))
    source_hash: Mapped[str | None] = mapped_column(String(64))
    etag: Mapped[str | None] = mapped_column(String(200))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    raw_sha256: Mapped[str | None] = mapped_column(String(64))
    raw_path: Mapped[str | None] = mapped_column(String(500))  # relative to SCRAPER_CACHE_DIR
    content_type: Mapped[str | None] = mapped_column(String(120))
    size: Mapped[int | None] = mapped_column(Integer)
    # ok | quarantined (could not be extracted) | too_large | not_found | failed
    status: Mapped[str] = mapped_column(String(20), default="ok")
    error: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime | None] = mapped_column()
    checked_at: Mapped[datetime | None] = mapped_column()
