"""The weekly policy brief: what an organization's tracked bills did over a date range.

`build_brief(session, org, start, end)` returns a `Brief` (plain dataclasses, no ORM
objects) that `outreach.briefs.render` turns into HTML, PDF, Markdown, DOCX, CSV or XLSX.

Reproducibility: every stage in a brief is derived from the bill's dated action history
with `tracker.status.derive_status`, as of the day before the range (old stage) and the
range's last day (new stage). Nothing depends on when a bill was fetched or updated, so a
brief for a past week comes out the same when rebuilt later, unless the history itself
was corrected. The default range is the last full ISO week (Monday-Sunday) in the
organization's time zone.

Scope: the bills on the organization's watchlists (all of them, or the ones named), plus,
when topics are given, every bill tagged with those topics; optionally narrowed to some
jurisdictions. Bills first seen after the range (introduced later) are left out.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from outreach.briefs import charts
from tracker.errors import InvalidInput, NotFound
from tracker.jurisdictions import local_time
from tracker.models import (
    Bill,
    BillAction,
    Event,
    EventBill,
    Jurisdiction,
    Legislator,
    Organization,
    Watchlist,
    WatchlistEntry,
)
from tracker.records import STAGES, ActionRecord
from tracker.status import derive_status

MAX_RANGE_DAYS = 366
HEARING_WINDOW_DAYS = 14
MOMENTUM_LIMIT = 20
SUMMARY_CHARS = 240
UNTAGGED = "untagged"
# Topic order and labels in every format; topics the tagger adds later follow these.
TOPIC_LABELS: dict[str, str] = {
    "parity": "Parity",
    "crisis": "Crisis care and 988",
    "workforce": "Behavioral-health workforce",
    "mental_health": "Other mental health",
}
TERMINAL_FAILURES = ("failed", "vetoed", "withdrawn")
PRIORITY_RANK = {"high": 0, "medium": 1, "low": 2}


# --- the brief's data ---------------------------------------------------------------------


@dataclass
class BillRow:
    """One bill as the brief shows it, with its stage as of the range's last day."""

    bill_id: str
    identifier: str
    jurisdiction: str  # "US", "CA"
    jurisdiction_name: str
    title: str
    stage: str
    stage_date: date | None
    last_action: str
    last_action_date: date | None
    position: str
    priority: str
    score: int | None  # relevance 0-100, from the tagger
    likelihood: int | None  # passage likelihood 0-100, from the tagger
    momentum: str  # why the bill has momentum as of the range's end ("" when it has none)
    summary: str
    url: str | None
    topics: list[str] = field(default_factory=list)
    subtopics: list[str] = field(default_factory=list)
    introduced: date | None = None


@dataclass
class Change:
    """A bill that moved: old stage -> new stage, with the action that did it."""

    row: BillRow
    old_stage: str
    new_stage: str
    action: str
    action_date: date | None


@dataclass
class TextChange:
    """A tracked bill's new version text in the period and what it changed."""

    row: BillRow
    version: str
    version_date: date | None
    since: str
    summary: str  # tracker.textdiff: sections changed/added/removed, words, which


@dataclass
class Hearing:
    """A scheduled event in the next 14 days with tracked bills on its agenda."""

    start: datetime  # on the legislature's clock (tracker.jurisdictions.zone)
    name: str
    location: str
    jurisdiction: str
    bills: list[str]


@dataclass
class TopicTable:
    """The per-topic table of bills."""

    key: str
    label: str
    rows: list[BillRow]


@dataclass
class HeadlineCounts:
    """Headline numbers for the whole scope or one topic."""

    label: str
    tracked: int = 0
    new: int = 0
    moved: int = 0
    enacted: int = 0
    failed: int = 0


@dataclass
class OutreachSummary:
    """Letters, meetings and follow-ups in the range (empty until outreach data exists)."""

    available: bool = False
    letters_by_campaign: list[tuple[str, int]] = field(default_factory=list)
    letters_by_office: list[tuple[str, int]] = field(default_factory=list)
    meetings: list[dict[str, Any]] = field(default_factory=list)  # date, with, outcome, bill
    open_follow_ups: list[dict[str, Any]] = field(default_factory=list)  # due, what, overdue

    @property
    def letters_total(self) -> int:
        """All letters sent in the range."""
        return sum(n for _, n in self.letters_by_campaign)

    @property
    def empty(self) -> bool:
        """True when nothing happened in outreach."""
        return not (self.letters_by_campaign or self.meetings or self.open_follow_ups)


@dataclass
class Brief:
    """Everything one brief shows; renderers only format it."""

    org_name: str
    org_slug: str
    timezone: str
    start: date
    end: date
    generated_at: datetime
    headline: HeadlineCounts
    by_topic: list[HeadlineCounts]
    changes: list[Change]
    new_bills: list[BillRow]
    hearings: list[Hearing]
    momentum: list[BillRow]
    topics: list[TopicTable]
    outreach: OutreachSummary
    topic_stage: dict[str, dict[str, int]]
    state_activity: dict[str, int]
    topic_labels: dict[str, str]
    tagging_available: bool = False
    text_changes: list[TextChange] = field(default_factory=list)

    @property
    def no_changes(self) -> bool:
        """True when no tracked bill moved and none is new: the 'No changes this week' brief."""
        return not self.changes and not self.new_bills

    @property
    def title(self) -> str:
        """The brief's heading."""
        return f"{self.org_name}: policy brief, {self.period_label}"

    @property
    def period_label(self) -> str:
        """'Mar 4-10, 2024' style label for the range."""
        s, e = self.start, self.end
        if s.year != e.year:
            return f"{s:%b} {s.day}, {s.year} - {e:%b} {e.day}, {e.year}"
        if s.month != e.month:
            return f"{s:%b} {s.day} - {e:%b} {e.day}, {e.year}"
        if s == e:
            return f"{s:%b} {s.day}, {s.year}"
        return f"{s:%b} {s.day}-{e.day}, {e.year}"

    @property
    def is_week(self) -> bool:
        """True for a Monday-Sunday range."""
        return self.start.weekday() == 0 and (self.end - self.start).days == 6

    def all_rows(self) -> list[tuple[str, BillRow]]:
        """(topic label, row) for every row of every topic table, in table order."""
        return [(table.label, row) for table in self.topics for row in table.rows]

    def chart_svg(self) -> str:
        """Bills by topic x stage, as SVG."""
        return charts.topic_stage_svg(self.topic_stage, self.topic_labels, STAGES)

    def map_svg(self) -> str:
        """Activity by state on a tile grid, as SVG."""
        return charts.state_tile_svg(self.state_activity)


# --- date ranges --------------------------------------------------------------------------


def zone(name: str) -> ZoneInfo:
    """The ZoneInfo for an IANA name, or InvalidInput."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"unknown time zone {name!r}") from exc


def last_full_week(tz: str, now: datetime | None = None) -> tuple[date, date]:
    """Monday and Sunday of the last ISO week that has fully ended in time zone `tz`."""
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        raise InvalidInput("now must be timezone-aware")
    local = now.astimezone(zone(tz)).date()
    this_monday = local - timedelta(days=local.weekday())
    return this_monday - timedelta(days=7), this_monday - timedelta(days=1)


def resolve_range(
    tz: str, start: date | None = None, end: date | None = None, now: datetime | None = None
) -> tuple[date, date]:
    """The range to report on: given dates, or the last full week; validated."""
    if start is None and end is None:
        return last_full_week(tz, now)
    if start is None or end is None:
        # One end given: a week ending (or starting) there.
        if end is None:
            end = start + timedelta(days=6)
        else:
            start = end - timedelta(days=6)
    if end < start:
        raise InvalidInput(f"the range ends ({end}) before it starts ({start})")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise InvalidInput(f"a brief covers at most {MAX_RANGE_DAYS} days")
    return start, end


def parse_date(text: str | None, name: str = "date") -> date | None:
    """A YYYY-MM-DD string as a date (None for empty), or InvalidInput naming the field."""
    if text is None or not str(text).strip():
        return None
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError as exc:
        raise InvalidInput(f"{name} must be a date like 2024-03-04 (got {text!r})") from exc


def utc_bounds(start: date, end: date, tz: str) -> tuple[datetime, datetime]:
    """The range as [start 00:00, day after end 00:00) in `tz`, converted to UTC."""
    z = zone(tz)
    lo = datetime.combine(start, time.min, tzinfo=z).astimezone(UTC)
    hi = datetime.combine(end + timedelta(days=1), time.min, tzinfo=z).astimezone(UTC)
    return lo, hi


# --- scope --------------------------------------------------------------------------------


def find_org(session: Session, name_or_slug: str | int) -> Organization:
    """An organization by id, name or slug."""
    if isinstance(name_or_slug, int):
        org = session.get(Organization, name_or_slug)
    else:
        org = session.scalars(
            select(Organization).where(
                (Organization.name == name_or_slug) | (Organization.slug == name_or_slug)
            )
        ).first()
    if org is None:
        raise NotFound(f"no organization {name_or_slug!r}")
    return org


def _scope_entries(
    session: Session, org: Organization, watchlists: list[str] | None
) -> dict[str, WatchlistEntry]:
    """bill id -> the org's most important watchlist entry for it."""
    query = (
        select(WatchlistEntry)
        .join(Watchlist, WatchlistEntry.watchlist_id == Watchlist.id)
        .where(Watchlist.organization_id == org.id)
    )
    if watchlists:
        query = query.where(Watchlist.name.in_(watchlists))
    best: dict[str, WatchlistEntry] = {}
    for entry in session.scalars(query):
        current = best.get(entry.bill_id)
        if current is None or PRIORITY_RANK.get(entry.priority, 9) < PRIORITY_RANK.get(
            current.priority, 9
        ):
            best[entry.bill_id] = entry
    return best


# --- tagging and outreach adapters ----------------------------------------------------------


@dataclass
class TagInfo:
    """What the tagger says about one bill."""

    topics: list[str] = field(default_factory=list)  # table groups: core topics or mental_health
    subtopics: list[str] = field(default_factory=list)
    relevance: int | None = None  # 0-100
    likelihood: int | None = None  # passage likelihood, 0-100


CORE_TOPICS = ("parity", "crisis", "workforce")
UMBRELLA_TOPIC = "mental_health"


def tagging_available() -> bool:
    """True when the tagging area's tables and scoring are installed."""
    try:
        import tracker.models.tagging  # noqa: F401
        import tracker.scoring  # noqa: F401
    except ImportError:
        return False
    return True


def load_tags(
    session: Session, bill_ids: list[str], org_id: int | None = None
) -> dict[str, TagInfo]:
    """Topics and scores per bill from the tagger (empty when tagging is not installed).

    A bill goes in the table of each core topic it has (parity, crisis, workforce); one
    tagged only with the umbrella `mental_health` (and its other subtopics) goes under
    "Other mental health"; untagged bills go in a last table. Topics are the ones
    organization `org_id` sees (its corrections override the tagger).
    """
    if not tagging_available() or not bill_ids:
        return {}
    from tracker.tagging_queries import effective_topics_for, scores_for

    topics = effective_topics_for(session, bill_ids, org_id)
    scores = scores_for(session, bill_ids)
    out: dict[str, TagInfo] = {}
    for bill_id in bill_ids:
        found = topics.get(bill_id) or []
        score = scores.get(bill_id)
        if not found and score is None:
            continue
        core = [t for t in CORE_TOPICS if t in found]
        groups = core or ([UMBRELLA_TOPIC] if UMBRELLA_TOPIC in found else [])
        out[bill_id] = TagInfo(
            topics=groups,
            subtopics=[t for t in found if t not in CORE_TOPICS and t != UMBRELLA_TOPIC],
            relevance=score.relevance if score else None,
            likelihood=score.passage if score else None,
        )
    return out


def bills_with_topics(session: Session, topics: list[str], org_id: int | None = None) -> set[str]:
    """Ids of bills filed under any of `topics`, as organization `org_id` sees them."""
    if not tagging_available() or not topics:
        return set()
    from tracker.tagging_queries import bill_ids_with_topic

    return {
        bill_id
        for topic in topics
        for bill_id in session.scalars(bill_ids_with_topic(topic, org_id))
    }


def momentum_as_of(
    actions: list[BillAction], hearings: list[date], end: date
) -> tuple[bool, str, date | None]:
    """Momentum on day `end`: advanced in the 14 days before, or a hearing coming up.

    Uses the tagger's rule (`tracker.scoring.momentum`) on the history as of `end`, so a
    past brief shows the momentum the bill had then, not today's stored flag.
    """
    from tracker.status import classify_action

    records = [
        (a, tuple(a.classification or classify_action(a.description, a.chamber)))
        for a in actions
        if a.date <= end
    ]
    if tagging_available():
        from tracker.scoring import ActionFact, BillFacts, momentum

        facts = BillFacts(
            jurisdiction="",
            actions=[
                ActionFact(
                    date=a.date, classification=c, chamber=a.chamber, description=a.description
                )
                for a, c in records
            ],
            hearings=hearings,
        )
        has, reasons = momentum(facts, today=end)
        why = "; ".join(r.detail for r in reasons)
    else:
        window = [a for a, c in records if a.date > end - timedelta(days=14) and c]
        has = bool(window or hearings)
        why = f"{len(window)} actions in 14 days" if window else ""
    latest = max((a.date for a, c in records if a.date > end - timedelta(days=14)), default=None)
    return has, why, latest


def topic_labels() -> dict[str, str]:
    """Topic key -> display label, in display order."""
    return dict(TOPIC_LABELS)


def load_outreach(
    session: Session, org: Organization, start: date, end: date, lo: datetime, hi: datetime
) -> OutreachSummary:
    """Letters sent and meetings held in the range, follow-ups open at its end, for the org.

    Reproducible like the rest: letters by `sent_at`, meetings by their date, follow-ups
    by their meeting's date and `done_at`, never by when rows were written.
    """
    from outreach.counts import letters_by_campaign, letters_by_office
    from outreach.models import FollowUp, Letter, Meeting

    summary = OutreachSummary(available=True)
    sent = (
        Letter.organization_id == org.id,
        Letter.state == "sent",
        Letter.sent_at >= lo,
        Letter.sent_at < hi,
    )
    # Counted by outreach.counts, like the campaign page; order: most letters first.
    by_campaign = letters_by_campaign(session, org.id, *sent)
    summary.letters_by_campaign = [
        (c.title, c.total) for c in sorted(by_campaign, key=lambda c: (-c.total, c.title))
    ]
    summary.letters_by_office = [
        (_office_label(leg), n) for leg, n, _ in letters_by_office(session, org.id, *sent)
    ]
    meetings = session.scalars(
        select(Meeting)
        .where(Meeting.organization_id == org.id, Meeting.date >= start, Meeting.date <= end)
        .options(selectinload(Meeting.attendees), selectinload(Meeting.bills))
        .order_by(Meeting.date, Meeting.id)
    ).all()
    for m in meetings:
        summary.meetings.append(
            {
                "date": m.date.isoformat(),
                "with": ", ".join(a.name for a in m.attendees) or m.location,
                "bill": ", ".join(_meeting_bill_label(mb) for mb in m.bills),
                "outcome": m.outcome,
            }
        )
    follow_ups = session.execute(
        select(FollowUp, Meeting.date)
        .join(Meeting, Meeting.id == FollowUp.meeting_id)
        .where(
            FollowUp.organization_id == org.id,
            Meeting.date <= end,
            (FollowUp.done_at.is_(None)) | (FollowUp.done_at >= hi),
        )
        .options(selectinload(FollowUp.assignee))
        .order_by(FollowUp.due_date, FollowUp.id)
    ).all()
    for f, _meeting_date in follow_ups:
        summary.open_follow_ups.append(
            {
                "due": f.due_date.isoformat(),
                "what": f.description,
                "owner": (f.assignee.name or f.assignee.email) if f.assignee else "",
                "overdue": f.due_date < end,
            }
        )
    return summary


def _office_label(leg: Legislator) -> str:
    chamber = {"upper": "Sen.", "lower": "Rep."}.get(leg.chamber or "", "")
    where = leg.jurisdiction_id.upper()
    if leg.district:
        where += f"-{leg.district}"
    return f"{chamber} {leg.name} ({where})".strip()


def _meeting_bill_label(mb: Any) -> str:
    if mb.bill is not None:
        return f"{mb.bill.jurisdiction_id.upper()} {mb.bill.identifier}"
    return mb.label


# --- building -----------------------------------------------------------------------------


def _records(actions: list[BillAction]) -> list[ActionRecord]:
    return [
        ActionRecord(
            date=a.date,
            description=a.description,
            chamber=a.chamber,
            classification=list(a.classification or []),
        )
        for a in actions
    ]


def shorten(text: str, limit: int = SUMMARY_CHARS) -> str:
    """Whitespace folded and cut at a word boundary to `limit` characters (… marks a cut)."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:.") + "…"


def _first_date(bill: Bill, actions: list[BillAction]) -> date | None:
    dates = [a.date for a in actions]
    if bill.introduced_date:
        dates.append(bill.introduced_date)
    return min(dates) if dates else None


def _moving_action(
    before: list[BillAction], in_range: list[BillAction], stage: str
) -> BillAction | None:
    """The first action in the range after which the bill stands at `stage`."""
    history = _records(before)
    for action in in_range:
        history.append(_records([action])[0])
        if derive_status(history)[0] == stage:
            return action
    return in_range[-1] if in_range else None


def _text_changes(
    session: Session, by_id: dict[str, BillRow], start: date, end: date
) -> list[TextChange]:
    """Tracked bills with a new version text dated in [start, end]: what changed since
    the version before it (section by section, tracker.textdiff)."""
    from tracker.models import BillVersion
    from tracker.models.tagging import ExtractedText
    from tracker.textdiff import diff_versions

    if not by_id:
        return []
    rows = session.execute(
        select(BillVersion, ExtractedText.text)
        .join(ExtractedText, ExtractedText.sha256 == BillVersion.text_sha256)
        .where(BillVersion.bill_id.in_(list(by_id)), ExtractedText.chars > 0)
        .order_by(BillVersion.bill_id, BillVersion.date.asc().nulls_first(), BillVersion.id)
    ).all()
    per_bill: dict[str, list[Any]] = defaultdict(list)
    for version, text in rows:
        per_bill[version.bill_id].append((version, text))
    out = []
    for bill_id, versions in per_bill.items():
        if len(versions) < 2:
            continue
        (before, old), (after, new) = versions[-2], versions[-1]
        if after.date is None or not start <= after.date <= end or old == new:
            continue
        out.append(
            TextChange(
                row=by_id[bill_id],
                version=after.note or after.date.isoformat(),
                version_date=after.date,
                since=before.note or (before.date.isoformat() if before.date else "earlier text"),
                summary=diff_versions(old, new).summary(),
            )
        )
    return sorted(out, key=lambda c: (c.version_date, c.row.jurisdiction, c.row.identifier))


def build_brief(
    session: Session,
    org: Organization,
    start: date | None = None,
    end: date | None = None,
    *,
    now: datetime | None = None,
    watchlists: list[str] | None = None,
    topics: list[str] | None = None,
    jurisdictions: list[str] | None = None,
) -> Brief:
    """The brief for `org` over [start, end] (default: the last full ISO week in its zone)."""
    tz = org.timezone or "America/New_York"
    now = now or datetime.now(UTC)
    start, end = resolve_range(tz, start, end, now)
    lo, hi = utc_bounds(start, end, tz)
    before = start - timedelta(days=1)

    entries = _scope_entries(session, org, watchlists)
    ids = set(entries) | bills_with_topics(session, topics or [], org.id)
    bills = session.scalars(
        select(Bill)
        .where(Bill.id.in_(ids))
        .options(selectinload(Bill.actions), selectinload(Bill.jurisdiction))
    ).all()
    if jurisdictions:
        wanted = {j.lower() for j in jurisdictions}
        bills = [b for b in bills if b.jurisdiction_id in wanted]
    tags = load_tags(session, [b.id for b in bills], org.id)
    events = _upcoming_events(session, {b.id for b in bills}, end, tz)
    hearing_dates: dict[str, list[date]] = defaultdict(list)
    for event, bill_id, _abbr in events:
        hearing_dates[bill_id].append(event.start.astimezone(zone(tz)).date())
    labels = topic_labels()
    for info in tags.values():
        for t in info.topics:
            labels.setdefault(t, t.replace("_", " ").capitalize())
    want_topics = set(topics or [])

    rows: list[BillRow] = []
    changes: list[Change] = []
    new_bills: list[BillRow] = []
    state_activity: Counter[str] = Counter()
    momentum_raw: dict[str, tuple] = {}
    for bill in bills:
        actions = sorted(bill.actions, key=lambda a: (a.date, a.position))
        first = _first_date(bill, actions)
        if first is not None and first > end:
            continue  # not yet introduced at the end of the range
        upto_end = [a for a in actions if a.date <= end]
        upto_before = [a for a in actions if a.date <= before]
        in_range = [a for a in upto_end if a.date >= start]
        if actions:
            new_stage, new_date = derive_status(_records(upto_end))
        else:
            # No dated history (some sources give only a status): the stored status stands.
            new_stage, new_date = bill.status or "introduced", bill.status_date
        if upto_before:
            old_stage: str | None = derive_status(_records(upto_before))[0]
        elif first is not None and first < start:
            # Introduced before the range (introduction date only, no actions yet).
            old_stage = "introduced"
        else:
            old_stage = None
        last = upto_end[-1] if upto_end else None
        info = tags.get(bill.id, TagInfo())
        has_momentum, why, latest = momentum_as_of(upto_end, hearing_dates.get(bill.id, []), end)
        if new_stage in ("enacted", *TERMINAL_FAILURES):
            has_momentum, why = False, ""  # done: nothing left to gain speed toward
        entry = entries.get(bill.id)
        bill_topics = [t for t in info.topics if not want_topics or t in want_topics]
        row = BillRow(
            bill_id=bill.id,
            identifier=bill.identifier,
            jurisdiction=bill.jurisdiction.abbr,
            jurisdiction_name=bill.jurisdiction.name,
            title=bill.title or "(no title)",
            stage=new_stage,
            stage_date=new_date,
            last_action=last.description if last else (bill.last_action or ""),
            last_action_date=last.date if last else bill.last_action_date,
            position=entry.position if entry else "",
            priority=entry.priority if entry else "",
            score=info.relevance,
            likelihood=info.likelihood,
            momentum=why if has_momentum else "",
            summary=shorten(bill.abstract),
            url=bill.url,
            topics=bill_topics,
            subtopics=list(info.subtopics),
            introduced=first,
        )
        rows.append(row)
        if in_range:
            state_activity[row.jurisdiction] += len(in_range)
        if first is not None and start <= first <= end:
            new_bills.append(row)
        elif old_stage is not None and old_stage != new_stage:
            mover = _moving_action(upto_before, in_range, new_stage) or last
            changes.append(
                Change(
                    row=row,
                    old_stage=old_stage,
                    new_stage=new_stage,
                    action=mover.description if mover else "",
                    action_date=mover.date if mover else new_date,
                )
            )
        if has_momentum:
            momentum_raw[bill.id] = (latest or date.min, len(in_range))

    def sort_key(r: BillRow) -> tuple:
        return (
            PRIORITY_RANK.get(r.priority, 9),
            -(r.score or 0),
            r.jurisdiction != "US",
            r.jurisdiction,
            r.identifier,
        )

    rows.sort(key=sort_key)
    changes.sort(key=lambda c: (c.action_date or start, c.row.jurisdiction, c.row.identifier))
    new_bills.sort(key=lambda r: (r.introduced or start, r.jurisdiction, r.identifier))
    by_id = {r.bill_id: r for r in rows}
    # Most recent movement first, then the busiest in the range, then the org's priority.
    momentum = sorted(
        (by_id[i] for i in momentum_raw),
        key=lambda r: (
            -momentum_raw[r.bill_id][0].toordinal(),
            -momentum_raw[r.bill_id][1],
            sort_key(r),
        ),
    )[:MOMENTUM_LIMIT]

    tables: list[TopicTable] = []
    for key, label in labels.items():
        table_rows = [r for r in rows if key in r.topics]
        if table_rows:
            tables.append(TopicTable(key, label, table_rows))
    untagged = [r for r in rows if not r.topics]
    if untagged:
        labels[UNTAGGED] = "Other tracked bills" if tags else "Tracked bills"
        tables.append(TopicTable(UNTAGGED, labels[UNTAGGED], untagged))
    shown_labels = {t.key: t.label for t in tables}

    moved_ids = {c.row.bill_id for c in changes}
    new_ids = {r.bill_id for r in new_bills}

    def counts(label: str, subset: list[BillRow]) -> HeadlineCounts:
        h = HeadlineCounts(label=label, tracked=len(subset))
        subset_ids = {r.bill_id for r in subset}
        h.new = len(subset_ids & new_ids)
        h.moved = len(subset_ids & moved_ids)
        for c in changes:
            if c.row.bill_id in subset_ids:
                h.enacted += c.new_stage == "enacted"
                h.failed += c.new_stage in TERMINAL_FAILURES
        return h

    topic_stage: dict[str, dict[str, int]] = defaultdict(dict)
    for table in tables:
        stage_counts = Counter(r.stage for r in table.rows)
        topic_stage[table.key] = {s: stage_counts[s] for s in STAGES if stage_counts[s]}

    return Brief(
        org_name=org.name,
        org_slug=org.slug,
        timezone=tz,
        start=start,
        end=end,
        generated_at=now,
        headline=counts("All tracked bills", rows),
        by_topic=[counts(t.label, t.rows) for t in tables],
        changes=changes,
        new_bills=new_bills,
        hearings=_hearings(events, by_id),
        text_changes=_text_changes(session, by_id, start, end),
        momentum=momentum,
        topics=tables,
        outreach=load_outreach(session, org, start, end, lo, hi),
        topic_stage=dict(topic_stage),
        state_activity=dict(state_activity),
        topic_labels=shown_labels,
        tagging_available=bool(tags),
    )


def _upcoming_events(session: Session, ids: set[str], end: date, tz: str) -> list[tuple]:
    """(event, bill id, jurisdiction abbr) for events in the 14 days after the range."""
    if not ids:
        return []
    lo, hi = utc_bounds(end + timedelta(days=1), end + timedelta(days=HEARING_WINDOW_DAYS), tz)
    return list(
        session.execute(
            select(Event, EventBill.bill_id, Jurisdiction.abbr)
            .join(EventBill, EventBill.event_id == Event.id)
            .join(Jurisdiction, Jurisdiction.id == Event.jurisdiction_id)
            .where(
                Event.start >= lo,
                Event.start < hi,
                EventBill.bill_id.in_(ids),
                Event.status != "cancelled",
            )
            .order_by(Event.start, Event.id)
        ).all()
    )


def _hearings(events: list[tuple], rows: dict[str, BillRow]) -> list[Hearing]:
    """Events in the 14 days after the range with tracked bills on the agenda.

    The window is the organization's week; each start is shown on its legislature's clock.
    """
    by_event: dict[int, Hearing] = {}
    for event, bill_id, abbr in events:
        row = rows.get(bill_id)
        if row is None:
            continue  # a bill outside the brief (introduced after the range)
        hearing = by_event.get(event.id)
        if hearing is None:
            hearing = by_event[event.id] = Hearing(
                start=local_time(event.start, event.jurisdiction_id),
                name=event.name,
                location=event.location or "",
                jurisdiction=abbr,
                bills=[],
            )
        hearing.bills.append(f"{row.jurisdiction} {row.identifier}")
    return list(by_event.values())
