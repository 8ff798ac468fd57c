"""Outreach tables: templates, campaigns, constituents, letters (the outbox), meetings,
hearing alerts, and where each committee takes written testimony.

Created by migrations 0005_outreach, 0140_outreach_campaign_targets,
0141_outreach_status, 0142_outreach_channels, 0143_outreach_hearing_alerts and
0191_outreach_testimony.

Every row an organization owns carries `organization_id`, and every query for such
rows filters on it. Table and column names are plain so other areas (the weekly brief)
can read them directly; see docs/outreach.md, "Reading outreach data".

Letter states: draft -> confirmed -> queued -> sending -> sent | failed.
A letter is `draft` until the constituent confirms by email; confirming moves it
to `queued` in the same transaction that records the confirmation, and the
`outreach.jobs.send_letter` job moves it on.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models import Base, Bill, Legislator, Organization, User, utcnow

LETTER_STATES = ("draft", "confirmed", "queued", "sending", "sent", "failed")
POSITIONS = ("support", "oppose", "undecided", "no_position", "unknown")


class LetterTemplate(Base):
    """A named letter template; its text lives in numbered TemplateVersions."""

    __tablename__ = "letter_templates"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[TemplateVersion]] = relationship(
        back_populates="template", cascade="all, delete-orphan", order_by="TemplateVersion.number"
    )

    @property
    def current(self) -> TemplateVersion | None:
        """The newest version."""
        return self.versions[-1] if self.versions else None


class TemplateVersion(Base):
    """An immutable snapshot of a template's subject and body; letters point at one."""

    __tablename__ = "template_versions"
    __table_args__ = (UniqueConstraint("template_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("letter_templates.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    template: Mapped[LetterTemplate] = relationship(back_populates="versions")


class LanguageTerm(Base):
    """An organization's own addition to the stigmatizing-language list."""

    __tablename__ = "language_terms"
    __table_args__ = (UniqueConstraint("organization_id", "phrase"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    phrase: Mapped[str] = mapped_column(String(200))
    forms: Mapped[list[Any]] = mapped_column(default=list)
    suggestions: Mapped[list[Any]] = mapped_column(default=list)
    reason: Mapped[str] = mapped_column(Text, default="")


class ZipDistrict(Base):
    """A ZIP code (ZCTA) and one congressional district it overlaps (Census relationship
    data, loaded with `tracker outreach load-zips`). A ZIP may span several districts."""

    __tablename__ = "zip_districts"

    zip: Mapped[str] = mapped_column(String(5), primary_key=True)
    state: Mapped[str] = mapped_column(String(2), primary_key=True)  # lower case
    congressional_district: Mapped[str] = mapped_column(String(10), primary_key=True)


class Campaign(Base):
    """A public letter campaign at /act/<slug>."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    intro: Mapped[str] = mapped_column(Text, default="")
    template_id: Mapped[int] = mapped_column(ForeignKey("letter_templates.id"), index=True)
    bill_id: Mapped[str | None] = mapped_column(
        ForeignKey("bills.id", ondelete="SET NULL"), index=True
    )
    # Targeting: which of a constituent's legislators get a letter.
    target_level: Mapped[str] = mapped_column(String(20), default="state")  # state|federal|both
    target_chambers: Mapped[list[Any]] = mapped_column(default=list)  # ["upper", "lower"]
    target_committee_id: Mapped[int | None] = mapped_column(
        ForeignKey("committees.id", ondelete="SET NULL")
    )
    target_sponsors: Mapped[str] = mapped_column(String(20), default="any")  # any|only|exclude
    # district (the constituent's own) | committee (all its members) | offices (named ids)
    target_mode: Mapped[str] = mapped_column(String(20), default="district")
    target_office_ids: Mapped[list[Any]] = mapped_column(default=list)
    editable_default: Mapped[str] = mapped_column(Text, default="")
    # The letters' subject line; empty = the template's subject.
    subject: Mapped[str] = mapped_column(Text, default="")
    ask: Mapped[str] = mapped_column(String(10), default="write")  # write|call
    # The owner's translations of the public text: {"es": {"title": .., "intro": ..}}
    translations: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(20), default="open")  # draft|open|closed
    daily_cap_per_office: Mapped[int] = mapped_column(Integer, default=500)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship()
    template: Mapped[LetterTemplate] = relationship()
    bill: Mapped[Bill | None] = relationship()


class Constituent(Base):
    """A person who filled in a campaign form. Private to the organization."""

    __tablename__ = "constituents"
    __table_args__ = (Index("ix_constituents_campaign_email", "campaign_id", "email"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(300), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    state: Mapped[str] = mapped_column(String(2), default="")
    zip: Mapped[str] = mapped_column(String(10), default="")
    division_ids: Mapped[list[Any]] = mapped_column(default=list)  # OCD division ids
    geocode_source: Mapped[str] = mapped_column(String(20), default="manual")  # census|manual
    message: Mapped[str] = mapped_column(Text, default="")  # the editable part
    story: Mapped[str] = mapped_column(Text, default="")
    consent_send: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_quote: Mapped[bool] = mapped_column(Boolean, default=False)
    # Random per-person value inside signed links; rotating it revokes old links.
    link_nonce: Mapped[str] = mapped_column(String(64))
    confirmed_at: Mapped[datetime | None] = mapped_column()
    confirmation_sent_at: Mapped[datetime | None] = mapped_column()
    # A confirmation email that could not be sent: tries so far, why, and when to try next.
    confirmation_attempts: Mapped[int] = mapped_column(Integer, default=0)
    confirmation_error: Mapped[str | None] = mapped_column(Text)
    confirmation_retry_at: Mapped[datetime | None] = mapped_column()
    language: Mapped[str] = mapped_column(String(5), default="en")  # en|es
    prefix: Mapped[str] = mapped_column(String(10), default="")  # Ms., Mr., Mx. (CWC needs one)
    # Set by the unsubscribe link in a hearing alert: no further contact from the campaign.
    contact_unsubscribed_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    campaign: Mapped[Campaign] = relationship()
    letters: Mapped[list[Letter]] = relationship(
        back_populates="constituent", cascade="all, delete-orphan", passive_deletes=True
    )


class Letter(Base):
    """The outbox: one letter per (constituent, legislator), moved along by jobs."""

    __tablename__ = "letters"
    __table_args__ = (
        UniqueConstraint("constituent_id", "legislator_id"),
        Index("ix_letters_state_updated", "state", "updated_at"),
        # The per-office daily cap counts today's letters to one office on every send.
        Index("ix_letters_office_state_sent", "legislator_id", "state", "sent_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    constituent_id: Mapped[int] = mapped_column(
        ForeignKey("constituents.id", ondelete="CASCADE"), index=True
    )
    legislator_id: Mapped[int] = mapped_column(ForeignKey("legislators.id"), index=True)
    template_version_id: Mapped[int] = mapped_column(ForeignKey("template_versions.id"))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    delivery: Mapped[str] = mapped_column(String(10), default="email")  # email|print
    recipient: Mapped[str | None] = mapped_column(String(254))  # office email when delivery=email
    call_outcome: Mapped[str | None] = mapped_column(String(20))  # reached|voicemail|busy
    state: Mapped[str] = mapped_column(String(20), default="draft")
    # Stable for the letter's life: the Message-ID is derived from it, so every attempt
    # carries the same id and a retry can tell what an earlier attempt did.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    message_id: Mapped[str | None] = mapped_column(String(300))
    # How far the current SMTP attempt got: connect|data|done (see outreach.delivery).
    smtp_phase: Mapped[str | None] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime | None] = mapped_column()  # deferred by the daily cap
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column()
    queued_at: Mapped[datetime | None] = mapped_column()
    sending_at: Mapped[datetime | None] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()
    failed_at: Mapped[datetime | None] = mapped_column()

    constituent: Mapped[Constituent] = relationship(back_populates="letters")
    legislator: Mapped[Legislator] = relationship()
    campaign: Mapped[Campaign] = relationship()
    template_version: Mapped[TemplateVersion] = relationship()
    attempts_log: Mapped[list[DeliveryAttempt]] = relationship(
        back_populates="letter", cascade="all, delete-orphan", passive_deletes=True
    )


class DeliveryAttempt(Base):
    """One try at delivering a letter, with its outcome (visible on the results page)."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    outcome: Mapped[str] = mapped_column(String(20), default="started")
    # started|sent|error|deferred|skipped|unknown|printed
    detail: Mapped[str] = mapped_column(Text, default="")
    worker: Mapped[str | None] = mapped_column(String(200))

    letter: Mapped[Letter] = relationship(back_populates="attempts_log")


class Bounce(Base):
    """A bounce or delivery-status notice matched to a letter by Message-ID."""

    __tablename__ = "bounces"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    letter_id: Mapped[int | None] = mapped_column(
        ForeignKey("letters.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[str] = mapped_column(String(300), index=True)
    recipient: Mapped[str] = mapped_column(String(254), default="")
    status: Mapped[str] = mapped_column(String(20), default="")  # DSN status, e.g. 5.1.1
    reason: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class HearingAlert(Base):
    """One alert per (campaign, hearing): sent once to supporters in members' districts."""

    __tablename__ = "hearing_alerts"
    __table_args__ = (UniqueConstraint("campaign_id", "event_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    sent: Mapped[int] = mapped_column(Integer, default=0)


class HearingAlertRecipient(Base):
    """A supporter an alert goes to; `sent_at` makes each email go out once."""

    __tablename__ = "hearing_alert_recipients"

    alert_id: Mapped[int] = mapped_column(
        ForeignKey("hearing_alerts.id", ondelete="CASCADE"), primary_key=True
    )
    constituent_id: Mapped[int] = mapped_column(
        ForeignKey("constituents.id", ondelete="CASCADE"), primary_key=True
    )
    sent_at: Mapped[datetime | None] = mapped_column()


class Meeting(Base):
    """A meeting or call with legislators or their staff. Organization-private."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    date: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(20), default="meeting")  # meeting|call|virtual
    location: Mapped[str] = mapped_column(String(300), default="")
    our_attendees: Mapped[str] = mapped_column(Text, default="")  # names, one per line
    asks: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    attendees: Mapped[list[MeetingAttendee]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="MeetingAttendee.id"
    )
    bills: Mapped[list[MeetingBill]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="MeetingBill.id"
    )
    follow_ups: Mapped[list[FollowUp]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="FollowUp.due_date"
    )
    created_by: Mapped[User | None] = relationship()


class MeetingAttendee(Base):
    """Someone from the office: the legislator or a staff member (linked when known)."""

    __tablename__ = "meeting_attendees"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    legislator_id: Mapped[int | None] = mapped_column(
        ForeignKey("legislators.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default="legislator")  # legislator|staff
    title: Mapped[str] = mapped_column(String(200), default="")

    meeting: Mapped[Meeting] = relationship(back_populates="attendees")
    legislator: Mapped[Legislator | None] = relationship()


class MeetingBill(Base):
    """A bill discussed, the ask, and the office's stated position."""

    __tablename__ = "meeting_bills"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    bill_id: Mapped[str | None] = mapped_column(
        ForeignKey("bills.id", ondelete="SET NULL"), index=True
    )
    label: Mapped[str] = mapped_column(String(200), default="")  # as typed when not linked
    ask: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[str] = mapped_column(String(20), default="unknown")  # POSITIONS

    meeting: Mapped[Meeting] = relationship(back_populates="bills")
    bill: Mapped[Bill | None] = relationship()


class FollowUp(Base):
    """A task from a meeting with a due date; reminders go to the assignee."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str] = mapped_column(Text)
    due_date: Mapped[date] = mapped_column(Date, index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    done_at: Mapped[datetime | None] = mapped_column()
    reminded_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="follow_ups")
    assignee: Mapped[User | None] = relationship()


# --- testimony ------------------------------------------------------------------------------
# Where each committee takes written testimony, as an organization records it. Testimony
# itself is logged as a Meeting (kind "testimony") with the bill attached, so it shows in
# the meeting log and on the bill page.


class CommitteeTestimonyLink(Base):
    __tablename__ = "testimony_links"
    __table_args__ = (UniqueConstraint("organization_id", "jurisdiction_id", "committee"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    jurisdiction_id: Mapped[str] = mapped_column(String(8))
    committee: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(500))
