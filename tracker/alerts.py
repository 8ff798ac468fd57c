"""Alert detection and delivery: no Flask, so a worker can run it.

Detection compares each watched bill with what it last looked like (`AlertBillState`):
a new status, new actions, newly scheduled hearings. Saved searches are run, through
`tracker.bill_query` exactly as on the search page, over the bills created since the
search was last checked. Each change becomes one `AlertEvent`
per organization watching (deduplicated by a key), and one `AlertDelivery` per matching
subscription. Delivery sends email (smtplib) or a JSON POST (Slack-compatible `text`)
right away for "immediate" subscriptions and in one daily digest for "daily" ones.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tracker import bill_query
from tracker.config import Settings
from tracker.errors import InvalidInput
from tracker.jurisdictions import local_time
from tracker.mail import send_plain_email
from tracker.models import Bill, Event, EventBill, User, Watchlist, WatchlistEntry, utcnow
from tracker.models.web import (
    AlertBillState,
    AlertDelivery,
    AlertEvent,
    AlertSubscription,
    SavedSearch,
)

log = logging.getLogger(__name__)
_WORD = re.compile(r"\w+", re.UNICODE)


def _label(bill: Bill) -> str:
    return f"{bill.jurisdiction_id.upper()} {bill.identifier}"


def hearing_summary(label: str, event: Event) -> str:
    """`HB 1477 is scheduled in Health Care & Wellness on Mar 3 at 1:30 pm PST (room)`.

    Times are shown in the legislature's own zone (tracker.jurisdictions.zone), with
    its abbreviation.
    """
    start = local_time(event.start, event.jurisdiction_id or "us")
    clock = start.strftime("%I:%M %p").lstrip("0").lower()
    where = event.committee_name or event.name
    text = f"{label} is scheduled in {where} on {start:%b} {start.day} at {clock} {start.tzname()}"
    return text + (f" ({event.location})" if event.location else "")


def _hearing_ids(session: Session, bill_ids: list[str]) -> dict[str, list[int]]:
    """Upcoming (or recent) hearing ids per bill."""
    horizon = datetime.now(UTC) - timedelta(days=1)
    out: dict[str, list[int]] = defaultdict(list)
    for bill_id, event_id in session.execute(
        select(EventBill.bill_id, Event.id)
        .join(Event, Event.id == EventBill.event_id)
        .where(
            EventBill.bill_id.in_(bill_ids),
            Event.start >= horizon,
            Event.status != "cancelled",
        )
        .order_by(Event.id)
    ):
        out[bill_id].append(event_id)
    return out


def ensure_bill_states(session: Session, bill_ids: list[str]) -> int:
    """Record the current state of bills that have none yet (no alert for the past)."""
    known = set(
        session.scalars(select(AlertBillState.bill_id).where(AlertBillState.bill_id.in_(bill_ids)))
    )
    missing = [b for b in dict.fromkeys(bill_ids) if b not in known]
    if not missing:
        return 0
    hearings = _hearing_ids(session, missing)
    for bill in session.scalars(
        select(Bill).where(Bill.id.in_(missing)).options(selectinload(Bill.actions))
    ):
        session.add(
            AlertBillState(
                bill_id=bill.id,
                status=bill.status,
                action_count=len(bill.actions),
                hearing_ids=hearings.get(bill.id, []),
            )
        )
    session.flush()
    return len(missing)


def _watchers(session: Session) -> dict[str, set[int]]:
    """Organization ids watching each bill."""
    out: dict[str, set[int]] = defaultdict(set)
    for bill_id, org_id in session.execute(
        select(WatchlistEntry.bill_id, Watchlist.organization_id).join(
            Watchlist, Watchlist.id == WatchlistEntry.watchlist_id
        )
    ):
        out[bill_id].add(org_id)
    return out


def detect_changes(session: Session) -> list[AlertEvent]:
    """New AlertEvents for watched bills that changed since they were last seen."""
    watchers = _watchers(session)
    if not watchers:
        return []
    bill_ids = list(watchers)
    ensure_bill_states(session, bill_ids)
    states = {
        s.bill_id: s
        for s in session.scalars(select(AlertBillState).where(AlertBillState.bill_id.in_(bill_ids)))
    }
    hearings = _hearing_ids(session, bill_ids)
    events_by_id = {
        e.id: e
        for e in session.scalars(
            select(Event).where(Event.id.in_({i for ids in hearings.values() for i in ids}))
        )
    }
    text_changes = _text_changes(session, bill_ids)
    provision_changes = _provision_changes(session, bill_ids)
    found: list[tuple[int, Bill, str, str, str]] = []  # org, bill, kind, key, summary
    for bill in session.scalars(
        select(Bill).where(Bill.id.in_(bill_ids)).options(selectinload(Bill.actions))
    ):
        state = states[bill.id]
        changes: list[tuple[str, str, str]] = []
        if bill.status != state.status:
            changes.append(
                (
                    "status",
                    f"status:{bill.id}:{bill.status}:{bill.status_date}",
                    f"{_label(bill)} moved from {state.status.replace('_', ' ')} to "
                    f"{bill.status.replace('_', ' ')}",
                )
            )
        for action in bill.actions[state.action_count :]:
            changes.append(
                (
                    "action",
                    f"action:{bill.id}:{action.date}:{action.description[:120]}",
                    f"{_label(bill)} new action {action.date}: {action.description}",
                )
            )
        for event_id in hearings.get(bill.id, []):
            if event_id not in (state.hearing_ids or []):
                event = events_by_id[event_id]
                changes.append(
                    (
                        "hearing",
                        f"hearing:{bill.id}:{event_id}",
                        hearing_summary(_label(bill), event),
                    )
                )
        if bill.id in text_changes:  # a new version is an action with its own words
            key, what = text_changes[bill.id]
            changes.append(("action", key, f"{_label(bill)} {what}"))
        if bill.id in provision_changes:  # 988 fee / trust fund changes between versions
            key, what = provision_changes[bill.id]
            changes.append(("action", key, f"{_label(bill)} {what}"))
        for org_id in sorted(watchers[bill.id]):
            found += [(org_id, bill, kind, key, summary) for kind, key, summary in changes]
        state.status, state.action_count = bill.status, len(bill.actions)
        state.hearing_ids = hearings.get(bill.id, [])
        state.seen_at = utcnow()
    return _store_events(session, found)


def _text_changes(session: Session, bill_ids: list[str]) -> dict[str, tuple[str, str]]:
    """bill id -> (key, summary) for bills whose newest version text is not yet alerted:
    what changed against the version before it (tracker.textdiff), section by section."""
    from tracker.models import BillVersion
    from tracker.models.tagging import ExtractedText
    from tracker.textdiff import diff_versions

    rows = session.execute(
        select(BillVersion, ExtractedText.text)
        .join(ExtractedText, ExtractedText.sha256 == BillVersion.text_sha256)
        .where(BillVersion.bill_id.in_(bill_ids), ExtractedText.chars > 0)
        .order_by(
            BillVersion.bill_id,
            BillVersion.date.asc().nulls_first(),
            BillVersion.position,
            BillVersion.id,
        )
    ).all()
    by_bill: dict[str, list[tuple[Any, str]]] = defaultdict(list)
    for version, text in rows:
        by_bill[version.bill_id].append((version, text))
    wanted = {
        bid: f"text:{bid}:{versions[-1][0].text_sha256}"
        for bid, versions in by_bill.items()
        if len(versions) >= 2 and versions[-1][0].text_sha256 != versions[-2][0].text_sha256
    }
    done = set(
        session.scalars(select(AlertEvent.key).where(AlertEvent.key.in_(list(wanted.values()))))
    )
    out = {}
    for bid, key in wanted.items():
        if key in done:
            continue
        (before, old), (after, new) = by_bill[bid][-2], by_bill[bid][-1]
        what = diff_versions(old, new).summary()
        name = after.note or (after.date.isoformat() if after.date else "new version")
        since = before.note or (before.date.isoformat() if before.date else "the last version")
        out[bid] = (key, f"new text “{name}”; what changed since “{since}”: {what}")
    return out


def _provision_changes(session: Session, bill_ids: list[str]) -> dict[str, tuple[str, str]]:
    """bill id -> (key, summary) when the newest version's stored 988 provisions
    (tracker.provisions_store) differ from the version before it in a way
    tracker.provisions.compare reports; the summary links the redline."""
    from tracker.models import BillVersion
    from tracker.models.provisions import VersionProvisions
    from tracker.provisions import compare

    rows = session.execute(
        select(BillVersion, VersionProvisions.data)
        .join(VersionProvisions, VersionProvisions.version_id == BillVersion.id)
        .where(BillVersion.bill_id.in_(bill_ids))
        .order_by(
            BillVersion.bill_id,
            BillVersion.date.asc().nulls_first(),
            BillVersion.position,
            BillVersion.id,
        )
    ).all()
    by_bill: dict[str, list[tuple[Any, dict]]] = defaultdict(list)
    for version, data in rows:
        by_bill[version.bill_id].append((version, data))
    out = {}
    for bid, versions in by_bill.items():
        if len(versions) < 2:
            continue
        (before, old), (after, new) = versions[-2], versions[-1]
        key = f"provisions:{bid}:{after.text_sha256}"
        changes = compare(old, new)
        if not changes or session.scalar(select(AlertEvent.id).where(AlertEvent.key == key)):
            continue
        name = after.note or (after.date.isoformat() if after.date else "new version")
        redline = f"/bills/{bid}/diff?a={before.id}&b={after.id}"
        out[bid] = (key, f"({name}): {'; '.join(changes)} (redline: {redline})")
    return out


def _store_events(
    session: Session, found: list[tuple[int, Bill, str, str, str]], search_ids: dict | None = None
) -> list[AlertEvent]:
    if not found:
        session.flush()
        return []
    existing = set(
        session.execute(
            select(AlertEvent.organization_id, AlertEvent.key).where(
                AlertEvent.key.in_({key[:300] for _, _, _, key, _ in found})
            )
        ).all()
    )
    created = []
    for org_id, bill, kind, key, summary in found:
        key = key[:300]
        if (org_id, key) in existing:
            continue
        existing.add((org_id, key))
        event = AlertEvent(
            organization_id=org_id,
            bill_id=bill.id,
            kind=kind,
            key=key,
            summary=summary,
            saved_search_id=(search_ids or {}).get(key),
        )
        session.add(event)
        created.append(event)
    session.flush()
    return created


def match_saved_searches(session: Session) -> list[AlertEvent]:
    """AlertEvents for bills created since each saved search was last checked."""
    found: list[tuple[int, Bill, str, str, str]] = []
    search_ids: dict[str, int] = {}
    now = utcnow()
    for saved in session.scalars(select(SavedSearch).order_by(SavedSearch.id)):
        try:
            query = bill_query.parse_query(parse_qs(saved.query))
        except InvalidInput as exc:  # saved before a filter was tightened: say so, go on
            log.warning("saved search %s cannot be run: %s", saved.id, exc)
            saved.checked_at = now
            continue
        # The same words and filters, in the same SQL, as the page that saved it; only
        # bills that arrived since the last check.
        new = select(Bill.id).where(Bill.created_at > saved.checked_at)
        ids = bill_query.matching_bill_ids(session, query, saved.organization_id, among=new)
        for bill in session.scalars(select(Bill).where(Bill.id.in_(ids)).order_by(Bill.id)):
            key = f"search:{saved.id}:{bill.id}"
            search_ids[key] = saved.id
            found.append(
                (
                    saved.organization_id,
                    bill,
                    "search",
                    key,
                    f"New bill matching “{saved.name}”: {_label(bill)} {bill.title}",
                )
            )
        saved.checked_at = now
    return _store_events(session, found, search_ids)


def queue_deliveries(session: Session, events: list[AlertEvent]) -> int:
    """One pending AlertDelivery per event and matching active subscription."""
    if not events:
        return 0
    subs: dict[int, list[AlertSubscription]] = defaultdict(list)
    for sub in session.scalars(
        select(AlertSubscription)
        .join(User, User.id == AlertSubscription.user_id)
        .where(
            AlertSubscription.active.is_(True),
            User.active.is_(True),
            AlertSubscription.organization_id.in_({e.organization_id for e in events}),
        )
    ):
        subs[sub.organization_id].append(sub)
    count = 0
    for event in events:
        for sub in subs.get(event.organization_id, []):
            if event.kind in (sub.kinds or []):
                session.add(AlertDelivery(event_id=event.id, subscription_id=sub.id))
                count += 1
    session.flush()
    return count


def send_email(settings: Settings, to: str, subject: str, body: str) -> None:
    """Send a plain-text email through the configured SMTP server."""
    send_plain_email(settings, to, subject, body)


# Webhook URLs come from users: by default they may not point into the server's own
# network (Redis, PostgreSQL, metadata services). Tests flip this for a loopback server.
ALLOW_PRIVATE_WEBHOOK_HOSTS = False


def check_webhook_url(url: str, resolve: bool = True) -> None:
    """Raise InvalidInput unless `url` is http(s) to a public address.

    With `resolve=False` (form validation) only literal addresses and localhost are
    checked; delivery resolves the name and checks every address it gets.
    """
    import ipaddress
    import socket
    from urllib.parse import urlsplit

    from tracker.errors import InvalidInput

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"webhook URL must be http(s) with a host: {url!r}")
    if ALLOW_PRIVATE_WEBHOOK_HOSTS:
        return
    if parts.hostname == "localhost" or parts.hostname.endswith(".localhost"):
        raise InvalidInput(f"webhook host {parts.hostname!r} is not a public address")
    try:
        literal = ipaddress.ip_address(parts.hostname)
    except ValueError:
        literal = None
    if literal is not None and not literal.is_global:
        raise InvalidInput(f"webhook host {parts.hostname!r} is not a public address")
    if not resolve:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise InvalidInput(f"webhook host {parts.hostname!r} does not resolve") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise InvalidInput(f"webhook host {parts.hostname!r} is not a public address")


def post_webhook(url: str, payload: dict[str, Any]) -> None:
    """POST JSON to a webhook; non-2xx raises."""
    import requests  # imported here: tracker stays importable without requests loaded

    check_webhook_url(url)
    response = requests.post(url, json=payload, timeout=15, allow_redirects=False)
    response.raise_for_status()


def _bill_url(settings: Settings, bill_id: str) -> str:
    return f"{settings.base_url}/bills/{bill_id}"


# A summary stores site paths ("(redline: /bills/...)"), right on the alerts page; mail
# and webhooks are read off the site, so they get the full address.
_SITE_PATH = re.compile(r"(?<=\(redline: )/")


def _absolute(settings: Settings, summary: str) -> str:
    return _SITE_PATH.sub(lambda _m: settings.base_url.rstrip("/") + "/", summary)


def deliver_pending(settings: Settings, session: Session, frequency: str = "immediate") -> dict:
    """Send pending deliveries for subscriptions of `frequency`, one message per subscription.

    Several workers may run this at once (each sync's pipeline ends in an alert job). On
    PostgreSQL the pending rows are locked `FOR UPDATE SKIP LOCKED` until this commits, so
    a second run skips what the first is sending instead of sending it again; SQLite has
    one writer at a time and is run by one worker. A worker killed mid-send leaves its
    rows pending, so they are sent by the next run (at least once, never lost).
    """
    rows = session.scalars(
        select(AlertDelivery)
        .join(AlertSubscription, AlertSubscription.id == AlertDelivery.subscription_id)
        .where(AlertDelivery.status == "pending", AlertSubscription.frequency == frequency)
        .options(
            selectinload(AlertDelivery.event).selectinload(AlertEvent.bill),
            selectinload(AlertDelivery.subscription).selectinload(AlertSubscription.user),
        )
        .order_by(AlertDelivery.subscription_id, AlertDelivery.id)
        .with_for_update(skip_locked=True, of=AlertDelivery)
    ).all()
    grouped: dict[int, list[AlertDelivery]] = defaultdict(list)
    for delivery in rows:
        grouped[delivery.subscription_id].append(delivery)
    sent = failed = 0
    for deliveries in grouped.values():
        sub = deliveries[0].subscription
        events = [d.event for d in deliveries]
        lines = [
            f"- {_absolute(settings, e.summary)}\n  {_bill_url(settings, e.bill_id)}"
            for e in events
        ]
        try:
            if sub.channel == "webhook":
                post_webhook(
                    sub.webhook_url or "",
                    {
                        "text": "mh-policy-tracker alerts:\n" + "\n".join(lines),
                        "events": [
                            {
                                "kind": e.kind,
                                "bill_id": e.bill_id,
                                "summary": _absolute(settings, e.summary),
                                "url": _bill_url(settings, e.bill_id),
                                "created_at": e.created_at.isoformat(),
                            }
                            for e in events
                        ],
                    },
                )
            else:
                title = "Daily digest" if frequency == "daily" else "Alert"
                send_email(
                    settings,
                    sub.user.email,
                    f"{title}: {len(events)} change{'s' if len(events) != 1 else ''} "
                    "on your tracked bills",
                    "\n".join(lines)
                    + f"\n\nChange your alert settings: {settings.base_url}/alerts\n",
                )
        except Exception as exc:  # noqa: BLE001 - one bad endpoint must not stop the others
            log.warning("alert delivery to subscription %s failed: %s", sub.id, exc)
            for d in deliveries:
                d.attempts += 1
                d.error = f"{type(exc).__name__}: {exc}"[:2000]
                if d.attempts >= 3:
                    d.status = "failed"
            failed += len(deliveries)
        else:
            for d in deliveries:
                d.attempts += 1
                d.status, d.sent_at, d.error = "sent", utcnow(), None
            sent += len(deliveries)
    session.commit()
    return {"sent": sent, "failed": failed}


def run(settings: Settings, session: Session) -> dict:
    """Detect, queue and send immediate alerts; returns counts."""
    events = detect_changes(session) + match_saved_searches(session)
    queued = queue_deliveries(session, events)
    session.commit()
    result = deliver_pending(settings, session, "immediate")
    return {"events": len(events), "queued": queued, **result}
