"""Credentials never leave the process: redaction of URLs, free text and log records.

Sources that cannot send their key as a header (LegiScan's `key=`) get it added at send
time only; everything archived, logged or stored goes through `redact_url` /
`redact_text`, and `canonical_url` is the archive/replay key without credentials.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that carry credentials: never archived, logged or stored.
SECRET_PARAMS = frozenset({"key", "api_key", "apikey", "api-key", "token"})
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
_LOGGERS = (
    "urllib3",
    "urllib3.connectionpool",
    "urllib3.connection",
    "urllib3.poolmanager",
    "urllib3.util.retry",
    "urllib3.response",
    "requests",
    "scrapers",
    "scrapers.http",
    "scrapers.sync",
)


def install_log_filter() -> None:
    """Put the redacting filter on every logger that can print a request URL (idempotent).

    Called where HTTP starts (`http_session`, `LiveTransport`), not at import: importing
    a module changes no global state.
    """
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
