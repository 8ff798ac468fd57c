from __future__ import annotations

from sqlalchemy import create_engine, inspect, select

from tracker import db as dbmod
from tracker.models import Jurisdiction


def test_migrations_downgrade_to_base_and_upgrade_to_head(fresh_database_url):
    database_url = fresh_database_url
    engine = create_engine(dbmod.normalize_url(database_url))
    tables = set(inspect(engine).get_table_names())
    assert {"bills", "bill_actions", "legislators", "committees", "events", "watchlists"} <= tables

    dbmod.downgrade(database_url, "base")
    left = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert left == set()

    dbmod.upgrade(database_url)
    assert {"bills", "legislators"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_first_migration_seeds_states_dc_pr_and_federal(db):
    rows = {j.id: j for j in db.scalars(select(Jurisdiction))}
    assert len(rows) == 53
    assert rows["us"].classification == "country"
    assert rows["dc"].ocd_id == "ocd-jurisdiction/country:us/district:dc/government"
    assert rows["pr"].classification == "territory"
    assert rows["ca"].name == "California" and rows["ca"].abbr == "CA"
