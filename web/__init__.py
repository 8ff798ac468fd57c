"""The Flask app: `create_app(settings)` registers one blueprint per area.

Views parse input, call tracker/outreach, render. Nothing connects at import.
"""

from __future__ import annotations

import time

from flask import Blueprint, Flask, g
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from tracker.config import Settings
from tracker.db import session_factory
from tracker.jurisdictions import hearing_time
from web import i18n, limits, security

csrf = CSRFProtect()


def blueprints() -> list[Blueprint]:
    """One blueprint per area, in registration order. Areas add one import and one entry."""
    from web import api, api_docs, auth
    from web.views import (
        account,
        act,
        admin,
        alerts,
        bills,
        briefs,
        campaigns,
        corrections,
        home,
        jobs,
        legislators,
        meetings,
        parity,
        provisions,
        testimony,
        watchlists,
    )

    return [
        home.bp,
        auth.bp,
        bills.bp,
        corrections.bp,
        legislators.bp,
        watchlists.bp,
        alerts.bp,
        jobs.bp,
        admin.bp,
        account.bp,
        api.bp,
        api_docs.bp,
        act.bp,
        campaigns.bp,
        meetings.bp,
        briefs.bp,
        provisions.bp,
        parity.bp,
        testimony.bp,
    ]


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app for `settings` (from the environment when omitted)."""
    settings = settings or Settings.from_env()
    app = security.App(__name__)
    if settings.proxy_fix_hops:
        # Trust X-Forwarded-For/-Proto from exactly this many proxies (never X-Forwarded-Host).
        hops = settings.proxy_fix_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.base_url.startswith("https://"),
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.extensions["tracker.settings"] = settings
    factory = session_factory(settings)  # the same sessions as CLI commands and jobs
    app.extensions["tracker.engine"] = factory.kw["bind"]
    app.extensions["tracker.session_factory"] = factory
    csrf.init_app(app)
    limits.init(app, settings.redis_url)
    i18n.init_app(app)

    for blueprint in blueprints():
        app.register_blueprint(blueprint)

    from web import errors

    errors.register(app)
    security.register(app)

    @app.before_request
    def _start_clock() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def _server_timing(response):  # noqa: ANN001, ANN202
        # Server-Timing: what the app spent on the request (bench/web.py --demo reads it).
        started = g.pop("request_started", None)
        if started is not None:
            response.headers["Server-Timing"] = (
                f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
            )
        return response

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db", None)
        if session is not None:
            session.close()

    # Hearing times: stored in UTC, shown on the legislature's clock with its zone
    # ("Jan 17, 2022 1:30 PM PST"); `<time datetime>` keeps the UTC instant.
    app.add_template_filter(hearing_time, "hearing_time")

    @app.context_processor
    def _globals() -> dict:
        from web.auth import current_user

        return {"current_user": current_user(), "settings": settings}

    return app
