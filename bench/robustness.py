"""Robustness run: N corrupted variants of every recorded fixture through `tracker import`.

For each fixture file (real recorded payloads under tests/fixtures/) the pristine file is
imported first into a fresh SQLite database (the baseline: what a good import stores).
Each corrupted variant is then imported *over* that baseline, as a later sync would, and
the run is classed:

- crashed: the import raised anything but a clean refusal, or left its run `running`;
- quarantined: the variant was refused or quarantined and the stored bills/legislators
  are exactly the baseline;
- imported-correctly: nothing was quarantined and the stored data is the baseline (the
  corruption hit a field nothing reads);
- imported-wrong: the stored data differs from the baseline (a bill or legislator lost
  actions, sponsors or offices, changed title or status, or appeared from nowhere).

Corruptions: truncation at random offsets, invalid UTF-8, wrong types (a value replaced
by null / a list / an object / a number), nesting depth (5,000 levels), huge fields
(2 MB strings), bombs (XML entity expansion, YAML aliases, JSON giant numbers).

    .venv/bin/python bench/robustness.py --n 3 [--seed 13] [--write]

Goal: 0 crashed, 0 imported wrong. `--write` appends the table to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, select  # noqa: E402
from sqlalchemy.orm import Session, selectinload  # noqa: E402

from scrapers.sync import import_paths  # noqa: E402
from tracker import db as dbmod  # noqa: E402
from tracker.config import Settings  # noqa: E402
from tracker.errors import TrackerError  # noqa: E402
from tracker.models import Bill, Legislator  # noqa: E402
from tracker.models.collection import SyncRun  # noqa: E402

FIX = ROOT / "tests" / "fixtures"
FIXTURES: list[tuple[str, list[Path]]] = [
    ("bills-jsonl", [FIX / "demo" / "bills.jsonl"]),
    (
        "congress-gov",
        sorted(
            p
            for p in (FIX / "congress_gov" / "loc_api_sample_output").glob("bill_*.json")
            if p.stem.count("_") == 3
        ),
    ),
    ("govinfo", sorted((FIX / "govinfo" / "v1").glob("BILLSTATUS-*.xml"))),
    ("legiscan", sorted((FIX / "legiscan" / "bill").glob("*.json"))),
    ("openstates", sorted((FIX / "openstates").glob("bills-*.json"))),
    ("congress-legislators", [FIX / "congress_legislators" / "legislators-current.excerpt.yaml"]),
    ("openstates-people", sorted((FIX / "openstates_people").glob("*.yml"))),
]
KINDS = ("truncate", "invalid-utf8", "wrong-type", "nesting", "huge-field", "bomb")


# --- corruptions ---------------------------------------------------------------------------


def _structured(path: Path, raw: bytes) -> Any | None:
    try:
        if path.suffix in (".json",):
            return json.loads(raw)
        if path.suffix == ".jsonl":
            return [json.loads(line) for line in raw.decode().splitlines() if line.strip()]
        if path.suffix in (".yaml", ".yml"):
            return yaml.safe_load(raw)
    except (ValueError, yaml.YAMLError):
        return None
    return None


def _dump(path: Path, data: Any) -> bytes:
    if path.suffix == ".json":
        return json.dumps(data).encode()
    if path.suffix == ".jsonl":
        return ("\n".join(json.dumps(row) for row in data) + "\n").encode()
    return yaml.safe_dump(data, allow_unicode=True).encode()


def _containers(data: Any, out: list, depth: int = 0) -> list:
    """(container, key) pairs for every value inside `data`."""
    if depth > 40:
        return out
    items = data.items() if isinstance(data, dict) else enumerate(data)
    for key, value in items:
        out.append((data, key))
        if isinstance(value, dict | list):
            _containers(value, out, depth + 1)
    return out


def corrupt(path: Path, raw: bytes, kind: str, rng: random.Random) -> bytes:
    """One corrupted variant of `raw` (a recorded payload)."""
    if kind == "truncate":
        return raw[: rng.randint(len(raw) // 10, max(len(raw) // 10 + 1, len(raw) * 9 // 10))]
    if kind == "invalid-utf8":
        data = bytearray(raw)
        for _ in range(3):
            at = rng.randrange(len(data))
            data[at:at] = rng.choice([b"\xff\xfe", b"\xc3", b"\xed\xa0\x80", b"\x80"])
        return bytes(data)
    data = _structured(path, raw)
    if path.suffix == ".xml":
        text = raw.decode("utf-8", errors="replace")
        if kind == "bomb":
            entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
                f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)
            )
            head = f"<!DOCTYPE billStatus [{entities}]>"
            body = text.split("?>", 1)[-1]
            return (head + body.replace("<title>", "<title>&j;", 1)).encode()
        if kind == "nesting":
            at = text.find("<actions>")
            at = at if at > 0 else len(text) // 2
            return (text[:at] + "<x>" * 5000 + "</x>" * 5000 + text[at:]).encode()
        if kind == "huge-field":
            return text.replace("<title>", "<title>" + "A" * 2_000_000, 1).encode()
        # wrong-type: an element's content replaced by markup where text belongs
        return text.replace("<actionDate>", "<actionDate><item>x</item>", 1).encode()
    if data is None or not isinstance(data, dict | list) or not data:
        return raw[: len(raw) // 2]
    slots = _containers(data, [])
    container, key = rng.choice(slots)
    if kind == "wrong-type":
        container[key] = rng.choice([None, [], {}, "x", 0, [1, 2], {"a": None}])
        return _dump(path, data)
    if kind == "nesting":
        if path.suffix in (".yaml", ".yml"):
            return raw[: len(raw) // 2] + b"\nz: " + b"[" * 5000 + b"]" * 5000 + b"\n"
        container[key] = "__DEEP__"
        deep = ("[" * 5000 + '"x"' + "]" * 5000).encode()
        return _dump(path, data).replace(b'"__DEEP__"', deep, 1)
    if kind == "huge-field":
        strings = [(c, k) for c, k in slots if isinstance(c[k], str)] or slots
        container, key = rng.choice(strings)
        container[key] = "A" * 2_000_000
        return _dump(path, data)
    # bomb
    if path.suffix in (".yaml", ".yml"):
        lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
        lines += [
            f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]"
            for i in range(12)
        ]
        return ("\n".join(lines) + "\n").encode() + raw
    container[key] = 10**4000  # a number too large to read back as an int
    return _dump(path, data).replace(b"\n", b"\n", 1)


# --- one import ----------------------------------------------------------------------------


def snapshot(url: str) -> dict[str, Any]:
    """What the database holds: bills and legislators by key, with the fields that matter."""
    engine = create_engine(dbmod.normalize_url(url))
    try:
        with Session(engine) as session:
            bills = {
                b.id: (b.title, b.status, len(b.actions), len(b.sponsorships))
                for b in session.scalars(
                    select(Bill).options(
                        selectinload(Bill.actions), selectinload(Bill.sponsorships)
                    )
                )
            }
            people = {
                (p.jurisdiction_id, p.name): (p.party, p.district, len(p.offices or []))
                for p in session.scalars(select(Legislator))
            }
            running = session.scalar(select(SyncRun.id).where(SyncRun.status == "running").limit(1))
    finally:
        engine.dispose()
    return {"bills": bills, "people": people, "running": running is not None}


def _settings(url: str, var: Path) -> Settings:
    return Settings(
        database_url=url,
        secret_key="robustness-bench-" + "x" * 20,
        var_dir=var,
        scraper_cache_dir=var / "cache",
        offline=True,
    )


def run_variant(
    template: Path, work: Path, source: str, name: str, pristine: bytes, variant: bytes
) -> tuple[str, str]:
    """Import pristine then the variant into a fresh copy; returns (outcome, detail)."""
    if work.exists():
        shutil.rmtree(work)
    (work / "in").mkdir(parents=True)
    db = work / "test.db"
    shutil.copyfile(template, db)
    url = f"sqlite:///{db}"
    settings = _settings(url, work / "var")
    target = work / "in" / name
    target.write_bytes(pristine)
    try:
        import_paths(settings, source, [target])
    except TrackerError:
        pass
    baseline = snapshot(url)
    target.write_bytes(variant)
    refused = False
    try:
        summary = import_paths(settings, source, [target])
        refused = summary.quarantined > 0
    except TrackerError:
        refused = True
    except BaseException as exc:  # noqa: BLE001 - the bench counts crashes, it does not hide them
        return "crashed", f"{type(exc).__name__}: {str(exc)[:200]}"
    after = snapshot(url)
    if after["running"]:
        return "crashed", "run left running"
    if after["bills"] != baseline["bills"] or after["people"] != baseline["people"]:
        changed = [k for k, v in after["bills"].items() if baseline["bills"].get(k) != v]
        changed += [k for k, v in after["people"].items() if baseline["people"].get(k) != v]
        return "imported-wrong", f"changed {changed[:3]}"
    return ("quarantined" if refused else "imported-correctly"), ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=3, help="variants per corruption per file")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--write", action="store_true", help="append results to RESULTS.md")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    rng = random.Random(args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="robustness-"))
    template = tmp / "template.db"
    dbmod.upgrade(f"sqlite:///{template}")
    totals: Counter[str] = Counter()
    by_kind: dict[str, Counter[str]] = {k: Counter() for k in KINDS}
    failures: list[str] = []
    started = time.perf_counter()
    files = 0
    try:
        for source, paths in FIXTURES:
            for path in paths:
                files += 1
                pristine = path.read_bytes()
                for kind in KINDS:
                    for i in range(args.n):
                        variant = corrupt(path, pristine, kind, rng)
                        outcome, detail = run_variant(
                            template, tmp / "work", source, path.name, pristine, variant
                        )
                        totals[outcome] += 1
                        by_kind[kind][outcome] += 1
                        if outcome in ("crashed", "imported-wrong"):
                            failures.append(f"{source} {path.name} {kind}#{i}: {outcome} {detail}")
                print(f"{source:22} {path.name[:50]:50} {dict(totals)}", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    elapsed = time.perf_counter() - started
    variants = sum(totals.values())
    columns = ("quarantined", "imported-correctly", "crashed", "imported-wrong")
    lines = [
        f"## Robustness ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()})",
        "",
        f"`bench/robustness.py --n {args.n} --seed {args.seed}`: {files} fixture files x "
        f"{len(KINDS)} corruptions x {args.n} = {variants} variants, each imported over its "
        f"pristine baseline on SQLite, {elapsed:.0f} s.",
        "",
        "| corruption | " + " | ".join(columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for kind in KINDS:
        lines.append(f"| {kind} | " + " | ".join(str(by_kind[kind][c]) for c in columns) + " |")
    lines.append("| **all** | " + " | ".join(f"**{totals[c]}**" for c in columns) + " |")
    if failures:
        lines += ["", "Crashed or imported wrong:", ""] + [f"- {f}" for f in failures[:40]]
    report = "\n".join(lines) + "\n"
    print("\n" + report)
    if args.write:
        with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as out:
            out.write("\n" + report)


if __name__ == "__main__":
    main()
