"""Sign in / out, the current user, and role checks.

Passwords are hashed with argon2 (argon2-cffi). The signed session cookie holds the user
id and a random session token whose sha256 is a `UserSession` row: every request reloads
both, so a deactivated user, a signed-out browser, "sign out everywhere" and a password
reset end a session at once, even for a copied cookie. An unknown email costs the same
argon2 verification as a wrong password (no timing oracle); failures back off per account
(`web.limits.login_backoff`) as well as per IP.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import lru_cache, wraps
from typing import Any, TypeVar

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import delete, func, select

from tracker.accounts import ROLES, hash_password, needs_rehash, verify_password
from tracker.models import User, utcnow
from web.db import db
from web.limits import limiter, login_backoff
from web.models import ApiToken, UserSession
from web.security import safe_next
from web.views.forms import LoginForm

bp = Blueprint("auth", __name__)
F = TypeVar("F", bound=Callable[..., Any])


SEEN_EVERY = timedelta(minutes=5)  # how often a session's last_seen_at is written


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _live_session() -> UserSession | None:
    user_id, token = session.get("user_id"), session.get("sid")
    if not isinstance(user_id, int) or not isinstance(token, str):
        return None
    row = (
        db()
        .scalars(select(UserSession).where(UserSession.token_hash == _token_hash(token)))
        .first()
    )
    if row is None or row.user_id != user_id:
        return None
    now = utcnow()
    if now - row.created_at > current_app.permanent_session_lifetime:
        return None
    if now - row.last_seen_at > SEEN_EVERY:
        row.last_seen_at = now
        db().commit()
    return row


def current_user() -> User | None:
    """The signed-in, active user of a live server-side session, or None."""
    if "user" not in g:
        row = _live_session()
        user = db().get(User, row.user_id) if row is not None else None
        g.user = user if user is not None and user.active else None
        if g.user is None and "user_id" in session:
            session.clear()
    return g.user


def start_session(user: User) -> None:
    """Sign `user` in on this browser (a fresh cookie and a fresh server-side row)."""
    token = secrets.token_urlsafe(32)
    db().add(UserSession(user_id=user.id, token_hash=_token_hash(token)))
    db().commit()
    session.clear()
    session["user_id"] = user.id
    session["sid"] = token
    session.permanent = True
    g.pop("user", None)


def end_session() -> None:
    """Sign this browser out: its server-side row goes, so a copied cookie dies too."""
    token = session.get("sid")
    if isinstance(token, str):
        db().execute(delete(UserSession).where(UserSession.token_hash == _token_hash(token)))
        db().commit()
    session.clear()
    g.pop("user", None)


def end_all_sessions(user_id: int, *, revoke_tokens: bool = False) -> None:
    """Sign the user out of every browser; with `revoke_tokens`, revoke their API tokens."""
    db().execute(delete(UserSession).where(UserSession.user_id == user_id))
    if revoke_tokens:
        now = utcnow()
        for token in db().scalars(
            select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        ):
            token.revoked_at = now
    db().commit()


def login_required(view: F) -> F:
    """Send anonymous visitors to the sign-in page (or 401 under /api)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            if request.path.startswith("/api/"):
                abort(401)
            return redirect(url_for("auth.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def role_required(minimum: str) -> Callable[[F], F]:
    """Allow users whose role is at least `minimum` (viewer < advocate < admin)."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if ROLES.index(current_user().role) < ROLES.index(minimum):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def is_site_admin(user: User | None) -> bool:
    """Runs the whole installation: an admin listed in SITE_ADMIN_EMAILS, or, when that is
    unset, an admin of the first organization (the one `tracker users` made first)."""
    if user is None or user.role != "admin":
        return False
    emails = current_app.extensions["tracker.settings"].site_admin_emails
    if emails:
        return user.email.lower() in emails
    first = db().scalar(select(func.min(User.organization_id)))
    return user.organization_id == first


def site_admin_required(view: F) -> F:
    """Site-wide pages (workers, every organization's failed jobs): site admins only."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not is_site_admin(current_user()):
            abort(403, "Only the site's administrators see background jobs.")
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def has_role(minimum: str) -> bool:
    """True when the current user's role is at least `minimum`."""
    user = current_user()
    return user is not None and ROLES.index(user.role) >= ROLES.index(minimum)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute; 50 per hour", methods=["POST"])
def login():  # noqa: ANN201
    """Sign in with email and password."""
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        wait = login_backoff.wait(email)
        if wait:
            form.password.errors.append(
                f"Too many wrong passwords for this account. Try again in {wait} seconds."
            )
            return render_template("auth/login.html", form=form), 429, {"Retry-After": str(wait)}
        user = db().scalars(select(User).where(func.lower(User.email) == email)).first()
        known = user is not None and user.active and bool(user.password_hash)
        # An unknown account costs one argon2 verification too, so timing tells nothing.
        ok = verify_password(user.password_hash if known else _dummy_hash(), form.password.data)
        if known and ok:
            login_backoff.reset(email)
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(form.password.data)
                db().commit()
            start_session(user)
            return redirect(safe_next(request.args.get("next"), url_for("home.index")))
        login_backoff.failure(email)
        form.password.errors.append("Email or password is not right.")
    if form.errors:
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():  # noqa: ANN201
    """Sign out of this browser (its session ends on the server too)."""
    end_session()
    flash("You are signed out.")
    return redirect(url_for("auth.login"))


@bp.route("/logout/everywhere", methods=["POST"])
@login_required
def logout_everywhere():  # noqa: ANN201
    """Sign out of every browser and device this account is signed in on."""
    end_all_sessions(current_user().id)
    session.clear()
    flash("You are signed out everywhere.")
    return redirect(url_for("auth.login"))
