"""`tracker demo`: migrate, load the bundled real data through the pipeline, serve.

The data are the real recorded payloads in demo/ (see demo/README.md), imported with the
same functions as `tracker import` and handed to the same pipeline as a live sync.
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

import click

from tracker.cli import load_settings
from web.cli import serve_app

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"
DEMO_ORG = "Demo Mental Health Coalition"
# A starting watchlist so the dashboard has something to show: (bill id, position, priority, note).
DEMO_WATCHLIST = [
    ("ca-20252026-ab308", "support", "high", "Mobile crisis teams: testify at the next hearing."),
    ("nh-2025-sb255", "support", "high", "Crisis stabilization services."),
    ("ny-2025-s499", "support", "medium", "Parity enforcement; companion A 1792."),
    ("ny-2025-s9927", "support", "high", "Parity audits of insurers: introduced this week."),
    ("us-119-hr2741", "support", "medium", "PEER Support Act (companion S 1329)."),
    ("hi-2026-sb2242", "monitor", "low", "PSYPACT: watch for a hearing."),
    ("wa-202122-hb1477", "support", "low", "Enacted 988 law: model for other states."),
]
DEMO_ADMIN = "admin@demo.example.org"

# (source, path): each is what `tracker import --source SOURCE PATH` does, called as
# functions with the demo's settings: the import ingests, then the pipeline after a sync
# (scrapers/pipeline.py) tags, scores and checks alerts on what changed (in-process, since
# the demo has no Redis).
DEMO_IMPORTS: list[tuple[str, Path]] = [
    ("congress-legislators", DEMO_DIR / "congress_legislators"),
    ("openstates-people", DEMO_DIR / "openstates_people"),
    ("bills-jsonl", DEMO_DIR / "bills.jsonl"),
    ("govinfo", DEMO_DIR / "govinfo"),
    ("congress-gov", DEMO_DIR / "congress_gov"),
    ("legiscan", DEMO_DIR / "legiscan"),
    ("mo-senate", DEMO_DIR / "mo_senate"),
    # The documents' bills: WA versions (demo/bills.jsonl stays the tagging answer key's
    # copy) and the MO bills of the LegiScan texts; see demo/texts/MANIFEST.md.
    ("bills-jsonl", DEMO_DIR / "texts" / "wa_bills_with_versions.jsonl"),
    ("bills-jsonl", DEMO_DIR / "texts" / "mo_bills_built_from_texts.jsonl"),
    # WA HB 1576 (the dentist compact MO HB 2075 / SB 778 copy): built from its text.
    ("bills-jsonl", DEMO_DIR / "texts" / "wa_bills_built_from_texts.jsonl"),
]


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--no-serve", is_flag=True, help="Load the demo data and stop.")
def demo(host: str, port: int, no_serve: bool) -> None:
    """Migrate, load the bundled real bills through the pipeline, and serve the app."""
    from tracker import db as dbmod

    settings = load_settings(demo=True)  # offline, with the demo's generated secret
    click.echo(f"Database: {settings.database_url}")
    dbmod.upgrade(settings.database_url)
    for source, path in DEMO_IMPORTS:
        click.echo(f"$ tracker import --source {source} {path}")
        load_demo_import(settings, source, path)
    load_demo_texts(settings)
    _demo_similar(settings)
    settings = demo_as_of(settings)
    click.echo(f"Demo data as of {settings.as_of} (the day after its newest action)")
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
        serve_app(settings, host, port, threads=8)


def load_demo_texts(settings) -> None:  # noqa: ANN001
    """The bundled bill documents through the real text path (`tracker texts fetch --all
    --replay demo/texts`: LegiScan getBillText and document URLs answered from the
    recorded files), then tagging and scoring of the bills that got a text."""
    from scrapers.pipeline import after_sync
    from scrapers.texts import fetch_texts

    click.echo(f"$ tracker texts fetch --all --replay {DEMO_DIR / 'texts'}")
    summary = fetch_texts(
        settings, scope="all", replay_dir=DEMO_DIR / "texts", progress=sys.stderr.isatty()
    )
    click.echo(summary.line())
    after_sync(settings, summary.changed_bill_ids, texts="none")


def load_demo_import(settings, source: str, path: Path) -> None:  # noqa: ANN001
    """Import one bundled folder or file, then run the pipeline on what changed."""
    from scrapers.pipeline import after_sync
    from scrapers.sync import import_paths

    summary = import_paths(settings, source, [path], progress=sys.stderr.isatty())
    click.echo(summary.line())
    if summary.quarantined:
        raise click.ClickException(
            f"{summary.quarantined} bundled payload(s) quarantined: see `tracker quarantine list`"
        )
    handles = after_sync(settings, summary.changed_bill_ids)
    if handles:
        statuses = ", ".join(sorted({h.status for h in handles}))
        click.echo(
            f"tagging {len(summary.changed_bill_ids)} changed bill(s): "
            f"{len(handles)} job(s) {statuses}",
            err=True,
        )


def demo_as_of(settings):  # noqa: ANN001, ANN201 - Settings -> Settings
    """Fix the demo's "today" to the day after its newest action, and rescore for it.

    The bundled corpus is frozen, so against the real calendar every "last 7 days" window
    would be empty; against this day the dashboard, scores and brief show its real
    movement. The day is kept in var/ so later commands (`tracker brief`, the server)
    share it.
    """
    from datetime import timedelta

    from sqlalchemy import func, select

    from tracker.config import DEMO_AS_OF_FILE
    from tracker.db import session_scope
    from tracker.models import Bill, BillAction
    from tracker.tagging_service import score_bills

    with session_scope(settings) as session:
        newest = session.scalar(select(func.max(BillAction.date)))
        if newest is None:
            raise click.ClickException("the demo data loaded no bill actions")
        as_of = newest + timedelta(days=1)
        ids = list(session.scalars(select(Bill.id).order_by(Bill.id)))
        for i in range(0, len(ids), 500):
            score_bills(session, ids[i : i + 500], today=as_of)
        session.commit()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    (settings.var_dir / DEMO_AS_OF_FILE).write_text(as_of.isoformat() + "\n")
    return settings.with_(as_of=as_of)


def _demo_similar(settings) -> None:  # noqa: ANN001
    """Find near-copies across the loaded bills (the daily job), then rescore: companion
    and reintroduction factors read the pairs."""
    from sqlalchemy import select

    from tracker.db import session_scope
    from tracker.models import Bill
    from tracker.similarity import update_similar_bills
    from tracker.tagging_service import score_bills

    with session_scope(settings) as session:
        summary = update_similar_bills(session)
        score_bills(session, list(session.scalars(select(Bill.id))))
    click.echo(f"similar bills: {summary['pairs']} pair(s) among {summary['bills']} bills")


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

    from outreach import campaigns
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
        template = campaigns.create_template(
            session,
            org.id,
            "Support 988 and mobile crisis",
            starter_templates()["support-988-funding"],
        )
        campaign = campaigns.create_campaign(
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
