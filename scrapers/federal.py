"""Shared pieces of the two federal sources (Congress.gov JSON, GovInfo BILLSTATUS XML).

Both describe the same Library of Congress bill record, so both map through these
helpers and produce the same stable id (`us-<congress>-<type><number>`): ingest then
merges them into one bill with two source links.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from bs4 import BeautifulSoup

from scrapers.base import parse_date
from tracker.ids import normalize_identifier
from tracker.records import ActionRecord, SponsorRecord, VersionRecord
from tracker.status import chamber_from_text, classify_action

BILL_TYPES = {
    "hr": ("bill", "house-bill"),
    "s": ("bill", "senate-bill"),
    "hres": ("resolution", "house-resolution"),
    "sres": ("resolution", "senate-resolution"),
    "hjres": ("joint resolution", "house-joint-resolution"),
    "sjres": ("joint resolution", "senate-joint-resolution"),
    "hconres": ("concurrent resolution", "house-concurrent-resolution"),
    "sconres": ("concurrent resolution", "senate-concurrent-resolution"),
}
# Library of Congress action types that settle the classification on their own.
_TYPE_CLASSIFICATION = {
    "BecameLaw": "became-law",
    "Veto": "executive-veto",
}
# sourceSystem codes: 0 Senate, 1 House committee actions, 2 House floor, 9 LoC.
_SOURCE_CHAMBER = {"0": "upper", "1": "lower", "2": "lower"}


def identifier_for(bill_type: str, number: str | int) -> str:
    """`HR`, `3076` -> `HR 3076` (normalized)."""
    return normalize_identifier(f"{bill_type} {number}")


def public_url(congress: str | int, bill_type: str, number: str | int) -> str:
    """The bill's public congress.gov page (documented URL pattern)."""
    n = int(congress)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    slug = BILL_TYPES.get(bill_type.lower(), ("bill", "bill"))[1]
    return f"https://www.congress.gov/bill/{n}{suffix}-congress/{slug}/{number}"


def classification_for(bill_type: str) -> str:
    """Open States bill classification for a federal bill type."""
    return BILL_TYPES.get(bill_type.lower(), ("bill", ""))[0]


def html_to_text(html: str | None, limit: int = 20000) -> str:
    """Plain text of a CRS summary (HTML), whitespace collapsed, size-limited."""
    if not html:
        return ""
    text = BeautifulSoup(html, "html.parser").get_text(" ")
    return re.sub(r"\s+", " ", text).strip()[:limit]


def build_actions(items: Iterable[Mapping[str, Any]]) -> list[ActionRecord]:
    """Action dicts ({actionDate, text, type, sourceSystem}) -> dated, classified actions.

    The Library of Congress repeats an action once per recording system (House floor
    and LoC both enter "Passed/agreed to in House"): keep one per (date, text).
    The API lists newest first; the result is oldest first.
    """
    seen: set[tuple[str, str]] = set()
    out: list[ActionRecord] = []
    for item in reversed(list(items)):
        text = re.sub(r"\s+", " ", str(item.get("text") or "")).strip()
        when = parse_date(item.get("actionDate"))
        if not text or when is None:
            continue
        key = (when.isoformat(), text)
        if key in seen:
            continue
        seen.add(key)
        source_code = str((item.get("sourceSystem") or {}).get("code") or "").strip()
        action_type = str(item.get("type") or "")
        chamber = _SOURCE_CHAMBER.get(source_code)
        if action_type in ("President", "BecameLaw", "Veto"):
            chamber = "executive"
        elif chamber is None:
            chamber = chamber_from_text(text)
        labels = classify_action(text, chamber)
        extra = _TYPE_CLASSIFICATION.get(action_type)
        if extra and extra not in labels and not (extra == "executive-veto" and "fail" in text):
            labels.append(extra)
        out.append(
            ActionRecord(date=when, description=text, chamber=chamber, classification=labels)
        )
    out.sort(key=lambda a: a.date)
    return out


_SUFFIX = re.compile(r",?\s*\b(Jr|Sr|II|III|IV|V)\.?\s*$")


def direct_order_name(inverted: str) -> str:
    """`Johnson, Henry C. "Hank," Jr.` -> `Henry C. "Hank" Johnson Jr.` (list items invert)."""
    if "," not in inverted:
        return inverted.strip()
    last, _, rest = inverted.partition(",")
    suffix = ""
    match = _SUFFIX.search(rest)
    if match:
        suffix, rest = (
            match.group(1) + ("." if match.group(1) in ("Jr", "Sr") else ""),
            rest[: match.start()],
        )
    rest = re.sub(r',\s*"', '"', rest).strip().strip(",").strip()
    return " ".join(p for p in (rest, last.strip(), suffix) if p)


# BILLSTATUS and Congress.gov sponsor lines: `Rep. Johnson, Henry C. "Hank," Jr. [D-GA-4]`.
_TITLE = re.compile(r"^(Rep|Sen|Del|Resident Commissioner|Commish)\.?\s+")
_PARTY_TAG = re.compile(r"\s*\[[^\]]*\]\s*$")


def loc_sponsor_name(name: str) -> str:
    """`Rep. Johnson, Henry C. "Hank," Jr. [D-GA-4]` -> `Henry C. "Hank" Johnson Jr.`."""
    return direct_order_name(_TITLE.sub("", _PARTY_TAG.sub("", name)))


def build_sponsor(item: Mapping[str, Any], role: str) -> SponsorRecord:
    """A sponsor/cosponsor dict -> SponsorRecord with `bioguide:` external id."""
    bioguide = item.get("bioguideId")
    name = item.get("fullName") or item.get("name") or ""
    if name:
        name = loc_sponsor_name(str(name))
    else:
        name = " ".join(str(p) for p in (item.get("firstName"), item.get("lastName")) if p).strip()
    return SponsorRecord(
        name=str(name),
        role=role,
        party=(str(item["party"]) if item.get("party") else None),
        external_id=f"bioguide:{bioguide}" if bioguide else None,
    )


def build_versions(items: Iterable[Mapping[str, Any]]) -> list[VersionRecord]:
    """textVersions items -> one VersionRecord per version, in the best format offered:
    Formatted XML (USLM or the GPO bill DTD: keeps section structure), then HTML, then PDF."""
    out: list[VersionRecord] = []
    for item in items:
        formats = list(item.get("formats") or [])
        if not formats:
            continue
        rank = {"Formatted XML": 0, "Formatted Text": 1, "PDF": 2}
        formats.sort(key=lambda f: rank.get(str(f.get("type")), 3))
        best = formats[0]
        url = str(best.get("url") or "")
        if not url:
            continue
        media = {
            "Formatted XML": "application/xml",
            "Formatted Text": "text/html",
            "PDF": "application/pdf",
        }.get(str(best.get("type")), "application/xml" if url.endswith(".xml") else None)
        out.append(
            VersionRecord(
                note=str(item.get("type") or ""),
                url=url,
                date=parse_date(item.get("date")),
                media_type=media,
            )
        )
    return out


def latest_summary(items: Iterable[Mapping[str, Any]]) -> str:
    """Text of the most recent CRS summary."""
    best: Mapping[str, Any] | None = None
    best_key: tuple[str, str] = ("", "")
    for item in items:
        key = (
            str(item.get("actionDate") or ""),
            str(item.get("updateDate") or item.get("lastSummaryUpdateDate") or ""),
        )
        if best is None or key >= best_key:
            best, best_key = item, key
    return html_to_text(best.get("text")) if best else ""
