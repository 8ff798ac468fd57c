"""Parity-enforcement elements in a bill's text, and a strength grade from a rubric.

`elements(text)` finds, with a verbatim quote and section label each, the enforcement
tools a parity bill gives: NQTL comparative analyses (and to whom they go), regulator
reporting/publication, market-conduct exams, penalties (with their size when stated),
medical-necessity criteria standards (ASAM, generally accepted standards), network
adequacy / timely access for behavioral health, prior-authorization limits for MH/SUD,
and who enforces (`enforcers`: insurance commissioner, attorney general, private right
of action, each with the words that triggered it; a sentence denying the right, "not
intended to create a private right of action", names none; a regulator consulted, on a
committee or making recommendations is not an enforcer). Elements the text does not
state are absent ("not found"). What counts follows the reading rules of the labeled set
(tests/fixtures/parity_enforcement/README.md); bench/parity_enforcement.py scores it.

`grade(found, rubric)` adds the rubric's weights (tracker/taxonomy/parity_enforcement.yaml,
versioned; a deployment overrides it with VAR_DIR/parity_rubric.yaml) and returns the
grade with one reason per element counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tracker.provisions import clean
from tracker.sections import SectionIndex

RUBRIC = Path(__file__).parent / "taxonomy" / "parity_enforcement.yaml"

# Words that tie a published report or a network rule to health coverage (a school
# department posting district data is not regulator reporting on plans).
_COVERAGE = (
    r"(?:health (?:benefit )?plans?|health carriers?|carriers?|insurers?|issuers?|"
    r"managed care|parity|coverage)"
)
# A sum as the text writes it: "$5,000" or "five hundred dollars".
_AMOUNT = (
    r"\$[\d,]+(?:\.\d\d)?|\b(?:(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|"
    r"twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|"
    r"forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million|and)[ -])+dollars\b"
)
_PATTERNS: dict[str, re.Pattern[str]] = {
    "nqtl_analysis": re.compile(
        r"comparative analys[ie]s|nonquantitative treatment limitation", re.IGNORECASE
    ),
    "regulator_reporting": re.compile(
        rf"(?:commissioner|department|authority)\s+(?:shall|must)\s+(?:publish|post|make "
        rf"publicly available)[^.]{{0,160}}?\b{_COVERAGE}"
        r"|report[^.]{0,80}\b(?:parity|compliance with[^.]{0,60}?\b(?:parity|mental health|"
        r"substance use|coverage))",
        re.IGNORECASE,
    ),
    "market_conduct": re.compile(r"market[- ]conduct (?:exam|examination|stud)", re.IGNORECASE),
    "penalties": re.compile(
        rf"civil (?:monetary )?penalt(?:y|ies)[^.]{{0,120}}|(?:fine|penalty) of (?:up to |not more "
        rf"than |not to exceed )?(?:{_AMOUNT})",
        re.IGNORECASE,
    ),
    "medical_necessity": re.compile(
        r"medical necessity[^.]{0,40}?must be based on[^.]{0,80}?criteria"
        r"|(?:medical necessity|level of care)[^.]{0,200}?(?:criteria|standard)[^.]{0,200}?"
        r"(?:ASAM|American society of addiction medicine|generally accepted|nonprofit)"
        r"|ASAM Criteria",
        re.IGNORECASE,
    ),
    # A standard plans must meet: "network adequacy" stated as a rule, "timely access"
    # standards, appointment deadlines, "an adequate network of" services. A mention in a
    # list of topics to explore or recommend is dropped in `_network_adequacy`.
    "network_adequacy": re.compile(
        rf"network adequacy|timely access standards?|standards? for timely access"
        rf"|appointment within \w+ (?:business )?days"
        rf"|{_COVERAGE}[^.]{{0,80}}?\b(?:must|shall)\b[^.]{{0,80}}?\b(?:same-day|next-day)"
        rf"[^.]{{0,40}}?appointments"
        rf"|availability of an adequate network of",
        re.IGNORECASE,
    ),
    "prior_auth_limits": re.compile(
        r"may not require (?:an enrollee|a covered person|prior)[^.]{0,40}?prior authorization"
        r"|prior authorization[^.]{0,60}?(?:may not|shall not) be required",
        re.IGNORECASE,
    ),
}
# Who enforces: each kind with the words that name it acting. The quote is the sentence,
# `words` the matched span (shown marked on the page). The insurance regulator counts only
# as the one acting (`shall`/`may`/`must` + a power: enforce, investigate, examine, impose,
# order, rules to implement, a binding determination), never where it is consulted ("in
# collaboration with the insurance commissioner, shall convene": the other agency acts),
# sits on a committee or makes recommendations.
_INSURANCE_REGULATOR = (
    r"(?:(?:office of the )?insurance commissioner|commissioner of insurance|"
    r"(?:director of the )?department of (?:commerce and )?insurance)"
)
_POWERS = (
    r"(?:enforce|investigate|examine|audit|impose|order|disapprove|suspend|revoke"
    r"|(?:jointly )?determine"
    r"|(?:adopt|promulgate|make|issue)\s+(?:any\s+)?rules(?:[^.]{0,40}?\b(?:implement|"
    r"administer|carry out|enforce|related to))?)\w*"
)
_ENFORCERS: dict[str, re.Pattern[str]] = {
    "insurance commissioner": re.compile(
        rf"(?P<reg>{_INSURANCE_REGULATOR}|\bthe commissioner)(?:,[^,.;]{{0,40}},)?\s+"
        rf"(?:shall|may|must)\s+(?:also\s+|jointly\s+)?{_POWERS}",
        re.IGNORECASE,
    ),
    "attorney general": re.compile(
        r"attorney general[^.]{0,80}?\b(?:enforce|investigat|bring|institute|commence|sue)\w*"
        r"|(?:enforced|action brought|civil action)[^.]{0,40}?by the attorney general",
        re.IGNORECASE,
    ),
    "private right of action": re.compile(
        r"private (?:right|cause) of action|(?:enrollee|covered person|insured|person)"
        r"[^.]{0,60}?may (?:bring|file|maintain) (?:a |an )?(?:civil )?action",
        re.IGNORECASE,
    ),
}
# The regulator named right after these is consulted, not acting.
_CONSULTED = re.compile(
    r"\b(?:in (?:collaboration|consultation|cooperation|coordination) with|consult(?:ing|s)? "
    r"with|with the (?:advice|assistance) of|coordinat(?:e|ing) with)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
# "The commissioner" alone is the insurance commissioner only where that office is named
# in the same paragraph before it (compacts and treatment courts have commissioners too).
_NAMED_BEFORE = 600
# A sentence that denies the right ("is not intended to create a private right of
# action") names no enforcer.
_DENIAL = re.compile(
    r"\b(?:not|no|nothing)\b[^.]{0,60}?\b(?:create|creates|establish|establishes|"
    r"confer|confers|intended)\b[^.]{0,40}$|\bno\s+$",
    re.IGNORECASE,
)
_DOLLARS = re.compile(_AMOUNT, re.IGNORECASE)
_TO_WHOM = re.compile(
    r"(?:submit|provide|file)[^.]{0,80}?to the (?P<who>[a-z ]{3,60}?(?:commissioner|department"
    r"|authority))",
    re.IGNORECASE,
)
_STRONG = re.compile(
    r"enforce|investigat|examin|audit|impos|order|disapprov|suspend|revok|determin"
    r"|implement|administer|carry out",
    re.IGNORECASE,
)
_RECOMMEND = re.compile(r"recommend|explor|consider", re.IGNORECASE)
_RULES = re.compile(r"(?:adopt|promulgate)\s+(?:any\s+)?rules", re.IGNORECASE)


@dataclass(frozen=True)
class Rubric:
    version: str
    elements: dict[str, dict[str, Any]]
    grades: list[dict[str, Any]]


def load_rubric(var_dir: Path | None = None) -> Rubric:
    """The deployment's rubric (VAR_DIR/parity_rubric.yaml) if present, else the default."""
    path = var_dir / "parity_rubric.yaml" if var_dir is not None else None
    raw = yaml.safe_load((path if path and path.is_file() else RUBRIC).read_text())
    return Rubric(str(raw["version"]), dict(raw["elements"]), list(raw["grades"]))


def _quote(text: str, start: int, end: int, limit: int = 360) -> str:
    left = max(text.rfind("\n", 0, start) + 1, text.rfind(". ", 0, start) + 2, 0)
    right = text.find(". ", end)
    nl = text.find("\n", end)
    right = min(x for x in (right + 1 if right >= 0 else len(text), nl if nl >= 0 else len(text)))
    q = " ".join(text[left:right].split())
    return q if len(q) <= limit else q[: limit - 1] + "…"


def elements(text: str) -> dict[str, dict[str, Any]]:
    """element -> {quote, section, ...} for each enforcement element the text states."""
    text = clean(text)
    index = SectionIndex(text)
    out: dict[str, dict[str, Any]] = {}
    for name, rx in _PATTERNS.items():
        m = next((m for m in rx.finditer(text) if _states(name, text, m)), None)
        if m is None:
            continue
        found: dict[str, Any] = {
            "quote": _quote(text, m.start(), m.end()),
            "section": index.label_at(m.start()),
        }
        if name == "penalties":
            amount = _DOLLARS.search(m.group(0)) or _DOLLARS.search(found["quote"])
            found["amount"] = " ".join(amount.group(0).split()) if amount else None
        if name == "nqtl_analysis":
            who = _TO_WHOM.search(text, max(0, m.start() - 400), m.end() + 400)
            found["to_whom"] = " ".join(who.group("who").split()) if who else None
        out[name] = found
    who = enforcers(text, index)
    named = [w for w in who if not w["denied"]]
    if named:
        first = named[0]
        out["enforcer"] = {
            "quote": first["quote"],
            "section": first["section"],
            "words": first["words"],
            "who": named,
            "denied": [w for w in who if w["denied"]],
        }
    return out


def _paragraph(text: str, m: re.Match[str]) -> str:
    return text[text.rfind("\n", 0, m.start()) + 1 : max(text.find("\n", m.end()), m.end())]


def _sentence_before(text: str, m: re.Match[str]) -> str:
    start = max(text.rfind(". ", 0, m.start()) + 2, text.rfind("\n", 0, m.start()) + 1, 0)
    return text[start : m.start()]


def _states(name: str, text: str, m: re.Match[str]) -> bool:
    """False for a match that only names a topic: network adequacy in a list of things to
    explore or recommend, unless the same paragraph lets the regulator adopt rules on it."""
    if name != "network_adequacy":
        return True
    para = _paragraph(text, m)
    sentence = _sentence_before(text, m) + m.group(0)
    return not _RECOMMEND.search(sentence) or bool(_RULES.search(para))


def _acting(text: str, m: re.Match[str]) -> bool:
    """The insurance regulator in `m` is the one acting: not consulted, and a bare "the
    commissioner" follows the insurance commissioner named in the same paragraph."""
    reg = m.groupdict().get("reg")
    if reg is None:
        return True
    if _CONSULTED.search(text[max(0, m.start() - 60) : m.start()]):
        return False
    if reg.lower() == "the commissioner":
        before = text[max(0, m.start() - _NAMED_BEFORE) : m.start()]
        return bool(re.search(_INSURANCE_REGULATOR, before, re.IGNORECASE))
    return True


def _denied(text: str, m: re.Match[str]) -> bool:
    """True when the sentence before the match says the bill does not create it."""
    start = max(text.rfind(". ", 0, m.start()) + 2, text.rfind("\n", 0, m.start()) + 1, 0)
    return bool(_DENIAL.search(text[start : m.start()]))


def enforcers(text: str, index: SectionIndex | None = None) -> list[dict[str, Any]]:
    """Each enforcer the text names, first mention: {who, words, quote, section, denied}.

    `words` are the words that triggered it, verbatim (whitespace folded); `denied` is True
    when the sentence says the bill does not create it (then it does not count).
    """
    index = index or SectionIndex(text)
    out = []
    for who, rx in _ENFORCERS.items():
        hits = [m for m in rx.finditer(text) if _acting(text, m)]
        if not hits:
            continue
        live = [m for m in hits if not _denied(text, m)]
        # The strongest wording is quoted: a power to enforce or rules "to implement" before
        # rules on a topic ("rules regarding the following: standards for certification").
        m = sorted(live or hits, key=lambda m: not _STRONG.search(m.group(0)))[0]
        out.append(
            {
                "who": who,
                "words": " ".join(m.group(0).split()),
                "quote": _quote(text, m.start(), m.end()),
                "section": index.label_at(m.start()),
                "denied": not live,
            }
        )
    return out


def grade(found: dict[str, dict[str, Any]], rubric: Rubric) -> dict[str, Any]:
    """{grade, score, reasons, rubric_version}: one reason per element counted."""
    score, reasons = 0, []
    for name, spec in rubric.elements.items():
        if name in found:
            w = int(spec.get("weight", 0))
            score += w
            where = found[name].get("section") or "no section label"
            reasons.append(f"{spec['label']} (+{w}, {where}): {spec.get('why', '')}".rstrip(": "))
    letter = "none"
    for g in sorted(rubric.grades, key=lambda g: -int(g["min"])):
        if score >= int(g["min"]):
            letter = str(g["grade"])
            break
    return {"grade": letter, "score": score, "reasons": reasons, "rubric_version": rubric.version}
