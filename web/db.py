"""Per-request database session and settings access for views."""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy.orm import Session

from tracker.config import Settings


def db() -> Session:
    """The request's session, opened on first use and closed at teardown."""
    if "db" not in g:
        g.db = current_app.extensions["tracker.session_factory"]()
    return g.db


def settings() -> Settings:
    """The app's settings."""
    return current_app.extensions["tracker.settings"]
