"""Topic queries that decide which bills are collected (plus every bill already tracked).

Sources with a search parameter (Open States `q`, LegiScan `getSearchRaw`) send these
queries; sources that only list by date (Congress.gov, GovInfo) filter list items by
title before spending requests on details. Override with `--topic` on `tracker sync`.
"""

from __future__ import annotations

import re

DEFAULT_TOPICS: tuple[str, ...] = (
    "mental health",
    "behavioral health",
    "988",
    "crisis",
    "parity",
    "substance use",
    "peer support",
    "psychiatric",
    "suicide",
    "counseling",
    "counselor",
    "addiction",
    "opioid",
    "psychologist",
    "social worker",
)


def _pattern(topics: tuple[str, ...] | list[str]) -> re.Pattern[str]:
    words = sorted({t.strip().lower() for t in topics if t.strip()}, key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")", re.IGNORECASE)


_DEFAULT = _pattern(DEFAULT_TOPICS)


def matches_topics(text: str, topics: list[str] | tuple[str, ...] | None = None) -> bool:
    """True when the text mentions any topic query (word-start match, case-insensitive)."""
    if topics is not None and not topics:
        return True  # an explicitly empty topic list collects everything
    pattern = _DEFAULT if topics is None else _pattern(topics)
    return bool(pattern.search(text or ""))
