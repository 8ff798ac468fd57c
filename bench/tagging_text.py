"""Full-text tagging speed: MB of text per CPU-second, against floors measured in the same run.

    .venv/bin/python bench/tagging_text.py [--repeats 5] [--write]

Corpora (real documents only):
- `mh_texts`: the bill texts in tests/fixtures/texts/ (WA, MO and US mental-health
  bills and model acts, see MANIFEST.md there; MO also as the LegiScan PDFs), extracted
  with tracker.textextract.
  Dense: a taxonomy hit every ~140 characters.
- `legiscan_billstatus`: the LegiScan bill texts and GovInfo BILLSTATUS files in
  shared/fixtures (mostly not mental-health), when that folder is present.

Per corpus, each timed as CPU seconds of this process (best of `--repeats`):
- tagger: `tag_bill(text=...)` with the Hyperscan prefilter (tracker.textscan);
- unfiltered: `tag_bill(..., prefilter=False)`, the taxonomy regex over the whole text;
- floor hyperscan: one Hyperscan scan of the taxonomy's patterns, every match delivered
  to a Python callback (an independent multi-pattern scanner over the same patterns);
- floor lower: `str.lower()` of every text.
Before timing, tags and evidence of the two taggers are compared on every document and
the run stops if any differ. The last line is JSON.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracker import textscan  # noqa: E402
from tracker.tagging import tag_bill  # noqa: E402
from tracker.taxonomy import load_taxonomy  # noqa: E402
from tracker.textextract import extract_text  # noqa: E402

SHARED = Path("/work/shared/fixtures")
TEXTS = ROOT / "tests" / "fixtures" / "texts"


def mh_texts() -> list[str]:
    """The real bill texts bundled with the tests, extracted."""
    paths = sorted(p for p in TEXTS.rglob("*") if p.is_file() and p.parent != TEXTS)
    out = []
    for p in paths:
        if p.suffix == ".json":  # a LegiScan getBillText envelope: its base64 PDF
            doc = json.loads(p.read_text(encoding="utf-8"))["text"]
            out.append(extract_text(base64.b64decode(doc["doc"]), doc["mime"])[0])
        else:
            out.append(extract_text(p.read_bytes())[0])
    return out


def legiscan_billstatus() -> list[str]:
    """LegiScan bill texts and BILLSTATUS XML from shared/fixtures (empty when absent)."""
    out = []
    for path in sorted((SHARED / "legiscan" / "legiscanrr_extdata" / "text").glob("*.json")):
        doc = json.loads(path.read_text())
        doc = doc.get("text", doc)
        out.append(extract_text(base64.b64decode(doc["doc"]), doc.get("mime"))[0])
    for path in sorted((SHARED / "govinfo_billstatus").rglob("*.xml")):
        out.append(extract_text(path.read_bytes(), "application/xml")[0])
    return out


def _best(fn, repeats: int) -> float:  # noqa: ANN001
    times = []
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return min(times)


def run(name: str, docs: list[str], repeats: int) -> dict:
    """MB/s of the tagger, the unfiltered tagger and both floors on one corpus."""
    tax = load_taxonomy()
    for text in docs:  # warm caches (window regexes) and check identity
        fast = [t.as_dict(explain=True) for t in tag_bill(text=text, taxonomy=tax)]
        slow = [t.as_dict(explain=True) for t in tag_bill(text=text, taxonomy=tax, prefilter=False)]
        if fast != slow:
            raise SystemExit(f"{name}: prefiltered tags differ from the unfiltered tagger")
    scanner = textscan._scanner(tax)
    mb = sum(len(t) for t in docs) / 1e6

    def hyperscan_floor() -> None:
        for text in docs:
            scanner.db.scan(text.encode("utf-8"), match_event_handler=lambda *a: None)

    t_tag = _best(lambda: [tag_bill(text=t, taxonomy=tax) for t in docs], repeats)
    plain_runs = max(1, repeats // 2)  # the slow one; fewer repeats
    t_plain = _best(
        lambda: [tag_bill(text=t, taxonomy=tax, prefilter=False) for t in docs], plain_runs
    )
    t_hs = _best(hyperscan_floor, repeats)
    t_lower = _best(lambda: [t.lower() for t in docs], repeats)
    return {
        "corpus": name,
        "docs": len(docs),
        "mb": round(mb, 2),
        "tagger_mb_s": round(mb / t_tag, 1),
        "unfiltered_mb_s": round(mb / t_plain, 2),
        "hyperscan_mb_s": round(mb / t_hs, 1),
        "lower_mb_s": round(mb / t_lower, 1),
        "speedup": round(t_plain / t_tag, 1),
        "ratio_hyperscan": round(t_hs / t_tag, 3),
        "ratio_lower": round(t_lower / t_tag, 4),
    }


def main(argv: list[str] | None = None) -> int:
    """Run each corpus, print a table and the JSON summary line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--write", action="store_true", help="update bench/RESULTS.md + docs")
    args = ap.parse_args(argv)
    if not textscan.available():
        raise SystemExit("hyperscan is not installed: pip install hyperscan")
    corpora = [("mh_texts", mh_texts()), ("legiscan_billstatus", legiscan_billstatus())]
    results = [run(name, docs, args.repeats) for name, docs in corpora if docs]
    lines = [
        "| corpus | docs | MB | tagger MB/s | unfiltered MB/s | speedup | Hyperscan floor MB/s "
        "| ratio | str.lower MB/s | ratio |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['corpus']} | {r['docs']} | {r['mb']} | {r['tagger_mb_s']} "
            f"| {r['unfiltered_mb_s']} | {r['speedup']}x | {r['hyperscan_mb_s']} "
            f"| {r['ratio_hyperscan']} | {r['lower_mb_s']} | {r['ratio_lower']} |"
        )
    md = "\n".join(lines)
    md += (
        f"\n\n`.venv/bin/python bench/tagging_text.py --repeats {args.repeats}`, taxonomy "
        f"{load_taxonomy().version}, load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} CPUs during the run. MB/s are per CPU-second of this process; "
        "ratio = tagger speed / floor speed, floors measured in the same run. Tags and "
        "evidence were identical to the unfiltered tagger on every document."
    )
    print(md)
    if args.write:
        from bench.tagging_eval import write_results

        write_results("Full-text tagging speed", md)
    print(json.dumps({"corpora": results}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
