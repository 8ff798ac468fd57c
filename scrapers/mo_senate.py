"""Missouri Senate bill pages (requests + BeautifulSoup).

Source URL pattern (ASP.NET "BTS_Web" pages, one set per session year YY):
    list:      https://www.senate.mo.gov/{YY}info/BTS_Web/BillList.aspx?SessionType=R
    bill:      https://www.senate.mo.gov/{YY}info/BTS_Web/Bill.aspx?SessionType=R&BillID={id}
    actions:   https://www.senate.mo.gov/{YY}info/BTS_Web/Actions.aspx?SessionType=R&BillID={id}
    text:      https://www.senate.mo.gov/{YY}info/BTS_Web/BillText.aspx?SessionType=R&BillID={id}
Auth: none. Limits: none published; one request every two seconds.
Incremental: the site has no change feed or conditional requests; the sha256 of the
bill + actions pages is the change token, so an unchanged bill is not rewritten.
Quirks: element ids are the only stable hooks (`lblBillNum`, `lblBriefDesc`,
`hlSponsor`, `lblLastAction`, `lblSummary`, `hlAllActions`); action rows are a bare
`<table border=3>` of (M/D/YYYY, text, journal page); action text starts with the
chamber letter ("S First Read", "H Referred"); CRLF line endings.
A page missing a required element raises ParseError naming the element.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from bs4 import BeautifulSoup

from scrapers import mo_house
from scrapers.base import Checkpoint, Failure, Scraper, Unchanged
from tracker.errors import NotFound, ParseError
from tracker.ids import normalize_identifier
from tracker.records import ActionRecord, BillRecord, SourceRef, SponsorRecord, VersionRecord
from tracker.status import classify_action

SOURCE = "mo-senate"
SITE = "https://www.senate.mo.gov"
_DATE = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")


def _soup(html: bytes | str) -> BeautifulSoup:
    return BeautifulSoup(html, "lxml")


def _text(node: Any) -> str:
    return re.sub(r"\s+", " ", node.get_text(" ") if node is not None else "").strip()


def _require(soup: BeautifulSoup, element_id: str, page: str, url: str | None) -> Any:
    node = soup.find(id=element_id)
    if node is None:
        raise ParseError(
            f"Missouri Senate {page} page layout changed: element #{element_id} is missing",
            url=url,
            source=SOURCE,
        )
    return node


def _chamber(text: str) -> str | None:
    if text.startswith("S ") or " S " in text[:40] and "Senate" in text:
        return "upper"
    if text.startswith("H "):
        return "lower"
    if re.search(r"\bgovernor\b", text, re.I):
        return "executive"
    if re.search(r"\bS\b", text):
        return "upper"
    if re.search(r"\bH\b", text):
        return "lower"
    return None


def _https(link: str) -> str:
    """2011-era pages link with http://; the site answers on https, so ask there."""
    if link.startswith("http://www.senate.mo.gov/"):
        return "https://" + link[len("http://") :]
    return link


def parse_detail(html: bytes | str, url: str | None = None) -> dict[str, Any]:
    """Bill.aspx -> {identifier, title, sponsor, last_action, summary, links, year}."""
    soup = _soup(html)
    number = _text(_require(soup, "lblBillNum", "bill", url))
    title = _text(_require(soup, "lblBriefDesc", "bill", url))
    actions_link = _require(soup, "hlAllActions", "bill", url)
    if not number:
        raise ParseError("Missouri Senate bill page: #lblBillNum is empty", url=url, source=SOURCE)
    bill_list = soup.find(id="hlBillList")
    year = None
    match = re.search(r"\b(\d{4})\b", _text(bill_list)) if bill_list is not None else None
    if match:
        year = match.group(1)
    links = {
        key: _https(urljoin(url or SITE, node["href"]))
        for key, node in (
            ("actions", actions_link),
            ("text", soup.find(id="hlFullBillText")),
            ("cosponsors", soup.find(id="hlCoSponsors")),
        )
        if node is not None and node.get("href")
    }
    sponsor = soup.find(id="hlSponsor")
    handler = soup.find(id="hlHSponsor")
    return {
        "identifier": normalize_identifier(number),
        "title": title,
        "sponsor": _text(sponsor) or None,
        "house_handler": _text(handler) or None,
        "last_action": _text(soup.find(id="lblLastAction")) or None,
        "summary": _text(soup.find(id="lblSummary")),
        "links": links,
        "year": year,
    }


def parse_actions(html: bytes | str, url: str | None = None) -> tuple[str, str, list[ActionRecord]]:
    """Actions.aspx -> (identifier, short title, actions oldest first)."""
    soup = _soup(html)
    number = _text(_require(soup, "lblBillNum", "actions", url))
    title = _text(soup.find(id="lblBriefDesc"))
    actions = []
    for row in soup.find_all("tr"):
        cells = row.find_all("td", recursive=False)
        if len(cells) < 2:
            continue
        when = _text(cells[0])
        if not _DATE.match(when):
            continue
        text = _text(cells[1])
        if not text:
            continue
        chamber = _chamber(text)
        actions.append(
            ActionRecord(
                date=datetime.strptime(when, "%m/%d/%Y").date(),
                description=text,
                chamber=chamber,
                classification=classify_action(text, chamber),
            )
        )
    if not actions:
        raise ParseError(
            "Missouri Senate actions page layout changed: no (date, action) rows found",
            url=url,
            source=SOURCE,
        )
    return normalize_identifier(number), title, actions


def parse_versions(html: bytes | str, url: str | None = None) -> list[VersionRecord]:
    """BillText.aspx -> one VersionRecord per PDF link."""
    soup = _soup(html)
    return [
        VersionRecord(
            note=_text(a), url=urljoin(url or SITE, a["href"]), media_type="application/pdf"
        )
        for a in soup.find_all("a", href=True)
        if "/pdf-bill/" in a["href"]
    ]


def parse_cosponsors(html: bytes | str) -> list[str]:
    """Co-sponsor page -> names ("John Lamping, District 24" -> "John Lamping")."""
    soup = _soup(html)
    return [
        _text(a).split(",")[0]
        for a in soup.find_all("a", id=re.compile(r"hlCoSponsor$"))
        if _text(a)
    ]


def build_bill(
    detail_html: bytes | str | None,
    actions_html: bytes | str | None = None,
    *,
    versions_html: bytes | str | None = None,
    cosponsors_html: bytes | str | None = None,
    session: str | None = None,
    url: str | None = None,
    actions_url: str | None = None,
) -> BillRecord:
    """Bill page (+ actions, text, co-sponsor pages) -> BillRecord."""
    detail = parse_detail(detail_html, url) if detail_html is not None else None
    actions: list[ActionRecord] = []
    identifier = detail["identifier"] if detail else None
    title = detail["title"] if detail else ""
    if actions_html is not None:
        number, short_title, actions = parse_actions(actions_html, actions_url)
        if identifier and number != identifier:
            raise ParseError(
                f"actions page is for {number}, bill page for {identifier}",
                url=actions_url,
                source=SOURCE,
            )
        identifier, title = identifier or number, title or short_title
    if identifier is None:
        raise ParseError("no Missouri Senate bill or actions page given", url=url, source=SOURCE)
    # Prefiling happens in December of the year before: the session is the year most
    # actions fall in.
    years = Counter(a.date.year for a in actions)
    year = (
        session
        or (detail or {}).get("year")
        or (str(years.most_common(1)[0][0]) if years else None)
    )
    if not year:
        raise ParseError("cannot tell the session year: pass --session", url=url, source=SOURCE)
    sponsors = []
    if detail and detail["sponsor"]:
        sponsors.append(SponsorRecord(name=detail["sponsor"], role="primary"))
    if cosponsors_html is not None:
        sponsors += [
            SponsorRecord(name=n, role="cosponsor") for n in parse_cosponsors(cosponsors_html)
        ]
    digest = hashlib.sha256(
        (detail_html or b"") if isinstance(detail_html, bytes) else (detail_html or "").encode()
    )
    digest.update(
        actions_html if isinstance(actions_html, bytes) else (actions_html or "").encode()
    )
    return BillRecord(
        jurisdiction="mo",
        session=str(year),
        identifier=identifier,
        title=title,
        abstract=(detail or {}).get("summary") or "",
        actions=actions,
        sponsors=sponsors,
        versions=parse_versions(versions_html, url) if versions_html is not None else [],
        url=url,
        source_updated=digest.hexdigest(),
        sources=[
            SourceRef(source=SOURCE, url=url or actions_url, source_id=f"{year}-{identifier}")
        ],
    )


def parse_bill_list(html: bytes | str, url: str) -> list[str]:
    """BillList.aspx -> absolute Bill.aspx URLs."""
    soup = _soup(html)
    links = [
        _https(urljoin(url, a["href"]))
        for a in soup.find_all("a", href=True)
        if "Bill.aspx" in a["href"]
    ]
    if not links:
        raise ParseError(
            "Missouri Senate bill list layout changed: no Bill.aspx links", url=url, source=SOURCE
        )
    return list(dict.fromkeys(links))


class MoSenateScraper(Scraper):
    """Missouri Senate bills from senate.mo.gov pages."""

    source = SOURCE
    rate_per_second = 0.5
    jurisdictions = ("mo",)
    suffixes = (".html", ".htm")

    def __init__(self, http: Any, settings: Any, session: str | None = None):
        super().__init__(http, settings, session)
        self.year = int(session) if session else date.today().year

    def scrape(
        self,
        since: date | datetime | None = None,
        *,
        jurisdiction: str | None = None,
        known: Mapping[str, str] | None = None,
        resume: Mapping[str, Any] | None = None,
        topics: list[str] | None = None,
    ) -> Iterator[Any]:
        """Every bill on the session's list whose pages changed (titles filtered by topic)."""
        from scrapers.topics import matches_topics

        assert self.http is not None
        known = known or {}
        list_url = f"{SITE}/{self.year % 100:02d}info/BTS_Web/BillList.aspx?SessionType=R"
        resp = self.http.get(list_url, kind="bill-list")
        done = set((resume or {}).get("done") or [])
        for bill_url in parse_bill_list(resp.content, resp.url):
            if bill_url in done:
                continue
            try:
                record = self.fetch_bill({"url": bill_url, "year": str(self.year)})
            except (ParseError, NotFound) as exc:
                yield Failure(SOURCE, str(exc), url=bill_url)
                continue
            sid = record.sources[0].source_id or ""
            if known.get(sid) == record.source_updated:
                yield Unchanged(sid)
            elif sid in known or matches_topics(f"{record.title} {record.abstract}", topics):
                yield record
            done.add(bill_url)
            yield Checkpoint({"done": sorted(done)})

    def fetch_bill(self, ref: Mapping[str, Any]) -> BillRecord:
        """Bill page, then its actions page."""
        assert self.http is not None
        detail = self.http.get(str(ref["url"]), kind="bill", ref=dict(ref))
        parsed = parse_detail(detail.content, detail.url)
        actions = self.http.get(parsed["links"]["actions"], kind="actions")
        return build_bill(
            detail.content,
            actions.content,
            session=ref.get("year"),
            url=detail.url,
            actions_url=actions.url,
        )

    def parse_file(
        self, path: Path, *, session: str | None = None, jurisdiction: str | None = None
    ) -> Iterator[Any]:
        """A saved bill page (sibling actions/text/co-sponsor pages of the same bill join it)
        or an actions page whose bill page was not saved."""
        raw = path.read_bytes()
        soup = _soup(raw)
        if soup.find(id="lblActions") is not None and soup.find(id="lblBillNum") is None:
            return  # a House actions page: joined to its House bill page
        if soup.find(id="BillSummary") is not None:
            # A House bill page (house.mo.gov): the House parser, with its actions page.
            siblings = [
                p for p in path.parent.glob("*.htm*") if mo_house.is_house_page(p.read_bytes())
            ]
            detail = mo_house.parse_house_detail(raw, str(path))
            for record in mo_house.parse_house_files(sorted(set(siblings) | {path})):
                if record.identifier == detail["identifier"]:
                    yield record
            return
        if _page_kind(soup) in ("versions", "cosponsors"):
            return  # joined to their bill page by number
        if soup.find(id="lblBillNum") is None:
            raise ParseError(
                "not a Missouri Senate bill page: element #lblBillNum is missing",
                url=str(path),
                source=SOURCE,
            )
        siblings = _siblings(path)
        if soup.find(id="hlAllActions") is not None:
            ident = normalize_identifier(_text(soup.find(id="lblBillNum")))
            actions = siblings.get(("actions", ident))
            yield build_bill(
                raw,
                actions.read_bytes() if actions else None,
                versions_html=_read(siblings.get(("versions", ident))),
                cosponsors_html=_read(siblings.get(("cosponsors", ident))),
                session=session,
                url=None,
            )
        elif _page_kind(soup) == "actions":
            ident = normalize_identifier(_text(soup.find(id="lblBillNum")))
            if ("detail", ident) not in siblings:
                yield build_bill(None, raw, session=session)


def _read(path: Path | None) -> bytes | None:
    return path.read_bytes() if path else None


def _page_kind(soup: BeautifulSoup) -> str:
    title = _text(soup.find("title")).lower()
    if soup.find(id="hlAllActions") is not None:
        return "detail"
    if title.startswith("actions"):
        return "actions"
    if title.startswith("co-sponsor"):
        return "cosponsors"
    if title.startswith("bill text"):
        return "versions"
    return "other"


def _siblings(path: Path) -> dict[tuple[str, str], Path]:
    out: dict[tuple[str, str], Path] = {}
    for sibling in sorted(path.parent.glob("*.htm*")):
        soup = _soup(sibling.read_bytes())
        kind = _page_kind(soup)
        number = soup.find(id="lblBillNum")
        if number is not None:
            out.setdefault((kind, normalize_identifier(_text(number))), sibling)
        elif kind == "versions":
            match = re.search(
                r"/pdf-bill/\w+/([A-Z]+\d+)\.pdf", sibling.read_text(errors="replace")
            )
            if match:
                out.setdefault((kind, normalize_identifier(match.group(1))), sibling)
    return out
