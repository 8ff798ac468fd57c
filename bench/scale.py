"""Year-scale benchmark: N bills (REPLICATED from real records and texts) through every step.

    nice -n 5 .venv/bin/python bench/scale.py --bills 150000 \
        --db postgresql://postgres@127.0.0.1:5432/bench_scale --redis-url redis://127.0.0.1:6379/14
    .venv/bin/python bench/scale.py --bills 50000 --db sqlite      # the embedded mode

The corpus is REPLICATED, never real: the 90 real bill payloads of bench/ingest.py cycled
under new bill numbers (`replicate`), each copy cut or cycled to exactly 4 of its own real
actions and given 2 versions taken from the real version records (new URLs per copy);
every version points at one of the real extracted texts (the 14 Missouri bill PDFs, the 6
WA texts and the 7 US bill XML/Markdown files of demo/texts and tests/fixtures/texts, run
through `tracker.textextract.extract` once). Replicated versions share those documents'
sha256, as identical documents do in the store, so the text table holds 27 texts, while
tagging, scoring and the search index read a full text for every bill.

Steps, each with wall s, CPU s (this process, plus worker/server children where they do
the work) and peak RSS (VmHWM, reset before each step through /proc/self/clear_refs;
children: their own ru_maxrss):

1. load: `tracker.ingest.ingest` of the N records into a fresh database (the real import
   path), then the texts attached to the versions;
2. re-sync: the same N records again with 1% changed (a new title and one more action);
   floor: reading the stored source links of the same records (bench/ingest.py `run_read`);
3. tag + score: the `tag` queue's `tag_and_score` jobs (`scrapers.pipeline._then`, jobs
   of at most 500 bills) for all N bills, drained by `--tag-workers` RQ worker processes;
   before that, worker throughput at `--workers` (1,2,4) on the first `--fleet-bills`
   bills (bench/fleet.py's worker); every run first empties what the step writes;
4. similarity: `tracker.similarity.update_similar_bills` (the chunks the daily jobs
   run) over all bills, in this process (only up to `--similarity-max` bills:
   replicated copies are near-duplicates of each other);
5. search: the app under waitress (8 threads), 8 signed-in clients requesting `/bills?q=`
   for bench/web.py's fixed query mix (words, a phrase, a prefix); floor: the bare
   full-text query for the same words in this process (bench/web.py `bare`);
6. dashboard: `/` for an organization watching 500 bills, 8 clients;
7. brief: the weekly brief (data + PDF) for an organization tracking 2,000 bills; floor:
   WeasyPrint alone on the same finished HTML.

PostgreSQL: a fresh schema in the database `--db` names (dropped at the end). The Redis
database given is flushed: use your own. Results print as Markdown; `--write` appends
them to the "Scale" section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import base64
import copy
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import bindparam, func, insert, select, text, update  # noqa: E402

from bench.fleet import WORKER  # noqa: E402
from bench.ingest import base_records, fresh_url, replicate, run_read  # noqa: E402
from tracker import db as dbmod  # noqa: E402
from tracker.config import Settings  # noqa: E402
from tracker.ids import bill_id  # noqa: E402
from tracker.ingest import ingest  # noqa: E402
from tracker.models import BillVersion, Watchlist, WatchlistEntry  # noqa: E402
from tracker.models.tagging import BillTagging, ExtractedText  # noqa: E402
from tracker.records import ActionRecord, VersionRecord  # noqa: E402

TEXT_FILES = (
    sorted((ROOT / "demo" / "texts" / "mo").glob("*.json"))
    + sorted((ROOT / "demo" / "texts" / "wa").glob("*.md"))
    + sorted((ROOT / "tests" / "fixtures" / "texts" / "us").glob("*"))
)
ACTIONS_PER_BILL, VERSIONS_PER_BILL = 4, 2
WATCHED, TRACKED = 500, 2000
# What a tag_and_score job writes (topics, markers, scores, second opinions, provisions).
TAG_TABLES = (
    "bill_topics",
    "bill_taggings",
    "bill_scores",
    "second_opinions",
    "version_provisions",
)
# bench/fleet.py's worker, reporting its own peak RSS (ru_maxrss would carry the parent's).
PEAK = "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])"


@dataclass
class Step:
    """One measured step."""

    name: str
    wall: float = 0.0
    cpu: float = 0.0
    rss_mb: float = 0.0
    note: str = ""
    extra: dict = field(default_factory=dict)


def _hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


class measure:  # noqa: N801 - used as `with measure(...)`
    """Wall, this process's CPU and peak RSS of the block, into `steps`."""

    def __init__(self, steps: list[Step], name: str) -> None:
        self.step = Step(name)
        steps.append(self.step)

    def __enter__(self) -> Step:
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
        self.t0, self.c0 = time.perf_counter(), time.process_time()
        return self.step

    def __exit__(self, *exc: object) -> None:
        self.step.wall = time.perf_counter() - self.t0
        self.step.cpu += time.process_time() - self.c0
        self.step.rss_mb = max(self.step.rss_mb, _hwm_mb())


def real_texts() -> list[tuple[str, str, str]]:
    """(sha256 of the document, media type, extracted text) of every real text we hold."""
    import hashlib

    from tracker.textextract import extract

    out = []
    for path in TEXT_FILES:
        if path.suffix == ".json":
            raw = base64.b64decode(json.loads(path.read_text())["text"]["doc"])
            media = "application/pdf"
        else:
            raw = path.read_bytes()
            media = "text/markdown" if path.suffix == ".md" else "application/xml"
        out.append((hashlib.sha256(raw).hexdigest(), media, extract(raw).text))
    return out


def scale_records(n: int) -> list:
    """n REPLICATED bill records with 4 real actions and 2 real version records each."""
    base = base_records()
    pool = [v for r in base for v in r.versions] or [
        VersionRecord(note="Introduced", url="https://example.invalid/replicated")
    ]
    records = replicate(base, n)
    for i, record in enumerate(records):
        own = record.actions or [ActionRecord(record.introduced_date or date(2024, 1, 2), "Filed")]
        record.actions = sorted(
            (copy.copy(own[k % len(own)]) for k in range(ACTIONS_PER_BILL)), key=lambda a: a.date
        )
        record.versions = [
            copy.copy(pool[(i * VERSIONS_PER_BILL + k) % len(pool)])
            for k in range(VERSIONS_PER_BILL)
        ]
        for k, version in enumerate(record.versions):
            version.url = f"{version.url}#replicated-{i}-{k}"
            version.source_doc = None
    return records


def attach_texts(engine, texts: list[tuple[str, str, str]]) -> int:  # noqa: ANN001
    """Store the real texts once and point every version at one of them."""
    with engine.begin() as conn:
        conn.execute(
            insert(ExtractedText),
            [
                {
                    "sha256": sha,
                    "media_type": media,
                    "text": body,
                    "chars": len(body),
                    "extractor": "bench",
                    "extracted_at": datetime.now(UTC),
                }
                for sha, media, body in texts
            ],
        )
        ids = conn.execute(select(BillVersion.id)).scalars().all()
        stmt = (
            update(BillVersion.__table__)
            .where(BillVersion.__table__.c.id == bindparam("vid"))
            .values(text_sha256=bindparam("sha"))
        )
        for start in range(0, len(ids), 5000):
            conn.execute(
                stmt,
                [
                    {"vid": vid, "sha": texts[vid % len(texts)][0]}
                    for vid in ids[start : start + 5000]
                ],
            )
    return len(ids)


def run_workers(env: dict, settings: Settings, ids: list[str], workers: int) -> dict:
    """The tag step for `ids` (jobs of 500 bills) drained by `workers` RQ processes."""
    from redis import Redis

    from scrapers import pipeline

    with dbmod.session_scope(settings) as session:
        for table in TAG_TABLES:  # each run does the whole step, none of it cached
            session.execute(text(f"DELETE FROM {table}"))
        session.commit()
    Redis.from_url(settings.redis_url).flushdb()
    jobs = pipeline._then(pipeline.fetch_texts, settings, ids)
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", f"{WORKER}; {PEAK}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        for _ in range(workers)
    ]
    cpu, rss, codes = 0.0, 0.0, []
    for proc in procs:
        out = proc.stdout.read()
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        codes.append(proc.returncode)
        cpu += usage.ru_utime + usage.ru_stime
        rss = max(rss, int(out.split()[-1]) / 1024)
    wall = time.perf_counter() - started
    with dbmod.session_scope(settings) as session:
        tagged = session.scalar(select(func.count()).select_from(BillTagging))
    assert codes == [0] * workers, codes
    assert tagged == len(ids), (tagged, len(ids))
    return {"workers": workers, "jobs": len(jobs), "wall": wall, "cpu": cpu, "rss": rss}


def setup_org(settings: Settings, ids: list[str]) -> None:
    """The bench user's organization: one watchlist of WATCHED bills, one of TRACKED."""
    from bench.web import PASSWORD
    from tracker.accounts import create_org, create_user

    with dbmod.session_scope(settings) as session:
        org = create_org(session, "Bench Coalition", timezone="America/Chicago")
        create_user(session, "bench@example.org", org, "admin", PASSWORD)
        watched = Watchlist(organization_id=org.id, name="Priority bills")
        session.add(watched)
        session.flush()
        session.add_all(WatchlistEntry(watchlist_id=watched.id, bill_id=b) for b in ids[:WATCHED])
        session.commit()
        brief_org = create_org(session, "Bench Brief Coalition", timezone="America/Chicago")
        tracked = Watchlist(organization_id=brief_org.id, name="All tracked")
        session.add(tracked)
        session.flush()
        session.add_all(
            WatchlistEntry(
                watchlist_id=tracked.id,
                bill_id=b,
                position=("support", "oppose", "monitor")[j % 3],
                priority=("high", "medium", "low")[j % 3],
            )
            for j, b in enumerate(ids[:TRACKED])
        )
        session.commit()


def web_phase(settings: Settings, steps: list[Step], requests: int) -> None:
    """Search and dashboard p50/p95 with 8 clients, and the bare query as the floor."""
    from bench import web

    port = web._free_port()
    proc = web.serve(settings, port)
    base = f"http://127.0.0.1:{port}"
    try:
        sessions = [web.signed_in_session(base) for _ in range(8)]
        kinds = (("search", "search (8 clients)"), ("dashboard", "dashboard (8 clients)"))
        for kind, name in kinds:
            web.load(base, sessions, 2, kind, proc.pid)
            with measure(steps, name) as step:
                timings, cpu = web.load(base, sessions, max(1, requests // 8), kind, proc.pid)
            step.cpu = cpu["cpu"] * len(timings) / 1000  # the server's, not the clients'
            step.extra = {
                "p50": web.pct(timings, 50),
                "p95": web.pct(timings, 95),
                "n": len(timings),
                "cpu_ms": cpu["cpu"],
            }
        server_mb = (
            int(
                next(
                    line.split()[1]
                    for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines()
                    if line.startswith("VmHWM:")
                )
            )
            / 1024
        )
    finally:
        proc.terminate()
        proc.wait(10)
    for step in steps[-2:]:
        step.rss_mb = server_mb
        step.note = "server process peak RSS; CPU = server + database backends"
    with measure(steps, "bare FTS query (floor), 1 client") as step:
        timings = web.bare(settings, 8, max(1, requests // 8))
    step.extra = {
        "p50": web.pct(timings["bare"], 50),
        "p95": web.pct(timings["bare"], 95),
        "cpu_ms": web.CPU_MS["bare"]["cpu"],
        "p95_8": web.pct(timings["bare_concurrent"], 95),
    }


def brief_phase(settings: Settings, steps: list[Step], total: int) -> None:
    """The weekly brief for the organization tracking TRACKED bills, and WeasyPrint alone."""
    from outreach.briefs import render as brief_render
    from outreach.briefs.data import build_brief
    from tracker.models import Organization

    with dbmod.session_scope(settings) as session:
        org = session.scalars(
            select(Organization).where(Organization.name == "Bench Brief Coalition")
        ).one()
        with measure(steps, f"weekly brief data, {TRACKED} tracked bills") as step:
            brief = build_brief(session, org)
        assert brief.headline.tracked == min(TRACKED, total), brief.headline
        with measure(steps, "weekly brief PDF render") as step:
            pdf = brief_render.render(brief, "pdf")
        step.note = f"{len(pdf) / 1024:,.0f} KB"
        html = brief_render.render_html(brief, images="svg", for_pdf=True)
        with measure(steps, "WeasyPrint alone on the same HTML (floor)"):
            brief_render.html_to_pdf(html)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bills", type=int, default=2000)
    parser.add_argument("--db", default="sqlite", help="sqlite or a postgresql:// URL")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--workers", default="1,2,4", help="fleet throughput worker counts")
    parser.add_argument("--fleet-bills", type=int, default=3000)
    parser.add_argument("--tag-workers", type=int, default=2, help="workers tagging all bills")
    parser.add_argument("--requests", type=int, default=240, help="per page kind, in total")
    parser.add_argument(
        "--similarity-max",
        type=int,
        default=5000,
        help="skip similarity above this many bills (replicated copies are near-duplicates "
        "of each other, so the pairs grow with the square of N)",
    )
    parser.add_argument("--skip", default="", help="steps to leave out: similarity,fleet")
    parser.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    n = args.bills
    stamp = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    load_before = os.getloadavg()
    steps: list[Step] = []
    with measure(steps, "build corpus (REPLICATED records, real texts extracted)") as step:
        records = scale_records(n)
        texts = real_texts()
    step.note = f"{n} bills, {sum(len(r.actions) for r in records)} actions"
    url, cleanup = fresh_url(args.db, "scale")
    var = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": args.redis_url,
        "SECRET_KEY": "bench-secret-key-" + "x" * 32,
        "TRACKER_OFFLINE": "true",
        "TRACKER_VAR_DIR": str(var),
        "SCRAPER_CACHE_DIR": str(var / "cache"),
        "PYTHONPATH": str(ROOT),
    }
    settings = Settings.from_env(env)
    fleet: list[dict] = []
    try:
        engine = dbmod.make_engine(url)
        factory = dbmod.make_session_factory(engine)
        with measure(steps, "load: ingest (real import path)") as step, factory() as session:
            result = ingest(session, copy.deepcopy(records), batch_size=500)
        assert result.inserted == n, result.as_dict()
        with measure(steps, "attach real texts to versions") as step:
            versions = attach_texts(engine, texts)
        step.note = f"{versions} versions, {len(texts)} distinct real texts"
        changed = copy.deepcopy(records)
        for record in changed[:: max(1, 100)]:  # 1%
            record.title = f"{record.title} (amended)"
            record.actions.append(ActionRecord(date(2026, 12, 1), "Amended in committee."))
        with measure(steps, "re-sync, 1% changed") as step, factory() as session:
            again = ingest(session, changed, batch_size=500)
        step.note = f"{len(again.changed_bill_ids)} changed, {again.unchanged} unchanged"
        with measure(steps, "read floor: stored source links of the same records") as step:
            run_read(engine, records)
        ids = sorted(bill_id(r.jurisdiction, r.session, r.identifier) for r in records)
        engine.dispose()
        if "fleet" not in skip:
            subset = ids[: args.fleet_bills]
            for workers in (int(w) for w in args.workers.split(",")):
                fleet.append(run_workers(env, settings, subset, workers))
        with measure(steps, f"tag + score all bills, {args.tag_workers} workers") as step:
            row = run_workers(env, settings, ids, args.tag_workers)
        step.cpu += row["cpu"]
        step.rss_mb = max(step.rss_mb, row["rss"])
        step.note = f"{row['jobs']} jobs; CPU and RSS include the workers"
        if "similarity" not in skip and n <= args.similarity_max:
            from tracker.similarity import update_similar_bills

            os.environ.update(env)
            with (
                measure(steps, "similarity (all bills, chunks of 500, one process)") as step,
                dbmod.session_scope(settings) as session,
            ):
                sim = update_similar_bills(session)
            step.note = f"{sim['pairs']:,} pairs"
        setup_org(settings, ids)
        web_phase(settings, steps, args.requests)
        brief_phase(settings, steps, n)
    finally:
        dbmod.dispose_all()
        cleanup()
    load_after = os.getloadavg()
    report(args, n, stamp, load_before, load_after, steps, fleet)


def report(args, n, stamp, load_before, load_after, steps, fleet) -> None:  # noqa: ANN001
    """Markdown for bench/RESULTS.md."""
    database = "SQLite" if args.db == "sqlite" else "PostgreSQL"
    by_name = {s.name: s for s in steps}
    lines = [
        "",
        f"### {n:,} bills (REPLICATED), {database}, {stamp}",
        "",
        f"- Machine: {platform.node()}, {os.cpu_count()} CPUs ({platform.machine()}), "
        f"Python {platform.python_version()}; database and Redis on the same machine",
        f"- Command: `{' '.join(['bench/scale.py', *sys.argv[1:]])}`",
        f"- Load average before / after: {load_before[0]:.1f} / {load_after[0]:.1f}",
        "",
        "| step | wall s | CPU s | peak RSS MB | p50 / p95 ms | note |",
        "|---|---|---|---|---|---|",
    ]
    for s in steps:
        lat = f"{s.extra['p50']:.0f} / {s.extra['p95']:.0f}" if "p50" in s.extra else ""
        note = s.note
        if "cpu_ms" in s.extra:
            note = f"{s.extra['cpu_ms']:.1f} ms CPU per request; {note}".rstrip("; ")
        lines.append(f"| {s.name} | {s.wall:.1f} | {s.cpu:.1f} | {s.rss_mb:.0f} | {lat} | {note} |")
    resync = by_name["re-sync, 1% changed"]
    floor = by_name["read floor: stored source links of the same records"]
    search = by_name["search (8 clients)"]
    bare = by_name["bare FTS query (floor), 1 client"]
    pdf = by_name["weekly brief PDF render"]
    weasy = by_name["WeasyPrint alone on the same HTML (floor)"]
    lines += [
        "",
        f"Ratios to floors in the same run: re-sync (1% changed) / read floor "
        f"{resync.wall / floor.wall:.1f}x wall ({resync.cpu / max(floor.cpu, 1e-3):.1f}x CPU); "
        f"search page server CPU / bare query CPU "
        f"{search.extra['cpu_ms'] / max(bare.extra['cpu_ms'], 1e-3):.1f}x; "
        f"brief PDF render / WeasyPrint alone {pdf.wall / weasy.wall:.2f}x.",
    ]
    if fleet:
        len_ids = min(args.fleet_bills, n)
        lines += [
            "",
            f"Worker throughput, the tag step (tag + score jobs of 500 bills) on the first "
            f"{len_ids:,} bills:",
            "",
            "| workers | jobs | wall s | worker CPU s | worker peak RSS MB | bills/s | speed-up |",
            "|---|---|---|---|---|---|---|",
        ]
        base = fleet[0]["wall"]
        lines += [
            f"| {r['workers']} | {r['jobs']} | {r['wall']:.1f} | {r['cpu']:.1f} | "
            f"{r['rss']:.0f} | {len_ids / r['wall']:.0f} | {base / r['wall']:.2f}x |"
            for r in fleet
        ]
    out = "\n".join(lines)
    print(out)
    if args.write:
        results = ROOT / "bench" / "RESULTS.md"
        current = results.read_text()
        if "## Scale" not in current:
            current = current.rstrip() + "\n\n## Scale\n"
        results.write_text(current.rstrip() + "\n" + out + "\n")


if __name__ == "__main__":
    main()
