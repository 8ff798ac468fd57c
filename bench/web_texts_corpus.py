"""A kept corpus for profiling the search page and dashboard with bill texts in the index.

    .venv/bin/python bench/web_texts_corpus.py 3000 sqlite:///var/bench/web.db 500
    .venv/bin/python bench/web.py --reuse               # then bench it (SQLite file above)
    .venv/bin/python bench/web_texts_corpus.py 3000 postgresql://.../db 500
    .venv/bin/python bench/web.py --reuse --db postgresql://.../db

REPLICATED, as in bench/scale.py (whose pieces it uses): N bill records cycled from the
real payloads, each version pointing at one of the 27 real extracted texts, loaded
through `tracker.ingest.ingest`, the texts copied into the search index
(`refresh_texts`), the bench organization (bench/web.py's user and password) watching
500 bills, and the first TAG of them tagged and scored (`tag_and_score_bills`; the rest
have no topics, which keeps the build short). The database must be empty; it is kept.
"""

from __future__ import annotations

import copy
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bench.scale import attach_texts, real_texts, scale_records, setup_org  # noqa: E402
from tracker import db as dbmod  # noqa: E402
from tracker.bill_query import refresh_texts  # noqa: E402
from tracker.config import Settings  # noqa: E402
from tracker.ids import bill_id  # noqa: E402
from tracker.ingest import ingest  # noqa: E402


def main() -> None:
    n, url, tag = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    started = time.perf_counter()
    dbmod.upgrade(url)
    records, texts = scale_records(n), real_texts()
    engine = dbmod.make_engine(url)
    factory = dbmod.make_session_factory(engine)
    with factory() as session:
        ingest(session, copy.deepcopy(records), batch_size=500)
    attach_texts(engine, texts)
    ids = sorted(bill_id(r.jurisdiction, r.session, r.identifier) for r in records)
    with factory() as session:
        refresh_texts(session, ids)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "bench-secret-key-" + "x" * 32,
        "TRACKER_OFFLINE": "true",
        "TRACKER_VAR_DIR": str(ROOT / "var" / "bench"),
    }
    setup_org(Settings.from_env(env), ids)
    if tag:
        os.environ.update(env)  # the job builds its own settings
        from tracker.tasks import tag_and_score_bills

        print(tag_and_score_bills(ids[:tag], then_alert=False))
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO bill_fts(bill_fts) VALUES ('optimize')"))
    else:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    print(f"{n} bills in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
