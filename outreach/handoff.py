"""Letters a person completes: the office's web contact form, and phone calls.

No job claims these. A web-form letter is `queued` after confirmation; opening the
form through the status page records an `opened` attempt, and "I sent it" marks it
`sent` (outcome `handed-off`): the service cannot see the office's form, so the record
says exactly that the constituent reports sending it. A call letter records what the
caller reports: `reached` (spoke to staff) or `voicemail` finish it; `busy` is
recorded and the call stays open to try again. Each step is idempotent.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from outreach.models import Constituent, DeliveryAttempt, Letter
from tracker.errors import InvalidInput, NotFound
from tracker.models import Legislator, utcnow

CALL_OUTCOMES = {
    "reached": "reached staff",
    "voicemail": "left a voicemail",
    "busy": "busy or no answer",
}


def own_letter(constituent: Constituent, letter_id: int, channel: str) -> Letter:
    """One of this constituent's letters on `channel`, or NotFound."""
    for letter in constituent.letters:
        if letter.id == letter_id and letter.delivery == channel:
            return letter
    raise NotFound("no such letter")


def _log(session: Session, letter: Letter, outcome: str, detail: str) -> None:
    now = utcnow()
    session.add(
        DeliveryAttempt(
            letter_id=letter.id, outcome=outcome, detail=detail, finished_at=now, worker="person"
        )
    )
    letter.updated_at = now


def form_opened(session: Session, letter: Letter) -> str:
    """Record that the constituent opened the office's form; returns its URL."""
    if letter.state == "draft":
        raise InvalidInput("confirm your letters first (see the email we sent)")
    _log(session, letter, "opened", f"contact form opened: {letter.recipient}")
    session.commit()
    return letter.recipient or ""


def form_sent(session: Session, letter: Letter) -> None:
    """The constituent reports sending the form: the letter is `sent` (handed off)."""
    if letter.state == "draft":
        raise InvalidInput("confirm your letters first (see the email we sent)")
    if letter.state == "sent":
        return
    _log(session, letter, "handed-off", "the constituent reports sending the office's form")
    letter.state, letter.sent_at = "sent", utcnow()
    session.commit()


def record_call(session: Session, letter: Letter, outcome: str) -> None:
    """What a caller reports; reached and voicemail finish the call, busy keeps it open."""
    if outcome not in CALL_OUTCOMES:
        raise InvalidInput(f"call outcome must be one of {', '.join(CALL_OUTCOMES)}")
    if letter.state == "draft":
        raise InvalidInput("confirm first (see the email we sent)")
    if letter.state == "sent":
        return
    _log(session, letter, "call", CALL_OUTCOMES[outcome])
    letter.call_outcome = outcome
    if outcome in ("reached", "voicemail"):
        letter.state, letter.sent_at = "sent", utcnow()
    session.commit()


def office_phones(legislator: Legislator) -> list[dict[str, Any]]:
    """The office's phone numbers, DC (capitol) first, then district offices."""
    rows = []
    for office in legislator.offices or []:
        phone = (office.get("phone") or "").strip()
        if not phone:
            continue
        kind = office.get("classification") or "office"
        label = (
            ("Washington, DC office" if legislator.jurisdiction_id == "us" else "Capitol office")
            if kind == "capitol"
            else "District office"
        )
        rows.append({"label": label, "phone": phone, "address": office.get("address") or ""})
    for phone in legislator.phones or []:
        if phone and all(phone != r["phone"] for r in rows):
            rows.append({"label": "Office", "phone": phone, "address": ""})
    return sorted(rows, key=lambda r: r["label"] in ("District office", "Office"))
