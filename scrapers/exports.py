"""`tracker bills export` and `tracker legislators export`: jsonl or csv, one row per object.

Bill rows: id, jurisdiction, session, identifier, title, abstract, classification,
status, status_date, introduced_date, last_action_date, last_action,
actions[{date, chamber, description, classification[]}], sponsors[{name, role, party}],
subjects[], sources[{source, url}], topics[] - dates ISO YYYY-MM-DD. In CSV the list
columns hold JSON. Topics come from the tracker's tagger (`tracker.tagging`); with an
organization, as that organization corrected them (`tracker.tagging_queries`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tracker.cells import SafeDictWriter
from tracker.models import Bill, Legislator

BILL_FIELDS = (
    "id",
    "jurisdiction",
    "session",
    "identifier",
    "title",
    "abstract",
    "classification",
    "status",
    "status_date",
    "introduced_date",
    "last_action_date",
    "last_action",
    "actions",
    "sponsors",
    "subjects",
    "sources",
    "topics",
)
LEGISLATOR_FIELDS = (
    "id",
    "name",
    "jurisdiction",
    "party",
    "chamber",
    "district",
    "district_ocd_id",
    "email",
    "phones",
    "contact_form_url",
    "url",
    "offices",
    "external_ids",
)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _topics(bill: Bill, stored: dict[str, list[str]]) -> list[str]:
    """The tagger's stored topics; computed on the fly for a bill not tagged yet."""
    if stored.get(bill.id):
        return stored[bill.id]
    from tracker.tagging import tag_bill, topics_of

    return topics_of(tag_bill(bill.title, bill.abstract, [s.subject for s in bill.subjects]))


def _stored_topics(
    session: Session, bill_ids: list[str], org_id: int | None
) -> dict[str, list[str]]:
    from tracker.tagging_queries import effective_topics_for

    return effective_topics_for(session, bill_ids, org_id)


def _corrected_bills(session: Session, org_id: int) -> set[str]:
    """Bills the organization judged: their topics are its own, never re-guessed."""
    from tracker.models.tagging import TopicCorrection

    return set(
        session.scalars(
            select(TopicCorrection.bill_id).where(TopicCorrection.organization_id == org_id)
        )
    )


def bill_rows(
    session: Session, jurisdiction: str | None = None, org_id: int | None = None
) -> Iterator[dict[str, Any]]:
    """Every bill (optionally one jurisdiction's) as an export dict, ordered by id;
    topics as organization `org_id` sees them when given."""
    query = (
        select(Bill)
        .options(
            selectinload(Bill.actions),
            selectinload(Bill.sponsorships),
            selectinload(Bill.subjects),
            selectinload(Bill.source_links),
            selectinload(Bill.session),
        )
        .order_by(Bill.id)
        .execution_options(yield_per=500)
    )
    if jurisdiction:
        query = query.where(Bill.jurisdiction_id == jurisdiction.lower())
    bills = list(session.scalars(query))
    stored = _stored_topics(session, [b.id for b in bills], org_id)
    corrected = _corrected_bills(session, org_id) if org_id else set()
    for bill in bills:
        yield {
            "id": bill.id,
            "jurisdiction": bill.jurisdiction_id,
            "session": bill.session.identifier,
            "identifier": bill.identifier,
            "title": bill.title,
            "abstract": bill.abstract,
            "classification": bill.classification,
            "status": bill.status,
            "status_date": _iso(bill.status_date),
            "introduced_date": _iso(bill.introduced_date),
            "last_action_date": _iso(bill.last_action_date),
            "last_action": bill.last_action,
            "actions": [
                {
                    "date": _iso(a.date),
                    "chamber": a.chamber,
                    "description": a.description,
                    "classification": list(a.classification or []),
                }
                for a in bill.actions
            ],
            "sponsors": [
                {"name": s.name, "role": s.role, "party": s.party} for s in bill.sponsorships
            ],
            "subjects": [s.subject for s in bill.subjects],
            "sources": [{"source": link.source, "url": link.url} for link in bill.source_links],
            "topics": stored[bill.id] if bill.id in corrected else _topics(bill, stored),
        }


def legislator_rows(session: Session, jurisdiction: str | None = None) -> Iterator[dict[str, Any]]:
    """Every legislator as an export dict."""
    query = (
        select(Legislator).options(selectinload(Legislator.external_ids)).order_by(Legislator.id)
    )
    if jurisdiction:
        query = query.where(Legislator.jurisdiction_id == jurisdiction.lower())
    for person in session.scalars(query):
        yield {
            "id": person.id,
            "name": person.name,
            "jurisdiction": person.jurisdiction_id,
            "party": person.party,
            "chamber": person.chamber,
            "district": person.district,
            "district_ocd_id": person.district_ocd_id,
            "email": person.email,
            "phones": list(person.phones or []),
            "contact_form_url": person.contact_form_url,
            "url": person.url,
            "offices": list(person.offices or []),
            "external_ids": {e.scheme: e.value for e in person.external_ids},
        }


def write_rows(
    rows: Iterator[dict[str, Any]], out: IO[str], fmt: str, fields: tuple[str, ...]
) -> int:
    """Write rows as jsonl or csv (list/dict columns JSON-encoded); returns the count."""
    count = 0
    if fmt == "jsonl":
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
        return count
    writer = SafeDictWriter(out, fieldnames=list(fields))
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                k: json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v
                for k, v in row.items()
            }
        )
        count += 1
    return count
