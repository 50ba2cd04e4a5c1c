"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives; the `smtp_sink` fixture of
tests/conftest.py points Django's SMTP backend at it."""

from __future__ import annotations

import contextlib
import email
import email.policy
import socket
from collections.abc import Iterator
from email.message import EmailMessage, Message
from typing import Any

from aiosmtpd.controller import Controller
from django.test import override_settings


class Sink:
    """Keeps every message the SMTP server receives; `refuse` makes it answer 451 (a server in trouble)."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage]] = []
        self.refuse = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "451 Try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"

    def bodies(self) -> list[str]:
        """The plain-text bodies, with Unix line ends."""
        return [text_of(message) for _from, _to, message in self.messages]

    def subjects(self) -> list[str]:
        """The decoded subjects."""
        return [str(message["Subject"]).strip() for _from, _to, message in self.messages]

    def recipients(self) -> list[str]:
        return [address for _from, to, _message in self.messages for address in to]


def text_of(message: Message) -> str:
    """The plain-text body of a message, with Unix line ends."""
    part = message
    if message.is_multipart():
        part = next(item for item in message.walk() if item.get_content_type() == "text/plain")
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(part.get_content_charset() or "utf-8").replace("\r\n", "\n")


def free_port() -> int:
    """A loopback port nothing listens on (now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def smtp_server() -> Iterator[Sink]:
    """Start a sink on a free port and send Django's mail to it while the block runs."""
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_TIMEOUT=5,
        ):
            yield sink
    finally:
        controller.stop()
