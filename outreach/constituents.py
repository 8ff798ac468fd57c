"""A constituent's own links and data: signed tokens, status, export and deletion.

Signed links (itsdangerous) carry the constituent id and a per-person nonce; deleting
the person's data or rotating the nonce revokes them. `letter_statuses` and
`call_script` are what the constituent's status page shows; `export_data` and
`delete_data` are their data rights.
"""

from __future__ import annotations

import secrets
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from outreach.handoff import office_phones
from outreach.models import (
    Constituent,
    Letter,
)
from outreach.targeting import legislator_fields
from tracker.errors import NotFound

CONFIRM_MAX_AGE = 14 * 24 * 3600  # confirmation links work for two weeks
DATA_MAX_AGE = 365 * 24 * 3600  # data links for a year


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
