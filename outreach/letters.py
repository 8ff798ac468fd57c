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
from outreach.channels import CWC_PREFIXES, channel_for
from outreach.compose import (  # noqa: F401 - re-exported: letters.bill_fields etc.
    bill_fields,
    compose,
    letter_values,
    version_source,
)
from outreach.delivery import WORKER_CHANNELS
from outreach.geocode import DistrictMatch
from outreach.handoff import CALL_OUTCOMES, office_phones
from outreach.models import (
    Campaign,
    Constituent,
    Letter,
    LetterTemplate,
    TemplateVersion,
)
from outreach.targeting import TARGET_MODES, legislator_fields, plan
from tracker.config import Settings
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
    prefix: str = ""  # Mr., Ms., Mx., Dr. ...: CWC requires one
    language: str = "en"  # the page's language; the confirmation email follows it

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
        if self.prefix and self.prefix not in CWC_PREFIXES:
            raise InvalidInput(f"title must be one of {', '.join(CWC_PREFIXES)}")
        return Submission(
            **values,
            prefix=self.prefix,
            language=self.language if self.language in ("en", "es") else "en",
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
    session: Session,
    campaign: Campaign,
    submission: Submission,
    where: DistrictMatch,
    settings: Settings | None = None,
) -> Constituent:
    """Record a constituent and one draft letter per targeted legislator (one transaction);
    each letter's channel follows the office's data (`outreach.channels`)."""
    data = submission.cleaned()
    targeting = plan(session, campaign, where.division_ids, where.state)
    chosen = targeting.legislators
    if not chosen:
        raise InvalidInput(
            targeting.out_of_state
            or "this campaign has no letters for your districts; check your address or districts"
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
        prefix=data.prefix,
        language=data.language,
        link_nonce=secrets.token_hex(16),
    )
    session.add(constituent)
    version = campaign.template.current
    source = version_source(version, campaign)
    organization = session.get(Organization, campaign.organization_id)
    for legislator in chosen:
        rendered = compose(source, letter_values(constituent, legislator, campaign, organization))
        channel, recipient = channel_for(legislator, campaign, constituent, settings)
        constituent.letters.append(
            Letter(
                organization_id=campaign.organization_id,
                campaign_id=campaign.id,
                legislator_id=legislator.id,
                template_version_id=version.id,
                subject=rendered.subject[:300] or campaign.title[:300],
                body=rendered.body,
                delivery=channel,
                recipient=recipient,
                state="draft",
                idempotency_key=uuid.uuid4().hex,
            )
        )
    session.commit()
    return constituent


def confirm(session: Session, constituent: Constituent) -> list[int]:
    """Confirm a constituent's draft letters: draft -> confirmed -> queued, one transaction.

    Returns the ids of letters a worker sends (email, CWC); print letters wait for a print
    batch, web-form and call letters for the constituent.
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
        if letter.delivery in WORKER_CHANNELS:
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


CHANNEL_NAMES = {
    "email": "email to the office",
    "print": "printed and hand-delivered by the organization",
    "cwc": "the House/Senate Communicating with Congress service",
    "form": "the office's web contact form (you complete it)",
    "call": "a phone call (you make it)",
}
STATE_NAMES = {
    "draft": "waiting for you to confirm by email",
    "confirmed": "confirmed",
    "queued": "confirmed, waiting to be sent",
    "sending": "being sent",
    "sent": "delivered",
    "failed": "could not be delivered",
}


def call_script(letter: Letter) -> str:
    """A short script from the rendered letter: who is calling, the ask, thanks.

    The letter's salutation names the office; the script keeps the two paragraphs after
    it (the ask and why) and ends with the caller's name and city.
    """
    paragraphs = [p.strip() for p in letter.body.split("\n\n") if p.strip()]
    office = paragraphs[0].removeprefix("Dear ").rstrip(",") if paragraphs else "the"
    person = letter.constituent
    where = f", from {person.city}" if person.city else ""
    return "\n\n".join(
        [
            f"Hello, I am a constituent calling {office}'s office. My name is "
            f"{person.name}{where}.",
            *paragraphs[1:3],
            "Thank you for passing this on.",
        ]
    )


def letter_statuses(constituent: Constituent) -> list[dict[str, Any]]:
    """Each letter as the constituent's status page shows it: to whom, how, what state."""
    rows = []
    for letter in constituent.letters:
        state = letter.state
        shown = STATE_NAMES.get(state, state)
        if letter.delivery == "print" and state == "queued":
            shown = "confirmed, waiting for the next print batch"
        if letter.delivery == "form" and state == "queued":
            shown = "waiting for you to send the office's form"
        if letter.delivery == "call" and state == "queued":
            shown = "waiting for your call" + (
                " (last try: busy)" if letter.call_outcome == "busy" else ""
            )
        rows.append(
            {
                "id": letter.id,
                "legislator": letter.legislator,
                "body": letter.body,
                "recipient": letter.recipient,
                "call_outcome": letter.call_outcome,
                "phones": office_phones(letter.legislator) if letter.delivery == "call" else [],
                "script": call_script(letter) if letter.delivery == "call" else "",
                "to": letter.legislator.name,
                "title": legislator_fields(letter.legislator)["title"],
                "channel": letter.delivery,
                "channel_name": CHANNEL_NAMES.get(letter.delivery, letter.delivery),
                "state": state,
                "state_name": shown,
                "sent_at": letter.sent_at,
            }
        )
    return rows


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
    from outreach.models import DeliveryAttempt

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
