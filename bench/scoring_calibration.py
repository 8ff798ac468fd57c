"""Calibration of the passage-likelihood score on the demo bills with known outcomes.

    .venv/bin/python bench/scoring_calibration.py [--write]

The demo file (shared/fixtures/demo/bills.jsonl) is real bills with their histories;
its README labels each bill's outcome. To be honest the score is computed *as of the
day before the bill's last recorded action* (that action, which often decides the
outcome, is hidden), with the actions known by then. Outcome 1 = enacted; 0 = vetoed,
died, not advanced, stopped after committee. Bills still pending, mid-process or with
an unknown end are left out. The sample is small: read the numbers as a sanity check.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tracker.records import ActionRecord  # noqa: E402
from tracker.scoring import ActionFact, BillFacts, auc, brier, passage_likelihood  # noqa: E402
from tracker.status import classify_action, derive_status  # noqa: E402

DEMO = ROOT / "tests" / "fixtures" / "demo"  # copy of shared/fixtures/demo (bills, README)
OUTCOME = {"enacted": 1, "vetoed": 0, "died": 0, "not_advanced": 0, "passed_committee": 0}


def outcome_labels(readme: Path) -> dict[tuple[str, str, str], str]:
    """(jurisdiction, session, identifier) -> outcome label from the README table."""
    text = readme.read_text(encoding="utf-8").split("### Per bill", 1)[1]
    out = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0] not in ("jurisdiction", "---"):
            out[(cells[0], cells[1], cells[2])] = cells[4]
    return out


def facts_as_of(row: dict, as_of: date) -> BillFacts:
    """BillFacts from a demo record using only actions dated before `as_of`."""
    actions = [
        ActionRecord(
            date=date.fromisoformat(a["date"]),
            description=a["description"],
            chamber=a.get("chamber"),
            classification=classify_action(a["description"], a.get("chamber")),
        )
        for a in row.get("actions") or []
        if a.get("date") and date.fromisoformat(a["date"]) < as_of
    ]
    stage, _ = derive_status(actions) if actions else ("introduced", None)
    sponsors = row.get("sponsors") or []
    return BillFacts(
        jurisdiction=row["jurisdiction"],
        stage=stage,
        introduced_date=date.fromisoformat(row["introduced_date"])
        if row.get("introduced_date")
        else None,
        last_action_date=max((a.date for a in actions), default=None),
        actions=[
            ActionFact(a.date, tuple(a.classification), a.chamber, a.description) for a in actions
        ],
        sponsor_parties=[s.get("party") for s in sponsors if s.get("role") == "primary"],
        cosponsor_parties=[s.get("party") for s in sponsors if s.get("role") == "cosponsor"],
    )


def calibration_pairs(data_dir: Path = DEMO) -> list[tuple[str, float, int]]:
    """(bill, predicted probability, outcome) for demo bills with a known end."""
    labels = outcome_labels(data_dir / "README.md")
    pairs = []
    for line in (data_dir / "bills.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        label = labels.get((row["jurisdiction"], row["session"], row["identifier"]))
        dated = [date.fromisoformat(a["date"]) for a in row.get("actions") or [] if a.get("date")]
        if label not in OUTCOME or not dated:
            continue
        as_of = max(dated)
        facts = facts_as_of(row, as_of)
        score = passage_likelihood(facts, today=as_of - timedelta(days=1))
        pairs.append(
            (f"{row['jurisdiction']} {row['identifier']}", score.value / 100, OUTCOME[label])
        )
    return pairs


def table(pairs: list[tuple[str, float, int]]) -> str:
    """Markdown summary: n, Brier vs base rate, AUC."""
    probs = [(p, y) for _, p, y in pairs]
    rate = sum(y for _, y in probs) / len(probs)
    base = brier([(rate, y) for _, y in probs])
    a = auc(probs)
    return "\n".join(
        [
            f"Demo bills with a known outcome: {len(probs)} "
            f"({sum(y for _, y in probs)} enacted), scored as of the day before their last action.",
            "",
            "| metric | passage score | constant base rate |",
            "|---|---|---|",
            f"| Brier score (lower is better) | {brier(probs):.3f} | {base:.3f} |",
            f"| AUC | {a:.2f} | 0.50 |" if a is not None else "| AUC | n/a | 0.50 |",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    """Print (and optionally store) the calibration table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEMO)
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--list", action="store_true", help="print every bill's prediction")
    args = ap.parse_args(argv)
    pairs = calibration_pairs(args.data)
    md = table(pairs)
    print(md)
    if args.list:
        for name, p, y in sorted(pairs, key=lambda t: -t[1]):
            print(f"{p:5.2f} {y} {name}")
    if args.write:
        from bench.tagging_eval import write_results

        write_results("Passage-likelihood calibration", md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
