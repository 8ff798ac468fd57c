"""Stable ids and identifier normalization.

A bill's stable id is `<jurisdiction>-<session slug>-<identifier slug>`, e.g.
`ca-20232024-ab988` or `us-118-hr7`; it never depends on which source saw it first.
"""

from __future__ import annotations

import re

from tracker.errors import InvalidInput

_PREFIX_NUMBER = re.compile(r"^([A-Z]+(?:\s+[A-Z]+)*)\s*0*(\d+)([A-Z]?)$")
_SPACES = re.compile(r"\s+")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def normalize_identifier(raw: str) -> str:
    """Normalize a bill number: `H.B. 1`, `HB0001`, `hb1` -> `HB 1`; `H.R. 21` -> `HR 21`.

    Forms that carry more than prefix + number (Colorado `SB21-154`, Delaware
    `HS 2 for HB 160`) keep their shape, upper-cased with single spaces.
    """
    text = _SPACES.sub(" ", (raw or "").replace(".", " ").strip()).upper()
    if not text:
        raise InvalidInput("bill identifier is empty")
    match = _PREFIX_NUMBER.match(text)
    if match:
        prefix = match.group(1).replace(" ", "")
        return f"{prefix} {int(match.group(2))}{match.group(3)}"
    return text.replace(" FOR ", " for ")


def slug(text: str) -> str:
    """Lower-case alphanumerics only: `2023 Regular Session` -> `2023regularsession`."""
    return _NON_ALNUM.sub("", (text or "").lower())


def bill_id(jurisdiction: str, session: str, identifier: str) -> str:
    """Build the stable id of a bill."""
    juris = jurisdiction.strip().lower()
    parts = (juris, slug(session), slug(normalize_identifier(identifier)))
    if not all(parts):
        raise InvalidInput(
            f"cannot build a bill id from {jurisdiction!r}, {session!r}, {identifier!r}"
        )
    return "-".join(parts)
