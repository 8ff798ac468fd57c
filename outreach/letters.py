"""Constituent submissions: a campaign form becomes draft letters, confirmed by email.

The flow: a constituent submits the campaign form -> `submit` writes the Constituent
and one draft Letter per targeted legislator in one transaction -> a confirmation
email carries signed links (`outreach.constituents.link_token`) -> `confirm` moves the
drafts to `queued` (through `confirmed`) in one transaction -> `outreach.jobs.send_letter`
delivers each. Templates and campaigns are `outreach.campaigns`.
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.channels import CWC_PREFIXES, channel_for
from outreach.compose import (
    compose,
    letter_values,
    version_source,
)
from outreach.delivery import WORKER_CHANNELS
from outreach.geocode import DistrictMatch
from outreach.models import (
    Campaign,
    Constituent,
    Letter,
)
from outreach.targeting import plan
from tracker.config import Settings
from tracker.errors import InvalidInput
from tracker.mailbox import normalize_email
from tracker.models import Organization, utcnow
from tracker.phrases import Phrase

LIMITS = {"name": 200, "email": 254, "address": 300, "city": 120, "message": 5000, "story": 5000}
EMAIL_RE = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")


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
                raise InvalidInput(
                    Phrase(
                        "%(field)s is too long (at most %(limit)s characters)",
                        field=key,
                        limit=LIMITS[key],
                    )
                )
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
    day = settings.today() if settings else None  # the day the page showed its offices for
    targeting = plan(session, campaign, where.division_ids, where.state, day=day)
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
