"""Fast full-text scanning for the tagger: Hyperscan finds candidate windows, the exact
taxonomy regex runs only there.

The taxonomy's one alternation (`Taxonomy.regex`) is exact but slow on long documents
(Python's `re` tries every alternative at every character, about 0.3 MB/s). Hyperscan
scans the same patterns at hundreds of MB/s, compiled with HS_FLAG_PREFILTER: it may
report more than the real patterns match, never less, and it reports the END of every
match of every pattern. A real match of pattern i that ends at e starts no earlier than
e - max_width(i), so the windows [e - max_width(i), e] cover every real match; outside
them the exact regex cannot match, so skipping that text changes nothing.

`spans(taxonomy, text)` returns exactly the (start, end, group) of every match of
`taxonomy.regex.finditer(text)`, in order:
- windows that overlap are merged, so no real match spans two windows and the exact
  scan enters each window "fresh", as the whole-text scan would;
- a window holding one report of one pattern that Hyperscan runs exactly (no
  lookaround, no atomic group), over text whose bytes are its characters (ASCII, no
  \\x1c-\\x1f), is that pattern's only match there: it is a real match when the
  characters on either side are not word characters (the taxonomy regex's `(?<!\\w)`
  and `(?!\\w)`), and the exact regex is not run at all;
- a window holding one report whose end is followed by a word character holds no
  match at all (every real match ends at a reported end, and `(?!\\w)` fails there);
- elsewhere the exact regex runs from the window start with lookbehind seeing the real
  text, and stops at `endpos` = window end + a pad, moved on to a non-word character,
  so the closing `(?!\\w)` and short lookaheads (`988(?![,.]\\d)`) see what they would
  see in the whole text;
- Hyperscan scans bytes: ASCII text as is; other characters are mapped one-to-one to a
  byte of the same class (letters to "a", digits to "0", spaces to " ", the pattern's
  own non-ASCII characters such as "§" and dashes to their own bytes; the four that
  Python's IGNORECASE folds to an ASCII letter, "İ ı ſ K", to that letter), so offsets
  stay character offsets. ASCII control characters that Python's `\\s` matches
  (\\x1c-\\x1f) become spaces.

Patterns with unbounded repeats (`\\w*`, `\\d+`) are given a width of `UNBOUNDED_WIDTH`
characters; a real match longer than that would be missed (none exists in the fixtures;
`tests/tagging/test_textscan.py` compares both scanners on every real text). Without the
`hyperscan` package (no wheel for the platform) `spans` falls back to the plain scan.
"""

from __future__ import annotations

import codecs
import re
import threading
from dataclasses import dataclass, field
from typing import Any

try:  # a compiled extension with wheels for Linux, macOS and Windows on x86-64/arm64
    import hyperscan
except ImportError:  # pragma: no cover - exercised only where no wheel exists
    hyperscan = None

UNBOUNDED_WIDTH = 1000
# Characters the exact scan may read past a window's last match end (the closing
# `(?!\w)` plus the taxonomy's short lookaheads); endpos then moves on to a non-word char.
LOOKAHEAD_PAD = 16
# Hyperscan is used from the first character: the plain regex costs about 2 us per
# character, a Hyperscan call about 20 us (a 90-character title: 214 us plain, 20 us).
MIN_CHARS = 1
# Windows closer than this are scanned as one (fewer regex calls; the text between is
# scanned too, which changes no match).
MERGE_GAP = 0
_NON_WORD = re.compile(r"\W")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_LOOKAROUND = re.compile(r"\(\?<?[=!]")
# Constructs after which Hyperscan's exact match may differ from Python's backtracking
# (atomic groups, possessive repeats): such patterns never take the no-regex path.
_NOT_EXACT = re.compile(r"\(\?<?[=!]|\(\?>|[*+?}]\+")
# Non-ASCII characters Python's IGNORECASE matches to an ASCII letter.
_FOLDS_TO_ASCII = {"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"}
# Python's `\s` matches the ASCII separators \x1c-\x1f; Hyperscan's does not.
_SEPARATORS = bytes.maketrans(b"\x1c\x1d\x1e\x1f", b"    ")
_SEPARATOR_CHARS = re.compile("[\x1c-\x1f]")
# Per byte value: is it an ASCII word character (what Python's `\\w` matches there).
_WORD_BYTES = bytes(
    1 if chr(b).isascii() and (chr(b).isalnum() or chr(b) == "_") else 0 for b in range(256)
)


@dataclass
class _Scanner:
    db: Any
    widths: list[int | None]  # None: Hyperscan reports the exact leftmost start
    groups: list[tuple[str, list[tuple[int, str]]]]  # group name -> (pattern id, pattern)
    own_bytes: dict[str, str]  # a non-ASCII pattern character -> its one-byte stand-in
    group_of: list[str]  # pattern id -> its group's name
    exact: list[bool]  # pattern id -> Hyperscan's span is Python's (see `spans`)
    patterns: list[str]  # pattern id -> the taxonomy's pattern
    single: dict[int, re.Pattern[str]] = field(default_factory=dict)  # pid -> `(?:p)(?!\w)`
    stand_ins: dict[str, str] = field(default_factory=dict)  # `_stand_in` of characters seen


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
    group_of = [g.name for g in taxonomy.groups for _ in g.patterns]
    exact = [not _NOT_EXACT.search(p) for p in patterns]
    return _Scanner(db, widths, groups, own, group_of, exact, patterns)


def _stand_in(ch: str, own: dict[str, str]) -> str:
    """The one byte (as a latin-1 character) Hyperscan sees for a non-ASCII character."""
    if ch in own:
        return own[ch]
    if ch in _FOLDS_TO_ASCII:
        return _FOLDS_TO_ASCII[ch]
    if ch.isdecimal():
        return "0"
    if ch.isalnum() or ch == "_":
        return "a"
    if ch.isspace():
        return " "
    return "\x7f"


class _Encoding(threading.local):
    """What `_as_bytes`'s encoding error handler needs: the scanner and where to note
    the offsets it replaced (one per thread)."""

    scanner: _Scanner | None = None
    odd: list[int] | None = None


_ENCODING = _Encoding()


def _encode_stand_ins(exc: UnicodeError) -> tuple[bytes, int]:
    """Encoding error handler: the stand-in bytes of a run of non-ASCII characters."""
    if not isinstance(exc, UnicodeEncodeError) or _ENCODING.scanner is None:
        raise exc
    scanner, start, end = _ENCODING.scanner, exc.start, exc.end
    known, own = scanner.stand_ins, scanner.own_bytes
    _ENCODING.odd.extend(range(start, end))  # type: ignore[union-attr]
    out = []
    for ch in exc.object[start:end]:
        byte = known.get(ch)
        if byte is None:
            byte = known[ch] = _stand_in(ch, own)
        out.append(byte)
    return "".join(out).encode("latin-1"), end


# Named for this copy of the module (a reload or a second copy registers its own).
_STAND_IN_ERRORS = f"tracker.textscan.stand_in.{id(_ENCODING)}"
codecs.register_error(_STAND_IN_ERRORS, _encode_stand_ins)


def _as_bytes(scanner: _Scanner, text: str) -> tuple[bytes, list[int]]:
    """One byte per character, of the same regex class as the character, and the sorted
    offsets of the characters whose byte is a stand-in (non-ASCII, \\x1c-\\x1f)."""
    odd: list[int] = []
    if text.isascii():
        data = text.encode("ascii")
    else:
        _ENCODING.scanner, _ENCODING.odd = scanner, odd
        try:
            data = text.encode("ascii", _STAND_IN_ERRORS)
        finally:
            _ENCODING.scanner = _ENCODING.odd = None
    if any(c in text for c in "\x1c\x1d\x1e\x1f"):
        odd = sorted(odd + [m.start() for m in _SEPARATOR_CHARS.finditer(text)])
        data = data.translate(_SEPARATORS)
    return data, odd


def _reports(scanner: _Scanner, data: bytes) -> list[tuple[int, int, int]]:
    """(start, end, pattern id) of every Hyperscan report that can end a real match,
    sorted; a prefiltered pattern's start is bounded by its width.

    A report whose end is followed by a word character is dropped: the taxonomy regex's
    closing `(?!\\w)` fails there, and a pattern's other ends are reported on their own,
    so no real match is lost and the windows still hold every real match. The byte after
    the end tells (`_WORD_BYTES`: stand-ins keep the character's class; a pattern's own
    non-ASCII stand-in is never counted as a word character, so those reports stay).
    """
    widths = scanner.widths
    out: list[tuple[int, int, int]] = []
    append = out.append
    n = len(data)

    def on_match(pid: int, start: int, to: int, _flags: int, _ctx: Any) -> None:
        if to < n and _WORD_BYTES[data[to]]:
            return
        width = widths[pid]
        append((start if width is None else max(0, to - width), to, pid))

    scanner.db.scan(data, match_event_handler=on_match)
    out.sort()
    return out


def _merged(reports: list[tuple[int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Overlapping reports merged: (start, end, first report, last report + 1)."""
    out: list[tuple[int, int, int, int]] = []
    i, n = 0, len(reports)
    while i < n:
        start, end, _ = reports[i]
        j = i + 1
        while j < n and reports[j][0] <= end + MERGE_GAP:
            if reports[j][1] > end:
                end = reports[j][1]
            j += 1
        out.append((start, end, i, j))
        i = j
    return out


def windows(taxonomy: Any, text: str) -> list[tuple[int, int, frozenset[int]]] | None:
    """Merged [start, end) spans holding every real match, each with the ids of the
    patterns Hyperscan reported in it; None without Hyperscan."""
    scanner = _scanner(taxonomy)
    if scanner is None:
        return None
    reports = _reports(scanner, _as_bytes(scanner, text)[0])
    return [
        (start, end, frozenset(r[2] for r in reports[i:j])) for start, end, i, j in _merged(reports)
    ]


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


def _is_word(ch: str) -> bool:
    """Python's `\\w` for one character of a str."""
    return ch.isalnum() or ch == "_"


def _exact_first(
    scanner: _Scanner, text: str, reports: list[tuple[int, int, int]], i: int, j: int, flags: int
) -> tuple[int, str, bool] | None:
    """The first match in a window of exact reports (`reports[i:j]`) over plain text,
    without the regex: (its end, its group, whether another match may follow); None when
    it is not known.

    Every match of an exact pattern that could start in the window is reported with its
    leftmost start, which is the window start, so Python's alternation at the window
    start takes the lowest pattern id with a report there whose end is followed by a
    non-word character, and ends where that pattern alone (with the closing `(?!\\w)`)
    ends. Any later match ends at another reported end that passes the same test.
    """
    exact, n = scanner.exact, len(text)
    start = reports[i][0]
    if start and _is_word(text[start - 1]):
        return None  # the regex would look further on; let it
    first_pid = -1
    ends: list[int] = []
    last_end = -1  # the furthest end followed by a non-word character
    for k in range(i, j):
        s, e, pid = reports[k]
        if not exact[pid]:
            return None
        if e < n:
            after = text[e]
            if after.isalnum() or after == "_":
                continue
        if e > last_end:
            last_end = e
        if s == start:
            if first_pid < 0 or pid < first_pid:
                first_pid, ends = pid, [e]
            elif pid == first_pid:
                ends.append(e)
    if first_pid < 0:
        return None
    if len(ends) == 1:
        end = ends[0]
    else:  # which end the pattern takes is Python's backtracking order: ask it
        single = scanner.single.get(first_pid)
        if single is None:
            single = re.compile(rf"(?:{scanner.patterns[first_pid]})(?!\w)", flags)
            scanner.single[first_pid] = single
        m = single.match(text, start)
        if m is None:
            return None
        end = m.end()
    return end, scanner.group_of[first_pid], last_end > end


def spans(taxonomy: Any, text: str) -> list[tuple[int, int, str]]:
    """Exactly `[(m.start(), m.end(), m.lastgroup) for m in taxonomy.regex.finditer(text)]`,
    running the exact regex only inside the candidate windows whose first match the
    Hyperscan reports do not settle (see the module docstring)."""
    scanner = _scanner(taxonomy) if len(text) >= MIN_CHARS else None
    if scanner is None:
        return [(m.start(), m.end(), m.lastgroup) for m in taxonomy.regex.finditer(text)]
    data, odd = _as_bytes(scanner, text)
    reports = _reports(scanner, data)
    exact, group_of = scanner.exact, scanner.group_of
    flags = taxonomy.regex.flags
    n, n_odd, next_odd = len(text), len(odd), 0
    out: list[tuple[int, int, str]] = []
    append = out.append
    i, count = 0, len(reports)
    while i < count:
        start, end, pid = reports[i]
        j = i + 1
        while j < count:  # overlapping reports: one window
            r = reports[j]
            if r[0] > end + MERGE_GAP:
                break
            if r[1] > end:
                end = r[1]
            j += 1
        while next_odd < n_odd and odd[next_odd] < start:
            next_odd += 1
        pos = start
        if next_odd == n_odd or odd[next_odd] >= end:  # the window's bytes are its characters
            if j == i + 1:  # one report: the common case, settled here
                after = text[end] if end < n else " "
                if after.isalnum() or after == "_":
                    # Every real match ends at a reported end, and none can end at one
                    # followed by a word character (`(?!\w)`): nothing matches here.
                    i = j
                    continue
                if exact[pid]:
                    before = text[start - 1] if start else " "
                    if not (before.isalnum() or before == "_"):
                        append((start, end, group_of[pid]))
                        i = j
                        continue
            else:
                found = _exact_first(scanner, text, reports, i, j, flags)
                if found is not None:
                    first_end, group, more = found
                    append((start, first_end, group))
                    if not more:
                        i = j
                        continue
                    pos = first_end
        ids = frozenset(r[2] for r in reports[i:j])
        i = j
        endpos = min(n, end + LOOKAHEAD_PAD)
        if endpos < n:
            nw = _NON_WORD.search(text, endpos)
            endpos = nw.start() if nw else n
        for m in _window_regex(taxonomy, scanner, ids).finditer(text, pos, endpos):
            if m.start() >= end:
                break
            append((m.start(), m.end(), m.lastgroup))  # type: ignore[arg-type]
            if m.end() >= end:  # the next match would start at or after the window's end
                break
    return out
