"""Web fixtures: real demo bills through tracker.ingest, two organizations, signed-in clients."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event

from tests.conftest import demo_record, demo_rows, sign_in
from tracker.ingest import ingest

PASSWORD = "correct horse battery staple"
record_from_row = demo_record


@pytest.fixture
def demo_bills(db):  # noqa: ANN001, ANN201
    """All 73 demo bills ingested; returns their records keyed by stable id."""
    from tracker.ids import bill_id

    records = [record_from_row(r) for r in demo_rows()]
    ingest(db, records)
    return {bill_id(r.jurisdiction, r.session, r.identifier): r for r in records}


@pytest.fixture(scope="session")
def password_hash() -> str:
    """One argon2 hash of PASSWORD for every test user (hashing is slow on purpose)."""
    from tracker.accounts import hash_password

    return hash_password(PASSWORD)


@pytest.fixture
def orgs(db, password_hash):  # noqa: ANN001, ANN201
    """Two organizations with an admin, an advocate and a viewer each."""
    from tracker.accounts import create_org
    from tracker.models import User

    users = {}
    for org_name in ("Alpha Coalition", "Beta Team"):
        org = create_org(db, org_name)
        key = org_name.split()[0].lower()
        for role in ("admin", "advocate", "viewer"):
            user = User(
                email=f"{role}@{key}.example.org",
                organization_id=org.id,
                role=role,
                password_hash=password_hash,
            )
            db.add(user)
            users[(key, role)] = user
    db.commit()
    return users


@pytest.fixture
def login(app):  # noqa: ANN001, ANN201
    """login(email) -> a fresh test client signed in as that user."""

    def make(email: str):  # noqa: ANN202
        c = app.test_client()
        sign_in(c, email, PASSWORD)
        return c

    return make


class QueryCounter:
    """Counts SQL statements run on an engine (for N+1 checks)."""

    def __init__(self, engine) -> None:  # noqa: ANN001
        self.engine, self.count = engine, 0

    def _hook(self, *args) -> None:  # noqa: ANN002
        self.count += 1

    def __enter__(self) -> QueryCounter:
        event.listen(self.engine, "before_cursor_execute", self._hook)
        return self

    def __exit__(self, *exc) -> None:  # noqa: ANN002
        event.remove(self.engine, "before_cursor_execute", self._hook)


def first_congress_member():  # noqa: ANN201
    """The first legislator of the real congress-legislators excerpt, parsed."""
    import yaml

    from scrapers.congress_legislators import parse_legislator

    path = Path(__file__).parents[1] / "fixtures" / "congress_legislators"
    data = yaml.safe_load((path / "legislators-current.excerpt.yaml").read_text())
    return parse_legislator(data[0])


SECRETS = {
    "alpha": ("alpha-secret-list", "alpha-secret-note", "alpha-secret-search"),
    "beta": ("beta-secret-list", "beta-secret-note", "beta-secret-search"),
}
WATCHED = (
    "us-118-hr498"  # "To amend title V of the PHS Act to secure the suicide prevention lifeline"
)


@pytest.fixture
def world(db, demo_bills, orgs, settings):  # noqa: ANN001, ANN201
    """Two organizations, each with a private watchlist, note, saved search, alert and token.

    Alpha also has an invitation, a reset link, a hearing next week for the watched bill,
    a legislator who sponsors it, and two bill versions with extracted text (for diffs).
    """
    import hashlib
    from datetime import UTC, datetime, timedelta

    from tracker.ingest import ingest_events, ingest_members
    from tracker.models import BillVersion, Sponsorship, Watchlist, WatchlistEntry, utcnow
    from tracker.records import EventRecord
    from web.models import AlertSubscription, ApiToken, Invitation, PasswordReset, SavedSearch
    from web.text import version_text_path

    ctx: dict = {"users": orgs, "bill": WATCHED}
    for org in ("alpha", "beta"):
        admin = orgs[(org, "admin")]
        list_name, note, search_name = SECRETS[org]
        wl = Watchlist(organization_id=admin.organization_id, name=list_name)
        db.add(wl)
        db.flush()
        entry = WatchlistEntry(
            watchlist_id=wl.id,
            bill_id=WATCHED,
            position="support",
            priority="high",
            notes=note,
            owner_id=admin.id,
        )
        db.add(entry)
        saved = SavedSearch(
            organization_id=admin.organization_id, user_id=admin.id, name=search_name, query="q=988"
        )
        sub = AlertSubscription(
            user_id=admin.id,
            organization_id=admin.organization_id,
            channel="email",
            frequency="immediate",
            kinds=["status", "action", "hearing", "search"],
        )
        token = f"mhpt_{org}-token-" + "x" * 20
        api = ApiToken(
            user_id=admin.id,
            name=f"{org} token",
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            prefix=token[:9],
        )
        db.add_all([saved, sub, api])
        db.flush()
        ctx[org] = {
            "watchlist": wl.id,
            "entry": entry.id,
            "search": saved.id,
            "subscription": sub.id,
            "token": token,
            "api_token_id": api.id,
            "org_id": admin.organization_id,
        }
    invite_token, reset_token = "invite-token-" + "y" * 20, "reset-token-" + "z" * 20
    alpha_admin = orgs[("alpha", "admin")]
    invitation = Invitation(
        organization_id=alpha_admin.organization_id,
        email="new@alpha.example.org",
        role="viewer",
        token_hash=hashlib.sha256(invite_token.encode()).hexdigest(),
        invited_by_id=alpha_admin.id,
        expires_at=utcnow() + timedelta(days=7),
    )
    reset = PasswordReset(
        user_id=orgs[("alpha", "viewer")].id,
        token_hash=hashlib.sha256(reset_token.encode()).hexdigest(),
        expires_at=utcnow() + timedelta(hours=1),
    )
    db.add_all([invitation, reset])
    db.commit()
    ctx["alpha"].update(
        invitation=invitation.id, invite_token=invite_token, reset_token=reset_token
    )

    ingest_members(db, [first_congress_member()])
    from sqlalchemy import select

    from tracker.models import Legislator

    legislator = db.scalars(select(Legislator)).first()
    db.add(
        Sponsorship(
            bill_id=WATCHED,
            name=legislator.name,
            role="primary",
            legislator_id=legislator.id,
            position=99,
        )
    )
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=6)
    ingest_events(
        db,
        [
            EventRecord(
                jurisdiction="us",
                name="Health Subcommittee hearing",
                start=start,
                location="2123 Rayburn",
                external_id="test-hearing-1",
                bill_ids=[WATCHED],
            )
        ],
    )
    # Two versions with extracted text, as the collection area stores it.
    texts = [
        "The Secretary shall secure the lifeline.",
        "The Secretary shall secure and fund the 988 lifeline.",
    ]
    versions = []
    for i, body in enumerate(texts):
        sha = hashlib.sha256(body.encode()).hexdigest()
        path = version_text_path(settings, sha)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body)
        v = BillVersion(
            bill_id=WATCHED,
            position=i,
            note=["Introduced", "Reported"][i],
            url=f"https://www.congress.gov/bill/118th-congress/house-bill/498/text/v{i}",
            text_sha256=sha,
        )
        db.add(v)
        versions.append(v)
    db.commit()
    ctx.update(legislator=legislator.id, versions=[v.id for v in versions])
    return ctx


class _Inbox:
    """aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp_server(settings, monkeypatch):  # noqa: ANN001, ANN201
    """A real SMTP server (aiosmtpd) on loopback; yields (settings pointing at it, inbox)."""
    from aiosmtpd.controller import Controller

    from tests.conftest import free_port

    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("SMTP_PORT", str(port))
    try:
        yield settings.with_(smtp_port=port), inbox
    finally:
        controller.stop()


@pytest.fixture
def webhook_server(monkeypatch):  # noqa: ANN001, ANN201
    """A local HTTP server that records JSON POSTs; yields (url, received list, set_status).

    Loopback webhooks are refused in production; this fixture allows them.
    """
    from tracker import alerts

    monkeypatch.setattr(alerts, "ALLOW_PRIVATE_WEBHOOK_HOSTS", True)
    import json as jsonlib
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    received: list = []
    state = {"status": 200}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            received.append(
                {
                    "path": self.path,
                    "json": jsonlib.loads(body),
                    "content_type": self.headers.get("Content-Type"),
                }
            )
            self.send_response(state["status"])
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args) -> None:  # noqa: ANN002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def set_status(code: int) -> None:
        state["status"] = code

    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/slack", received, set_status
    server.shutdown()
    server.server_close()
