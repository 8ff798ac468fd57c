"""Parity-enforcement extractor: per-element precision and recall on the hand-labeled set.

Each real text in tests/fixtures/texts/ goes through the real text extraction
(tracker.textextract.extract, as the pipeline stores it) and
tracker.parity_enforcement.elements; the result is compared with
tests/fixtures/parity_enforcement/labels.jsonl (reading rules in its README).

Per text and element (NQTL analyses, regulator reporting, market-conduct exams,
penalties, medical necessity, network adequacy, prior-authorization limits) and per
enforcer kind (insurance commissioner, attorney general, private right of action): found
and labeled counts a true positive, found and not labeled a false positive, labeled and
not found a false negative. For each true positive the quoted section (top level) is
checked against the sections the label lists ("evidence"), and the penalty's size against
the labeled amount. A denied enforcer ("not intended to create a private right of action")
must come back denied, not named.

Run: .venv/bin/python bench/parity_enforcement.py   (prints Markdown for bench/RESULTS.md)
"""

from __future__ import annotations

import base64
import json
import platform
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracker import parity_enforcement as pe  # noqa: E402
from tracker.textextract import extract as extract_text  # noqa: E402

TEXTS = ROOT / "tests" / "fixtures" / "texts"
# The official Missouri PDFs of the same 14 bills (LegiScan getBillText responses, base64).
PDFS = ROOT / "demo" / "texts" / "mo"
LABELS = ROOT / "tests" / "fixtures" / "parity_enforcement" / "labels.jsonl"
ELEMENTS = [
    "nqtl_analysis",
    "regulator_reporting",
    "market_conduct",
    "penalties",
    "medical_necessity",
    "network_adequacy",
    "prior_auth_limits",
]
KINDS = ["insurance commissioner", "attorney general", "private right of action"]
ROWS = ELEMENTS + [f"enforcer: {k}" for k in KINDS]
# "Section 6(2)(c)(iii)" -> "Section 6"; Missouri "Section 376.1553.10" -> "Section 376.1553"
_TOP = re.compile(r"Section (\d{1,3}\.\d{3,4}|\d+[A-Za-z]?(?:-\d+)?|[A-Z])\b")


def top(label: str | None) -> str | None:
    m = _TOP.match(label or "")
    return f"Section {m.group(1)}" if m else label


def load_labels() -> list[dict[str, Any]]:
    return [json.loads(line) for line in LABELS.read_text().splitlines() if line.strip()]


def text_of(rel: str) -> str:
    return extract_text((TEXTS / rel).read_bytes()).text


def pdf_text(path: Path) -> str:
    doc = json.loads(path.read_text())["text"]["doc"]
    return extract_text(base64.b64decode(doc)).text


def pdf_agreement() -> tuple[int, list[str]]:
    """The MO bills read from their official PDFs (the demo's path): elements found, by
    row and top-level section, must equal what the labels say for the same bill."""
    labels = {lab["file"]: lab for lab in load_labels()}
    wrong, n = [], 0
    for path in sorted(PDFS.glob("*.json")):
        lab = labels[f"mo/{path.stem}_full_text.md"]
        got, _ = found_items(pdf_text(path))
        want = labeled_items(lab)
        n += 1
        got_rows = {r: g["section"] for r, g in got.items()}
        if set(got_rows) != set(want) or any(got_rows[r] not in want[r]["sections"] for r in want):
            wrong.append(f"{path.name}: found {got_rows}, labeled {sorted(want)}")
    return n, wrong


def found_items(text: str) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """row -> {section, amount?} for what the extractor found; and the denied kinds."""
    out = pe.elements(text)
    got: dict[str, dict[str, Any]] = {}
    for name in ELEMENTS:
        if name in out:
            got[name] = {"section": top(out[name]["section"]), "amount": out[name].get("amount")}
    denied: list[str] = []
    who = out.get("enforcer")
    if who:
        for w in who["who"]:
            got[f"enforcer: {w['who']}"] = {"section": top(w["section"])}
        denied = [w["who"] for w in who["denied"]]
    else:
        denied = [w["who"] for w in pe.enforcers(text) if w["denied"]]
    return got, sorted(denied)


def labeled_items(lab: dict[str, Any]) -> dict[str, dict[str, Any]]:
    want: dict[str, dict[str, Any]] = {}
    for name in ELEMENTS:
        if lab["elements"][name]:
            want[name] = lab["elements"][name]
    for kind in KINDS:
        if lab["enforcers"][kind]:
            want[f"enforcer: {kind}"] = lab["enforcers"][kind]
    return want


def evaluate() -> dict[str, Any]:
    labels = load_labels()
    counts = {r: {"tp": 0, "fp": 0, "fn": 0, "evidence_ok": 0} for r in ROWS}
    amounts = {"labeled": 0, "right": 0}
    denied = {"labeled": 0, "right": 0, "wrong": []}
    misses: list[str] = []
    t0 = time.perf_counter()
    for lab in labels:
        rel = lab["file"]
        got, got_denied = found_items(text_of(rel))
        want = labeled_items(lab)
        for r in ROWS:
            g, w = got.get(r), want.get(r)
            if g and w:
                counts[r]["tp"] += 1
                if g["section"] in w["sections"]:
                    counts[r]["evidence_ok"] += 1
                else:
                    misses.append(f"{rel} {r}: quoted {g['section']}, labeled {w['sections']}")
            elif g:
                counts[r]["fp"] += 1
                misses.append(f"{rel} {r}: found ({g['section']}), not labeled")
            elif w:
                counts[r]["fn"] += 1
                misses.append(f"{rel} {r}: labeled {w['sections']}, not found")
            if r == "penalties" and w and w.get("amount"):
                amounts["labeled"] += 1
                if g and g.get("amount") == w["amount"]:
                    amounts["right"] += 1
                else:
                    misses.append(
                        f"{rel} penalty size: labeled {w['amount']}, got {(g or {}).get('amount')}"
                    )
        if lab["denied"] or got_denied:
            denied["labeled"] += len(lab["denied"])
            denied["right"] += len(set(lab["denied"]) & set(got_denied))
            if sorted(lab["denied"]) != got_denied:
                denied["wrong"].append(f"{rel}: labeled {lab['denied']}, got {got_denied}")
    return {
        "counts": counts,
        "amounts": amounts,
        "denied": denied,
        "misses": misses,
        "n": len(labels),
        "secs": time.perf_counter() - t0,
    }


def _ratio(a: int, b: int) -> str:
    return "n/a" if b == 0 else f"{a / b:.2f}"


def main() -> None:
    res = evaluate()
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    n = res["n"]
    print("### Parity-enforcement extractor\n")
    machine = f"{platform.node()} ({platform.machine()}, Python {platform.python_version()})"
    print(f"Measured {now} on {machine}.\n")
    print(f"{n} real texts (tests/fixtures/texts), labels in tests/fixtures/parity_enforcement/.\n")
    print("| element | labeled | found | TP | precision | recall | evidence in a labeled section |")
    print("|---|---|---|---|---|---|---|")
    for r, c in res["counts"].items():
        found, labeled = c["tp"] + c["fp"], c["tp"] + c["fn"]
        prec, rec = _ratio(c["tp"], found), _ratio(c["tp"], labeled)
        ev = f"{c['evidence_ok']}/{c['tp']}" if c["tp"] else "n/a"
        print(f"| {r} | {labeled} | {found} | {c['tp']} | {prec} | {rec} | {ev} |")
    a, d = res["amounts"], res["denied"]
    print(f"\nPenalty size right: {a['right']}/{a['labeled']}.")
    print(f"Denied enforcers returned denied: {d['right']}/{d['labeled']}.")
    pdfs, pdf_wrong = pdf_agreement()
    print(
        f"The {pdfs} MO bills read from their official PDFs (demo/texts/mo, the demo's path) "
        f"agree with the labels: {pdfs - len(pdf_wrong)}/{pdfs}."
    )
    print(f"\nText extraction + elements for all {n} texts: {res['secs']:.2f} s.")
    print("Command: `.venv/bin/python bench/parity_enforcement.py`.\n")
    misses = res["misses"] + d["wrong"] + pdf_wrong
    if misses:
        print("Mismatches:\n")
        for m in misses:
            print(f"- {m}")
    else:
        print("Mismatches: none.")


if __name__ == "__main__":
    main()
