"""Outreach benchmark: 10,000 letters from one campaign rendered, queued and delivered.

    .venv/bin/python bench/outreach.py [--letters 10000] [--workers 2] [--batch 100]
        [--channel email|cwc] [--faults] [--database-url URL]
        [--redis-url redis://127.0.0.1:6379/14]

What it does, in one run:
1. a fresh database (SQLite file under a temp dir unless --database-url), the real CA
   legislators from tests/fixtures/openstates_people, one campaign (988 starter);
2. render: `letters.submit` for the constituents (email: two letters each, Assembly +
   Senate; cwc: a federal bill, three letters each, House + two Senate offices);
3. queue: `letters.confirm` + `outreach.jobs.enqueue_batch` (or one job per letter);
4. deliver: W `SimpleWorker` processes drain the `outreach` queue into a server in this
   process that counts every letter it accepts by its idempotency key: aiosmtpd on
   loopback (email), or a stdlib HTTP/1.1 server standing in for the CWC endpoint (cwc);
5. faults (--faults): kill -9 of a worker at 30% received, Redis FLUSHDB at 60%; the
   sweeper (outreach.jobs.reconcile) recovers what they strand;
6. baseline, same run, same server: the same bytes sent bare -- smtplib `sendmail`, or
   urllib3 POSTing the same CWC XML -- once with a new connection per message and
   once over as many connections as our run used.

Duplicates and losses are counted at the server, not from our own tables.
The Redis database given is flushed at the start and the end: use a spare one.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import signal
import smtplib
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, date, datetime
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiosmtpd.controller import Controller  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from tqdm import tqdm  # noqa: E402

from outreach import campaigns, delivery, letters, templates  # noqa: E402
from outreach.geocode import manual_divisions  # noqa: E402
from outreach.models import Letter  # noqa: E402
from tracker.config import Settings  # noqa: E402
from tracker.db import make_engine, make_session_factory, upgrade  # noqa: E402


class Received:
    """Letters a server accepted, by idempotency key, and the connections that carried them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ids: Counter[str] = Counter()
        self.peers: set[tuple] = set()

    def add(self, key: str, peer: tuple) -> None:
        with self.lock:
            self.ids[key] += 1
            self.peers.add(tuple(peer))

    def reset(self) -> tuple[Counter[str], int]:
        with self.lock:
            ids, self.ids = self.ids, Counter()
            peers, self.peers = self.peers, set()
        return ids, len(peers)


class CountingHandler:
    """aiosmtpd handler: counts accepted messages by their X-Letter-Key header."""

    def __init__(self, received: Received) -> None:
        self.received = received

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        header_end = envelope.content.find(b"\r\n\r\n")
        msg = message_from_bytes(envelope.content[: header_end + 4])
        self.received.add(msg["X-Letter-Key"], session.peer)
        return "250 OK"


_DELIVERY_ID = re.compile(rb"<DeliveryId>([^<]+)</DeliveryId>")


class CwcHandler(BaseHTTPRequestHandler):
    """A loopback stand-in for the CWC endpoint (keep-alive, as an HTTPS API would be):
    answers 200 and counts each message by its DeliveryId (the letter's key)."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    received: Received

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        found = _DELIVERY_ID.search(body)
        self.received.add(found.group(1).decode() if found else "?", self.client_address)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "8")
        self.end_headers()
        self.wfile.write(b"accepted")

    def log_message(self, *args) -> None:  # noqa: ANN002
        pass


def federal_campaign(session, org):  # noqa: ANN001, ANN201
    """A campaign on a federal bill reaching Fremont's three members of Congress by CWC.

    Built for the bench (not recorded data): Sen. Padilla and Rep. Khanna as in
    tests/outreach/test_targeting.py, and Senate CWC office codes (SCA01, SCA02) made up
    here so that every letter of a constituent goes by CWC (House codes follow from the
    district; Senate codes come only from data we do not hold).
    """
    import json

    from scrapers.bills_file import bill_from_mapping
    from tracker.ingest import ingest, ingest_members
    from tracker.jurisdictions import congressional_ocd_id
    from tracker.models import Bill, Legislator, LegislatorExternalId
    from tracker.records import MemberRecord, TermRecord

    ingest_members(
        session,
        [
            MemberRecord(
                name="Alex Padilla",
                jurisdiction="us",
                external_ids={"bioguide": "P000145", "cwc": "SCA01"},
                family_name="Padilla",
                chamber="upper",
                district_ocd_id=congressional_ocd_id("ca", "upper", None),
                terms=[TermRecord(chamber="upper", end_date=date(2029, 1, 3))],
            ),
            MemberRecord(
                name="Ro Khanna",
                jurisdiction="us",
                external_ids={"bioguide": "K000389"},
                family_name="Khanna",
                chamber="lower",
                district="17",
                district_ocd_id=congressional_ocd_id("ca", "lower", "17"),
                terms=[TermRecord(chamber="lower", district="17", end_date=date(2027, 1, 3))],
            ),
        ],
    )
    schiff = session.scalars(select(Legislator).where(Legislator.name == "Adam Schiff")).one()
    session.add(LegislatorExternalId(legislator_id=schiff.id, scheme="cwc", value="SCA02"))
    session.commit()
    data = json.loads((ROOT / "tests/fixtures/demo_bills/us-hr2741.jsonl").read_text())
    ingest(session, [bill_from_mapping(data)])
    bill = session.scalars(select(Bill).where(Bill.jurisdiction_id == "us")).one()
    starter = templates.starter_templates()["support-988-funding"]
    template = campaigns.create_template(session, org.id, "988 federal", starter)
    return campaigns.create_campaign(
        session,
        org.id,
        "Fund peer support",
        template,
        slug="bench-federal",
        editable_default="Please vote yes.",
        daily_cap_per_office=1_000_000,
        bill_id=bill.id,
    )


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def baseline_email(port: int, items: list[tuple[bytes, str]], connections: int) -> float:
    """Bare smtplib sendmail of the same bytes over `connections` connections (0: one
    per message); returns seconds."""
    sender = "noreply@localhost"
    chunk = 1 if connections == 0 else -(-len(items) // max(connections, 1))
    t0 = time.perf_counter()
    for start in tqdm(range(0, len(items), chunk), desc=f"smtplib x{connections}", unit="conn"):
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            for msg, rcpt in items[start : start + chunk]:
                smtp.sendmail(sender, [rcpt], msg)
    return time.perf_counter() - t0


def baseline_cwc(url: str, items: list[bytes], connections: int) -> float:
    """Bare urllib3 (the client outreach.cwc uses) POSTs of the same XML over
    `connections` keep-alive connections (0: a new connection per message); seconds."""
    import urllib3

    headers = {"Content-Type": "application/xml"}
    chunk = 1 if connections == 0 else -(-len(items) // max(connections, 1))
    t0 = time.perf_counter()
    for start in tqdm(range(0, len(items), chunk), desc=f"urllib3 x{connections}", unit="conn"):
        with urllib3.PoolManager() as http:
            for xml in items[start : start + chunk]:
                response = http.request(
                    "POST", f"{url}?apikey=bench", body=xml, headers=headers, retries=False
                )
                assert response.status == 200, response.status
    return time.perf_counter() - t0


def main() -> None:  # noqa: PLR0915 - a linear script
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--channel", choices=("email", "cwc"), default="email")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument("--no-write", action="store_true", help="print, do not append results")
    parser.add_argument(
        "--batch", type=int, default=1, help="letters per job (1: one send_letter job each)"
    )
    parser.add_argument(
        "--faults", action="store_true", help="kill -9 a worker at 30%% and flush Redis at 60%%"
    )
    parser.add_argument("--sweep-seconds", type=int, default=5, help="sweeper staleness")
    parser.add_argument("--profile", action="store_true", help="cProfile each worker to tmp")
    args = parser.parse_args()
    cwc = args.channel == "cwc"

    tmp = Path(tempfile.mkdtemp(prefix="outreach-bench-"))
    db_url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "SECRET_KEY": "bench-secret-key-" + "x" * 32,
        "REDIS_URL": args.redis_url,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "TRACKER_VAR_DIR": str(tmp / "var"),
        "TRACKER_OFFLINE": "true",
        "PYTHONPATH": str(ROOT),
    }
    if cwc:
        env.update(
            CWC_URL=f"http://127.0.0.1:{port}/cwc",
            CWC_API_KEY="bench",
            CWC_AGENT_PHONE="202-555-0100",
            MAIL_FROM="Bench Coalition <letters@coalition.example.org>",
        )
    settings = Settings.from_env(env)
    server_name = "HTTP (CWC stand-in)" if cwc else "SMTP"
    print(f"database {db_url.split('@')[-1]}, redis {args.redis_url}, {server_name} :{port}")
    upgrade(db_url)

    from redis import Redis

    redis = Redis.from_url(args.redis_url)
    redis.flushdb()
    received = Received()
    if cwc:
        CwcHandler.received = received
        http_server = ThreadingHTTPServer(("127.0.0.1", port), CwcHandler)
        threading.Thread(target=http_server.serve_forever, daemon=True).start()
    else:
        controller = Controller(CountingHandler(received), hostname="127.0.0.1", port=port)
        controller.start()

    sys.path.insert(0, str(ROOT / "tests"))
    from tests.outreach.people import load_people
    from tracker.accounts import create_org

    engine = make_engine(settings)
    session = make_session_factory(engine)()
    load_people(session)
    org = create_org(session, "Bench Coalition")
    if cwc:
        campaign = federal_campaign(session, org)
        where = manual_divisions("CA", "17", "10", "24", city="Fremont", zip_code="94538")
        per_person = 3  # House + two Senate offices, all by CWC
    else:
        starter = templates.starter_templates()["support-988-funding"]
        template = campaigns.create_template(session, org.id, "988", starter)
        campaign = campaigns.create_campaign(
            session,
            org.id,
            "Fund crisis services",
            template,
            slug="bench",
            editable_default="Please vote yes.",
            daily_cap_per_office=1_000_000,
        )
        where = manual_divisions("CA", "17", "10", "24", city="Fremont")
        per_person = 2  # Assembly + Senate, by email
    people = -(-args.letters // per_person)

    t0 = time.perf_counter()
    constituents = []
    for i in tqdm(range(people), desc="render", unit="person"):
        constituents.append(
            letters.submit(
                session,
                campaign,
                letters.Submission(
                    name=f"Constituent {i}",
                    email=f"person{i}@example.net",
                    address=f"{39000 + i} Paseo Padre Pkwy" if cwc else "",
                    message=f"Personal note number {i}.",
                    story="Crisis teams answer quickly when they are funded." if i % 3 else "",
                    consent_send=True,
                    prefix="Mx." if cwc else "",
                ),
                where,
                settings,
            ).id
        )
    render_s = time.perf_counter() - t0

    from outreach.jobs import enqueue_batch, enqueue_letter
    from outreach.models import Constituent

    t0 = time.perf_counter()
    letter_ids: list[int] = []
    pending: list[int] = []
    for cid in tqdm(constituents, desc="confirm+queue", unit="person"):
        ids = letters.confirm(session, session.get(Constituent, cid))
        letter_ids += ids
        if args.batch == 1:
            for letter_id in ids:
                enqueue_letter(settings, letter_id)
            continue
        pending += ids
        if len(pending) >= args.batch:
            enqueue_batch(settings, pending)
            pending = []
    if pending:
        enqueue_batch(settings, pending)
    queue_s = time.perf_counter() - t0
    total = len(letter_ids)
    channels = dict(
        session.execute(select(Letter.delivery, func.count()).group_by(Letter.delivery)).all()
    )

    worker_code = (
        "import os; from redis import Redis; from rq import Queue, SimpleWorker;"
        "r = Redis.from_url(os.environ['REDIS_URL']);"
        "SimpleWorker([Queue('outreach', connection=r)], connection=r).work(burst=True,"
        " logging_level='WARNING')"
    )
    if args.profile:
        worker_code = (
            "import cProfile, os, time; p = cProfile.Profile(time.process_time); p.run("
            + repr(worker_code)
            + f"); p.dump_stats('{tmp}/worker-' + str(os.getpid()) + '.prof')"
        )
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    os.environ.update(env)  # outreach.jobs.reconcile (the sweeper) reads its settings
    from rq import Queue

    from outreach.jobs import reconcile as sweep

    queue = Queue("outreach", connection=redis)

    def start_worker() -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-c", worker_code], env=env, cwd=ROOT)

    def unfinished() -> int:
        session.expire_all()
        return session.scalar(
            select(func.count(Letter.id)).where(Letter.state.in_(("queued", "sending")))
        )

    procs = [start_worker() for _ in range(args.workers)]
    killed = flushed = False
    sweeps: list[dict] = []
    last_sweep = time.monotonic()
    with tqdm(total=total, desc="deliver", unit="letter") as bar:
        while True:
            time.sleep(0.5)
            got = sum(received.ids.values())
            bar.n = got
            bar.refresh()
            if args.faults and not killed and got >= total * 0.3:
                procs[0].send_signal(signal.SIGKILL)  # kill -9 mid-batch
                procs[0].wait()
                procs[0] = start_worker()
                killed = True
            if args.faults and not flushed and got >= total * 0.6:
                redis.flushdb()  # every queued job (and RQ's registries) gone
                flushed = True
            running = [p for p in procs if p.poll() is None]
            if len(queue) and len(running) < args.workers:
                procs = running + [start_worker() for _ in range(args.workers - len(running))]
                continue
            if running:
                continue
            # Workers idle, queue empty: the sweeper (outreach.jobs.reconcile, every 5
            # minutes on app/schedule.py, 15-minute staleness) run here with seconds.
            if unfinished() == 0:
                break
            if time.monotonic() - last_sweep >= args.sweep_seconds:
                sweeps.append(sweep(stale_seconds=args.sweep_seconds))
                last_sweep = time.monotonic()
                procs = [start_worker() for _ in range(args.workers)]
    deliver_s = time.perf_counter() - t0
    children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers_cpu = (children1.ru_utime - children0.ru_utime) + (
        children1.ru_stime - children0.ru_stime
    )
    server_cpu = time.process_time() - cpu0  # the server thread (and this loop)
    got, connections = received.reset()
    session.expire_all()
    states = dict(session.execute(select(Letter.state, func.count()).group_by(Letter.state)).all())

    def keys(state: str) -> set[str]:
        query = select(Letter.idempotency_key).where(Letter.state == state)
        return set(session.scalars(query))

    duplicates = sum(n - 1 for n in got.values() if n > 1)
    lost = total - len(got)
    mismatched = len(keys("sent") ^ set(got))
    failed = keys("failed")
    unknown_received = len(failed & set(got))

    # Baseline: the same bytes sent bare to the same server, in the same run.
    rows = session.scalars(select(Letter).order_by(Letter.id)).all()
    if cwc:
        from outreach import cwc as cwc_channel

        items = [
            cwc_channel.build_message(settings, row)
            for row in tqdm(rows, desc="build baseline messages", unit="msg")
        ]
        url = f"{settings.cwc_url}/v2/message"
        cpu0 = time.process_time()
        per_message_s = baseline_cwc(url, items, 0)
        per_message_cpu = time.process_time() - cpu0
        base1, _ = received.reset()
        cpu0 = time.process_time()
        same_s = baseline_cwc(url, items, connections)
    else:
        items = [
            (delivery.build_message(settings, row), row.recipient)
            for row in tqdm(rows, desc="build baseline messages", unit="msg")
        ]
        cpu0 = time.process_time()
        per_message_s = baseline_email(port, items, 0)
        per_message_cpu = time.process_time() - cpu0  # client and server, same process
        base1, _ = received.reset()
        cpu0 = time.process_time()
        same_s = baseline_email(port, items, connections)
    same_cpu = time.process_time() - cpu0
    base2, base2_connections = received.reset()
    if cwc:
        http_server.shutdown()
    else:
        controller.stop()
    redis.flushdb()
    session.close()
    engine.dispose()

    ours = total / deliver_s
    plain = total / per_message_s
    plain_same = total / same_s
    ours_cpu = workers_cpu + server_cpu
    engine_name = "PostgreSQL" if db_url.startswith("postgres") else "SQLite"
    bare = "urllib3 POSTing the same CWC XML" if cwc else "smtplib sendmail"
    lines = [
        "",
        f"### Outreach delivery, {'CWC over HTTP' if cwc else 'email over SMTP'} "
        f"({engine_name}, {args.workers} RQ workers, "
        f"{'one job per letter' if args.batch == 1 else f'{args.batch} letters per job'})",
        "",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {platform.node()}, "
        f"{os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), "
        f"Python {platform.python_version()}; command: `bench/outreach.py --channel "
        f"{args.channel} --letters {args.letters} --workers {args.workers} --batch "
        f"{args.batch}{' --faults' if args.faults else ''}`",
        f"- Render ({people} submissions, {total} letters {channels}, sandboxed Jinja2 + DB): "
        f"{render_s:.1f} s ({total / render_s:.0f} letters/s)",
        f"- Confirm + enqueue on RQ: {queue_s:.1f} s ({total / queue_s:.0f} letters/s)",
        f"- **Deliver** (claim per batch; per letter: message built"
        f"{' and validated against the RelaxNG schema' if cwc else ''}, `data` mark "
        f"committed before the {'POST' if cwc else 'final dot'}, result committed; "
        f"connection kept per worker): {deliver_s:.1f} s = **{ours:.0f} letters/s**",
        "- Faults: "
        + ("kill -9 of a worker at 30% received, Redis FLUSHDB at 60%" if args.faults else "none")
        + "; "
        f"sweeper runs (outreach.jobs.reconcile, staleness {args.sweep_seconds} s): {sweeps}",
        f"- Bare {bare}, same messages, same server: new connection per message "
        f"{per_message_s:.1f} s = {plain:.0f} msg/s; over the same number of connections "
        f"as our run ({connections}; baseline used {base2_connections}): "
        f"{same_s:.1f} s = {plain_same:.0f} msg/s",
        f"- Ratio ours / bare per-message: {ours / plain:.2f}; **ours / bare same "
        f"connections: {ours / plain_same:.2f}** (goal: at least 0.5)",
        f"- CPU per letter: ours {1000 * ours_cpu / total:.2f} ms (workers "
        f"{1000 * workers_cpu / total:.2f} + server {1000 * server_cpu / total:.2f}); bare "
        f"same connections {1000 * same_cpu / total:.2f} ms, per message "
        f"{1000 * per_message_cpu / total:.2f} ms (client + server, one process); CPU ratio "
        f"bare same connections / ours {same_cpu / ours_cpu:.2f}",
        f"- Load average at the end of the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} "
        "CPUs (a shared machine)",
        f"- Counted at the server: received {sum(got.values())}, unique {len(got)}, "
        f"duplicates **{duplicates}**, lost **{lost}**, keys not matching our `sent` rows "
        f"{mismatched}; letter states {states}; `failed` with outcome unknown (never "
        f"resent) that the server did receive: {unknown_received} of {len(failed)}",
        f"- Baseline runs received {len(base1)} and {len(base2)} unique messages",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        results = args.results
        existing = results.read_text() if results.exists() else "# Benchmark results\n"
        if "## Outreach" not in existing:
            existing = existing.rstrip("\n") + "\n\n## Outreach\n"
        # At the end of the Outreach section, not of the file.
        end = existing.find("\n## ", existing.index("## Outreach") + 1)
        end = len(existing) if end < 0 else end
        head, tail = existing[:end].rstrip("\n"), existing[end:]
        results.write_text(head + "\n" + text + tail)
        print(f"appended to {results}")
    if duplicates or lost:
        sys.exit(1)


if __name__ == "__main__":
    main()
