"""Web benchmark: search and dashboard latency on 100,000 bills under 8 concurrent clients.

    .venv/bin/python bench/web.py [--bills 100000] [--requests 400] [--db URL] [--write]

1. Builds a database with N bills: SQLite (var/bench/web.db) by default, or the
   PostgreSQL database `--db postgresql://...` names (dropped and created afresh).
   Titles and abstracts are the 73 real demo bills' (tests/fixtures/demo/bills.jsonl)
   spread over 53 jurisdictions and 6 sessions with fresh numbers and 1-4 dated actions
   each: a synthetic corpus built from real text, for timing only. Rows go in with bulk
   inserts, so the triggers of migration 0004 (FTS5 or tsvector) index them exactly as
   they index ingest's rows.
2. Serves the app with waitress (8 threads) in a child process on a loopback port.
3. From this process, 8 client threads sign in through the real form and request
   `/bills?q=...` (one phase), then `/` (another phase), while the server's CPU time is
   read from /proc; the same search words are also run as the bare full-text query
   (`tracker.bill_query.bare_search`) in-process, single-threaded and with 8 threads.
   Server CPU is the app process's plus, on PostgreSQL, that of the backends serving
   its connections (read from /proc at each pool checkout and checkin); the bare query's
   is this thread's plus its backend's. The server also reports the CPU it spent
   rendering templates and the SQL statements it ran (bench-only hooks in the child).
4. Prints p50/p95 per kind; `--write` puts them in bench/RESULTS.md under "Web" (one
   table per database: run once per database).

    .venv/bin/python bench/web.py --demo [--per-page 40] [--write]

`--demo`: every main page on the real demo data (`tracker demo --no-serve` into
var/bench/demo, as of its newest action), 8 signed-in clients at once per page. Reports
the app's own time per request (its Server-Timing header, so client threads sharing the
CPUs do not count), the latency seen by the client, and the page weight (HTML plus the
CSS and JS it links, before images). Goals: p95 server time < 200 ms, weight < 150 KB.
`--write` puts them under "Web pages (demo data)".
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, insert, select, text  # noqa: E402
from tqdm import tqdm  # noqa: E402

from tracker.config import Settings  # noqa: E402
from tracker.db import make_engine, make_session_factory, upgrade  # noqa: E402
from tracker.ids import bill_id  # noqa: E402
from tracker.jurisdictions import all_jurisdictions  # noqa: E402
from tracker.models import (  # noqa: E402
    Bill,
    BillAction,
    LegislativeSession,
    Watchlist,
    WatchlistEntry,
)

DEMO = ROOT / "tests" / "fixtures" / "demo" / "bills.jsonl"
QUERIES = [
    "988",
    "parity",
    "crisis services",
    "workforce",
    "mental health",
    "suicide prevention",
    "peer support",
    "school",
    '"trust fund"',  # a phrase
    "crisi*",  # what a user types for a prefix (the box keeps the word, drops the `*`)
]
PASSWORD = "bench password 1234"
MATCHES: dict[str, int] = {}  # query -> matching bills, filled by bare()
CPU_MS: dict[str, float] = {}  # kind -> server (or bare query) CPU ms per request
STATUSES = ["introduced", "in_committee", "passed_origin", "passed_second", "enacted", "failed"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build(settings: Settings, n: int) -> None:
    """A fresh database with n bills (see the module docstring)."""
    rows = [json.loads(line) for line in DEMO.read_text().splitlines() if line]
    juris = [j["id"] if isinstance(j, dict) else j.id for j in all_jurisdictions()]
    upgrade(settings.database_url)
    engine = make_engine(settings)
    rng = random.Random(42)
    today = date.today()
    with make_session_factory(engine)() as session:
        sessions = {}
        for j in juris:
            for year in range(2021, 2027):
                s = LegislativeSession(jurisdiction_id=j, identifier=str(year), name=str(year))
                session.add(s)
                sessions[(j, str(year))] = s
        session.flush()
        bills, actions = [], []
        now = datetime.now(UTC)
        for i in tqdm(range(n), desc="bills", unit="bill"):
            row = rows[i % len(rows)]
            j = juris[i % len(juris)]
            year = str(2021 + (i // len(juris)) % 6)
            ident = f"{'HB' if i % 2 else 'SB'} {i + 1}"
            k = rng.randint(1, 4)
            dates = sorted(today - timedelta(days=rng.randint(0, 700)) for _ in range(k))
            bid = bill_id(j, year, ident)
            bills.append(
                {
                    "id": bid,
                    "jurisdiction_id": j,
                    "session_id": sessions[(j, year)].id,
                    "identifier": ident,
                    "title": row.get("title") or "",
                    "abstract": row.get("abstract") or "",
                    "classification": "bill",
                    "status": rng.choice(STATUSES),
                    "introduced_date": dates[0],
                    "last_action_date": dates[-1],
                    "last_action": "Referred to committee.",
                    "content_hash": "",
                    "created_at": now,
                    "updated_at": now,
                }
            )
            actions += [
                {
                    "bill_id": bid,
                    "position": p,
                    "date": d,
                    "chamber": "lower",
                    "description": "Referred to committee.",
                    "classification": ["referral-committee"],
                }
                for p, d in enumerate(dates)
            ]
            if len(bills) >= 5000:
                session.execute(insert(Bill), bills)
                session.execute(insert(BillAction), actions)
                bills, actions = [], []
        if bills:
            session.execute(insert(Bill), bills)
            session.execute(insert(BillAction), actions)
        session.commit()
        from tracker.accounts import create_org, create_user

        org = create_org(session, "Bench Coalition")
        create_user(session, "bench@example.org", org, "admin", PASSWORD)
        wl = Watchlist(organization_id=org.id, name="Priority bills")
        session.add(wl)
        session.flush()
        picked = session.scalars(select(Bill.id).order_by(Bill.id).limit(200)).all()
        session.add_all(WatchlistEntry(watchlist_id=wl.id, bill_id=b) for b in picked)
        session.commit()
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO bill_fts(bill_fts) VALUES ('optimize')"))
    else:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def reset_postgres(url: str) -> None:
    """Drop and create the PostgreSQL database `url` names (connecting to `postgres`)."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from tracker.db import normalize_url

    target = make_url(normalize_url(url))
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def serve(settings: Settings, port: int) -> subprocess.Popen:
    """waitress with 8 threads in a child process; returns once it answers."""
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
        "from tracker.config import Settings\n"
        "from waitress import serve\n"
        "from web import create_app\n"
        "from bench.web import instrument\n"
        "app = create_app(Settings.from_env())\n"
        "instrument(app)\n"
        f"serve(app, host='127.0.0.1', port={port}, threads=8, _quiet=True)\n"
    )
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "SECRET_KEY": settings.secret_key,
        "TRACKER_VAR_DIR": str(settings.var_dir),
    }
    env.pop("REDIS_URL", None)
    proc = subprocess.Popen([sys.executable, "-c", code], env=env)
    import requests

    for _ in range(600):  # a big database on a busy box can take a while
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc
        except requests.RequestException:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the server did not start")


def signed_in_session(base: str):  # noqa: ANN201
    """A requests.Session signed in through the real form."""
    import requests

    s = requests.Session()
    html = s.get(f"{base}/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    r = s.post(
        f"{base}/login",
        data={"email": "bench@example.org", "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
    )
    assert r.status_code == 302, r.status_code
    return s


def _cpu_ms(pid: int) -> float:
    """User + system CPU time of a process so far, in ms (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def _thread_cpu_ms(pid: int) -> float:
    """CPU time so far of a single-threaded process in ms, to the nanosecond (schedstat;
    /proc/<pid>/stat counts in 10 ms ticks, too coarse for one query)."""
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e6


def _backend_pid(dbapi_conn) -> int | None:  # noqa: ANN001
    """The PostgreSQL backend's pid of a psycopg connection (None for SQLite)."""
    info = getattr(dbapi_conn, "info", None)
    return getattr(info, "backend_pid", None)


def track_db_cpu(engine, totals: dict) -> None:  # noqa: ANN001
    """Add the CPU of the PostgreSQL backends serving `engine`'s connections to
    totals["db_ms"]: a new connection's start-up, then each checkout to its checkin.
    The backend runs on this machine (loopback), so /proc has it."""
    lock = threading.Lock()

    def add(ms: float) -> None:
        with lock:
            totals["db_ms"] = totals.get("db_ms", 0.0) + ms

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, record) -> None:  # noqa: ANN001
        if (pid := _backend_pid(dbapi_conn)) is not None:
            add(_thread_cpu_ms(pid))  # a fresh backend: all it did was start and log in

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn, record, proxy) -> None:  # noqa: ANN001
        if (pid := _backend_pid(dbapi_conn)) is not None:
            record.info["bench_cpu"] = _thread_cpu_ms(pid)

    @event.listens_for(engine, "checkin")
    def _checkin(dbapi_conn, record) -> None:  # noqa: ANN001
        start = record.info.pop("bench_cpu", None)
        if dbapi_conn is not None and start is not None:
            add(_thread_cpu_ms(_backend_pid(dbapi_conn)) - start)


def instrument(app) -> dict:  # noqa: ANN001
    """Bench-only hooks in the served app: database backend CPU, template rendering CPU
    (this thread's, between Flask's before_render_template and template_rendered
    signals) and SQL statements, summed, served at /_bench/totals and returned."""
    from flask import before_render_template, jsonify, template_rendered

    totals: dict = {"db_ms": 0.0, "render_ms": 0.0, "statements": 0}
    lock = threading.Lock()
    local = threading.local()
    engine = app.extensions["tracker.engine"]
    track_db_cpu(engine, totals)

    def _statement(*_args) -> None:  # noqa: ANN002
        with lock:
            totals["statements"] += 1

    event.listen(engine, "before_cursor_execute", _statement)

    def _before(sender, template, context) -> None:  # noqa: ANN001
        local.render_started = time.thread_time()

    def _after(sender, template, context) -> None:  # noqa: ANN001
        started = getattr(local, "render_started", None)
        if started is not None:
            with lock:
                totals["render_ms"] += (time.thread_time() - started) * 1000

    before_render_template.connect(_before, app, weak=False)
    template_rendered.connect(_after, app, weak=False)
    app.add_url_rule("/_bench/totals", "bench_totals", lambda: jsonify(totals))
    return totals


def _totals(base: str) -> dict:
    import requests

    return requests.get(f"{base}/_bench/totals", timeout=10).json()


def load(base: str, sessions: list, per_client: int, kind: str, pid: int) -> tuple[list, dict]:
    """One thread per signed-in session, all requesting `kind` pages at once; returns the
    latencies and, per request, the server's CPU ms (app process + database backends),
    its parts, and SQL statements."""
    timings: list[float] = []
    lock = threading.Lock()
    clients = len(sessions)
    start = threading.Barrier(clients)

    def worker(idx: int) -> None:
        s = sessions[idx]
        start.wait()
        for i in range(per_client):
            q = QUERIES[(idx + i) % len(QUERIES)]
            t0 = time.perf_counter()
            if kind == "search":
                r = s.get(f"{base}/bills", params={"q": q})
            else:
                r = s.get(f"{base}/")
            url = r.url
            elapsed = (time.perf_counter() - t0) * 1000
            assert r.status_code == 200, (url, r.status_code)
            with lock:
                timings.append(elapsed)

    before, cpu0 = _totals(base), _cpu_ms(pid)
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(worker, range(clients)))
    app_ms = _cpu_ms(pid) - cpu0
    after = _totals(base)
    n = max(1, len(timings))
    db_ms = after["db_ms"] - before["db_ms"]
    return timings, {
        "cpu": (app_ms + db_ms) / n,
        "app": app_ms / n,
        "db": db_ms / n,
        "render": (after["render_ms"] - before["render_ms"]) / n,
        "statements": (after["statements"] - before["statements"] - 1) / n,  # - the read
    }


def bare(settings: Settings, clients: int, per_client: int) -> dict[str, list[float]]:
    """The bare FTS query for the same words: alone, and from `clients` threads at once."""
    from tracker.bill_query import bare_search

    engine = make_engine(settings)
    factory = make_session_factory(engine)
    out: dict[str, list[float]] = {"bare": [], "bare_concurrent": []}
    with factory() as session:
        from tracker.bill_query import count_matches

        MATCHES.update({q: count_matches(session, q, 10**9) for q in QUERIES})
        for q in QUERIES:  # warm up, as the server's phase does
            bare_search(session, q, 25)
        backend = _backend_pid(session.connection().connection.dbapi_connection)
        db0 = _thread_cpu_ms(backend) if backend else 0.0
        cpu0 = time.thread_time()
        rounds = max(1, per_client * 2 // len(QUERIES)) * len(QUERIES)  # each word as often
        for i in range(rounds):
            t0 = time.perf_counter()
            bare_search(session, QUERIES[i % len(QUERIES)], 25)
            out["bare"].append((time.perf_counter() - t0) * 1000)
        app_ms = (time.thread_time() - cpu0) * 1000 / rounds
        db_ms = ((_thread_cpu_ms(backend) - db0) / rounds) if backend else 0.0
        CPU_MS["bare"] = {"cpu": app_ms + db_ms, "app": app_ms, "db": db_ms}
    lock = threading.Lock()

    def worker(idx: int) -> None:
        with factory() as session:
            for i in range(per_client):
                t0 = time.perf_counter()
                bare_search(session, QUERIES[(idx + i) % len(QUERIES)], 25)
                with lock:
                    out["bare_concurrent"].append((time.perf_counter() - t0) * 1000)

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(worker, range(clients)))
    engine.dispose()
    return out


PER_QUERY: dict[str, dict[str, float]] = {}  # query -> page / bare CPU ms, interleaved


def interleaved(settings: Settings, rounds: int) -> None:
    """Each query's search page (in this process, through Flask's test client) and its
    bare query, one after the other, `rounds` times: CPU per call (this thread's, plus
    the PostgreSQL backend's) with the machine's load shared alike by both. Fills
    PER_QUERY and CPU_MS["page_inprocess"] / ["bare_interleaved"]."""
    from tests.conftest import csrf_token
    from tracker.bill_query import bare_search
    from web import create_app

    app = create_app(settings)
    totals = instrument(app)
    factory = app.extensions["tracker.session_factory"]
    client = app.test_client()
    token = csrf_token(client, "/login")
    signed = client.post(
        "/login",
        data={"email": "bench@example.org", "password": PASSWORD, "csrf_token": token},
    )
    assert signed.status_code == 302, signed.status_code

    def page(q: str) -> None:
        assert client.get("/bills", query_string={"q": q}).status_code == 200

    def bare_query(q: str) -> None:
        with factory() as session:
            bare_search(session, q, 25)

    sums = {q: {"page": 0.0, "bare": 0.0, "render": 0.0} for q in QUERIES}
    for q in QUERIES:  # warm up both
        page(q)
        bare_query(q)
    for _ in range(rounds):
        for q in QUERIES:
            for kind, call in (("page", page), ("bare", bare_query)):
                r0, d0, t0 = totals["render_ms"], totals["db_ms"], time.thread_time()
                call(q)
                sums[q][kind] += (time.thread_time() - t0) * 1000 + totals["db_ms"] - d0
                sums[q]["render"] += totals["render_ms"] - r0
    for q, v in sums.items():
        PER_QUERY[q] = {k: x / rounds for k, x in v.items()}
    n = rounds * len(QUERIES)
    CPU_MS["page_inprocess"] = {
        "cpu": sum(v["page"] for v in sums.values()) / n,
        "render": sum(v["render"] for v in sums.values()) / n,
    }
    CPU_MS["bare_interleaved"] = {"cpu": sum(v["bare"] for v in sums.values()) / n}


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


DEMO_PAGES = [
    "/",
    "/bills?q=crisis",
    "/bills?watchlist=any&topic=crisis",
    "/bills/ca-20252026-ab308",
    "/bills/tx-89r-hb5342",
    "/watchlists",
    "/legislators",
    "/alerts",
    "/campaigns/",
    "/meetings/new",
    "/briefs/",
    "/account/tokens",
    "/api/docs",
    "/act/ca-mobile-crisis",
]


def _demo_session(base: str, password: str):  # noqa: ANN201
    import requests

    s = requests.Session()
    html = s.get(f"{base}/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    r = s.post(
        f"{base}/login",
        data={"email": "admin@demo.example.org", "password": password, "csrf_token": token},
        allow_redirects=False,
    )
    assert r.status_code == 302, r.status_code
    return s


def _weight(session, base: str, path: str) -> int:  # noqa: ANN001
    """Bytes of the page's HTML plus the stylesheets and scripts it links (before images)."""
    html = session.get(base + path).content
    assets = re.findall(rb'<link rel="stylesheet" href="([^"]+)"|<script src="([^"]+)"', html)
    total = len(html)
    for css, js in assets:
        total += len(session.get(base + (css or js).decode()).content)
    return total


def _page_load(base: str, sessions: list, path: str, per_page: int) -> tuple[list, list]:
    """All sessions request `path` at once, `per_page` times each: (server ms, client ms)."""
    server: list[float] = []
    client: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(len(sessions))

    def worker(idx: int) -> None:
        s = sessions[idx]
        s.get(base + path)  # warm up
        start.wait()
        for _ in range(per_page):
            t0 = time.perf_counter()
            r = s.get(base + path)
            elapsed = (time.perf_counter() - t0) * 1000
            assert r.status_code == 200, (path, r.status_code)
            dur = float(r.headers["Server-Timing"].split("dur=")[1])
            with lock:
                server.append(dur)
                client.append(elapsed)

    with ThreadPoolExecutor(len(sessions)) as pool:
        list(pool.map(worker, range(len(sessions))))
    return server, client


def demo_main(args: argparse.Namespace) -> int:
    """Every main page on the demo data: server time, client latency, page weight."""
    var = ROOT / "var" / "bench" / "demo"
    if not (args.reuse and (var / "demo_as_of").exists()):
        import shutil

        shutil.rmtree(var, ignore_errors=True)
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        subprocess.run(
            [sys.executable, "-m", "app.cli", "demo", "--no-serve"]
            if (ROOT / "app" / "cli.py").exists()
            else [str(ROOT / ".venv" / "bin" / "tracker"), "demo", "--no-serve"],
            env={**env, "TRACKER_VAR_DIR": str(var)},
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    env = {"TRACKER_VAR_DIR": str(var)}
    settings = Settings.from_env(env, demo=True)
    password = (var / "demo_admin_password").read_text().strip()
    args.load_before = os.getloadavg()[0]
    port = _free_port()
    proc = serve(settings, port)
    results = {}
    try:
        base = f"http://127.0.0.1:{port}"
        sessions = [_demo_session(base, password) for _ in range(args.clients)]
        for path in ["/healthz", *DEMO_PAGES]:  # /healthz: the floor (one SELECT 1)
            cpu0 = _cpu_ms(proc.pid)
            server, client = _page_load(base, sessions, path, args.per_page)
            cpu = (_cpu_ms(proc.pid) - cpu0) / (len(server) + len(sessions))  # + warm-ups
            results[path] = (
                pct(server, 50),
                pct(server, 95),
                pct(client, 95),
                len(server),
                _weight(sessions[0], base, path),
                cpu,
            )
            p50, p95, c95, n, kb, cpu = results[path]
            print(
                f"{path:40} server p50 {p50:6.1f} p95 {p95:6.1f} ms   client p95 {c95:7.1f} ms"
                f"   CPU {cpu:6.1f} ms/req   {kb / 1024:6.1f} KB   ({n})"
            )
    finally:
        proc.terminate()
        proc.wait(10)
    args.load_after = os.getloadavg()[0]
    if args.write:
        write_demo(args, settings, results)
    return 0


def write_demo(args: argparse.Namespace, settings: Settings, results: dict) -> None:
    """Replace the "Web pages (demo data)" section of bench/RESULTS.md."""
    path = ROOT / "bench" / "RESULTS.md"
    text = path.read_text() if path.exists() else ""
    floor = results.pop("/healthz")
    worst = max(r[1] for r in results.values())
    heaviest = max(r[4] for r in results.values())
    worst_cpu = max(r[5] for r in results.values())
    lines = [
        "<!-- web:Web pages:begin -->",
        "## Web pages (demo data)",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} "
        f"({platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}) "
        f"with `python bench/web.py --demo --write`; load average {args.load_before:.1f} -> "
        f"{args.load_after:.1f} (other work shared the machine).",
        "",
        f"The demo data as `make demo` loads it (as of {settings.as_of}), waitress with 8 "
        f"threads in a second process, {args.clients} signed-in clients requesting each page "
        f"at once, {args.per_page} requests each. Server time is the app's Server-Timing "
        "(request in to response out); client p95 includes the clients' own share of the "
        "CPUs. Weight is the HTML plus the CSS and JS the page links, uncompressed.",
        "",
        "CPU is the server process's user+system time (from /proc) over the page's requests:",
        "unlike wall time it does not grow with other load on the machine. The floor is",
        "`/healthz` (one `SELECT 1`) in the same run.",
        "",
        "| page | server p50 ms | server p95 ms | p95 / floor p95 | CPU ms per request "
        "| client p95 ms | requests | KB |",
        "|---|---|---|---|---|---|---|---|",
        f"| `/healthz` (floor) | {floor[0]:.1f} | {floor[1]:.1f} | 1.0x | {floor[5]:.1f} "
        f"| {floor[2]:.1f} | {floor[3]} | |",
    ]
    for page, (p50, p95, c95, n, size, cpu) in results.items():
        lines.append(
            f"| `{page}` | {p50:.1f} | {p95:.1f} | {p95 / max(floor[1], 0.1):.1f}x | {cpu:.1f} "
            f"| {c95:.1f} | {n} | {size / 1024:.1f} |"
        )
    lines += [
        "",
        f"Slowest page p95 server time **{worst:.1f} ms** (goal < 200 ms: "
        f"{'met' if worst < 200 else 'not met'}); heaviest page **{heaviest / 1024:.1f} KB** "
        f"(goal < 150 KB: {'met' if heaviest < 150 * 1024 else 'not met'}); the most CPU a "
        f"page costs is {worst_cpu:.1f} ms per request. Wall times here include waiting for "
        "the 2 CPUs that 8 clients, the server and the machine's other work share.",
        "<!-- web:Web pages:end -->",
    ]
    block = "\n".join(lines)
    pattern = re.compile(r"<!-- web:Web pages:begin -->.*?<!-- web:Web pages:end -->", re.S)
    text = pattern.sub(block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block
    path.write_text(text + ("" if text.endswith("\n") else "\n"))


def main(argv: list[str] | None = None) -> int:
    """Build, serve, load, report."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--demo", action="store_true", help="every main page on the demo data")
    ap.add_argument("--per-page", type=int, default=40, help="--demo: requests per client")
    ap.add_argument("--bills", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=400, help="search requests in total")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--reuse", action="store_true", help="keep an existing database")
    ap.add_argument("--db", default="", help="a postgresql:// URL (default: SQLite)")
    ap.add_argument("--rounds", type=int, default=8, help="interleaved page/bare rounds")
    ap.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    args = ap.parse_args(argv)
    if args.demo:
        return demo_main(args)
    var = ROOT / "var" / "bench"
    var.mkdir(parents=True, exist_ok=True)
    db_path = var / "web.db"
    settings = Settings(
        database_url=args.db or f"sqlite:///{db_path}",
        secret_key="bench-secret-key-" + "x" * 32,
        var_dir=var,
    )
    if not args.reuse or (not args.db and not db_path.exists()):
        if args.db:
            reset_postgres(args.db)
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        t0 = time.perf_counter()
        build(settings, args.bills)
        print(f"built {args.bills} bills in {time.perf_counter() - t0:.1f}s")
    args.load_before = os.getloadavg()[0]
    port = _free_port()
    proc = serve(settings, port)
    try:
        base = f"http://127.0.0.1:{port}"
        per_client = max(1, args.requests // args.clients)
        # Sign-in is rate limited (10 a minute), so the clients sign in once.
        sessions = [signed_in_session(base) for _ in range(args.clients)]
        timings: dict[str, list[float]] = {}
        for kind in ("search", "dashboard"):
            load(base, sessions, 2, kind, proc.pid)  # warm up caches and connections
            timings[kind], CPU_MS[kind] = load(base, sessions, per_client, kind, proc.pid)
    finally:
        proc.terminate()
        proc.wait(10)
    timings.update(bare(settings, args.clients, per_client))
    interleaved(settings, args.rounds)
    args.load_after = os.getloadavg()[0]
    rows = {k: (pct(v, 50), pct(v, 95), len(v)) for k, v in timings.items()}
    for kind, (p50, p95, count) in rows.items():
        cpu = CPU_MS.get(kind)
        extra = (
            f"   CPU {cpu['cpu']:6.1f} ms/request (app {cpu['app']:.1f}, db {cpu['db']:.1f}"
            + (
                f", render {cpu['render']:.1f}, {cpu['statements']:.1f} SQL"
                if "render" in cpu
                else ""
            )
            + ")"
            if cpu
            else ""
        )
        print(f"{kind:16} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   ({count} requests){extra}")
    for q, v in PER_QUERY.items():
        print(
            f"  {q:20} page {v['page']:7.1f} ms (render {v['render']:4.1f})  bare {v['bare']:7.1f}"
            f" ms  {v['page'] / max(v['bare'], 0.01):5.2f}x"
        )
    ratio = CPU_MS["page_inprocess"]["cpu"] / CPU_MS["bare_interleaved"]["cpu"]
    print(
        f"search page / bare CPU, interleaved in one process = {ratio:.2f}x; over HTTP "
        f"(8 clients) / bare alone = {CPU_MS['search']['cpu'] / CPU_MS['bare']['cpu']:.2f}x;"
        f" load {args.load_before:.1f} -> {args.load_after:.1f}"
    )
    if args.write:
        write(args, settings, rows, ratio)
    return 0


def _engine_label(settings: Settings) -> str:
    engine = make_engine(settings)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            label = f"SQLite {conn.execute(text('select sqlite_version()')).scalar()}"
        else:
            version = conn.execute(text("show server_version")).scalar()
            label = f"PostgreSQL {version.split()[0]}"
    engine.dispose()
    return label


def write(args: argparse.Namespace, settings: Settings, rows: dict, ratio: float) -> None:
    """Replace this database's table in the "Web" section of bench/RESULTS.md."""
    path = ROOT / "bench" / "RESULTS.md"
    text_ = path.read_text() if path.exists() else ""
    engine = _engine_label(settings)
    key = "postgresql" if args.db else "sqlite"
    fts = "PostgreSQL tsvector/GIN" if args.db else "FTS5"
    labels = {
        "search": "`/bills?q=...` page over HTTP (8 clients)",
        "dashboard": "`/` dashboard over HTTP (8 clients)",
        "bare": f"bare {fts} query (`bare_search`), one thread",
        "bare_concurrent": f"bare {fts} query, 8 threads",
    }

    def cpu_cells(kind: str) -> str:
        c = CPU_MS.get(kind)
        if not c:
            return " | | | | |"
        render = f"{c['render']:.1f}" if "render" in c else ""
        statements = f"{c['statements']:.1f}" if "statements" in c else ""
        return f" {c['cpu']:.1f} | {c['app']:.1f} | {c['db']:.1f} | {render} | {statements} |"

    search_p95 = rows["search"][1]
    http_ratio = CPU_MS["search"]["cpu"] / CPU_MS["bare"]["cpu"]
    per_query = [
        f"| `{q}` | {MATCHES.get(q, 0):,} | {v['page']:.1f} | {v['render']:.1f} | "
        f"{v['bare']:.1f} | {v['page'] / max(v['bare'], 0.01):.1f}x |"
        for q, v in PER_QUERY.items()
    ]
    page_cpu = CPU_MS["page_inprocess"]
    lines = [
        f"<!-- web:Web:{key}:begin -->",
        f"### {engine}",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} "
        f"({platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{engine}) with `python bench/web.py{' --db postgresql://...' if args.db else ''} "
        f"--write`; load average (1 min) {args.load_before:.1f} before the run, "
        f"{args.load_after:.1f} after it.",
        "",
        "| what | p50 ms | p95 ms | requests | CPU ms per request | app process | "
        "database backends | of which templates | SQL statements per request |",
        "|---|---|---|---|---|---|---|---|---|",
        *[
            f"| {labels[k]} | {p50:.1f} | {p95:.1f} | {n} |" + cpu_cells(k)
            for k, (p50, p95, n) in rows.items()
        ],
        "",
        "Each query's page (Flask's test client in the bench process: no HTTP) and its "
        f"bare query, one after the other, {args.rounds} rounds; CPU per call, this "
        "thread's plus the database backend's:",
        "",
        "| query | bills matching | page CPU ms | of which templates | bare query CPU ms "
        "| page / bare |",
        "|---|---|---|---|---|---|",
        *per_query,
        f"| **all** | | **{page_cpu['cpu']:.1f}** | {page_cpu['render']:.1f} | "
        f"**{CPU_MS['bare_interleaved']['cpu']:.1f}** | **{ratio:.1f}x** |",
        "",
        f"Search page / bare query, CPU per request: **{ratio:.1f}x** interleaved, "
        f"{http_ratio:.1f}x for the HTTP phase (server process and backends, 8 clients) over "
        f"the bare query alone (goal: at most 3x). Search p95 **{search_p95:.0f} ms** with "
        f"{args.clients} clients (goal < 100 ms on an idle box: "
        f"{'met' if search_p95 < 100 else 'not met'} at load {args.load_before:.1f}).",
        f"<!-- web:Web:{key}:end -->",
    ]
    block = "\n".join(lines)
    pattern = re.compile(rf"<!-- web:Web:{key}:begin -->.*?<!-- web:Web:{key}:end -->", re.S)
    if pattern.search(text_):
        text_ = pattern.sub(lambda _m: block, text_)
    else:
        text_ = text_.replace("<!-- web:Web:end -->", block + "\n\n<!-- web:Web:end -->")
    path.write_text(text_)


if __name__ == "__main__":
    raise SystemExit(main())
