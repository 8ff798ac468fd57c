"""Tables the web area owns that workers also read: saved searches, alert subscriptions,
what alert detection last saw of each watched bill, detected alert events and their
deliveries, and extracted bill text for full-text search.

They live in tracker (not web) because the alert jobs in `tracker.alert_jobs` run in a
worker that must not import Flask (importing `web.models` would load `web/__init__`).
`web.models` re-exports them. Revision 0004 creates them. Every organization-owned row
carries `organization_id`; queries must filter on it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models import Base, Bill, User, utcnow

ALERT_KINDS = ("status", "action", "hearing", "search")
CHANNELS = ("email", "webhook")
FREQUENCIES = ("immediate", "daily")


class SavedSearch(Base):
    """A bill search (its query string) an organization wants alerts for."""

    __tablename__ = "saved_searches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200))
    query: Mapped[str] = mapped_column(String(2000))  # the /bills query string, without "?"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Bills created after this instant are checked against the search on the next run.
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)


class AlertSubscription(Base):
    """How one user wants alerts: a channel, a frequency and the kinds of change."""

    __tablename__ = "alert_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20), default="email")  # email|webhook
    frequency: Mapped[str] = mapped_column(String(20), default="immediate")  # immediate|daily
    kinds: Mapped[list[Any]] = mapped_column(default=lambda: list(ALERT_KINDS))
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class AlertBillState(Base):
    """What alert detection last saw of a watched bill, to tell what changed since."""

    __tablename__ = "alert_bill_states"

    bill_id: Mapped[str] = mapped_column(
        ForeignKey("bills.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(20))
    action_count: Mapped[int] = mapped_column(Integer, default=0)
    hearing_ids: Mapped[list[Any]] = mapped_column(default=list)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class AlertEvent(Base):
    """One detected change an organization cares about (deduplicated by `key`)."""

    __tablename__ = "alert_events"
    __table_args__ = (
        UniqueConstraint("organization_id", "key"),
        Index("ix_alert_events_org_created", "organization_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    bill_id: Mapped[str] = mapped_column(ForeignKey("bills.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # status|action|hearing|search
    key: Mapped[str] = mapped_column(String(300))  # e.g. "action:us-118-hr7:5"
    summary: Mapped[str] = mapped_column(Text)
    saved_search_id: Mapped[int | None] = mapped_column(
        ForeignKey("saved_searches.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    bill: Mapped[Bill] = relationship()


class AlertDelivery(Base):
    """One event sent (or to be sent) to one subscription."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "subscription_id"),
        Index("ix_alert_deliveries_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("alert_events.id", ondelete="CASCADE"))
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("alert_subscriptions.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)

    event: Mapped[AlertEvent] = relationship()
    subscription: Mapped[AlertSubscription] = relationship()


class BillText(Base):
    """Extracted full text of a bill's latest version, indexed for search."""

    __tablename__ = "bill_texts"

    bill_id: Mapped[str] = mapped_column(
        ForeignKey("bills.id", ondelete="CASCADE"), primary_key=True
    )
    text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
