"""Congress.gov API v3: federal bills and members.

Source: https://api.congress.gov/v3 (LibraryOfCongress/api.congress.gov, Documentation/
BillEndpoint.md, swagger.json).
Auth: an api.data.gov key (`CONGRESS_GOV_API_KEY`), sent in the `X-Api-Key` header (the
api.data.gov gateway accepts it there) so it never appears in a URL we log or archive.
Limits: 5,000 requests/hour per key -> we space requests 0.75 s apart.
Incremental: `GET /bill?fromDateTime=<cursor>&limit=250` (filters on update date),
following `pagination.next`; a bill is re-fetched only when its list item's
`updateDateIncludingText` (or `updateDate` on older payloads) differs from the token
stored for it. A changed bill costs 6 requests: detail, actions, cosponsors, subjects,
summaries, text.
Quirks: `number` is a string; list `updateDate` is a date while detail has a timestamp;
actions are newest first and repeated per recording system (see scrapers.federal).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from scrapers import guard
from scrapers.base import Checkpoint, Failure, Scraper, Unchanged, parse_date
from scrapers.federal import (
    build_actions,
    build_sponsor,
    build_versions,
    classification_for,
    direct_order_name,
    identifier_for,
    latest_summary,
    public_url,
)
from scrapers.topics import matches_topics
from tracker.errors import NotFound, ParseError
from tracker.jurisdictions import congressional_ocd_id
from tracker.records import (
    ActionRecord,
    BillRecord,
    EventRecord,
    MemberRecord,
    OfficeRecord,
    PersonVoteRecord,
    SourceRef,
    TermRecord,
    VoteRecord,
)

BASE = "https://api.congress.gov/v3"
SOURCE = "congress-gov"
SUBRESOURCES = ("actions", "cosponsors", "subjects", "summaries", "text")
MAX_PAGES = 200  # 250 items a page: far beyond any bill's actions or cosponsors


def follow_url(url: str) -> str:
    """A `pagination.next` URL we may send the key to: only api.congress.gov.

    Recorded payloads (httptest2) redact the host to `https://v3/...`; that form is
    mapped back to the API. Any other host is refused, so the key never leaves.
    """
    if url.startswith("https://v3/"):
        return f"{BASE}/{url[len('https://v3/') :]}"
    if not url.startswith(f"{BASE}/"):
        raise ParseError(f"pagination link leaves the API host: {url[:100]}", source=SOURCE)
    return url


def bill_source_id(congress: Any, bill_type: str, number: Any) -> str:
    """The source id we store per bill: `117-hr3076`."""
    return f"{int(congress)}-{str(bill_type).lower()}{number}"


def change_token(item: Mapping[str, Any]) -> str:
    """The list item's change token: updateDateIncludingText, else updateDate."""
    return str(item.get("updateDateIncludingText") or item.get("updateDate") or "")


def _data(payload: Any, key: str, url: str | None) -> Any:
    if not isinstance(payload, dict) or key not in payload:
        raise ParseError(f"congress.gov payload has no {key!r} object", url=url, source=SOURCE)
    return payload[key]


def parse_bill(
    detail: Mapping[str, Any],
    *,
    actions: Mapping[str, Any] | None = None,
    cosponsors: Mapping[str, Any] | None = None,
    subjects: Mapping[str, Any] | None = None,
    summaries: Mapping[str, Any] | None = None,
    text: Mapping[str, Any] | None = None,
    url: str | None = None,
) -> BillRecord:
    """A /bill/{congress}/{type}/{number} payload (+ sub-resource payloads) -> BillRecord."""
    bill = _data(detail, "bill", url)
    try:
        congress, bill_type, number = bill["congress"], str(bill["type"]), str(bill["number"])
    except KeyError as exc:
        raise ParseError(
            f"congress.gov bill lacks {exc.args[0]!r}", url=url, source=SOURCE
        ) from exc
    # Without the /actions payload the list stays empty rather than holding only the
    # latest action: a partial list would replace another source's full history.
    action_records = build_actions(_data(actions, "actions", url)) if actions is not None else []
    sponsors = [build_sponsor(s, "primary") for s in bill.get("sponsors") or []]
    if cosponsors is not None:
        for item in _data(cosponsors, "cosponsors", url):
            if not item.get("sponsorshipWithdrawnDate"):
                sponsors.append(build_sponsor(item, "cosponsor"))
    subject_names: list[str] = []
    if subjects is not None:
        block = _data(subjects, "subjects", url) or {}
        subject_names = [str(s["name"]) for s in block.get("legislativeSubjects") or []]
        if (block.get("policyArea") or {}).get("name"):
            subject_names.insert(0, str(block["policyArea"]["name"]))
    elif (bill.get("policyArea") or {}).get("name"):
        subject_names = [str(bill["policyArea"]["name"])]
    abstract = latest_summary(_data(summaries, "summaries", url)) if summaries is not None else ""
    versions = build_versions(_data(text, "textVersions", url)) if text is not None else []
    source_id = bill_source_id(congress, bill_type, number)
    if not url or url.startswith("https://v3/"):
        # Recorded payloads carry a host-redacted or no URL: name the API resource.
        url = f"{BASE}/bill/{int(congress)}/{bill_type.lower()}/{number}?format=json"
    record = BillRecord(
        jurisdiction="us",
        session=str(int(congress)),
        identifier=identifier_for(bill_type, number),
        title=str(bill.get("title") or ""),
        abstract=abstract,
        classification=classification_for(bill_type),
        actions=action_records,
        sponsors=sponsors,
        versions=versions,
        subjects=list(dict.fromkeys(subject_names)),
        introduced_date=parse_date(bill.get("introducedDate")),
        url=public_url(congress, bill_type, number),
        source_updated=change_token(bill) or None,
        sources=[SourceRef(source=SOURCE, url=url, source_id=source_id)],
    )
    latest = bill.get("latestAction") or {}
    if actions is None and parse_date(latest.get("actionDate")) and latest.get("text"):
        record.latest_action = ActionRecord(
            date=parse_date(latest["actionDate"]), description=str(latest["text"]).strip()
        )
    if bill.get("laws"):
        # A law number settles the stage even when the actions page was truncated.
        law_date = next(
            (a.date for a in reversed(action_records) if "became-law" in a.classification),
            record.latest_action.date if record.latest_action else None,
        )
        record.status, record.status_date = "enacted", law_date
    return record


def parse_bill_list(payload: Mapping[str, Any], url: str | None = None) -> list[dict[str, Any]]:
    """A /bill list page -> its items (congress, type, number, title, change token)."""
    items = _data(payload, "bills", url)
    out = []
    for item in items:
        try:
            out.append(
                {
                    "congress": int(item["congress"]),
                    "type": str(item["type"]).lower(),
                    "number": str(item["number"]),
                    "title": str(item.get("title") or ""),
                    "token": change_token(item),
                }
            )
        except (KeyError, ValueError) as exc:
            raise ParseError(f"bill list item lacks {exc}", url=url, source=SOURCE) from exc
    return out


def parse_member(payload: Mapping[str, Any], url: str | None = None) -> MemberRecord:
    """A /member/{bioguideId} detail or list item -> MemberRecord."""
    member = payload.get("member", payload) if isinstance(payload, Mapping) else None
    if not isinstance(member, Mapping) or not member.get("bioguideId"):
        raise ParseError("congress.gov member lacks bioguideId", url=url, source=SOURCE)
    bioguide = str(member["bioguideId"])
    terms_raw = member.get("terms") or []
    if isinstance(terms_raw, Mapping):
        terms_raw = terms_raw.get("item") or []
    terms = []
    for term in terms_raw:
        chamber = "upper" if "Senate" in str(term.get("chamber")) else "lower"
        start, end = term.get("startYear"), term.get("endYear")
        terms.append(
            TermRecord(
                chamber=chamber,
                start_date=date(int(start), 1, 3) if start else None,
                end_date=date(int(end), 1, 3) if end else None,
                jurisdiction="us",
                district=str(term["district"]) if term.get("district") else None,
            )
        )
    name = member.get("directOrderName") or ""
    if not name:
        name = direct_order_name(str(member.get("name") or ""))
    party = member.get("partyName")
    if not party and member.get("partyHistory"):
        party = member["partyHistory"][-1].get("partyName")
    district = member.get("district")
    state = member.get("state")
    offices, phones = [], []
    address = member.get("addressInformation")
    if isinstance(address, Mapping) and any(map(address.get, ("officeAddress", "phoneNumber"))):
        # The DC office: {"officeAddress": "437 Russell Senate Office Building",
        # "city": "Washington", "district": "DC", "zipCode": 20510, "phoneNumber": ...}.
        street = str(address.get("officeAddress") or "").strip()
        place = " ".join(str(address[k]).strip() for k in ("district", "zipCode") if address.get(k))
        city = str(address.get("city") or "").strip()
        full = ", ".join(p for p in (street, city, place) if p) or None
        phone = str(address.get("phoneNumber") or "").strip() or None
        offices.append(OfficeRecord(classification="capitol", address=full, phone=phone))
        phones = [phone] if phone else []
    return MemberRecord(
        name=str(name),
        jurisdiction="us",
        external_ids={"bioguide": bioguide},
        given_name=member.get("firstName"),
        family_name=member.get("lastName"),
        party=party,
        chamber=max(terms, key=lambda t: t.start_date or date.min).chamber if terms else None,
        district=str(district) if district is not None else None,
        url=(member.get("officialWebsiteUrl") or None),
        offices=offices,
        phones=phones,
        image=((member.get("depiction") or {}).get("imageUrl")),
        terms=terms,
        sources=[SourceRef(source=SOURCE, url=url, source_id=bioguide)],
        district_ocd_id=_us_district_ocd(state, district, terms),
    )


def _bill_ref(congress: Any, bill_type: Any, number: Any) -> str | None:
    if not (congress and bill_type and number):
        return None
    return f"us-{int(congress)}-{str(bill_type).lower()}{number}"


def parse_committee_meeting(payload: Mapping[str, Any], url: str | None = None) -> EventRecord:
    """A /committee-meeting/{congress}/{chamber}/{eventId} payload -> EventRecord."""
    meeting = _data(payload, "committeeMeeting", url)
    start = _api_time(meeting.get("date"))
    if not meeting.get("eventId") or start is None:
        raise ParseError("committee meeting lacks eventId or date", url=url, source=SOURCE)
    committees = meeting.get("committees") or []
    place = meeting.get("location") or {}
    location = (
        ", ".join(str(place[k]).strip() for k in ("room", "building") if place.get(k)) or None
    )
    bills = [
        _bill_ref(b.get("congress"), b.get("type"), b.get("number"))
        for b in (meeting.get("relatedItems") or {}).get("bills") or []
    ]
    chamber = str(meeting.get("chamber") or "").lower()
    return EventRecord(
        jurisdiction="us",
        name=re.sub(r"\s+", " ", str(meeting.get("title") or "Committee meeting")).strip(),
        start=start,
        location=location,
        description=str(meeting.get("type") or "") or None,
        external_id=f"congress-gov:meeting:{meeting['eventId']}",
        bill_ids=[b for b in bills if b],
        status=str(meeting.get("meetingStatus") or "scheduled"),
        committee=str(committees[0].get("name")) if committees else None,
        committee_external_id=str(committees[0].get("systemCode")) if committees else None,
        sources=[
            SourceRef(
                source=SOURCE,
                url=f"{BASE}/committee-meeting/{meeting.get('congress')}/{chamber}/"
                f"{meeting['eventId']}?format=json",
                source_id=str(meeting["eventId"]),
            )
        ],
    )


def parse_hearing(payload: Mapping[str, Any], url: str | None = None) -> EventRecord:
    """A /hearing/{congress}/{chamber}/{jacketNumber} payload (a published hearing)."""
    hearing = _data(payload, "hearing", url)
    dates = [parse_date(d.get("date")) for d in hearing.get("dates") or []]
    dates = [d for d in dates if d]
    if not hearing.get("jacketNumber") or not dates:
        raise ParseError("hearing lacks jacketNumber or dates", url=url, source=SOURCE)
    committees = hearing.get("committees") or []
    chamber = str(hearing.get("chamber") or "").lower()
    meeting = (hearing.get("associatedMeeting") or {}).get("eventId")
    return EventRecord(
        jurisdiction="us",
        name=str(hearing.get("title") or "Hearing").strip(),
        start=datetime(dates[0].year, dates[0].month, dates[0].day, tzinfo=UTC),
        description=f"Hearing {hearing.get('citation') or ''} (meeting {meeting})".strip()
        if meeting
        else None,
        external_id=f"congress-gov:hearing:{hearing.get('congress')}-{chamber}-"
        f"{hearing['jacketNumber']}",
        status="scheduled",
        committee=str(committees[0].get("name")) if committees else None,
        committee_external_id=str(committees[0].get("systemCode")) if committees else None,
        sources=[SourceRef(source=SOURCE, source_id=str(hearing["jacketNumber"]))],
    )


def parse_house_vote(
    vote: Mapping[str, Any] | None, members: Mapping[str, Any] | None = None
) -> VoteRecord:
    """/house-vote/{congress}/{session}/{roll} (+ its /members payload) -> VoteRecord."""
    main = (vote or {}).get("houseRollCallVote") or {}
    people = (members or {}).get("houseRollCallVoteMemberVotes") or {}
    info = main or people
    if not info.get("congress") or not info.get("rollCallNumber"):
        raise ParseError("house vote lacks congress or rollCallNumber", source=SOURCE)
    totals = main.get("votePartyTotal") or []
    yes = sum(int(t.get("yeaTotal") or 0) for t in totals)
    no = sum(int(t.get("nayTotal") or 0) for t in totals)
    other = sum(int(t.get("notVotingTotal") or 0) + int(t.get("presentTotal") or 0) for t in totals)
    records = [
        PersonVoteRecord(
            name=f"{r.get('firstName') or ''} {r.get('lastName') or ''}".strip(),
            option=str(r.get("voteCast") or ""),
            external_id=f"bioguide:{r['bioguideID']}" if r.get("bioguideID") else None,
        )
        for r in people.get("results") or []
    ]
    if records and not totals:
        yes = sum(1 for r in records if r.option.lower() in ("yea", "aye", "yes"))
        no = sum(1 for r in records if r.option.lower() in ("nay", "no"))
        other = len(records) - yes - no
    key = f"{info['congress']}-{info.get('sessionNumber')}-{info['rollCallNumber']}"
    return VoteRecord(
        jurisdiction="us",
        external_id=f"us-house-vote:{key}",
        motion=str(info.get("voteQuestion") or main.get("voteQuestion") or ""),
        date=(_api_time(info.get("startDate")) or datetime.min).date()
        if info.get("startDate")
        else None,
        chamber="lower",
        bill_id=_bill_ref(
            info["congress"], info.get("legislationType"), info.get("legislationNumber")
        ),
        result=str(info.get("result") or "") or None,
        yes=yes,
        no=no,
        other=other,
        votes=records,
        sources=[
            SourceRef(
                source=SOURCE,
                url=str(info.get("sourceDataURL") or "") or None,
                source_id=key,
            )
        ],
    )


def _api_time(value: Any) -> datetime | None:
    """`2023-03-24 13:00:00+00:00` / `2025-01-16T11:00:00-05:00` -> aware datetime (UTC)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def _us_district_ocd(state: Any, district: Any, terms: list[TermRecord]) -> str | None:
    from scrapers.divisions import state_abbr

    abbr = state_abbr(str(state)) if state else None
    if not abbr:
        return None
    chamber = max(terms, key=lambda t: t.start_date or date.min).chamber if terms else "lower"
    return congressional_ocd_id(abbr, chamber, district)


class CongressGovScraper(Scraper):
    """Federal bills from the Congress.gov API, incremental by update date."""

    source = SOURCE
    rate_per_second = 5000 / 3600 * 0.95
    key_setting = "congress_gov_api_key"
    jurisdictions = ("us",)

    @classmethod
    def client_options(cls, settings: Any) -> dict[str, Any]:
        """The key travels in the X-Api-Key header, never in the URL."""
        key = settings.congress_gov_api_key
        return {"headers": {"X-Api-Key": key}} if key else {}

    def scrape(
        self,
        since: date | datetime | None = None,
        *,
        jurisdiction: str | None = None,
        known: Mapping[str, str] | None = None,
        resume: Mapping[str, Any] | None = None,
        topics: list[str] | None = None,
    ) -> Iterator[Any]:
        """Yield BillRecords changed since `since` that match the topics or are known."""
        assert self.http is not None
        known = known or {}
        params: dict[str, Any] | None = {"format": "json", "limit": 250}
        next_url = f"{BASE}/bill"
        if since is not None:
            params["fromDateTime"] = _api_datetime(since)
        if resume and resume.get("next"):
            next_url, params = str(resume["next"]), None
        while next_url:
            page = self.http.get_json(follow_url(next_url), params, kind="bill-list")
            params = None
            for item in parse_bill_list(page, next_url):
                sid = bill_source_id(item["congress"], item["type"], item["number"])
                if known.get(sid) == item["token"]:
                    yield Unchanged(sid)
                    continue
                if sid not in known and not matches_topics(item["title"], topics):
                    continue
                ref = {"congress": item["congress"], "type": item["type"], "number": item["number"]}
                try:
                    record = self.fetch_bill(ref)
                except (ParseError, NotFound) as exc:
                    yield Failure(SOURCE, str(exc), url=getattr(exc, "url", None), source_id=sid)
                    continue
                # Store the token the list reports, so the next run compares like with like.
                record.source_updated = item["token"] or record.source_updated
                yield record
            next_url = (page.get("pagination") or {}).get("next")
            if next_url:
                yield Checkpoint({"next": next_url})

    def fetch_bill(self, ref: Mapping[str, Any]) -> BillRecord:
        """Detail plus the five sub-resources of one bill (6 requests, more if paged)."""
        assert self.http is not None
        base = f"{BASE}/bill/{int(ref['congress'])}/{str(ref['type']).lower()}/{ref['number']}"
        detail_resp = self.http.get(base, {"format": "json"}, kind="bill", ref=dict(ref))
        detail = detail_resp.json()
        parts: dict[str, Any] = {}
        for name in SUBRESOURCES:
            parts[name] = self._get_all(f"{base}/{name}", name)
        return parse_bill(detail, url=detail_resp.url, **parts)

    def _get_all(self, url: str, name: str) -> dict[str, Any] | None:
        assert self.http is not None
        key = {"text": "textVersions"}.get(name, name)
        try:
            payload = self.http.get_json(url, {"format": "json", "limit": 250}, kind=name)
        except NotFound:
            return None  # a sub-resource the API does not have for this bill
        nxt = (payload.get("pagination") or {}).get("next")
        pages = 1
        while nxt and isinstance(payload.get(key), list) and pages < MAX_PAGES:
            more = self.http.get_json(follow_url(nxt), kind=name)
            payload[key].extend(more.get(key) or [])
            nxt = (more.get("pagination") or {}).get("next")
            pages += 1
        return payload

    def parse_file(
        self, path: Path, *, session: str | None = None, jurisdiction: str | None = None
    ) -> Iterator[Any]:
        """A saved bill detail file; sibling `<stem>_<sub>` files fill in sub-resources."""
        payload = _load_json(path)
        if "committeeMeeting" in payload:
            yield parse_committee_meeting(payload)
            return
        if "hearing" in payload:
            yield parse_hearing(payload)
            return
        if "houseRollCallVote" in payload:
            stem = re.sub(r"-[0-9a-f]{6}$", "", path.stem)
            members = sorted(path.parent.glob(f"{stem}_members*.json"))
            yield parse_house_vote(payload, _load_json(members[0]) if members else None)
            return
        if "houseRollCallVoteMemberVotes" in payload:
            stem = re.sub(r"_members(-[0-9a-f]{6})?$", "", path.stem)
            if not any(p != path for p in path.parent.glob(f"{stem}*.json")):
                yield parse_house_vote(None, payload)  # members file on its own
            return
        if "bill" not in payload:
            if "member" in payload:
                yield parse_member(payload, url=None)
            for item in payload.get("members") or []:
                yield parse_member(item, url=None)
            return
        parts: dict[str, Any] = {}
        for name in SUBRESOURCES:
            for sibling in sorted(path.parent.glob(f"{_stem_prefix(path)}_{name}*.json")):
                parts[name] = _load_json(sibling)
        request_url = (payload.get("request") or {}).get("billUrl")
        yield parse_bill(payload, url=request_url, **parts)


def _stem_prefix(path: Path) -> str:
    # Recorded file names: bill_117_hr_3076-f60c0f.json -> bill_117_hr_3076
    return path.stem.split("-")[0]


def _load_json(path: Path) -> Any:
    payload = guard.load_json(path.read_bytes(), path.name, url=str(path))
    return guard.expect_mapping(payload, path.name, url=str(path))


def _api_datetime(value: date | datetime) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(UTC) if value.tzinfo else value
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{value.isoformat()}T00:00:00Z"


class CongressGovMembersScraper(Scraper):
    """Members of Congress from the Congress.gov `/member` list (one request per 250)."""

    source = "congress-gov-members"
    kind = "people"
    rate_per_second = CongressGovScraper.rate_per_second
    key_setting = "congress_gov_api_key"
    jurisdictions = ("us",)
    client_options = CongressGovScraper.client_options

    def scrape(
        self,
        since: date | datetime | None = None,
        *,
        jurisdiction: str | None = None,
        known: Mapping[str, str] | None = None,
        resume: Mapping[str, Any] | None = None,
        topics: list[str] | None = None,
    ) -> Iterator[Any]:
        """Current members updated since `since` (ingest merges them by bioguide id)."""
        assert self.http is not None
        params: dict[str, Any] | None = {"format": "json", "limit": 250, "currentMember": "true"}
        if since is not None:
            params["fromDateTime"] = _api_datetime(since)
        next_url = str(resume["next"]) if resume and resume.get("next") else f"{BASE}/member"
        if resume and resume.get("next"):
            params = None
        while next_url:
            page = self.http.get_json(follow_url(next_url), params, kind="member-list")
            params = None
            for item in _data(page, "members", next_url):
                try:
                    yield parse_member(item, url=None)
                except ParseError as exc:
                    yield Failure(self.source, str(exc), source_id=str(item.get("bioguideId")))
            next_url = (page.get("pagination") or {}).get("next")
            if next_url:
                yield Checkpoint({"next": next_url})

    def parse_file(
        self, path: Path, *, session: str | None = None, jurisdiction: str | None = None
    ) -> Iterator[Any]:
        """A saved /member list or detail."""
        yield from CongressGovScraper.parse_file(self, path)  # type: ignore[arg-type]
