"""Map domain errors to friendly pages (HTML) or JSON under /api."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from redis.exceptions import RedisError
from werkzeug.exceptions import HTTPException, SecurityError

from tracker.errors import InvalidInput, NotFound, SourceUnavailable


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _render(status: int, title: str, message: str):  # noqa: ANN202
    if _wants_json():
        return jsonify({"error": title, "message": message}), status
    return render_template("error.html", status=status, title=title, message=message), status


def register(app: Flask) -> None:
    """Install the handlers."""

    @app.errorhandler(NotFound)
    def _not_found(exc: NotFound):  # noqa: ANN202
        return _render(404, "Not found", str(exc) or "We could not find that page.")

    @app.errorhandler(InvalidInput)
    def _invalid(exc: InvalidInput):  # noqa: ANN202
        return _render(400, "Check your input", str(exc))

    @app.errorhandler(SourceUnavailable)
    def _unavailable(exc: SourceUnavailable):  # noqa: ANN202
        return _render(503, "A data source is unavailable", str(exc))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):  # noqa: ANN202
        if isinstance(exc, SecurityError):  # untrusted Host: no URLs can be built, say little
            return (
                "This site is not served under that host name.",
                400,
                {"Content-Type": "text/plain"},
            )
        titles = {404: "Not found", 403: "Not allowed", 400: "Bad request", 429: "Slow down"}
        return _render(exc.code or 500, titles.get(exc.code or 500, exc.name), exc.description)

    @app.errorhandler(RedisError)
    def _redis_down(_exc: RedisError):  # noqa: ANN202
        # Rate limits fall back to memory (web.limits); queueing work cannot, so say so.
        return _render(
            503,
            "Please try again in a minute",
            "A background service is briefly unavailable. What you sent is saved; "
            "try again in a minute.",
        )

    @app.errorhandler(500)
    def _server_error(_exc: Exception):  # noqa: ANN202
        return _render(
            500,
            "Something went wrong",
            "The error was logged. Please try again; if it keeps happening, tell your admin.",
        )
