"""A real SMTP server for the tests (aiosmtpd on 127.0.0.1, a free port) and helpers to read
what it received. No sleeping: the worker's functions are called with an explicit `now`."""

import email
import socket
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import User


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    """What the server accepted, and how it answers (``answer``: None accepts; otherwise the
    SMTP reply, e.g. "451 4.3.0 try later")."""

    messages: list[EmailMessage] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    answer: str | None = None
    connections: int = 0
    port: int = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        if self.answer:
            return self.answer
        self.raw.append(envelope.original_content or envelope.content)
        message = email.message_from_bytes(envelope.content, policy=default)
        message["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def texts(self) -> list[str]:
        """Every message whole: headers, plain text and HTML."""
        return [m.as_string() + "".join(part.get_content() for part in m.walk()
                                        if part.get_content_maintype() == "text")
                for m in self.messages]


@pytest.fixture(name="smtp")
def smtp_fixture(app):
    """An SMTP server the app sends to (no TLS, no login)."""
    port = free_port()
    received = Received(port=port)
    controller = Controller(received, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TLS="none",
                      MAIL_FROM="mawflow <noreply@maw.example.org>", SMTP_TIMEOUT=5)
    try:
        yield received
    finally:
        controller.stop()


def give_addresses(*usernames: str) -> None:
    """<username>@example.org for these users."""
    for user in db.session.scalars(select(User).where(User.username.in_(usernames))):
        user.email = f"{user.username}@example.org"
    db.session.commit()
