"""Account commands: `tracker org create NAME`, `tracker org list`, `tracker user create`."""

from __future__ import annotations

import sys

import click
from sqlalchemy.exc import OperationalError, ProgrammingError

from tracker.accounts import ROLES, create_org, create_user, get_org
from tracker.db import session_scope
from tracker.errors import TrackerError

NOT_MIGRATED = "the database is not ready; run `tracker db upgrade` first"


@click.group("org")
def org() -> None:
    """Organizations (a policy team or a coalition)."""


@org.command("create")
@click.argument("name")
@click.option("--timezone", default="America/New_York", show_default=True)
def org_create(name: str, timezone: str) -> None:
    """Create an organization."""
    from tracker.cli import load_settings

    with session_scope(load_settings()) as session:
        try:
            created = create_org(session, name, timezone)
        except TrackerError as exc:
            raise click.ClickException(str(exc)) from exc
        except (OperationalError, ProgrammingError) as exc:
            raise click.ClickException(NOT_MIGRATED) from exc
        click.echo(f"Created organization {created.name!r} (slug {created.slug}).")


@org.command("list")
def org_list() -> None:
    """List organizations with the slug that --org accepts, and their members."""
    from sqlalchemy import func, select

    from tracker.cli import load_settings
    from tracker.models import Organization, User

    with session_scope(load_settings()) as session:
        try:
            rows = session.execute(
                select(Organization, func.count(User.id))
                .outerjoin(User, User.organization_id == Organization.id)
                .group_by(Organization.id)
                .order_by(Organization.name)
            ).all()
        except (OperationalError, ProgrammingError) as exc:
            raise click.ClickException(NOT_MIGRATED) from exc
    if not rows:
        click.echo("No organizations yet: `tracker org create NAME` (or `make demo`).")
        return
    width = max(len(org.slug) for org, _ in rows)
    click.echo(f"{'SLUG'.ljust(width)}  USERS  TIME ZONE            NAME")
    for org, users in rows:
        click.echo(f"{org.slug.ljust(width)}  {users:>5}  {org.timezone:<20} {org.name}")


@click.group("user")
def user() -> None:
    """Users who sign in to the web app."""


@user.command("create")
@click.argument("email")
@click.option("--org", "org_name", required=True, help="Organization name or slug.")
@click.option("--role", type=click.Choice(ROLES), default="viewer", show_default=True)
@click.option("--name", default="", help="Display name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def user_create(email: str, org_name: str, role: str, name: str, password_stdin: bool) -> None:
    """Create a user; prompts for the password unless --password-stdin."""
    from tracker.cli import load_settings

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with session_scope(load_settings()) as session:
        try:
            organization = get_org(session, org_name)
            created = create_user(session, email, organization, role, password, name=name)
        except TrackerError as exc:
            raise click.ClickException(str(exc)) from exc
        except (OperationalError, ProgrammingError) as exc:
            raise click.ClickException(NOT_MIGRATED) from exc
        click.echo(f"Created {created.role} {created.email} in {organization.name}.")
