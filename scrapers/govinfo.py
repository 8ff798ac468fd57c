"""GovInfo BILLSTATUS bulk XML: federal bill status, no key needed.

Source: https://www.govinfo.gov/bulkdata/BILLSTATUS/{congress}/{type}/BILLSTATUS-{congress}{type}{number}.xml
(usgpo/bill-status README and BILLSTATUS-XML User Guide).
Discovery: the documented sitemap index
https://www.govinfo.gov/sitemap/bulkdata/BILLSTATUS/sitemapindex.xml names one sitemap
per collection; those of the wanted Congress list every file with its `lastmod`, and a
file is fetched only when `lastmod` differs from the token we stored. If the index
names none for that Congress, the per-type sitemap URL
https://www.govinfo.gov/sitemap/bulkdata/BILLSTATUS/{congress}{type}/sitemap.xml is
tried (that naming is inferred, not documented). Current Congress refreshed every 4 hours.
Auth: none. Limits: undocumented; we send one request per second.
Quirks: three layouts - v3.0.0 (`<version>` first, `<number>`/`<type>`, flat
`summaries/summary`, `subjects/legislativeSubjects`), v1.0.0 (`<version>` last,
`billNumber`/`billType`, `summaries/billSummaries/item`, `subjects/billSubjects`) and
the unversioned legacy layout (alphabetical children, `otherSubjects`, no textVersions).
The same bill from Congress.gov gets the same stable id, so the two merge.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from lxml import etree

from scrapers.base import (
    Checkpoint,
    Failure,
    Scraper,
    Unchanged,
    if_modified_since,
    parse_date,
)
from scrapers.federal import (
    build_actions,
    build_sponsor,
    build_versions,
    classification_for,
    identifier_for,
    latest_summary,
    public_url,
)
from scrapers.topics import matches_topics
from tracker.errors import NotFound, ParseError
from tracker.records import BillRecord, SourceRef, VoteRecord

SOURCE = "govinfo"
BULK = "https://www.govinfo.gov/bulkdata/BILLSTATUS"
SITEMAP_INDEX = "https://www.govinfo.gov/sitemap/bulkdata/BILLSTATUS/sitemapindex.xml"
SITEMAP = "https://www.govinfo.gov/sitemap/bulkdata/BILLSTATUS/{congress}{type}/sitemap.xml"
BILL_TYPES = ("hr", "s", "hjres", "sjres", "hconres", "sconres", "hres", "sres")
_SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _element_to_dict(el: etree._Element) -> Any:
    """XML -> dict/list/str the way the JSON API shapes the same record."""
    children = [c for c in el if isinstance(c.tag, str)]
    if not children:
        return (el.text or "").strip()
    if all(c.tag == "item" for c in children) or all(c.tag == "summary" for c in children):
        return [_element_to_dict(c) for c in children]
    out: dict[str, Any] = {}
    for child in children:
        value = _element_to_dict(child)
        if child.tag == "item":
            out.setdefault("_items", []).append(value)
        else:
            out[child.tag] = value
    return out


def _items(value: Any, *path: str) -> list[Any]:
    """Walk nested keys and return the list at the end ([] when absent)."""
    for key in path:
        if isinstance(value, Mapping):
            value = value.get(key)
        else:
            return []
    if isinstance(value, Mapping):
        value = value.get("_items", [])
    return value if isinstance(value, list) else []


def schema_version(root: etree._Element) -> str:
    """`3.0.0`, `1.0.0` or `legacy` (no version element)."""
    version = root.findtext("version") or root.findtext("bill/version")
    return version.strip() if version else "legacy"


def parse_billstatus(content: bytes, url: str | None = None) -> BillRecord:
    """A BILLSTATUS XML document (any of the three layouts) -> BillRecord."""
    try:
        root = etree.fromstring(content, parser=etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"malformed BILLSTATUS XML: {exc}", url=url, source=SOURCE) from exc
    bill_el = root.find("bill")
    if root.tag != "billStatus" or bill_el is None:
        raise ParseError("not a BILLSTATUS document: no <billStatus><bill>", url=url, source=SOURCE)
    bill = _element_to_dict(bill_el)
    number = bill.get("number") or bill.get("billNumber")
    bill_type = bill.get("type") or bill.get("billType")
    congress = bill.get("congress")
    missing = [
        n for n, v in (("number", number), ("type", bill_type), ("congress", congress)) if not v
    ]
    if missing:
        raise ParseError(f"BILLSTATUS bill lacks {', '.join(missing)}", url=url, source=SOURCE)
    actions = build_actions(_items(bill, "actions"))
    sponsors = [build_sponsor(s, "primary") for s in _items(bill, "sponsors")]
    for item in _items(bill, "cosponsors"):
        if not item.get("sponsorshipWithdrawnDate"):
            sponsors.append(build_sponsor(item, "cosponsor"))
    subjects_block = bill.get("subjects") or {}
    if isinstance(subjects_block, Mapping) and "billSubjects" in subjects_block:
        subjects_block = subjects_block["billSubjects"] or {}
    names: list[str] = []
    # The legacy layout names the policy area `primarySubject` (on the bill and inside
    # billSubjects); later layouts call it `policyArea`.
    for policy in (
        bill.get("policyArea"),
        bill.get("primarySubject"),
        subjects_block.get("primarySubject") if isinstance(subjects_block, Mapping) else None,
    ):
        if isinstance(policy, Mapping) and policy.get("name"):
            names.append(str(policy["name"]))
    for key in ("legislativeSubjects", "otherSubjects"):
        names.extend(str(s.get("name")) for s in _items(subjects_block, key) if s.get("name"))
    summaries = bill.get("summaries")
    if isinstance(summaries, Mapping):
        summaries = _items(summaries, "billSummaries")
    versions = build_versions(
        {**v, "formats": _items(v, "formats")} for v in _items(bill, "textVersions")
    )
    token = bill.get("updateDateIncludingText") or bill.get("updateDate") or None
    source_id = f"{int(congress)}-{str(bill_type).lower()}{number}"
    if not url or not url.startswith("http"):
        url = bulk_url(congress, str(bill_type), number)
    record = BillRecord(
        jurisdiction="us",
        session=str(int(congress)),
        identifier=identifier_for(str(bill_type), number),
        title=str(bill.get("title") or ""),
        abstract=latest_summary(summaries if isinstance(summaries, list) else []),
        classification=classification_for(str(bill_type)),
        actions=actions,
        sponsors=sponsors,
        versions=versions,
        subjects=list(dict.fromkeys(names)),
        introduced_date=parse_date(bill.get("introducedDate")),
        url=public_url(congress, str(bill_type), number),
        source_updated=token,
        sources=[SourceRef(source=SOURCE, url=url, source_id=source_id)],
    )
    if _items(bill, "laws"):
        law_date = next(
            (a.date for a in reversed(actions) if "became-law" in a.classification), None
        )
        record.status, record.status_date = "enacted", law_date
    return record


_TALLY = re.compile(r"(\d+)\s*-\s*(\d+)")


def recorded_votes(content: bytes, record: BillRecord) -> list[VoteRecord]:
    """Roll calls the bill's actions point to (`recordedVotes`): motion, date, tallies.

    Keyed like Congress.gov's house votes (`us-house-vote:117-2-68`), so the member
    votes a /house-vote import adds land on the same roll call.
    """
    root = etree.fromstring(content, parser=etree.XMLParser(resolve_entities=False))
    bill = _element_to_dict(root.find("bill"))
    stable = f"us-{record.session}-" + record.identifier.replace(" ", "").lower()
    out: dict[str, VoteRecord] = {}
    for action in _items(bill, "actions"):
        text = re.sub(r"\s+", " ", str(action.get("text") or "")).strip()
        block = action.get("recordedVotes") or {}
        found = (
            block.get("recordedVote") or block.get("_items") if isinstance(block, Mapping) else []
        )
        for rv in found if isinstance(found, list) else [found]:
            if not isinstance(rv, Mapping):
                continue
            chamber = {"House": "lower", "Senate": "upper"}.get(str(rv.get("chamber")))
            key = f"{rv.get('congress')}-{rv.get('sessionNumber')}-{rv.get('rollNumber')}"
            if not chamber or not rv.get("rollNumber") or key in out:
                continue
            tally = _TALLY.search(text)
            lowered = text.lower()
            result = (
                "fail"
                if re.search(r"\bfailed\b|not agreed|rejected|not invoked", lowered)
                else "pass"
                if re.search(r"\bpassed\b|agreed to|invoked|adopted", lowered)
                else None
            )
            out[key] = VoteRecord(
                jurisdiction="us",
                external_id=f"us-{'house' if chamber == 'lower' else 'senate'}-vote:{key}",
                motion=text,
                # The action's date is the legislative day; rv's is a UTC timestamp.
                date=parse_date(action.get("actionDate"))
                or parse_date(str(rv.get("date") or "")[:10]),
                chamber=chamber,
                bill_id=stable,
                result=result,
                yes=int(tally.group(1)) if tally else 0,
                no=int(tally.group(2)) if tally else 0,
                sources=[SourceRef(source=SOURCE, url=str(rv.get("url") or "") or None)],
            )
    return list(out.values())


def bulk_url(congress: Any, bill_type: str, number: Any) -> str:
    """The documented bulk-data URL of one BILLSTATUS file."""
    t = bill_type.lower()
    return f"{BULK}/{int(congress)}/{t}/BILLSTATUS-{int(congress)}{t}{number}.xml"


def parse_sitemap(content: bytes, url: str | None = None) -> list[tuple[str, str]]:
    """A BILLSTATUS sitemap -> [(file URL, lastmod)]."""
    try:
        root = etree.fromstring(content, parser=etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"malformed sitemap XML: {exc}", url=url, source=SOURCE) from exc
    out = []
    for node in root.iter(f"{_SITEMAP_NS}url", "url"):
        loc = node.findtext(f"{_SITEMAP_NS}loc") or node.findtext("loc")
        lastmod = node.findtext(f"{_SITEMAP_NS}lastmod") or node.findtext("lastmod") or ""
        if loc:
            out.append((loc.strip(), lastmod.strip()))
    return out


def parse_sitemap_index(content: bytes, url: str | None = None) -> list[str]:
    """A sitemap index -> the child sitemap URLs."""
    try:
        root = etree.fromstring(content, parser=etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"malformed sitemap index XML: {exc}", url=url, source=SOURCE) from exc
    return [
        loc.strip()
        for node in root.iter(f"{_SITEMAP_NS}sitemap", "sitemap")
        if (loc := node.findtext(f"{_SITEMAP_NS}loc") or node.findtext("loc"))
    ]


def sitemaps_for_congress(locs: list[str], congress: int) -> list[str]:
    """The child sitemaps of one Congress (`.../BILLSTATUS/118hr/...`, `.../118/...`)."""
    pattern = re.compile(rf"/BILLSTATUS/{congress}(?:[a-z]+)?(?:/|$)")
    return [loc for loc in locs if pattern.search(loc)]


def source_id_from_url(url: str) -> str:
    """`.../BILLSTATUS-117hr2471.xml` -> `117-hr2471`."""
    stem = url.rsplit("/", 1)[-1].removeprefix("BILLSTATUS-").removesuffix(".xml")
    digits = len(stem) - len(stem.lstrip("0123456789"))
    return f"{stem[:digits]}-{stem[digits:]}"


class GovInfoScraper(Scraper):
    """Federal bills from GovInfo BILLSTATUS bulk data, incremental by sitemap lastmod."""

    source = SOURCE
    rate_per_second = 1.0
    jurisdictions = ("us",)
    suffixes = (".xml",)

    def __init__(self, http: Any, settings: Any, session: str | None = None):
        super().__init__(http, settings, session)
        self.congress = int(session) if session else current_congress()

    def scrape(
        self,
        since: date | datetime | None = None,
        *,
        jurisdiction: str | None = None,
        known: Mapping[str, str] | None = None,
        resume: Mapping[str, Any] | None = None,
        topics: list[str] | None = None,
    ) -> Iterator[Any]:
        """Yield bills whose sitemap lastmod changed (titles filtered by topic)."""
        assert self.http is not None
        known = known or {}
        index = self.http.get(SITEMAP_INDEX, kind="sitemap-index")
        sitemaps = sitemaps_for_congress(
            parse_sitemap_index(index.content, index.url), self.congress
        )
        if not sitemaps:
            sitemaps = [SITEMAP.format(congress=self.congress, type=t) for t in BILL_TYPES]
        start = int((resume or {}).get("sitemap", 0))
        for position, sitemap_url in enumerate(sitemaps):
            if position < start:
                continue
            yield Checkpoint({"sitemap": position})
            try:
                # Conditional GET: a sitemap untouched since the last run answers 304.
                resp = self.http.get(
                    sitemap_url,
                    kind="sitemap",
                    headers=if_modified_since(since),
                    allow_status=(304,),
                )
            except NotFound:
                continue  # no bills of this type yet in this Congress
            if resp.status == 304:
                continue
            for file_url, lastmod in parse_sitemap(resp.content, resp.url):
                sid = source_id_from_url(file_url)
                if known.get(sid) == lastmod:
                    yield Unchanged(sid)
                    continue
                if since is not None and lastmod and lastmod[:10] < _iso(since):
                    continue
                ref = {"url": file_url, "lastmod": lastmod}
                try:
                    record = self.fetch_bill(ref)
                except (ParseError, NotFound) as exc:
                    yield Failure(SOURCE, str(exc), url=file_url, source_id=sid)
                    continue
                if sid in known or matches_topics(record.title, topics):
                    yield record

    def fetch_bill(self, ref: Mapping[str, Any]) -> BillRecord:
        """One BILLSTATUS file; its sitemap lastmod becomes the change token."""
        assert self.http is not None
        resp = self.http.get(str(ref["url"]), kind="bill", ref=dict(ref))
        record = parse_billstatus(resp.content, resp.url)
        if ref.get("lastmod"):
            record.source_updated = str(ref["lastmod"])
        return record

    def parse_file(
        self, path: Path, *, session: str | None = None, jurisdiction: str | None = None
    ) -> Iterator[Any]:
        """A saved BILLSTATUS XML file (the bill, then its recorded roll calls)."""
        # Source links name the bill's bulk-data URL, not a local path.
        content = path.read_bytes()
        record = parse_billstatus(content, url=None)
        yield record
        yield from recorded_votes(content, record)


def current_congress(today: date | None = None) -> int:
    """The Congress sitting on a date (the 1st began in 1789; each lasts two years)."""
    today = today or date.today()
    year = today.year if today.month > 1 or today.day >= 3 else today.year - 1
    return (year - 1789) // 2 + 1


def _iso(value: date | datetime) -> str:
    return (value.date() if isinstance(value, datetime) else value).isoformat()
