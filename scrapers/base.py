"""The scraper interface and the one HTTP layer every source goes through.

`http_session(settings, source, ...)` builds an `HttpClient`:
- a `requests.Session` with a urllib3 `Retry`: exponential backoff with jitter on
  connect/read timeouts and 500/502/503/504, `Retry-After` honoured on 429 and 503;
- a timeout on every request, TLS verified, a User-Agent naming the project;
- a per-source rate limit (minimum spacing between requests), or one per host for
  document fetches that reach many hosts (`per_host=True`);
- a size cap (`max_bytes`): a larger Content-Length is refused before the body is read,
  a body that grows past it is cut off; both raise `TooLarge`;
- API keys sent as headers where the source allows it; where it does not (LegiScan's
  `key=`), the key is added at send time only and stripped from every URL that is
  archived, logged or stored (`redact_url`);
- a request counter with an optional cap (`QuotaExhausted` before the request is sent);
- every response remembered as an `ArchivedResponse` (source, URL without key, sha256,
  fetched at, body) for the sync to write to the raw-response archive.

The transport is swappable: `LiveTransport` talks to the network, `ReplayTransport`
serves recorded responses from a directory (`tracker sync --replay DIR`), and the
sync's archive transport serves the raw-response archive (`tracker reparse`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any, ClassVar, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

from scrapers import guard
from tracker.config import Settings
from tracker.errors import NotFound, ParseError, QuotaExhausted, SourceUnavailable, TooLarge

log = logging.getLogger(__name__)

USER_AGENT = (
    "mh-policy-tracker/0.1 (mental-health policy bill tracker; "
    "+https://github.com/mh-policy-tracker/mh-policy-tracker; contact: admin@localhost)"
)
# Query parameters that carry credentials: never archived, logged or stored.
SECRET_PARAMS = frozenset({"key", "api_key", "apikey", "api-key", "token"})
DEFAULT_TIMEOUT = (10.0, 60.0)  # (connect, read) seconds
_SECRET_IN_TEXT = re.compile(r"(?i)([?&](?:key|api_key|apikey|api-key|token)=)[^&\s\"']+")


def redact_url(url: str) -> str:
    """The URL with credential query parameters removed."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    kept = [(k, v) for k, v in query if k.lower() not in SECRET_PARAMS]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(kept), ""))


def redact_text(text: str) -> str:
    """Replace credential values inside free text (log lines, error messages)."""
    return _SECRET_IN_TEXT.sub(r"\1***", text)


def canonical_url(url: str, params: Mapping[str, Any] | None = None) -> str:
    """URL + params with sorted query and no credentials: the archive/replay key."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    for key, value in (params or {}).items():
        if value is None:
            continue
        values = value if isinstance(value, list | tuple) else [value]
        query.extend((key, str(v)) for v in values)
    kept = sorted((k, v) for k, v in query if k.lower() not in SECRET_PARAMS)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(kept), ""))


class RedactingFilter(logging.Filter):
    """Strips credential query parameters from log records (urllib3 logs full URLs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact_text(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = RedactingFilter()
# Logger filters only see records created on that very logger, so every logger that
# formats a request URL is listed (urllib3's retry logger prints the raw URL).
for _name in (
    "urllib3",
    "urllib3.connectionpool",
    "urllib3.connection",
    "urllib3.poolmanager",
    "urllib3.util.retry",
    "urllib3.response",
    "requests",
    "scrapers",
    "scrapers.base",
    "scrapers.sync",
):
    _logger = logging.getLogger(_name)
    if _FILTER not in _logger.filters:
        _logger.addFilter(_FILTER)


@dataclass
class FetchedResponse:
    """One HTTP response as the scrapers see it; `url` never carries a key."""

    source: str
    url: str
    status: int
    content: bytes
    content_type: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    kind: str = "page"
    ref: dict[str, Any] | None = None

    @property
    def sha256(self) -> str:
        """Hex sha256 of the body."""
        return hashlib.sha256(self.content).hexdigest()

    @property
    def text(self) -> str:
        """The body decoded (UTF-8 unless the server said otherwise)."""
        match = re.search(r"charset=([\w-]+)", self.content_type or "", re.I)
        encoding = match.group(1) if match else "utf-8"
        try:
            return self.content.decode(encoding, errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON; malformed JSON raises ParseError naming the URL."""
        try:
            return guard.load_json(self.content, "the response", url=self.url)
        except ParseError as exc:
            raise ParseError(str(exc.args[0]), url=self.url, source=self.source) from exc


class Transport(Protocol):
    """Sends one GET; `secret_params` are added to the wire request only."""

    def fetch(
        self,
        url: str,
        params: Mapping[str, Any],
        headers: Mapping[str, str],
        secret_params: Mapping[str, str],
    ) -> tuple[int, bytes, dict[str, str]]: ...


class RateLimiter:
    """Minimum spacing between requests of one source (thread-safe).

    A plain interval limiter is all the sources need: each documents a single
    requests-per-hour or per-second budget and we never burst.
    """

    def __init__(self, per_second: float | None, clock: Callable[[], float] = time.monotonic):
        self.interval = 1.0 / per_second if per_second else 0.0
        self._clock = clock
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until the next request may go out."""
        if not self.interval:
            return
        with self._lock:
            now = self._clock()
            delay = self._next - now
            self._next = max(now, self._next) + self.interval
        if delay > 0:
            time.sleep(delay)


class HostRateLimiter:
    """One `RateLimiter` per host: documents come from many legislatures' servers."""

    def __init__(self, per_second: float | None):
        self.per_second = per_second
        self._limiters: dict[str, RateLimiter] = {}
        self._lock = threading.Lock()

    def wait(self, url: str) -> None:
        """Block until the next request to this URL's host may go out."""
        host = urlsplit(url).netloc.lower()
        with self._lock:
            limiter = self._limiters.setdefault(host, RateLimiter(self.per_second))
        limiter.wait()


def make_retry(total: int = 5, backoff_factor: float = 0.5) -> Retry:
    """The retry policy: backoff with jitter on timeouts and 5xx, Retry-After on 429/503."""
    return Retry(
        total=total,
        connect=total,
        read=total,
        status=total,
        other=0,
        allowed_methods=frozenset({"GET", "HEAD"}),
        status_forcelist=(429, 500, 502, 503, 504),
        backoff_factor=backoff_factor,
        backoff_jitter=backoff_factor,
        backoff_max=120,
        respect_retry_after_header=True,
        retry_after_max=3600,
        raise_on_status=False,
    )


class LiveTransport:
    """The network: a requests.Session with retries, a timeout and a rate limit."""

    def __init__(
        self,
        *,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        retry: Retry | None = None,
        rate_per_second: float | None = None,
        headers: Mapping[str, str] | None = None,
        max_bytes: int | None = None,
        per_host: bool = False,
    ):
        self.timeout = timeout
        self.limiter = RateLimiter(None if per_host else rate_per_second)
        self.host_limiter = HostRateLimiter(rate_per_second) if per_host else None
        self.max_bytes = max_bytes
        self.session = requests.Session()
        adapter = HTTPAdapter(max_retries=retry or make_retry())
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept-Encoding": "gzip"})
        self.session.headers.update(dict(headers or {}))
        self.session.verify = True

    def fetch(
        self,
        url: str,
        params: Mapping[str, Any],
        headers: Mapping[str, str],
        secret_params: Mapping[str, str],
    ) -> tuple[int, bytes, dict[str, str]]:
        """Send one GET (retried inside urllib3); network failure -> SourceUnavailable."""
        self.limiter.wait()
        if self.host_limiter is not None:
            self.host_limiter.wait(url)
        wire_params = {k: v for k, v in params.items() if v is not None}
        wire_params.update(secret_params)
        try:
            resp = self.session.get(
                url,
                params=wire_params,
                headers=dict(headers),
                timeout=self.timeout,
                stream=self.max_bytes is not None,
            )
            if self.max_bytes is None:
                return resp.status_code, resp.content, dict(resp.headers)
            with resp:
                return resp.status_code, self._read_capped(resp, url), dict(resp.headers)
        except requests.RequestException as exc:
            # requests puts the full URL (with any key) into the message: redact it.
            raise SourceUnavailable(redact_text(f"{type(exc).__name__}: {exc}")) from None

    def _read_capped(self, resp: requests.Response, url: str) -> bytes:
        """The body, refused once it is (or says it will be) over `max_bytes`."""
        cap = self.max_bytes or 0
        declared = resp.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise TooLarge(f"{redact_url(url)}: {declared} bytes is over the {cap}-byte cap")
        chunks, size = [], 0
        for chunk in resp.iter_content(chunk_size=256 * 1024):
            size += len(chunk)
            if size > cap:
                raise TooLarge(f"{redact_url(url)}: body passed the {cap}-byte cap; not read")
            chunks.append(chunk)
        return b"".join(chunks)


class ReplayTransport:
    """Serves recorded responses from DIR/index.jsonl (url -> file); no network.

    Each index line: `{"url": ..., "file": "relative/path", "status": 200,
    "content_type": "application/json"}`; `url` is the canonical URL (sorted query,
    no key). A later line for the same URL wins. Unknown URLs answer 404.
    """

    def __init__(self, directory: Path | str):
        self.directory = Path(directory)
        self.entries: dict[str, dict[str, Any]] = {}
        index = self.directory / "index.jsonl"
        if not index.exists():
            raise NotFound(f"no index.jsonl in replay directory {self.directory}")
        for line in index.read_text().splitlines():
            if line.strip():
                entry = json.loads(line)
                self.entries[entry["url"]] = entry

    def fetch(
        self,
        url: str,
        params: Mapping[str, Any],
        headers: Mapping[str, str],
        secret_params: Mapping[str, str],
    ) -> tuple[int, bytes, dict[str, str]]:
        """The recorded response for this URL, or a 404."""
        entry = self.entries.get(canonical_url(url, params))
        if entry is None:
            return 404, b"", {}
        body = (self.directory / entry["file"]).read_bytes()
        content_type = entry.get("content_type") or ""
        return int(entry.get("status", 200)), body, {"Content-Type": content_type}


class HttpClient:
    """One source's HTTP client: counting, capping, redacting and archiving."""

    def __init__(
        self,
        source: str,
        transport: Transport,
        *,
        secret_params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        cap: int | None = None,
        used: int = 0,
        max_bytes: int | None = None,
    ):
        self.source = source
        self.transport = transport
        self.max_bytes = max_bytes
        self.secret_params = dict(secret_params or {})
        self.headers = dict(headers or {})
        self.cap = cap
        self.requests_used = 0
        self.used_before = used  # requests spent earlier in the cap's period
        self.archived: list[FetchedResponse] = []

    def get(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        *,
        kind: str = "page",
        ref: dict[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        allow_status: tuple[int, ...] = (),
    ) -> FetchedResponse:
        """GET a URL; HTTP errors after retries raise SourceUnavailable or NotFound."""
        params = dict(params or {})
        if self.cap is not None and self.used_before + self.requests_used >= self.cap:
            raise QuotaExhausted(
                f"{self.source}: request cap {self.cap} reached "
                f"({self.used_before + self.requests_used} used); stopping cleanly"
            )
        self.requests_used += 1
        clean = canonical_url(url, params)
        log.debug("GET %s (%s)", clean, self.source)
        status, body, resp_headers = self.transport.fetch(
            url, params, {**self.headers, **dict(headers or {})}, self.secret_params
        )
        response = FetchedResponse(
            source=self.source,
            url=clean,
            status=status,
            content=body,
            content_type=_header(resp_headers, "Content-Type"),
            headers=resp_headers,
            kind=kind,
            ref=ref,
        )
        if self.max_bytes is not None and len(body) > self.max_bytes:
            raise TooLarge(f"{clean}: {len(body)} bytes is over the {self.max_bytes}-byte cap")
        if status in allow_status:
            return response
        if status == 404:
            raise NotFound(f"{self.source}: 404 for {clean}")
        if status >= 400:
            raise SourceUnavailable(f"{self.source}: HTTP {status} for {clean} after retries")
        self.archived.append(response)
        return response

    def get_json(self, url: str, params: Mapping[str, Any] | None = None, **kw: Any) -> Any:
        """GET and decode JSON (ParseError on malformed bodies)."""
        return self.get(url, params, **kw).json()

    def drain(self) -> list[FetchedResponse]:
        """Hand over the responses archived since the last drain."""
        out, self.archived = self.archived, []
        return out


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return ""


def http_session(
    settings: Settings,
    source: str,
    *,
    rate_per_second: float | None = None,
    headers: Mapping[str, str] | None = None,
    secret_params: Mapping[str, str] | None = None,
    cap: int | None = None,
    used: int = 0,
    replay_dir: Path | str | None = None,
    transport: Transport | None = None,
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
    retry: Retry | None = None,
    max_bytes: int | None = None,
    per_host: bool = False,
) -> HttpClient:
    """The HTTP client for one source (live, or replaying DIR when given)."""
    if transport is None:
        if replay_dir is not None:
            transport = ReplayTransport(replay_dir)
        elif settings.offline:
            raise SourceUnavailable(
                f"{source}: offline mode (TRACKER_OFFLINE/demo) - use --replay DIR or import"
            )
        else:
            transport = LiveTransport(
                timeout=timeout,
                retry=retry,
                rate_per_second=rate_per_second,
                max_bytes=max_bytes,
                per_host=per_host,
            )
    return HttpClient(
        source,
        transport,
        secret_params=secret_params,
        headers=headers,
        cap=cap,
        used=used,
        max_bytes=max_bytes,
    )


# --- The scraper interface ---------------------------------------------------------


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
