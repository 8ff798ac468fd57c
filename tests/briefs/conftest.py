"""Fixtures for the brief tests: an organization tracking the real demo bills.

`database_url` is overridden here for SQLite only: the migrations run once per session
into a template file that each test copies (the same schema the root fixture builds, at
a fraction of the time). PostgreSQL runs go through the root fixture unchanged.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests import conftest as root
from tests.briefs.demo_data import track_all
from tracker.accounts import create_org
from tracker.models import Organization

# Mon-Sun weeks chosen from the demo bills' real action dates.
ENACTED_WEEK = ("2024-03-18", "2024-03-24")  # WA HB 1939 approved 2024-03-19
DELIVERED_WEEK = ("2024-03-04", "2024-03-10")  # WA HB 1939 delivered to the governor 03-04
QUIET_WEEK = ("2023-10-02", "2023-10-08")  # no demo bill has an action that week


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tracker import db as dbmod

    path = tmp_path_factory.mktemp("briefs-template") / "template.db"
    dbmod.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=root.BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, _sqlite_template: Path
) -> Iterator[str]:
    """A migrated, empty database: a copy of the session's SQLite template, or PostgreSQL."""
    if request.param == "sqlite":
        target = tmp_path / "test.db"
        shutil.copyfile(_sqlite_template, target)
        yield f"sqlite:///{target}"
        return
    # PostgreSQL: a fresh schema per test, migrated from scratch (as the root fixture does).
    import uuid

    from sqlalchemy import create_engine, text

    from tracker import db as dbmod

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(dbmod.normalize_url(root.PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = root._pg_url_with_schema(root.PG_URL, schema)
    try:
        dbmod.upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def org(db: Session) -> Organization:
    """'Demo Coalition' in Los Angeles time, tracking every demo bill."""
    organization = create_org(db, "Demo Coalition", timezone="America/Los_Angeles")
    track_all(db, organization, priority={"wa-202324-hb1939": "high"})
    return organization
