"""Outreach jobs on the `outreach` queue. Arguments are ids; each builds what it needs.

- send_letter(letter_id): deliver one letter exactly once (see outreach.delivery).
- send_confirmation(constituent_id): email the confirm / my-data links.
- reconcile(): re-enqueue letters stranded by lost jobs or dead workers, and
  confirmation emails never sent.
- send_follow_up_reminders(): remind assignees of follow-ups due soon.

`reconcile` (every 5 minutes) and `send_follow_up_reminders` (daily) are on the schedule
in app/schedule.py (or cron `tracker outreach reconcile` / `tracker meetings remind`);
see docs/outreach.md.
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
        send_letter,
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


def enqueue_batch(settings, letter_ids: list[int]):  # noqa: ANN001, ANN201
    """Put one send_letters job for several letters on the outreach queue."""
    return enqueue(
        settings,
        send_letters,
        [int(i) for i in letter_ids],
        queue=QUEUE,
        job_timeout=SEND_TIMEOUT + 5 * len(letter_ids),
        network=True,
    )


def send_letters(letter_ids: list[int]) -> dict:
    """Deliver several letters (bulk re-enqueue, big campaigns): same claim per letter."""
    from outreach.delivery import deliver_batch

    settings = job_settings()
    with session_scope(settings) as session:
        return deliver_batch(session, settings, [int(i) for i in letter_ids])


def enqueue_confirmation(settings, constituent_id: int):  # noqa: ANN001, ANN201
    """Put the confirmation email on the outreach queue (retries with backoff)."""
    return enqueue(
        settings,
        send_confirmation,
        int(constituent_id),
        queue=QUEUE,
        job_timeout=SEND_TIMEOUT,
        network=True,
    )


def send_confirmation(constituent_id: int) -> dict:
    """Email a constituent their confirmation and data links."""
    from outreach.notices import send_confirmation_email

    settings = job_settings()
    with session_scope(settings) as session:
        return send_confirmation_email(session, settings, int(constituent_id))


def enqueue_hearing_alert(settings, alert_id: int):  # noqa: ANN001, ANN201
    """Put a hearing alert's emails on the outreach queue (retries resume where it stopped)."""
    return enqueue(
        settings,
        "outreach.jobs.send_hearing_alert",
        int(alert_id),
        queue=QUEUE,
        job_timeout=SEND_TIMEOUT * 10,
        network=True,
    )


def send_hearing_alert(alert_id: int) -> dict:
    """Email a hearing alert to the supporters not yet mailed."""
    from outreach.hearings import send_alert

    settings = job_settings()
    with session_scope(settings) as session:
        return send_alert(session, settings, int(alert_id))


RECONCILE_BATCH = 50  # letters per re-enqueued job


def _longest_send_job() -> int:
    return SEND_TIMEOUT + 5 * RECONCILE_BATCH


def reconcile(stale_seconds: int | None = None) -> dict:
    """Re-enqueue letters left in queued/sending past the timeout, in batches."""
    from outreach.delivery import STALE_SECONDS
    from outreach.delivery import reconcile as reconcile_letters
    from outreach.notices import unsent_confirmations

    settings = job_settings()
    stale = STALE_SECONDS if stale_seconds is None else int(stale_seconds)
    pending: list[int] = []
    with session_scope(settings) as session:
        summary = reconcile_letters(session, pending.append, stale)
        confirmations = unsent_confirmations(session, stale)
    for start in range(0, len(pending), RECONCILE_BATCH):
        enqueue_batch(settings, pending[start : start + RECONCILE_BATCH])
    for constituent_id in confirmations:
        enqueue_confirmation(settings, constituent_id)
    return {**summary, "confirmations": len(confirmations)}


def send_follow_up_reminders() -> dict:
    """Email assignees about follow-ups due within a day (once per follow-up)."""
    from outreach.meetings import send_reminders

    settings = job_settings()
    with session_scope(settings) as session:
        return send_reminders(session, settings)
