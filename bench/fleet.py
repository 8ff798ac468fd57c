"""Fleet benchmark: the pipeline's tag step shared by 1, 2 and 4 RQ worker processes.

    .venv/bin/python bench/fleet.py --n 6000 --workers 1,2,4 \
        --db postgresql://postgres@127.0.0.1:5432/test --redis-url redis://127.0.0.1:6379/8

What it does:
1. a fresh PostgreSQL schema; N bills ingested through `tracker.ingest.ingest` (the real
   payloads of bench/ingest.py, REPLICATED under new bill numbers: not N real bills);
2. for each worker count W: tagging rows emptied, the Redis db flushed, the tag step
   enqueued the way a sync's pipeline does (`scrapers.pipeline._then` after the texts
   step: jobs of at most `STEPS[2].chunk` bills), then W `SimpleWorker` processes drain
   the `tag` queue (burst); wall time until the last one exits, CPU of all of them;
3. checks every bill was tagged exactly once, and writes bills/s and the speed-up over
   one worker to bench/RESULTS.md (`--no-write` to only print).

The Redis database given is flushed: use a spare one.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402

from bench.ingest import base_records, fresh_url, replicate  # noqa: E402
from scrapers import pipeline  # noqa: E402
from tracker import db as dbmod  # noqa: E402
from tracker.config import Settings  # noqa: E402
from tracker.ingest import ingest  # noqa: E402
from tracker.models.tagging import BillTagging  # noqa: E402

WORKER = (
    "from redis import Redis; from rq import Queue, SimpleWorker; import os;"
    "r = Redis.from_url(os.environ['REDIS_URL']);"
    "SimpleWorker([Queue('tag', connection=r)], connection=r).work(burst=True)"
)


def run(env: dict[str, str], settings: Settings, ids: list[str], workers: int) -> dict:
    from redis import Redis

    with dbmod.session_scope(settings) as session:
        session.execute(text("TRUNCATE bill_topics, bill_taggings, bill_scores"))
        session.commit()
    Redis.from_url(settings.redis_url).flushdb()
    jobs = pipeline._then(pipeline.fetch_texts, settings, ids)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    procs = [
        subprocess.Popen([sys.executable, "-c", WORKER], cwd=ROOT, env=env) for _ in range(workers)
    ]
    codes = [p.wait() for p in procs]
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    with dbmod.session_scope(settings) as session:
        tagged = session.scalar(select(func.count()).select_from(BillTagging))
    assert codes == [0] * workers, codes
    assert tagged == len(ids), (tagged, len(ids))
    return {"workers": workers, "jobs": len(jobs), "wall": wall, "cpu": cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=6000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--db", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/8")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    url, cleanup = fresh_url(args.db, "fleet")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": args.redis_url,
        "SECRET_KEY": "bench-secret-key-" + "x" * 32,
        "TRACKER_OFFLINE": "true",
        "PYTHONPATH": str(ROOT),
    }
    settings = Settings.from_env(env)
    try:
        with dbmod.session_scope(settings) as session:
            result = ingest(session, replicate(base_records(), args.n), batch_size=500)
            ids = sorted(result.changed_bill_ids)
        print(f"{len(ids)} bills (replicated) in {url.split('@')[-1]}")
        load_before = os.getloadavg()
        rows = []
        for workers in (int(w) for w in args.workers.split(",")):
            row = run(env, settings, ids, workers)
            row["rate"] = len(ids) / row["wall"]
            rows.append(row)
            print(
                f"{workers} worker(s): {row['jobs']} jobs, {row['wall']:.1f} s wall, "
                f"{row['cpu']:.1f} s CPU, {row['rate']:.0f} bills/s"
            )
        load_after = os.getloadavg()
    finally:
        dbmod.dispose_all()
        cleanup()

    base = rows[0]["rate"]
    lines = [
        "",
        f"### Fleet: the tag step on {len(ids)} bills (replicated), "
        f"{', '.join(str(r['workers']) for r in rows)} workers",
        "",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {platform.node()}, "
        f"{os.cpu_count()} CPUs ({platform.machine()}), Python {platform.python_version()}; "
        f"PostgreSQL + Redis on the same machine",
        f"- Command: `bench/fleet.py --n {args.n} --workers {args.workers}`; jobs of at most "
        f"{pipeline.STEPS[2].chunk} bills (`scrapers/pipeline.py` STEPS)",
        f"- Load average before / after: {load_before[0]:.1f} / {load_after[0]:.1f} "
        "(other work on the machine shares its CPUs)",
        "",
        "| workers | jobs | wall s | worker CPU s | bills/s | speed-up |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['workers']} | {r['jobs']} | {r['wall']:.1f} | {r['cpu']:.1f} | "
        f"{r['rate']:.0f} | {r['rate'] / base:.2f}x |"
        for r in rows
    ]
    print("\n".join(lines))
    if not args.no_write:
        text_now = args.results.read_text()
        if "## Fleet" not in text_now:
            text_now = text_now.rstrip() + "\n\n## Fleet\n"
        args.results.write_text(text_now.rstrip() + "\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
