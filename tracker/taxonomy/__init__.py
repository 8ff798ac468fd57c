"""Taxonomy files: load, validate and compile a topic taxonomy (YAML).

The shipped default is `default.yaml` next to this module; a deployment can point
`tracker classify --taxonomy FILE` (or `load_taxonomy(path)`) at its own copy. The
file format is described at the top of `default.yaml` and in docs/tagging.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from tracker.errors import InvalidInput

DEFAULT_TAXONOMY_PATH = Path(__file__).with_name("default.yaml")
FIELDS = ("title", "abstract", "subjects", "text")
_NAME = re.compile(r"^[a-z0-9_]+$")


@dataclass(frozen=True)
class Group:
    """A named list of term patterns; `implies` adds other groups on a match."""

    name: str
    patterns: tuple[str, ...]
    implies: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    """One reason to assign a topic (see default.yaml for the semantics)."""

    id: str
    weight: float
    all: frozenset[str]
    any: frozenset[str] = frozenset()
    not_: frozenset[str] = frozenset()
    context: frozenset[str] = frozenset()
    context_any: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Topic:
    """A topic with its rules; `parent` is raised whenever this topic is assigned."""

    id: str
    label: str
    rules: tuple[Rule, ...]
    parent: str | None = None
    core: bool = False
    description: str = ""


@dataclass(frozen=True)
class Taxonomy:
    """A validated taxonomy plus its single compiled scanning regex."""

    version: str
    threshold: float
    field_weights: dict[str, float]
    groups: tuple[Group, ...]
    topics: tuple[Topic, ...]
    source: str = ""
    regex: re.Pattern[str] = field(repr=False, default=re.compile("(?!)"))
    implied: dict[str, frozenset[str]] = field(repr=False, default_factory=dict)

    @property
    def topic_ids(self) -> list[str]:
        """Topic ids in file order."""
        return [t.id for t in self.topics]

    @property
    def core_topics(self) -> list[str]:
        """The core topics (parity, crisis, workforce in the default)."""
        return [t.id for t in self.topics if t.core]

    def topic(self, topic_id: str) -> Topic:
        """The topic with this id; NotFound-style InvalidInput otherwise."""
        for t in self.topics:
            if t.id == topic_id:
                return t
        raise InvalidInput(f"unknown topic {topic_id!r} in taxonomy {self.version}")


def _fail(where: str, msg: str) -> InvalidInput:
    return InvalidInput(f"taxonomy {where}: {msg}")


def _names(raw: Any, where: str) -> frozenset[str]:
    if raw is None:
        return frozenset()
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise _fail(where, "must be a list of group names")
    return frozenset(raw)


def parse_taxonomy(data: Any, source: str = "<memory>") -> Taxonomy:
    """Validate a parsed YAML document and compile it; InvalidInput names the problem."""
    if not isinstance(data, dict):
        raise _fail(source, "top level must be a mapping")
    version = str(data.get("version") or "").strip()
    if not version:
        raise _fail(source, "`version` is required (bump it whenever rules change)")
    threshold = float(data.get("threshold", 0.5))
    if not 0 < threshold <= 1:
        raise _fail(source, "`threshold` must be in (0, 1]")
    weights = {f: 1.0 for f in FIELDS}
    for key, value in (data.get("field_weights") or {}).items():
        if key not in FIELDS:
            raise _fail(source, f"field_weights: unknown field {key!r} (fields: {FIELDS})")
        weights[key] = float(value)

    groups: list[Group] = []
    seen: set[str] = set()
    for i, raw in enumerate(data.get("groups") or []):
        where = f"{source} groups[{i}]"
        if not isinstance(raw, dict) or not _NAME.match(str(raw.get("name", ""))):
            raise _fail(where, "each group needs a `name` of [a-z0-9_]")
        name = raw["name"]
        if name in seen:
            raise _fail(where, f"duplicate group {name!r}")
        seen.add(name)
        patterns = raw.get("patterns")
        if not isinstance(patterns, list) or not patterns:
            raise _fail(where, f"group {name!r} needs a non-empty `patterns` list")
        for p in patterns:
            try:
                re.compile(p)
            except (re.error, TypeError) as exc:
                raise _fail(where, f"group {name!r} pattern {p!r}: {exc}") from exc
            if re.compile(p).groups:
                raise _fail(where, f"group {name!r} pattern {p!r}: use (?:...) not (...)")
        groups.append(Group(name, tuple(patterns), tuple(_names(raw.get("implies"), where))))
    if not groups:
        raise _fail(source, "`groups` must not be empty")
    group_names = {g.name for g in groups}

    topics: list[Topic] = []
    topic_ids: set[str] = set()
    for i, raw in enumerate(data.get("topics") or []):
        where = f"{source} topics[{i}]"
        if not isinstance(raw, dict) or not _NAME.match(str(raw.get("id", ""))):
            raise _fail(where, "each topic needs an `id` of [a-z0-9_]")
        tid = str(raw["id"])
        if tid in topic_ids:
            raise _fail(where, f"duplicate topic {tid!r}")
        topic_ids.add(tid)
        rules = []
        for j, r in enumerate(raw.get("rules") or []):
            rw = f"{where} rules[{j}]"
            if not isinstance(r, dict) or not r.get("id"):
                raise _fail(rw, "each rule needs an `id`")
            rule = Rule(
                id=str(r["id"]),
                weight=float(r.get("weight", 0.8)),
                all=_names(r.get("all"), rw),
                any=_names(r.get("any"), rw),
                not_=_names(r.get("not"), rw),
                context=_names(r.get("context"), rw),
                context_any=_names(r.get("context_any"), rw),
            )
            if not rule.all and not rule.any:
                raise _fail(rw, "a rule needs `all` or `any`")
            if not 0 < rule.weight <= 1:
                raise _fail(rw, "`weight` must be in (0, 1]")
            used = rule.all | rule.any | rule.not_ | rule.context | rule.context_any
            unknown = sorted(used - group_names)
            if unknown:
                raise _fail(rw, f"unknown groups {unknown}")
            rules.append(rule)
        if not rules:
            raise _fail(where, f"topic {tid!r} has no rules")
        topics.append(
            Topic(
                id=tid,
                label=str(raw.get("label") or tid),
                rules=tuple(rules),
                parent=raw.get("parent"),
                core=bool(raw.get("core", False)),
                description=str(raw.get("description") or "").strip(),
            )
        )
    for t in topics:
        if t.parent is not None and t.parent not in topic_ids:
            raise _fail(source, f"topic {t.id!r}: unknown parent {t.parent!r}")
    _check_no_cycles(topics, source)

    implied = _implied_closure(groups, group_names, source)
    # One alternation, one scan: group order = priority where two could match the same words.
    alternation = "|".join(
        f"(?P<{g.name}>{'|'.join(f'(?:{p})' for p in g.patterns)})" for g in groups
    )
    regex = re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE)
    return Taxonomy(
        version=version,
        threshold=threshold,
        field_weights=weights,
        groups=tuple(groups),
        topics=tuple(topics),
        source=source,
        regex=regex,
        implied=implied,
    )


def _check_no_cycles(topics: list[Topic], source: str) -> None:
    parents = {t.id: t.parent for t in topics}
    for tid in parents:
        seen = {tid}
        cur = parents[tid]
        while cur is not None:
            if cur in seen:
                raise _fail(source, f"topic parent cycle through {cur!r}")
            seen.add(cur)
            cur = parents.get(cur)


def _implied_closure(
    groups: list[Group], names: set[str], source: str
) -> dict[str, frozenset[str]]:
    direct = {g.name: set(g.implies) for g in groups}
    for g in groups:
        unknown = sorted(set(g.implies) - names)
        if unknown:
            raise _fail(source, f"group {g.name!r} implies unknown groups {unknown}")
    closure: dict[str, frozenset[str]] = {}
    for name in direct:
        out, todo = {name}, list(direct[name])
        while todo:
            n = todo.pop()
            if n not in out:
                out.add(n)
                todo.extend(direct[n])
        closure[name] = frozenset(out)
    return closure


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Load a taxonomy file (the shipped default when `path` is None)."""
    p = Path(path) if path is not None else DEFAULT_TAXONOMY_PATH
    if path is None:
        return _default()
    return _load(p)


def _load(p: Path) -> Taxonomy:
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot read taxonomy file {p}: {exc.strerror}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidInput(f"taxonomy {p}: not valid YAML: {exc}") from exc
    return parse_taxonomy(data, source=str(p))


@lru_cache(maxsize=1)
def _default() -> Taxonomy:
    return _load(DEFAULT_TAXONOMY_PATH)
