"""Fast full-text scanning for the tagger: Hyperscan finds candidate windows, the exact
taxonomy regex runs only there.

The taxonomy's one alternation (`Taxonomy.regex`) is exact but slow on long documents
(Python's `re` tries every alternative at every character, about 0.3 MB/s). Hyperscan
scans the same patterns at hundreds of MB/s, compiled with HS_FLAG_PREFILTER: it may
report more than the real patterns match, never less, and it reports the END of every
match of every pattern. A real match of pattern i that ends at e starts no earlier than
e - max_width(i), so the windows [e - max_width(i), e] cover every real match; outside
them the exact regex cannot match, so skipping that text changes nothing.

`matches(taxonomy, text)` yields exactly the matches of `taxonomy.regex.finditer(text)`
(same spans, same groups, same order):
- windows that overlap are merged, so no real match spans two windows and the exact
  scan enters each window "fresh", as the whole-text scan would;
- the exact regex runs from the window start with lookbehind seeing the real text, and
  stops at `endpos` = window end + a pad, moved on to a non-word character, so the
  closing `(?!\\w)` and short lookaheads (`988(?![,.]\\d)`) see what they would see in
  the whole text;
- Hyperscan scans bytes: ASCII text as is; other characters are mapped one-to-one to a
  byte of the same class (letters to "a", digits to "0", spaces to " ", the pattern's
  own non-ASCII characters such as "§" and dashes to their own bytes), so offsets stay
  character offsets.

Patterns with unbounded repeats (`\\w*`, `\\d+`) are given a width of `UNBOUNDED_WIDTH`
characters; a real match longer than that would be missed (none exists in the fixtures;
`tests/tagging/test_textscan.py` compares both scanners on every real text). Without the
`hyperscan` package (no wheel for the platform) `matches` falls back to the plain scan.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

try:  # a compiled extension with wheels for Linux, macOS and Windows on x86-64/arm64
    import hyperscan
except ImportError:  # pragma: no cover - exercised only where no wheel exists
    hyperscan = None

UNBOUNDED_WIDTH = 1000
# Characters the exact scan may read past a window's last match end (the closing
# `(?!\w)` plus the taxonomy's short lookaheads); endpos then moves on to a non-word char.
LOOKAHEAD_PAD = 16
# Below this size the plain scan is as fast as building windows.
MIN_CHARS = 2048
# Windows closer than this are scanned as one (fewer regex calls; the text between is
# scanned too, which changes no match).
MERGE_GAP = 0
_NON_WORD = re.compile(r"\W")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_LOOKAROUND = re.compile(r"\(\?<?[=!]")


@dataclass
class _Scanner:
    db: Any
    widths: list[int | None]  # None: Hyperscan reports the exact leftmost start
    groups: list[tuple[str, list[tuple[int, str]]]]  # group name -> (pattern id, pattern)
    own_bytes: dict[str, str]  # a non-ASCII pattern character -> its one-byte stand-in


_SCANNERS: dict[int, tuple[Any, _Scanner | None]] = {}
_WINDOW_REGEXES: dict[tuple[int, frozenset[int]], re.Pattern[str]] = {}
_MAX_WINDOW_REGEXES = 4096


def available() -> bool:
    """True when the Hyperscan prefilter is installed."""
    return hyperscan is not None


def _max_width(pattern: str) -> int:
    from re import _parser  # the stdlib's own regex parser (sre_parse before 3.11)

    hi = _parser.parse(pattern, re.IGNORECASE).getwidth()[1]
    return hi if hi < UNBOUNDED_WIDTH else UNBOUNDED_WIDTH


def _scanner(taxonomy: Any) -> _Scanner | None:
    cached = _SCANNERS.get(id(taxonomy))
    if cached is not None and cached[0] is taxonomy:
        return cached[1]
    scanner = _build(taxonomy) if hyperscan is not None else None
    _SCANNERS[id(taxonomy)] = (taxonomy, scanner)
    return scanner


def _build(taxonomy: Any) -> _Scanner:
    patterns = [p for g in taxonomy.groups for p in g.patterns]
    own: dict[str, str] = {}
    for ch in sorted({c for p in patterns for c in p if ord(c) > 127}):
        own[ch] = chr(0x80 + len(own))
    if len(own) > 127:
        raise ValueError("too many distinct non-ASCII characters in the taxonomy patterns")
    encoded = []
    for p in patterns:
        for ch, stand_in in own.items():
            p = p.replace(ch, f"\\x{ord(stand_in):02x}")
        encoded.append(p.encode("ascii"))
    # Patterns Hyperscan runs exactly get the leftmost start of each match (SOM); those
    # with lookarounds run in prefilter mode, and their start is bounded by their width.
    flags, widths = [], []
    for p in patterns:
        if _LOOKAROUND.search(p):
            flags.append(hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_PREFILTER)
            widths.append(_max_width(p))
        else:
            flags.append(hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_SOM_LEFTMOST)
            widths.append(None)
    db = hyperscan.Database()
    db.compile(
        expressions=encoded, ids=list(range(len(encoded))), elements=len(encoded), flags=flags
    )
    groups, pid = [], 0
    for g in taxonomy.groups:
        groups.append((g.name, [(pid + i, p) for i, p in enumerate(g.patterns)]))
        pid += len(g.patterns)
    return _Scanner(db, widths, groups, own)


def _as_bytes(text: str, own: dict[str, str]) -> bytes:
    """One byte per character, of the same regex class as the character."""
    if text.isascii():
        return text.encode("ascii")

    def stand_in(m: re.Match[str]) -> str:
        ch = m.group(0)
        if ch in own:
            return own[ch]
        if ch.isdecimal():
            return "0"
        if ch.isalnum() or ch == "_":
            return "a"
        if ch.isspace():
            return " "
        return "\x7f"

    return _NON_ASCII.sub(stand_in, text).encode("latin-1")


def windows(taxonomy: Any, text: str) -> list[tuple[int, int, frozenset[int]]] | None:
    """Merged [start, end) spans holding every real match, each with the ids of the
    patterns Hyperscan reported in it; None without Hyperscan."""
    scanner = _scanner(taxonomy)
    if scanner is None:
        return None
    widths = scanner.widths
    spans: list[tuple[int, int, int]] = []

    def on_match(pid: int, start: int, to: int, _flags: int, _ctx: Any) -> None:
        width = widths[pid]
        spans.append((start if width is None else max(0, to - width), to, pid))

    scanner.db.scan(_as_bytes(text, scanner.own_bytes), match_event_handler=on_match)
    spans.sort()
    merged: list[tuple[int, int, frozenset[int]]] = []
    cur_start = cur_end = -1
    ids: set[int] = set()
    for start, end, pid in spans:
        if start > cur_end + MERGE_GAP:
            if ids:
                merged.append((cur_start, cur_end, frozenset(ids)))
            cur_start, cur_end, ids = start, end, set()
        elif end > cur_end:
            cur_end = end
        ids.add(pid)
    if ids:
        merged.append((cur_start, cur_end, frozenset(ids)))
    return merged


def _window_regex(taxonomy: Any, scanner: _Scanner, ids: frozenset[int]) -> re.Pattern[str]:
    """The taxonomy regex cut down to the patterns in `ids`, in the same order and groups.

    Inside a window the other patterns cannot match (Hyperscan would have reported them
    there), so dropping them from the alternation changes no match, only the cost.
    """
    key = (id(taxonomy), ids)
    found = _WINDOW_REGEXES.get(key)
    if found is not None:
        return found
    parts = []
    for name, members in scanner.groups:
        kept = [f"(?:{p})" for pid, p in members if pid in ids]
        if kept:
            parts.append(f"(?P<{name}>{'|'.join(kept)})")
    regex = re.compile(rf"(?<!\w)(?:{'|'.join(parts)})(?!\w)", taxonomy.regex.flags)
    if len(_WINDOW_REGEXES) >= _MAX_WINDOW_REGEXES:
        _WINDOW_REGEXES.clear()
    _WINDOW_REGEXES[key] = regex
    return regex


def matches(taxonomy: Any, text: str) -> Iterator[re.Match[str]]:
    """Exactly `taxonomy.regex.finditer(text)`, scanning only the candidate windows."""
    spans = windows(taxonomy, text) if len(text) >= MIN_CHARS else None
    if spans is None:
        yield from taxonomy.regex.finditer(text)
        return
    scanner = _scanner(taxonomy)
    n = len(text)
    for start, end, ids in spans:
        endpos = min(n, end + LOOKAHEAD_PAD)
        if endpos < n:
            nw = _NON_WORD.search(text, endpos)
            endpos = nw.start() if nw else n
        for m in _window_regex(taxonomy, scanner, ids).finditer(text, start, endpos):
            if m.start() >= end:
                break
            yield m
            if m.end() >= end:  # the next match would start at or after the window's end
                break
