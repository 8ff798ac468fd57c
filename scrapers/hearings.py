"""Hearings read from bill histories: the calendar entries state sites print as actions.

Washington: "Public hearing in the House Committee on Health Care & Wellness at 1:30 PM."
(the action's date is the hearing's). Florida: "On Committee agenda-- Children, Families,
and Elder Affairs, 01/25/22, 10:00 am, 37 Senate Building". Massachusetts: "Hearing
scheduled for 10/02/2023 from 01:00 PM-05:00 PM in A-1". Times are the legislature's
local time (the state capital's zone), stored in UTC. The same hearing seen again (a
re-import, or another bill on the same agenda) keeps one event per committee and time.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

from tracker.ids import bill_id
from tracker.jurisdictions import zone
from tracker.records import BillRecord, EventRecord, SourceRef

_I = re.IGNORECASE
_WA = re.compile(
    r"^(?P<kind>Public hearing|Executive action taken) in the (?P<chamber>House|Senate) "
    r"Committee on (?P<committee>.+?) at (?P<time>\d{1,2}:\d{2} ?[AP]M)\.?$",
    _I,
)
_FL = re.compile(
    r"^On Committee agenda-- (?P<committee>.+?), (?P<date>\d{2}/\d{2}/\d{2}), "
    r"(?P<time>\d{1,2}:\d{2} ?[ap]m)(, (?P<location>.+))?$",
    _I,
)
_MA = re.compile(
    r"^Hearing scheduled for (?P<date>\d{2}/\d{2}/\d{4}) from (?P<time>\d{1,2}:\d{2} ?[AP]M)"
    r"(-\d{1,2}:\d{2} ?[AP]M)?( in (?P<location>.+))?$",
    _I,
)


def _at(day: date, clock: str, jurisdiction: str) -> datetime:
    parsed = datetime.strptime(clock.replace(" ", "").upper(), "%I:%M%p").time()
    local = datetime.combine(day, time(parsed.hour, parsed.minute), tzinfo=zone(jurisdiction))
    return local.astimezone(UTC)


def hearings_from_actions(record: BillRecord) -> list[EventRecord]:
    """The hearings a bill's action history announces, each linked to the bill."""
    try:
        stable = bill_id(record.jurisdiction, record.session, record.identifier)
    except ValueError:
        return []
    juris = record.jurisdiction.lower()
    source = record.sources[0].source if record.sources else "actions"
    out: list[EventRecord] = []
    for action in record.actions:
        text = re.sub(r"\s+", " ", action.description or "").strip()
        committee = location = None
        if match := _WA.match(text):
            committee = f"{match['chamber'].title()} {match['committee'].strip()}"
            start = _at(action.date, match["time"], juris)
            kind = (
                "Public hearing"
                if match["kind"].lower() == "public hearing"
                else ("Executive session")
            )
        elif match := _FL.match(text):
            committee, location = match["committee"].strip(), match["location"]
            day = datetime.strptime(match["date"], "%m/%d/%y").date()
            start, kind = _at(day, match["time"], juris), "Committee meeting"
        elif match := _MA.match(text):
            day = datetime.strptime(match["date"], "%m/%d/%Y").date()
            start, kind, location = _at(day, match["time"], juris), "Hearing", match["location"]
        else:
            continue
        name = f"{kind}: {committee}" if committee else kind
        key = f"{juris}:{source}:{committee or record.identifier}:{start.isoformat()}"
        out.append(
            EventRecord(
                jurisdiction=juris,
                name=name,
                start=start,
                location=location,
                description=text,
                external_id=f"actions:{key}"[:200],
                bill_ids=[stable],
                committee=committee,
                agenda_complete=False,
                sources=[SourceRef(source=source, url=record.url)],
            )
        )
    return out
