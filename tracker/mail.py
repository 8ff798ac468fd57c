"""Outgoing mail over the configured SMTP server (alerts, letters, briefs, notices)."""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from tracker.config import Settings
from tracker.errors import SourceUnavailable

SMTP_TIMEOUT = 30


def smtp_connection(settings: Settings) -> smtplib.SMTP:
    """An open SMTP connection with STARTTLS and login when configured."""
    try:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT)
        smtp.ehlo()
        if settings.smtp_starttls:
            smtp.starttls()
            smtp.ehlo()
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password or "")
    except (OSError, smtplib.SMTPException) as exc:
        raise SourceUnavailable(
            f"SMTP server {settings.smtp_host}:{settings.smtp_port} is unavailable: {exc}"
        ) from exc
    return smtp


def close(smtp: smtplib.SMTP) -> None:
    """Say QUIT, or just drop a connection that already broke."""
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def send_messages(settings: Settings, messages: list[EmailMessage]) -> int:
    """Send messages over one connection; returns how many were accepted."""
    if not messages:
        return 0
    smtp = smtp_connection(settings)
    try:
        for msg in messages:
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise SourceUnavailable(f"sending mail failed: {exc}") from exc
    finally:
        close(smtp)
    return len(messages)


def send_plain_email(settings: Settings, to: str, subject: str, body: str) -> str:
    """Send a plain-text service email; returns its Message-ID."""
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = make_msgid(
        domain=parseaddr(settings.mail_from)[1].rpartition("@")[2] or "localhost"
    )
    msg.set_content(body)
    send_messages(settings, [msg])
    return msg["Message-ID"]
