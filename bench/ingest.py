"""Ingest benchmark: N bills (real payloads replicated under new ids) into SQLite / PostgreSQL.

Reports bills/s for `tracker.ingest.ingest` (upsert with content hash, source links,
derived status), for a second no-op import of the same records, and for a bare bulk
insert of the same rows (SQLAlchemy Core executemany of the bill, action, sponsor,
version, subject and source-link rows, no lookups, no hashing) into a fresh database,
plus the ratio ingest / bare. The no-op re-import is set against a read floor measured
on the same database right after it: a Core SELECT, per batch of 500, of the stored
source-link rows ingest compares (what any change detector has to read); and against
parsing the input itself (the real payloads parsed 10 times over, per-bill cost times N).

Records: the 73 real bills of tests/fixtures/demo/bills.jsonl, the 14 GovInfo
BILLSTATUS files and the 4 LegiScan bills, parsed once, then cycled with the
identifier number shifted per copy (`HB 1` -> `HB 100001`, ...) so every copy is a
new bill with real titles, actions and sponsors.

    .venv/bin/python bench/ingest.py --n 50000 --db sqlite
    .venv/bin/python bench/ingest.py --n 50000 --db postgresql://postgres@127.0.0.1:5432/bench
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import platform
import re
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scrapers import govinfo, legiscan  # noqa: E402
from scrapers.bills_file import parse_jsonl  # noqa: E402
from tracker import db as dbmod  # noqa: E402
from tracker.ids import bill_id, normalize_identifier  # noqa: E402
from tracker.ingest import ingest  # noqa: E402
from tracker.models import (  # noqa: E402
    Bill,
    BillAction,
    BillSubject,
    BillVersion,
    LegislativeSession,
    SourceLink,
    Sponsorship,
)
from tracker.records import BillRecord  # noqa: E402
from tracker.status import _classify, classify_action, derive_status  # noqa: E402

FIX = ROOT / "tests" / "fixtures"


def base_records() -> list[BillRecord]:
    """Every real bill payload we have, parsed once."""
    records = [
        r for r in parse_jsonl((FIX / "demo/bills.jsonl").read_text()) if isinstance(r, BillRecord)
    ]
    records += [
        govinfo.parse_billstatus(p.read_bytes()) for p in sorted((FIX / "govinfo").rglob("*.xml"))
    ]
    records += [
        legiscan.parse_bill(json.loads(p.read_text()))
        for p in sorted((FIX / "legiscan/bill").glob("*.json"))
    ]
    # Two BILLSTATUS layouts of the same bill are one bill: keep the first.
    unique = {bill_id(r.jurisdiction, r.session, r.identifier): r for r in reversed(records)}
    return list(reversed(unique.values()))


def replicate(base: list[BillRecord], n: int) -> list[BillRecord]:
    """n records: the base bills cycled, each copy with a shifted bill number."""
    out = []
    for i in range(n):
        record = copy.deepcopy(base[i % len(base)])
        copy_no = i // len(base) + 1
        match = re.search(r"(\d+)", record.identifier)
        number = int(match.group(1)) if match else 0
        record.identifier = normalize_identifier(
            re.sub(r"\d+", str(copy_no * 100000 + number), record.identifier, count=1)
        )
        for ref in record.sources:
            ref.source_id = f"{ref.source_id}-{copy_no}"
            ref.url = f"{ref.url}#copy{copy_no}" if ref.url else None
        out.append(record)
    return out


def run_parse(n: int, rounds: int = 10) -> tuple[float, float]:
    """(wall s, client CPU s) to parse n bills from their payloads, scaled from `rounds`
    parses of every real payload (the input a re-import has to read in any case)."""
    started, cpu = time.perf_counter(), time.process_time()
    parsed = sum(len(base_records()) for _ in range(rounds))
    scale = n / parsed
    return (time.perf_counter() - started) * scale, (time.process_time() - cpu) * scale


def fresh_url(target: str, label: str) -> tuple[str, object]:
    """A migrated empty database; returns (url, cleanup)."""
    if target == "sqlite":
        tmp = tempfile.mkdtemp(prefix=f"bench-{label}-")
        url = f"sqlite:///{tmp}/bench.db"
        dbmod.upgrade(url)
        return url, lambda: None
    schema = f"bench_{label}_{int(time.time())}"
    admin = create_engine(dbmod.normalize_url(target), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in target else "?"
    url = f"{target}{sep}options=-csearch_path%3D{schema}"
    dbmod.upgrade(url)

    def cleanup() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return url, cleanup


def run_ingest(url: str, records: list[BillRecord]) -> tuple[float, ...]:
    """(wall s, client CPU s) for the first import, the no-op re-import and the read floor."""
    _classify.cache_clear()  # each run starts cold, like a fresh process
    engine = dbmod.make_engine(url)
    factory = dbmod.make_session_factory(engine)
    with factory() as session:
        started, cpu = time.perf_counter(), time.process_time()
        first = ingest(session, records, batch_size=500)
        first_s, first_cpu = time.perf_counter() - started, time.process_time() - cpu
    if engine.dialect.name == "postgresql":
        print(f"# {explain_lookup(engine, records[:500])}")
    with factory() as session:
        started, cpu = time.perf_counter(), time.process_time()
        again = ingest(session, records, batch_size=500)
        again_s, again_cpu = time.perf_counter() - started, time.process_time() - cpu
    read_s, read_cpu = run_read(engine, records)
    engine.dispose()
    assert first.inserted == len(records), first.as_dict()
    assert again.unchanged == len(records), again.as_dict()
    return first_s, first_cpu, again_s, again_cpu, read_s, read_cpu


def explain_lookup(engine, records: list[BillRecord]) -> str:  # noqa: ANN001
    """The top line of PostgreSQL's plan for one batch's source-link lookup, after the load."""
    links = SourceLink.__table__.c
    ids = sorted({bill_id(r.jurisdiction, r.session, r.identifier) for r in records})
    query = select(links.bill_id, links.record_sha256).where(links.bill_id.in_(ids))
    compiled = query.compile(engine, compile_kwargs={"literal_binds": True})
    with engine.connect() as conn:
        plan = conn.execute(text(f"EXPLAIN ANALYZE {compiled}")).scalars().all()
    return f"lookup plan after the load: {plan[0]}; {plan[-1]}"


def run_read(engine, records: list[BillRecord]) -> tuple[float, float]:  # noqa: ANN001
    """(wall s, client CPU s) to read back the source links of every record, per batch."""
    links = SourceLink.__table__.c
    query = select(
        links.bill_id,
        links.source,
        links.url,
        links.record_sha256,
        links.source_id,
        links.source_updated,
        links.payload_sha256,
    )
    started, cpu = time.perf_counter(), time.process_time()
    rows = 0
    with engine.connect() as conn:
        for start in range(0, len(records), 500):
            ids = {
                bill_id(r.jurisdiction, r.session, r.identifier)
                for r in records[start : start + 500]
            }
            rows += len(conn.execute(query.where(links.bill_id.in_(ids))).all())
    assert rows >= len(records)
    return time.perf_counter() - started, time.process_time() - cpu


def run_bare(url: str, records: list[BillRecord]) -> tuple[float, float]:
    """(wall s, client CPU s) to bulk-insert the same rows with Core executemany."""
    engine = dbmod.make_engine(url)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        keys = sorted({(r.jurisdiction, r.session) for r in records})
        conn.execute(
            insert(LegislativeSession),
            [{"jurisdiction_id": j, "identifier": s, "name": s} for j, s in keys],
        )
        session_ids = {
            (row.jurisdiction_id, row.identifier): row.id
            for row in conn.execute(select(LegislativeSession))
        }
    # Classification and status are computed here too, as any loader would have to.
    _classify.cache_clear()
    started, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(records), 500):
        chunk = records[start : start + 500]
        bills, actions, sponsors, versions, subjects, links = [], [], [], [], [], []
        for r in chunk:
            stable = bill_id(r.jurisdiction, r.session, r.identifier)
            classified = [
                {
                    "bill_id": stable,
                    "position": i,
                    "date": a.date,
                    "chamber": a.chamber,
                    "description": a.description,
                    "classification": a.classification or classify_action(a.description, a.chamber),
                }
                for i, a in enumerate(r.actions)
            ]
            status, status_date = (
                (r.status, r.status_date) if r.status else derive_status(r.actions)
            )
            bills.append(
                {
                    "id": stable,
                    "jurisdiction_id": r.jurisdiction,
                    "session_id": session_ids[(r.jurisdiction, r.session)],
                    "identifier": r.identifier,
                    "title": r.title,
                    "abstract": r.abstract,
                    "classification": r.classification,
                    "status": status,
                    "status_date": status_date,
                    "introduced_date": r.introduced_date,
                    "url": r.url,
                    "content_hash": hashlib.sha256(stable.encode()).hexdigest(),
                    "created_at": now,
                    "updated_at": now,
                }
            )
            actions += classified
            sponsors += [
                {"bill_id": stable, "position": i, "name": s.name, "role": s.role, "party": s.party}
                for i, s in enumerate(r.sponsors)
            ]
            versions += [
                {
                    "bill_id": stable,
                    "position": i,
                    "note": v.note,
                    "url": v.url,
                    "date": v.date,
                    "media_type": v.media_type,
                }
                for i, v in enumerate(r.versions)
            ]
            subjects += [{"bill_id": stable, "subject": s} for s in dict.fromkeys(r.subjects)]
            links += [
                {
                    "bill_id": stable,
                    "source": ref.source,
                    "url": ref.url,
                    "source_id": ref.source_id,
                }
                for ref in r.sources
            ]
        with engine.begin() as conn:
            conn.execute(insert(Bill), bills)
            for table, rows in (
                (BillAction, actions),
                (Sponsorship, sponsors),
                (BillVersion, versions),
                (BillSubject, subjects),
                (SourceLink, links),
            ):
                if rows:
                    conn.execute(insert(table), rows)
    elapsed, cpu_s = time.perf_counter() - started, time.process_time() - cpu
    engine.dispose()
    return elapsed, cpu_s


def main() -> None:
    """Run the benchmark and print a Markdown result row per database."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50000)
    parser.add_argument("--db", action="append", default=[], help="sqlite or a postgresql:// URL")
    args = parser.parse_args()
    targets = args.db or ["sqlite"]
    base = base_records()
    records = replicate(base, args.n)
    actions = sum(len(r.actions) for r in records)
    stamp = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    print(
        f"# {args.n} bills from {len(base)} real payloads, {actions} actions; "
        f"{platform.platform()}, Python {platform.python_version()}, {stamp}"
    )
    print(f"# load average before: {os.getloadavg()}")
    print(
        "| database | ingest s (CPU s) | ingest bills/s | bare bulk insert s (CPU s) "
        "| ingest / bare, wall (CPU) | re-import no-op s (CPU s) | read floor s (CPU s) "
        "| re-import / read, wall (CPU) | parse floor s (CPU s) | re-import / parse (CPU) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for target in targets:
        label = "sqlite" if target == "sqlite" else "pg"
        url, cleanup = fresh_url(target, label + "i")
        try:
            first_s, first_cpu, again_s, again_cpu, read_s, read_cpu = run_ingest(
                url, copy.deepcopy(records)
            )
        finally:
            cleanup()
        url, cleanup = fresh_url(target, label + "b")
        try:
            bare_s, bare_cpu = run_bare(url, copy.deepcopy(records))
        finally:
            cleanup()
        parse_s, parse_cpu = run_parse(args.n)
        name = "SQLite" if label == "sqlite" else "PostgreSQL"
        print(
            f"| {name} | {first_s:.1f} ({first_cpu:.1f}) | {args.n / first_s:,.0f} "
            f"| {bare_s:.1f} ({bare_cpu:.1f}) "
            f"| {first_s / bare_s:.2f}x ({first_cpu / bare_cpu:.2f}x) "
            f"| {again_s:.1f} ({again_cpu:.1f}) | {read_s:.1f} ({read_cpu:.1f}) "
            f"| {again_s / read_s:.2f}x ({again_cpu / max(read_cpu, 1e-3):.2f}x) "
            f"| {parse_s:.1f} ({parse_cpu:.1f}) | {again_cpu / parse_cpu:.2f}x |"
        )
        print(f"# load average after {name}: {os.getloadavg()}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
