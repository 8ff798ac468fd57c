"""SQLAlchemy 2 typed models: the one normalized store every source feeds.

Natural keys: a bill's stable id (`tracker.ids.bill_id`), a jurisdiction's code,
(jurisdiction, session identifier), (source, external id) for legislators.
Organization-owned rows (watchlists and everything later issues add) always carry
`organization_id`; queries for them must filter on it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Timezone-aware now, for created/updated stamps."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every engine (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: UTCDateTime()}


class Jurisdiction(Base):
    """Federal, the 50 states, DC and Puerto Rico."""

    __tablename__ = "jurisdictions"

    id: Mapped[str] = mapped_column(String(8), primary_key=True)  # "us", "ca", "dc", "pr"
    name: Mapped[str] = mapped_column(String(100))
    abbr: Mapped[str] = mapped_column(String(8))  # "US", "CA"
    classification: Mapped[str] = mapped_column(String(20))  # country|state|district|territory
    ocd_id: Mapped[str] = mapped_column(String(120), unique=True)
    timezone: Mapped[str | None] = mapped_column(String(40))


class LegislativeSession(Base):
    """A session as its jurisdiction names it ("118", "20232024", "88R")."""

    __tablename__ = "legislative_sessions"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "identifier"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    jurisdiction_id: Mapped[str] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    identifier: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)

    jurisdiction: Mapped[Jurisdiction] = relationship()


class Bill(Base):
    """A bill or resolution, merged across every source that reported it."""

    __tablename__ = "bills"
    __table_args__ = (
        UniqueConstraint("jurisdiction_id", "session_id", "identifier"),
        Index("ix_bills_status", "status"),
        Index("ix_bills_last_action_date", "last_action_date"),
    )

    id: Mapped[str] = mapped_column(String(120), primary_key=True)  # "us-118-hr7"
    jurisdiction_id: Mapped[str] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("legislative_sessions.id"), index=True)
    identifier: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(Text, default="")
    abstract: Mapped[str] = mapped_column(Text, default="")
    classification: Mapped[str] = mapped_column(String(40), default="bill")
    status: Mapped[str] = mapped_column(String(20), default="introduced")
    status_date: Mapped[date | None] = mapped_column(Date)
    introduced_date: Mapped[date | None] = mapped_column(Date)
    last_action_date: Mapped[date | None] = mapped_column(Date)
    last_action: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(500))
    # sha256 of the normalized content; ingest compares it to skip unchanged input.
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    jurisdiction: Mapped[Jurisdiction] = relationship()
    session: Mapped[LegislativeSession] = relationship()
    actions: Mapped[list[BillAction]] = relationship(
        back_populates="bill", cascade="all, delete-orphan", order_by="BillAction.position"
    )
    sponsorships: Mapped[list[Sponsorship]] = relationship(
        back_populates="bill", cascade="all, delete-orphan", order_by="Sponsorship.position"
    )
    versions: Mapped[list[BillVersion]] = relationship(
        back_populates="bill", cascade="all, delete-orphan", order_by="BillVersion.position"
    )
    subjects: Mapped[list[BillSubject]] = relationship(
        back_populates="bill", cascade="all, delete-orphan", order_by="BillSubject.subject"
    )
    source_links: Mapped[list[SourceLink]] = relationship(
        back_populates="bill", cascade="all, delete-orphan", order_by="SourceLink.source"
    )


class BillAction(Base):
    """One dated history entry, classified with the Open States action vocabulary."""

    __tablename__ = "bill_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bill_id: Mapped[str] = mapped_column(ForeignKey("bills.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    date: Mapped[date] = mapped_column(Date, index=True)
    chamber: Mapped[str | None] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    classification: Mapped[list[Any]] = mapped_column(default=list)

    bill: Mapped[Bill] = relationship(back_populates="actions")


class Sponsorship(Base):
    """A primary sponsor or cosponsor, linked to a legislator when known."""

    __tablename__ = "sponsorships"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bill_id: Mapped[str] = mapped_column(ForeignKey("bills.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default="primary")  # primary|cosponsor
    party: Mapped[str | None] = mapped_column(String(40))
    external_id: Mapped[str | None] = mapped_column(String(120))  # "bioguide:L000174"
    legislator_id: Mapped[int | None] = mapped_column(
        ForeignKey("legislators.id", ondelete="SET NULL"), index=True
    )

    bill: Mapped[Bill] = relationship(back_populates="sponsorships")
    legislator: Mapped[Legislator | None] = relationship()


class BillVersion(Base):
    """A published text version; `text_sha256` points at the extracted-text cache."""

    __tablename__ = "bill_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bill_id: Mapped[str] = mapped_column(ForeignKey("bills.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(String(300), default="")
    url: Mapped[str] = mapped_column(String(500))
    date: Mapped[date | None] = mapped_column(Date)
    media_type: Mapped[str | None] = mapped_column(String(80))
    text_sha256: Mapped[str | None] = mapped_column(String(64))
    # The source's own document id ("legiscan:2861602") and change token (text_hash).
    source_doc: Mapped[str | None] = mapped_column(String(120))
    source_hash: Mapped[str | None] = mapped_column(String(64))

    bill: Mapped[Bill] = relationship(back_populates="versions")


class BillSubject(Base):
    """A subject term the source attached (not the tracker's own topics)."""

    __tablename__ = "bill_subjects"

    bill_id: Mapped[str] = mapped_column(
        ForeignKey("bills.id", ondelete="CASCADE"), primary_key=True
    )
    subject: Mapped[str] = mapped_column(String(200), primary_key=True)

    bill: Mapped[Bill] = relationship(back_populates="subjects")


class SourceLink(Base):
    """Every source that contributed to a bill or legislator (URL never carries a key)."""

    __tablename__ = "source_links"
    __table_args__ = (
        UniqueConstraint("bill_id", "source", "url"),
        Index("ix_source_links_source_source_id", "source", "source_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bill_id: Mapped[str | None] = mapped_column(
        ForeignKey("bills.id", ondelete="CASCADE"), index=True
    )
    legislator_id: Mapped[int | None] = mapped_column(
        ForeignKey("legislators.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str] = mapped_column(String(40))
    source_id: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(500))
    fetched_at: Mapped[datetime | None] = mapped_column()
    payload_sha256: Mapped[str | None] = mapped_column(String(64))
    # The source's change token (change_hash, updateDateIncludingText, updated_at).
    source_updated: Mapped[str | None] = mapped_column(String(100))
    # sha256 of this source's own record: an identical record is skipped without a merge.
    record_sha256: Mapped[str | None] = mapped_column(String(64))
    # Fingerprint of that record as received, before any cleaning or classification
    # (tracker.ingest.raw_fingerprint): equal means skip without building anything.
    raw_sha256: Mapped[str | None] = mapped_column(String(64))

    bill: Mapped[Bill | None] = relationship(back_populates="source_links")


class Legislator(Base):
    """One person, merged across sources by external ids."""

    __tablename__ = "legislators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    jurisdiction_id: Mapped[str] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    given_name: Mapped[str | None] = mapped_column(String(100))
    family_name: Mapped[str | None] = mapped_column(String(100))
    party: Mapped[str | None] = mapped_column(String(60))
    chamber: Mapped[str | None] = mapped_column(String(20))  # upper|lower|legislature
    district: Mapped[str | None] = mapped_column(String(60))
    district_ocd_id: Mapped[str | None] = mapped_column(String(200), index=True)
    email: Mapped[str | None] = mapped_column(String(200))
    phones: Mapped[list[Any]] = mapped_column(default=list)
    offices: Mapped[list[Any]] = mapped_column(default=list)  # [{classification, address, phone}]
    contact_form_url: Mapped[str | None] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(String(500))
    image: Mapped[str | None] = mapped_column(String(500))
    term_start: Mapped[date | None] = mapped_column(Date)
    term_end: Mapped[date | None] = mapped_column(Date)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    jurisdiction: Mapped[Jurisdiction] = relationship()
    external_ids: Mapped[list[LegislatorExternalId]] = relationship(
        back_populates="legislator", cascade="all, delete-orphan"
    )
    memberships: Mapped[list[CommitteeMembership]] = relationship(
        back_populates="legislator", cascade="all, delete-orphan"
    )


class LegislatorExternalId(Base):
    """One id per source scheme: bioguide, openstates, legiscan, govtrack, ..."""

    __tablename__ = "legislator_external_ids"
    __table_args__ = (UniqueConstraint("scheme", "value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    legislator_id: Mapped[int] = mapped_column(
        ForeignKey("legislators.id", ondelete="CASCADE"), index=True
    )
    scheme: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(String(200))

    legislator: Mapped[Legislator] = relationship(back_populates="external_ids")


class Committee(Base):
    """A committee or subcommittee."""

    __tablename__ = "committees"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "chamber", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    jurisdiction_id: Mapped[str] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    chamber: Mapped[str | None] = mapped_column(String(20))
    external_id: Mapped[str | None] = mapped_column(String(200), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("committees.id"))

    memberships: Mapped[list[CommitteeMembership]] = relationship(
        back_populates="committee", cascade="all, delete-orphan"
    )


class CommitteeMembership(Base):
    """A legislator's seat on a committee."""

    __tablename__ = "committee_memberships"
    __table_args__ = (UniqueConstraint("committee_id", "legislator_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    committee_id: Mapped[int] = mapped_column(
        ForeignKey("committees.id", ondelete="CASCADE"), index=True
    )
    legislator_id: Mapped[int] = mapped_column(
        ForeignKey("legislators.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(60), default="member")

    committee: Mapped[Committee] = relationship(back_populates="memberships")
    legislator: Mapped[Legislator] = relationship(back_populates="memberships")


class Event(Base):
    """A hearing or other scheduled event."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    jurisdiction_id: Mapped[str] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    start: Mapped[datetime] = mapped_column(index=True)
    location: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    committee_id: Mapped[int | None] = mapped_column(ForeignKey("committees.id"))
    # scheduled | cancelled | postponed | rescheduled (source wording normalized)
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    committee_name: Mapped[str | None] = mapped_column(String(300))
    source: Mapped[str | None] = mapped_column(String(40))

    bills: Mapped[list[EventBill]] = relationship(cascade="all, delete-orphan")


class EventBill(Base):
    """A bill on an event's agenda."""

    __tablename__ = "event_bills"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    bill_id: Mapped[str] = mapped_column(
        ForeignKey("bills.id", ondelete="CASCADE"), primary_key=True
    )


# --- Organizations, users and watchlists: shared by web, outreach and briefs. ---


class Organization(Base):
    """A policy team or coalition. Owns watchlists, campaigns, meetings, letters."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    timezone: Mapped[str] = mapped_column(String(60), default="America/New_York")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    """A person who signs in; belongs to one organization with one role."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(300))  # argon2
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="viewer")  # admin|advocate|viewer
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship()


class Watchlist(Base):
    """A named list of bills an organization follows."""

    __tablename__ = "watchlists"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    entries: Mapped[list[WatchlistEntry]] = relationship(
        back_populates="watchlist", cascade="all, delete-orphan"
    )


class WatchlistEntry(Base):
    """A bill on a watchlist with the organization's position and priority."""

    __tablename__ = "watchlist_entries"
    __table_args__ = (UniqueConstraint("watchlist_id", "bill_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    watchlist_id: Mapped[int] = mapped_column(
        ForeignKey("watchlists.id", ondelete="CASCADE"), index=True
    )
    bill_id: Mapped[str] = mapped_column(ForeignKey("bills.id", ondelete="CASCADE"), index=True)
    position: Mapped[str] = mapped_column(String(20), default="monitor")  # support|oppose|monitor
    priority: Mapped[str] = mapped_column(String(20), default="medium")  # high|medium|low
    notes: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    watchlist: Mapped[Watchlist] = relationship(back_populates="entries")
    bill: Mapped[Bill] = relationship()
    owner: Mapped[User | None] = relationship()


class JobRun(Base):
    """A record of background work (syncs, tagging, briefs) with its summary."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(60), index=True)  # "sync", "tag", ...
    job_id: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="running")  # running|done|failed
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)
