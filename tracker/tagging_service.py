"""The tagging and scoring service: tag stored bills and score them, writing the
tagging tables (`tracker.models.tagging`) in one commit per call.

`tag_bills` runs the rule tagger (`tracker.tagging`) on each bill's title, abstract,
subjects and latest extracted text; `score_bills` gathers the facts `tracker.scoring`
needs (hearings, companions, sponsor power) with one query each and stores the scores.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from tracker.models import Bill, Sponsorship, utcnow
from tracker.models.tagging import BillScore, BillTagging, BillTopic, SimilarBill
from tracker.tagging_queries import latest_version_texts, text_marks
from tracker.textextract import inside_inserted


def _load_bills(session: Session, bill_ids: Sequence[str], *, scoring: bool = True) -> list[Bill]:
    """The bills with what tagging reads (subjects), or with what scoring reads too
    (versions, actions, sponsors, session): tagging a bill never loads its actions."""
    related = [selectinload(Bill.subjects)]
    if scoring:
        related += [
            selectinload(Bill.versions),
            selectinload(Bill.actions),
            selectinload(Bill.sponsorships).selectinload(Sponsorship.legislator),
            selectinload(Bill.session),
        ]
    return list(
        session.scalars(
            select(Bill)
            .where(Bill.id.in_(list(bill_ids)))
            .options(*related)
            # Refresh collections already in the session: rows added by id elsewhere
            # (a new action, sponsor or version) must be seen.
            .execution_options(populate_existing=True)
        )
    )


def tag_bills(session: Session, bill_ids: Iterable[str], taxonomy: Any = None) -> dict[str, int]:
    """Tag bills (title, abstract, subjects, latest full text) and store topics; commits."""
    from tracker.tagging import tag_bill
    from tracker.taxonomy import load_taxonomy

    tax = taxonomy or load_taxonomy()
    ids = list(dict.fromkeys(bill_ids))
    bills = _load_bills(session, ids, scoring=False)
    found = {b.id for b in bills}
    stored = 0
    # Everything per bill that needs the database is read (or deleted) once for all of them.
    texts = latest_version_texts(session, found)
    marks = text_marks(session, [sha for _v, sha, _t in texts.values()])
    markers = {
        m.bill_id: m
        for m in session.scalars(select(BillTagging).where(BillTagging.bill_id.in_(found)))
    }
    session.execute(delete(BillTopic).where(BillTopic.bill_id.in_(found)))
    for bill in bills:
        version, sha, text = texts.get(bill.id, (None, None, None))
        tags = tag_bill(
            bill.title, bill.abstract, [s.subject for s in bill.subjects], text, taxonomy=tax
        )
        source = _version_source(version, sha)
        inserted = marks.get(sha or "")
        now = utcnow()
        for t in tags:
            session.add(
                BillTopic(
                    bill_id=bill.id,
                    topic=t.topic,
                    score=t.score,
                    evidence=[
                        _text_evidence(e, source, inserted, text)
                        if e.field == "text"
                        else e.as_dict()
                        for e in t.evidence
                    ],
                    rules=list(t.rules),
                    taxonomy_version=tax.version,
                    tagged_at=now,
                )
            )
        stored += len(tags)
        marker = markers.get(bill.id) or BillTagging(bill_id=bill.id)
        marker.taxonomy_version = tax.version
        marker.content_hash = bill.content_hash
        marker.text_sha256 = sha
        marker.topic_count = len(tags)
        marker.tagged_at = now
        session.add(marker)
    session.commit()
    # What was tagged is searchable: copy each bill's newest text into the search index.
    from tracker.bill_query import refresh_texts

    refresh_texts(session, [b.id for b in bills])
    return {"tagged": len(bills), "topics": stored, "missing": len(set(ids) - found)}


def _text_evidence(
    evidence: Any, source: dict[str, object], marks: list[dict] | None, text: str | None
) -> dict[str, object]:
    """A text evidence item as stored: where it was read, and `"added": True` when the
    version inserts the whole passage (its source's `<ins>`/`<u>`/bold markup)."""
    out = {**evidence.as_dict(), **source}
    if marks and text and inside_inserted(marks, text, evidence.start, evidence.end):
        out["added"] = True
    return out


def _version_source(version: Any, sha: str | None) -> dict[str, object]:
    """What a text evidence item says about the version it was read in."""
    if version is None:
        return {}
    label = version.note or (version.date.isoformat() if version.date else "text")
    return {
        "version_id": version.id,
        "version": label,
        "version_date": version.date.isoformat() if version.date else None,
        "text_sha256": sha,
    }


def score_bills(
    session: Session, bill_ids: Iterable[str], today: date | None = None
) -> dict[str, int]:
    """Compute and store relevance, passage likelihood and momentum; commits."""
    from tracker import scoring

    ids = list(dict.fromkeys(bill_ids))
    bills = _load_bills(session, ids)
    tags = {bid: [] for bid in ids}
    for row in session.scalars(select(BillTopic).where(BillTopic.bill_id.in_(ids))):
        tags[row.bill_id].append({"topic": row.topic, "score": row.score, "evidence": row.evidence})
    hearings = _hearings(session, ids)
    companions, reintroduced = _relations(session, bills)
    chairs = _committee_chairs(session, bills)
    majorities = _majority_parties(session, {b.jurisdiction_id for b in bills})
    momentum_count = 0
    rows = {
        r.bill_id: r for r in session.scalars(select(BillScore).where(BillScore.bill_id.in_(ids)))
    }
    for bill in bills:
        facts = scoring.bill_facts(bill, hearings.get(bill.id, []))
        facts.has_companion = bill.id in companions or None
        facts.is_reintroduction = bill.id in reintroduced or None
        _sponsor_power(bill, facts, chairs, majorities)
        rel = scoring.relevance(tags.get(bill.id, []))
        passage = scoring.passage_likelihood(facts, today)
        moving, why = scoring.momentum(facts, today)
        momentum_count += moving
        row = rows.get(bill.id) or BillScore(bill_id=bill.id)
        row.relevance = rel.value
        row.relevance_reasons = [r.as_dict() for r in rel.reasons]
        row.passage = passage.value
        row.passage_reasons = [r.as_dict() for r in passage.reasons]
        row.momentum = moving
        row.momentum_reasons = [r.as_dict() for r in why]
        row.scoring_version = scoring.SCORING_VERSION
        row.scored_at = utcnow()
        session.add(row)
    session.commit()
    return {
        "scored": len(bills),
        "momentum": momentum_count,
        "missing": len(set(ids) - {b.id for b in bills}),
    }


def _committee_chairs(session: Session, bills: Sequence[Bill]) -> set[int]:
    """Ids of sponsoring legislators who chair a committee (vice chairs excluded)."""
    from tracker.models import CommitteeMembership

    legislators = {s.legislator_id for b in bills for s in b.sponsorships if s.legislator_id}
    if not legislators:
        return set()
    rows = session.execute(
        select(CommitteeMembership.legislator_id, CommitteeMembership.role).where(
            CommitteeMembership.legislator_id.in_(legislators)
        )
    )
    return {
        lid for lid, role in rows if "chair" in (role or "").lower() and "vice" not in role.lower()
    }


# A chamber's majority is only trusted when enough of its members are on file.
_MIN_MEMBERS_FOR_MAJORITY = 15


def _majority_parties(session: Session, jurisdictions: set[str]) -> dict[tuple[str, str], str]:
    """(jurisdiction, chamber) -> majority party letter, from the legislators on file."""
    from sqlalchemy import func

    from tracker.models import Legislator
    from tracker.scoring import party_letter

    counts: dict[tuple[str, str], dict[str, int]] = {}
    rows = session.execute(
        select(Legislator.jurisdiction_id, Legislator.chamber, Legislator.party, func.count())
        .where(Legislator.jurisdiction_id.in_(jurisdictions), Legislator.chamber.is_not(None))
        .group_by(Legislator.jurisdiction_id, Legislator.chamber, Legislator.party)
    )
    for juris, chamber, party, n in rows:
        letter = party_letter(party)
        if letter:
            bucket = counts.setdefault((juris, chamber), {})
            bucket[letter] = bucket.get(letter, 0) + n
    out = {}
    for key, bucket in counts.items():
        total = sum(bucket.values())
        party, n = max(bucket.items(), key=lambda kv: kv[1])
        if total >= _MIN_MEMBERS_FOR_MAJORITY and n * 2 > total:
            out[key] = party
    return out


def _sponsor_power(
    bill: Bill, facts: Any, chairs: set[int], majorities: dict[tuple[str, str], str]
) -> None:
    """Set the sponsor-in-majority and sponsor-chairs-committee facts when known."""
    from tracker.scoring import party_letter

    primary = [s for s in bill.sponsorships if s.role == "primary"]
    if any(s.legislator_id in chairs for s in primary if s.legislator_id):
        facts.sponsor_chairs_committee = True
    for s in primary:
        chamber = s.legislator.chamber if s.legislator is not None else None
        party = party_letter(s.party or (s.legislator.party if s.legislator is not None else None))
        majority = majorities.get((bill.jurisdiction_id, chamber or ""))
        if party and majority:
            facts.sponsor_in_majority = party == majority
            break


def _hearings(session: Session, ids: Sequence[str]) -> dict[str, list[date]]:
    from tracker.models import Event, EventBill

    out: dict[str, list[date]] = {}
    rows = session.execute(
        select(EventBill.bill_id, Event.start)
        .join(Event, Event.id == EventBill.event_id)
        .where(EventBill.bill_id.in_(list(ids)), Event.status != "cancelled")
    )
    for bill_id, start in rows:
        out.setdefault(bill_id, []).append(start.date())
    return out


def _relations(session: Session, bills: Sequence[Bill]) -> tuple[set[str], set[str]]:
    """Companions (same jurisdiction and session, other chamber) and reintroductions
    (same jurisdiction, earlier session), both from the similar-bill pairs."""
    ids = [b.id for b in bills]
    if not ids:
        return set(), set()
    pairs = session.execute(
        select(SimilarBill.bill_id, SimilarBill.other_bill_id).where(
            SimilarBill.bill_id.in_(ids), SimilarBill.similarity >= 0.7
        )
    ).all()
    others = {o for _, o in pairs}
    meta = {
        b.id: (b.jurisdiction_id, b.session_id, b.identifier[:1].upper(), b.introduced_date)
        for b in session.scalars(select(Bill).where(Bill.id.in_(list(others | set(ids)))))
    }
    companions: set[str] = set()
    reintroduced: set[str] = set()
    for bid, oid in pairs:
        if bid not in meta or oid not in meta:
            continue
        (j, s, ch, intro), (oj, os_, och, ointro) = meta[bid], meta[oid]
        if j != oj:
            continue
        if s == os_ and ch != och:
            companions.add(bid)
        elif s != os_ and (ointro or date.min) < (intro or date.max):
            reintroduced.add(bid)
    return companions, reintroduced
