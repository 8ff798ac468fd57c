"""Benchmark: a weekly brief over 1,000 tracked bills with 200 changes, in every format.

    .venv/bin/python bench/brief.py [--bills 1000] [--changes 200] [--repeat 3] [--write]

Data (constructed for the benchmark, from real records): the 73 demo bills
(tests/fixtures/demo/bills.jsonl) are copied into numbered sessions until there are
`--bills` bills. Titles, abstracts and action wording stay as recorded; only the action
*dates* are shifted, so that `--changes` bills reach their current stage inside the
brief's week and the rest went quiet months before. Everything goes through
`tracker.ingest.ingest`, is tagged and scored by the tagger, and sits on one watchlist.

Measured per format: building the brief data once, then rendering it (median of
`--repeat` runs). For PDF also WeasyPrint alone on the same finished HTML, and the
ratio (goal: within 2x of WeasyPrint alone and under 5 s). `--write` updates the
"Brief" section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pypdf import PdfReader  # noqa: E402
from sqlalchemy import select  # noqa: E402

from outreach.briefs import render as brief_render  # noqa: E402
from outreach.briefs.data import build_brief  # noqa: E402
from tests.briefs.demo_data import demo_records  # noqa: E402
from tracker.accounts import create_org  # noqa: E402
from tracker.db import make_engine, make_session_factory, upgrade  # noqa: E402
from tracker.ingest import ingest  # noqa: E402
from tracker.models import Bill, Watchlist, WatchlistEntry  # noqa: E402
from tracker.records import ActionRecord, BillRecord  # noqa: E402
from tracker.status import derive_status  # noqa: E402

WEEK = (date(2024, 3, 18), date(2024, 3, 24))
LOAD: list[float] = []


def _shift(record: BillRecord, days: int, session: str) -> BillRecord:
    actions = [replace(a, date=a.date + timedelta(days=days)) for a in record.actions]
    intro = record.introduced_date + timedelta(days=days) if record.introduced_date else None
    return replace(record, session=session, actions=actions, introduced_date=intro)


def make_records(n_bills: int, n_changes: int) -> list[BillRecord]:
    """`n_bills` records; `n_changes` of them reach their final stage inside WEEK."""
    base = [r for r in demo_records() if r.actions]
    movers = []
    for r in base:
        stage, reached = derive_status(
            [ActionRecord(a.date, a.description, a.chamber) for a in r.actions]
        )
        first = min(a.date for a in r.actions)
        if reached and reached > first:
            movers.append((r, reached))
    records: list[BillRecord] = []
    changes = 0
    for i in range(n_bills):
        session = f"bench{i // len(base):03d}"
        if changes < n_changes:
            record, reached = movers[i % len(movers)]
            # Land the stage change on a weekday of the brief's week.
            target = WEEK[0] + timedelta(days=i % 5)
            records.append(_shift(record, (target - reached).days, f"m{session}-{i}"))
            changes += 1
        else:
            record = base[i % len(base)]
            last = max(a.date for a in record.actions)
            target = WEEK[0] - timedelta(days=30 + (i * 7) % 400)
            records.append(_shift(record, (target - last).days, f"q{session}-{i}"))
    return records


CPU: dict[str, float] = {}


def timed(fn, repeat: int, label: str = "") -> tuple[float, object]:  # noqa: ANN001
    """Median wall seconds over `repeat` runs, and the last result (CPU median kept by label)."""
    times, cpu, result = [], [], None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    if label:
        CPU[label] = statistics.median(cpu)
    return statistics.median(times), result


def main() -> None:
    """Run the benchmark and print (and optionally record) the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bills", type=int, default=1000)
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    args = parser.parse_args()

    LOAD[:] = os.getloadavg()
    tmp = Path(tempfile.mkdtemp(prefix="brief-bench-"))
    url = f"sqlite:///{tmp / 'bench.db'}"
    upgrade(url)
    engine = make_engine(url)
    session = make_session_factory(engine)()
    t0 = time.perf_counter()
    ingest(session, make_records(args.bills, args.changes))
    org = create_org(session, "Bench Coalition", timezone="America/Chicago")
    wl = Watchlist(organization_id=org.id, name="All")
    session.add(wl)
    session.flush()
    ids = list(session.scalars(select(Bill.id)))
    for j, bill_id in enumerate(ids):
        session.add(
            WatchlistEntry(
                watchlist_id=wl.id,
                bill_id=bill_id,
                position=("support", "oppose", "monitor")[j % 3],
                priority=("high", "medium", "low")[j % 3],
            )
        )
    session.commit()
    from tracker.tagging_service import score_bills, tag_bills

    tag_bills(session, ids)
    score_bills(session, ids)
    setup = time.perf_counter() - t0

    now = datetime(2024, 3, 27, 12, tzinfo=UTC)
    build_s, brief = timed(
        lambda: build_brief(session, org, *WEEK, now=now), args.repeat, label="build"
    )
    assert brief.headline.tracked == args.bills, brief.headline
    assert brief.headline.moved == args.changes, brief.headline.moved
    rows = []
    sizes = {}
    rendered = []
    for fmt in brief_render.FORMATS:
        seconds, content = timed(
            lambda fmt=fmt: brief_render.render(brief, fmt), args.repeat, label=fmt
        )
        sizes[fmt] = len(content)
        rows.append((fmt, seconds))
        rendered.append((fmt, content))
    html = brief_render.render_html(brief, images="svg", for_pdf=True)
    weasy_s, _ = timed(lambda: brief_render.html_to_pdf(html), args.repeat, label="weasy")
    pdf_s = dict(rows)["pdf"]
    ratio = pdf_s / weasy_s
    full_pdf_s, full_pdf = timed(lambda: brief_render.render(brief, "pdf", full=True), 1)
    full_html = brief_render.render_html(brief, images="svg", for_pdf=True, limit=None)
    full_weasy_s, _ = timed(lambda: brief_render.html_to_pdf(full_html), 1)
    pages = len(PdfReader(io.BytesIO(dict(rendered)["pdf"])).pages)
    full_pages = len(PdfReader(io.BytesIO(full_pdf)).pages)
    shown = sum(len(t.rows) for t in brief_render.reading_tables(brief))
    table_rows = len(brief.all_rows())

    lines = [
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node() or 'this machine'} "
        f"({platform.machine()}, {_cpus()} CPUs, Python {platform.python_version()}), "
        f"SQLite, median of {args.repeat}.",
        "",
        f"Data: {args.bills} tracked bills (demo bills copied into numbered sessions, dates "
        f"shifted), {args.changes} stage changes in the week {WEEK[0]} to {WEEK[1]}, "
        f"{table_rows} topic-table rows, tagged and scored. Setup (ingest + tag + score): "
        f"{setup:.1f} s.",
        "",
        f"Load average when the run started: {LOAD[0]:.1f} (other work shares the 2 CPUs, "
        "so wall times vary; CPU seconds are this process's own time).",
        "",
        "| step | wall s | CPU s | output |",
        "|---|---|---|---|",
        f"| build brief data (`build_brief`) | {build_s:.2f} | {CPU['build']:.2f} | |",
    ]
    for fmt, seconds in rows:
        lines.append(
            f"| render {fmt} | {seconds:.2f} | {CPU[fmt]:.2f} | {sizes[fmt] / 1024:,.0f} KB |"
        )
    lines += [
        f"| WeasyPrint alone on the finished HTML | {weasy_s:.2f} | {CPU['weasy']:.2f} | |",
        f"| render pdf, `full=True` (all {table_rows} rows) | {full_pdf_s:.2f} | | "
        f"{len(full_pdf) / 1024:,.0f} KB |",
        f"| WeasyPrint alone on the full HTML | {full_weasy_s:.2f} | | |",
        "",
        f"Reading formats (HTML, PDF, Markdown, DOCX) show {shown} topic-table rows "
        f"(at most {brief_render.READING_ROWS_PER_TOPIC} per topic, movers first) plus all "
        f"{args.changes} changes; CSV and XLSX carry all {table_rows}. PDF: {pages} pages "
        f"({full_pages} with `full=True`).",
        "",
        f"PDF: {pdf_s:.2f} s to render ({CPU['pdf']:.2f} s CPU), {ratio:.2f}x WeasyPrint alone "
        f"on the same HTML ({CPU['pdf'] / CPU['weasy']:.2f}x in CPU time) "
        f"(goal <= 2x: {'met' if ratio <= 2 else 'NOT met'}); with the data build "
        f"{build_s + pdf_s:.2f} s end to end (goal < 5 s: "
        f"{'met' if build_s + pdf_s < 5 else 'NOT met'}). Full PDF: "
        f"{full_pdf_s / full_weasy_s:.2f}x WeasyPrint alone.",
    ]
    report = "\n".join(lines)
    print(report)
    if args.write:
        _write(report)
    session.close()
    engine.dispose()


def _cpus() -> int:
    return os.cpu_count() or 1


def _write(report: str) -> None:
    path = ROOT / "bench" / "RESULTS.md"
    text = path.read_text() if path.exists() else ""
    block = f"<!-- briefs:Brief:begin -->\n## Brief\n\n{report}\n<!-- briefs:Brief:end -->"
    pattern = re.compile(r"<!-- briefs:Brief:begin -->.*?<!-- briefs:Brief:end -->", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: block, text)
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + block + "\n"
    path.write_text(text)


if __name__ == "__main__":
    main()
