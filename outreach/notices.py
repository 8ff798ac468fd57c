"""Emails to constituents: the confirmation with its confirm and my-data links."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from outreach.letters import link_token
from outreach.models import Constituent
from tracker.config import Settings
from tracker.mail import send_plain_email
from tracker.mailbox import GMAIL_DOMAINS, normalize_email
from tracker.models import utcnow

MAX_CONFIRMATIONS_PER_HOUR = 3  # per mailbox (tracker.mailbox.normalize_email)


def confirmations_last_hour(session: Session, email: str) -> int:
    """Confirmation emails sent to this mailbox (any +tag or Gmail dots) in the last hour."""
    key = normalize_email(email)
    domain = email.rpartition("@")[2].lower()
    domains = GMAIL_DOMAINS if domain in GMAIL_DOMAINS else (domain,)
    since = utcnow() - timedelta(hours=1)
    addresses = session.scalars(
        select(Constituent.email).where(
            Constituent.confirmation_sent_at >= since,
            or_(*(func.lower(Constituent.email).like(f"%@{d}") for d in domains)),
        )
    )
    return sum(1 for address in addresses if normalize_email(address) == key)


CONFIRMATION_TEXT = """Hello {name},

You asked {organization} to send {count} letter(s) on your behalf for the campaign
"{campaign}":

{recipients}

Nothing has been sent yet. To review and send your letter(s), open:

  {confirm_url}

If you did not ask for this, ignore this email and nothing will be sent.

See, download or delete everything you entered:

  {data_url}

If you are in crisis, call or text 988 (Suicide & Crisis Lifeline) any time.
"""


def confirm_url(settings: Settings, constituent: Constituent) -> str:
    """The link that confirms (the page shows the letters and a Send button)."""
    token = link_token(settings.secret_key, constituent, "confirm")
    return f"{settings.base_url}/act/confirm/{token}"


def data_url(settings: Settings, constituent: Constituent) -> str:
    """The link to see, download or delete a constituent's data."""
    token = link_token(settings.secret_key, constituent, "data")
    return f"{settings.base_url}/act/my-data/{token}"


def unsent_confirmations(session: Session, stale_seconds: int, max_age_days: int = 2) -> list[int]:
    """Constituents whose confirmation email was never sent (a lost job), not too old."""
    from datetime import timedelta

    from sqlalchemy import select

    now = utcnow()
    return list(
        session.scalars(
            select(Constituent.id).where(
                Constituent.confirmation_sent_at.is_(None),
                Constituent.confirmed_at.is_(None),
                Constituent.created_at < now - timedelta(seconds=stale_seconds),
                Constituent.created_at > now - timedelta(days=max_age_days),
            )
        ).all()
    )


def send_confirmation_email(
    session: Session, settings: Settings, constituent_id: int
) -> dict[str, object]:
    """Send the confirmation email once; a deleted constituent is skipped."""
    constituent = session.get(Constituent, constituent_id)
    if constituent is None:
        return {"constituent": constituent_id, "outcome": "skipped", "reason": "deleted"}
    if constituent.confirmation_sent_at is not None:
        return {"constituent": constituent_id, "outcome": "skipped", "reason": "already sent"}
    if confirmations_last_hour(session, constituent.email) >= MAX_CONFIRMATIONS_PER_HOUR:
        # Nobody gets mail-bombed through the public form; the letters wait as drafts.
        return {"constituent": constituent_id, "outcome": "skipped", "reason": "hourly cap"}
    recipients = "\n".join(
        f"  - {letter.legislator.name} ({letter.delivery})" for letter in constituent.letters
    )
    body = CONFIRMATION_TEXT.format(
        name=constituent.name,
        organization=constituent.campaign.organization.name,
        count=len(constituent.letters),
        campaign=constituent.campaign.title,
        recipients=recipients,
        confirm_url=confirm_url(settings, constituent),
        data_url=data_url(settings, constituent),
    )
    message_id = send_plain_email(
        settings,
        constituent.email,
        f"Confirm your letter: {constituent.campaign.title}"[:200],
        body,
    )
    constituent.confirmation_sent_at = utcnow()
    session.commit()
    return {"constituent": constituent_id, "outcome": "sent", "message_id": message_id}
