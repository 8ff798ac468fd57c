"""Normalized-field accuracy: every real payload in tests/fixtures and demo/ through the
real import, compared field by field with a hand check.

Bills: identifier, title, session, stage, introduced and last-action dates, primary
sponsors, cosponsor count, action count, subjects. People: name, party, chamber,
district, offices. The hand check is tests/fixtures/hand_check/{bills,people}.json:
each value read off the raw payload (or its page) by a person, not copied from output.

    .venv/bin/python bench/fields.py              # prints the share, lists mismatches
    .venv/bin/python bench/fields.py --dump F     # writes the current output (to review)

Not counted: files marked `constructed`/`built_from_docs` (not recorded payloads).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import selectinload  # noqa: E402

from scrapers.sync import import_paths  # noqa: E402
from tracker import db as dbmod  # noqa: E402
from tracker.config import Settings  # noqa: E402
from tracker.models import Bill, Legislator  # noqa: E402

FIX = ROOT / "tests" / "fixtures"
DEMO = ROOT / "demo"
# (source, paths, session) in dependency order: people before the bills they sponsor.
IMPORTS = [
    ("congress-legislators", [DEMO / "congress_legislators"], None),
    ("openstates-people", [DEMO / "openstates_people"], None),
    ("bills-jsonl", [DEMO / "bills.jsonl"], None),
    ("govinfo", [FIX / "govinfo"], None),
    ("congress-gov", [FIX / "congress_gov"], None),
    ("legiscan", [FIX / "legiscan" / "bill"], None),
    ("or-legislature", [FIX / "or_legislature"], "2010S1"),
    ("mo-senate", [FIX / "mo_senate", FIX / "mo_house"], None),
]
BILL_FIELDS = (
    "identifier",
    "title",
    "session",
    "stage",
    "introduced",
    "last_action",
    "sponsors",
    "cosponsors",
    "actions",
    "subjects",
)
PERSON_FIELDS = ("name", "party", "chamber", "district", "offices")


def bill_fields(bill: Bill) -> dict:
    """The normalized fields of one stored bill, as the hand check writes them."""
    return {
        "identifier": bill.identifier,
        "title": bill.title,
        "session": bill.session.identifier,
        "stage": [bill.status, bill.status_date.isoformat() if bill.status_date else None],
        "introduced": bill.introduced_date.isoformat() if bill.introduced_date else None,
        "last_action": bill.last_action_date.isoformat() if bill.last_action_date else None,
        "sponsors": [s.name for s in bill.sponsorships if s.role == "primary"],
        "cosponsors": sum(1 for s in bill.sponsorships if s.role != "primary"),
        "actions": len(bill.actions),
        "subjects": sorted(s.subject for s in bill.subjects),
    }


def person_fields(person: Legislator) -> dict:
    """The normalized fields of one stored legislator."""
    return {
        "name": person.name,
        "party": person.party,
        "chamber": person.chamber,
        "district": person.district,
        "offices": sorted(
            f"{o.get('classification')}: {o.get('address') or ''} | {o.get('phone') or ''}"
            for o in person.offices or []
        ),
    }


def load(url: str) -> tuple[dict, dict]:
    """Import every real payload into `url`; return {bill id: fields}, {key: fields}."""
    dbmod.upgrade(url)
    settings = Settings(database_url=url, secret_key="bench-fields-not-a-secret-key-000")
    for source, paths, session in IMPORTS:
        import_paths(settings, source, paths, session_name=session)
    engine = dbmod.make_engine(url)
    with dbmod.make_session_factory(engine)() as s:
        bills = {
            b.id: bill_fields(b)
            for b in s.scalars(
                select(Bill).options(
                    selectinload(Bill.actions),
                    selectinload(Bill.sponsorships),
                    selectinload(Bill.subjects),
                    selectinload(Bill.session),
                )
            )
        }
        people = {
            f"{p.jurisdiction_id}:{p.name}": person_fields(p) for p in s.scalars(select(Legislator))
        }
    engine.dispose()
    return bills, people


def compare(expected: dict, actual: dict, fields: tuple[str, ...]) -> tuple[int, int, list]:
    """(matching fields, checked fields, mismatches) over the hand-checked records."""
    good = total = 0
    wrong = []
    for key, want in expected.items():
        got = actual.get(key)
        for name in fields:
            if name not in want:
                continue
            total += 1
            if got is not None and got.get(name) == want[name]:
                good += 1
            else:
                wrong.append((key, name, want[name], None if got is None else got.get(name)))
    return good, total, wrong


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dump", help="write the current normalized output to this JSON file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bills, people = load(f"sqlite:///{tmp}/fields.db")
    if args.dump:
        Path(args.dump).write_text(json.dumps({"bills": bills, "people": people}, indent=1))
        return 0
    hand = FIX / "hand_check"
    want_bills = json.loads((hand / "bills.json").read_text())["bills"]
    want_people = json.loads((hand / "people.json").read_text())["people"]
    b_good, b_total, b_wrong = compare(want_bills, bills, BILL_FIELDS)
    p_good, p_total, p_wrong = compare(want_people, people, PERSON_FIELDS)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(
        f"{stamp} on {platform.node()} ({platform.machine()}, Python {platform.python_version()})"
    )
    print(
        f"bills:  {len(want_bills)} hand-checked, {b_good}/{b_total} fields match"
        f" ({100 * b_good / max(b_total, 1):.1f}%)"
    )
    print(
        f"people: {len(want_people)} hand-checked, {p_good}/{p_total} fields match"
        f" ({100 * p_good / max(p_total, 1):.1f}%)"
    )
    for key, name, want, got in b_wrong + p_wrong:
        print(f"  MISMATCH {key} {name}: want {want!r}, got {got!r}")
    return 0 if not (b_wrong or p_wrong) else 1


if __name__ == "__main__":
    raise SystemExit(main())
