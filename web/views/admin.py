"""Team administration (admins): members and roles, invitations."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from tracker.alerts import send_email
from tracker.errors import SourceUnavailable
from tracker.models import User, utcnow
from web.auth import current_user, role_required
from web.db import db, settings
from web.models import Invitation
from web.views.common import org_id
from web.views.forms import ButtonForm, InviteForm, UserForm

bp = Blueprint("admin", __name__)
INVITE_DAYS = 7


def token_hash(token: str) -> str:
    """How one-time tokens are stored: their sha256, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()


@bp.route("/admin/users", methods=["GET", "POST"])
@role_required("admin")
def users():  # noqa: ANN201
    """Members of the organization, pending invitations, and the invite form."""
    form = InviteForm()
    if request.method == "POST" and form.validate_on_submit():
        email = form.email.data.strip().lower()
        if db().scalars(select(User).where(func.lower(User.email) == email)).first():
            form.email.errors.append("Someone with this email already has an account.")
        else:
            token = secrets.token_urlsafe(32)
            invitation = Invitation(
                organization_id=org_id(),
                email=email,
                role=form.role.data,
                token_hash=token_hash(token),
                invited_by_id=current_user().id,
                expires_at=utcnow() + timedelta(days=INVITE_DAYS),
            )
            db().add(invitation)
            db().commit()
            link = url_for("account.accept_invite", token=token, _external=True)
            try:
                send_email(
                    settings(),
                    email,
                    f"You are invited to {current_user().organization.name} on mh-policy-tracker",
                    f"{current_user().email} invited you to join "
                    f"{current_user().organization.name} as {invitation.role}.\n\n"
                    f"Accept within {INVITE_DAYS} days: {link}\n",
                )
                flash(f"Invitation sent to {email}.")
            except SourceUnavailable as exc:
                flash(f"The email could not be sent ({exc}). Send this link yourself: {link}")
            return redirect(url_for("admin.users"))
    members = (
        db()
        .scalars(select(User).where(User.organization_id == org_id()).order_by(User.email))
        .all()
    )
    forms = {}
    for member in members:
        f = UserForm(prefix=f"u{member.id}", obj=member)
        forms[member.id] = f
    invitations = (
        db()
        .scalars(
            select(Invitation)
            .where(
                Invitation.organization_id == org_id(),
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
            )
            .order_by(Invitation.created_at.desc())
        )
        .all()
    )
    return render_template(
        "admin/users.html",
        members=members,
        forms=forms,
        form=form,
        invitations=invitations,
        button=ButtonForm(),
        now=utcnow(),
    ), (400 if form.errors else 200)


@bp.route("/admin/users/<int:user_id>", methods=["POST"])
@role_required("admin")
def update_user(user_id: int):  # noqa: ANN201
    """Change a member's role or deactivate them (not yourself: no lock-outs)."""
    member = db().get(User, user_id)
    if member is None or member.organization_id != org_id():
        abort(404)
    form = UserForm(prefix=f"u{member.id}")
    if not form.validate_on_submit():
        abort(400)
    if member.id == current_user().id and (form.role.data != "admin" or not form.active.data):
        flash("You cannot demote or deactivate yourself; ask another admin.")
        return redirect(url_for("admin.users"))
    member.role, member.active = form.role.data, bool(form.active.data)
    db().commit()
    flash(f"{member.email}: {member.role}, {'active' if member.active else 'deactivated'}.")
    return redirect(url_for("admin.users"))


@bp.route("/admin/invitations/<int:invitation_id>/revoke", methods=["POST"])
@role_required("admin")
def revoke_invitation(invitation_id: int):  # noqa: ANN201
    """Withdraw a pending invitation."""
    invitation = db().get(Invitation, invitation_id)
    if invitation is None or invitation.organization_id != org_id():
        abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    invitation.revoked_at = utcnow()
    db().commit()
    flash(f"Invitation for {invitation.email} withdrawn.")
    return redirect(url_for("admin.users"))
