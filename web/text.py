"""Safe rendering of scraped text: evidence highlighting, version diffs, the stage bar.

Scraped text is escaped first and only then marked up, so markup in a source's title
or bill text always shows as text.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

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
MAX_DIFF_CHARS = 400_000


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


def word_diff(old: str, new: str) -> Markup:
    """A readable word-level diff: removed words in <del>, added in <ins>, all escaped."""
    a = re.findall(r"\S+|\s+", old[:MAX_DIFF_CHARS])
    b = re.findall(r"\S+|\s+", new[:MAX_DIFF_CHARS])
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(str(escape("".join(a[i1:i2]))))
            continue
        if op in ("delete", "replace"):
            out.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    return Markup("".join(out))


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
        from tracker.tagging_models import ExtractedText

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
