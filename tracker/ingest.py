"""Write normalized records to the store: upsert by natural key, merge across sources.

One transaction per batch; a bill is written whole or not at all. Each bill carries a
hash of its merged content, so importing the same input again writes nothing.

Field precedence when several sources report the same bill (highest wins; a lower
source only fills fields the higher ones left empty; list fields - actions, sponsors,
versions, subjects - come whole from the highest source that has any):

    congress-gov 100 > govinfo 90 > state legislature sites 80 > openstates 70
    > legiscan 60 > bills-jsonl / bills-csv 50
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date
from itertools import islice

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session, selectinload

from tracker import status as status_rules
from tracker.cells import clean_text
from tracker.errors import InvalidInput
from tracker.ids import bill_id as make_bill_id
from tracker.ids import normalize_identifier
from tracker.models import (
    Bill,
    BillAction,
    BillSubject,
    BillVersion,
    Committee,
    CommitteeMembership,
    Event,
    EventBill,
    Jurisdiction,
    LegislativeSession,
    Legislator,
    LegislatorExternalId,
    SourceLink,
    Sponsorship,
    utcnow,
)
from tracker.records import (
    ActionRecord,
    BillRecord,
    CommitteeRecord,
    EventRecord,
    MemberRecord,
    SponsorRecord,
)

PRECEDENCE = {
    "congress-gov": 100,
    "govinfo": 90,
    "openstates": 70,
    "legiscan": 60,
    "bills-jsonl": 50,
    "bills-csv": 50,
}
STATE_SITE_PRECEDENCE = 80  # any other source key is a legislature website scraper
SCALARS = ("title", "abstract", "classification", "introduced_date", "url")
LISTS = ("actions", "sponsors", "versions", "subjects")


def precedence(source: str) -> int:
    """How much a source's fields are trusted over another's."""
    return PRECEDENCE.get(source, STATE_SITE_PRECEDENCE)


@dataclass
class IngestResult:
    """Counts of what a run wrote, and which bills changed (the tagger re-tags those)."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    changed_bill_ids: set[str] = field(default_factory=set)
    legislators_inserted: int = 0
    legislators_updated: int = 0
    legislators_unchanged: int = 0

    def add(self, other: IngestResult) -> None:
        """Fold another batch's counts into this one."""
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.changed_bill_ids |= other.changed_bill_ids
        self.legislators_inserted += other.legislators_inserted
        self.legislators_updated += other.legislators_updated
        self.legislators_unchanged += other.legislators_unchanged

    def as_dict(self) -> dict[str, int]:
        """Counts only, for summaries and job results."""
        return {
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "changed": len(self.changed_bill_ids),
            "legislators_inserted": self.legislators_inserted,
            "legislators_updated": self.legislators_updated,
            "legislators_unchanged": self.legislators_unchanged,
        }


def ingest(session: Session, records: Iterable[BillRecord], batch_size: int = 500) -> IngestResult:
    """Upsert bill records, committing once per batch; returns what changed."""
    total = IngestResult()
    for batch in _batches(records, batch_size):
        try:
            result = _ingest_bill_batch(session, batch)
            session.commit()
        except Exception:
            session.rollback()
            raise
        total.add(result)
    return total


def _batches(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


# --- bills ---------------------------------------------------------------------------------


def _ingest_bill_batch(session: Session, records: list[BillRecord]) -> IngestResult:
    result = IngestResult()
    for record in records:
        _validate(record)
        record.identifier = normalize_identifier(record.identifier)
    ids = [make_bill_id(r.jurisdiction, r.session, r.identifier) for r in records]
    known = _known_links(session, ids)
    todo = []
    for stable_id, record in zip(ids, records, strict=True):
        incoming = _content_from_record(record)
        record_hash = _hash(incoming)
        if _same_as_last_time(known, stable_id, record, record_hash):
            result.unchanged += 1  # this source said exactly this before: nothing to merge
        else:
            todo.append((stable_id, record, incoming, record_hash))
    if not todo:
        return result
    existing = {
        bill.id: bill
        for bill in session.scalars(
            select(Bill)
            .where(Bill.id.in_({item[0] for item in todo}))
            .options(
                selectinload(Bill.actions),
                selectinload(Bill.sponsorships),
                selectinload(Bill.versions),
                selectinload(Bill.subjects),
                selectinload(Bill.source_links),
            )
        )
    }
    preexisting = set(existing)
    sessions = _session_cache(session, {(r.jurisdiction.lower(), r.session) for _, r, *_ in todo})
    links = _legislator_links(session, [s for _, r, *_ in todo for s in r.sponsors])
    # Merged content of bills written in this batch (a batch may carry one bill twice,
    # from two sources); their child rows are written once, in bulk, after the loop.
    written: dict[str, dict] = {}
    for stable_id, record, incoming, record_hash in todo:
        bill = existing.get(stable_id)
        if bill is None:
            bill = Bill(
                id=stable_id,
                jurisdiction_id=record.jurisdiction.lower(),
                session_id=sessions[(record.jurisdiction.lower(), record.session)].id,
                identifier=record.identifier,
            )
            session.add(bill)
            existing[stable_id] = bill
            merged = _finalize(dict(incoming))
        else:
            current = written.get(stable_id) or _content_from_bill(bill)
            merged = _finalize(_merge(current, _top_precedence(bill), incoming))
        merged_hash = _hash(merged)
        link_new = _apply_source_links(bill, record, record_hash)
        if merged_hash == bill.content_hash and not link_new:
            result.unchanged += 1
            continue
        if merged_hash != bill.content_hash:
            _write_scalars(bill, merged)
            bill.content_hash = merged_hash
            bill.updated_at = utcnow()
            written[stable_id] = merged
            result.changed_bill_ids.add(stable_id)
        if stable_id in preexisting:
            result.updated += 1
    result.inserted = len(existing.keys() - preexisting)
    session.flush()
    _write_children(session, written, preexisting, links)
    for stable_id in written.keys() & preexisting:
        session.expire(existing[stable_id], ["actions", "sponsorships", "versions", "subjects"])
    return result


def _validate(record: BillRecord) -> None:
    if not record.jurisdiction or not record.session or not record.identifier:
        raise InvalidInput(
            f"bill record needs jurisdiction, session and identifier (got {record.jurisdiction!r}, "
            f"{record.session!r}, {record.identifier!r})"
        )


def _session_cache(
    session: Session, keys: set[tuple[str, str]]
) -> dict[tuple[str, str], LegislativeSession]:
    """Find or create the legislative sessions a batch needs."""
    found: dict[tuple[str, str], LegislativeSession] = {}
    juris = {j for j, _ in keys}
    known = set(session.scalars(select(Jurisdiction.id).where(Jurisdiction.id.in_(juris))))
    missing = juris - known
    if missing:
        raise InvalidInput(f"unknown jurisdiction(s): {', '.join(sorted(missing))}")
    for row in session.scalars(
        select(LegislativeSession).where(LegislativeSession.jurisdiction_id.in_(juris))
    ):
        found[(row.jurisdiction_id, row.identifier)] = row
    for key in keys - found.keys():
        row = LegislativeSession(jurisdiction_id=key[0], identifier=key[1], name=key[1])
        session.add(row)
        found[key] = row
    session.flush()
    return found


def _content_from_record(record: BillRecord) -> dict:
    # Control characters (NUL, C1, lone surrogates) never reach the database: PostgreSQL
    # refuses NUL and feeds/workbooks refuse the rest (tracker.cells).
    return {
        "title": clean_text(record.title or "").strip(),
        "abstract": clean_text(record.abstract or "").strip(),
        "classification": record.classification or "bill",
        "introduced_date": record.introduced_date,
        "url": record.url,
        "status": record.status,
        "status_date": record.status_date,
        "actions": sorted(
            (
                {
                    "date": a.date,
                    "description": clean_text(a.description or ""),
                    "chamber": a.chamber,
                    "classification": list(a.classification)
                    or status_rules.classify_action(a.description, a.chamber),
                }
                for a in record.actions
            ),
            key=lambda a: a["date"],
        ),
        # Cut to the column sizes here, so a re-read bill hashes the same as its record.
        "sponsors": [
            {
                "name": clean_text(s.name)[:200],
                "role": s.role,
                "party": s.party,
                "external_id": s.external_id,
            }
            for s in record.sponsors
        ],
        "versions": [
            {
                "note": clean_text(v.note or "")[:300],
                "url": v.url[:500],
                "date": v.date,
                "media_type": v.media_type,
            }
            for v in record.versions
        ],
        "subjects": sorted(
            {clean_text(s).strip()[:200] for s in record.subjects if s and clean_text(s).strip()}
        ),
        "_source_precedence": max((precedence(s.source) for s in record.sources), default=0),
    }


def _content_from_bill(bill: Bill) -> dict:
    return {
        "title": bill.title or "",
        "abstract": bill.abstract or "",
        "classification": bill.classification,
        "introduced_date": bill.introduced_date,
        "url": bill.url,
        "status": bill.status,
        "status_date": bill.status_date,
        "actions": [
            {
                "date": a.date,
                "description": a.description,
                "chamber": a.chamber,
                "classification": list(a.classification or []),
            }
            for a in bill.actions
        ],
        "sponsors": [
            {
                "name": s.name,
                "role": s.role,
                "party": s.party,
                "external_id": s.external_id,
            }
            for s in bill.sponsorships
        ],
        "versions": [
            {"note": v.note, "url": v.url, "date": v.date, "media_type": v.media_type}
            for v in bill.versions
        ],
        "subjects": sorted(s.subject for s in bill.subjects),
    }


def _top_precedence(bill: Bill) -> int:
    return max((precedence(link.source) for link in bill.source_links), default=0)


def _merge(current: dict, current_precedence: int, incoming: dict) -> dict:
    wins = incoming["_source_precedence"] >= current_precedence
    merged = dict(current)
    for key in SCALARS:
        if incoming[key] and (wins or not current[key]):
            merged[key] = incoming[key]
    for key in LISTS:
        if incoming[key] and (wins or not current[key]):
            merged[key] = incoming[key]
    if incoming["status"] and (wins or not current["status"]):
        merged["status"], merged["status_date"] = incoming["status"], incoming["status_date"]
    elif merged["actions"] != current["actions"]:
        merged["status"], merged["status_date"] = _derived_status(merged["actions"])
    return merged


def _derived_status(actions: list[dict]) -> tuple[str, date | None]:
    return status_rules.derive_status([ActionRecord(**a) for a in actions])


def _finalize(content: dict) -> dict:
    """Fill status and introduced date from the actions when the source gave none."""
    if not content["status"]:
        content["status"], content["status_date"] = _derived_status(content["actions"])
    if not content["introduced_date"] and content["actions"]:
        content["introduced_date"] = content["actions"][0]["date"]
    return content


def _hash(content: dict) -> str:
    payload = {k: v for k, v in content.items() if not k.startswith("_")}
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, default=_json_default).encode()
    ).hexdigest()


def _json_default(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def _write_scalars(bill: Bill, content: dict) -> None:
    for key in SCALARS:
        setattr(bill, key, content[key] if key != "title" else (content[key] or ""))
    bill.status, bill.status_date = content["status"], content["status_date"]
    actions = content["actions"]
    bill.last_action_date = actions[-1]["date"] if actions else None
    bill.last_action = actions[-1]["description"] if actions else None


def _write_children(
    session: Session, written: dict[str, dict], preexisting: set[str], links: dict[str, int]
) -> None:
    """Replace the child rows of every written bill with one bulk INSERT per table.

    Child rows are many (a bill has tens of actions and sponsors), so they bypass the
    ORM's per-object bookkeeping; the bills' collections are expired afterwards.
    """
    replaced = sorted(written.keys() & preexisting)
    children = (BillAction, Sponsorship, BillVersion, BillSubject)
    if replaced:
        for model in children:
            session.execute(delete(model).where(model.bill_id.in_(replaced)))
    rows: dict[type, list[dict]] = {model: [] for model in children}
    for bill_id, content in written.items():
        rows[BillAction] += [
            {
                "bill_id": bill_id,
                "position": i,
                "date": a["date"],
                "chamber": a["chamber"],
                "description": a["description"],
                "classification": list(a["classification"]),
            }
            for i, a in enumerate(content["actions"])
        ]
        rows[Sponsorship] += [
            {
                "bill_id": bill_id,
                "position": i,
                "name": s["name"],
                "role": s["role"],
                "party": s["party"],
                "external_id": s["external_id"],
                "legislator_id": links.get(s["external_id"] or ""),
            }
            for i, s in enumerate(content["sponsors"])
        ]
        rows[BillVersion] += [
            {
                "bill_id": bill_id,
                "position": i,
                "note": v["note"],
                "url": v["url"],
                "date": v["date"],
                "media_type": v["media_type"],
            }
            for i, v in enumerate(content["versions"])
        ]
        rows[BillSubject] += [
            {"bill_id": bill_id, "subject": subject} for subject in content["subjects"]
        ]
    for model, batch in rows.items():
        if batch:
            session.execute(insert(model), batch)


LinkKey = tuple[str, str, str | None]  # (bill id, source, url)


def _known_links(session: Session, ids: list[str]) -> dict[LinkKey, tuple]:
    """What each source last said about these bills: record hash and change tokens."""
    rows = session.execute(
        select(
            SourceLink.bill_id,
            SourceLink.source,
            SourceLink.url,
            SourceLink.record_sha256,
            SourceLink.source_id,
            SourceLink.source_updated,
            SourceLink.payload_sha256,
        ).where(SourceLink.bill_id.in_(set(ids)))
    )
    return {(r[0], r[1], r[2]): tuple(r[3:]) for r in rows}


def _same_as_last_time(
    known: dict[LinkKey, tuple], stable_id: str, record: BillRecord, record_hash: str
) -> bool:
    """True when every source link of the record already holds exactly this record."""
    if not record.sources:
        return False
    for ref in record.sources:
        stored = known.get((stable_id, ref.source, ref.url))
        if stored is None:
            return False
        stored_hash, source_id, source_updated, payload_sha256 = stored
        if (
            stored_hash != record_hash
            or (ref.source_id and ref.source_id != source_id)
            or (record.source_updated and record.source_updated != source_updated)
            or (ref.payload_sha256 and ref.payload_sha256 != payload_sha256)
        ):
            return False
    return True


def _apply_source_links(bill: Bill, record: BillRecord, record_hash: str) -> bool:
    """Add or refresh one link per contributing source; True when a link is new or moved."""
    changed = False
    by_key = {(link.source, link.url): link for link in bill.source_links}
    for ref in record.sources:
        link = by_key.get((ref.source, ref.url))
        if link is None:
            link = SourceLink(source=ref.source, url=ref.url)
            bill.source_links.append(link)
            by_key[(ref.source, ref.url)] = link
            changed = True
        if ref.source_id and link.source_id != ref.source_id:
            link.source_id, changed = ref.source_id, True
        if record.source_updated and link.source_updated != record.source_updated:
            link.source_updated, changed = record.source_updated, True
        if ref.payload_sha256 and link.payload_sha256 != ref.payload_sha256:
            link.payload_sha256, changed = ref.payload_sha256, True
        if link.record_sha256 != record_hash:
            link.record_sha256, changed = record_hash, True
        if ref.fetched_at and changed:
            link.fetched_at = ref.fetched_at
    return changed


def _legislator_links(session: Session, sponsors: list[SponsorRecord]) -> dict[str, int]:
    """Map sponsor external ids ("scheme:value") to legislator ids."""
    wanted = {s.external_id for s in sponsors if s.external_id and ":" in s.external_id}
    if not wanted:
        return {}
    pairs = [tuple(w.split(":", 1)) for w in wanted]
    rows = session.execute(
        select(
            LegislatorExternalId.scheme,
            LegislatorExternalId.value,
            LegislatorExternalId.legislator_id,
        ).where(LegislatorExternalId.value.in_([v for _, v in pairs]))
    )
    return {
        f"{scheme}:{value}": lid for scheme, value, lid in rows if (scheme, value) in set(pairs)
    }


# --- legislators, committees, events ---------------------------------------------------------


def ingest_members(session: Session, members: Iterable[MemberRecord]) -> IngestResult:
    """Merge legislators into one row per person by any shared external id; one transaction."""
    result = IngestResult()
    try:
        for member in members:
            _ingest_member(session, member, result)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return result


def _ingest_member(session: Session, member: MemberRecord, result: IngestResult) -> Legislator:
    if not member.external_ids:
        raise InvalidInput(f"legislator {member.name!r} has no external id")
    ext = session.scalars(
        select(LegislatorExternalId).where(
            LegislatorExternalId.value.in_(list(member.external_ids.values()))
        )
    ).all()
    matches = {e.legislator_id for e in ext if member.external_ids.get(e.scheme) == e.value}
    legislator = session.get(Legislator, min(matches)) if matches else None
    current = _member_content(member)
    if legislator is None:
        legislator = Legislator(jurisdiction_id=member.jurisdiction.lower(), name=member.name)
        session.add(legislator)
        result.legislators_inserted += 1
        new = True
    else:
        new = False
    merged = {**_legislator_content(legislator), **{k: v for k, v in current.items() if v}}
    digest = _hash(merged)
    have = {(e.scheme, e.value) for e in legislator.external_ids}
    missing_ids = set(member.external_ids.items()) - have
    if not new and digest == legislator.content_hash and not missing_ids:
        result.legislators_unchanged += 1
        return legislator
    for key, value in merged.items():
        setattr(legislator, key, value)
    legislator.content_hash = digest
    legislator.updated_at = utcnow()
    for scheme, value in sorted(missing_ids):
        legislator.external_ids.append(LegislatorExternalId(scheme=scheme, value=value))
    if not new:
        result.legislators_updated += 1
    session.flush()
    _apply_member_committees(session, legislator, member)
    return legislator


def _member_content(member: MemberRecord) -> dict:
    term = member.terms[-1] if member.terms else None
    return {
        "name": member.name,
        "given_name": member.given_name,
        "family_name": member.family_name,
        "party": member.party or (term.party if term else None),
        "chamber": member.chamber or (term.chamber if term else None),
        "district": member.district or (term.district if term else None),
        "district_ocd_id": member.district_ocd_id,
        "email": member.email,
        "phones": list(dict.fromkeys(member.phones)),
        "offices": [asdict(o) for o in member.offices],
        "contact_form_url": member.contact_form_url,
        "url": member.url,
        "image": member.image,
        "term_start": term.start_date if term else None,
        "term_end": term.end_date if term else None,
    }


def _legislator_content(legislator: Legislator) -> dict:
    return {
        key: getattr(legislator, key)
        for key in (
            "name given_name family_name party chamber district district_ocd_id email phones "
            "offices contact_form_url url image term_start term_end"
        ).split()
    }


def _apply_member_committees(
    session: Session, legislator: Legislator, member: MemberRecord
) -> None:
    for name, role in member.committees:
        committee = _committee(session, member.jurisdiction.lower(), legislator.chamber, name, None)
        _membership(session, committee, legislator, role)


def _committee(
    session: Session, jurisdiction: str, chamber: str | None, name: str, external_id: str | None
) -> Committee:
    query = select(Committee).where(Committee.jurisdiction_id == jurisdiction)
    if external_id:
        found = session.scalars(query.where(Committee.external_id == external_id)).first()
        if found:
            return found
    found = session.scalars(
        query.where(
            Committee.name == name,
            Committee.chamber.is_(None) if chamber is None else Committee.chamber == chamber,
        )
    ).first()
    if found:
        if external_id and not found.external_id:
            found.external_id = external_id
        return found
    committee = Committee(
        jurisdiction_id=jurisdiction, chamber=chamber, name=name, external_id=external_id
    )
    session.add(committee)
    session.flush()
    return committee


def _membership(session: Session, committee: Committee, legislator: Legislator, role: str) -> None:
    existing = session.scalars(
        select(CommitteeMembership).where(
            CommitteeMembership.committee_id == committee.id,
            CommitteeMembership.legislator_id == legislator.id,
        )
    ).first()
    if existing is None:
        session.add(
            CommitteeMembership(committee=committee, legislator=legislator, role=role or "member")
        )
    elif role and existing.role != role:
        existing.role = role


def ingest_committees(session: Session, committees: Iterable[CommitteeRecord]) -> int:
    """Upsert committees and the memberships of legislators already known; returns count."""
    count = 0
    try:
        for record in committees:
            committee = _committee(
                session,
                record.jurisdiction.lower(),
                record.chamber,
                record.name,
                record.external_id,
            )
            if record.parent_external_id:
                parent = session.scalars(
                    select(Committee).where(Committee.external_id == record.parent_external_id)
                ).first()
                committee.parent_id = parent.id if parent else None
            for _name, role, member_ref in record.members:
                if not member_ref or ":" not in member_ref:
                    continue
                scheme, value = member_ref.split(":", 1)
                ext = session.scalars(
                    select(LegislatorExternalId).where(
                        LegislatorExternalId.scheme == scheme, LegislatorExternalId.value == value
                    )
                ).first()
                if ext:
                    _membership(session, committee, ext.legislator, role)
            count += 1
        session.commit()
    except Exception:
        session.rollback()
        raise
    return count


def ingest_events(session: Session, events: Iterable[EventRecord]) -> int:
    """Upsert hearings by external id (or name + start); returns count."""
    count = 0
    try:
        for record in events:
            key = (
                record.external_id
                or f"{record.jurisdiction}:{record.name}:{record.start.isoformat()}"
            )
            event = session.scalars(select(Event).where(Event.external_id == key)).first()
            if event is None:
                event = Event(
                    external_id=key,
                    jurisdiction_id=record.jurisdiction.lower(),
                    name=record.name,
                    start=record.start,
                )
                session.add(event)
            event.name, event.start = record.name, record.start
            event.location, event.description = record.location, record.description
            known = set(session.scalars(select(Bill.id).where(Bill.id.in_(record.bill_ids))))
            event.bills = [EventBill(bill_id=b) for b in record.bill_ids if b in known]
            count += 1
        session.commit()
    except Exception:
        session.rollback()
        raise
    return count


__all__ = [
    "IngestResult",
    "ingest",
    "ingest_committees",
    "ingest_events",
    "ingest_members",
    "precedence",
]
