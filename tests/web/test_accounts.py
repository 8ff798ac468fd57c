"""Accounts: invitations and password resets by email (aiosmtpd), team management, CLI."""

from __future__ import annotations

import re

from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select

from tests.conftest import csrf_token, sign_in
from tests.web.conftest import PASSWORD
from tracker.accounts import verify_password
from tracker.models import Organization, User


def _link(message, path: str) -> str:  # noqa: ANN001
    return re.search(rf"http://\S+({path}/\S+)", message.get_content()).group(1)


def test_invitation_email_link_creates_the_account_in_the_right_org(
    app: Flask, db, world, smtp_server
) -> None:  # noqa: ANN001
    settings, inbox = smtp_server
    app.extensions["tracker.settings"] = settings
    admin = app.test_client()
    sign_in(admin, world["users"][("alpha", "admin")].email, PASSWORD)
    response = admin.post(
        "/admin/users",
        data={
            "email": "Newcomer@Example.org",
            "role": "advocate",
            "csrf_token": csrf_token(admin, "/admin/users"),
        },
    )
    assert response.status_code == 302
    (message,) = inbox.messages
    assert message["To"] == "newcomer@example.org"
    path = _link(message, "/invite")
    guest = app.test_client()
    form = guest.get(path)
    assert form.status_code == 200 and "advocate" in form.get_data(as_text=True)
    mismatch = guest.post(
        path,
        data={
            "password": "long enough pw",
            "confirm": "different pw!!",
            "csrf_token": csrf_token(guest, path),
        },
    )
    html = mismatch.get_data(as_text=True)
    assert mismatch.status_code == 400
    assert re.search(r'aria-describedby="confirm-error"', html)
    assert re.search(r'<p class="error" id="confirm-error">The passwords differ.</p>', html)
    done = guest.post(
        path,
        data={
            "name": "New Person",
            "password": "a new long password",
            "confirm": "a new long password",
            "csrf_token": csrf_token(guest, path),
        },
    )
    assert done.status_code == 302
    user = db.scalars(select(User).where(User.email == "newcomer@example.org")).one()
    assert user.organization_id == world["alpha"]["org_id"] and user.role == "advocate"
    assert guest.get("/").status_code == 200  # signed in
    assert app.test_client().get(path).status_code == 404  # used once


def test_password_reset_by_email_changes_the_password_once(
    app: Flask, db, world, smtp_server
) -> None:  # noqa: ANN001
    settings, inbox = smtp_server
    app.extensions["tracker.settings"] = settings
    client = app.test_client()
    email = world["users"][("beta", "viewer")].email
    for address in (email, "nobody@example.org"):
        response = client.post(
            "/password/forgot",
            data={"email": address, "csrf_token": csrf_token(client, "/password/forgot")},
        )
        assert response.status_code == 302  # same answer whether or not the account exists
    assert len(inbox.messages) == 1 and inbox.messages[0]["To"] == email
    path = _link(inbox.messages[0], "/password/reset")
    client.post(
        path,
        data={
            "password": "brand new password",
            "confirm": "brand new password",
            "csrf_token": csrf_token(client, path),
        },
    )
    db.expire_all()
    user = db.scalars(select(User).where(User.email == email)).one()
    assert verify_password(user.password_hash, "brand new password")
    assert client.get(path).status_code == 404
    sign_in(app.test_client(), email, "brand new password")


def test_admin_changes_roles_and_deactivated_users_are_signed_out_at_once(
    app: Flask, db, world
) -> None:  # noqa: ANN001
    admin = app.test_client()
    sign_in(admin, world["users"][("alpha", "admin")].email, PASSWORD)
    victim = app.test_client()
    advocate = world["users"][("alpha", "advocate")]
    sign_in(victim, advocate.email, PASSWORD)
    assert victim.get("/").status_code == 200
    admin.post(
        f"/admin/users/{advocate.id}",
        data={f"u{advocate.id}-role": "viewer", "csrf_token": csrf_token(admin, "/admin/users")},
    )
    db.expire_all()
    user = db.get(User, advocate.id)
    assert (user.role, user.active) == ("viewer", False)
    assert "/login" in victim.get("/").headers["Location"]
    me = world["users"][("alpha", "admin")]
    admin.post(
        f"/admin/users/{me.id}",
        data={
            f"u{me.id}-role": "viewer",
            f"u{me.id}-active": "y",
            "csrf_token": csrf_token(admin, "/admin/users"),
        },
    )
    db.expire_all()
    assert db.get(User, me.id).role == "admin"  # no self-demotion


def test_cli_creates_the_first_organization_and_admin(settings) -> None:  # noqa: ANN001
    from app.cli import cli

    runner = CliRunner()
    made = runner.invoke(cli, ["org", "create", "Mental Health Coalition"])
    assert made.exit_code == 0, made.output
    again = runner.invoke(cli, ["org", "create", "Mental Health Coalition"])
    assert again.exit_code == 1 and "already exists" in again.output
    user = runner.invoke(
        cli,
        [
            "user",
            "create",
            "Lead@Example.org",
            "--org",
            "mentalhealthcoalition",
            "--role",
            "admin",
            "--password-stdin",
        ],
        input="a long admin password\n",
    )
    assert user.exit_code == 0, user.output
    short = runner.invoke(
        cli,
        ["user", "create", "x@example.org", "--org", "Mental Health Coalition", "--password-stdin"],
        input="short\n",
    )
    assert short.exit_code == 1 and "at least 10" in short.output
    from tracker.db import session_scope

    with session_scope(settings) as session:
        row = session.scalars(select(User).where(User.email == "lead@example.org")).one()
        org = session.get(Organization, row.organization_id)
        assert (row.role, org.name) == ("admin", "Mental Health Coalition")
        assert verify_password(row.password_hash, "a long admin password")


def test_core_packages_import_without_flask() -> None:
    import subprocess
    import sys

    code = (
        "import sys, tracker.alerts, tracker.alert_jobs, tracker.accounts_cli, "
        "tracker.models.web; print('flask' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
