"""Tagger accuracy on the hand-labelled dev set, next to a plain keyword baseline.

    .venv/bin/python bench/tagging_eval.py [--data FILE] [--write] [--errors]

Labels (shared/fixtures/tagging/README.md): parity, crisis, workforce, other_mh;
`mental_health` = any label present. Scores are per topic precision / recall / F1 and
micro-F1 over parity, crisis, workforce and mental_health. `--write` stores the table
in bench/RESULTS.md (section "Tagging") and docs/tagging.md (between markers).
The baseline is what a user of keyword bill sheets gets: a case-insensitive substring
search of title + abstract for the obvious words of each topic.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracker.tagging import tag_bill  # noqa: E402

DEFAULT_DATA = ROOT / "tests" / "fixtures" / "tagging" / "dev.jsonl"  # copy of shared/
EVAL_TOPICS = ("parity", "crisis", "workforce", "mental_health")

BASELINE_KEYWORDS: dict[str, tuple[str, ...]] = {
    "parity": ("parity",),
    "crisis": ("crisis", "988", "9-8-8", "hotline", "lifeline"),
    "workforce": ("workforce", "loan repayment", "scholarship", "licensure", "compact"),
    "mental_health": (
        "mental",
        "behavioral health",
        "substance use",
        "substance abuse",
        "suicide",
        "psychiatric",
        "addiction",
        "opioid",
    ),
}


def load_rows(path: Path) -> list[dict]:
    """Records of a labelled JSONL file."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


DEMO_TOPIC = {"parity": "parity", "crisis": "crisis", "workforce": "workforce"}


def demo_rows(data_dir: Path) -> list[dict]:
    """Demo bills with the curator's topic label from the demo README's per-bill table.

    The demo README says these labels describe the demo and are not an evaluation set;
    they are used here only as a second, mostly unseen check (12 bills overlap dev).
    """
    table = (data_dir / "README.md").read_text(encoding="utf-8").split("### Per bill", 1)[1]
    labels = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0] not in ("jurisdiction", "---"):
            label = cells[3]
            topics = [DEMO_TOPIC[label]] if label in DEMO_TOPIC else []
            if label == "other mental health":
                topics = ["other_mh"]
            labels[(cells[0], cells[1], cells[2])] = topics
    rows = []
    for row in load_rows(data_dir / "bills.jsonl"):
        row["topics"] = labels[(row["jurisdiction"], row["session"], row["identifier"])]
        row["id"] = f"{row['jurisdiction']} {row['session']} {row['identifier']}"
        rows.append(row)
    return rows


def gold_topics(row: dict) -> set[str]:
    """Gold labels mapped onto the evaluated topics."""
    labels = set(row.get("topics") or [])
    gold = labels & {"parity", "crisis", "workforce"}
    if labels:
        gold.add("mental_health")
    return gold


def tagger_topics(row: dict) -> set[str]:
    """Topics the tagger assigns (restricted to the evaluated ones)."""
    tags = tag_bill(row.get("title"), row.get("abstract"), row.get("subjects") or [])
    return {t.topic for t in tags} & set(EVAL_TOPICS)


def baseline_topics(row: dict) -> set[str]:
    """Topics a plain keyword search assigns."""
    hay = f"{row.get('title') or ''} {row.get('abstract') or ''}".lower()
    return {t for t, words in BASELINE_KEYWORDS.items() if any(w in hay for w in words)}


def score(rows: list[dict], predict) -> dict[str, dict[str, float]]:  # noqa: ANN001
    """Per-topic and micro precision/recall/F1 of `predict` on `rows`."""
    counts = {t: [0, 0, 0] for t in EVAL_TOPICS}  # tp, fp, fn
    for row in rows:
        gold, pred = gold_topics(row), predict(row)
        for t in EVAL_TOPICS:
            if t in pred and t in gold:
                counts[t][0] += 1
            elif t in pred:
                counts[t][1] += 1
            elif t in gold:
                counts[t][2] += 1
    out: dict[str, dict[str, float]] = {}
    for t, (tp, fp, fn) in counts.items():
        out[t] = _prf(tp, fp, fn)
    out["micro"] = _prf(*(sum(c[i] for c in counts.values()) for i in range(3)))
    return out


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": p, "r": r, "f1": f, "tp": tp, "fp": fp, "fn": fn}


def table(rows: list[dict], name: str) -> str:
    """Markdown table: tagger vs keyword baseline."""
    ours, base = score(rows, tagger_topics), score(rows, baseline_topics)
    lines = [
        f"Data: `{name}` ({len(rows)} bills, title + abstract only).",
        "",
        "| topic | tagger P | tagger R | tagger F1 | keyword P | keyword R | keyword F1 |",
        "|---|---|---|---|---|---|---|",
    ]
    for t in (*EVAL_TOPICS, "micro"):
        a, b = ours[t], base[t]
        lines.append(
            f"| {t} | {a['p']:.2f} | {a['r']:.2f} | {a['f1']:.2f} "
            f"| {b['p']:.2f} | {b['r']:.2f} | {b['f1']:.2f} |"
        )
    return "\n".join(lines)


def errors(rows: list[dict]) -> list[str]:
    """One line per wrong call, for rule work."""
    out = []
    for row in rows:
        gold, pred = gold_topics(row), tagger_topics(row)
        if gold != pred:
            out.append(
                f"{row['id']}: gold={sorted(gold)} pred={sorted(pred)} | {row.get('title')!s:.90}"
            )
    return out


def main(argv: list[str] | None = None) -> int:
    """Print (and optionally store) the accuracy table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--write", action="store_true", help="update bench/RESULTS.md + docs")
    ap.add_argument("--errors", action="store_true", help="list misclassified bills")
    ap.add_argument("--demo", type=Path, help="demo folder: use its curator labels instead")
    args = ap.parse_args(argv)
    rows = demo_rows(args.demo) if args.demo else load_rows(args.data)
    name = f"{args.demo.name}/bills.jsonl (curator labels)" if args.demo else args.data.name
    md = table(rows, name)
    print(md)
    if args.errors:
        print("\n".join(errors(rows)))
    ours = score(rows, tagger_topics)
    print(json.dumps({t: round(v["f1"], 3) for t, v in ours.items()}))
    if args.write:
        write_results("Tagging accuracy, demo corpus" if args.demo else "Tagging accuracy", md)
    return 0


def write_results(title: str, body: str) -> None:
    """Replace (or append) `### {title}` under "## Tagging" in bench/RESULTS.md and the docs."""
    import platform

    stamp = (
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} "
        f"({platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()})."
    )
    block = f"### {title}\n\n{stamp}\n\n{body.strip()}\n"
    _replace_block(ROOT / "bench" / "RESULTS.md", "## Tagging", title, block)
    _replace_block(ROOT / "docs" / "tagging.md", "## Measured results", title, block)


def _replace_block(path: Path, section: str, title: str, block: str) -> None:
    """Replace our marked block, or add it after our last block / our section heading.

    Other areas keep their own marked blocks in the same file; never write inside them.
    """
    begin, end = f"<!-- tagging:{title}:begin -->", f"<!-- tagging:{title}:end -->"
    wrapped = f"{begin}\n{block}{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + wrapped + rest.split(end, 1)[1]
    elif "<!-- tagging:" in text:
        last = text.rindex("<!-- tagging:")
        cut = text.index("-->", text.index(":end -->", last) if ":end -->" in text[last:] else last)
        cut += len("-->")
        text = text[:cut] + "\n\n" + wrapped + text[cut:]
    elif section in text:
        head, rest = text.split(section, 1)
        nxt = min((i for i in (rest.find("\n## "), rest.find("\n<!-- ")) if i != -1), default=-1)
        if nxt == -1:
            text = head + section + rest.rstrip("\n") + "\n\n" + wrapped + "\n"
        else:
            text = head + section + rest[:nxt].rstrip("\n") + "\n\n" + wrapped + rest[nxt:]
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + f"{section}\n\n{wrapped}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
