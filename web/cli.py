"""`tracker serve` and `tracker demo`."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import click

from tracker.cli import load_settings

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"
DEMO_ORG = "Demo Mental Health Coalition"
DEMO_ADMIN = "admin@demo.example.org"

# Each step is a `tracker` command line, run in-process through the same code paths a
# user would run by hand: the demo data goes through the real import, ingest and tagging.
DEMO_STEPS: list[list[str]] = [
    ["import", "--source", "congress-legislators", str(DEMO_DIR / "congress_legislators")],
    ["import", "--source", "openstates-people", str(DEMO_DIR / "openstates_people")],
    ["import", "--source", "bills-jsonl", str(DEMO_DIR / "bills.jsonl")],
    ["import", "--source", "govinfo", str(DEMO_DIR / "govinfo")],
    ["import", "--source", "congress-gov", str(DEMO_DIR / "congress_gov")],
    ["import", "--source", "legiscan", str(DEMO_DIR / "legiscan")],
    ["import", "--source", "mo-senate", str(DEMO_DIR / "mo_senate")],
    ["tag", "--stale"],
    ["score"],
]


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--threads", default=8, show_default=True, type=int, help="Worker threads.")
def serve(host: str, port: int, threads: int) -> None:
    """Serve the web app (waitress; put a TLS proxy in front in production)."""
    _serve(load_settings(), host, port, threads)


def _serve(settings, host: str, port: int, threads: int) -> None:  # noqa: ANN001
    from waitress import serve as waitress_serve

    from web import create_app

    app = create_app(settings)
    click.echo(f"Serving on http://{host}:{port}  (Ctrl-C to stop)")
    waitress_serve(app, host=host, port=port, threads=threads, ident="mh-policy-tracker")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--no-serve", is_flag=True, help="Load the demo data and stop.")
def demo(host: str, port: int, no_serve: bool) -> None:
    """Migrate, load the bundled real bills through the pipeline, and serve the app."""
    from tracker import db as dbmod
    from tracker.cli import cli

    settings = load_settings(demo=True)
    # The steps below are ordinary commands that read the environment: give them the
    # demo's generated secret and keep them off the network.
    os.environ.setdefault("SECRET_KEY", settings.secret_key)
    os.environ["TRACKER_OFFLINE"] = "true"
    click.echo(f"Database: {settings.database_url}")
    dbmod.upgrade(settings.database_url)
    for step in DEMO_STEPS:
        click.echo(f"$ tracker {' '.join(step)}")
        cli.main(step, standalone_mode=False, prog_name="tracker")
    password = _demo_admin(settings)
    click.echo("")
    click.echo(f"Sign in at http://{host}:{port}/login")
    click.echo(f"  email:    {DEMO_ADMIN}")
    click.echo(f"  password: {password}   (kept in {settings.var_dir / 'demo_admin_password'})")
    if not no_serve:
        _serve(settings, host, port, threads=8)


def _demo_admin(settings) -> str:  # noqa: ANN001
    """Create the demo organization and its admin once; return the admin's password."""
    from tracker.accounts import create_org, create_user, get_org
    from tracker.db import session_scope
    from tracker.errors import NotFound

    path = settings.var_dir / "demo_admin_password"
    with session_scope(settings) as session:
        try:
            org = get_org(session, DEMO_ORG)
        except NotFound:
            org = create_org(session, DEMO_ORG)
        from sqlalchemy import select

        from tracker.models import User

        if session.scalars(select(User).where(User.email == DEMO_ADMIN)).first() and path.exists():
            return path.read_text().strip()
        password = secrets.token_urlsafe(12)
        user = session.scalars(select(User).where(User.email == DEMO_ADMIN)).first()
        if user is None:
            create_user(session, DEMO_ADMIN, org, "admin", password, name="Demo Admin")
        else:
            from tracker.accounts import hash_password

            user.password_hash = hash_password(password)
            session.commit()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(password)
    path.chmod(0o600)
    return password
