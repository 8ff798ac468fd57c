"""Rate limits (Flask-Limiter): Redis-backed when REDIS_URL is set, in memory otherwise."""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)


def init(app: Flask, redis_url: str | None) -> None:
    """Bind the limiter to the app with the right storage."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "memory://")
    limiter.init_app(app)
