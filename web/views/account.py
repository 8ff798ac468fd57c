"""Account flows: accept an invitation, reset a forgotten password, personal API tokens."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from sqlalchemy import func, select

from tracker.accounts import hash_password
from tracker.alerts import send_email
from tracker.errors import SourceUnavailable
from tracker.models import User, utcnow
from web.auth import current_user, end_all_sessions, end_session, login_required, start_session
from web.db import db, settings
from web.limits import limiter
from web.models import ApiToken, Invitation, PasswordReset
from web.views.admin import token_hash
from web.views.forms import AcceptInviteForm, ButtonForm, ForgotForm, PasswordForm, TokenForm

bp = Blueprint("account", __name__)
RESET_MINUTES = 60
TOKEN_PREFIX = "mhpt_"


def _invitation(token: str) -> Invitation:
    invitation = (
        db().scalars(select(Invitation).where(Invitation.token_hash == token_hash(token))).first()
    )
    if (
        invitation is None
        or invitation.accepted_at is not None
        or invitation.revoked_at is not None
        or invitation.expires_at < utcnow()
    ):
        abort(404, "This invitation link is not valid any more. Ask your admin for a new one.")
    return invitation


@bp.route("/invite/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def accept_invite(token: str):  # noqa: ANN201
    """Join the organization: choose a name and password, then you are signed in."""
    invitation = _invitation(token)
    form = AcceptInviteForm()
    if form.validate_on_submit():
        if db().scalars(select(User).where(func.lower(User.email) == invitation.email)).first():
            abort(400, "An account with this email exists already; sign in instead.")
        user = User(
            email=invitation.email,
            name=(form.name.data or "").strip(),
            organization_id=invitation.organization_id,
            role=invitation.role,
            password_hash=hash_password(form.password.data),
        )
        db().add(user)
        invitation.accepted_at = utcnow()
        db().commit()
        start_session(user)
        flash("Welcome! Your account is ready.")
        return redirect(url_for("home.index"))
    return render_template("account/accept.html", form=form, invitation=invitation), (
        400 if form.errors else 200
    )


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per minute; 20 per hour", methods=["POST"])
def forgot_password():  # noqa: ANN201
    """Email a one-time reset link; the answer is the same whether the account exists."""
    form = ForgotForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db().scalars(select(User).where(func.lower(User.email) == email)).first()
        if user is not None and user.active:
            token = secrets.token_urlsafe(32)
            db().add(
                PasswordReset(
                    user_id=user.id,
                    token_hash=token_hash(token),
                    expires_at=utcnow() + timedelta(minutes=RESET_MINUTES),
                )
            )
            db().commit()
            link = url_for("account.reset_password", token=token, _external=True)
            try:
                send_email(
                    settings(),
                    user.email,
                    "Reset your mh-policy-tracker password",
                    f"Someone asked to reset the password for {user.email}.\n\n"
                    f"Choose a new one within {RESET_MINUTES} minutes: {link}\n\n"
                    "If it was not you, ignore this email; your password stays the same.\n",
                )
            except SourceUnavailable:
                # Saying so would reveal that the account exists; the log has it.
                import logging

                logging.getLogger(__name__).exception("password reset mail failed")
        flash("If that email has an account, a reset link is on its way.")
        return redirect(url_for("auth.login"))
    return render_template("account/forgot.html", form=form), (400 if form.errors else 200)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def reset_password(token: str):  # noqa: ANN201
    """Choose a new password with a valid reset link."""
    reset = (
        db()
        .scalars(select(PasswordReset).where(PasswordReset.token_hash == token_hash(token)))
        .first()
    )
    if reset is None or reset.used_at is not None or reset.expires_at < utcnow():
        abort(404, "This reset link is not valid any more. Ask for a new one.")
    form = PasswordForm()
    if form.validate_on_submit():
        user = db().get(User, reset.user_id)
        user.password_hash = hash_password(form.password.data)
        now = utcnow()
        for other in db().scalars(
            select(PasswordReset).where(
                PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None)
            )
        ):
            other.used_at = now
        db().commit()
        # Whoever knew the old password may hold a cookie or a token: end them all.
        end_all_sessions(user.id, revoke_tokens=True)
        end_session()
        flash(
            "Your password is changed. You are signed out everywhere and your API tokens are "
            "revoked; sign in with the new password."
        )
        return redirect(url_for("auth.login"))
    return render_template("account/reset.html", form=form), (400 if form.errors else 200)


def new_api_token() -> tuple[str, str]:
    """A fresh token and its stored hash."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, token_hash(token)


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens():  # noqa: ANN201
    """The user's API tokens; a new token is shown once."""
    user = current_user()
    form = TokenForm()
    created = None
    if form.validate_on_submit():
        created, hashed = new_api_token()
        db().add(
            ApiToken(
                user_id=user.id,
                name=form.name.data.strip(),
                token_hash=hashed,
                prefix=created[: len(TOKEN_PREFIX) + 4],
            )
        )
        db().commit()
        form = TokenForm(formdata=None)
    items = (
        db()
        .scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at.desc())
        )
        .all()
    )
    return render_template(
        "account/tokens.html", form=form, tokens=items, created=created, button=ButtonForm()
    ), (400 if form.errors else 200)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):  # noqa: ANN201
    """Revoke one of the user's own tokens."""
    item = db().get(ApiToken, token_id)
    if item is None or item.user_id != current_user().id:
        abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    item.revoked_at = utcnow()
    db().commit()
    flash(f"Token “{item.name}” revoked.")
    return redirect(url_for("account.tokens"))
