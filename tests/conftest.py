"""Shared fixtures: a real database (SQLite per test; PostgreSQL when TEST_DATABASE_URL is
set), a real Redis (TEST_REDIS_URL, default db 15), the Flask app and test client.

Migrations run once per session per engine (a SQLite template file each test copies; a
PostgreSQL schema truncated after each test), so tests never see each other's rows.
Migration tests use `fresh_database_url`, a database migrated from nothing.

Why PostgreSQL tests truncate instead of rolling back an outer transaction (the savepoint
pattern in STYLE.md): the code under test opens its own sessions, as it does in
production (`tracker.db.session_scope`: CLI commands, jobs run by a real RQ
SimpleWorker, the embedded job runner), and several tests run it in other threads or
processes (waitress behind headless Chromium, `tracker demo`, a worker process killed
mid-send, concurrent letter claims). Those sessions use their own connections and see
only committed rows, so the test must commit, and an outer transaction could not hold
the test's rows and still show them to the worker. Truncating the few tables a test
wrote, after it, isolates tests just as well on a schema migrated once per session.
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from tracker import db as dbmod
from tracker.config import Settings

FIXTURES = Path(__file__).parent / "fixtures"
DEMO_BILLS = FIXTURES / "demo" / "bills.jsonl"  # copy of shared/fixtures/demo/bills.jsonl
PG_URL = os.environ.get("TEST_DATABASE_URL")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def _pg_url_with_schema(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to heads once per session; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    dbmod.upgrade(f"sqlite:///{path}")
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.exec_driver_sql("PRAGMA journal_mode=DELETE")
    engine.dispose()
    return path


class _SharedPgSchema:
    """One PostgreSQL schema migrated once; emptied (TRUNCATE) after every test."""

    def __init__(self, base_url: str) -> None:
        self.admin = create_engine(dbmod.normalize_url(base_url), isolation_level="AUTOCOMMIT")
        self.base_url = base_url
        self._create()

    def _create(self) -> None:
        self.schema = f"t_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))
        self.url = _pg_url_with_schema(self.base_url, self.schema)
        dbmod.upgrade(self.url)
        self.heads = self._versions()
        self.seeded = {t for t in self._tables() if self._count(t)}  # e.g. jurisdictions

    def _versions(self) -> set[str]:
        with self.admin.connect() as conn:
            rows = conn.execute(text(f'SELECT version_num FROM "{self.schema}".alembic_version'))
            return {r[0] for r in rows}

    def _tables(self) -> list[str]:
        with self.admin.connect() as conn:
            return list(
                conn.execute(
                    text(
                        "SELECT table_name FROM information_schema.tables "
                        "WHERE table_schema = :s AND table_type = 'BASE TABLE'"
                    ),
                    {"s": self.schema},
                ).scalars()
            )

    def _count(self, table: str) -> int:
        with self.admin.connect() as conn:
            return conn.execute(text(f'SELECT count(*) FROM "{self.schema}"."{table}"')).scalar()

    def reset(self) -> None:
        """Empty every table but the seeded ones; rebuild the schema if that is not possible."""
        if self._versions() != self.heads:  # a migration test left it elsewhere
            dbmod.upgrade(self.url)
        tables = [t for t in self._tables() if t not in self.seeded and t != "alembic_version"]
        if not tables:
            return
        names = ", ".join(f'"{self.schema}"."{t}"' for t in tables)
        try:
            with self.admin.connect() as conn:
                conn.execute(text("SET lock_timeout = '5s'"))
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        except OperationalError:
            # A connection leaked by a test still holds a lock: leave that schema behind.
            self.drop()
            self._create()

    def drop(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(text("SET lock_timeout = '5s'"))
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))


@pytest.fixture(scope="session")
def pg_shared() -> Iterator[_SharedPgSchema | None]:
    """The session's PostgreSQL schema (None without TEST_DATABASE_URL)."""
    if not PG_URL:
        yield None
        return
    shared = _SharedPgSchema(PG_URL)
    yield shared
    try:
        shared.drop()
    finally:
        shared.admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[str]:
    """A migrated, empty database URL: SQLite always, PostgreSQL too when configured.

    SQLite: a copy of a template migrated once per session. PostgreSQL: a schema migrated
    once per session and truncated after each test.
    """
    if request.param == "sqlite":
        target = tmp_path / "test.db"
        shutil.copyfile(sqlite_template, target)
        yield f"sqlite:///{target}"
        return
    shared = request.getfixturevalue("pg_shared")
    yield shared.url
    shared.reset()


@pytest.fixture(params=BACKENDS)
def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database migrated from nothing for this test alone (migration tests)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
        dbmod.upgrade(url)
        yield url
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(dbmod.normalize_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = _pg_url_with_schema(PG_URL, schema)
    try:
        dbmod.upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings for one test; also exported to the environment so jobs see the same DB."""
    env = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "TRACKER_VAR_DIR": str(tmp_path / "var"),
        "TRACKER_OFFLINE": "true",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": "2525",
    }
    for key in ("REDIS_URL", "CONGRESS_GOV_API_KEY", "OPENSTATES_API_KEY", "LEGISCAN_API_KEY"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return Settings.from_env()


@pytest.fixture
def engine(settings: Settings):  # noqa: ANN201
    """The process's engine on the test database (the one jobs and the app use)."""
    yield dbmod.session_factory(settings).kw["bind"]
    dbmod.dispose_all()


@pytest.fixture
def db(settings: Settings, engine) -> Iterator[Session]:  # noqa: ANN001
    """A session on the test database, opened the way commands and jobs open theirs."""
    with dbmod.session_scope(settings) as session:
        yield session


def _redis_answers(url: str) -> bool:
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        return bool(Redis.from_url(url, socket_connect_timeout=1).ping())
    except (RedisError, OSError):
        return False


@pytest.fixture
def redis_conn():  # noqa: ANN201
    """A real Redis on a dedicated db, flushed before and after; skipped if none answers."""
    from redis import Redis

    if not _redis_answers(REDIS_URL):
        if os.environ.get("TEST_REDIS_URL"):
            pytest.fail(f"TEST_REDIS_URL={REDIS_URL} is set but Redis does not answer")
        pytest.skip("no Redis on loopback (set TEST_REDIS_URL to require it)")
    conn = Redis.from_url(REDIS_URL)
    conn.flushdb()
    yield conn
    conn.flushdb()
    conn.close()


@pytest.fixture
def rq_settings(settings: Settings, redis_conn, monkeypatch: pytest.MonkeyPatch) -> Settings:  # noqa: ANN001
    """Settings in RQ mode, pointing at the test Redis."""
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    return settings.with_(redis_url=REDIS_URL)


@pytest.fixture
def app(settings: Settings):  # noqa: ANN201
    """The Flask app on the test database (CSRF on, as in production)."""
    from web import create_app

    application = create_app(settings)
    application.config.update(TESTING=True)
    yield application
    application.extensions["tracker.engine"].dispose()


@pytest.fixture
def client(app):  # noqa: ANN001, ANN201
    """A Flask test client."""
    return app.test_client()


@pytest.fixture
def make_org_user(db: Session):  # noqa: ANN201
    """Factory: make_org_user(org_name, email, role) -> (org, user, password)."""
    from tracker.accounts import create_org, create_user, get_org
    from tracker.errors import NotFound

    def make(org_name: str = "Test Org", email: str = "admin@example.org", role: str = "admin"):
        try:
            org = get_org(db, org_name)
        except NotFound:
            org = create_org(db, org_name)
        password = "correct horse battery staple"
        user = create_user(db, email, org, role, password)
        return org, user, password

    return make


def csrf_token(client, path: str = "/login") -> str:  # noqa: ANN001
    """Fetch a page and pull its CSRF token out of the form."""
    import re

    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, f"no csrf_token on {path}"
    return match.group(1)


def sign_in(client, email: str, password: str) -> None:  # noqa: ANN001
    """Sign in through the real form (CSRF included)."""
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture
def live_server(app):  # noqa: ANN001, ANN201
    """The app served on a free loopback port in a thread; yields its base URL."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def browser_page():  # noqa: ANN201
    """A headless Debian Chromium page driven by Playwright (no browser downloads).

    Skipped when /usr/bin/chromium is absent, unless REQUIRE_BROWSER is set (CI).
    """
    if not CHROMIUM.exists():
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail("REQUIRE_BROWSER is set but /usr/bin/chromium is missing")
        pytest.skip("headless Chromium (/usr/bin/chromium) is not installed")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.set_default_timeout(15000)
        yield page
        browser.close()


def demo_rows() -> list[dict]:
    """The real demo corpus, one dict per bill, as read."""
    import json

    return [
        json.loads(line) for line in DEMO_BILLS.read_text(encoding="utf-8").splitlines() if line
    ]


def demo_record(row: dict):  # noqa: ANN201 - tracker.records.BillRecord
    """One demo row as the bills-jsonl importer builds it (the real parser)."""
    from scrapers.bills_file import bill_from_mapping

    return bill_from_mapping(row)
