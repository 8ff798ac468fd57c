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
import gzip
import hashlib
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
DEMO_TEXTS = ROOT / "demo" / "texts"
# Tags and evidence of every real text and row, recorded with the tagger of 2026-12-02
# 15:50 UTC (before the speed work); `--check-golden` and tests/tagging/test_text_golden.py
# compare the current tagger with it.
GOLDEN = ROOT / "tests" / "fixtures" / "tagging" / "text_tags_golden.json.gz"


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


def golden_sources(shared: bool = True) -> list[tuple[str, Path]]:
    """(label, folder) of every folder of real texts: the test copies, the demo copies and
    (when present and `shared`) shared/fixtures/texts."""
    out = [("tests", TEXTS), ("demo", DEMO_TEXTS)]
    if shared and (SHARED / "texts").is_dir():
        out.append(("shared", SHARED / "texts"))
    return out


def _document(path: Path) -> tuple[bytes, str | None]:
    if path.suffix == ".json":  # a LegiScan getBillText envelope: its base64 document
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc = doc.get("text", doc)
        return base64.b64decode(doc["doc"]), doc.get("mime")
    return path.read_bytes(), None


def _sha(obj: object) -> str:
    raw = obj if isinstance(obj, bytes) else json.dumps(obj, sort_keys=True).encode("utf-8")
    return hashlib.sha256(raw).hexdigest()


def golden_documents(shared: bool = True) -> dict[str, tuple[list[str], bytes, str | None]]:
    """sha256 of (bytes, mime) -> (names, bytes, mime) of every real document, deduplicated."""
    docs: dict[str, tuple[list[str], bytes, str | None]] = {}
    for label, folder in golden_sources(shared):
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.parent != folder):
            if path.suffix not in (".json", ".md", ".xml", ".XML"):
                continue
            data, mime = _document(path)
            key = _sha(data + b"\0" + (mime or "").encode())
            name = f"{label}:{path.relative_to(folder)}"
            docs.setdefault(key, ([], data, mime))[0].append(name)
    if shared:
        for path in sorted((SHARED / "legiscan" / "legiscanrr_extdata" / "text").glob("*.json")):
            data, mime = _document(path)
            key = _sha(data + b"\0" + (mime or "").encode())
            docs.setdefault(key, ([], data, mime))[0].append(f"legiscan:{path.name}")
        for path in sorted((SHARED / "govinfo_billstatus").rglob("*.xml")):
            data = path.read_bytes()
            key = _sha(data + b"\0application/xml")
            docs.setdefault(key, ([], data, "application/xml"))[0].append(f"billstatus:{path.name}")
    return docs


def golden_document(data: bytes, mime: str | None) -> dict:
    """What extraction and the tagger make of one document (extraction as hashes)."""
    from tracker.textextract import extract

    result = extract(data, mime)
    tags = [t.as_dict(explain=True) for t in tag_bill(text=result.text)]
    return {
        "extraction": {
            "media_type": result.media_type,
            "extractor": result.extractor,
            "pages": result.pages,
            "chars": len(result.text),
            "text": _sha(result.text.encode("utf-8")),
            "marks": _sha(result.marks),
            "sections": _sha(result.sections),
        },
        "tags": tags,
    }


def golden_rows() -> dict[str, list[dict]]:
    """Tags of the dev set and demo corpus rows (title, abstract, subjects)."""
    from tests.conftest import demo_rows
    from tests.tagging.helpers import dev_rows

    out = {}
    for label, rows in (("dev", dev_rows()), ("demo", demo_rows())):
        for i, row in enumerate(rows):
            tags = tag_bill(row.get("title"), row.get("abstract"), row.get("subjects") or [])
            name = row.get("id") or f"{row['jurisdiction']}-{row['session']}-{row['identifier']}"
            out[f"{label}:{i}:{name}"] = [t.as_dict(explain=True) for t in tags]
    return out


def golden(shared: bool = True) -> dict:
    """The whole recording: documents by content hash, rows by id."""
    docs = {}
    for key, (names, data, mime) in golden_documents(shared).items():
        docs[key] = {"names": names, **golden_document(data, mime)}
    return {"documents": docs, "rows": golden_rows()}


def golden_differences(recorded: dict, now: dict) -> list[str]:
    """Names of the documents and rows whose output differs from the recording."""
    out = []
    for key, doc in now["documents"].items():
        old = recorded["documents"].get(key)
        if old is None:
            out.append(f"not recorded: {doc['names']}")
        elif old["extraction"] != doc["extraction"]:
            out.append(f"extraction differs: {doc['names']}")
        elif old["tags"] != doc["tags"]:
            out.append(f"tags differ: {doc['names']}")
    for key, tags in now["rows"].items():
        if recorded["rows"].get(key) != tags:
            out.append(f"row tags differ: {key}")
    return out


def load_golden() -> dict:
    """The recorded tags and evidence."""
    with gzip.open(GOLDEN, "rt", encoding="utf-8") as fh:
        return json.load(fh)


def _best(fn, repeats: int) -> float:  # noqa: ANN001
    times = []
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return min(times)


def load_before(commit: str):  # noqa: ANN201 - the earlier tag_bill
    """`tag_bill` as it was at `commit` (tracker/tagging.py, textscan.py and sections.py
    from git, imported under other names), to time in the same run."""
    import importlib
    import subprocess
    import tempfile

    folder = Path(tempfile.mkdtemp())
    for name in ("tagging", "textscan", "sections"):
        src = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{commit}:tracker/{name}.py"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        src = src.replace("from tracker import textscan", "import before_textscan as textscan")
        src = src.replace("from tracker.sections import", "from before_sections import")
        (folder / f"before_{name}.py").write_text(src)
    sys.path.insert(0, str(folder))
    return importlib.import_module("before_tagging").tag_bill


def run(name: str, docs: list[str], repeats: int, before=None) -> dict:  # noqa: ANN001
    """MB/s of the tagger, the unfiltered tagger, both floors and (given `before`, an
    earlier `tag_bill`) the earlier tagger on one corpus; the fast ones are timed in
    turn, round after round (the machine is shared), best round each."""
    tax = load_taxonomy()
    for text in docs:  # warm caches (window regexes) and check identity
        fast = [t.as_dict(explain=True) for t in tag_bill(text=text, taxonomy=tax)]
        slow = [t.as_dict(explain=True) for t in tag_bill(text=text, taxonomy=tax, prefilter=False)]
        if fast != slow:
            raise SystemExit(f"{name}: prefiltered tags differ from the unfiltered tagger")
        if before is not None:
            old = [t.as_dict(explain=True) for t in before(text=text, taxonomy=tax)]
            if old != fast:
                raise SystemExit(f"{name}: tags differ from the earlier tagger")
    scanner = textscan._scanner(tax)
    mb = sum(len(t) for t in docs) / 1e6

    def hyperscan_floor() -> None:
        for text in docs:
            scanner.db.scan(text.encode("utf-8"), match_event_handler=lambda *a: None)

    timed = {
        "tag": lambda: [tag_bill(text=t, taxonomy=tax) for t in docs],
        "hs": hyperscan_floor,
        "lower": lambda: [t.lower() for t in docs],
    }
    if before is not None:
        timed["before"] = lambda: [before(text=t, taxonomy=tax) for t in docs]
    best = {k: float("inf") for k in timed}
    for _ in range(repeats):
        for key, fn in timed.items():
            best[key] = min(best[key], _best(fn, 1))
    plain_runs = max(1, repeats // 2)  # the slow one; fewer repeats
    t_plain = _best(
        lambda: [tag_bill(text=t, taxonomy=tax, prefilter=False) for t in docs], plain_runs
    )
    t_tag, t_hs, t_lower = best["tag"], best["hs"], best["lower"]
    out = {
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
    if before is not None:
        out["before_mb_s"] = round(mb / best["before"], 1)
        out["speedup_vs_before"] = round(best["before"] / t_tag, 2)
    return out


def main(argv: list[str] | None = None) -> int:
    """Run each corpus, print a table and the JSON summary line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--write", action="store_true", help="update bench/RESULTS.md + docs")
    ap.add_argument("--before", help="also time tag_bill as it was at this commit")
    ap.add_argument("--record-golden", action="store_true", help=f"write {GOLDEN.name}")
    ap.add_argument("--check-golden", action="store_true", help=f"compare with {GOLDEN.name}")
    args = ap.parse_args(argv)
    if args.record_golden:
        raw = json.dumps(golden(), sort_keys=True, indent=0).encode("utf-8")
        GOLDEN.write_bytes(gzip.compress(raw, mtime=0))
        return 0
    if args.check_golden:
        now = golden()
        diff = golden_differences(load_golden(), now)
        print(
            "\n".join(diff)
            or f"identical: {len(now['documents'])} documents, {len(now['rows'])} rows"
        )
        return 1 if diff else 0
    if not textscan.available():
        raise SystemExit("hyperscan is not installed: pip install hyperscan")
    corpora = [("mh_texts", mh_texts()), ("legiscan_billstatus", legiscan_billstatus())]
    before = load_before(args.before) if args.before else None
    results = [run(name, docs, args.repeats, before) for name, docs in corpora if docs]
    before_head = f" tagger at {args.before[:7]} MB/s | speedup |" if args.before else ""
    lines = [
        "| corpus | docs | MB | tagger MB/s | unfiltered MB/s | speedup | Hyperscan floor MB/s "
        "| ratio | str.lower MB/s | ratio |" + before_head,
        "|---|---|---|---|---|---|---|---|---|---|" + ("---|---|" if args.before else ""),
    ]
    for r in results:
        row = (
            f"| {r['corpus']} | {r['docs']} | {r['mb']} | {r['tagger_mb_s']} "
            f"| {r['unfiltered_mb_s']} | {r['speedup']}x | {r['hyperscan_mb_s']} "
            f"| {r['ratio_hyperscan']} | {r['lower_mb_s']} | {r['ratio_lower']} |"
        )
        if args.before:
            row += f" {r['before_mb_s']} | {r['speedup_vs_before']}x |"
        lines.append(row)
    md = "\n".join(lines)
    md += (
        f"\n\n`.venv/bin/python bench/tagging_text.py --repeats {args.repeats}"
        + (f" --before {args.before}" if args.before else "")
        + f"`, taxonomy "
        f"{load_taxonomy().version}, load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} CPUs during the run. MB/s are per CPU-second of this process; "
        "ratio = tagger speed / floor speed, floors measured in the same run. Tags and "
        "evidence were identical to the unfiltered tagger"
        + (f" and to the tagger at {args.before}" if args.before else "")
        + " on every document."
    )
    print(md)
    if args.write:
        from bench.tagging_eval import write_results

        write_results("Full-text tagging speed", md)
    print(json.dumps({"corpora": results}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
