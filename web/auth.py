"""Sign in / out, the current user, and role checks.

Passwords are hashed with argon2 (argon2-cffi). The session cookie holds only the
user id; every request reloads the user, so a deactivated user is out at once.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, Length

from tracker.accounts import ROLES, hash_password, needs_rehash, verify_password
from tracker.models import User
from web.db import db
from web.limits import limiter

bp = Blueprint("auth", __name__)
F = TypeVar("F", bound=Callable[..., Any])


def current_user() -> User | None:
    """The signed-in, active user, or None."""
    if "user" not in g:
        user_id = session.get("user_id")
        user = db().get(User, user_id) if user_id else None
        g.user = user if user is not None and user.active else None
    return g.user


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


def has_role(minimum: str) -> bool:
    """True when the current user's role is at least `minimum`."""
    user = current_user()
    return user is not None and ROLES.index(user.role) >= ROLES.index(minimum)


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute; 50 per hour", methods=["POST"])
def login():  # noqa: ANN201
    """Sign in with email and password."""
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db().scalars(select(User).where(func.lower(User.email) == email)).first()
        if (
            user is not None
            and user.active
            and verify_password(user.password_hash, form.password.data)
        ):
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(form.password.data)
                db().commit()
            session.clear()
            session["user_id"] = user.id
            session.permanent = True
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append("Email or password is not right.")
    return render_template("auth/login.html", form=form), (400 if form.errors else 200)


@bp.route("/logout", methods=["POST"])
def logout():  # noqa: ANN201
    """Sign out."""
    session.clear()
    flash("You are signed out.")
    return redirect(url_for("auth.login"))
