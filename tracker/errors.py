"""The exception tree. Catch only at boundaries (CLI, web handlers, the scraper loop).

TrackerError
├── ConfigError            a setting is missing or malformed (names it)
├── NotFound
├── InvalidInput
├── QuotaExhausted         a source's request cap is reached; the sync stops cleanly
└── ScrapeError
    ├── SourceUnavailable  network / 5xx after retries
    │   └── TooLarge       a document is over the size cap (TEXT_MAX_BYTES); not read
    ├── ParseError         a payload or page could not be parsed (carries url)
    └── EmptyScrape        a run yielded nothing
"""

from __future__ import annotations


class TrackerError(Exception):
    """Base of every error the service raises on purpose."""


class ConfigError(TrackerError):
    """A setting is missing or malformed."""


class NotFound(TrackerError):
    """A requested object does not exist (or is not visible to the caller)."""


class InvalidInput(TrackerError):
    """Input failed validation; the message says which field and why."""


class QuotaExhausted(TrackerError):
    """A source's configured request cap has been reached."""


class ScrapeError(TrackerError):
    """Collecting from a source failed."""


class SourceUnavailable(ScrapeError):
    """The source did not answer usefully after retries."""


class TooLarge(SourceUnavailable):
    """A response is bigger than the configured size cap; it was not read."""


class ParseError(ScrapeError):
    """A payload could not be parsed; names what was missing and where it came from."""

    def __init__(self, message: str, url: str | None = None, source: str | None = None):
        super().__init__(message)
        self.url = url
        self.source = source

    def __str__(self) -> str:
        where = f" ({self.source} {self.url})" if self.url or self.source else ""
        return f"{self.args[0]}{where}"


class EmptyScrape(ScrapeError):
    """A scrape run yielded no records at all."""
