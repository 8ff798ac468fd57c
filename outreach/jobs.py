"""Outreach jobs on the `outreach` queue. Arguments are ids; each builds what it needs.

- send_letter(letter_id): deliver one letter exactly once (see outreach.delivery).
- send_confirmation(constituent_id): email the confirm / my-data links.
- reconcile(): re-enqueue letters stranded by lost jobs or dead workers.
- send_follow_up_reminders(): remind assignees of follow-ups due soon.

Schedule `reconcile` and `send_follow_up_reminders` every few minutes / daily
(cron calling `tracker outreach reconcile` and `tracker meetings remind`, or an
RQ scheduler); see docs/outreach.md.
"""

from __future__ import annotations

from tracker.db import session_scope
from tracker.jobs import enqueue, job_settings

QUEUE = "outreach"
SEND_TIMEOUT = 120  # seconds; an SMTP send that takes longer is stuck


def enqueue_letter(settings, letter_id: int):  # noqa: ANN001, ANN201
    """Put one send_letter job on the outreach queue (retries with backoff)."""
    return enqueue(
        settings,
        "outreach.jobs.send_letter",
        letter_id,
        queue=QUEUE,
        job_timeout=SEND_TIMEOUT,
        network=True,
    )


def send_letter(letter_id: int) -> dict:
    """Deliver one letter over SMTP unless another attempt already owns or finished it."""
    from outreach.delivery import deliver_letter

    settings = job_settings()
    with session_scope(settings) as session:
        return deliver_letter(session, settings, int(letter_id))


def send_confirmation(constituent_id: int) -> dict:
    """Email a constituent their confirmation and data links."""
    from outreach.notices import send_confirmation_email

    settings = job_settings()
    with session_scope(settings) as session:
        return send_confirmation_email(session, settings, int(constituent_id))


def reconcile(stale_seconds: int | None = None) -> dict:
    """Re-enqueue letters left in queued/sending past the timeout."""
    from outreach.delivery import STALE_SECONDS
    from outreach.delivery import reconcile as reconcile_letters

    settings = job_settings()
    with session_scope(settings) as session:
        return reconcile_letters(
            session,
            lambda letter_id: enqueue_letter(settings, letter_id),
            STALE_SECONDS if stale_seconds is None else int(stale_seconds),
        )


def send_follow_up_reminders() -> dict:
    """Email assignees about follow-ups due within a day (once per follow-up)."""
    from outreach.meetings import send_reminders

    settings = job_settings()
    with session_scope(settings) as session:
        return send_reminders(session, settings)
