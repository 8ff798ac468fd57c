"""Delivery: send each letter over SMTP exactly once; print batches for hand delivery.

How a letter is never sent twice:

1. *Claim.* One conditional UPDATE moves the letter `queued -> sending` and records
   the attempt's start, so two jobs for the same letter (a retry, a re-enqueue by the
   reconciler) cannot both own it. The Message-ID is derived from the letter's
   idempotency key, so every attempt carries the same id.
2. *Phases.* The claim sets `smtp_phase` to `connect`. MAIL, RCPT, DATA and the whole
   message go out; only then, just before the final dot (the one line after which the
   server may accept the message; a connection lost before it aborts the transaction),
   the phase becomes `data` and is committed, and the result is committed as soon as
   the server replies. A worker that dies before the mark (killed, crashed, connection
   lost) leaves a letter that is safe to send again. Between the mark and the recorded
   reply the outcome is unknown: that window is the server's handling of the dot plus
   one commit, and no SMTP client can close it (the server may have accepted a message
   whose reply never arrived).
3. *Reconcile.* `reconcile` re-enqueues letters left in `queued` (Redis flushed,
   jobs lost) or in `sending` before DATA past a timeout. A letter stuck in `sending`
   at DATA is never resent automatically: it becomes `failed` with "outcome unknown",
   shown on the results page, because sending it again could duplicate it.

Per-office daily caps: before claiming, letters already sent to the same office today
are counted; at the cap the letter stays `queued` with `not_before` set to the next
UTC midnight, and the reconciler picks it up then.
"""

from __future__ import annotations

import binascii
import io
import os
import re
import smtplib
import socket
import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.header import Header
from email.utils import format_datetime, formataddr, parseaddr
from functools import lru_cache

from sqlalchemy import Connection, and_, bindparam, func, insert, literal, or_, select, update
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from outreach.models import Bounce, Campaign, DeliveryAttempt, Letter
from tracker.cells import neutralize, safe_csv_writer
from tracker.config import Settings
from tracker.errors import NotFound, SourceUnavailable
from tracker.mail import close as _quit
from tracker.mail import smtp_connection
from tracker.models import Legislator, Organization, utcnow

# Channels a worker delivers (email over SMTP, CWC over HTTP); the others (print, web
# form, call) are completed by a person and recorded, never claimed by a job.
WORKER_CHANNELS = ("email", "cwc")
STALE_SECONDS = 15 * 60  # a queued/sending letter untouched this long is reconciled
# A send job cannot outlive its RQ job_timeout (the work horse is killed), and no send
# job's timeout reaches this (outreach.jobs checks), so a letter claimed more recently may
# still be held by a live worker: nothing -- no flag -- resets it before then.
MIN_STALE_SECONDS = 10 * 60
MAX_ATTEMPTS = 5


def message_id_for(settings: Settings, idempotency_key: str) -> str:
    """The Message-ID every attempt of a letter uses."""
    return f"<letter-{idempotency_key}@{_mail_domain(settings)}>"


@lru_cache(maxsize=8)
def _sender(mail_from: str) -> tuple[str, str]:
    """(display name, address) of MAIL_FROM, parsed once (the parser is slow)."""
    return parseaddr(mail_from)


def _mail_domain(settings: Settings) -> str:
    return _sender(settings.mail_from)[1].rpartition("@")[2] or "localhost"


# Longer lines (and any non-ASCII text) travel quoted-printable, as the email package does.
MAX_LINE = 78
CRLF = "\r\n"
_SPACES = re.compile(r"\s+")
_NEWLINES = re.compile(r"\r\n|\r|\n")
_LEADING_DOT = re.compile(rb"(?m)^\.")
# Printable ASCII but < and >: it goes into RCPT TO:<...> as is.
_PLAIN_ADDRESS = re.compile(r"[!-;=?-~]+@[!-;=?-~]+")


def _header(name: str, value: str) -> str:
    """One header: RFC 2047 words, folded, unless it is short ASCII; no CR/LF gets in."""
    value = _SPACES.sub(" ", value).strip()
    if value.isascii() and len(name) + 2 + len(value) <= MAX_LINE:
        return f"{name}: {value}"
    charset = "us-ascii" if value.isascii() else "utf-8"
    return f"{name}: {Header(value, charset, header_name=name).encode(linesep=CRLF)}"


def _address(name: str, display: str, address: str) -> str:
    display = _SPACES.sub(" ", display).strip()
    return f"{name}: {formataddr((display, address), charset='utf-8')}"


def build_message(settings: Settings, letter: Letter, date: datetime | None = None) -> bytes:
    """The email for a letter as bytes for SMTP DATA: from the service, reply-to the
    constituent, plain text (7bit, or quoted-printable for long lines and non-ASCII).

    Written out directly instead of through `email.message.EmailMessage`, whose header
    registry parses back every header it is given: that was 40% of a worker's CPU per
    letter. tests/outreach/test_delivery.py parses the result with the email package.
    """
    constituent = letter.constituent
    sender_name, sender = _sender(settings.mail_from)
    lines = _NEWLINES.split(letter.body.rstrip("\r\n"))
    if letter.body.isascii() and all(len(line) <= MAX_LINE for line in lines):
        encoding, body = "7bit", CRLF.join(lines).encode("ascii")
    else:
        encoding = "quoted-printable"
        body = binascii.b2a_qp("\n".join(lines).encode("utf-8")).replace(b"\n", b"\r\n")
    head = CRLF.join(
        [
            _address("From", sender_name, sender),
            _address("To", letter.legislator.name, letter.recipient or ""),
            _address("Reply-To", constituent.name, constituent.email),
            _header("Subject", letter.subject),
            f"Message-ID: {letter.message_id or message_id_for(settings, letter.idempotency_key)}",
            f"Date: {format_datetime(date or datetime.now(UTC))}",
            f"X-Letter-Key: {letter.idempotency_key}",
            "Auto-Submitted: no",  # written and confirmed by a person
            "MIME-Version: 1.0",
            'Content-Type: text/plain; charset="utf-8"',
            f"Content-Transfer-Encoding: {encoding}",
        ]
    )
    return head.encode("ascii") + b"\r\n\r\n" + body + b"\r\n"


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _holder_is_dead(session: Session, letter_id: int) -> bool:
    """True only when the worker that claimed the letter provably exited: it ran on this
    host (`host:pid`) and that process is gone. Anything else counts as alive."""
    worker = session.scalars(
        select(DeliveryAttempt.worker)
        .where(DeliveryAttempt.letter_id == letter_id, DeliveryAttempt.outcome == "started")
        .order_by(DeliveryAttempt.id.desc())
        .limit(1)
    ).first()
    host, _, pid = (worker or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _next_midnight(now: datetime) -> datetime:
    return (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)


def sent_today(session: Session, organization_id: int, legislator_id: int, now: datetime) -> int:
    """Letters this organization sent (or is sending) to one office since UTC midnight."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    # Two range counts on (legislator_id, state, sent_at) instead of one OR: both are
    # index scans, so the check stays cheap when an office has thousands of letters.
    sent = session.scalar(
        select(func.count(Letter.id)).where(
            Letter.legislator_id == legislator_id,
            Letter.state == "sent",
            Letter.sent_at >= midnight,
            Letter.organization_id == organization_id,
        )
    )
    sending = session.scalar(
        select(func.count(Letter.id)).where(
            Letter.legislator_id == legislator_id,
            Letter.state == "sending",
            Letter.organization_id == organization_id,
        )
    )
    return sent + sending


def deliver_letter(
    session: Session, settings: Settings, letter_id: int, stale_seconds: int = STALE_SECONDS
) -> dict[str, object]:
    """Send one letter if it is this call's to send; returns what happened."""
    # One query for the letter and what the message needs (constituent, office).
    letter = session.get(
        Letter,
        letter_id,
        options=[joinedload(Letter.constituent), joinedload(Letter.legislator)],
        populate_existing=True,
    )
    if letter is None:
        return {"letter": letter_id, "outcome": "skipped", "reason": "letter deleted"}
    if letter.delivery not in WORKER_CHANNELS:
        return {"letter": letter_id, "outcome": "skipped", "reason": f"{letter.delivery} delivery"}
    now = utcnow()
    if letter.state == "queued" and letter.not_before and letter.not_before > now:
        return {"letter": letter_id, "outcome": "deferred", "until": letter.not_before.isoformat()}
    campaign = session.get(Campaign, letter.campaign_id)
    if letter.state == "queued":
        count = sent_today(session, letter.organization_id, letter.legislator_id, now)
        if count >= campaign.daily_cap_per_office:
            _defer(session, letter, campaign, now)
            session.commit()
            return {"letter": letter_id, "outcome": "deferred", "reason": "daily cap"}

    # Claim: queued, or sending-before-DATA left by a dead worker past the timeout.
    stale_before = now - timedelta(seconds=max(stale_seconds, MIN_STALE_SECONDS))
    attempts = _claim(session, settings, [letter], now, stale_before)
    if not attempts:
        session.refresh(letter)
        return {"letter": letter_id, "outcome": "skipped", "reason": f"state is {letter.state}"}
    return _send(session, settings, letter, attempts[letter.id])


def deliver_batch(
    session: Session, settings: Settings, letter_ids: list[int], stale_seconds: int = STALE_SECONDS
) -> dict[str, object]:
    """Deliver several letters over one connection, each still exactly once.

    The same rules as `deliver_letter`, with fewer round trips:

    - one query loads the batch; the daily cap is counted once per office;
    - one transaction claims every letter it can (one UPDATE: `queued -> sending`, phase
      `connect`) and records their attempts (one INSERT), so a worker killed mid-batch
      leaves claimed letters before DATA, which the reconciler hands back to the queue;
    - then per letter the two commits exactly-once needs: the `data` mark just before
      the message's final dot, the result right after the server's reply.

    A temporary failure of one letter does not stop the others; it is raised at the end
    (so RQ retries the batch; letters already sent are skipped by their claim).
    """
    outcomes: Counter[str] = Counter()
    failures: list[str] = []
    ids = list(dict.fromkeys(int(i) for i in letter_ids))
    now = utcnow()
    loaded = {
        letter.id: letter
        for letter in session.scalars(
            select(Letter)
            .where(Letter.id.in_(ids))
            .options(joinedload(Letter.constituent), joinedload(Letter.legislator))
            .execution_options(populate_existing=True)
        ).unique()
    }
    campaigns: dict[int, Campaign] = {}
    cap_left: dict[tuple[int, int], int] = {}
    candidates: list[Letter] = []
    for letter_id in ids:
        letter = loaded.get(letter_id)
        if letter is None or letter.delivery not in WORKER_CHANNELS:
            outcomes["skipped"] += 1
            continue
        if letter.state == "queued" and letter.not_before and letter.not_before > now:
            outcomes["deferred"] += 1
            continue
        if letter.state == "queued":
            campaign = campaigns.get(letter.campaign_id)
            if campaign is None:
                campaign = campaigns[letter.campaign_id] = session.get(Campaign, letter.campaign_id)
            office = (letter.organization_id, letter.legislator_id)
            if office not in cap_left:
                cap_left[office] = campaign.daily_cap_per_office - sent_today(
                    session, letter.organization_id, letter.legislator_id, now
                )
            if cap_left[office] <= 0:
                _defer(session, letter, campaign, now)
                outcomes["deferred"] += 1
                continue
            cap_left[office] -= 1
        candidates.append(letter)
    session.flush()

    stale_before = now - timedelta(seconds=max(stale_seconds, MIN_STALE_SECONDS))
    attempts = _claim(session, settings, candidates, now, stale_before)
    if len(attempts) < len(candidates):
        outcomes["skipped"] += len(candidates) - len(attempts)
    for letter in candidates:
        attempt = attempts.get(letter.id)
        if attempt is None:
            continue
        try:
            result = _send(session, settings, letter, attempt)
        except SourceUnavailable as exc:
            failures.append(str(exc))
            continue
        outcomes[str(result["outcome"])] += 1
    if failures:
        raise SourceUnavailable(
            f"{len(failures)} of {len(ids)} letters hit a temporary failure; first: {failures[0]}"
        )
    return {"letters": len(ids), **outcomes}


def _defer(session: Session, letter: Letter, campaign: Campaign, now: datetime) -> None:
    """The office's daily cap is reached: keep the letter queued until UTC midnight."""
    letter.not_before = _next_midnight(now)
    letter.updated_at = now
    session.add(
        DeliveryAttempt(
            letter_id=letter.id,
            outcome="deferred",
            detail=f"daily cap of {campaign.daily_cap_per_office} for this office reached",
            finished_at=now,
            worker=_worker_name(),
        )
    )


def _send(
    session: Session, settings: Settings, letter: Letter, attempt: DeliveryAttempt
) -> dict[str, object]:
    """Deliver one claimed letter through its channel."""
    if letter.delivery == "cwc":
        from outreach.cwc import post_letter

        return post_letter(
            session,
            settings,
            letter,
            attempt,
            set_phase=_set_phase,
            finish=_finish,
            transient=_transient,
        )
    return _smtp_send(session, settings, letter, attempt)


def _claim(
    session: Session,
    settings: Settings,
    letters: list[Letter],
    now: datetime,
    stale_before: datetime,
) -> dict[int, DeliveryAttempt]:
    """Make this attempt the owner of every letter it can get, and record the attempts.

    One conditional UPDATE (see the module docstring) for all the letters, one INSERT
    for their attempts, one commit. Returns the attempt per claimed letter id.
    """
    by_id = {letter.id: letter for letter in letters}
    if not by_id:
        return {}
    message_id = (
        literal("<letter-") + Letter.idempotency_key + literal(f"@{_mail_domain(settings)}>")
    )
    won = (
        session.connection()
        .execute(
            update(Letter)
            .where(
                Letter.id.in_(list(by_id)),
                Letter.delivery.in_(WORKER_CHANNELS),
                or_(
                    Letter.state == "queued",
                    and_(
                        Letter.state == "sending",
                        Letter.smtp_phase == "connect",
                        Letter.sending_at < stale_before,
                    ),
                ),
            )
            .values(
                state="sending",
                smtp_phase="connect",
                sending_at=now,
                updated_at=now,
                attempts=func.coalesce(Letter.attempts, 0) + 1,
                message_id=func.coalesce(Letter.message_id, message_id),
            )
            .returning(Letter.id, Letter.attempts, Letter.message_id)
        )
        .all()
    )
    if not won:
        session.rollback()
        return {}
    for row in won:
        # The claim won, so these are the row's values now; no need to read it back.
        letter = by_id[row.id]
        for key, value in (
            ("state", "sending"),
            ("smtp_phase", "connect"),
            ("sending_at", now),
            ("updated_at", now),
            ("attempts", row.attempts),
            ("message_id", row.message_id),
        ):
            set_committed_value(letter, key, value)
    worker = _worker_name()
    attempts = {
        attempt.letter_id: attempt
        for attempt in session.scalars(
            insert(DeliveryAttempt).returning(DeliveryAttempt),
            [
                {"letter_id": row.id, "outcome": "started", "worker": worker, "started_at": now}
                for row in won
            ],
        )
    }
    session.commit()
    return attempts


@lru_cache(maxsize=64)
def _update_by_id(model: type[Letter] | type[DeliveryAttempt], keys: tuple[str, ...]):  # noqa: ANN202
    """`UPDATE model SET keys... WHERE id = :row_id`, built once per shape."""
    columns = model.__table__.c
    return (
        update(model.__table__)
        .where(columns.id == bindparam("row_id"))
        .values({key: bindparam(f"new_{key}", type_=columns[key].type) for key in keys})
    )


def _write(connection: Connection, obj: Letter | DeliveryAttempt, **values: object) -> None:
    """UPDATE one row with a prepared Core statement and keep the loaded object in step.

    The send path runs for every letter; a Core UPDATE costs a fraction of an ORM flush,
    and the object is ours alone while the claim holds.
    """
    connection.execute(
        _update_by_id(type(obj), tuple(values)),
        {"row_id": obj.id, **{f"new_{key}": value for key, value in values.items()}},
    )
    for key, value in values.items():
        set_committed_value(obj, key, value)


def _set_phase(session: Session, letter: Letter, phase: str) -> None:
    _write(session.connection(), letter, smtp_phase=phase, updated_at=utcnow())
    session.commit()


def _finish(
    session: Session,
    letter: Letter,
    attempt: DeliveryAttempt,
    *,
    state: str,
    outcome: str,
    detail: str = "",
) -> None:
    """Record a letter's result and its attempt's outcome in one commit."""
    now = utcnow()
    values: dict[str, object] = {"state": state, "updated_at": now}
    if state == "sent":
        values.update(sent_at=now, smtp_phase="done", last_error=None)
    elif state == "failed":
        values.update(failed_at=now, last_error=detail)
    elif state == "queued":
        values.update(smtp_phase=None, last_error=detail, queued_at=now)
    connection = session.connection()
    _write(connection, letter, **values)
    _write(connection, attempt, outcome=outcome, detail=detail[:2000], finished_at=now)
    session.commit()


class _ConnectionCache(threading.local):
    """One open SMTP connection per thread, reused across letters (like any mailer).

    Connecting, EHLO and QUIT are half of a one-letter SMTP conversation; a worker
    sending letter after letter keeps the connection. A connection found dead is
    replaced once before MAIL FROM, where nothing has been sent yet.
    """

    smtp: smtplib.SMTP | None = None
    key: tuple | None = None


_cache = _ConnectionCache()


def _drop_connection() -> None:
    smtp, _cache.smtp, _cache.key = _cache.smtp, None, None
    if smtp is not None:
        _quit(smtp)


def _abandon_connection() -> None:
    """Close without QUIT: mid-DATA, any further line would become part of the message."""
    smtp, _cache.smtp, _cache.key = _cache.smtp, None, None
    if smtp is not None:
        smtp.close()


def _begin_transaction(settings: Settings, sender: str) -> tuple[smtplib.SMTP, int, bytes]:
    """MAIL FROM on a cached or new connection; SourceUnavailable if none works."""
    key = (settings.smtp_host, settings.smtp_port, settings.smtp_username, os.getpid())
    if _cache.key != key:
        _drop_connection()
    for attempt in (1, 2):
        if _cache.smtp is None:
            smtp = smtp_connection(settings)
            # The message and its final dot go out as two writes (see _smtp_send); without
            # this, Nagle's algorithm holds the dot until the server acknowledges the body.
            smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            _cache.smtp, _cache.key = smtp, key
        try:
            code, reply = _cache.smtp.docmd("MAIL", f"FROM:<{sender}>")
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            _drop_connection()
            if attempt == 2:
                raise SourceUnavailable(f"SMTP connection failed at MAIL FROM: {exc}") from exc
            continue
        return _cache.smtp, code, reply
    raise AssertionError("unreachable")


def _smtp_send(
    session: Session, settings: Settings, letter: Letter, attempt: DeliveryAttempt
) -> dict[str, object]:
    """MAIL, RCPT, DATA and the message; the `data` mark committed just before the final
    dot, the only line after which the server may accept the message (RFC 5321 4.1.1.4:
    a connection lost before it aborts the transaction)."""
    try:
        if not _PLAIN_ADDRESS.fullmatch(letter.recipient or ""):
            raise ValueError(f"not a plain email address: {letter.recipient!r}")
        payload = _LEADING_DOT.sub(b"..", build_message(settings, letter))  # dot-stuffed
    except (UnicodeEncodeError, ValueError) as exc:  # an address SMTP cannot carry as is
        detail = f"cannot build the message: {exc}"
        _finish(session, letter, attempt, state="failed", outcome="error", detail=detail)
        return {"letter": letter.id, "outcome": "failed", "detail": detail}
    sender = _sender(settings.mail_from)[1]
    try:
        smtp, code, reply = _begin_transaction(settings, sender)
    except SourceUnavailable as exc:
        return _transient(session, letter, attempt, str(exc))
    try:
        if code != 250:
            _reset(smtp)
            return _smtp_refused(session, letter, attempt, code, reply, "MAIL FROM")
        # docmd, not rcpt(): smtplib would parse the address again for every letter.
        code, reply = smtp.docmd("RCPT", f"TO:<{letter.recipient}>")
        if code not in (250, 251):
            _reset(smtp)
            return _smtp_refused(session, letter, attempt, code, reply, "RCPT TO")
        code, reply = smtp.docmd("DATA")
        if code != 354:
            _reset(smtp)
            return _smtp_refused(session, letter, attempt, code, reply, "DATA")
        smtp.send(payload)
    except (OSError, smtplib.SMTPException) as exc:
        # Before the final dot: nothing was accepted, so the letter can be tried again.
        _abandon_connection()
        return _transient(session, letter, attempt, f"{type(exc).__name__}: {exc}")
    try:
        _set_phase(session, letter, "data")
    except BaseException:
        _abandon_connection()  # the server discards the unfinished message
        raise
    try:
        smtp.send(b".\r\n")
        code, reply = smtp.getreply()
    except (OSError, smtplib.SMTPException) as exc:
        _abandon_connection()
        _finish(
            session,
            letter,
            attempt,
            state="failed",
            outcome="unknown",
            detail=f"connection lost at the end of DATA ({exc}); outcome unknown, not resent",
        )
        return {"letter": letter.id, "outcome": "unknown"}
    if code != 250:
        # The server answered the final dot with a refusal: it did not take the message.
        return _smtp_refused(session, letter, attempt, code, reply, "DATA")
    _finish(session, letter, attempt, state="sent", outcome="sent", detail=_text(reply)[:500])
    return {"letter": letter.id, "outcome": "sent", "message_id": letter.message_id}


def _reset(smtp: smtplib.SMTP) -> None:
    """Abort the transaction so the connection can carry the next letter."""
    try:
        smtp.rset()
    except (OSError, smtplib.SMTPException):
        _drop_connection()


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _smtp_refused(
    session: Session,
    letter: Letter,
    attempt: DeliveryAttempt,
    code: int,
    reply: bytes | str,
    stage: str,
) -> dict[str, object]:
    detail = f"{stage} refused: {code} {_text(reply)}"
    if 400 <= code < 500:
        return _transient(session, letter, attempt, detail)
    _finish(session, letter, attempt, state="failed", outcome="error", detail=detail)
    return {"letter": letter.id, "outcome": "failed", "detail": detail}


def _transient(
    session: Session, letter: Letter, attempt: DeliveryAttempt, detail: str
) -> dict[str, object]:
    """A temporary failure before DATA: back to `queued`, or `failed` after MAX_ATTEMPTS."""
    if letter.attempts >= MAX_ATTEMPTS:
        _finish(
            session,
            letter,
            attempt,
            state="failed",
            outcome="error",
            detail=f"gave up after {letter.attempts} attempts: {detail}",
        )
        return {"letter": letter.id, "outcome": "failed", "detail": detail}
    _finish(session, letter, attempt, state="queued", outcome="error", detail=detail)
    # Raising lets RQ record the failure and retry with backoff (STYLE: no swallowing).
    raise SourceUnavailable(f"letter {letter.id}: {detail}")


# --- reconciler ------------------------------------------------------------------------------


def reconcile(
    session: Session,
    enqueue_letter: Callable[[int], object],
    stale_seconds: int = STALE_SECONDS,
    now: datetime | None = None,
) -> dict[str, int]:
    """Re-enqueue letters stranded in queued/sending; mark DATA-phase strays unknown."""
    now = now or utcnow()
    stale_before = now - timedelta(seconds=stale_seconds)
    # A letter in `sending` is a live worker's until its lease (MIN_STALE_SECONDS) runs out.
    lease_before = now - timedelta(seconds=max(stale_seconds, MIN_STALE_SECONDS))
    requeued = 0
    unknown = 0
    stuck_sending = [
        letter
        for letter in session.scalars(
            select(Letter).where(
                Letter.delivery.in_(WORKER_CHANNELS),
                Letter.state == "sending",
                Letter.sending_at < stale_before,
            )
        )
        if letter.sending_at < lease_before or _holder_is_dead(session, letter.id)
    ]
    for letter in stuck_sending:
        if letter.smtp_phase == "data":
            letter.state = "failed"
            letter.failed_at = now
            letter.updated_at = now
            letter.last_error = (
                "the worker stopped after handing the message to the SMTP server; "
                "delivery outcome unknown, so it was not resent (check with the office)"
            )
            session.add(
                DeliveryAttempt(
                    letter_id=letter.id,
                    outcome="unknown",
                    detail=letter.last_error,
                    finished_at=now,
                    worker="reconciler",
                )
            )
            unknown += 1
        else:
            # Nothing was accepted before DATA: hand it back to the queue.
            letter.state = "queued"
            letter.smtp_phase = None
            letter.queued_at = now
            letter.updated_at = now
    session.commit()
    ids = session.scalars(
        select(Letter.id).where(
            Letter.delivery.in_(WORKER_CHANNELS),
            Letter.state == "queued",
            or_(Letter.not_before.is_(None), Letter.not_before <= now),
            or_(
                Letter.updated_at < stale_before,
                Letter.id.in_([letter.id for letter in stuck_sending]),
            ),
        )
    ).all()
    for letter_id in ids:
        enqueue_letter(letter_id)
        requeued += 1
    return {"requeued": requeued, "unknown": unknown}


# --- bounces ---------------------------------------------------------------------------------


def record_bounce(
    session: Session, message_id: str, recipient: str = "", status: str = "", reason: str = ""
) -> Bounce:
    """Record a bounce for the letter with this Message-ID; a permanent one fails it."""
    message_id = message_id.strip()
    if not message_id.startswith("<"):
        message_id = f"<{message_id}>"
    letter = session.scalars(select(Letter).where(Letter.message_id == message_id)).first()
    bounce = Bounce(
        organization_id=letter.organization_id if letter else None,
        letter_id=letter.id if letter else None,
        message_id=message_id,
        recipient=recipient,
        status=status,
        reason=reason[:2000],
    )
    session.add(bounce)
    if letter is not None and status.startswith("5"):
        letter.state = "failed"
        letter.failed_at = utcnow()
        letter.last_error = f"bounced ({status}): {reason}"[:2000]
    session.commit()
    return bounce


# --- print delivery --------------------------------------------------------------------------


def print_letters(
    session: Session, organization_id: int, campaign_id: int, legislator_id: int
) -> list[Letter]:
    """Queued print letters of a campaign for one office, oldest first."""
    return list(
        session.scalars(
            select(Letter)
            .where(
                Letter.organization_id == organization_id,
                Letter.campaign_id == campaign_id,
                Letter.legislator_id == legislator_id,
                Letter.delivery == "print",
                Letter.state.in_(("queued", "sent")),
            )
            .order_by(Letter.id)
        ).all()
    )


def print_batch_pdf(
    session: Session,
    organization_id: int,
    campaign_id: int,
    legislator_id: int,
    mark_printed: bool = True,
) -> bytes:
    """A PDF with one page per letter to one office (WeasyPrint); marks them sent."""
    from jinja2 import Environment, select_autoescape
    from weasyprint import HTML

    letters = print_letters(session, organization_id, campaign_id, legislator_id)
    if not letters:
        raise NotFound("no print letters for this office")
    legislator = session.get(Legislator, legislator_id)
    organization = session.get(Organization, organization_id)
    env = Environment(autoescape=select_autoescape(default=True))
    html = env.from_string(PRINT_HTML).render(
        letters=letters, legislator=legislator, organization=organization
    )
    pdf = HTML(string=html).write_pdf()
    if mark_printed:
        now = utcnow()
        for letter in letters:
            if letter.state == "queued":
                letter.state = "sent"
                letter.sent_at = now
                letter.updated_at = now
                session.add(
                    DeliveryAttempt(
                        letter_id=letter.id,
                        outcome="printed",
                        detail="included in a print batch",
                        finished_at=now,
                        worker="print",
                    )
                )
        session.commit()
    return pdf


PRINT_HTML = """<!doctype html><html><head><meta charset="utf-8"><style>
@page { size: letter; margin: 2.2cm; }
body { font: 11.5pt/1.45 serif; }
.letter { page-break-after: always; white-space: pre-wrap; }
.letter:last-child { page-break-after: auto; }
.to { margin-bottom: 1.2em; }
</style></head><body>
{% for letter in letters %}<div class="letter"><div class="to">{{ legislator.name }}
{% for office in legislator.offices or [] %}{% if loop.first %}{{ office.address or '' }}{% endif %}
{% endfor %}</div>{{ letter.body }}</div>
{% endfor %}</body></html>"""


def letters_csv(session: Session, organization_id: int, campaign_id: int) -> str:
    """CSV of a campaign's confirmed letters for hand delivery (one row per letter)."""
    rows = session.execute(
        select(Letter, Legislator)
        .join(Legislator, Letter.legislator_id == Legislator.id)
        .where(
            Letter.organization_id == organization_id,
            Letter.campaign_id == campaign_id,
            Letter.state.in_(("queued", "sending", "sent", "failed")),
        )
        .order_by(Legislator.name, Letter.id)
    ).all()
    out = io.StringIO()
    writer = safe_csv_writer(out)
    writer.writerow(
        [
            "letter_id",
            "legislator",
            "chamber",
            "district",
            "office_address",
            "delivery",
            "state",
            "constituent",
            "constituent_city",
            "subject",
            "body",
        ]
    )
    for letter, legislator in rows:
        offices = legislator.offices or []
        address = next((o.get("address") for o in offices if o.get("address")), "")
        writer.writerow(
            [
                letter.id,
                legislator.name,
                legislator.chamber or "",
                legislator.district or "",
                address,
                letter.delivery,
                letter.state,
                _csv_safe(letter.constituent.name),
                _csv_safe(letter.constituent.city),
                _csv_safe(letter.subject),
                _csv_safe(letter.body),
            ]
        )
    return out.getvalue()


_csv_safe = neutralize  # every cell goes through safe_csv_writer as well
