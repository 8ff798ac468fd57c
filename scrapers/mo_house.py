"""Missouri House bill pages (house.mo.gov, the 2011 ASP.NET layout).

Pages: `BillSummaryPrn.aspx?bill=HB45&year=2011&code=R` (bill: `.BillHeader
.entry-title`, `.BillDescription`, a th/td table with Sponsor, Co-Sponsor, Last
Action, and "Bill Text" links) and `BillActions.aspx?bill=HB45&year=2011&code=R`
(`#lblActions` table: date, journal page, description ending in the chamber, "(H)",
"(S)" or "(G)" for the governor). No auth; 0.5 requests/s like the Senate pages.
Quirks: sponsors are written "Hoskins, Denny (121)" (district in parentheses); the
co-sponsor cell lists the first co-sponsor and "et al." links to the bill text, so
only the named ones are kept. Imported through `tracker import --source mo-senate`
(one Missouri directory holds both chambers' pages); records say `mo-house`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

from bs4 import BeautifulSoup

from tracker.errors import ParseError
from tracker.ids import normalize_identifier
from tracker.records import ActionRecord, BillRecord, SourceRef, SponsorRecord, VersionRecord
from tracker.status import classify_action

SOURCE = "mo-house"
BASE = "https://house.mo.gov/"
_CHAMBER = {"H": "lower", "S": "upper", "G": "executive"}
_MARK = re.compile(r"\s*\((H|S|G)\)\s*")


def _soup(html: bytes | str) -> BeautifulSoup:
    return BeautifulSoup(html, "lxml")


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def is_house_page(html: bytes | str) -> bool:
    """True for a House bill summary or actions page."""
    soup = _soup(html)
    return soup.find(id="BillSummary") is not None or soup.find(id="lblActions") is not None


def _person(text: str) -> str:
    """`Hoskins, Denny (121)` -> `Denny Hoskins`."""
    text = re.sub(r"\(\d+\)", "", text).strip().strip(",")
    last, _, first = text.partition(",")
    return _clean(f"{first} {last}") if first else _clean(last)


def parse_house_detail(html: bytes | str, url: str | None = None) -> dict[str, Any]:
    """Bill summary page -> {identifier, title, year, sponsors, versions, actions_url}."""
    soup = _soup(html)
    header = soup.select_one(".BillHeader .entry-title")
    if header is None:
        raise ParseError(
            "not a Missouri House bill page: .BillHeader .entry-title is missing",
            url=url,
            source=SOURCE,
        )
    fields = {}
    for row in soup.select("#BillDetails table tr"):
        th, td = row.find("th"), row.find("td")
        if th is not None and td is not None:
            fields[_clean(th.get_text()).rstrip(":")] = td
    sponsors = []
    if "Sponsor" in fields:
        sponsors.append(SponsorRecord(_person(fields["Sponsor"].get_text()), "primary"))
    for link in fields["Co-Sponsor"].find_all("a") if "Co-Sponsor" in fields else []:
        if "member.aspx" in (link.get("href") or ""):
            sponsors.append(SponsorRecord(_person(link.get_text()), "cosponsor"))
    actions_link = soup.find("a", string=re.compile(r"^\s*Actions\s*$"))
    year = None
    form = soup.find("form")
    for href in ((actions_link or {}).get("href"), (form or {}).get("action")):
        if href:
            year = (parse_qs(urlsplit(href).query).get("year") or [None])[0] or year
    versions = []
    for section in soup.select(".BillDocsSection"):
        head = section.select_one(".SectionHeader")
        if head is None or _clean(head.get_text()) != "Bill Text":
            continue
        for doc in section.select(".BillDoc"):
            link = doc.find("a", string=re.compile("HTML"))
            if link is not None and link.get("href"):
                note = _clean(doc.get_text().split("(")[0])
                versions.append(VersionRecord(note, urljoin(BASE, link["href"]), None, "text/html"))
    return {
        "identifier": normalize_identifier(_clean(header.get_text())),
        "title": _clean((soup.select_one(".BillDescription") or header).get_text()),
        "year": year,
        "sponsors": sponsors,
        "versions": versions,
        "actions_url": urljoin(BASE, actions_link["href"]) if actions_link else None,
    }


def parse_house_actions(html: bytes | str, url: str | None = None) -> list[ActionRecord]:
    """Activity history page -> actions with the chamber each line names."""
    soup = _soup(html)
    table = soup.select_one("#lblActions table")
    if table is None:
        raise ParseError("Missouri House actions page: #lblActions table missing", url=url)
    out = []
    for row in table.find_all("tr"):
        cells = row.find_all("td")
        if len(cells) < 3:
            continue
        try:
            when = datetime.strptime(_clean(cells[0].get_text()), "%m/%d/%Y").date()
        except ValueError:
            continue  # the header row
        text = _clean(cells[2].get_text())
        mark = _MARK.search(text)
        chamber = _CHAMBER.get(mark.group(1)) if mark else None
        description = _clean(_MARK.sub(" ", text, count=1)).rstrip(" -") if mark else text
        if not description:
            continue
        out.append(ActionRecord(when, description, chamber, classify_action(description, chamber)))
    if not out:
        raise ParseError("Missouri House actions page has no (date, action) rows", url=url)
    return out


def build_house_bill(
    detail_html: bytes | str,
    actions_html: bytes | str | None,
    *,
    url: str | None = None,
) -> BillRecord:
    """Bill page (+ its actions page) -> BillRecord."""
    detail = parse_house_detail(detail_html, url)
    actions = parse_house_actions(actions_html) if actions_html is not None else []
    year = detail["year"] or (str(actions[0].date.year) if actions else None)
    if not year:
        raise ParseError(f"Missouri House {detail['identifier']}: no session year", url=url)
    number = detail["identifier"].replace(" ", "")
    page = url or f"{BASE}BillSummaryPrn.aspx?bill={number}&year={year}&code=R"
    return BillRecord(
        jurisdiction="mo",
        session=str(year),
        identifier=detail["identifier"],
        title=detail["title"],
        actions=actions,
        sponsors=detail["sponsors"],
        versions=detail["versions"],
        url=page,
        sources=[SourceRef(source=SOURCE, url=page, source_id=f"{year}-{number}")],
    )


def parse_house_files(paths: list[Path]) -> Iterator[BillRecord]:
    """Saved House pages in one folder: each bill page joined with its actions page."""
    details, actions = {}, {}
    for path in paths:
        raw = path.read_bytes()
        soup = _soup(raw)
        if soup.find(id="BillSummary") is not None:
            details[parse_house_detail(raw, str(path))["identifier"]] = raw
        elif soup.find(id="lblActions") is not None:
            match = re.search(r"Activity History for ([A-Z]+ ?\d+)", soup.get_text())
            if match:
                actions[normalize_identifier(match.group(1))] = raw
    for ident, raw in details.items():
        yield build_house_bill(raw, actions.get(ident))
