"""Oregon Legislature bill history pages (leg.state.or.us, 2009-2011 layout).

Source URL pattern: one history page per measure under
    http://www.leg.state.or.us/{session code}/measures/... (e.g. session code `10ss1`
    for the 2010 special session), with text versions at
    http://www.leg.state.or.us/{session code}/measures/{hundreds}.dir/{bill}.{version}.html
The site has since moved to olis.oregonlegislature.gov; this module reads the saved
pages (`tracker import --source or-legislature PATH --session 2010S1`) and re-fetches a
page by URL (`fetch_bill({"url": ...})`, used by sync --replay and reparse).
Auth: none. Limits: none published; one request every two seconds.
Quirks: action dates are printed `MM/DD (H|S)` WITHOUT the year - the year comes from
`--session` (its first four-digit number); sponsors are one free-text line
("By Representatives A, B, Senator C; Representatives D ... -- Relating to ...") where
the part before the first `;` names the chief sponsors.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup

from scrapers.base import Scraper
from tracker.errors import ParseError, ScrapeError
from tracker.ids import normalize_identifier
from tracker.records import ActionRecord, BillRecord, SourceRef, SponsorRecord, VersionRecord
from tracker.status import classify_action

SOURCE = "or-legislature"
_ROW_DATE = re.compile(r"^(\d{2})/(\d{2})\s*\((H|S)\)$")
_TITLES = re.compile(r"\b(Representatives?|Senators?)\b\s*")


def _text(node: Any) -> str:
    return re.sub(r"\s+", " ", node.get_text(" ") if node is not None else "").strip()


def session_year(session: str | None) -> int:
    """The calendar year of a session name ("2010S1", "2011 Regular Session")."""
    match = re.search(r"(19|20)\d{2}", session or "")
    if not match:
        raise ParseError(
            "Oregon history pages print dates without the year: pass --session with a year "
            "(e.g. 2010S1)",
            source=SOURCE,
        )
    return int(match.group(0))


def _sponsors(line: str) -> list[SponsorRecord]:
    line = re.sub(r"^By\s+", "", line).split(" -- ", 1)[0]
    line = re.sub(r"\((?:at the request of|Presession filed)[^)]*\)", "", line, flags=re.I)
    out: list[SponsorRecord] = []
    for group_no, group in enumerate(line.split(";")):
        for name in _TITLES.sub(",", group).split(","):
            name = name.strip(" .")
            if name and not name.lower().startswith("committee"):
                out.append(
                    SponsorRecord(name=name, role="primary" if group_no == 0 else "cosponsor")
                )
    return out


def parse_history(html: bytes | str, session: str | None, url: str | None = None) -> BillRecord:
    """A measure history page -> BillRecord (dates get the session's year)."""
    soup = BeautifulSoup(html, "lxml")
    heading = soup.find("h1")
    if heading is None:
        raise ParseError(
            "Oregon history page layout changed: no <h1> measure name", url=url, source=SOURCE
        )
    rows = soup.find_all("tr")
    head = None
    actions: list[ActionRecord] = []
    year = session_year(session)
    for row in rows:
        cells = row.find_all("td")
        if len(cells) < 2:
            continue
        first, second = _text(cells[0]), _text(cells[1])
        match = _ROW_DATE.match(first)
        if match:
            month, day, chamber_letter = match.groups()
            chamber = "upper" if chamber_letter == "S" else "lower"
            if re.search(r"\bgovernor signed\b", second, re.I):
                chamber = "executive"
            actions.append(
                ActionRecord(
                    date=date(year, int(month), int(day)),
                    description=second,
                    chamber=chamber,
                    classification=classify_action(second, chamber),
                )
            )
        elif head is None and re.match(r"^[A-Z]{1,4}\s*\d+$", first):
            head = (first, second)
    if head is None:
        raise ParseError(
            "Oregon history page layout changed: no measure row (e.g. 'HB 3623 | By ...')",
            url=url,
            source=SOURCE,
        )
    if not actions:
        raise ParseError(
            "Oregon history page layout changed: no 'MM/DD (H|S)' rows", url=url, source=SOURCE
        )
    identifier = normalize_identifier(head[0])
    title = head[1].split(" -- ", 1)[1].strip() if " -- " in head[1] else _text(heading)
    versions = []
    for anchor in soup.find_all("a", href=True):
        if _text(anchor).lower() != "html":
            continue
        label = anchor.previous_sibling
        note = re.sub(r"[\s(]+$", "", str(label or "")).strip()
        versions.append(
            VersionRecord(note=note or "text", url=anchor["href"], media_type="text/html")
        )
    raw = html if isinstance(html, bytes) else html.encode()
    return BillRecord(
        jurisdiction="or",
        session=str(session),
        identifier=identifier,
        title=title,
        actions=actions,
        sponsors=_sponsors(head[1]),
        versions=versions,
        url=url,
        source_updated=hashlib.sha256(raw).hexdigest(),
        sources=[SourceRef(source=SOURCE, url=url, source_id=f"{session}-{identifier}")],
    )


class OrLegislatureScraper(Scraper):
    """Oregon measure history pages (saved pages, or re-fetch by URL)."""

    source = SOURCE
    rate_per_second = 0.5
    jurisdictions = ("or",)
    suffixes = (".html", ".htm")

    def scrape(self, since: Any = None, **kwargs: Any) -> Iterator[Any]:
        """The 2011-era site has no listing we can page through; import or fetch by URL."""
        raise ScrapeError(
            "or-legislature has no live listing (leg.state.or.us was retired): use "
            "`tracker import --source or-legislature PATH --session YEAR` or the openstates source"
        )

    def fetch_bill(self, ref: Mapping[str, Any]) -> BillRecord:
        """One history page by URL; `ref["session"]` supplies the year."""
        assert self.http is not None
        resp = self.http.get(str(ref["url"]), kind="bill", ref=dict(ref))
        return parse_history(resp.content, ref.get("session"), url=resp.url)

    def parse_file(
        self, path: Path, *, session: str | None = None, jurisdiction: str | None = None
    ) -> Iterator[Any]:
        """A saved history page; `--session` is required (dates carry no year)."""
        yield parse_history(path.read_bytes(), session, url=None)
