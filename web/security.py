"""Request hygiene: security headers, trusted Host headers, absolute links from BASE_URL,
safe `next` redirects, and `Cache-Control: no-store` on private pages.

Absolute links (mail links, feeds, API `url` fields) are built from `BASE_URL` only, never
from the request's Host header; requests whose Host is not BASE_URL's host, a loopback name
or one of `TRUSTED_HOSTS` are refused with 400 before any view runs.
"""

from __future__ import annotations

import posixpath
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, Response, current_app, g, has_request_context, request
from werkzeug.routing import IntegerConverter

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]")
# Pages anyone may see without signing in and that show nothing personal.
PUBLIC_PREFIXES = ("/static/", "/api/v1/openapi")
# Pages that are personal even without a signed-in user (tokens in the path, forms).
PRIVATE_PREFIXES = ("/act/my-data", "/act/confirm", "/password/", "/invite/", "/login")
MAX_NEXT = 2000
MAX_ID = 2**31 - 1  # PostgreSQL INTEGER; SQLite takes more but nothing has such an id


class BoundedInt(IntegerConverter):
    """`<int:...>` that 404s above the largest id a database column holds (not a 500)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class App(Flask):
    """Flask whose absolute URLs always start with BASE_URL (never the request's Host), and
    whose `<int:>` URL parts are bounded to what an id column holds."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.url_map.converters["int"] = BoundedInt

    def url_for(  # type: ignore[override]
        self,
        /,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: Any,
    ) -> str:
        if not has_request_context() or not (_external or _scheme):
            return super().url_for(
                endpoint,
                _anchor=_anchor,
                _method=_method,
                _scheme=_scheme,
                _external=_external,
                **values,
            )
        relative = super().url_for(endpoint, _anchor=_anchor, _method=_method, **values)
        root = request.script_root
        if root and relative.startswith(root):
            relative = relative[len(root) :]
        return base_url() + relative


def base_url() -> str:
    """The configured public origin and path prefix, without a trailing slash."""
    return current_app.extensions["tracker.settings"].base_url


def trusted_hosts(settings: Any) -> list[str]:
    """Host names the app answers to: BASE_URL's, loopback, and TRUSTED_HOSTS."""
    hosts = [urlsplit(settings.base_url).hostname or "", *LOOPBACK_HOSTS, *settings.trusted_hosts]
    return [h for h in dict.fromkeys(hosts) if h]


def safe_next(target: str | None, fallback: str) -> str:
    """`target` when it is a plain same-origin path (normalized), otherwise `fallback`.

    Refuses schemes, hosts, protocol-relative and backslash forms, and any control
    character (browsers drop tabs and newlines, turning `/\\t/evil` into `//evil`).
    """
    if not target or len(target) > MAX_NEXT or "\\" in target:
        return fallback
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return fallback
    if parts.path.startswith("//"):
        return fallback
    path = posixpath.normpath(parts.path)
    if path.startswith("//"):
        return fallback
    if parts.path.endswith("/") and path != "/":
        path += "/"
    return urlunsplit(("", "", path, parts.query, ""))


def _private(response: Response) -> bool:
    if request.path.startswith(PUBLIC_PREFIXES):
        return False
    if request.path.startswith(PRIVATE_PREFIXES) or request.args.get("key"):
        return True
    return g.get("user") is not None or g.get("api_user") is not None


def register(app: Flask) -> None:
    """Attach the headers and the Host check."""
    settings = app.extensions["tracker.settings"]
    app.config["TRUSTED_HOSTS"] = trusted_hosts(settings)

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        if _private(response):
            response.headers["Cache-Control"] = "no-store"
        return response
