"""LegiScan API: state bills in every legislature, change-hash incremental.

Source: https://api.legiscan.com/?key=KEY&op=OPERATION&... (legiscan.com/legiscan API
overview; status/progress codes from the lookup tables in wbuchanan/legiscanR).
Auth: the `key` query parameter only (LegiScan has no header option), so the key is
added at send time and stripped from every URL we archive, log or store.
Limits: free keys get 30,000 queries a month. Every query is counted against
`LEGISCAN_MONTHLY_CAP` (requests of earlier runs this month included) and the sync
stops cleanly with `QuotaExhausted` before the cap would be passed.
Incremental: one `getMasterListRaw&state=XX` (bill_id, number, change_hash for the
whole current session), then `getBill` only for candidate bills whose `change_hash`
differs from the one stored. Candidates are the bills we already track plus the
topic hits of `getSearchRaw` (one query per topic); an empty topic list takes every
bill of the master list.
Quirks: JSON escapes slashes; `masterlist` is an object keyed "0", "1", ... plus
"session"; `status` holds 1-6, `progress[].event` the full 1-12 table; dataset files
carry the bare `{"bill": ...}` object without the `{"status": "OK"}` envelope.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from scrapers import guard
from scrapers.base import Checkpoint, Failure, Scraper, Unchanged, parse_date
from scrapers.divisions import state_district
from tracker.errors import InvalidInput, NotFound, ParseError, SourceUnavailable
from tracker.ids import bill_id as bill_id_for
from tracker.ids import normalize_identifier
from tracker.records import (
    ActionRecord,
    BillRecord,
    MemberRecord,
    PersonVoteRecord,
    SourceRef,
    SponsorRecord,
    VersionRecord,
    VoteRecord,
)
from tracker.status import chamber_from_text, classify_action, derive_status

SOURCE = "legiscan"
BASE = "https://api.legiscan.com/"

# progress.csv (legiscan/lookup_tables): event code -> (LegiScan name, our stage).
# "Report DNP" is not a failure: bills are reported DNP and still move (AK HB 1).
PROGRESS_STAGES: dict[int, tuple[str, str]] = {
    0: ("Prefiled", "introduced"),
    1: ("Introduced", "introduced"),
    2: ("Engrossed", "passed_origin"),
    3: ("Enrolled", "passed_second"),
    4: ("Passed", "enacted"),
    5: ("Vetoed", "vetoed"),
    6: ("Failed", "failed"),
    7: ("Override", "enacted"),
    8: ("Chaptered", "enacted"),
    9: ("Refer", "in_committee"),
    10: ("Report Pass", "in_committee"),
    11: ("Report DNP", "in_committee"),
    12: ("Draft", "introduced"),
}
_RANK = ["introduced", "in_committee", "passed_origin", "passed_second", "to_executive", "enacted"]
_CHAMBERS = {"H": "lower", "A": "lower", "S": "upper", "J": "legislature"}
_SPONSOR_ROLES = {0: "primary", 1: "primary", 2: "cosponsor", 3: "cosponsor"}
_BILL_TYPES = {
    "B": "bill",
    "R": "resolution",
    "CR": "concurrent resolution",
    "JR": "joint resolution",
}


def unwrap(payload: Any, key: str, url: str | None = None) -> Any:
    """The `key` object of an API response or dataset file; ERROR envelopes raise."""
    if not isinstance(payload, Mapping):
        raise ParseError(
            f"LegiScan payload is not an object (wanted {key!r})", url=url, source=SOURCE
        )
    if payload.get("status") == "ERROR":
        message = (payload.get("alert") or {}).get("message") or "unknown error"
        raise SourceUnavailable(f"LegiScan error: {message}")
    if key not in payload:
        raise ParseError(f"LegiScan payload has no {key!r} object", url=url, source=SOURCE)
    return payload[key]


def stage_from_progress(progress: list[Mapping[str, Any]], status: Any) -> tuple[str, date | None]:
    """Our stage from LegiScan progress events (falling back to the status code)."""
    best, best_date = "introduced", None
    terminal: tuple[str, date | None] | None = None
    for event in progress or []:
        stage = PROGRESS_STAGES.get(int(event.get("event") or 0), ("", "introduced"))[1]
        when = parse_date(event.get("date"))
        if stage in ("vetoed", "failed"):
            terminal = (stage, when)
            continue
        if _RANK.index(stage) > _RANK.index(best):
            best, best_date = stage, when
            terminal = None  # moved on: an override or a revived bill
        elif best_date is None:
            best_date = when
    if terminal:
        return terminal
    if not progress and status not in (None, "", 0, "0"):
        return PROGRESS_STAGES.get(int(status), ("", "introduced"))[1], None
    return best, best_date


def _history(bill: Mapping[str, Any]) -> list[ActionRecord]:
    """History entries -> actions, each in the chamber it happened in.

    Dataset files (and older API answers) leave `chamber` empty. The bill then sits in
    its origin `body` until it passes there; from the next day on, entries belong to
    the other chamber ("TRANSMITTED TO (S)", then "READ THE FIRST TIME" in the Senate).
    """
    origin = _CHAMBERS.get(str(bill.get("body") or ""))
    other = {"lower": "upper", "upper": "lower"}.get(origin or "")
    current, flip_after = origin, None
    out = []
    for item in bill.get("history") or []:
        when = parse_date(item.get("date"))
        text = str(item.get("action") or "").strip()
        if when is None or not text:
            continue
        if flip_after is not None and when > flip_after:
            current, flip_after = (other if current == origin else origin), None
        chamber = (
            _CHAMBERS.get(str(item.get("chamber") or "")) or chamber_from_text(text) or current
        )
        labels = classify_action(text, chamber)
        if "passage" in labels and chamber == current and other and flip_after is None:
            flip_after = when
        if "executive-receipt" in labels or "enrolled" in labels:
            current, flip_after = None, None
        out.append(ActionRecord(when, text, chamber, labels))
    return out


def _vote_chamber(item: Mapping[str, Any]) -> str | None:
    return _CHAMBERS.get(str(item.get("chamber") or ""))


def bill_votes(bill: Mapping[str, Any], record: BillRecord) -> list[VoteRecord]:
    """The roll-call summaries a getBill payload lists (tallies; getRollCall adds names)."""
    stable = bill_id_for(record.jurisdiction, record.session, record.identifier)
    out = []
    for item in bill.get("votes") or []:
        if not item.get("roll_call_id"):
            continue
        out.append(
            VoteRecord(
                jurisdiction=record.jurisdiction,
                external_id=f"legiscan:{item['roll_call_id']}",
                motion=str(item.get("desc") or ""),
                date=parse_date(item.get("date")),
                chamber=_vote_chamber(item),
                bill_id=stable,
                result="pass" if str(item.get("passed")) == "1" else "fail",
                yes=int(item.get("yea") or 0),
                no=int(item.get("nay") or 0),
                other=int(item.get("nv") or 0) + int(item.get("absent") or 0),
                sources=[SourceRef(source=SOURCE, url=item.get("url") or None)],
            )
        )
    return out


def parse_roll_call(payload: Mapping[str, Any], url: str | None = None) -> VoteRecord:
    """A getRollCall response or dataset vote file -> VoteRecord (bill found by bill_id)."""
    roll = unwrap(payload, "roll_call", url)
    if not roll.get("roll_call_id"):
        raise ParseError("LegiScan roll call lacks roll_call_id", url=url, source=SOURCE)
    votes = [
        PersonVoteRecord(
            name=str(v.get("name") or f"LegiScan person {v.get('people_id')}"),
            option=str(v.get("vote_text") or ""),
            external_id=f"legiscan:{v['people_id']}" if v.get("people_id") else None,
        )
        for v in roll.get("votes") or []
    ]
    return VoteRecord(
        jurisdiction="",  # from the bill, found through its LegiScan bill_id at ingest
        external_id=f"legiscan:{roll['roll_call_id']}",
        motion=str(roll.get("desc") or ""),
        date=parse_date(roll.get("date")),
        chamber=_vote_chamber(roll),
        bill_source=f"legiscan:{roll['bill_id']}" if roll.get("bill_id") else None,
        result="pass" if str(roll.get("passed")) == "1" else "fail",
        yes=int(roll.get("yea") or 0),
        no=int(roll.get("nay") or 0),
        other=int(roll.get("nv") or 0) + int(roll.get("absent") or 0),
        votes=votes,
        sources=[SourceRef(source=SOURCE, url=url, source_id=str(roll["roll_call_id"]))],
    )


def parse_bill(payload: Mapping[str, Any], url: str | None = None) -> BillRecord:
    """A getBill response or dataset `{"bill": ...}` file -> BillRecord."""
    bill = unwrap(payload, "bill", url)
    try:
        bill_id, number, state = bill["bill_id"], bill["bill_number"], bill["state"]
        session = bill["session"]
    except KeyError as exc:
        raise ParseError(f"LegiScan bill lacks {exc.args[0]!r}", url=url, source=SOURCE) from exc
    actions = _history(bill)
    sponsors = []
    listed = sorted(bill.get("sponsors") or [], key=lambda s: s.get("sponsor_order") or 0)
    # Dataset files mark every sponsor type 0 ("Sponsor") in states that keep no roles
    # (AK): the first named is the prime sponsor, the rest joined ("COSPONSOR(S): ...").
    untyped = len(listed) > 1 and all(int(s.get("sponsor_type_id") or 0) == 0 for s in listed)
    for position, s in enumerate(listed):
        role = _SPONSOR_ROLES.get(int(s.get("sponsor_type_id") or 0), "cosponsor")
        if untyped and position:
            role = "cosponsor"
        sponsors.append(
            SponsorRecord(
                name=str(s.get("name") or ""),
                role=role,
                party=s.get("party") or None,
                external_id=f"legiscan:{s['people_id']}" if s.get("people_id") else None,
            )
        )
    versions = [
        VersionRecord(
            note=str(t.get("type") or ""),
            url=str(t.get("state_link") or t.get("url") or ""),
            date=parse_date(t.get("date")),
            media_type=t.get("mime") or None,
            source_doc=f"legiscan:{t['doc_id']}" if t.get("doc_id") else None,
            source_hash=str(t.get("text_hash") or "") or None,
        )
        for t in bill.get("texts") or []
        if t.get("state_link") or t.get("url")
    ]
    stage, stage_date = stage_from_progress(bill.get("progress") or [], bill.get("status"))
    action_stage, action_date = derive_status(actions)
    # LegiScan's own codes win; history fills in what progress lacks (e.g. withdrawals).
    if stage == "introduced" and action_stage != "introduced":
        stage, stage_date = action_stage, action_date
    introduced = next(
        (
            parse_date(e.get("date"))
            for e in bill.get("progress") or []
            if int(e.get("event") or 0) in (0, 1)
        ),
        actions[0].date if actions else None,
    )
    return BillRecord(
        jurisdiction=str(state).lower(),
        session=str(
            session.get("session_name") or session.get("session_title") or bill.get("session_id")
        ),
        identifier=normalize_identifier(str(number)),
        title=str(bill.get("title") or ""),
        abstract=str(bill.get("description") or ""),
        classification=_BILL_TYPES.get(str(bill.get("bill_type") or "B"), "bill"),
        actions=actions,
        sponsors=sponsors,
        versions=versions,
        subjects=[
            str(s["subject_name"]) for s in bill.get("subjects") or [] if s.get("subject_name")
        ],
        introduced_date=introduced,
        status=stage,
        status_date=stage_date or parse_date(bill.get("status_date")),
        url=bill.get("state_link") or bill.get("url"),
        source_updated=str(bill.get("change_hash") or "") or None,
        sources=[SourceRef(source=SOURCE, url=bill.get("url") or url, source_id=str(bill_id))],
    )


def parse_master_list(payload: Mapping[str, Any], url: str | None = None) -> dict[str, str]:
    """A getMasterList(Raw) response -> {bill_id: change_hash}."""
    master = unwrap(payload, "masterlist", url)
    out: dict[str, str] = {}
    for key, item in master.items() if isinstance(master, Mapping) else enumerate(master):
        if key == "session" or not isinstance(item, Mapping):
            continue
        if "bill_id" not in item:
            raise ParseError("master list item lacks bill_id", url=url, source=SOURCE)
        out[str(item["bill_id"])] = str(item.get("change_hash") or "")
    return out


def parse_search(payload: Mapping[str, Any], url: str | None = None) -> dict[str, str]:
    """A getSearchRaw response -> {bill_id: change_hash}."""
    result = unwrap(payload, "searchresult", url)
    items = result.get("results") if isinstance(result, Mapping) and "results" in result else result
    if isinstance(items, Mapping):
        items = [v for k, v in items.items() if k != "summary"]
    return {
        str(i["bill_id"]): str(i.get("change_hash") or "")
        for i in items or []
        if isinstance(i, Mapping) and i.get("bill_id")
    }


def parse_person(payload: Mapping[str, Any], url: str | None = None) -> MemberRecord:
    """A getPerson response or dataset `{"person": ...}` -> MemberRecord (people only)."""
    person = unwrap(payload, "person", url)
    if person.get("committee_sponsor") in (1, "1"):
        raise InvalidInput(
            f"LegiScan person {person.get('people_id')} is a committee, not a person"
        )
    ids = {"legiscan": str(person["people_id"])}
    for key, scheme in (
        ("votesmart_id", "votesmart"),
        ("opensecrets_id", "opensecrets"),
        ("ballotpedia", "ballotpedia"),
        ("ftm_eid", "followthemoney"),
    ):
        if person.get(key) not in (None, "", 0, "0"):
            ids[scheme] = str(person[key])
    chamber = {"Rep": "lower", "Sen": "upper"}.get(str(person.get("role") or ""))
    district = str(person.get("district") or "").split("-", 1)[-1].lstrip("0") or None
    state = _STATE_IDS.get(int(person.get("state_id") or 0))
    return MemberRecord(
        name=str(person.get("name") or ""),
        jurisdiction=state or "us",
        external_ids=ids,
        given_name=person.get("first_name") or None,
        family_name=person.get("last_name") or None,
        party=person.get("party") or None,
        chamber=chamber,
        district=district,
        district_ocd_id=state_district(state or "", chamber, district),
        sources=[SourceRef(source=SOURCE, url=url, source_id=str(person["people_id"]))],
    )


# LegiScan state_id -> code: alphabetical by postal code order LegiScan publishes
# (1 AL ... 50 WY, 51 DC, 52 US).
_STATE_IDS = dict(
    enumerate(
        "al ak az ar ca co ct de fl ga hi id il in ia ks ky la me md ma mi mn ms mo mt ne nv nh "
        "nj nm ny nc nd oh ok or pa ri sc sd tn tx ut vt va wa wv wi wy dc us".split(),
        start=1,
    )
)


def parse_session_people(payload: Mapping[str, Any], url: str | None = None) -> list[Any]:
    """A getSessionPeople response -> MemberRecords (committee "people" are skipped)."""
    block = unwrap(payload, "sessionpeople", url)
    out: list[Any] = []
    for person in (block or {}).get("people") or []:
        try:
            out.append(parse_person({"person": person}, url))
        except InvalidInput:
            continue
    return out


def current_session_id(payload: Mapping[str, Any], url: str | None = None) -> int | None:
    """The latest regular session in a getSessionList response (else the latest one)."""
    sessions = [s for s in unwrap(payload, "sessions", url) or [] if s.get("session_id")]
    if not sessions:
        return None
    regular = [s for s in sessions if str(s.get("special") or "0") == "0"] or sessions
    best = max(regular, key=lambda s: (int(s.get("year_end") or 0), int(s["session_id"])))
    return int(best["session_id"])


class LegiScanScraper(Scraper):
    """State bills from LegiScan: master list, then getBill only for changed hashes."""

    source = SOURCE
    rate_per_second = 2.0
    key_setting = "legiscan_api_key"
    cap_sources = ("legiscan", "legiscan-people")

    @classmethod
    def client_options(cls, settings: Any) -> dict[str, Any]:
        """The key can only travel as `key=`; it is kept out of every stored URL."""
        opts: dict[str, Any] = {"cap": settings.legiscan_monthly_cap}
        if settings.legiscan_api_key:
            opts["secret_params"] = {"key": settings.legiscan_api_key}
        return opts

    def scrape(
        self,
        since: date | datetime | None = None,
        *,
        jurisdiction: str | None = None,
        known: Mapping[str, str] | None = None,
        resume: Mapping[str, Any] | None = None,
        topics: list[str] | None = None,
    ) -> Iterator[Any]:
        """Yield bills of one state's current session whose change_hash changed."""
        assert self.http is not None
        if not jurisdiction or jurisdiction == "us":
            raise InvalidInput("LegiScan sync needs --jurisdiction (a state code)")
        known = known or {}
        state = jurisdiction.upper()
        master = parse_master_list(
            self.http.get_json(BASE, {"op": "getMasterListRaw", "state": state}, kind="masterlist")
        )
        if topics is not None and not topics:
            candidates = dict(master)
        else:
            from scrapers.topics import DEFAULT_TOPICS

            candidates = {bid: master[bid] for bid in known if bid in master}
            for query in topics or DEFAULT_TOPICS:
                hits = parse_search(
                    self.http.get_json(
                        BASE, {"op": "getSearchRaw", "state": state, "query": query}, kind="search"
                    )
                )
                for bid, change in hits.items():
                    candidates.setdefault(bid, master.get(bid, change))
        done = set((resume or {}).get("done") or [])
        for bid, change_hash in sorted(candidates.items(), key=lambda kv: int(kv[0])):
            if known.get(bid) == change_hash or bid in done:
                yield Unchanged(bid)
                continue
            try:
                yield self.fetch_bill({"bill_id": bid})
            except (ParseError, NotFound) as exc:
                yield Failure(SOURCE, str(exc), url=f"{BASE}?op=getBill&id={bid}", source_id=bid)
            done.add(bid)
            yield Checkpoint({"done": sorted(done)})

    def fetch_bill(self, ref: Mapping[str, Any]) -> BillRecord:
        """One getBill request."""
        assert self.http is not None
        resp = self.http.get(
            BASE, {"op": "getBill", "id": ref["bill_id"]}, kind="bill", ref=dict(ref)
        )
        return parse_bill(resp.json(), url=resp.url)

    def parse_file(
        self, path: Path, *, session: str | None = None, jurisdiction: str | None = None
    ) -> Iterator[Any]:
        """A getBill / getPerson response or LegiScan dataset JSON file."""
        payload = guard.load_json(path.read_bytes(), path.name, url=str(path))
        if isinstance(payload, Mapping) and "bill" in payload:
            record = parse_bill(payload, url=None)
            yield record
            yield from bill_votes(payload["bill"], record)
        elif isinstance(payload, Mapping) and "person" in payload:
            try:
                yield parse_person(payload, url=None)
            except InvalidInput:
                return  # committee "people" records sponsor bills but are not legislators
        elif isinstance(payload, Mapping) and "sessionpeople" in payload:
            yield from parse_session_people(payload)
        elif isinstance(payload, Mapping) and "roll_call" in payload:
            yield parse_roll_call(payload)
        elif isinstance(payload, Mapping) and "text" in payload:
            return  # texts are not imported as records
        else:
            raise ParseError("not a LegiScan bill or person payload", url=str(path), source=SOURCE)


class LegiScanPeopleScraper(LegiScanScraper):
    """Legislators of a state's current session: getSessionList + getSessionPeople
    (2 requests a run, counted against the same monthly cap as `legiscan`)."""

    source = "legiscan-people"
    kind = "people"

    def scrape(
        self,
        since: date | datetime | None = None,
        *,
        jurisdiction: str | None = None,
        known: Mapping[str, str] | None = None,
        resume: Mapping[str, Any] | None = None,
        topics: list[str] | None = None,
    ) -> Iterator[Any]:
        """Every person of the current session (ingest skips the unchanged)."""
        assert self.http is not None
        if not jurisdiction or jurisdiction == "us":
            raise InvalidInput("LegiScan people sync needs --jurisdiction (a state code)")
        sessions = self.http.get_json(
            BASE, {"op": "getSessionList", "state": jurisdiction.upper()}, kind="sessions"
        )
        session_id = current_session_id(sessions)
        if session_id is None:
            return
        payload = self.http.get_json(
            BASE, {"op": "getSessionPeople", "id": session_id}, kind="people"
        )
        yield from parse_session_people(payload)
