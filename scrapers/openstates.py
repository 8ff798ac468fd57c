"""Open States API v3: state bills (and people) for all 50 states, DC and Puerto Rico.

Source: https://v3.openstates.org (openstates/documentation docs/api-v3/index.md; the
OpenAPI spec at https://v3.openstates.org/openapi.json).
Auth: `X-API-KEY` header (`OPENSTATES_API_KEY`); never sent as `?apikey=`.
Limits: per-key per-minute/day caps enforced server-side (default tier numbers not
documented) -> one request per second, 429 + Retry-After honoured by the HTTP layer.
Incremental: `GET /bills?jurisdiction=XX&updated_since=<cursor>&sort=updated_asc
&include=actions&include=sponsorships&include=versions&include=abstracts&include=sources
&per_page=20&page=N`, once per topic query (`q`); bills whose `updated_at` equals the
stored token are not rewritten. One request per page: the includes carry the whole
bill, so a changed bill costs no extra request.
Quirks: list pagination is `{"results", "pagination": {"page", "max_page", ...}}` and a
page past `max_page` answers 404; non-included list fields come back null;
`latest_passage_date` is "" when none. No recorded v3 response exists in our fixtures:
the test payloads are built from the documented shape and named *.constructed.json.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from scrapers import guard
from scrapers.base import Checkpoint, Failure, Scraper, Unchanged, parse_date
from scrapers.divisions import state_abbr
from tracker.errors import InvalidInput, NotFound, ParseError
from tracker.ids import bill_id as bill_id_for
from tracker.ids import normalize_identifier
from tracker.records import (
    ACTION_CLASSIFICATIONS,
    ActionRecord,
    BillRecord,
    EventRecord,
    PersonVoteRecord,
    SourceRef,
    SponsorRecord,
    VersionRecord,
    VoteRecord,
)
from tracker.status import classify_action

SOURCE = "openstates"
BASE = "https://v3.openstates.org"
INCLUDES = ("actions", "sponsorships", "versions", "abstracts", "sources", "votes")
EVENT_INCLUDES = ("agenda", "participants")
PER_PAGE = 20
_ORG_CHAMBER = {
    "upper": "upper",
    "lower": "lower",
    "legislature": "legislature",
    "executive": "executive",
}


def jurisdiction_code(jurisdiction: Mapping[str, Any] | str | None) -> str | None:
    """`ocd-jurisdiction/country:us/state:ca/government` or {"name": "California"} -> `ca`."""
    if isinstance(jurisdiction, Mapping):
        value = jurisdiction.get("id") or jurisdiction.get("name") or ""
    else:
        value = jurisdiction or ""
    value = str(value)
    if "/state:" in value:
        return value.split("/state:", 1)[1].split("/", 1)[0]
    if "/district:" in value:
        return value.split("/district:", 1)[1].split("/", 1)[0]
    if "/territory:" in value:
        return value.split("/territory:", 1)[1].split("/", 1)[0]
    if value.startswith("ocd-jurisdiction/country:us/government"):
        return "us"
    return state_abbr(value)


def parse_bill(data: Mapping[str, Any], url: str | None = None) -> BillRecord:
    """One Open States v3 bill object (with includes) -> BillRecord."""
    try:
        ocd_id, identifier, session = data["id"], data["identifier"], data["session"]
    except (KeyError, TypeError) as exc:
        raise ParseError(f"Open States bill lacks {exc}", url=url, source=SOURCE) from exc
    juris = jurisdiction_code(data.get("jurisdiction"))
    if not juris:
        raise ParseError(
            f"Open States bill {ocd_id} has no usable jurisdiction", url=url, source=SOURCE
        )
    actions = []
    for item in sorted(
        data.get("actions") or [], key=lambda a: (str(a.get("date")), a.get("order") or 0)
    ):
        when = parse_date(item.get("date"))
        text = str(item.get("description") or "").strip()
        if when is None or not text:
            continue
        org = item.get("organization") or {}
        chamber = (
            _ORG_CHAMBER.get(str(org.get("classification") or ""))
            if isinstance(org, Mapping)
            else None
        )
        given = [c for c in item.get("classification") or [] if c in ACTION_CLASSIFICATIONS]
        actions.append(
            ActionRecord(
                date=when,
                description=text,
                chamber=chamber,
                classification=given or classify_action(text, chamber),
            )
        )
    sponsors = [
        SponsorRecord(
            name=str(s.get("name") or ""),
            role="primary" if s.get("primary") else "cosponsor",
            party=((s.get("person") or {}).get("party") or None),
            external_id=(
                f"openstates:{(s.get('person') or {}).get('id')}"
                if (s.get("person") or {}).get("id")
                else None
            ),
        )
        for s in data.get("sponsorships") or []
        if s.get("name")
    ]
    versions = []
    for version in data.get("versions") or []:
        # The document the text fetcher reads best: HTML, then PDF, then whatever is first.
        links = sorted(
            version.get("links") or [],
            key=lambda link: {"text/html": 0, "application/pdf": 1}.get(
                str(link.get("media_type") or "").lower(), 2
            ),
        )
        if links:
            versions.append(
                VersionRecord(
                    note=str(version.get("note") or ""),
                    url=str(links[0].get("url") or ""),
                    date=parse_date(version.get("date")),
                    media_type=links[0].get("media_type") or None,
                )
            )
    abstracts = data.get("abstracts") or []
    classification = (data.get("classification") or ["bill"])[0]
    source_urls = [s.get("url") for s in data.get("sources") or [] if s.get("url")]
    return BillRecord(
        jurisdiction=juris,
        session=str(session),
        identifier=normalize_identifier(str(identifier)),
        title=str(data.get("title") or ""),
        abstract=str(abstracts[0].get("abstract") or "") if abstracts else "",
        classification=str(classification),
        actions=actions,
        sponsors=sponsors,
        versions=[v for v in versions if v.url],
        subjects=[str(s) for s in data.get("subject") or []],
        introduced_date=parse_date(data.get("first_action_date")),
        url=data.get("openstates_url") or (source_urls[0] if source_urls else None),
        source_updated=str(data.get("updated_at") or "") or None,
        sources=[
            SourceRef(source=SOURCE, url=data.get("openstates_url") or url, source_id=str(ocd_id))
        ],
    )


def parse_votes(data: Mapping[str, Any], record: BillRecord) -> list[VoteRecord]:
    """A bill's `votes` include (VoteEvent: motion, result, counts, each voter) -> votes."""
    stable = bill_id_for(record.jurisdiction, record.session, record.identifier)
    out = []
    for event in data.get("votes") or []:
        if not event.get("id"):
            continue
        counts = {str(c.get("option")): int(c.get("value") or 0) for c in event.get("counts") or []}
        org = (event.get("organization") or {}).get("classification")
        out.append(
            VoteRecord(
                jurisdiction=record.jurisdiction,
                external_id=str(event["id"]),
                motion=str(event.get("motion_text") or ""),
                date=parse_date(str(event.get("start_date") or "")[:10]),
                chamber=_ORG_CHAMBER.get(str(org or "")),
                bill_id=stable,
                result=str(event.get("result") or "") or None,
                yes=counts.pop("yes", 0),
                no=counts.pop("no", 0),
                other=sum(counts.values()),
                votes=[
                    PersonVoteRecord(
                        name=str(v.get("voter_name") or (v.get("voter") or {}).get("name") or ""),
                        option=str(v.get("option") or ""),
                        external_id=f"openstates:{v['voter']['id']}"
                        if (v.get("voter") or {}).get("id")
                        else None,
                    )
                    for v in event.get("votes") or []
                ],
                sources=[SourceRef(source=SOURCE, source_id=str(event["id"]))],
            )
        )
    return out


def parse_event(data: Mapping[str, Any], url: str | None = None) -> EventRecord:
    """One Open States v3 /events result (with agenda, participants) -> EventRecord.

    Agenda items name bills (`related_entities[] {entity_type: "bill", name: "HB 1"}`)
    without a session: ingest links each to the jurisdiction's bill of that identifier
    whose session was running on the event's date.
    """
    try:
        ocd_id, name, start_raw = data["id"], data["name"], data["start_date"]
    except (KeyError, TypeError) as exc:
        raise ParseError(f"Open States event lacks {exc}", url=url, source=SOURCE) from exc
    juris = jurisdiction_code(data.get("jurisdiction"))
    start = _event_start(str(start_raw))
    if not juris or start is None:
        raise ParseError(f"Open States event {ocd_id} lacks jurisdiction or start", url=url)
    identifiers = [
        normalize_identifier(str(entity.get("name")))
        for item in data.get("agenda") or []
        for entity in item.get("related_entities") or []
        if entity.get("entity_type") == "bill" and entity.get("name")
    ]
    committee = next(
        (
            str(p.get("name"))
            for p in data.get("participants") or []
            if p.get("entity_type") == "organization" and p.get("name")
        ),
        None,
    )
    location = (data.get("location") or {}).get("name") or None
    return EventRecord(
        jurisdiction=juris,
        name=str(name),
        start=start,
        location=str(location) if location else None,
        description=str(data.get("description") or "") or None,
        external_id=str(ocd_id),
        bill_identifiers=list(dict.fromkeys(identifiers)),
        status="cancelled" if data.get("deleted") else str(data.get("status") or "scheduled"),
        committee=committee,
        sources=[SourceRef(source=SOURCE, url=url, source_id=str(ocd_id))],
    )


def _event_start(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def parse_bill_page(
    payload: Mapping[str, Any], url: str | None = None
) -> tuple[list[Mapping[str, Any]], int, int]:
    """A /bills page -> (results, page, max_page)."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("results"), list):
        raise ParseError("Open States list payload has no 'results' list", url=url, source=SOURCE)
    pagination = payload.get("pagination") or {}
    return (
        payload["results"],
        int(pagination.get("page") or 1),
        int(pagination.get("max_page") or 1),
    )


class OpenStatesScraper(Scraper):
    """State bills from the Open States API v3, incremental by `updated_since`."""

    source = SOURCE
    rate_per_second = 1.0
    key_setting = "openstates_api_key"

    @classmethod
    def client_options(cls, settings: Any) -> dict[str, Any]:
        """The key travels in the X-API-KEY header."""
        key = settings.openstates_api_key
        return {"headers": {"X-API-KEY": key}} if key else {}

    def scrape(
        self,
        since: date | datetime | None = None,
        *,
        jurisdiction: str | None = None,
        known: Mapping[str, str] | None = None,
        resume: Mapping[str, Any] | None = None,
        topics: list[str] | None = None,
        watch: list[tuple[str, str]] | None = None,
    ) -> Iterator[Any]:
        """Yield bills of one state updated since `since`, one query per topic, then every
        watched (session, identifier) Open States has not reported to us yet."""
        assert self.http is not None
        if not jurisdiction or jurisdiction == "us":
            raise InvalidInput("Open States sync needs --jurisdiction (a state code)")
        from scrapers.topics import DEFAULT_TOPICS

        known = known or {}
        queries: list[str | None] = (
            [None] if topics is not None and not topics else list(topics or DEFAULT_TOPICS)
        )
        seen: set[str] = set()
        start_query = int((resume or {}).get("query", 0))
        start_page = int((resume or {}).get("page", 1))
        for qi, query in enumerate(queries):
            if qi < start_query:
                continue
            page = start_page if qi == start_query else 1
            while True:
                params: dict[str, Any] = {
                    "jurisdiction": jurisdiction,
                    "sort": "updated_asc",
                    "include": list(INCLUDES),
                    "per_page": PER_PAGE,
                    "page": page,
                }
                if query:
                    params["q"] = query
                if since is not None:
                    params["updated_since"] = _iso(since)
                try:
                    payload = self.http.get_json(f"{BASE}/bills", params, kind="bill-page")
                except NotFound:
                    break  # past max_page
                results, page_no, max_page = parse_bill_page(payload)
                for data in results:
                    ocd_id = str(data.get("id") or "")
                    if ocd_id in seen:
                        continue
                    seen.add(ocd_id)
                    if ocd_id and known.get(ocd_id) == str(data.get("updated_at") or ""):
                        yield Unchanged(ocd_id)
                        continue
                    try:
                        record = parse_bill(data)
                    except (ParseError, InvalidInput, ValueError) as exc:
                        yield Failure(
                            SOURCE,
                            str(exc),
                            source_id=ocd_id or None,
                            payload=json.dumps(data).encode(),
                        )
                        continue
                    yield record
                    yield from parse_votes(data, record)
                yield Checkpoint({"query": qi, "page": page_no + 1})
                if page_no >= max_page:
                    break
                page = page_no + 1
        for session_name, identifier in watch or []:
            path = f"{BASE}/bills/{jurisdiction}/{session_name}/{identifier.replace(' ', '')}"
            try:
                data = self.http.get_json(path, {"include": list(INCLUDES)}, kind="bill-watch")
            except NotFound:
                continue  # Open States does not have it (yet)
            ocd_id = str(data.get("id") or "")
            if ocd_id in seen:
                continue
            seen.add(ocd_id)
            if ocd_id and known.get(ocd_id) == str(data.get("updated_at") or ""):
                yield Unchanged(ocd_id)
                continue
            try:
                yield parse_bill(data)
            except (ParseError, InvalidInput, ValueError) as exc:
                yield Failure(SOURCE, str(exc), url=path, payload=json.dumps(data).encode())
        yield from self._events(jurisdiction, since)

    def _events(self, jurisdiction: str, since: date | datetime | None) -> Iterator[Any]:
        """Hearings with their agendas: `GET /events?jurisdiction=..&include=agenda`."""
        assert self.http is not None
        page = 1
        while True:
            params: dict[str, Any] = {
                "jurisdiction": jurisdiction,
                "include": list(EVENT_INCLUDES),
                "per_page": PER_PAGE,
                "page": page,
            }
            if since is not None:
                params["after"] = (
                    since.date() if isinstance(since, datetime) else since
                ).isoformat()
            try:
                payload = self.http.get_json(f"{BASE}/events", params, kind="event-page")
            except NotFound:
                return
            results, page_no, max_page = parse_bill_page(payload)
            for data in results:
                try:
                    yield parse_event(data)
                except ParseError as exc:
                    yield Failure(SOURCE, str(exc), source_id=str(data.get("id") or "") or None)
            if page_no >= max_page:
                return
            page = page_no + 1

    def fetch_bill(self, ref: Mapping[str, Any]) -> BillRecord:
        """One bill by its ocd-bill id (reparse)."""
        assert self.http is not None
        resp = self.http.get(
            f"{BASE}/bills/{ref['id']}", {"include": list(INCLUDES)}, kind="bill", ref=dict(ref)
        )
        return parse_bill(resp.json(), url=resp.url)

    def parse_archived(self, kind: str, content: bytes, url: str) -> list[Any] | None:
        """Bills inside an archived /bills page or single-bill response (reparse)."""
        if kind not in ("bill-page", "bill-watch", "event-page"):
            return None
        payload = guard.load_json(content, "the archived page", url=url)
        if kind == "bill-watch":
            return [parse_bill(payload, url=url)]
        if kind == "event-page":
            results, _, _ = parse_bill_page(payload, url)
            return [parse_event(data, url) for data in results]
        results, _, _ = parse_bill_page(payload, url)
        return [parse_bill(data) for data in results]

    def parse_file(
        self, path: Path, *, session: str | None = None, jurisdiction: str | None = None
    ) -> Iterator[Any]:
        """A saved /bills page or single bill object (JSON)."""
        payload = guard.load_json(path.read_bytes(), path.name, url=str(path))
        if isinstance(payload, Mapping) and "results" in payload:
            results, _, _ = parse_bill_page(payload, str(path))
            for data in results:
                try:
                    if str(data.get("id") or "").startswith("ocd-event/"):
                        yield parse_event(data)
                        continue
                    record = parse_bill(data)
                    yield record
                    yield from parse_votes(data, record)
                except ParseError as exc:
                    yield Failure(SOURCE, str(exc), url=str(path), source_id=str(data.get("id")))
        else:
            yield parse_bill(payload, url=None)


def _iso(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return value.isoformat()
