"""Rules, second opinion and review queue, measured on the labeled bills.

    .venv/bin/python bench/tagging_review.py [--write]

For each core topic: precision / recall / F1 of the rule tagger, of the classifier
alone, of "rules after review" (every (bill, topic) the review queue lists is answered
correctly by a member, everything else stays the rules' call) and of the keyword
baseline; and the review queue it would create per 1,000 bills.

Honest by construction:
* dev set (132 bills + 3 hard negatives): the classifier's scores are out of fold
  (grouped 5-fold cross-validation, `second_opinion.cross_validate`: no bill, and no
  near-copy of it, is scored by a model that trained on it);
* demo corpus (73 bills, curator labels): the classifier trains on the dev set minus the
  demo bills' near-copies (12 overlap), so it never scores a bill it trained on.
The rules were written while looking at the dev set, so their dev numbers flatter them;
the demo corpus and the hidden set are the fairer reading.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.tagging_eval import (  # noqa: E402
    BASELINE_KEYWORDS,
    _prf,
    demo_rows,
    load_rows,
    write_results,
)
from tracker import second_opinion as so  # noqa: E402
from tracker.corrections import NEAR_MARGIN  # noqa: E402
from tracker.tagging import tag_bill  # noqa: E402
from tracker.taxonomy import load_taxonomy  # noqa: E402

TOPICS = so.TOPICS


def _gold(row: dict) -> set[str]:
    return set(row.get("topics") or []) & set(TOPICS)


def evaluate(rows: list[dict], probs: dict[str, dict[str, float]]) -> dict:
    """Per-topic counts for each system, and the queue, on rows with out-of-sample probs."""
    tax = load_taxonomy()
    systems = ("rules", "classifier", "after_review", "keyword")
    counts = {s: {t: [0, 0, 0] for t in TOPICS} for s in systems}
    queue = {t: 0 for t in TOPICS}
    queued_bills: set[str] = set()
    for row in rows:
        gold = _gold(row)
        tags = {t.topic: t.score for t in tag_bill(row.get("title"), row.get("abstract"))}
        hay = f"{row.get('title') or ''} {row.get('abstract') or ''}".lower()
        for t in TOPICS:
            says = t in tags
            p = probs[row["id"]][t]
            near = says and tags[t] < tax.threshold + NEAR_MARGIN
            flagged = near or so.disagrees(p, says)
            if flagged:
                queue[t] += 1
                queued_bills.add(row["id"])
            calls = {
                "rules": says,
                "classifier": p >= 0.5,
                "after_review": (t in gold) if flagged else says,
                "keyword": any(w in hay for w in BASELINE_KEYWORDS[t]),
            }
            for system, call in calls.items():
                c = counts[system][t]
                if call and t in gold:
                    c[0] += 1
                elif call:
                    c[1] += 1
                elif t in gold:
                    c[2] += 1
    return {
        "scores": {s: {t: _prf(*counts[s][t]) for t in TOPICS} for s in systems},
        "queue": queue,
        "queued_bills": len(queued_bills),
        "bills": len(rows),
    }


def dev_probabilities(rows: list[dict]) -> dict[str, dict[str, float]]:
    """Out-of-fold classifier probabilities for the dev rows."""
    return so.cross_validate([so.example_from_row(r) for r in rows], k=5).probabilities


def demo_probabilities(demo: list[dict], train_rows: list[dict]) -> dict:
    """Probabilities for demo bills from a model trained on dev minus their near-copies."""
    keys = {so.group_key(so.example_from_row({**r, "topics": []})) for r in demo}
    fit = [so.example_from_row(r) for r in train_rows]
    fit = [e for e in fit if so.group_key(e) not in keys]
    model = so.train(fit)
    texts = [so.bill_text(r.get("title"), r.get("abstract")) for r in demo]
    p = model.probabilities(texts)
    return {r["id"]: {t: p[t][n] for t in TOPICS} for n, r in enumerate(demo)}, len(fit)


def table(name: str, result: dict, note: str) -> str:
    """Markdown: one row per topic, the four systems side by side, then the queue."""
    s = result["scores"]
    lines = [
        f"Data: {name} ({result['bills']} bills, title + abstract). {note}",
        "",
        "| topic | rules P | rules R | rules F1 | classifier P | classifier R "
        "| after review P | after review R | after review F1 | keyword P | keyword R "
        "| queue per 1,000 bills |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for t in TOPICS:
        r, c, a, k = (s[x][t] for x in ("rules", "classifier", "after_review", "keyword"))
        per = 1000 * result["queue"][t] / result["bills"]
        lines.append(
            f"| {t} | {r['p']:.2f} | {r['r']:.2f} | {r['f1']:.2f} | {c['p']:.2f} | {c['r']:.2f} "
            f"| {a['p']:.2f} | {a['r']:.2f} | {a['f1']:.2f} | {k['p']:.2f} | {k['r']:.2f} "
            f"| {per:.0f} |"
        )
    share = 100 * result["queued_bills"] / result["bills"]
    lines += [
        "",
        f"Bills on the review queue: {result['queued_bills']} of {result['bills']} "
        f"({share:.1f}%; target < 5%). A queue entry is a rule tag within {NEAR_MARGIN} of "
        f"the threshold, or the classifier at >= {so.SURE_YES} where the rules said no, "
        f"or < {so.SURE_NO} where they said yes.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print (and with --write store) both tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="update bench/RESULTS.md + docs")
    args = ap.parse_args(argv)
    data = ROOT / "tracker" / "taxonomy"
    dev = load_rows(data / "labeled_dev.jsonl") + load_rows(data / "labeled_hard_negatives.jsonl")
    t0 = time.process_time()
    dev_result = evaluate(dev, dev_probabilities(dev))
    cv_cpu = time.process_time() - t0
    demo = demo_rows(ROOT / "tests" / "fixtures" / "tagging" / "demo")
    probs, n_fit = demo_probabilities(demo, dev)
    demo_result = evaluate(demo, probs)
    model = so.train([so.example_from_row(r) for r in dev])
    size = len(model.to_blob())
    md_dev = table(
        "`labeled_dev.jsonl` + `labeled_hard_negatives.jsonl`",
        dev_result,
        f"Classifier scores out of fold (grouped 5-fold CV, {cv_cpu:.1f} s CPU for all folds).",
    )
    md_demo = table(
        "`demo/bills.jsonl` (curator labels)",
        demo_result,
        f"Classifier trained on {n_fit} dev bills (the demo bills' near-copies left out).",
    )
    tail = (
        f"\n\nModel trained on all {len(dev)} shipped bills: {size:,} bytes stored "
        f"(zlib JSON), version `{model.version}`. "
        "Command: `.venv/bin/python bench/tagging_review.py --write`."
    )
    print(md_dev + "\n\n" + md_demo + tail)
    print(
        json.dumps(
            {
                "dev_queue_share": dev_result["queued_bills"] / dev_result["bills"],
                "demo_queue_share": demo_result["queued_bills"] / demo_result["bills"],
            }
        )
    )
    if args.write:
        write_results("Rules, second opinion and review queue, dev set", md_dev)
        write_results("Rules, second opinion and review queue, demo corpus", md_demo + tail)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
