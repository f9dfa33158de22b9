"""Handing built messages to the SMTP server, over a few sessions side by side.

Each message costs four round trips (MAIL, RCPT, DATA, the message); one session waits for
each answer in turn, so with a relay a few milliseconds away it would send a few dozen
messages a second. The sessions run in threads that only talk SMTP (no database, no
rendering); every message yields exactly one Outcome, whatever happens to its session.
"""

import queue
import smtplib
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    key: object  # what the caller passed with the message
    error: str | None = None  # None: the server took it
    permanent: bool = False  # a 5xx answer about this message: trying again will not help


def connect(settings) -> smtplib.SMTP:
    """An SMTP session, TLS and login done. Raises OSError / smtplib.SMTPException."""
    if settings.tls == "ssl":
        smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    try:
        if settings.tls == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if settings.user:
            smtp.login(settings.user, settings.password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def deliver(messages: list[tuple[object, str, bytes]], settings) -> Iterator[Outcome]:
    """Send (key, address, message) over up to settings.connections sessions; yields one
    Outcome per message, in the order they complete."""
    if not messages:
        return
    count = max(1, min(settings.connections, len(messages)))
    outcomes: queue.SimpleQueue = queue.SimpleQueue()
    sessions = [threading.Thread(target=_session, args=(settings, messages[n::count], outcomes),
                                 name="mawflow-smtp", daemon=True) for n in range(count)]
    for session in sessions:
        session.start()
    for _ in messages:
        yield outcomes.get()
    for session in sessions:
        session.join()


def _session(settings, chunk, outcomes: queue.SimpleQueue) -> None:
    reported, failure = 0, "The SMTP session ended early"
    smtp = None
    try:
        smtp = connect(settings)
        for key, address, message in chunk:
            try:
                smtp.sendmail(settings.sender_address, [address], message)
            except smtplib.SMTPServerDisconnected as error:  # the rest go back too
                failure = describe(error)
                break
            except smtplib.SMTPException as error:
                outcomes.put(Outcome(key, describe(error), permanent(error)))
            else:
                outcomes.put(Outcome(key))
            reported += 1
    except (OSError, smtplib.SMTPException) as error:  # unreachable, timed out, reset
        failure = describe(error)
    finally:
        for key, _address, _message in chunk[reported:]:
            outcomes.put(Outcome(key, failure))
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()


def describe(error: BaseException) -> str:
    """The SMTP server's answer (code and text) or the connection problem, for the
    administrator; never anything of the message."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        answers = "; ".join(f"{code} {_text(text)}" for code, text in error.recipients.values())
        return f"Recipient refused: {answers}"[:500]
    if isinstance(error, smtplib.SMTPResponseException):
        return f"The server answered {error.smtp_code} {_text(error.smtp_error)}"[:500]
    return f"{type(error).__name__}: {error}"[:500]


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def permanent(error: smtplib.SMTPException) -> bool:
    """A 5xx answer about this message: sending it again will not help."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _ in error.recipients.values())
    code = getattr(error, "smtp_code", 0)
    return isinstance(error, smtplib.SMTPResponseException) and 500 <= code < 600
