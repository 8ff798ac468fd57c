from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from outreach import delivery, letters
from outreach.geocode import manual_divisions
from outreach.letters import Submission
from outreach.models import DeliveryAttempt, Letter
from tests.outreach.conftest import FREMONT
from tracker.errors import SourceUnavailable
from tracker.models import utcnow

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _confirmed(db, campaign, n: int = 1) -> list[int]:  # noqa: ANN001
    ids: list[int] = []
    for i in range(n):
        c = letters.submit(
            db,
            campaign,
            Submission(
                name=f"Constituent {i}",
                email=f"person{i}@example.net",
                address="Fremont, CA",
                message=f"Message number {i}.",
                consent_send=True,
            ),
            manual_divisions(**FREMONT),
        )
        ids += letters.confirm(db, c)
    return ids


def test_letter_is_delivered_to_a_real_smtp_server_with_its_content(
    db, smtp, smtp_settings, campaign
):
    ids = _confirmed(db, campaign)
    results = [delivery.deliver_letter(db, smtp_settings, i) for i in ids]
    assert [r["outcome"] for r in results] == ["sent", "sent"]
    [to_wahab] = smtp.to("senator.wahab@senate.ca.gov")
    letter = db.get(Letter, ids[1])
    assert to_wahab["Message-ID"] == letter.message_id
    assert to_wahab["X-Letter-Key"] == letter.idempotency_key
    assert to_wahab["Reply-To"] == "Constituent 0 <person0@example.net>"
    assert to_wahab["Subject"] == "Fund the 988 Suicide & Crisis Lifeline: support AB 1331"
    text = to_wahab.get_content()
    assert text.startswith("Dear Senator Wahab,")
    assert "Mental health: Statewide Director of Crisis Services." in text
    assert "Message number 0." in text and "Constituent 0\nFremont, CA" in text
    assert letter.state == "sent" and letter.smtp_phase == "done" and letter.sent_at


def test_message_with_accents_long_lines_and_leading_dots_reads_back_intact(
    db, smtp, smtp_settings, campaign
):
    from email import message_from_bytes, policy

    [first, _] = _confirmed(db, campaign)
    letter = db.get(Letter, first)
    letter.constituent.name = "José Núñez, Jr."
    letter.subject = "Financiación del 988: apoye " + "la ley " * 12
    letter.body = "Estimada asambleísta:\n\n" + "Una línea muy larga " * 20 + "\n.\n..two dots\nend"
    db.commit()
    raw = delivery.build_message(smtp_settings, letter)
    assert raw.isascii() and b"\n" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78
    msg = message_from_bytes(raw.replace(b"\r\n", b"\n"), policy=policy.default)
    assert msg["Reply-To"].addresses[0].display_name == "José Núñez, Jr."
    assert msg["Subject"] == letter.subject.strip()
    assert msg.get_content() == letter.body + "\n"
    assert delivery.deliver_letter(db, smtp_settings, first)["outcome"] == "sent"
    [received] = smtp.messages  # dot-stuffing undone by the server: the same text
    assert received.get_content() == letter.body + "\n"
    assert received["Subject"] == letter.subject.strip()


def test_recipient_that_is_not_a_plain_address_fails_before_any_smtp_command(
    db, smtp, smtp_settings, campaign
):
    [first, _] = _confirmed(db, campaign)
    letter = db.get(Letter, first)
    letter.recipient = "office@example.gov>\r\nRCPT TO:<someone@example.net"
    db.commit()
    assert delivery.deliver_letter(db, smtp_settings, first)["outcome"] == "failed"
    assert "not a plain email address" in db.get(Letter, first).last_error
    assert smtp.messages == []


def test_retrying_a_sent_letter_never_sends_twice(db, smtp, smtp_settings, campaign):
    [first, _] = _confirmed(db, campaign)
    assert delivery.deliver_letter(db, smtp_settings, first)["outcome"] == "sent"
    again = delivery.deliver_letter(db, smtp_settings, first)
    assert again == {"letter": first, "outcome": "skipped", "reason": "state is sent"}
    assert len(smtp.messages) == 1


def test_permanent_refusal_fails_the_letter_visibly(db, smtp, smtp_settings, campaign):
    async def refuse(server, session, envelope, address, options):  # noqa: ANN001, ANN202
        return "550 5.1.1 mailbox unavailable"

    smtp.handle_RCPT = refuse
    [first, _] = _confirmed(db, campaign)
    assert delivery.deliver_letter(db, smtp_settings, first)["outcome"] == "failed"
    letter = db.get(Letter, first)
    assert letter.state == "failed" and "550" in letter.last_error
    assert [a.outcome for a in letter.attempts_log] == ["error"]


def test_temporary_failure_requeues_then_gives_up(db, settings, campaign):
    [first, _] = _confirmed(db, campaign)
    down = settings.with_(smtp_port=1)  # nothing listens: connection refused
    for _ in range(delivery.MAX_ATTEMPTS - 1):
        with pytest.raises(SourceUnavailable):
            delivery.deliver_letter(db, down, first)
        assert db.get(Letter, first).state == "queued"
    assert delivery.deliver_letter(db, down, first)["outcome"] == "failed"
    assert "gave up after 5 attempts" in db.get(Letter, first).last_error


def test_daily_cap_per_office_defers_to_the_next_day(db, smtp, smtp_settings, campaign):
    campaign.daily_cap_per_office = 1
    db.commit()
    ids = _confirmed(db, campaign, n=2)
    outcomes = [delivery.deliver_letter(db, smtp_settings, i)["outcome"] for i in ids]
    assert outcomes == ["sent", "sent", "deferred", "deferred"]
    deferred = db.get(Letter, ids[2])
    assert deferred.state == "queued" and deferred.not_before > utcnow()
    assert len(smtp.messages) == 2
    # the reconciler leaves it alone until the cap resets
    assert delivery.reconcile(db, lambda i: None, stale_seconds=0)["requeued"] == 0


def test_letter_stuck_after_data_is_not_resent_but_marked_unknown(
    db, smtp, smtp_settings, campaign
):
    [first, second] = _confirmed(db, campaign)
    letter = db.get(Letter, first)
    letter.state, letter.smtp_phase = "sending", "data"
    letter.sending_at = utcnow() - timedelta(hours=1)
    stuck = db.get(Letter, second)
    stuck.state, stuck.smtp_phase = "sending", "connect"
    stuck.sending_at = utcnow() - timedelta(hours=1)
    db.commit()
    requeued: list[int] = []
    result = delivery.reconcile(db, requeued.append, stale_seconds=60)
    assert result == {"requeued": 1, "unknown": 1}
    assert requeued == [second]
    assert db.get(Letter, first).state == "failed"
    assert "outcome unknown" in db.get(Letter, first).last_error
    assert delivery.deliver_letter(db, smtp_settings, second)["outcome"] == "sent"
    assert smtp.message_ids() == [db.get(Letter, second).message_id]


def test_print_letters_get_a_pdf_batch_and_csv(db, campaign, people, org):
    from tracker.models import Legislator

    lee = db.get(Legislator, people["Alex Lee"])
    lee.email = None  # no email on file: the letter goes on paper
    db.commit()
    _confirmed(db, campaign, n=2)
    pdf = delivery.print_batch_pdf(db, org.id, campaign.id, lee.id)
    assert pdf.startswith(b"%PDF")
    from io import BytesIO

    from pypdf import PdfReader

    reader = PdfReader(BytesIO(pdf))
    assert len(reader.pages) == 2
    assert "Dear Assemblymember Lee" in reader.pages[0].extract_text()
    printed = db.scalars(select(Letter).where(Letter.delivery == "print")).all()
    assert {x.state for x in printed} == {"sent"}
    csv_text = delivery.letters_csv(db, org.id, campaign.id)
    assert csv_text.count("Alex Lee") == 2 and "1021 O St" in csv_text


def test_bounce_marks_the_letter_failed(db, smtp, smtp_settings, campaign):
    [first, _] = _confirmed(db, campaign)
    delivery.deliver_letter(db, smtp_settings, first)
    letter = db.get(Letter, first)
    delivery.record_bounce(db, letter.message_id, letter.recipient, "5.1.1", "user unknown")
    db.refresh(letter)
    assert letter.state == "failed" and "bounced (5.1.1)" in letter.last_error


# --- with Redis and RQ workers -----------------------------------------------------------


def _work(conn, max_jobs: int | None = None) -> None:  # noqa: ANN001
    from rq import Queue, SimpleWorker

    SimpleWorker([Queue("outreach", connection=conn)], connection=conn).work(
        burst=True, max_jobs=max_jobs
    )


@pytest.mark.redis
def test_redis_flushed_mid_run_reconciler_delivers_everything_once(
    db, smtp, rq_settings, redis_conn, campaign
):
    from outreach.jobs import enqueue_letter, reconcile

    ids = _confirmed(db, campaign, n=4)
    for letter_id in ids:
        enqueue_letter(rq_settings, letter_id)
    _work(redis_conn, max_jobs=3)
    db.expire_all()
    states = [(x.id, x.state, x.last_error) for x in db.scalars(select(Letter))]
    assert len(smtp.messages) == 3, states
    redis_conn.flushdb()  # every queued job is gone
    assert reconcile(stale_seconds=0)["requeued"] == 5, states
    _work(redis_conn)
    db.expire_all()
    sent = db.scalars(select(Letter).where(Letter.state == "sent")).all()
    assert len(sent) == 8
    received = smtp.message_ids()
    assert sorted(received) == sorted(x.message_id for x in sent)  # no loss, no duplicate


@pytest.mark.redis
def test_worker_killed_mid_send_no_duplicate_no_loss(db, smtp, rq_settings, redis_conn, campaign):
    from outreach.jobs import enqueue_letter, reconcile

    ids = _confirmed(db, campaign, n=2)
    for letter_id in ids:
        enqueue_letter(rq_settings, letter_id)
    smtp.hold_rcpt.set()  # the server stalls at RCPT: the worker is mid-transaction
    worker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from redis import Redis; from rq import Queue, SimpleWorker; import os;"
            "r = Redis.from_url(os.environ['REDIS_URL']);"
            "SimpleWorker([Queue('outreach', connection=r)], connection=r).work(burst=True)",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": ROOT},
    )
    try:
        assert smtp.rcpt_seen.wait(30), "the worker never reached RCPT"
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    smtp.hold_rcpt.clear()
    smtp.release.set()
    db.expire_all()
    killed = db.scalars(select(Letter).where(Letter.state == "sending")).one()
    assert killed.smtp_phase == "connect" and killed.attempts == 1
    time.sleep(0.05)
    summary = reconcile(stale_seconds=0)
    assert summary["unknown"] == 0 and summary["requeued"] >= 1
    _work(redis_conn)
    db.expire_all()
    rows = db.scalars(select(Letter).order_by(Letter.id)).all()
    assert [x.state for x in rows] == ["sent"] * 4
    received = smtp.message_ids()
    assert len(received) == 4 and sorted(received) == sorted(x.message_id for x in rows)
    outcomes = [
        a.outcome
        for a in db.scalars(
            select(DeliveryAttempt)
            .where(DeliveryAttempt.letter_id == killed.id)
            .order_by(DeliveryAttempt.id)
        )
    ]
    assert outcomes == ["started", "sent"]  # the killed attempt stays visible as started


@pytest.mark.redis
def test_confirmation_email_lost_with_redis_is_sent_by_the_reconciler(
    db, smtp, rq_settings, redis_conn, campaign
):
    from outreach.jobs import enqueue_confirmation, reconcile

    constituent = letters.submit(
        db,
        campaign,
        Submission(name="Ana Ruiz", email="ana@example.net", address="", consent_send=True),
        manual_divisions(**FREMONT),
    )
    enqueue_confirmation(rq_settings, constituent.id)
    redis_conn.flushdb()  # the job is gone before any worker saw it
    time.sleep(0.05)
    assert reconcile(stale_seconds=0)["confirmations"] == 1
    _work(redis_conn)
    assert len(smtp.to("ana@example.net")) == 1
    assert reconcile(stale_seconds=0)["confirmations"] == 0  # sent once, not again
    _work(redis_conn)
    assert len(smtp.to("ana@example.net")) == 1


def test_batch_sends_each_letter_once_over_one_connection(db, smtp, smtp_settings, campaign):
    ids = _confirmed(db, campaign, n=3)
    summary = delivery.deliver_batch(db, smtp_settings, ids)
    assert summary == {"letters": 6, "sent": 6}
    db.expire_all()
    rows = db.scalars(select(Letter).order_by(Letter.id)).all()
    assert [x.state for x in rows] == ["sent"] * 6
    assert sorted(smtp.message_ids()) == sorted(x.message_id for x in rows)
    assert len(set(smtp.peers)) == 1  # one SMTP connection carried the batch
    outcomes = db.scalars(select(DeliveryAttempt.outcome)).all()
    assert outcomes == ["sent"] * 6
    # The same batch again (a retry, a re-enqueue): every claim fails, nothing is sent.
    assert delivery.deliver_batch(db, smtp_settings, ids) == {"letters": 6, "skipped": 6}
    assert len(smtp.messages) == 6


@pytest.mark.redis
def test_batch_worker_killed_mid_batch_redelivers_none_twice(
    db, smtp, rq_settings, redis_conn, campaign
):
    from outreach.jobs import enqueue_batch, reconcile

    ids = _confirmed(db, campaign, n=2)  # four letters, one send_letters job
    enqueue_batch(rq_settings, ids)
    smtp.hold_after = 2  # two letters accepted, then the third stalls at RCPT
    smtp.hold_rcpt.set()
    worker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from redis import Redis; from rq import Queue, SimpleWorker; import os;"
            "r = Redis.from_url(os.environ['REDIS_URL']);"
            "SimpleWorker([Queue('outreach', connection=r)], connection=r).work(burst=True)",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": ROOT},
    )
    try:
        assert smtp.rcpt_seen.wait(30), "the worker never reached the third RCPT"
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    smtp.hold_rcpt.clear()
    smtp.release.set()
    db.expire_all()
    before = {x.id: (x.state, x.smtp_phase) for x in db.scalars(select(Letter))}
    # Each result is committed as soon as the server answers the final dot; the third
    # letter was killed at RCPT and the fourth never started: both before DATA.
    assert sorted(before.values()) == [
        ("sending", "connect"),
        ("sending", "connect"),
        ("sent", "done"),
        ("sent", "done"),
    ]
    time.sleep(0.05)
    summary = reconcile(stale_seconds=0)
    assert summary["unknown"] == 0 and summary["requeued"] == 2
    _work(redis_conn)
    db.expire_all()
    rows = db.scalars(select(Letter).order_by(Letter.id)).all()
    received = smtp.message_ids()
    assert len(received) == 4 and len(set(received)) == 4  # none twice, none lost
    assert sorted(received) == sorted(x.message_id for x in rows)
    assert [x.state for x in rows] == ["sent"] * 4


@pytest.mark.redis
def test_worker_killed_awaiting_the_reply_to_the_final_dot_is_unknown_never_resent(
    db, smtp, rq_settings, redis_conn, campaign
):
    """The one window no client can close: the server has the whole message and the
    worker dies before the reply is recorded. The letter is shown as outcome unknown
    and never sent again; the server has it once."""
    from outreach.jobs import enqueue_batch, reconcile

    ids = _confirmed(db, campaign, n=2)
    enqueue_batch(rq_settings, ids)
    smtp.hold_after = 1  # the second message's final dot gets no reply
    smtp.hold_data.set()
    worker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from redis import Redis; from rq import Queue, SimpleWorker; import os;"
            "r = Redis.from_url(os.environ['REDIS_URL']);"
            "SimpleWorker([Queue('outreach', connection=r)], connection=r).work(burst=True)",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": ROOT},
    )
    try:
        assert smtp.data_seen.wait(30), "the worker never sent the second message"
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    smtp.hold_data.clear()
    smtp.release.set()
    db.expire_all()
    before = [(x.state, x.smtp_phase) for x in db.scalars(select(Letter).order_by(Letter.id))]
    assert before == [
        ("sent", "done"),
        ("sending", "data"),
        ("sending", "connect"),
        ("sending", "connect"),
    ]
    time.sleep(0.05)
    assert reconcile(stale_seconds=0) == {"requeued": 2, "unknown": 1, "confirmations": 0}
    _work(redis_conn)
    db.expire_all()
    rows = db.scalars(select(Letter).order_by(Letter.id)).all()
    assert [x.state for x in rows] == ["sent", "failed", "sent", "sent"]
    assert "outcome unknown" in rows[1].last_error
    received = smtp.message_ids()
    assert sorted(received) == sorted(x.message_id for x in rows)  # each exactly once
