"""988 provisions extractor: per-field precision and recall on the hand-labeled set.

Each real text in tests/fixtures/texts/ goes through the real text extraction
(tracker.textextract.extract, as the pipeline stores it) and tracker.provisions.extract;
the result is compared with tests/fixtures/provisions988/labels.json (see its README).
A field's items: fee (its top-level section), fee amount (cents in force last), monthly,
payers (one item per payer), rates ((cents, line type, start) each), collection / cap /
adjustment / sunset (section), trust fund (section), anti-diversion (section),
appropriations ((amount, section) each), study-only. A found item that matches counts
true positive, a found item that does not false positive, a labeled item not found
false negative.

Run: .venv/bin/python bench/provisions988.py   (prints Markdown for bench/RESULTS.md)
"""

from __future__ import annotations

import json
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracker import provisions  # noqa: E402
from tracker.textextract import extract as extract_text  # noqa: E402

TEXTS = ROOT / "tests" / "fixtures" / "texts"
LABELS = ROOT / "tests" / "fixtures" / "provisions988" / "labels.json"
FIELDS = [
    "fee",
    "fee_amount",
    "monthly",
    "payers",
    "rates",
    "collection",
    "cap",
    "adjustment",
    "sunset",
    "trust_fund",
    "anti_diversion",
    "appropriations",
    "appropriation_fy",
    "appropriation_purpose",
    "study_only",
]


def _top(label: str | None) -> str | None:
    return label.split("(")[0].split(".")[0] if label else None


def items_from_output(p: dict[str, Any]) -> dict[str, set]:
    fee = p.get("fee")
    out: dict[str, set] = {f: set() for f in FIELDS}
    if fee:
        out["fee"] = {_top((fee.get("imposed") or {}).get("section"))}
        if fee["current_cents"] is not None:
            out["fee_amount"] = {fee["current_cents"]}
        if fee["monthly"]:
            out["monthly"] = {True}
        out["payers"] = set(fee["payers"])
        out["rates"] = {(r["cents"], r["line_type"], r["starts"]) for r in fee["rates"]}
        for k in ("collection", "cap", "adjustment", "sunset"):
            if fee.get(k):
                out[k] = {_top(fee[k]["section"])}
    if p.get("trust_fund"):
        out["trust_fund"] = {_top(p["trust_fund"]["section"])}
    if p.get("anti_diversion"):
        out["anti_diversion"] = {_top(p["anti_diversion"]["section"])}
    out["appropriations"] = {(a["amount"], _top(a["section"])) for a in p["appropriations"]}
    out["appropriation_fy"] = {
        (a["amount"], _top(a["section"]), a["fiscal_period"])
        for a in p["appropriations"]
        if a["fiscal_period"]
    }
    out["appropriation_purpose"] = {
        (a["amount"], _top(a["section"]), "purpose") for a in p["appropriations"] if a["purpose"]
    }
    if p.get("study_only"):
        out["study_only"] = {True}
    return out


def purposes_matched(p: dict[str, Any], lab: dict[str, Any]) -> set:
    """The found purposes, each marked "purpose" when it holds the labeled words for that
    appropriation and "wrong purpose" otherwise (a found purpose with no label is wrong)."""
    words = {
        (d["amount"], d["section"]): d["purpose_words"]
        for d in lab.get("appropriation_details", [])
    }
    out = set()
    for a in p["appropriations"]:
        if not a["purpose"]:
            continue
        key = (a["amount"], _top(a["section"]))
        ok = key in words and words[key].lower() in a["purpose"].lower()
        out.add((*key, "purpose" if ok else "wrong purpose"))
    return out


def items_from_label(lab: dict[str, Any]) -> dict[str, set]:
    fee = lab.get("fee")
    out: dict[str, set] = {f: set() for f in FIELDS}
    if fee:
        out["fee"] = {fee["section"]}
        if fee["current_cents"] is not None:
            out["fee_amount"] = {fee["current_cents"]}
        if fee["monthly"]:
            out["monthly"] = {True}
        out["payers"] = set(fee["payers"])
        out["rates"] = {tuple(r) for r in fee["rates"]}
        for k in ("collection", "cap", "adjustment", "sunset"):
            if fee.get(k):
                out[k] = {fee[k]}
    if lab.get("trust_fund"):
        out["trust_fund"] = {lab["trust_fund"]}
    if lab.get("anti_diversion"):
        out["anti_diversion"] = {lab["anti_diversion"]}
    out["appropriations"] = {tuple(a) for a in lab["appropriations"]}
    details = lab.get("appropriation_details", [])
    out["appropriation_fy"] = {(d["amount"], d["section"], d["fiscal_period"]) for d in details}
    out["appropriation_purpose"] = {(d["amount"], d["section"], "purpose") for d in details}
    if lab.get("study_only"):
        out["study_only"] = {True}
    return out


def text_of(rel: str) -> str:
    data = (TEXTS / rel).read_bytes()
    return extract_text(data).text


def evaluate() -> tuple[dict[str, dict[str, int]], list[str], int, float]:
    labels = json.loads(LABELS.read_text())
    counts = {f: {"tp": 0, "fp": 0, "fn": 0} for f in FIELDS}
    misses: list[str] = []
    t0 = time.perf_counter()
    for rel, lab in labels.items():
        out = provisions.extract(text_of(rel)).to_dict()
        got = items_from_output(out)
        got["appropriation_purpose"] = purposes_matched(out, lab)
        want = items_from_label(lab)
        for f in FIELDS:
            tp, fp, fn = got[f] & want[f], got[f] - want[f], want[f] - got[f]
            counts[f]["tp"] += len(tp)
            counts[f]["fp"] += len(fp)
            counts[f]["fn"] += len(fn)
            if fp or fn:
                extra, missing = sorted(map(str, fp)), sorted(map(str, fn))
                misses.append(f"{rel} {f}: extra {extra} missing {missing}")
    return counts, misses, len(labels), time.perf_counter() - t0


def abstentions() -> tuple[list[str], list[str]]:
    """The real texts that mention 988 but impose no fee, and those of them where the
    extractor found nothing at all (every field "not found")."""
    labels = json.loads(LABELS.read_text())
    no_fee = [rel for rel, lab in labels.items() if lab.get("mentions_988") and not lab["fee"]]
    quiet = []
    for rel in no_fee:
        out = provisions.extract(text_of(rel)).to_dict()
        if not any(
            out[k] for k in ("fee", "trust_fund", "anti_diversion", "appropriations", "study_only")
        ):
            quiet.append(rel)
    return no_fee, quiet


def _ratio(a: int, b: int) -> str:
    return "n/a" if b == 0 else f"{a / b:.2f}"


def main() -> None:
    counts, misses, n, secs = evaluate()
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print("### 988 provisions extractor\n")
    machine = f"{platform.node()} ({platform.machine()}, Python {platform.python_version()})"
    print(f"Measured {now} on {machine}.\n")
    print(f"{n} real texts (tests/fixtures/texts), labels in tests/fixtures/provisions988/.\n")
    print("| field | labeled | found | TP | precision | recall |")
    print("|---|---|---|---|---|---|")
    for f, c in counts.items():
        found, labeled = c["tp"] + c["fp"], c["tp"] + c["fn"]
        prec, rec = _ratio(c["tp"], found), _ratio(c["tp"], labeled)
        print(f"| {f} | {labeled} | {found} | {c['tp']} | {prec} | {rec} |")
    no_fee, quiet = abstentions()
    print(
        f"\nReal texts that mention 988 but impose no fee: {len(no_fee)}; the extractor "
        f"abstained (every field not found) on {len(quiet)}: {', '.join(quiet) or 'none'}."
    )
    print(f"\nText extraction + provisions for all {n} texts: {secs:.2f} s.")
    print("Command: `.venv/bin/python bench/provisions988.py`.\n")
    if misses:
        print("Mismatches:\n")
        for m in misses:
            print(f"- {m}")
    else:
        print("Mismatches: none.")


if __name__ == "__main__":
    main()
