"""Write normalized records to the store: upsert by natural key, merge across sources.

One transaction per batch; a bill is written whole or not at all. Each bill carries a
hash of its merged content, so importing the same input again writes nothing. Each
source link also keeps the fingerprint of the record as that source sent it
(`raw_fingerprint`, which includes a hash of the normalization code): a record whose
fingerprint is already on all its links is skipped before anything is cleaned,
classified or hashed, so a re-import of unchanged data costs little more than reading
the links.

Field precedence when several sources report the same bill (highest wins; a lower
source only fills fields the higher ones left empty; list fields - actions, sponsors,
versions, subjects - come whole from the highest source that has any):

    congress-gov 100 > govinfo 90 > state legislature sites 80 > openstates 70
    > legiscan 60 > bills-jsonl / bills-csv 50
"""

from __future__ import annotations

import hashlib
import json
import pickle
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, date, datetime
from functools import lru_cache
from itertools import islice
from operator import attrgetter
from pathlib import Path

from sqlalchemy import bindparam, delete, func, insert, select, text, update
from sqlalchemy.orm import Session, selectinload

from tracker import cells as cell_rules
from tracker import ids as id_rules
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
    SourceRef,
    SponsorRecord,
    VersionRecord,
    VoteRecord,
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
# Boilerplate some sites print in the sponsor slot ("Printed pursuant to Senate Interim
# Rule 2.1", "By request"): not a person, so not a sponsor.
_NOT_A_SPONSOR = re.compile(r"\bpursuant to\b|\binterim rule\b|^\s*(by request|printed)\b", re.I)
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
    if total.inserted >= ANALYZE_AFTER and session.get_bind().dialect.name == "postgresql":
        _analyze(session)
    return total


# PostgreSQL plans the per-batch lookups by bill id from table statistics, which autovacuum
# refreshes only some time after a big load; a re-sync run right after one was planned as
# if the tables were empty (a sequential scan of source_links per batch).
ANALYZE_AFTER = 5_000
_ANALYZED = (
    "bills",
    "source_links",
    "bill_actions",
    "sponsorships",
    "bill_versions",
    "bill_subjects",
)


def _analyze(session: Session) -> None:
    for table in _ANALYZED:
        session.execute(text(f"ANALYZE {table}"))
    session.commit()


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
    refingerprinted: list[dict] = []  # links whose record is the same but whose raw is not
    for stable_id, record in zip(ids, records, strict=True):
        raw = raw_fingerprint(record)
        if _same_raw_as_last_time(known, stable_id, record, raw):
            result.unchanged += 1  # byte for byte what this source sent before: skip early
            continue
        incoming = _content_from_record(record)
        parts = _hash_parts(incoming)
        record_hash = _hash_from_parts(parts)
        if _same_as_last_time(known, stable_id, record, record_hash):
            result.unchanged += 1  # this source said exactly this before: nothing to merge
            refingerprinted += [
                {"b_bill_id": stable_id, "b_source": ref.source, "b_url": ref.url, "raw": raw}
                for ref in record.sources
            ]
        elif _older_than_known(known, stable_id, record):
            # One import can hold two versions of a bill (GovInfo's old and new layouts);
            # the older never overwrites the newer, so a re-import does not flap.
            result.unchanged += 1
        else:
            todo.append((stable_id, record, incoming, record_hash, parts, raw))
            for ref in record.sources:
                key = (stable_id, ref.source, ref.url)
                stored = known.get(key) or (None, None, None, None, None)
                known[key] = (record_hash, ref.source_id, record.source_updated, stored[3], raw)
    if refingerprinted:
        _store_raw_fingerprints(session, refingerprinted)
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
    # A bill neither stored nor seen twice in this batch has nothing to merge with: its
    # rows go straight in with Core INSERTs, no ORM objects. The rest merge below.
    seen = Counter(item[0] for item in todo)
    fresh = [item for item in todo if item[0] not in existing and seen[item[0]] == 1]
    merging = [item for item in todo if item[0] in existing or seen[item[0]] > 1]
    # Merged content of bills written in this batch (a batch may carry one bill twice,
    # from two sources); their child rows are written once, in bulk, after the loop.
    written: dict[str, dict] = {}
    for stable_id, record, incoming, record_hash, parts, raw in merging:
        bill = existing.get(stable_id)
        incoming["_session_end"] = sessions[(record.jurisdiction.lower(), record.session)].end_date
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
            reason = _shrinks(current, merged)
            if reason and not _clearly_newer(known, stable_id, record):
                raise ShrinkRefused(
                    f"{stable_id}: the update would {reason}, and its payload is not newer "
                    "than what we have; held for review (the archive keeps both)"
                )
        merged_hash = _hash_from_parts(_hash_parts(merged, reuse=(incoming, parts)))
        link_new = _apply_source_links(bill, record, record_hash, raw)
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
    bill_rows, link_rows = [], []
    now = utcnow()
    for stable_id, record, incoming, record_hash, parts, raw in fresh:
        key = (record.jurisdiction.lower(), record.session)
        incoming["_session_end"] = sessions[key].end_date
        merged = _finalize(dict(incoming))
        row = _bill_row(merged)
        row.update(
            id=stable_id,
            jurisdiction_id=key[0],
            session_id=sessions[key].id,
            identifier=record.identifier,
            content_hash=_hash_from_parts(_hash_parts(merged, reuse=(incoming, parts))),
            created_at=now,
            updated_at=now,
        )
        bill_rows.append(row)
        link_rows += _new_link_rows(stable_id, record, record_hash, raw)
        written[stable_id] = merged
        result.changed_bill_ids.add(stable_id)
    result.inserted += len(fresh)
    if bill_rows:
        connection = session.connection()
        connection.execute(insert(Bill.__table__), bill_rows)
        if link_rows:
            connection.execute(insert(SourceLink.__table__), link_rows)
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
    for name, value, limit in (
        ("title", record.title, MAX_TITLE),
        ("abstract", record.abstract, MAX_ABSTRACT),
        *(("action description", a.description, MAX_ACTION) for a in record.actions),
    ):
        if isinstance(value, str) and len(value) > limit:
            raise InvalidInput(f"bill record's {name} is {len(value)} characters; limit {limit}")
    if len(record.actions) > MAX_ACTIONS:
        raise InvalidInput(f"bill record has {len(record.actions)} actions; limit {MAX_ACTIONS}")
    parts = (str(record.jurisdiction), str(record.session), str(record.identifier))
    if any(_NULLISH.search(p) for p in parts) or not any(c.isdigit() for c in parts[2]):
        raise InvalidInput(
            "bill record's jurisdiction, session or identifier is a null or has no number "
            f"(got {record.jurisdiction!r}, {record.session!r}, {record.identifier!r})"
        )


# Far above any real bill (the longest recorded titles run to a few thousand characters).
MAX_TITLE = 20_000
MAX_ABSTRACT = 200_000
MAX_ACTION = 20_000
MAX_ACTIONS = 5_000


class ShrinkRefused(InvalidInput):
    """An update would sharply shrink a bill from a payload that is not clearly newer."""


_NULLISH = re.compile(r"(?i)\b(none|null|nan|undefined)\b|^\s*$")
# Terminal stages rank past enacted: leaving one is a regression too.
_STAGE_RANK = {
    "introduced": 0,
    "in_committee": 1,
    "passed_origin": 2,
    "passed_second": 3,
    "to_executive": 4,
    "enacted": 5,
    "vetoed": 5,
    "failed": 5,
    "withdrawn": 5,
}


def _shrinks(current: dict, merged: dict) -> str | None:
    """How `merged` would sharply shrink `current` (None when it does not)."""
    before, after = len(current["actions"]), len(merged["actions"])
    if before >= 2 and before - after >= max(2, before // 4):
        return f"drop {before - after} of its {before} actions"
    old, new = _STAGE_RANK.get(current["status"] or ""), _STAGE_RANK.get(merged["status"] or "")
    if old is not None and new is not None and new < old:
        return f"move its status back from {current['status']} to {merged['status']}"
    if current["title"].strip() and not merged["title"].strip():
        return "empty its title"
    return None


def _clearly_newer(known: dict[LinkKey, tuple], stable_id: str, record: BillRecord) -> bool:
    """True when the record's change token is later than every one stored for its source."""
    if not record.source_updated:
        return False
    sources = {ref.source for ref in record.sources}
    stored = [
        value[2]
        for (bill, source, _url), value in known.items()
        if bill == stable_id and source in sources and value[2]
    ]
    return bool(stored) and all(str(record.source_updated) > str(s) for s in stored)


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


# --- raw fingerprint -----------------------------------------------------------------------
# A record's fields exactly as the parser gave them (no cleaning, classification, sorting or
# cutting), read with attrgetters built from the dataclass fields, so a field added to a
# record is covered without a change here. fetched_at is left out: it moves on every fetch.
_RAW_NESTED = ("actions", "sponsors", "versions", "sources", "latest_action")
_raw_bill = attrgetter(*(f.name for f in fields(BillRecord) if f.name not in _RAW_NESTED))
_raw_action = attrgetter(*(f.name for f in fields(ActionRecord)))
_raw_sponsor = attrgetter(*(f.name for f in fields(SponsorRecord)))
_raw_version = attrgetter(*(f.name for f in fields(VersionRecord)))
_raw_source = attrgetter(*(f.name for f in fields(SourceRef) if f.name != "fetched_at"))


@lru_cache(maxsize=1)
def _rules_fingerprint() -> str:
    """sha256 of the code that turns a record into stored content: any edit to it makes
    every record go through normalization once more (writing only what really changed)."""
    digest = hashlib.sha256()
    for module in (cell_rules, id_rules, status_rules, sys.modules[__name__]):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()


def raw_fingerprint(record: BillRecord) -> str:
    """sha256 of a bill record as received, with the normalization rules' fingerprint.

    Equal fingerprints mean equal stored content, so ingest skips such a record before
    building anything. The values are builtins (str, date, None, lists, tuples) pickled
    with a fixed protocol: equal bytes always decode to equal values; equal values can
    pickle differently only through object sharing or another Python version, which costs
    one rebuild of the record, never a missed change.
    """
    latest = record.latest_action
    raw = (
        _rules_fingerprint(),
        _raw_bill(record),
        [_raw_action(a) for a in record.actions],
        [_raw_sponsor(s) for s in record.sponsors],
        [_raw_version(v) for v in record.versions],
        [_raw_source(r) for r in record.sources],
        _raw_action(latest) if latest else None,
    )
    return hashlib.sha256(pickle.dumps(raw, protocol=5)).hexdigest()


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
            if not _NOT_A_SPONSOR.search(s.name or "")
        ],
        "versions": [
            {
                "note": clean_text(v.note or "")[:300],
                "url": v.url[:500],
                "date": v.date,
                "media_type": v.media_type,
                "source_doc": v.source_doc,
                "source_hash": v.source_hash,
            }
            for v in record.versions
        ],
        "subjects": sorted(
            {clean_text(s).strip()[:200] for s in record.subjects if s and clean_text(s).strip()}
        ),
        "latest_action": (
            {"date": record.latest_action.date, "description": record.latest_action.description}
            if record.latest_action and not record.actions
            else None
        ),
        "_source_precedence": max((precedence(s.source) for s in record.sources), default=0),
        "_origin": status_rules.origin_chamber(record.identifier),
        "_session_end": None,
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
            {
                "note": v.note,
                "url": v.url,
                "date": v.date,
                "media_type": v.media_type,
                "source_doc": v.source_doc,
                "source_hash": v.source_hash,
            }
            for v in bill.versions
        ],
        "subjects": sorted(s.subject for s in bill.subjects),
        "latest_action": (
            {"date": bill.last_action_date, "description": bill.last_action or ""}
            if not bill.actions and bill.last_action_date
            else None
        ),
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
    if merged["actions"]:
        merged["latest_action"] = None
    elif incoming["latest_action"] and (wins or not current["latest_action"]):
        merged["latest_action"] = incoming["latest_action"]
    merged["_origin"], merged["_session_end"] = incoming["_origin"], incoming["_session_end"]
    if incoming["status"] and (wins or not current["status"]):
        merged["status"], merged["status_date"] = incoming["status"], incoming["status_date"]
    elif merged["actions"] != current["actions"]:
        merged["status"], merged["status_date"] = _derived_status(merged)
    return merged


def _derived_status(content: dict) -> tuple[str, date | None]:
    actions = [ActionRecord(**a) for a in content["actions"]]
    if not actions and content.get("latest_action"):
        actions = [ActionRecord(**content["latest_action"])]
    return status_rules.derive_status(
        actions,
        origin=content.get("_origin"),
        session_end=content.get("_session_end"),
    )


def _finalize(content: dict) -> dict:
    """Fill status and introduced date from the actions when the source gave none."""
    if not content["status"]:
        content["status"], content["status_date"] = _derived_status(content)
    if not content["introduced_date"] and content["actions"]:
        content["introduced_date"] = content["actions"][0]["date"]
    return content


def _hash(content: dict) -> str:
    return _hash_from_parts(_hash_parts(content))


def _hash_parts(content: dict, reuse: tuple[dict, dict] | None = None) -> dict[str, str]:
    """Each hashed field's JSON; a field holding the very object `reuse` encoded is not
    encoded again (a merged bill shares most of its values with the incoming record)."""
    source, encoded = reuse or ({}, {})
    parts = {}
    for key, value in content.items():
        if key.startswith("_"):
            continue
        if key in encoded and source.get(key) is value:
            parts[key] = encoded[key]
        else:
            parts[key] = _ENCODER.encode(value)
    return parts


def _hash_from_parts(parts: dict[str, str]) -> str:
    # The same bytes as json.dumps(content, sort_keys=True) of the whole payload, so stored
    # hashes stay valid.
    body = ", ".join(f"{_key_json(key)}: {parts[key]}" for key in sorted(parts))
    return hashlib.sha256(("{" + body + "}").encode()).hexdigest()


@lru_cache(maxsize=64)
def _key_json(key: str) -> str:
    return json.dumps(key)


def _json_default(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


# json.dumps builds a new encoder per call when given `default`; one shared is the same.
_ENCODER = json.JSONEncoder(sort_keys=True, default=_json_default)


def _write_scalars(bill: Bill, content: dict) -> None:
    for key in SCALARS:
        setattr(bill, key, content[key] if key != "title" else (content[key] or ""))
    bill.status, bill.status_date = content["status"], content["status_date"]
    actions = content["actions"] or ([content["latest_action"]] if content["latest_action"] else [])
    bill.last_action_date = actions[-1]["date"] if actions else None
    bill.last_action = actions[-1]["description"] if actions else None


def _bill_row(content: dict) -> dict:
    """The columns `_write_scalars` sets, as a row for a Core INSERT."""
    row = {key: content[key] for key in SCALARS}
    row["title"] = row["title"] or ""
    row["status"], row["status_date"] = content["status"], content["status_date"]
    actions = content["actions"] or ([content["latest_action"]] if content["latest_action"] else [])
    row["last_action_date"] = actions[-1]["date"] if actions else None
    row["last_action"] = actions[-1]["description"] if actions else None
    return row


def _new_link_rows(
    stable_id: str, record: BillRecord, record_hash: str, raw: str | None = None
) -> list[dict]:
    """The source links `_apply_source_links` would add to a new bill, as rows."""
    by_key: dict[tuple[str, str | None], dict] = {}
    for ref in record.sources:
        link = by_key.setdefault(
            (ref.source, ref.url),
            {
                "bill_id": stable_id,
                "source": ref.source,
                "url": ref.url,
                "source_id": None,
                "source_updated": None,
                "payload_sha256": None,
                "fetched_at": None,
            },
        )
        link["source_id"] = ref.source_id or link["source_id"]
        link["source_updated"] = record.source_updated or link["source_updated"]
        link["payload_sha256"] = ref.payload_sha256 or link["payload_sha256"]
        link["record_sha256"] = record_hash
        link["raw_sha256"] = raw
        link["fetched_at"] = ref.fetched_at or link["fetched_at"]
    return list(by_key.values())


def _write_children(
    session: Session, written: dict[str, dict], preexisting: set[str], links: dict[str, int]
) -> None:
    """Replace the child rows of every written bill with one bulk INSERT per table.

    Child rows are many (a bill has tens of actions and sponsors), so they bypass the
    ORM's per-object bookkeeping; the bills' collections are expired afterwards.
    """
    replaced = sorted(written.keys() & preexisting)
    children = (BillAction, Sponsorship, BillVersion, BillSubject)
    # A version's fetched text survives the rewrite while its document URL is unchanged.
    texts: dict[tuple[str, str], str] = {}
    if replaced:
        texts = {
            (bill_id, url): sha
            for bill_id, url, sha in session.execute(
                select(BillVersion.bill_id, BillVersion.url, BillVersion.text_sha256).where(
                    BillVersion.bill_id.in_(replaced), BillVersion.text_sha256.is_not(None)
                )
            )
        }
    if replaced:
        for model in children:
            session.execute(delete(model).where(model.bill_id.in_(replaced)))
    rows: dict[type, list[dict]] = {model: [] for model in children}
    names = _name_links(session, {bill_id.split("-", 1)[0] for bill_id in written})
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
                "legislator_id": links.get(s["external_id"] or "")
                or names.get((bill_id.split("-", 1)[0], person_key(s["name"]))),
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
                "source_doc": v.get("source_doc"),
                "source_hash": v.get("source_hash"),
                "text_sha256": texts.get((bill_id, v["url"])),
            }
            for i, v in enumerate(content["versions"])
        ]
        rows[BillSubject] += [
            {"bill_id": bill_id, "subject": subject} for subject in content["subjects"]
        ]
    connection = session.connection()
    for model, batch in rows.items():
        if batch:
            connection.execute(insert(model.__table__), batch)


LinkKey = tuple[str, str, str | None]  # (bill id, source, url)


def _known_links(session: Session, ids: list[str]) -> dict[LinkKey, tuple]:
    """What each source last said about these bills: record hash and change tokens."""
    links = SourceLink.__table__.c
    # A Core select on the session's connection: an ORM one rebuilds its compile state on
    # every call, a real cost once per batch.
    rows = session.connection().execute(
        select(
            links.bill_id,
            links.source,
            links.url,
            links.record_sha256,
            links.source_id,
            links.source_updated,
            links.payload_sha256,
            links.raw_sha256,
        ).where(links.bill_id.in_(set(ids)))
    )
    return {(r[0], r[1], r[2]): tuple(r[3:]) for r in rows}


def _same_raw_as_last_time(
    known: dict[LinkKey, tuple], stable_id: str, record: BillRecord, raw: str
) -> bool:
    """True when every source link of the record stores this raw fingerprint."""
    if not record.sources:
        return False
    for ref in record.sources:
        stored = known.get((stable_id, ref.source, ref.url))
        if stored is None or stored[4] != raw:
            return False
    return True


def _store_raw_fingerprints(session: Session, rows: list[dict]) -> None:
    """Record the raw fingerprint of links whose record was unchanged after building it
    (the first import after the rules changed, or of links stored before fingerprints)."""
    links = SourceLink.__table__.c
    session.connection().execute(
        update(SourceLink.__table__)
        .where(
            links.bill_id == bindparam("b_bill_id"),
            links.source == bindparam("b_source"),
            links.url.is_not_distinct_from(bindparam("b_url")),
        )
        .values(raw_sha256=bindparam("raw")),
        rows,
    )


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
        stored_hash, source_id, source_updated, payload_sha256, _raw = stored
        if (
            stored_hash != record_hash
            or (ref.source_id and ref.source_id != source_id)
            or (record.source_updated and record.source_updated != source_updated)
            or (ref.payload_sha256 and ref.payload_sha256 != payload_sha256)
        ):
            return False
    return True


def token_time(token: str | None) -> datetime | None:
    """A change token that is a timestamp (Congress.gov, GovInfo, Open States), else None."""
    if not token or not token[:4].isdigit():
        return None
    try:
        value = datetime.fromisoformat(token.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _older_than_known(known: dict[LinkKey, tuple], stable_id: str, record: BillRecord) -> bool:
    """True when a source link already holds a newer change token than this record's."""
    mine = token_time(record.source_updated)
    if mine is None or not record.sources:
        return False
    for ref in record.sources:
        stored = known.get((stable_id, ref.source, ref.url))
        theirs = token_time(stored[2]) if stored else None
        if theirs is None or mine >= theirs:
            return False
    return True


def _apply_source_links(
    bill: Bill, record: BillRecord, record_hash: str, raw: str | None = None
) -> bool:
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
        link.raw_sha256 = raw  # a fingerprint alone is bookkeeping, not a change
    return changed


_HONORIFIC = re.compile(
    r"^(?:mr|mrs|ms|miss|dr|sen|rep|del|senator|representative|assemblymember|"
    r"assemblyman|assemblywoman|delegate|councilmember)\.?\s+",
    re.IGNORECASE,
)
_SUFFIX = re.compile(r"\s*\((?i:a|s|h|d|r|i)\)\s*$|\s+of\s+[A-Z][\w .]+$|,?\s+(?:jr|sr|ii|iii)\.?$")


@lru_cache(maxsize=65536)
def person_key(name: str) -> str:
    """A name folded for matching: no honorific, district suffix, accents or case."""
    text = _SUFFIX.sub("", (name or "").strip())
    text = _HONORIFIC.sub("", text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z\- ]", " ", text.lower()).split())


def _name_links(session: Session, jurisdictions: set[str]) -> dict[tuple[str, str], int]:
    """(jurisdiction, folded name) -> legislator id, for names that pick out one person.

    Sources often name sponsors by surname ("Mr. Wicker", "FAHY", "Umberg (S)"): a
    surname links only when exactly one legislator of that jurisdiction carries it.
    """
    if not jurisdictions:
        return {}
    by_key: dict[tuple[str, str], set[int]] = {}
    rows = session.execute(
        select(
            Legislator.id, Legislator.jurisdiction_id, Legislator.name, Legislator.family_name
        ).where(Legislator.jurisdiction_id.in_(jurisdictions))
    )
    for lid, jur, name, family in rows:
        full = person_key(name)
        keys = {full, person_key(family or (full.split()[-1] if full else ""))}
        for key in keys - {""}:
            by_key.setdefault((jur, key), set()).add(lid)
    return {k: next(iter(v)) for k, v in by_key.items() if len(v) == 1}


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
    _validate_member_sizes(member.name, current)
    if legislator is None:
        legislator = Legislator(jurisdiction_id=member.jurisdiction.lower(), name=member.name)
        session.add(legislator)
        result.legislators_inserted += 1
        new = True
    else:
        new = False
    if not new:
        reason = _member_shrinks(_legislator_content(legislator), current)
        if reason:
            raise ShrinkRefused(
                f"legislator {member.name!r}: the update would {reason}; held for review "
                "(the archive keeps both)"
            )
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


MAX_MEMBER_TEXT = 2_000  # any one text value of a legislator (names, offices, URLs)


def _validate_member_sizes(name: str, content: dict) -> None:
    """Refuse a legislator whose text values are past any real size (a corrupt payload)."""
    values = [v for v in content.values() if isinstance(v, str)]
    values += [p for p in content["phones"] if isinstance(p, str)]
    for office in content["offices"]:
        values += [v for v in office.values() if isinstance(v, str)]
    longest = max((len(v) for v in values), default=0)
    if longest > MAX_MEMBER_TEXT:
        raise InvalidInput(
            f"legislator {name[:80]!r} has a {longest}-character value; limit {MAX_MEMBER_TEXT}"
        )


def _member_shrinks(stored: dict, incoming: dict) -> str | None:
    """How an update would shrink a legislator (a cut-off payload), or None."""
    old_end, new_end = stored.get("term_end"), incoming.get("term_end")
    if old_end and new_end and new_end < old_end:
        return f"move their current term back to one that ended {new_end}"
    old_offices, new_offices = len(stored.get("offices") or []), len(incoming["offices"])
    if new_offices and new_offices < old_offices:
        return f"drop {old_offices - new_offices} of their {old_offices} offices"
    return None


def _member_content(member: MemberRecord) -> dict:
    term = member.latest_term
    return {
        "name": member.name,
        "given_name": member.given_name,
        "family_name": member.family_name,
        "party": member.party or (term.party if term else None),
        "chamber": member.chamber or (term.chamber if term else None),
        # A term's district only stands in for a term in the member's current chamber (a
        # senator's last House term is not their district).
        "district": member.district
        or (term.district if term and term.chamber == (member.chamber or term.chamber) else None),
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


_EVENT_STATUS = {
    "canceled": "cancelled",
    "cancelled": "cancelled",
    "postponed": "postponed",
    "rescheduled": "rescheduled",
}


def event_status(value: str | None) -> str:
    """Normalize a source's meeting status ("Canceled", "tentative") to ours."""
    return _EVENT_STATUS.get((value or "").strip().lower(), "scheduled")


def ingest_events(session: Session, events: Iterable[EventRecord]) -> int:
    """Upsert hearings by external id (or name + start); returns count.

    A cancelled or rescheduled hearing updates its row in place (same external id):
    new start, new status, new agenda. Each links to its committee when one with that
    external id or name is known, and to the agenda's bills that are in the store.
    """
    count = 0
    try:
        for record in events:
            key = (
                record.external_id
                or f"{record.jurisdiction}:{record.name}:{record.start.isoformat()}"
            )[:200]
            event = session.scalars(select(Event).where(Event.external_id == key)).first()
            if event is None:
                event = Event(
                    external_id=key,
                    jurisdiction_id=record.jurisdiction.lower(),
                    name=record.name[:300],
                    start=record.start,
                )
                session.add(event)
            event.name, event.start = record.name[:300], record.start
            event.location = (record.location or None) and record.location[:300]
            event.description = record.description
            event.status = event_status(record.status)
            event.committee_name = (record.committee or None) and record.committee[:300]
            event.source = record.sources[0].source if record.sources else None
            event.committee_id = _event_committee(session, record)
            known = set(session.scalars(select(Bill.id).where(Bill.id.in_(record.bill_ids))))
            wanted = [b for b in dict.fromkeys(record.bill_ids) if b in known]
            wanted = list(dict.fromkeys(wanted + _agenda_bills(session, record)))
            if not record.agenda_complete:
                wanted = list(dict.fromkeys([b.bill_id for b in event.bills] + wanted))
            if sorted(b.bill_id for b in event.bills) != sorted(wanted):
                event.bills = [EventBill(bill_id=b) for b in wanted]
            count += 1
        session.commit()
    except Exception:
        session.rollback()
        raise
    return count


def _agenda_bills(session: Session, record: EventRecord) -> list[str]:
    """Bill ids for agenda items named only by identifier: the latest session's bill
    introduced on or before the event (so HB 1 of 2021 is not HB 1 of 2023)."""
    out = []
    day = record.start.date()
    for identifier in record.bill_identifiers:
        rows = session.execute(
            select(Bill.id, Bill.introduced_date).where(
                Bill.jurisdiction_id == record.jurisdiction.lower(),
                Bill.identifier == normalize_identifier(identifier),
            )
        ).all()
        candidates = [(d or date.min, i) for i, d in rows if d is None or d <= day]
        if candidates:
            out.append(max(candidates)[1])
    return out


def _event_committee(session: Session, record: EventRecord) -> int | None:
    juris = record.jurisdiction.lower()
    if record.committee_external_id:
        found = session.scalars(
            select(Committee.id).where(
                Committee.jurisdiction_id == juris,
                func.upper(Committee.external_id) == record.committee_external_id.upper(),
            )
        ).first()
        if found is not None:
            return found
    if record.committee:
        chamber, key = committee_key(record.committee)
        rows = session.execute(
            select(Committee.id, Committee.name, Committee.chamber).where(
                Committee.jurisdiction_id == juris
            )
        ).all()
        # Same name once chamber words, "Committee on" and "&"/"and" are set aside; a
        # chamber the source names ("House Health Care & Wellness") must agree.
        matches = [
            cid
            for cid, name, stored in rows
            if committee_key(name)[1] == key
            and (chamber is None or stored is None or stored == chamber)
        ]
        return matches[0] if len(matches) == 1 else None
    return None


_CHAMBER_WORDS = {"house": "lower", "assembly": "lower", "senate": "upper"}


def committee_key(name: str) -> tuple[str | None, str]:
    """(chamber, comparable name): "House Committee on Health Care & Wellness" and
    "Health Care and Wellness" (chamber lower) compare equal."""
    words = re.sub(r"[^a-z0-9& ]+", " ", name.lower().replace("&", " and ")).split()
    chamber = _CHAMBER_WORDS.get(words[0]) if words else None
    if chamber:
        words = words[1:]
    while words[:1] in (["committee"], ["on"], ["standing"]):
        words = words[1:]
    if words[-1:] == ["committee"]:
        words = words[:-1]
    return chamber, " ".join(words)


_VOTE_OPTIONS = {
    "yea": "yes",
    "aye": "yes",
    "yes": "yes",
    "y": "yes",
    "nay": "no",
    "no": "no",
    "n": "no",
    "not voting": "not voting",
    "nv": "not voting",
    "absent": "absent",
    "excused": "absent",
    "present": "other",
}


def vote_option(value: str | None) -> str:
    """`Yea`, `Aye`, `Y` -> yes; `Nay` -> no; `NV`/`Not Voting` -> not voting; else other."""
    return _VOTE_OPTIONS.get((value or "").strip().lower(), "other")


def ingest_votes(session: Session, votes: Iterable[VoteRecord]) -> int:
    """Upsert roll calls by external id, replacing their per-legislator rows; returns count.

    Each legislator's row links to a known legislator by external id ("bioguide:...",
    "legiscan:..."); the vote links to its bill when the bill is in the store.
    """
    from tracker.models.votes import PersonVote, Vote

    count = 0
    try:
        for record in votes:
            bill_id, juris = record.bill_id, record.jurisdiction.lower()
            if record.bill_source and not bill_id:
                source, _, source_id = record.bill_source.partition(":")
                bill_id = session.scalars(
                    select(SourceLink.bill_id).where(
                        SourceLink.source == source, SourceLink.source_id == source_id
                    )
                ).first()
            if bill_id and not juris:
                juris = bill_id.split("-", 1)[0]
            if not juris:
                continue  # a roll call of a bill never imported: nothing to hang it on
            vote = session.scalars(select(Vote).where(Vote.external_id == record.external_id))
            vote = vote.first()
            if vote is None:
                vote = Vote(external_id=record.external_id[:200], source="")
                session.add(vote)
            vote.jurisdiction_id = juris
            vote.bill_ref = bill_id
            vote.bill_id = bill_id if bill_id and session.get(Bill, bill_id) else None
            vote.chamber, vote.date = record.chamber, record.date
            vote.motion, vote.result = record.motion or "", record.result
            vote.yes, vote.no, vote.other = record.yes, record.no, record.other
            vote.source = record.sources[0].source if record.sources else ""
            vote.url = record.sources[0].url if record.sources else None
            links = _legislator_links(
                session,
                [SponsorRecord(name=v.name, external_id=v.external_id) for v in record.votes],
            )
            rows = [
                (v.name[:200], vote_option(v.option), v.external_id, links.get(v.external_id or ""))
                for v in record.votes
            ]
            current = [(r.name, r.option, r.external_id, r.legislator_id) for r in vote.records]
            if rows and current != rows:  # a tally-only summary keeps the names it had
                vote.records = [
                    PersonVote(position=i, name=n, option=o, external_id=e, legislator_id=lid)
                    for i, (n, o, e, lid) in enumerate(rows)
                ]
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
    "ingest_votes",
    "precedence",
]
