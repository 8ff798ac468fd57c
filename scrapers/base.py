"""The scraper interface: what every source yields and the methods the sync calls.

HTTP lives in `scrapers.http` (one client every source goes through) and credential
redaction in `scrapers.redaction`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from tracker.config import Settings

if TYPE_CHECKING:
    from scrapers.http import HttpClient


@dataclass
class Failure:
    """A payload that could not be parsed: quarantined, and the run goes on."""

    source: str
    error: str
    url: str | None = None
    source_id: str | None = None
    payload: bytes | None = None


@dataclass
class Unchanged:
    """A bill the source lists with the same change token we stored: not re-fetched."""

    source_id: str


@dataclass
class Checkpoint:
    """Progress a scraper reports so an interrupted sync resumes from here."""

    state: dict[str, Any]


class Scraper:
    """Base of every source: `scrape(since)` yields records, Failures and Checkpoints."""

    source: ClassVar[str] = ""
    kind: ClassVar[str] = "bills"  # "bills" | "people"
    rate_per_second: ClassVar[float | None] = 1.0
    key_setting: ClassVar[str | None] = None  # Settings attribute holding the API key
    jurisdictions: ClassVar[tuple[str, ...]] = ()  # empty: any / given by the caller
    # File suffixes `tracker import DIR` reads; files named explicitly are always read.
    suffixes: ClassVar[tuple[str, ...]] = (".json",)

    def __init__(self, http: HttpClient | None, settings: Settings, session: str | None = None):
        self.http = http
        self.settings = settings
        self.session_name = session  # a session the source cannot list by itself

    @classmethod
    def client_options(cls, settings: Settings) -> dict[str, Any]:
        """Headers / secret params / cap for `http_session` (key placement per source)."""
        return {}

    def scrape(
        self,
        since: date | datetime | None = None,
        *,
        jurisdiction: str | None = None,
        known: Mapping[str, str] | None = None,
        resume: Mapping[str, Any] | None = None,
        topics: list[str] | None = None,
    ) -> Iterator[Any]:
        """Yield records (and Failure / Unchanged / Checkpoint items) changed since `since`."""
        raise NotImplementedError

    def parse_file(
        self, path: Path, *, session: str | None = None, jurisdiction: str | None = None
    ) -> Iterator[Any]:
        """Parse one recorded payload file (for `tracker import`)."""
        raise NotImplementedError

    def fetch_bill(self, ref: Mapping[str, Any]) -> Any:
        """Fetch one bill again by the `ref` stored in its archived response (reparse)."""
        raise NotImplementedError

    @staticmethod
    def sort_files(files: list[Path]) -> list[Path]:
        """The order `tracker import` reads a directory in (dependencies first)."""
        return files

    def parse_archived(self, kind: str, content: bytes, url: str) -> list[Any] | None:
        """Records held whole in one archived response of `kind` (reparse); None if n/a."""
        return None


def if_modified_since(since: date | datetime | None) -> dict[str, str]:
    """An If-Modified-Since header for a cursor (empty when there is none)."""
    if since is None:
        return {}
    if not isinstance(since, datetime):
        since = datetime(since.year, since.month, since.day, tzinfo=UTC)
    elif since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return {"If-Modified-Since": format_datetime(since.astimezone(UTC), usegmt=True)}


def parse_date(value: Any) -> date | None:
    """A date from `YYYY-MM-DD`, an ISO timestamp or `MM/DD/YYYY`; None when empty."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        pass
    for fmt in ("%m/%d/%Y", "%m/%d/%y", "%B %d, %Y", "%b %d, %Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"unrecognised date {text!r}")
