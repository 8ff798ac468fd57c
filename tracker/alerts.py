"""Alert detection and delivery: no Flask, so a worker can run it.

Detection compares each watched bill with what it last looked like (`AlertBillState`):
a new status, new actions, newly scheduled hearings. Saved searches are checked against
bills created since the search was last checked. Each change becomes one `AlertEvent`
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

from tracker.config import Settings
from tracker.mail import send_plain_email
from tracker.models import Bill, Event, EventBill, User, Watchlist, WatchlistEntry, utcnow
from tracker.web_models import (
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


def _hearing_ids(session: Session, bill_ids: list[str]) -> dict[str, list[int]]:
    """Upcoming (or recent) hearing ids per bill."""
    horizon = datetime.now(UTC) - timedelta(days=1)
    out: dict[str, list[int]] = defaultdict(list)
    for bill_id, event_id in session.execute(
        select(EventBill.bill_id, Event.id)
        .join(Event, Event.id == EventBill.event_id)
        .where(EventBill.bill_id.in_(bill_ids), Event.start >= horizon)
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
                        f"{_label(bill)} hearing scheduled {event.start:%Y-%m-%d %H:%M}: "
                        f"{event.name}" + (f" ({event.location})" if event.location else ""),
                    )
                )
        for org_id in sorted(watchers[bill.id]):
            found += [(org_id, bill, kind, key, summary) for kind, key, summary in changes]
        state.status, state.action_count = bill.status, len(bill.actions)
        state.hearing_ids = hearings.get(bill.id, [])
        state.seen_at = utcnow()
    return _store_events(session, found)


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


def bill_matches(bill: Bill, params: dict[str, list[str]]) -> bool:
    """True when a bill meets a saved search's words and filters (all words, prefix match)."""
    words = [w.lower() for w in _WORD.findall(" ".join(params.get("q", [])))]
    if words:
        text = f"{bill.identifier} {bill.title} {bill.abstract}".lower()
        have = set(_WORD.findall(text))
        for word in words:
            if word not in have and not any(h.startswith(word) for h in have):
                return False
    if params.get("jurisdiction") and bill.jurisdiction_id not in params["jurisdiction"]:
        return False
    if params.get("status") and bill.status not in params["status"]:
        return False
    return True


def _saved_search_filters(stmt: Any, params: dict[str, list[str]]) -> Any:
    """The saved search's filters in SQL (words are matched in Python by bill_matches).

    Topic and score filters read the tagging tables, so they match only once the new bill
    has been tagged: enqueue the alert job after tagging.
    """
    from tracker.models import LegislativeSession

    if params.get("jurisdiction"):
        stmt = stmt.where(Bill.jurisdiction_id.in_(params["jurisdiction"]))
    if params.get("status"):
        stmt = stmt.where(Bill.status.in_(params["status"]))
    if params.get("session"):
        stmt = stmt.where(
            Bill.session_id.in_(
                select(LegislativeSession.id).where(
                    LegislativeSession.identifier == params["session"][0]
                )
            )
        )
    if params.get("topic") or params.get("score_min") or params.get("score_max"):
        from tracker.tagging_models import BillScore, BillTopic

        if params.get("topic"):
            stmt = stmt.where(
                Bill.id.in_(select(BillTopic.bill_id).where(BillTopic.topic == params["topic"][0]))
            )
        scored = select(BillScore.bill_id)
        if params.get("score_min"):
            scored = scored.where(BillScore.relevance >= float(params["score_min"][0]))
        if params.get("score_max"):
            scored = scored.where(BillScore.relevance <= float(params["score_max"][0]))
        if params.get("score_min") or params.get("score_max"):
            stmt = stmt.where(Bill.id.in_(scored))
    return stmt


def match_saved_searches(session: Session) -> list[AlertEvent]:
    """AlertEvents for bills created since each saved search was last checked."""
    found: list[tuple[int, Bill, str, str, str]] = []
    search_ids: dict[str, int] = {}
    now = utcnow()
    for saved in session.scalars(select(SavedSearch).order_by(SavedSearch.id)):
        params = {k: v for k, v in parse_qs(saved.query).items()}
        stmt = _saved_search_filters(select(Bill).where(Bill.created_at > saved.checked_at), params)
        for bill in session.scalars(stmt.order_by(Bill.id)):
            if bill_matches(bill, params):
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


def deliver_pending(settings: Settings, session: Session, frequency: str = "immediate") -> dict:
    """Send pending deliveries for subscriptions of `frequency`, one message per subscription."""
    rows = session.scalars(
        select(AlertDelivery)
        .join(AlertSubscription, AlertSubscription.id == AlertDelivery.subscription_id)
        .where(AlertDelivery.status == "pending", AlertSubscription.frequency == frequency)
        .options(
            selectinload(AlertDelivery.event).selectinload(AlertEvent.bill),
            selectinload(AlertDelivery.subscription).selectinload(AlertSubscription.user),
        )
        .order_by(AlertDelivery.subscription_id, AlertDelivery.id)
    ).all()
    grouped: dict[int, list[AlertDelivery]] = defaultdict(list)
    for delivery in rows:
        grouped[delivery.subscription_id].append(delivery)
    sent = failed = 0
    for deliveries in grouped.values():
        sub = deliveries[0].subscription
        events = [d.event for d in deliveries]
        lines = [f"- {e.summary}\n  {_bill_url(settings, e.bill_id)}" for e in events]
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
                                "summary": e.summary,
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
