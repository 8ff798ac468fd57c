"""Campaigns and letters: templates with versions, submissions, confirmation, results.

The flow: a constituent submits the campaign form -> `submit` writes the Constituent
and one draft Letter per targeted legislator in one transaction -> a confirmation
email carries signed links -> `confirm` moves the drafts to `queued` (through
`confirmed`) in one transaction -> `outreach.jobs.send_letter` delivers each.
Signed links (itsdangerous) carry the constituent id and a per-person nonce;
deleting the person's data or rotating the nonce revokes them.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from outreach import templates as tpl
from outreach.geocode import DistrictMatch
from outreach.models import (
    Campaign,
    Constituent,
    Letter,
    LetterTemplate,
    TemplateVersion,
)
from outreach.targeting import legislator_fields, targets
from tracker.errors import InvalidInput, NotFound
from tracker.mailbox import normalize_email
from tracker.models import Bill, Legislator, Organization, User, utcnow

LIMITS = {"name": 200, "email": 254, "address": 300, "city": 120, "message": 5000, "story": 5000}
EMAIL_RE = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")
CONFIRM_MAX_AGE = 14 * 24 * 3600  # confirmation links work for two weeks
DATA_MAX_AGE = 365 * 24 * 3600  # data links for a year


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


def get_template(session: Session, organization_id: int, template_id: int) -> LetterTemplate:
    """A template of this organization, or NotFound."""
    template = session.scalars(
        select(LetterTemplate).where(
            LetterTemplate.id == template_id, LetterTemplate.organization_id == organization_id
        )
    ).first()
    if template is None:
        raise NotFound("no such template")
    return template


def version_source(version: TemplateVersion) -> tpl.TemplateSource:
    """A stored version as a TemplateSource."""
    return tpl.TemplateSource(body=version.body, subject=version.subject)


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


def bill_fields(bill: Bill | None) -> dict[str, str]:
    """The `bill` merge fields."""
    if bill is None:
        return {}
    return {
        "identifier": bill.identifier,
        "title": bill.title,
        "status": bill.status.replace("_", " "),
        "url": bill.url or "",
    }


# --- submissions ---------------------------------------------------------------------------


@dataclass
class Submission:
    """What a constituent typed on the campaign page."""

    name: str
    email: str
    address: str
    message: str = ""
    story: str = ""
    consent_send: bool = False
    consent_contact: bool = False
    consent_quote: bool = False

    def cleaned(self) -> Submission:
        """Trimmed and validated; raises InvalidInput naming the field."""
        values = {
            "name": " ".join(self.name.split()),
            "email": self.email.strip().lower(),
            "address": " ".join(self.address.split()),
            "message": self.message.replace("\r\n", "\n").strip(),
            "story": self.story.replace("\r\n", "\n").strip(),
        }
        for key, value in values.items():
            if len(value) > LIMITS[key]:
                raise InvalidInput(f"{key} is too long (at most {LIMITS[key]} characters)")
        if not values["name"]:
            raise InvalidInput("name is required")
        if not EMAIL_RE.match(values["email"]):
            raise InvalidInput("enter a valid email address")
        if not self.consent_send:
            raise InvalidInput("tick 'send this letter on my behalf' to continue")
        return Submission(
            **values,
            consent_send=True,
            consent_contact=bool(self.consent_contact),
            consent_quote=bool(self.consent_quote),
        )


def offices_already_written(session: Session, campaign: Campaign, email: str) -> set[int]:
    """Legislators this mailbox (any +tag or Gmail dots) already has a letter to here."""
    key = normalize_email(email)
    rows = session.execute(
        select(Letter.legislator_id, Constituent.email)
        .join(Constituent, Constituent.id == Letter.constituent_id)
        .where(Letter.campaign_id == campaign.id)
    )
    return {legislator_id for legislator_id, address in rows if normalize_email(address) == key}


def submit(
    session: Session, campaign: Campaign, submission: Submission, where: DistrictMatch
) -> Constituent:
    """Record a constituent and one draft letter per targeted legislator (one transaction)."""
    data = submission.cleaned()
    chosen = targets(session, campaign, where.division_ids, where.state)
    if not chosen:
        raise InvalidInput(
            "this campaign has no letters for your districts; check your address or districts"
        )
    already = offices_already_written(session, campaign, data.email)
    chosen = [legislator for legislator in chosen if legislator.id not in already]
    if not chosen:
        raise InvalidInput(
            "you have already written to every office in this campaign; look for the "
            "confirmation email we sent you"
        )
    constituent = Constituent(
        organization_id=campaign.organization_id,
        campaign_id=campaign.id,
        name=data.name,
        email=data.email,
        address=data.address,
        city=where.city,
        state=where.state,
        zip=where.zip,
        division_ids=list(where.division_ids),
        geocode_source=where.source,
        message=data.message or campaign.editable_default,
        story=data.story,
        consent_send=True,
        consent_contact=data.consent_contact,
        consent_quote=data.consent_quote,
        link_nonce=secrets.token_hex(16),
    )
    session.add(constituent)
    version = campaign.template.current
    source = version_source(version)
    organization = session.get(Organization, campaign.organization_id)
    for legislator in chosen:
        rendered = tpl.render(
            source, letter_values(constituent, legislator, campaign, organization)
        )
        email = (legislator.email or "").strip()
        by_email = bool(EMAIL_RE.match(email))
        constituent.letters.append(
            Letter(
                organization_id=campaign.organization_id,
                campaign_id=campaign.id,
                legislator_id=legislator.id,
                template_version_id=version.id,
                subject=rendered.subject[:300] or campaign.title[:300],
                body=rendered.body,
                delivery="email" if by_email else "print",
                recipient=email if by_email else None,
                state="draft",
                idempotency_key=uuid.uuid4().hex,
            )
        )
    session.commit()
    return constituent


def letter_values(
    constituent: Constituent,
    legislator: Legislator,
    campaign: Campaign,
    organization: Organization | None,
) -> dict[str, dict[str, Any]]:
    """Every merge field for one letter."""
    return {
        "constituent": {
            "name": constituent.name,
            "first_name": constituent.name.split()[0] if constituent.name else "",
            "city": constituent.city,
            "state": constituent.state.upper(),
            "story": constituent.story,
            "message": constituent.message,
        },
        "legislator": legislator_fields(legislator),
        "bill": bill_fields(campaign.bill),
        "organization": {"name": organization.name if organization else ""},
    }


def confirm(session: Session, constituent: Constituent) -> list[int]:
    """Confirm a constituent's draft letters: draft -> confirmed -> queued, one transaction.

    Returns the ids of email letters to enqueue (print letters wait for a print batch).
    Confirming twice changes nothing and returns no ids.
    """
    now = utcnow()
    to_send = []
    if constituent.confirmed_at is None:
        constituent.confirmed_at = now
    for letter in constituent.letters:
        if letter.state != "draft":
            continue
        letter.state = "confirmed"
        letter.confirmed_at = now
        letter.state = "queued"
        letter.queued_at = now
        letter.updated_at = now
        if letter.delivery == "email":
            to_send.append(letter.id)
    session.commit()
    return to_send


# --- signed links, data export and deletion ----------------------------------------------


def _serializer(secret_key: str, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=f"outreach-{purpose}")


def link_token(secret_key: str, constituent: Constituent, purpose: str) -> str:
    """A signed token for a confirmation (`confirm`) or data (`data`) link."""
    return _serializer(secret_key, purpose).dumps(
        {"c": constituent.id, "n": constituent.link_nonce}
    )


def constituent_from_token(
    session: Session, secret_key: str, token: str, purpose: str
) -> Constituent:
    """The constituent a signed link names; NotFound when invalid, expired or revoked."""
    max_age = CONFIRM_MAX_AGE if purpose == "confirm" else DATA_MAX_AGE
    try:
        data = _serializer(secret_key, purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise NotFound("this link has expired") from exc
    except BadSignature as exc:
        raise NotFound("this link is not valid") from exc
    constituent = session.get(Constituent, data.get("c")) if isinstance(data, dict) else None
    if constituent is None or not secrets.compare_digest(
        constituent.link_nonce, str(data.get("n"))
    ):
        raise NotFound("this link is no longer valid (the data may have been deleted)")
    return constituent


def export_data(constituent: Constituent) -> dict[str, Any]:
    """Everything stored about a constituent, as JSON-ready data."""
    return {
        "campaign": constituent.campaign.title,
        "organization": constituent.campaign.organization.name,
        "name": constituent.name,
        "email": constituent.email,
        "address": constituent.address,
        "city": constituent.city,
        "state": constituent.state,
        "zip": constituent.zip,
        "districts": list(constituent.division_ids or []),
        "message": constituent.message,
        "story": constituent.story,
        "consents": {
            "send_on_my_behalf": constituent.consent_send,
            "organization_may_contact_me": constituent.consent_contact,
            "story_may_be_quoted": constituent.consent_quote,
        },
        "created_at": constituent.created_at.isoformat(),
        "confirmed_at": constituent.confirmed_at.isoformat() if constituent.confirmed_at else None,
        "letters": [
            {
                "to": letter.legislator.name,
                "subject": letter.subject,
                "body": letter.body,
                "delivery": letter.delivery,
                "state": letter.state,
                "sent_at": letter.sent_at.isoformat() if letter.sent_at else None,
            }
            for letter in constituent.letters
        ],
    }


def delete_data(session: Session, constituent: Constituent) -> int:
    """Delete a constituent and their letters; letters not yet sent are never sent."""
    count = len(constituent.letters)
    session.delete(constituent)
    session.commit()
    return count


# --- results -------------------------------------------------------------------------------


def campaign_for_org(session: Session, organization_id: int, campaign_id: int) -> Campaign:
    """A campaign of this organization, or NotFound."""
    campaign = session.scalars(
        select(Campaign).where(
            Campaign.id == campaign_id, Campaign.organization_id == organization_id
        )
    ).first()
    if campaign is None:
        raise NotFound("no such campaign")
    return campaign


def campaign_results(session: Session, organization_id: int, campaign_id: int) -> dict[str, Any]:
    """Letters per office and per district, states, failures, and quotable stories."""
    campaign = campaign_for_org(session, organization_id, campaign_id)
    rows = session.execute(
        select(Letter.state, Letter.delivery, Legislator)
        .join(Legislator, Letter.legislator_id == Legislator.id)
        .where(Letter.organization_id == organization_id, Letter.campaign_id == campaign.id)
    ).all()
    per_office: dict[int, dict[str, Any]] = {}
    per_district: Counter[str] = Counter()
    states: Counter[str] = Counter()
    for state, delivery, legislator in rows:
        states[state] += 1
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
    return {
        "campaign": campaign,
        "constituents": constituents,
        "states": dict(states),
        "per_office": sorted(per_office.values(), key=lambda o: -o["total"]),
        "per_district": sorted(per_district.items(), key=lambda kv: (-kv[1], kv[0])),
        "failures": failures,
        "stories": stories,
    }
