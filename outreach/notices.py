"""Emails to constituents: the confirmation with its confirm and my-data links.

A confirmation that cannot be sent (SMTP down) is not lost and not hidden: the
constituent row records the attempt, the error and when to try next
(`RETRY_BACKOFF`), the person's status page says so, and the reconciler (or a visit
to the status page once the wait is over) tries again. Sending is once: a
confirmation already sent is skipped.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from outreach.constituents import link_token
from outreach.models import Constituent
from tracker.config import Settings
from tracker.errors import SourceUnavailable
from tracker.mail import send_plain_email
from tracker.mailbox import GMAIL_DOMAINS, normalize_email
from tracker.models import utcnow

# Seconds to wait before each further try; the last interval repeats.
RETRY_BACKOFF = (60, 300, 900, 3600)
MAX_CONFIRMATION_AGE_DAYS = 2
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


CONFIRMATION_TEXT_ES = """Hola, {name}:

Usted pidió a {organization} enviar {count} carta(s) en su nombre para la campaña
"{campaign}":

{recipients}

Todavía no se ha enviado nada. Para revisar y enviar su(s) carta(s), abra:

  {confirm_url}

Si usted no lo pidió, ignore este correo y no se enviará nada.

Vea, descargue o borre todo lo que escribió:

  {data_url}

Si está en crisis, llame o envíe un texto al 988 (Línea de Prevención del Suicidio y
Crisis) a cualquier hora.
"""
CONFIRMATION = {
    "en": (CONFIRMATION_TEXT, "Confirm your letter: {title}"),
    "es": (CONFIRMATION_TEXT_ES, "Confirme su carta: {title}"),
}


def confirm_url(settings: Settings, constituent: Constituent) -> str:
    """The link that confirms (the page shows the letters and a Send button)."""
    token = link_token(settings.secret_key, constituent, "confirm")
    return f"{settings.base_url}/act/confirm/{token}"


def data_url(settings: Settings, constituent: Constituent) -> str:
    """The link to see, download or delete a constituent's data."""
    token = link_token(settings.secret_key, constituent, "data")
    return f"{settings.base_url}/act/my-data/{token}"


def unsent_confirmations(
    session: Session, stale_seconds: int, max_age_days: int = MAX_CONFIRMATION_AGE_DAYS
) -> list[int]:
    """Constituents whose confirmation email is due: a failed try whose wait is over, or
    a lost job (never tried, older than `stale_seconds`); not older than `max_age_days`."""
    from sqlalchemy import and_, or_, select

    now = utcnow()
    return list(
        session.scalars(
            select(Constituent.id).where(
                Constituent.confirmation_sent_at.is_(None),
                Constituent.confirmed_at.is_(None),
                Constituent.created_at > now - timedelta(days=max_age_days),
                or_(
                    Constituent.confirmation_retry_at <= now,
                    and_(
                        Constituent.confirmation_retry_at.is_(None),
                        Constituent.created_at < now - timedelta(seconds=stale_seconds),
                    ),
                ),
            )
        ).all()
    )


def confirmation_state(constituent: Constituent) -> str:
    """sent | retrying (a try failed; another is scheduled) | pending (not tried yet)."""
    if constituent.confirmation_sent_at is not None:
        return "sent"
    if constituent.confirmation_attempts:
        return "retrying"
    return "pending"


def confirmation_due(constituent: Constituent) -> bool:
    """A failed confirmation whose backoff wait is over (the status page may retry it)."""
    return (
        constituent.confirmation_sent_at is None
        and constituent.confirmation_retry_at is not None
        and constituent.confirmation_retry_at <= utcnow()
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
    text, subject = CONFIRMATION.get(constituent.language or "en", CONFIRMATION["en"])
    title = (constituent.campaign.translations or {}).get(constituent.language or "en", {}).get(
        "title"
    ) or constituent.campaign.title
    body = text.format(
        name=constituent.name,
        organization=constituent.campaign.organization.name,
        count=len(constituent.letters),
        campaign=title,
        recipients=recipients,
        confirm_url=confirm_url(settings, constituent),
        data_url=data_url(settings, constituent),
    )
    try:
        message_id = send_plain_email(
            settings,
            constituent.email,
            subject.format(title=title)[:200],
            body,
        )
    except SourceUnavailable as exc:
        # Record the failure where the person and the organization can see it, then
        # raise so the job runner records it too (RQ retries with its own backoff).
        attempts = (constituent.confirmation_attempts or 0) + 1
        wait = RETRY_BACKOFF[min(attempts, len(RETRY_BACKOFF)) - 1]
        constituent.confirmation_attempts = attempts
        constituent.confirmation_error = str(exc)[:2000]
        constituent.confirmation_retry_at = utcnow() + timedelta(seconds=wait)
        session.commit()
        raise
    constituent.confirmation_sent_at = utcnow()
    constituent.confirmation_error = None
    constituent.confirmation_retry_at = None
    session.commit()
    return {"constituent": constituent_id, "outcome": "sent", "message_id": message_id}
