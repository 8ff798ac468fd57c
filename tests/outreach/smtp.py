"""A real SMTP server on loopback (aiosmtpd) that records what it accepted."""

from __future__ import annotations

import asyncio
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class RecordingHandler:
    """Accepts every message and keeps it; `hold_rcpt` can pause a transaction at RCPT,
    `hold_data` after the final dot (the message kept, the reply not yet sent)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()
        self.hold_rcpt = threading.Event()  # when set, RCPT waits for `release`
        self.rcpt_seen = threading.Event()
        self.hold_data = threading.Event()  # when set, the reply to the final dot waits
        self.data_seen = threading.Event()
        self.release = threading.Event()
        self.hold_after = 0  # hold only once this many messages were accepted
        self.peers: list[tuple] = []  # the client end of each accepted message's connection

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, ANN201, N802
        if self.hold_rcpt.is_set() and len(self.messages) >= self.hold_after:
            self.rcpt_seen.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        # Stored as a local mailbox would: CRLF line ends become LF.
        msg = message_from_bytes(envelope.content.replace(b"\r\n", b"\n"), policy=policy.default)
        with self.lock:
            self.messages.append(msg)
            self.peers.append(tuple(session.peer))
            held = self.hold_data.is_set() and len(self.messages) > self.hold_after
        if held:
            self.data_seen.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [m["Message-ID"] for m in self.messages]

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if address in (m["To"] or "")]


def start_smtp(port: int) -> tuple[Controller, RecordingHandler]:
    """Start aiosmtpd on 127.0.0.1:port."""
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, handler
