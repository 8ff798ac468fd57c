"""Action classification (Open States vocabulary) and status-stage derivation.

Every source words its bill history differently (Congress.gov "Passed/agreed to in
House", California "Read third time. Passed.", Washington "Third reading, passed;
yeas, 90", milestone lists such as "Crossed Over"). `classify_action` maps one
description to the Open States action classifications in
`tracker.records.ACTION_CLASSIFICATIONS`; `derive_status` walks a bill's actions in
date order and returns the furthest stage from `tracker.records.STAGES` with the
date it was reached.

Rules for the stage:
- progress stages rank introduced < in_committee < passed_origin < passed_second <
  to_executive < enacted; a bill never moves back down this ladder;
- passage in a second chamber (or a second passage when chambers are unknown) is
  `passed_second`; `enrolled` means both chambers passed;
- `vetoed`, `failed` and `withdrawn` are terminal unless a later action moves the
  bill past the stage it had before (veto override, signature after a veto, revival).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from functools import lru_cache

from tracker.records import ACTION_CLASSIFICATIONS, STAGES, ActionRecord

_I = re.IGNORECASE

# (classification, pattern, exclusion) in the order they are tried; an action can
# carry several classifications ("Read third time. Passed." is reading-3 + passage).
_RULES: tuple[tuple[str, re.Pattern[str], re.Pattern[str] | None], ...] = (
    (
        "became-law",
        re.compile(
            r"became (public )?law|public law( no)?[:.]?\s*\d|public act\b|chapter(ed)?\b"
            r"|\bch\.\s*\d|becomes act no|acts of assembly chapter|session law"
            r"|signed/enacted|\bbecame act\b|without (the )?governor'?s signature"
            r"|^effective\b(?!\s+date:)|\bact no\.?\s*\d",
            _I,
        ),
        re.compile(r"companion|effective date:", _I),
    ),
    (
        "executive-signature",
        re.compile(
            r"(signed|sgnd|approved) by (the )?"
            r"(gov|governor|president(?! of the senate| pro tem))\b"
            r"|governor\b[^.;]*\bsign|\bgov\.?\s*\w*\s*signed|signed into law"
            r"|president \w+ signed|signed by president(?! pro tem)|signed/enacted",
            _I,
        ),
        None,
    ),
    (
        "executive-veto-line-item",
        re.compile(r"line[- ]item veto", _I),
        None,
    ),
    (
        "executive-veto",
        re.compile(r"\bvetoed\b|pocket veto", _I),
        re.compile(r"override|overrid|notwithstanding|^veto message\b|\bthe veto message\b", _I),
    ),
    (
        "veto-override-passage",
        re.compile(
            r"(passed|agreed to)[^.;]*over (the )?(president'?s |governor'?s )?veto"
            r"|veto overrid(den|e)[^.;]*\b(passed|succeeded|agreed)|notwithstanding the veto",
            _I,
        ),
        re.compile(r"fail", _I),
    ),
    (
        "veto-override-failure",
        re.compile(r"fail[^.;]*over (the )?\w*'?s? ?veto|veto overrid\w*[^.;]*\bfail", _I),
        None,
    ),
    (
        "executive-receipt",
        re.compile(
            r"(sent|delivered|presented|transmitted|submitted) to (the )?(governor|president)\b"
            r"|to governor\b|enrolled and presented|\bto the governor\b",
            _I,
        ),
        re.compile(r"veto", _I),
    ),
    ("enrolled", re.compile(r"\benrolled\b|engrossing and enrolling|\benrolling\b", _I), None),
    (
        "withdrawal",
        re.compile(r"\bwithdrawn\b|\bwithdrew\b|withdrawal of (the )?bill", _I),
        re.compile(r"cosponsor|sponsorship|amendment|from (the )?committee", _I),
    ),
    (
        "committee-failure",
        re.compile(
            r"died in [^.;]*committee|report(ed)? dnp|held in committee|failed in committee"
            r"|do not pass|tabled in committee|committee[^.;]*\bfailed\b",
            _I,
        ),
        None,
    ),
    (
        "failure",
        re.compile(
            r"failed (of )?passage|\bfailed\b(?! to concur)|\bdied\b|\bdead\b"
            r"|indefinitely postponed"
            r"|laid on (the )?table|\bdefeated\b|\bpostponed indefinitely\b",
            _I,
        ),
        re.compile(
            r"motion to reconsider|under rule|died in [^.;]*committee|amendment|\bam\.? no\b"
            r"|override|overrid|committee[^.;]*\bfailed\b|report(ed)? dnp",
            _I,
        ),
    ),
    (
        "filing",
        re.compile(r"\bprefiled\b|\bfiled\b|pending introduction|bill filed", _I),
        re.compile(r"secretary of state|cs filed|amendment|report filed|chapter", _I),
    ),
    (
        "introduction",
        re.compile(
            r"\bintroduced\b|introduced-in|\bdate introduced\b|presented and ordered printed"
            r"|prefiled and ordered printed|the process officially started",
            _I,
        ),
        re.compile(r"as introduced:|amendment", _I),
    ),
    (
        "reading-1",
        re.compile(r"read (the )?first time|first reading|1st reading|read once", _I),
        None,
    ),
    (
        "reading-2",
        re.compile(r"read (the )?second time|second reading|2nd reading|read twice", _I),
        re.compile(r"placed on|passed to|calendar", _I),
    ),
    (
        "reading-3",
        re.compile(r"read (the )?third time|third reading|3rd reading", _I),
        re.compile(r"placed on|passed to|floor amendments", _I),
    ),
    (
        "referral-committee",
        re.compile(
            r"\breferred (concurrently |jointly |sequentially )?to\b|\bre-?referred\b|\brefer\b"
            r"|\bassigned to\b|to com\. on"
            r"|\bnow in\b|committed to the committee|\bre-refer\b|referred to (the )?\w+"
            r"|\bassigned\b[^.;]*\bsub(committee)?\b|^in committee\b",
            _I,
        ),
        re.compile(r"committee of the whole|to print\.?$|discharged", _I),
    ),
    (
        "committee-passage-favorable",
        re.compile(
            r"\bdo pass\b|favorabl[ey]|report(ed)? pass|\[dp|recommends? (reporting|passage)"
            r"|reported (favorably|out|from|by|with)|ordered to be reported"
            r"|\badvanced\b(?! to (second|third|2nd|3rd))"
            r"|(?-i:^[A-Z]{2,}\s+)passed\b|reported with (amendment|substitute)",
            _I,
        ),
        re.compile(r"do not pass|unfavorabl|dnp", _I),
    ),
    (
        "committee-passage-unfavorable",
        re.compile(r"unfavorabl|do not pass|report(ed)? dnp", _I),
        None,
    ),
    (
        "passage",
        re.compile(
            r"\bpassed\b|\bpassage\b[^.;]*\bagreed\b|finally passed|crossed over"
            r"|(senate|house|assembly)\s+(approved|passed)|third reading[^.;]*\b\d+ aye\b"
            r"|\bbill has passed\b|pass the bill[^;]*\bagreed to\b|resolution agreed to",
            _I,
        ),
        re.compile(
            r"passed to\b|report pass|(?-i:^[A-Z]{2,}\s+)passed\b|over (the )?\w*'?s? ?veto"
            r"|passed over|notwithstanding|\bfailed\b|amendment[^.;]*passed|companion bill"
            r"|passed (the )?(first|second|1st|2nd) reading",
            _I,
        ),
    ),
    (
        "concurrence",
        re.compile(r"\bconcur(s|red|rence)?\b|agreed? to the (senate|house) amendment", _I),
        re.compile(r"pending|fail|refuse", _I),
    ),
    ("substitution", re.compile(r"\bsubstituted\b", _I), None),
    (
        "amendment-passage",
        re.compile(
            r"amendments? (adopted|agreed|incorporated)|amended\b|committee substitute agreed", _I
        ),
        re.compile(r"as amended|amend, and re-refer", _I),
    ),
    (
        "amendment-failure",
        re.compile(
            r"(amendments?|\bam\.? no\.?\s*\d+)\b[^;]*\b(failed|rejected|not adopted|not agreed to"
            r"|tabled|lost)\b"
            r"|\b(failed|rejected|not adopted)\b[^.;]*\bamendment",
            _I,
        ),
        None,
    ),
    (
        "receipt",
        re.compile(r"\breceived (in|from) the (senate|house|assembly)|^in (senate|assembly)\.", _I),
        None,
    ),
    ("deferral", re.compile(r"\bdeferred\b|carried over|\bcontinued to\b", _I), None),
)

# A vote on a motion, a rule (H. Res.), cloture or recommittal is not a vote on the bill:
# "On motion to recommit Failed" leaves the bill alive, "Rule H. Res. 152 passed House"
# passes the rule. The Library of Congress's own summaries ("Passed/agreed to in House:")
# and a motion to suspend the rules *and pass the bill* are the bill's question.
_BILL_QUESTION = re.compile(
    r"^(passed/agreed to in|failed of passage/not agreed to in)\b"
    r"|suspend the rules and (pass|agree)|\bon (final )?passage\b",
    _I,
)
_PROCEDURAL = re.compile(
    r"\bmotions? (to|that|by|for)\b|\bmoved (to|that)\b|\bcloture\b|\brecommit"
    r"|\bprevious question\b|point of order|\brule h\.\s?res\b|rules committee resolution"
    r"|\brule provides\b|\bprovisions of (the )?rule\b|\bthe chair put the question"
    r"|postponed proceedings|unfinished business|^debate\b|\bnotice of reconsideration\b"
    r"|\bto reconsider\b|\breconsideration (granted|denied|taken|failed)\b|\brecon taken\b",
    _I,
)
# What a procedural vote never says about the bill itself.
_BILL_LABELS = frozenset(
    {
        "passage",
        "failure",
        "concurrence",
        "referral-committee",
        "withdrawal",
        "committee-failure",
        "executive-veto",
        "deferral",
        "substitution",
        "enrolled",
    }
)
# "Died on the calendar upon sine die adjournment", "Adjourned sine die": the session
# is over, so a bill still pending is dead (the governor may still sign enrolled bills).
_SINE_DIE = re.compile(r"\bsine die\b", _I)
_ORIGIN_PREFIX = (("upper", re.compile(r"^S")), ("lower", re.compile(r"^(H|A)")))

_CHAMBER_WORDS = (
    ("executive", re.compile(r"\b(governor|president(?! of the senate)|gov\.)\b", _I)),
    ("upper", re.compile(r"\bsenate\b", _I)),
    ("lower", re.compile(r"\b(house|assembly)\b", _I)),
)

_PROGRESS_RANK = {
    "introduced": 0,
    "in_committee": 1,
    "passed_origin": 2,
    "passed_second": 3,
    "to_executive": 4,
    "enacted": 5,
}
_TERMINAL = ("vetoed", "failed", "withdrawn")
assert set(_PROGRESS_RANK) | set(_TERMINAL) == set(STAGES)
assert all(rule[0] in ACTION_CLASSIFICATIONS for rule in _RULES)


def classify_action(description: str, chamber: str | None = None) -> list[str]:
    """Open States classifications for one action description (may be empty)."""
    return list(_classify((description or "").strip(), chamber))


# Legislatures reuse a small vocabulary ("Read first time.", "Referred to ..."), so
# most descriptions repeat across bills; caching skips ~25 regex scans per repeat.
@lru_cache(maxsize=65536)
def _classify(text: str, chamber: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    found: list[str] = []
    for name, pattern, exclude in _RULES:
        if name in found:
            continue
        if pattern.search(text) and not (exclude and exclude.search(text)):
            found.append(name)
    if _PROCEDURAL.search(text) and not _BILL_QUESTION.search(text):
        found = [name for name in found if name not in _BILL_LABELS]
    # An executive-branch "Approved May 13, 2021" is the signature; elsewhere "approved"
    # is usually a committee or an amendment.
    if chamber == "executive" and "executive-signature" not in found:
        if re.search(r"^\s*approved\b|\bsigned\b", text, _I) and "executive-veto" not in found:
            found.append("executive-signature")
    # "committee-passage" is the umbrella Open States also uses for favourable reports.
    if "committee-passage-favorable" in found and "committee-passage" not in found:
        found.insert(found.index("committee-passage-favorable"), "committee-passage")
    # A "Read third time. Passed." floor vote is passage, not a committee report.
    if "passage" in found and "committee-passage-favorable" in found:
        if not re.search(r"\bcommittee\b|^[A-Z]{2,}\s", text):
            found.remove("committee-passage-favorable")
            found.remove("committee-passage")
    return tuple(found)


def chamber_from_text(description: str) -> str | None:
    """The chamber an action's wording names ("Passed Senate" -> "upper"), if any."""
    for chamber, pattern in _CHAMBER_WORDS:
        if pattern.search(description or ""):
            return chamber
    return None


def origin_chamber(identifier: str) -> str | None:
    """The chamber a bill starts in, from its identifier ("SB 5" -> "upper"), if it says."""
    text = (identifier or "").strip().upper()
    if text.startswith(("LB", "LR")):  # Nebraska's unicameral legislature
        return None
    for chamber, pattern in _ORIGIN_PREFIX:
        if pattern.match(text):
            return chamber
    return None


# "Passed. Ordered to the Senate." names where the bill goes next, not who passed it.
_DESTINATION = re.compile(
    r"\b(ordered|sent|transmitted|messaged|delivered|returned|referred) to (the )?\w+", _I
)


def _passage_chamber(action: ActionRecord) -> str | None:
    if action.chamber in ("upper", "lower"):
        text_chamber = chamber_from_text(_DESTINATION.sub("", action.description or ""))
        # "Passed Senate" recorded on a House page still means the Senate passed it.
        if text_chamber in ("upper", "lower"):
            return text_chamber
        return action.chamber
    text_chamber = chamber_from_text(_DESTINATION.sub("", action.description or ""))
    return text_chamber if text_chamber in ("upper", "lower") else None


def _ordered(actions: Iterable[ActionRecord]) -> list[ActionRecord]:
    # Stable sort: same-day actions keep the order the source printed them in.
    return sorted(actions, key=lambda a: a.date)


def derive_status(
    actions: list[ActionRecord],
    origin: str | None = None,
    session_end: date | None = None,
    today: date | None = None,
) -> tuple[str, date | None]:
    """The furthest stage (a STAGES value) the actions reach, and the date reached.

    `origin` is the chamber the bill started in (`origin_chamber`): a Senate bill's
    first recorded passage in the House is then `passed_second`. A bill still short
    of the executive when its session ended (`session_end` before `today`, or a
    "sine die" action) is `failed` on that date.
    """
    ordered = _ordered(actions)
    if not ordered:
        return "introduced", None
    best = "introduced"
    best_date: date | None = ordered[0].date
    terminal: str | None = None
    terminal_date: date | None = None
    passage_chambers: list[str | None] = []

    def advance(stage: str, when: date) -> None:
        nonlocal best, best_date, terminal, terminal_date
        if _PROGRESS_RANK[stage] > _PROGRESS_RANK[best]:
            best, best_date = stage, when
            terminal, terminal_date = None, None

    for action in ordered:
        labels = action.classification or classify_action(action.description, action.chamber)
        when = action.date
        if "referral-committee" in labels or "committee-passage" in labels:
            advance("in_committee", when)
        if "passage" in labels:
            chamber = _passage_chamber(action)
            known = [c for c in passage_chambers if c]
            if chamber and known and chamber not in known:
                advance("passed_second", when)
            elif chamber and origin and chamber != origin:
                advance("passed_second", when)
            elif not passage_chambers or (chamber and chamber in known and len(known) == 1):
                advance("passed_origin", when)
            elif chamber is None or not known:
                advance("passed_second" if passage_chambers else "passed_origin", when)
            passage_chambers.append(chamber)
        if "enrolled" in labels or "concurrence" in labels and best == "passed_second":
            advance("passed_second", when)
        if "executive-receipt" in labels:
            advance("to_executive", when)
        if (
            "executive-signature" in labels
            or "became-law" in labels
            or "veto-override-passage" in labels
        ):
            advance("enacted", when)
            continue
        if best == "enacted":
            continue
        if _SINE_DIE.search(action.description or "") and not terminal:
            if _PROGRESS_RANK[best] < _PROGRESS_RANK["to_executive"]:
                terminal, terminal_date = "failed", when
            continue
        if "executive-veto" in labels or "executive-veto-line-item" in labels:
            if "executive-veto" in labels:
                terminal, terminal_date = "vetoed", when
        elif "withdrawal" in labels:
            terminal, terminal_date = "withdrawn", when
        elif ("failure" in labels or "committee-failure" in labels) and terminal != "vetoed":
            terminal, terminal_date = "failed", when
    if terminal:
        return terminal, terminal_date
    ended = session_end is not None and session_end < (today or date.today())
    if ended and _PROGRESS_RANK[best] < _PROGRESS_RANK["to_executive"]:
        return "failed", session_end
    return best, best_date
