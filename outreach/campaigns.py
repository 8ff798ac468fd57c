"""Letter templates (with versions) and campaigns: create, open, results, retry.

An organization writes a template (`create_template`, each edit a new `save_version`),
then opens a campaign on a bill with it (`create_campaign`); the public page finds it by
slug (`open_campaign`). `campaign_results` counts letters per office, district and state
and lists failures and quotable stories; `retry_failures` queues failed letters again.
Constituents' submissions are `outreach.letters`; their links and data are
`outreach.constituents`.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from outreach import templates as tpl
from outreach.handoff import CALL_OUTCOMES
from outreach.models import (
    Campaign,
    Constituent,
    DeliveryAttempt,
    Letter,
    LetterTemplate,
    TemplateVersion,
)
from outreach.targeting import TARGET_MODES, legislator_fields
from tracker.errors import InvalidInput, NotFound
from tracker.models import Bill, Legislator, User, utcnow

_Owned = TypeVar("_Owned", LetterTemplate, Campaign)

# --- templates -----------------------------------------------------------------------------


def create_template(
    session: Session,
    organization_id: int,
    name: str,
    source: tpl.TemplateSource,
    user: User | None = None,
) -> LetterTemplate:
    """A new template with its first version (validated in the sandbox first)."""
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("template name must be 1-200 characters")
    exists = session.scalars(
        select(LetterTemplate).where(
            LetterTemplate.organization_id == organization_id, LetterTemplate.name == name
        )
    ).first()
    if exists:
        raise InvalidInput(f"a template named {name!r} already exists")
    tpl.ensure_valid(source)
    template = LetterTemplate(
        organization_id=organization_id, name=name, description=source.description
    )
    template.versions.append(
        TemplateVersion(
            number=1,
            subject=source.subject,
            body=source.body,
            created_by_id=user.id if user else None,
        )
    )
    session.add(template)
    session.commit()
    return template


def save_version(
    session: Session, template: LetterTemplate, subject: str, body: str, user: User | None = None
) -> TemplateVersion:
    """Add a version when the text changed; returns the (new or unchanged) current version."""
    source = tpl.TemplateSource(body=body.replace("\r\n", "\n"), subject=subject.strip())
    tpl.ensure_valid(source)
    current = template.current
    if current and current.body == source.body and current.subject == source.subject:
        return current
    version = TemplateVersion(
        number=(current.number + 1) if current else 1,
        subject=source.subject,
        body=source.body,
        created_by_id=user.id if user else None,
    )
    template.versions.append(version)
    template.updated_at = utcnow()
    session.commit()
    return version


def _owned(
    session: Session, model: type[_Owned], organization_id: int, row_id: int, noun: str
) -> _Owned:
    """The template or campaign with this id if this organization owns it, or NotFound."""
    row = session.get(model, row_id)
    if row is None or row.organization_id != organization_id:
        raise NotFound(f"no such {noun}")
    return row


def get_template(session: Session, organization_id: int, template_id: int) -> LetterTemplate:
    """A template of this organization, or NotFound."""
    return _owned(session, LetterTemplate, organization_id, template_id, "template")


# --- campaigns -----------------------------------------------------------------------------


def create_campaign(
    session: Session,
    organization_id: int,
    title: str,
    template: LetterTemplate,
    *,
    slug: str | None = None,
    intro: str = "",
    bill_id: str | None = None,
    target_level: str = "state",
    target_chambers: list[str] | None = None,
    target_committee_id: int | None = None,
    target_sponsors: str = "any",
    target_mode: str = "district",
    target_office_ids: list[int] | None = None,
    subject: str = "",
    ask: str = "write",
    translations: dict[str, dict[str, str]] | None = None,
    editable_default: str = "",
    daily_cap_per_office: int = 500,
    user: User | None = None,
) -> Campaign:
    """A campaign for this organization; its public page is /act/<slug>."""
    title = title.strip()
    if not title or len(title) > 300:
        raise InvalidInput("campaign title must be 1-300 characters")
    if template.organization_id != organization_id:
        raise NotFound("no such template")
    if target_level not in ("state", "federal", "both"):
        raise InvalidInput("target level must be state, federal or both")
    chambers = [c for c in (target_chambers or []) if c]
    if any(c not in ("upper", "lower", "legislature") for c in chambers):
        raise InvalidInput("chambers must be upper, lower or legislature")
    if target_sponsors not in ("any", "only", "exclude"):
        raise InvalidInput("sponsor targeting must be any, only or exclude")
    if target_mode not in TARGET_MODES:
        raise InvalidInput("target mode must be district, committee or offices")
    if target_mode == "committee" and not target_committee_id:
        raise InvalidInput("choose the committee whose members get the letters")
    offices = [int(i) for i in (target_office_ids or []) if i]
    if target_mode == "offices" and not offices:
        raise InvalidInput("choose at least one office to write to")
    if ask not in ("write", "call"):
        raise InvalidInput("a campaign asks constituents to write or to call")
    subject = " ".join((subject or "").split())
    if len(subject) > 300:
        raise InvalidInput("the subject line is at most 300 characters")
    if subject:
        tpl.ensure_valid(tpl.TemplateSource(body=template.current.body, subject=subject))
    if bill_id and session.get(Bill, bill_id) is None:
        raise InvalidInput(f"no bill {bill_id!r} in the tracker")
    if daily_cap_per_office < 1:
        raise InvalidInput("the daily cap per office must be at least 1")
    slug = campaign_slug(slug or title)
    if session.scalars(select(Campaign).where(Campaign.slug == slug)).first():
        raise InvalidInput(f"the address /act/{slug} is taken; choose another")
    campaign = Campaign(
        organization_id=organization_id,
        slug=slug,
        title=title,
        intro=intro.strip(),
        template_id=template.id,
        bill_id=bill_id or None,
        target_level=target_level,
        target_chambers=chambers,
        target_committee_id=target_committee_id,
        target_sponsors=target_sponsors,
        target_mode=target_mode,
        target_office_ids=offices,
        subject=subject,
        ask=ask,
        translations={
            lang: {k: v.strip() for k, v in fields.items() if v and v.strip()}
            for lang, fields in (translations or {}).items()
            if lang in ("es",) and any(v and v.strip() for v in fields.values())
        },
        editable_default=editable_default.strip(),
        daily_cap_per_office=daily_cap_per_office,
        created_by_id=user.id if user else None,
        status="open",
    )
    session.add(campaign)
    session.commit()
    return campaign


def campaign_slug(text: str) -> str:
    """A readable web address part: `Fund 988 now!` -> `fund-988-now`."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:100] or "campaign"


def open_campaign(session: Session, slug: str) -> Campaign:
    """A campaign by slug that takes submissions, or NotFound."""
    campaign = session.scalars(select(Campaign).where(Campaign.slug == slug)).first()
    if campaign is None or campaign.status != "open":
        raise NotFound("this campaign is not open")
    return campaign


# --- results -------------------------------------------------------------------------------


def campaign_for_org(session: Session, organization_id: int, campaign_id: int) -> Campaign:
    """A campaign of this organization, or NotFound."""
    return _owned(session, Campaign, organization_id, campaign_id, "campaign")


def campaign_results(session: Session, organization_id: int, campaign_id: int) -> dict[str, Any]:
    """Letters per office and per district, states, failures, and quotable stories."""
    campaign = campaign_for_org(session, organization_id, campaign_id)
    rows = session.execute(
        select(Letter.state, Letter.delivery, Letter.call_outcome, Legislator)
        .join(Legislator, Letter.legislator_id == Legislator.id)
        .where(Letter.organization_id == organization_id, Letter.campaign_id == campaign.id)
    ).all()
    per_office: dict[int, dict[str, Any]] = {}
    per_district: Counter[str] = Counter()
    states: Counter[str] = Counter()
    channels: Counter[str] = Counter()
    calls: Counter[str] = Counter()
    for state, delivery, call_outcome, legislator in rows:
        states[state] += 1
        channels[delivery] += 1
        if call_outcome:
            calls[call_outcome] += 1
        office = per_office.setdefault(
            legislator.id,
            {"legislator": legislator, "total": 0, "sent": 0, "print": 0, "failed": 0},
        )
        office["total"] += 1
        office["sent"] += state == "sent"
        office["failed"] += state == "failed"
        office["print"] += delivery == "print"
        district = (
            f"{legislator.jurisdiction_id.upper()} {legislator_fields(legislator)['chamber']} "
            f"{legislator.district or ''}".strip()
        )
        per_district[district] += 1
    failures = session.scalars(
        select(Letter)
        .where(
            Letter.organization_id == organization_id,
            Letter.campaign_id == campaign.id,
            Letter.state == "failed",
        )
        .order_by(Letter.failed_at.desc())
        .limit(100)
    ).all()
    stories = session.scalars(
        select(Constituent)
        .where(
            Constituent.organization_id == organization_id,
            Constituent.campaign_id == campaign.id,
            Constituent.consent_quote.is_(True),
            Constituent.confirmed_at.is_not(None),
            func.length(Constituent.story) > 0,
        )
        .order_by(Constituent.confirmed_at.desc())
    ).all()
    constituents = session.scalar(
        select(func.count(Constituent.id)).where(
            Constituent.organization_id == organization_id,
            Constituent.campaign_id == campaign.id,
        )
    )
    unconfirmed_mail = session.scalars(
        select(Constituent)
        .where(
            Constituent.organization_id == organization_id,
            Constituent.campaign_id == campaign.id,
            Constituent.confirmation_sent_at.is_(None),
            Constituent.confirmation_attempts > 0,
        )
        .order_by(Constituent.created_at.desc())
        .limit(100)
    ).all()
    return {
        "campaign": campaign,
        "constituents": constituents,
        "confirmation_failures": unconfirmed_mail,
        "states": dict(states),
        "channels": dict(channels),
        "calls": {key: calls.get(key, 0) for key in CALL_OUTCOMES},
        "per_office": sorted(per_office.values(), key=lambda o: -o["total"]),
        "per_district": sorted(per_district.items(), key=lambda kv: (-kv[1], kv[0])),
        "failures": failures,
        "stories": stories,
    }


def retry_failures(
    session: Session, organization_id: int, campaign_id: int
) -> tuple[list[int], list[int]]:
    """The organization's retry button: failed letters back to `queued` and confirmation
    emails due now. Returns (letter ids, constituent ids) to enqueue.

    A letter whose last attempt handed the message to the server with no answer
    (outcome `unknown`) is left alone: sending it again could deliver it twice.
    """
    campaign = campaign_for_org(session, organization_id, campaign_id)
    failed = session.scalars(
        select(Letter).where(
            Letter.organization_id == organization_id,
            Letter.campaign_id == campaign.id,
            Letter.state == "failed",
        )
    ).all()
    now = utcnow()
    letter_ids = []
    for letter in failed:
        last = session.scalars(
            select(DeliveryAttempt.outcome)
            .where(DeliveryAttempt.letter_id == letter.id)
            .order_by(DeliveryAttempt.id.desc())
            .limit(1)
        ).first()
        if last == "unknown":
            continue
        letter.state, letter.attempts, letter.smtp_phase = "queued", 0, None
        letter.queued_at = letter.updated_at = now
        letter_ids.append(letter.id)
    people = session.scalars(
        select(Constituent).where(
            Constituent.organization_id == organization_id,
            Constituent.campaign_id == campaign.id,
            Constituent.confirmation_sent_at.is_(None),
            Constituent.confirmation_attempts > 0,
        )
    ).all()
    for person in people:
        person.confirmation_retry_at = now
    session.commit()
    return letter_ids, [person.id for person in people]
