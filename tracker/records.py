"""Normalized records every source emits; ingest writes them to the store.

Scrapers and importers never touch the database: they yield these dataclasses and
`tracker.ingest` upserts them by natural key. Dates are `datetime.date`, never strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

STAGES = (
    "introduced",
    "in_committee",
    "passed_origin",
    "passed_second",
    "to_executive",
    "enacted",
    "vetoed",
    "failed",
    "withdrawn",
)

# Open States action vocabulary (openstates-core, data/common.py ACTION_CLASSIFICATIONS).
ACTION_CLASSIFICATIONS = (
    "filing",
    "introduction",
    "reading-1",
    "reading-2",
    "reading-3",
    "referral-committee",
    "committee-passage",
    "committee-passage-favorable",
    "committee-passage-unfavorable",
    "committee-failure",
    "passage",
    "failure",
    "withdrawal",
    "substitution",
    "amendment-introduction",
    "amendment-passage",
    "amendment-failure",
    "executive-receipt",
    "executive-signature",
    "executive-veto",
    "executive-veto-line-item",
    "became-law",
    "veto-override-passage",
    "veto-override-failure",
    "deferral",
    "receipt",
    "concurrence",
    "enrolled",
)


@dataclass
class ActionRecord:
    """One dated entry of a bill's history."""

    date: date
    description: str
    chamber: str | None = None  # "lower" | "upper" | "executive" | "legislature" | None
    classification: list[str] = field(default_factory=list)


@dataclass
class SponsorRecord:
    """A sponsor as the source names them; `external_id` links to a legislator."""

    name: str
    role: str = "primary"  # "primary" | "cosponsor"
    party: str | None = None
    external_id: str | None = None  # the source's own person id (bioguide, people_id, ...)


@dataclass
class VersionRecord:
    """A published text version of a bill."""

    note: str
    url: str
    date: date | None = None
    media_type: str | None = None
    source_doc: str | None = None  # the source's document id: "legiscan:2861602"
    source_hash: str | None = None  # its change token for the document (text_hash)


@dataclass
class SourceRef:
    """Where a record came from: kept as a source link on the bill."""

    source: str  # "congress-gov", "govinfo", "openstates", "legiscan", "mo-senate", ...
    url: str | None = None  # never contains an API key
    source_id: str | None = None  # the source's own id for this object
    fetched_at: datetime | None = None
    payload_sha256: str | None = None


@dataclass
class BillRecord:
    """One bill in the one shape every source produces."""

    jurisdiction: str  # "us" or two-letter lower-case state code
    session: str  # as the source names it ("118", "20232024", "88R")
    identifier: str  # normalized ("HB 1", "HR 21")
    title: str = ""
    abstract: str = ""
    classification: str = "bill"
    actions: list[ActionRecord] = field(default_factory=list)
    sponsors: list[SponsorRecord] = field(default_factory=list)
    versions: list[VersionRecord] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    sources: list[SourceRef] = field(default_factory=list)
    introduced_date: date | None = None
    status: str | None = None  # a STAGES value; derived from actions when None
    status_date: date | None = None
    url: str | None = None
    # The source's change token (change_hash, updateDateIncludingText, updated_at).
    source_updated: str | None = None
    text: str | None = None  # extracted full text when the source carries it
    # The source's latest action when it sent no action list (a Congress.gov detail
    # without /actions): gives the last-action date and a fallback stage, and never
    # replaces another source's full history.
    latest_action: ActionRecord | None = None


@dataclass
class OfficeRecord:
    """A legislator's office: capitol or district."""

    classification: str  # "capitol" | "district"
    address: str | None = None
    phone: str | None = None
    fax: str | None = None
    email: str | None = None
    name: str | None = None


@dataclass
class TermRecord:
    """One term of office."""

    chamber: str  # "upper" | "lower" | "legislature" | "executive"
    district: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    party: str | None = None
    jurisdiction: str | None = None


@dataclass
class MemberRecord:
    """A legislator as one source describes them; merged by external ids."""

    name: str
    jurisdiction: str  # "us" or state code
    external_ids: dict[str, str] = field(default_factory=dict)  # {"bioguide": "L000174"}
    given_name: str | None = None
    family_name: str | None = None
    party: str | None = None
    chamber: str | None = None
    district: str | None = None  # as the source writes it ("7", "At-Large")
    district_ocd_id: str | None = None
    email: str | None = None
    phones: list[str] = field(default_factory=list)
    offices: list[OfficeRecord] = field(default_factory=list)
    contact_form_url: str | None = None
    url: str | None = None
    image: str | None = None
    terms: list[TermRecord] = field(default_factory=list)
    committees: list[tuple[str, str]] = field(default_factory=list)  # (committee name, role)
    sources: list[SourceRef] = field(default_factory=list)

    @property
    def latest_term(self) -> TermRecord | None:
        """The term that began last, whatever order the source lists them in (Open States
        people files list roles newest first, congress-legislators oldest first)."""
        if not self.terms:
            return None
        return max(self.terms, key=lambda t: (t.start_date is not None, t.start_date or date.min))


@dataclass
class CommitteeRecord:
    """A committee or subcommittee with its members."""

    name: str
    jurisdiction: str
    chamber: str | None = None  # "upper" | "lower" | "legislature"
    external_id: str | None = None  # e.g. thomas_id "SSHR" or ocd-organization/...
    parent_external_id: str | None = None
    members: list[tuple[str, str, str | None]] = field(default_factory=list)
    # (name, role, member external id as "scheme:id", e.g. "bioguide:S000033")
    sources: list[SourceRef] = field(default_factory=list)


@dataclass
class EventRecord:
    """A hearing or other scheduled event, optionally with bills on the agenda."""

    jurisdiction: str
    name: str
    start: datetime
    location: str | None = None
    description: str | None = None
    external_id: str | None = None
    bill_ids: list[str] = field(default_factory=list)  # stable bill ids
    sources: list[SourceRef] = field(default_factory=list)
    # Agenda bills named without a session ("HB 1"): ingest picks the jurisdiction's bill
    # of that identifier from the session running on the event's date.
    bill_identifiers: list[str] = field(default_factory=list)
    status: str = "scheduled"  # scheduled | cancelled | postponed | rescheduled
    committee: str | None = None  # the committee's name as the source writes it
    committee_external_id: str | None = None  # e.g. Congress.gov systemCode "hsif14"
    # False when the record knows only some of the agenda (a hearing read from one
    # bill's history): its bills are added to the event, none removed.
    agenda_complete: bool = True


@dataclass
class PersonVoteRecord:
    """One legislator's vote in a roll call."""

    name: str
    option: str  # yes | no | not voting | absent | other
    external_id: str | None = None  # "bioguide:B000490", "legiscan:1234"


@dataclass
class VoteRecord:
    """A roll-call vote: motion, chamber, date, tallies, result and who voted how."""

    jurisdiction: str
    external_id: str  # "legiscan:154366", "congress-gov:119-1-17"
    motion: str
    date: date | None = None
    chamber: str | None = None
    bill_id: str | None = None  # stable bill id
    bill_source: str | None = None  # "legiscan:395975": find the bill by its source id
    result: str | None = None
    yes: int = 0
    no: int = 0
    other: int = 0
    votes: list[PersonVoteRecord] = field(default_factory=list)
    sources: list[SourceRef] = field(default_factory=list)
