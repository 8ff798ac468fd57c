"""Safe rendering of scraped text: evidence highlighting, version diffs, the stage bar.

Scraped text is escaped first and only then marked up, so markup in a source's title
or bill text always shows as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.config import Settings
from tracker.models import Bill

MAIN_STAGES = (
    "introduced",
    "in_committee",
    "passed_origin",
    "passed_second",
    "to_executive",
    "enacted",
)
TERMINAL = ("vetoed", "failed", "withdrawn")


def highlight(text: str, phrases: list[str]) -> Markup:
    """`text` escaped, with each occurrence of the phrases wrapped in <mark>."""
    phrases = [p for p in dict.fromkeys(phrases or []) if p and p.strip()]
    if not phrases:
        return escape(text or "")
    pattern = re.compile(
        "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True)), re.IGNORECASE
    )
    out: list[str] = []
    last = 0
    for match in pattern.finditer(text or ""):
        out.append(str(escape(text[last : match.start()])))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    out.append(str(escape((text or "")[last:])))
    return Markup("".join(out))


MAX_TEXT_CHARS = 600_000  # the bill page shows this much of a text, then links out


@dataclass
class Passage:
    """One piece of text evidence on the bill page: where to jump and what it says."""

    anchor: str
    topic: str
    label: str
    section: str | None
    quote: str
    start: int = 0
    added: bool = False  # the version inserts this passage ("added in this version")


@dataclass
class EvidenceText:
    """A version's text, escaped, with each piece of tag evidence marked and anchored."""

    html: Markup
    passages: list[Passage] = field(default_factory=list)
    truncated: bool = False
    marked: bool = False  # the text shows inserted and/or struck runs

    def by_topic(self) -> list[tuple[str, list[Passage]]]:
        """(topic label, its passages in text order), topics in order of first passage."""
        out: dict[str, list[Passage]] = {}
        for p in self.passages:
            out.setdefault(p.label, []).append(p)
        return list(out.items())

    def first_anchor(self, topic: str) -> str | None:
        """The anchor of a topic's first passage, if it has one in this text."""
        return next((p.anchor for p in self.passages if p.topic == topic), None)


def evidence_text(
    text: str,
    tags: list[tuple[str, str, list[dict]]],
    sha256: str | None = None,
    marks: list[dict] | None = None,
) -> EvidenceText:
    """`text` escaped, with the text evidence of `tags` ((topic, label, evidence)) in
    <mark> and an anchor per passage (`ev-<topic>-<n>`), so each tag can link to it.

    `marks` (tracker.textextract's amendment marks of this text) show as <ins> around
    inserted runs and <del> with the struck words where they stood; struck words are
    not part of `text`, so no evidence ever sits in them.

    Evidence is placed by its offsets and used only where `text[start:end]` is its
    quote (and, when it names one, the sha256 is this text's): evidence read in another
    version is never pinned to the wrong words.
    """
    shown = text[:MAX_TEXT_CHARS]
    passages: list[Passage] = []
    starts: dict[int, list[str]] = {}
    spans: list[tuple[int, int]] = []
    for topic, label, evidence in tags:
        n = 0
        for ev in evidence or []:
            if not isinstance(ev, dict) or ev.get("field") != "text":
                continue
            if sha256 and ev.get("text_sha256") not in (None, sha256):
                continue
            start, end = ev.get("start"), ev.get("end")
            if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start < end:
                continue
            if end > len(shown) or shown[start:end] != ev.get("quote"):
                continue
            n += 1
            anchor = f"ev-{_slug(topic)}-{n}"
            passages.append(
                Passage(
                    anchor,
                    topic,
                    label,
                    ev.get("section"),
                    ev["quote"],
                    start,
                    ev.get("added") is True,
                )
            )
            starts.setdefault(start, []).append(anchor)
            spans.append((start, end))
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    inserted = [
        (m["start"], min(m["end"], len(shown)))
        for m in marks or ()
        if m.get("kind") == "ins" and isinstance(m.get("start"), int) and m["start"] < len(shown)
    ]
    struck: dict[int, list[str]] = {}
    for m in marks or ():
        if m.get("kind") == "del" and isinstance(m.get("at"), int) and m["at"] <= len(shown):
            struck.setdefault(m["at"], []).append(str(m.get("text") or ""))
    struck_any = bool(struck)
    cuts = sorted({i for span in merged + inserted for i in span} | set(starts) | set(struck) | {0})
    inside = _covered(merged)
    added = _covered(inserted)
    out: list[str] = []
    last = 0
    for cut in cuts + [len(shown)]:
        if cut > last:
            piece = str(escape(shown[last:cut]))
            if last in inside:
                piece = f'<mark class="ev">{piece}</mark>'
            out.append(f"<ins>{piece}</ins>" if last in added else piece)
        for words in struck.pop(cut, []):
            out.append(f"<del>{escape(words)}</del>")
        for anchor in starts.get(cut, []):
            out.append(f'<span class="anchor" id="{anchor}"></span>')
        last = cut
    passages.sort(key=lambda p: p.start)
    return EvidenceText(
        Markup("".join(out)), passages, len(text) > len(shown), bool(inserted or struck_any)
    )


def _covered(spans: list[tuple[int, int]] | list[list[int]]) -> set[int]:
    """Every offset inside the spans (cuts fall on span edges, so a piece's first offset
    says whether the whole piece is inside)."""
    return {i for start, end in spans for i in range(start, end)}


def _slug(topic: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "-", topic.lower())


def render_sections(redline: Any) -> list[tuple[Any, Markup]]:
    """(SectionDiff, its escaped redline) per section of a tracker.textdiff.VersionDiff."""
    out = []
    for section in redline.sections:
        html = []
        for op, text in section.pieces:
            piece = escape(text)
            if op == "insert":
                html.append(f"<ins>{piece}</ins>")
            elif op == "delete":
                html.append(f"<del>{piece}</del>")
            else:
                html.append(str(piece))
        out.append((section, Markup("".join(html))))
    return out


def version_text_path(settings: Settings, sha256: str) -> Path:
    """Where the collection area keeps a version's extracted text."""
    return settings.scraper_cache_dir / "text" / f"{sha256}.txt"


def version_texts(
    settings: Settings, session: Session | None, shas: list[str | None]
) -> dict[str, str]:
    """Extracted text per sha256: the tagging area's `extracted_texts` table first (one
    query), then text files under SCRAPER_CACHE_DIR/text/."""
    wanted = {s for s in shas if s and re.fullmatch(r"[0-9a-f]{64}", s)}
    found: dict[str, str] = {}
    if wanted and session is not None:
        from tracker.models.tagging import ExtractedText

        rows = session.execute(
            select(ExtractedText.sha256, ExtractedText.text).where(ExtractedText.sha256.in_(wanted))
        )
        found.update({sha: text for sha, text in rows if text})
    for sha in wanted - found.keys():
        path = version_text_path(settings, sha)
        if path.is_file():
            found[sha] = path.read_text(encoding="utf-8", errors="replace")
    return found


def version_text(
    settings: Settings, sha256: str | None, session: Session | None = None
) -> str | None:
    """A version's extracted text, or None when it was never extracted."""
    return version_texts(settings, session, [sha256]).get(sha256 or "")


def stage_bar(bill: Bill) -> list[tuple[str, str]]:
    """(stage, state) for the status bar: state is 'reached', 'current' or 'ahead'."""
    status = bill.status or "introduced"
    if status in MAIN_STAGES:
        reached = MAIN_STAGES.index(status)
    else:
        classes = {c for a in bill.actions for c in (a.classification or [])}
        passages = sum("passage" in (a.classification or []) for a in bill.actions)
        reached = 0
        if classes & {"referral-committee", "committee-passage", "committee-failure"}:
            reached = 1
        if passages >= 1:
            reached = 2
        if passages >= 2:
            reached = 3
        if "executive-receipt" in classes or status == "vetoed":
            reached = 4
    bar = []
    for i, stage in enumerate(MAIN_STAGES):
        state = "reached" if i < reached else ("current" if i == reached else "ahead")
        if status in TERMINAL and i == reached:
            state = "reached"
        bar.append((stage, state))
    if status in TERMINAL:
        bar.append((status, "current"))
    return bar
