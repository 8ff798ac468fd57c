"""Tagger throughput: bills/s for title+abstract and for full text, vs one regex pass.

    .venv/bin/python bench/tagging.py [--bills 10000] [--write]

Bills are the real dev + demo records (title, abstract, subjects), replicated to
`--bills`. For the full-text run each bill also carries a real document text: the
LegiScan bill texts and GovInfo BILLSTATUS files in shared/fixtures, extracted with
tracker.textextract (cycled over the bills).

The floor is ONE pass of the taxonomy's compiled regex over the same fields
(`regex.finditer` consumed, nothing else): the tagger cannot be faster than the scan
it is built on, so `ratio_to_floor` = tagger bills/s / floor bills/s (goal >= 0.5).
The last line is JSON: `bills_per_s` and `ratio_to_floor` of the slower of the two
modes, plus both modes in full.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracker.tagging import subjects_text, tag_bill  # noqa: E402
from tracker.taxonomy import load_taxonomy  # noqa: E402
from tracker.textextract import extract_text  # noqa: E402

SHARED = Path("/work/shared/fixtures")
LOCAL = ROOT / "tests" / "fixtures" / "tagging"


def bills() -> list[dict]:
    """Real dev + demo bill records (title, abstract, subjects)."""
    rows = []
    for path in (LOCAL / "dev.jsonl", LOCAL / "demo" / "bills.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            rows.append(
                {
                    "title": r.get("title") or "",
                    "abstract": r.get("abstract") or "",
                    "subjects": r.get("subjects") or [],
                }
            )
    return rows


def texts() -> list[str]:
    """Real document texts: LegiScan bill texts and BILLSTATUS XML, extracted."""
    out = []
    for path in sorted((SHARED / "legiscan" / "legiscanrr_extdata" / "text").glob("*.json")):
        doc = json.loads(path.read_text())
        doc = doc.get("text", doc)
        out.append(extract_text(base64.b64decode(doc["doc"]), doc.get("mime"))[0])
    for path in sorted((SHARED / "govinfo_billstatus").rglob("*.xml")):
        out.append(extract_text(path.read_bytes(), "application/xml")[0])
    if not out:  # the repository copy when shared fixtures are absent
        out.append(extract_text((LOCAL / "BILLSTATUS-116s2902.xml").read_bytes())[0])
    return out


def corpus(n: int, full_text: bool) -> list[tuple[str, str, list[str], str | None]]:
    """n bills, replicated from the real rows (and real texts when full_text)."""
    rows, docs = bills(), texts() if full_text else []
    return [
        (
            rows[i % len(rows)]["title"],
            rows[i % len(rows)]["abstract"],
            rows[i % len(rows)]["subjects"],
            docs[i % len(docs)] if full_text else None,
        )
        for i in range(n)
    ]


def run(items, full_text: bool, repeats: int = 3) -> dict:  # noqa: ANN001
    """Best-of-`repeats` bills/s for the tagger and for the floor."""
    tax = load_taxonomy()
    regex = tax.regex
    tag_bill("warm up", "", [], None, taxonomy=tax)

    def floor() -> None:
        for title, abstract, subjects, text in items:
            for field in (title, abstract, subjects_text(subjects), text or ""):
                for _ in regex.finditer(field):
                    pass

    def tagger() -> None:
        for title, abstract, subjects, text in items:
            tag_bill(title, abstract, subjects, text, taxonomy=tax)

    def best(fn) -> float:  # noqa: ANN001
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return min(times)

    t_floor, t_tag = best(floor), best(tagger)
    chars = sum(len(a) + len(b) + len(subjects_text(c)) + len(d or "") for a, b, c, d in items)
    return {
        "mode": "full_text" if full_text else "title_abstract",
        "bills": len(items),
        "avg_chars": round(chars / len(items)),
        "bills_per_s": round(len(items) / t_tag, 1),
        "floor_bills_per_s": round(len(items) / t_floor, 1),
        "ratio_to_floor": round(t_floor / t_tag, 3),
    }


def main(argv: list[str] | None = None) -> int:
    """Run both modes, print a table and the JSON summary line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bills", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--write", action="store_true", help="update bench/RESULTS.md + docs")
    args = ap.parse_args(argv)
    results = [run(corpus(args.bills, ft), ft, args.repeats) for ft in (False, True)]
    lines = [
        "| mode | bills | avg chars/bill | tagger bills/s | floor bills/s | ratio to floor |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['mode']} | {r['bills']} | {r['avg_chars']} | {r['bills_per_s']} "
            f"| {r['floor_bills_per_s']} | {r['ratio_to_floor']} |"
        )
    md = "\n".join(lines)
    print(md)
    if args.write:
        from bench.tagging_eval import write_results

        write_results("Tagging speed", md)
    slow = min(results, key=lambda r: r["ratio_to_floor"])
    print(
        json.dumps(
            {
                "bills_per_s": slow["bills_per_s"],
                "ratio_to_floor": slow["ratio_to_floor"],
                "mode": slow["mode"],
                "modes": results,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
