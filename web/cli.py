"""`tracker serve` and `tracker demo`."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import click

from tracker.cli import load_settings

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"
DEMO_ORG = "Demo Mental Health Coalition"
# A starting watchlist so the dashboard has something to show: (bill id, position, priority, note).
DEMO_WATCHLIST = [
    ("ca-20252026-ab308", "support", "high", "Mobile crisis teams: testify at the next hearing."),
    ("nh-2025-sb255", "support", "high", "Crisis stabilization services."),
    ("ny-2025-s499", "support", "medium", "Parity enforcement; companion A 1792."),
    ("us-119-hr2741", "support", "medium", "PEER Support Act (companion S 1329)."),
    ("hi-2026-sb2242", "monitor", "low", "PSYPACT: watch for a hearing."),
    ("wa-202122-hb1477", "support", "low", "Enacted 988 law: model for other states."),
]
DEMO_ADMIN = "admin@demo.example.org"

# Each step is a `tracker` command line, run in-process through the same code paths a
# user would run by hand: each import ingests, then tags and scores what changed (in
# process here, since the demo has no Redis).
DEMO_STEPS: list[list[str]] = [
    ["import", "--source", "congress-legislators", str(DEMO_DIR / "congress_legislators")],
    ["import", "--source", "openstates-people", str(DEMO_DIR / "openstates_people")],
    ["import", "--source", "bills-jsonl", str(DEMO_DIR / "bills.jsonl")],
    ["import", "--source", "govinfo", str(DEMO_DIR / "govinfo")],
    ["import", "--source", "congress-gov", str(DEMO_DIR / "congress_gov")],
    ["import", "--source", "legiscan", str(DEMO_DIR / "legiscan")],
    ["import", "--source", "mo-senate", str(DEMO_DIR / "mo_senate")],
]


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--threads", default=8, show_default=True, type=int, help="Worker threads.")
def serve(host: str, port: int, threads: int) -> None:
    """Serve the web app (waitress; put a TLS proxy in front in production)."""
    _serve(load_settings(), host, port, threads)


def make_server(settings, host: str, port: int, threads: int = 8):  # noqa: ANN001, ANN201
    """A waitress server for the app; links in mail point at the address it listens on
    (port 0 picks a free one) unless BASE_URL is set."""
    from waitress import create_server

    from web import create_app

    holder: dict = {}

    def app(environ, start_response):  # noqa: ANN001, ANN202
        return holder["app"](environ, start_response)

    server = create_server(app, host=host, port=port, threads=threads, ident="mh-policy-tracker")
    holder["app"] = create_app(settings.served_at(host, server.effective_port))
    return server


def _serve(settings, host: str, port: int, threads: int) -> None:  # noqa: ANN001
    server = make_server(settings, host, port, threads)
    click.echo(f"Serving on http://{host}:{server.effective_port}  (Ctrl-C to stop)")
    server.run()


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
    _demo_watchlist(settings)
    slug = _demo_campaign(settings)
    click.echo("")
    click.echo(f"Sign in at http://{host}:{port}/login")
    click.echo(f"  email:    {DEMO_ADMIN}")
    click.echo(f"  password: {password}   (kept in {settings.var_dir / 'demo_admin_password'})")
    click.echo(f"Public campaign page: http://{host}:{port}/act/{slug}")
    click.echo(
        f"Mail (alerts, confirmations, letters) goes to {settings.smtp_host}:{settings.smtp_port}; "
        "to read it locally run `.venv/bin/python -m aiosmtpd -n -l 127.0.0.1:8025` "
        "and start the demo with SMTP_PORT=8025."
    )
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


def _demo_watchlist(settings) -> None:  # noqa: ANN001
    """Give the demo organization a 'Priority bills' watchlist once."""
    from sqlalchemy import select

    from tracker.accounts import get_org
    from tracker.db import session_scope
    from tracker.models import Bill, User, Watchlist, WatchlistEntry

    with session_scope(settings) as session:
        org = get_org(session, DEMO_ORG)
        exists = session.scalars(
            select(Watchlist).where(Watchlist.organization_id == org.id)
        ).first()
        if exists is not None:
            return
        owner = session.scalars(select(User).where(User.email == DEMO_ADMIN)).one()
        watchlist = Watchlist(
            organization_id=org.id,
            name="Priority bills",
            description="Crisis care, parity and workforce bills the coalition is working on.",
        )
        known = set(
            session.scalars(select(Bill.id).where(Bill.id.in_([b for b, *_ in DEMO_WATCHLIST])))
        )
        watchlist.entries = [
            WatchlistEntry(bill_id=bill, position=pos, priority=prio, notes=note, owner_id=owner.id)
            for bill, pos, prio, note in DEMO_WATCHLIST
            if bill in known
        ]
        session.add(watchlist)
        session.commit()


DEMO_CAMPAIGN = "Support mobile crisis teams in California (AB 308)"


def _demo_campaign(settings) -> str:  # noqa: ANN001
    """A public letter campaign on a real pending crisis-care bill, made once; returns its slug."""
    from sqlalchemy import select

    from outreach import letters
    from outreach.models import Campaign
    from outreach.templates import starter_templates
    from tracker.accounts import get_org
    from tracker.db import session_scope

    with session_scope(settings) as session:
        org = get_org(session, DEMO_ORG)
        existing = session.scalars(
            select(Campaign).where(
                Campaign.organization_id == org.id, Campaign.title == DEMO_CAMPAIGN
            )
        ).first()
        if existing is not None:
            return existing.slug
        template = letters.create_template(
            session,
            org.id,
            "Support 988 and mobile crisis",
            starter_templates()["support-988-funding"],
        )
        campaign = letters.create_campaign(
            session,
            org.id,
            DEMO_CAMPAIGN,
            template,
            slug="ca-mobile-crisis",
            intro=(
                "AB 308 sets procedures for mobile crisis teams. "
                "Ask your state legislators to back it."
            ),
            bill_id="ca-20252026-ab308",
            target_level="state",
            subject="Please support {{ bill.identifier }}: mobile crisis teams",
        )
        return campaign.slug
