"""Migration 0006 goes down and up on its own branch, leaving the other areas' tables."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect

from tracker import db as dbmod


def _tables(url: str) -> set[str]:
    engine = create_engine(dbmod.normalize_url(url))
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_briefs_migration_downgrades_and_upgrades_alone(fresh_database_url):
    database_url = fresh_database_url
    assert {"brief_archives", "brief_subscribers"} <= _tables(database_url)
    dbmod.downgrade(database_url, "0006@-1")
    after = _tables(database_url)
    assert not {"brief_archives", "brief_subscribers"} & after
    assert {"bills", "watchlists", "organizations"} <= after
    dbmod.upgrade(database_url)
    assert {"brief_archives", "brief_subscribers"} <= _tables(database_url)
