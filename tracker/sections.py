"""Section labels inside a bill's text: "SEC. 3(b)", "Section 101(1)(a)", "Section 478.001.1(2)".

Bills are cited by section, so evidence and diffs say where they sit. Headings are
found at line starts in the forms the real texts use:

- "SEC. 3. PROGRAMS RELATING TO AUTISM." (GPO bill text, USLM), "Section A." (MO),
  "## Section 101" (wa-law.org renderings of WA bills);
- Missouri's RSMo section numbers that open a section's text: "478.001. 1. For purposes"
  (text follows on the same line: a cross-reference the PDF wrapped onto its own printed
  line, "52 376.1550.", is not a heading);
- within a section, line-start enumerators "1.", "a.", "(1)", "(a)", after an optional
  printed line number ("3 (1) ..." in Missouri PDFs); the order in which each kind of
  enumerator first appears in a section gives the nesting.

A reference in running text ("Section 319(j) of the Act") is not a heading: a heading's
number is followed by a full stop or the end of the line.
"""

from __future__ import annotations

import re
from bisect import bisect_right

_HEADING_BODY = (
    r"[ \t]*(?:#{1,6}[ \t]*)?(?:"
    # Missouri: "478.001. 1. For purposes" (after an optional printed line number)
    r"(?:\d{1,3}[ \t]+)?(?P<rsmo>\d{1,3}\.\d{3,4})\.(?:[ \t]+(?P<rsub>\d{1,2})\.)?(?=[ \t]+\S)"
    # "SEC. 3.", "Section A.", "## Section 101"
    r"|(?P<word>SEC(?:TION)?\.?|Section|Sec\.)[ \t]+(?P<num>\d+[A-Za-z]?(?:-\d+)?|[A-Z])"
    r"(?:\.(?=\s)|[ \t]*$))"
)
_ENUM_BODY = (
    r"[ \t]*(?:\d{1,3}[ \t]+(?=\(|\d{1,2}\.[ \t]))?"
    r"(?:\((?P<paren>[0-9]{1,3}|[a-zA-Z]{1,4})\)|(?P<dot>[0-9]{1,3}|[a-z]{1,2})\.)(?=[ \t])"
)
# Headings and enumerators open a line, and neither crosses a line end. One scan finds
# both, a heading before an enumerator at the same line start (a line that opens a
# heading is not an enumerator); each try starts at a newline, which `re` finds fast
# (a leading literal), and the text's first line is tried on its own.
_LINE_OPENING = re.compile(rf"(?:{_HEADING_BODY})|(?:{_ENUM_BODY})", re.MULTILINE)
_NEXT_LINE_OPENING = re.compile(rf"\n(?:(?:{_HEADING_BODY})|(?:{_ENUM_BODY}))", re.MULTILINE)


def _openings(text: str, end: int) -> list[tuple[int, re.Match[str]]]:
    """(line start, match) of every heading or enumerator opening a line at or before `end`."""
    out = []
    first = _LINE_OPENING.match(text)
    if first is not None and end >= 0:
        out.append((0, first))
    for m in _NEXT_LINE_OPENING.finditer(text):  # never cut with endpos: `$` would match there
        if m.start() + 1 > end:
            break
        out.append((m.start() + 1, m))
    return out


def _kind(token: str, paren: bool) -> str:
    shape = "digit" if token.isdigit() else ("upper" if token.isupper() else "lower")
    return ("paren-" if paren else "dot-") + shape


class SectionIndex:
    """Labels of a text's sections and subsections by offset (built once per text; a
    label is spelled out when it is asked for)."""

    def __init__(self, text: str, upto: int | None = None) -> None:
        end = len(text) if upto is None else upto
        self._starts: list[int] = []
        # Per heading or enumerator: (heading, dotted, the open levels).
        self._states: list[tuple[str | None, bool, tuple[tuple[str, str], ...]]] = []
        self._labels: dict[int, str] = {}
        heading: str | None = None
        dotted = False
        # (kind, token) from the outermost level in; a kind first seen nests deeper, a
        # kind already open closes the levels inside it (so 1. > (1) > (a) in Missouri,
        # (a) > (1) > (A) in Congress, each text's own order).
        stack: tuple[tuple[str, str], ...] = ()
        for start, m in _openings(text, end):
            rsmo, rsub, word, num, paren, dot = m.groups()
            if rsmo is not None:
                heading, dotted = f"Section {rsmo}", True
                stack = (("dot-digit", rsub),) if rsub else ()
            elif word is not None:
                label = "SEC." if word.isupper() else "Section"
                heading, dotted, stack = f"{label} {num}", False, ()
            else:
                if heading is None:
                    continue
                token = paren or dot
                k = _kind(token, paren is not None)
                for i, (kind, _token) in enumerate(stack):
                    if kind == k:
                        stack = stack[:i]
                        break
                stack = (*stack, (k, token))
            self._starts.append(start)
            self._states.append((heading, dotted, stack))

    def _label(self, i: int) -> str:
        label = self._labels.get(i)
        if label is None:
            heading, dotted, stack = self._states[i]
            label = heading or ""
            for j, (kind, token) in enumerate(stack):
                label += f".{token}" if dotted and j == 0 and kind == "dot-digit" else f"({token})"
            self._labels[i] = label
        return label

    def label_at(self, offset: int) -> str | None:
        """The label of the section holding `offset`, or None before the first heading."""
        i = bisect_right(self._starts, offset) - 1
        return (self._label(i) or None) if i >= 0 else None

    def headings(self) -> list[tuple[int, str]]:
        """(offset, label) of every heading and enumerator found, in order."""
        return [(start, self._label(i)) for i, start in enumerate(self._starts)]


def section_at(text: str, offset: int) -> str | None:
    """The section label for one offset (builds an index; use SectionIndex for many)."""
    return SectionIndex(text, offset).label_at(offset)
