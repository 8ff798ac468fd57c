"""Action classification and status-stage derivation on real action wording."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tests.scrapers.conftest import FIXTURES
from tracker.records import ActionRecord
from tracker.status import classify_action, derive_status


@pytest.mark.parametrize(
    ("text", "chamber", "expected"),
    [
        ("Became Public Law No: 117-108.", "executive", ["became-law"]),
        ("Presented to President.", "executive", ["executive-receipt"]),
        ("Vetoed by Governor.", "executive", ["executive-veto"]),
        (
            "Referred to the House Committee on Oversight and Reform.",
            "lower",
            ["referral-committee"],
        ),
        (
            "Read third time. Passed. Ordered to the Senate. (Ayes 69. Noes 0.)",
            "lower",
            ["reading-3", "passage"],
        ),
        (
            "Third reading, passed; yeas, 90; nays, 4; absent, 0; excused, 4.",
            "lower",
            ["reading-3", "passage"],
        ),
        ("Motion to reconsider laid on the table Agreed to without objection.", "lower", []),
        (
            "Died in Health & Human Services Committee; companion bill(s) passed",
            "lower",
            ["committee-failure"],
        ),
        ("Approved May 13, 2021 11:49 AM", "executive", ["executive-signature"]),
        ("Introduced and passed First Reading.", "upper", ["introduction", "reading-1"]),
        ("Passed to Rules Committee for second reading.", "upper", []),
        (
            "From committee: Do pass. To Consent Calendar. (Ayes 7. Noes 0.)",
            "lower",
            ["committee-passage", "committee-passage-favorable"],
        ),
    ],
)
def test_classify_action_uses_open_states_vocabulary(text, chamber, expected):
    assert classify_action(text, chamber) == expected


def _demo() -> dict[tuple[str, str], list[ActionRecord]]:
    out = {}
    for line in (FIXTURES / "demo/bills.jsonl").read_text().splitlines():
        bill = json.loads(line)
        out[(bill["jurisdiction"], bill["identifier"])] = [
            ActionRecord(date.fromisoformat(a["date"]), a["description"], a["chamber"])
            for a in bill["actions"]
        ]
    return out


@pytest.mark.parametrize(
    ("key", "stage", "when"),
    [
        (("us", "HR 1667"), "enacted", date(2022, 3, 18)),
        (("ca", "AB 1331"), "vetoed", date(2021, 10, 7)),
        # Vetoed, then "Consideration of Governor's veto pending": still vetoed.
        (("ca", "SB 1302"), "vetoed", date(2022, 9, 27)),
        (("ca", "AB 308"), "passed_origin", date(2025, 5, 8)),
        (("fl", "HB 1143"), "failed", date(2022, 3, 14)),
        (("wa", "HB 2061"), "enacted", date(2022, 3, 11)),
        (("us", "HR 3753"), "in_committee", date(2021, 6, 8)),
        (("tx", "HB 266"), "introduced", date(2021, 7, 13)),
        # Milestone lists with no chamber: "Crossed Over" then "Passed".
        (("tx", "HB 9"), "enacted", date(2023, 6, 9)),
        (("id", "S 1125"), "introduced", None),  # a status but no dated action
    ],
)
def test_derive_status_on_real_histories(key, stage, when):
    assert derive_status(_demo()[key]) == (stage, when)


def test_second_chamber_passage_is_passed_second():
    actions = [
        ActionRecord(date(2022, 3, 30), "Passed House", "lower"),
        ActionRecord(date(2022, 4, 6), "Passed Senate", "upper"),
    ]
    assert derive_status(actions) == ("passed_second", date(2022, 4, 6))


def test_override_after_veto_is_enacted():
    actions = [
        ActionRecord(date(2015, 3, 4), "Vetoed by President.", "executive"),
        ActionRecord(
            date(2015, 3, 10), "Passed Senate over veto by Yea-Nay Vote. 70 - 28.", "upper"
        ),
    ]
    assert derive_status(actions) == ("enacted", date(2015, 3, 10))
