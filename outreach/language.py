"""Language check: flag stigmatizing wording and suggest person-first alternatives.

The word list is data (`outreach/data/language.yaml`); an organization adds its own
entries (stored as `LanguageTerm` rows, or any YAML file in the same shape). Findings
are advice shown beside the text: nothing is ever rewritten or blocked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from tracker.errors import InvalidInput

DEFAULT_LIST = Path(__file__).parent / "data" / "language.yaml"


@dataclass(frozen=True)
class Rule:
    """One stigmatizing phrase (with its other forms) and what to say instead."""

    phrase: str
    suggestions: tuple[str, ...]
    reason: str = ""
    forms: tuple[str, ...] = ()
    source: str = "default"  # "default" or "organization"


@dataclass(frozen=True)
class Finding:
    """A flagged span of text."""

    phrase: str  # the rule's phrase
    matched: str  # the text as written
    start: int
    end: int
    line: int
    suggestions: tuple[str, ...]
    reason: str


@dataclass
class RuleSet:
    """A compiled list of rules; `check(text)` finds every flagged span."""

    rules: list[Rule] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_form: dict[str, Rule] = {}
        for rule in self.rules:
            for form in (rule.phrase, *rule.forms):
                self._by_form.setdefault(_norm(form), rule)
        forms = sorted(self._by_form, key=len, reverse=True)  # longest phrase wins
        alternation = "|".join(_pattern(f) for f in forms) or r"(?!x)x"
        self._regex = re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE)

    def check(self, text: str) -> list[Finding]:
        """Every stigmatizing phrase in `text`, in order, with suggestions."""
        findings = []
        for match in self._regex.finditer(text or ""):
            rule = self._by_form.get(_norm(match.group(0)))
            if rule is None:
                continue
            findings.append(
                Finding(
                    phrase=rule.phrase,
                    matched=match.group(0),
                    start=match.start(),
                    end=match.end(),
                    line=text.count("\n", 0, match.start()) + 1,
                    suggestions=rule.suggestions,
                    reason=rule.reason,
                )
            )
        return findings

    def extended(self, extra: Iterable[Rule]) -> RuleSet:
        """A new set with `extra` rules first (an organization's entries win on overlap)."""
        return RuleSet([*extra, *self.rules])


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _pattern(form: str) -> str:
    # Any run of whitespace between words matches (line breaks in letters).
    return r"\s+".join(re.escape(word) for word in form.split())


def parse_rules(data: object, source: str) -> list[Rule]:
    """Rules from a parsed YAML document `{entries: [{phrase, suggestions, ...}]}`."""
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise InvalidInput(f"{source}: expected a mapping with an 'entries' list")
    rules = []
    for i, entry in enumerate(data["entries"], 1):
        if not isinstance(entry, dict) or not str(entry.get("phrase") or "").strip():
            raise InvalidInput(f"{source}: entry {i} needs a 'phrase'")
        suggestions = entry.get("suggestions") or []
        if isinstance(suggestions, str):
            suggestions = [suggestions]
        rules.append(
            Rule(
                phrase=str(entry["phrase"]).strip(),
                suggestions=tuple(str(s) for s in suggestions),
                reason=str(entry.get("reason") or ""),
                forms=tuple(str(f) for f in entry.get("forms") or []),
                source="default" if source == str(DEFAULT_LIST) else "organization",
            )
        )
    return rules


def load_rules(path: str | Path) -> list[Rule]:
    """Read a word-list YAML file."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{path}: not valid YAML: {exc}") from exc
    return parse_rules(data, str(path))


@lru_cache(maxsize=1)
def default_rules() -> RuleSet:
    """The packaged word list."""
    return RuleSet(load_rules(DEFAULT_LIST))


def rules_for_organization(session, organization_id: int) -> RuleSet:  # noqa: ANN001
    """The default list extended with the organization's own terms."""
    from sqlalchemy import select

    from outreach.models import LanguageTerm

    terms = session.scalars(
        select(LanguageTerm)
        .where(LanguageTerm.organization_id == organization_id)
        .order_by(LanguageTerm.id)
    ).all()
    extra = [
        Rule(
            phrase=t.phrase,
            suggestions=tuple(t.suggestions or []),
            reason=t.reason or "",
            forms=tuple(t.forms or []),
            source="organization",
        )
        for t in terms
    ]
    return default_rules().extended(extra)


def check_text(text: str, rules: RuleSet | None = None) -> list[Finding]:
    """Check `text` against `rules` (the default list when omitted)."""
    return (rules or default_rules()).check(text)
