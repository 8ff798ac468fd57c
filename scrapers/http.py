"""The one HTTP layer every source goes through (the scraper interface is `scrapers.base`).

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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

from scrapers import guard
from scrapers.redaction import canonical_url, install_log_filter, redact_text, redact_url
from tracker.config import Settings
from tracker.errors import NotFound, ParseError, QuotaExhausted, SourceUnavailable, TooLarge

log = logging.getLogger(__name__)

USER_AGENT = (
    "mh-policy-tracker/0.1 (mental-health policy bill tracker; "
    "+https://github.com/mh-policy-tracker/mh-policy-tracker; contact: admin@localhost)"
)
DEFAULT_TIMEOUT = (10.0, 60.0)  # (connect, read) seconds


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
        install_log_filter()  # urllib3 logs full URLs: keys are stripped from them
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
    install_log_filter()
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
