"""What changed between two versions of a bill: a section-aware redline and a summary.

Two levels, so a 60-page rewrite diffs in well under a second: paragraphs are aligned
first (difflib on whole lines), then the words of each changed run of paragraphs. The
result is cut at the new text's section headings (tracker.sections), so a page can show
"Section 203: changed" with its insertions and deletions and fold unchanged sections,
and an alert can say "12 sections changed, 3 added: Section 201, ...".

Pure functions over two strings; rendering (escaping) is the web's job.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from tracker.sections import SectionIndex

MAX_CHARS = 2_000_000  # longer texts are compared on their first 2 million characters
_WORDS = re.compile(r"\S+\s*|\s+")
_COUNT = re.compile(r"\w+")
PREAMBLE = "Before the first section"  # title, enacting clause, headers


@dataclass
class SectionDiff:
    """One section of the newer text (or a section only the older one had)."""

    label: str
    pieces: list[tuple[str, str]] = field(default_factory=list)  # (equal|insert|delete, text)

    @property
    def status(self) -> str:
        """unchanged, changed, added (all inserted) or removed (all deleted)."""
        ops = {op for op, text in self.pieces if text.strip()}
        if ops <= {"equal"}:
            return "unchanged"
        if ops == {"insert"}:
            return "added"
        if ops == {"delete"}:
            return "removed"
        return "changed"

    @property
    def words_inserted(self) -> int:
        """Words this version adds in the section."""
        return sum(len(_COUNT.findall(t)) for op, t in self.pieces if op == "insert")

    @property
    def words_deleted(self) -> int:
        """Words this version strikes from the section."""
        return sum(len(_COUNT.findall(t)) for op, t in self.pieces if op == "delete")


@dataclass
class VersionDiff:
    """The redline of one version against an earlier one, section by section."""

    sections: list[SectionDiff]

    def changed(self) -> list[SectionDiff]:
        """Sections that are not unchanged, in order."""
        return [s for s in self.sections if s.status != "unchanged"]

    @property
    def words_inserted(self) -> int:
        """Words added in all."""
        return sum(s.words_inserted for s in self.sections)

    @property
    def words_deleted(self) -> int:
        """Words struck in all."""
        return sum(s.words_deleted for s in self.sections)

    def summary(self, limit: int = 6) -> str:
        """One line: how many sections changed, were added or removed, and which."""
        changed = self.changed()
        if not changed:
            return "no change in the text"
        counts = {}
        for s in changed:
            counts[s.status] = counts.get(s.status, 0) + 1
        parts = [
            f"{n} section{'s' if n != 1 else ''} {status}"
            for status in ("changed", "added", "removed")
            if (n := counts.get(status))
        ]
        named = [s for s in changed if s.label != PREAMBLE] or changed
        names = ", ".join(s.label for s in named[:limit])
        more = f" and {len(named) - limit} more" if len(named) > limit else ""
        return (
            f"{'; '.join(parts)} (+{self.words_inserted:,} / -{self.words_deleted:,} words): "
            f"{names}{more}"
        )


def _paragraphs(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _word_ops(old: str, new: str) -> list[tuple[str, str]]:
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    out: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(("equal", "".join(b[j1:j2])))
            continue
        if op in ("delete", "replace"):
            out.append(("delete", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            out.append(("insert", "".join(b[j1:j2])))
    return out


def diff_ops(old: str, new: str) -> list[tuple[str, str]]:
    """(equal|insert|delete, text) runs turning `old` into `new`; the equal and insert
    runs concatenated give `new`, the equal and delete runs give `old`."""
    a, b = _paragraphs(old[:MAX_CHARS]), _paragraphs(new[:MAX_CHARS])
    out: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        old_part, new_part = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal":
            out.append(("equal", new_part))
        elif op == "insert":
            out.append(("insert", new_part))
        elif op == "delete":
            out.append(("delete", old_part))
        else:
            out.extend(_word_ops(old_part, new_part))
    merged: list[tuple[str, str]] = []
    for op, text in out:
        if not text:
            continue
        if merged and merged[-1][0] == op:
            merged[-1] = (op, merged[-1][1] + text)
        else:
            merged.append((op, text))
    return merged


def _top_sections(text: str) -> list[tuple[int, str]]:
    """(offset, heading label) of each section heading (not its subsections)."""
    out: list[tuple[int, str]] = []
    for start, label in SectionIndex(text).headings():
        top = label.split("(")[0]
        if not out or out[-1][1] != top:
            out.append((start, top))
    return out


def diff_versions(old: str, new: str) -> VersionDiff:
    """The section-by-section redline of `new` against `old`."""
    ops = diff_ops(old, new)
    new_heads = _top_sections(new[:MAX_CHARS])
    old_heads = _top_sections(old[:MAX_CHARS])
    sections: list[SectionDiff] = [SectionDiff(PREAMBLE)]
    ni = oi = 0  # next heading to cross in new / old
    pos_new = pos_old = 0
    for op, text in ops:
        rest = text
        while rest:
            # Cut the run where it crosses the next section heading of its own text.
            if op == "delete":
                nxt = old_heads[oi][0] if oi < len(old_heads) else None
                pos = pos_old
            else:
                nxt = new_heads[ni][0] if ni < len(new_heads) else None
                pos = pos_new
            if nxt is not None and nxt < pos + len(rest):
                take = max(0, nxt - pos)
                head, rest = rest[:take], rest[take:]
            else:
                head, rest = rest, ""
            if head:
                sections[-1].pieces.append((op, head))
                if op != "insert":
                    pos_old += len(head)
                if op != "delete":
                    pos_new += len(head)
            if rest:
                if op == "delete":
                    label = old_heads[oi][1]
                    oi += 1
                    # A heading only the old text had: its section was removed (or renamed).
                    if ni >= len(new_heads) or new_heads[ni][1] != label:
                        sections.append(SectionDiff(f"{label} (earlier numbering)"))
                else:
                    label = new_heads[ni][1]
                    ni += 1
                    if op == "equal":
                        while oi < len(old_heads) and old_heads[oi][0] <= pos_old:
                            oi += 1
                    sections.append(SectionDiff(label))
    return VersionDiff([s for s in sections if s.pieces])
