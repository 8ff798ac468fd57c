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


# The area a models module belongs to, as its migrations spell it.
MODEL_AREAS = {
    "tracker.models.foundation": "foundation",
    "tracker.models.collection": "collection",
    "tracker.models.tagging": "tagging",
    "tracker.models.web": "web",
    "tracker.models.votes": "votes",
    "tracker.models.provisions": "provisions",
    "outreach.models": "outreach",
    "outreach.briefs.models": "briefs",
    "web.models": "web",
}


def test_each_table_lives_in_the_models_module_named_like_its_migration():
    """A newcomer finds a table's class from the migration that creates it and back:
    `0110_collection_documents` creates `version_documents`, which is mapped in
    `tracker.models.collection`."""
    import ast
    import importlib
    from pathlib import Path

    from tracker.models import Base

    for module in MODEL_AREAS:
        importlib.import_module(module)
    versions = Path(dbmod.__file__).parent / "migrations" / "versions"
    created: dict[str, str] = {}
    for path in versions.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", "") == "create_table"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                created[node.args[0].value] = path.stem
    mapped = {m.local_table.name: m.class_.__module__ for m in Base.registry.mappers}
    assert set(mapped) == set(created), "every mapped table has a migration, and back"
    wrong = {
        table: (module, created[table])
        for table, module in mapped.items()
        if created[table].split("_", 1)[1].split("_")[0] != MODEL_AREAS.get(module)
    }
    assert wrong == {}
