"""Engines and sessions, and migrations (Alembic) as functions.

`session_scope(settings)` is the one way to open a session (CLI commands, jobs, tests);
the web app uses the same `session_factory(settings)` for its per-request sessions.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from tracker.config import Settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def normalize_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the plain way."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url[len("postgres://") :]
    return url


def make_engine(settings: Settings | str) -> Engine:
    """An engine for the configured database; SQLite gets foreign keys and WAL."""
    url = normalize_url(settings if isinstance(settings, str) else settings.database_url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # noqa: ANN001 - DBAPI callback
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    pool = {} if isinstance(settings, str) else {
        "pool_size": max(settings.db_pool_size, 1),
        "max_overflow": settings.db_max_overflow,
    }  # fmt: skip
    return create_engine(url, pool_pre_ping=True, **pool)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded attributes after commit (views render after saving)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


# One engine (and its connection pool) per database URL per process: CLI commands, jobs,
# the web app and tests all open sessions through `session_factory` / `session_scope`.
_FACTORIES: dict[str, sessionmaker[Session]] = {}
_MAX_FACTORIES = 8  # tests switch databases per test; keep the cache small


def session_factory(settings: Settings | str) -> sessionmaker[Session]:
    """The process's session factory for this database (built once, then reused; its
    pool sized by the settings that first asked for it)."""
    url = normalize_url(settings if isinstance(settings, str) else settings.database_url)
    factory = _FACTORIES.get(url)
    if factory is None:
        if len(_FACTORIES) >= _MAX_FACTORIES:
            dispose_all()
        factory = _FACTORIES[url] = make_session_factory(make_engine(settings))
    return factory


@contextmanager
def session_scope(settings: Settings | str) -> Iterator[Session]:
    """The way to open a session for one unit of work (a command, a job, a request)."""
    with session_factory(settings)() as session:
        yield session


def dispose_all(close: bool = True) -> None:
    """Drop the cached engines (tests between databases; `close=False` after a fork)."""
    for factory in _FACTORIES.values():
        factory.kw["bind"].dispose(close=close)
    _FACTORIES.clear()


# A forked child (RQ's forking Worker runs each job in one) must not reuse the parent's
# pooled connections: SQLAlchemy's advice is dispose(close=False) in the child.
os.register_at_fork(after_in_child=lambda: dispose_all(close=False))


def alembic_config(url: str):  # noqa: ANN201 - alembic.config.Config
    """Alembic configuration pointing at the packaged migrations."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "heads") -> None:
    """Migrate the database at `url` up to `revision` (a SQLite file's folder is created)."""
    from alembic import command

    make_engine(url).dispose()  # creates the SQLite file's parent directory
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    """Migrate the database at `url` down to `revision`."""
    from alembic import command

    command.downgrade(alembic_config(url), revision)
