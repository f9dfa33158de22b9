"""The mail worker's second half: send what is due over SMTP, at least once.

A pass claims a batch of due messages (status "sending", with a lease until
``next_attempt_at``) in its own short transaction, taking rows with FOR UPDATE SKIP LOCKED so
that senders side by side on PostgreSQL never take the same row; hands them to the SMTP
server over a few sessions side by side (smtp.deliver); and marks them sent, committing
every MARK_EVERY messages. If the sender dies between the server taking a message and the
commit of "sent", the lease runs out and the message is sent once more, with the same
Message-ID (render.message_id): at least once, never lost, and a copy only after a crash,
which mail programs can recognise by that id.

A refusal or an unreachable server puts the message back with a later next_attempt_at
(backoff) and the error for administrators (never the message body); after
MAIL_GIVE_UP_HOURS it is marked failed. Without SMTP settings nothing is sent: the outbox
keeps the messages for the administrator's "mail that would have been sent" page.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr

from flask import current_app
from sqlalchemy import bindparam, func, literal, select, update

from webapp.extensions import db
from webapp.models import Notification, Task, User, utcnow
from webapp.services.notifications import render, smtp
from webapp.services.notifications.fanout import TASK_KINDS, expiry
from webapp.services.notifications.kinds import DIGEST_KIND

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)  # a claimed message is someone's for this long
# Messages marked sent per commit. After a crash at most this many, plus those in flight on
# the SMTP sessions (MAIL_CONNECTIONS), are sent a second time.
MARK_EVERY = 10
TLS_MODES = ("starttls", "ssl", "none")
DUE = ("pending", "sending")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: str
    user: str | None
    password: str | None
    sender: str
    timeout: float
    connections: int = 4  # SMTP sessions side by side (MAIL_CONNECTIONS)

    @property
    def sender_address(self) -> str:
        return parseaddr(self.sender)[1]


def smtp_settings() -> SmtpSettings | None:
    """SMTP_HOST, SMTP_PORT, SMTP_TLS (starttls, ssl or none), SMTP_USER, SMTP_PASSWORD,
    MAIL_FROM and SMTP_TIMEOUT from the configuration (MAWFLOW_ in the environment); None
    when no host is set (the default): then mail stays in the outbox."""
    config = current_app.config
    host = (config.get("SMTP_HOST") or "").strip()
    if not host:
        return None
    tls = str(config.get("SMTP_TLS") or "starttls").lower()
    if tls not in TLS_MODES:
        raise ValueError(f"SMTP_TLS must be one of {', '.join(TLS_MODES)}, not {tls!r}")
    port = int(config.get("SMTP_PORT") or (465 if tls == "ssl" else 587 if tls == "starttls"
                                            else 25))
    return SmtpSettings(host=host, port=port, tls=tls, user=config.get("SMTP_USER") or None,
                        password=config.get("SMTP_PASSWORD") or None,
                        sender=config["MAIL_FROM"], timeout=float(config["SMTP_TIMEOUT"]),
                        connections=max(1, int(config["MAIL_CONNECTIONS"])))


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes after the attempts so far, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


@dataclass
class Pass:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    dropped: int = 0


def send_due(now: datetime | None = None, *, limit: int = 100,
             settings: SmtpSettings | None = None) -> Pass:
    """One sender pass (commits its own transactions). Returns what happened."""
    now = now or utcnow()
    settings = settings or smtp_settings()
    result = Pass()
    if settings is None:
        return result
    _give_up_old(now)
    ids = claim(now, limit)
    db.session.commit()
    if not ids:
        return result
    sendable = _drop_done(_load(ids), result)
    db.session.commit()
    if sendable:
        _deliver(sendable, settings, now, result)
    return result


def _give_up_old(now: datetime) -> None:
    """Messages still not sent when they expire (MAIL_GIVE_UP_HOURS after they were made)
    are marked failed: a notice that old is no use, and a server down for days must not
    flood people afterwards."""
    reason = "Not sent in time"
    db.session.execute(
        update(Notification).where(Notification.status.in_(DUE),
                                   Notification.next_attempt_at <= now,
                                   Notification.expires_at < now)
        .values(status="failed", last_error=func.substr(func.coalesce(
            literal(reason + "; last error: ") + Notification.last_error, reason), 1, 500))
        .execution_options(synchronize_session=False))


def retry_now(notification_id: int, now: datetime | None = None) -> bool:
    """An administrator's "try again": a failed or waiting message is due at once, with a
    new expiry. Returns False when there is no such message still to send."""
    now = now or utcnow()
    return bool(db.session.execute(
        update(Notification).where(Notification.id == notification_id,
                                   Notification.status.in_(("failed", "pending")))
        .values(status="pending", next_attempt_at=now, expires_at=expiry(now))
        .execution_options(synchronize_session=False)).rowcount)


def claim(now: datetime, limit: int) -> list[int]:
    """Take up to ``limit`` due messages for this sender: status "sending" until the lease
    ends. The caller commits at once (the claim must be visible before anything is sent)."""
    due = (select(Notification.id)
           .where(Notification.status.in_(DUE), Notification.next_attempt_at <= now)
           .order_by(Notification.next_attempt_at, Notification.id).limit(limit)
           .with_for_update(skip_locked=True))
    claimed = db.session.execute(
        update(Notification)
        .where(Notification.id.in_(due.scalar_subquery()), Notification.status.in_(DUE),
               Notification.next_attempt_at <= now)
        .values(status="sending", next_attempt_at=now + LEASE,
                attempts=Notification.attempts + 1)
        .returning(Notification.id)
        .execution_options(synchronize_session=False))
    return sorted(claimed.scalars())


@dataclass(frozen=True)
class Outgoing:
    """What one message needs, read once: sending must not reload rows after each commit."""

    id: int
    kind: str
    case_code: str
    task_id: int | None
    step: str
    due_at: datetime | None
    attempts: int


@dataclass(frozen=True)
class Recipient:
    id: int
    email: str
    language: str | None


def _load(ids: list[int]) -> list[tuple[Outgoing, Recipient, bool]]:
    """(message, recipient, whether they can still be mailed) per claimed id."""
    rows = db.session.execute(
        select(Notification, User).join(User, User.id == Notification.user_id)
        .where(Notification.id.in_(ids)).order_by(Notification.id)).all()
    return [(_outgoing(note), Recipient(user.id, user.email or "",
                                        getattr(user, "language", None)),
             bool(user.active and user.email)) for note, user in rows]


def _outgoing(note: Notification) -> Outgoing:
    return Outgoing(note.id, note.kind, note.case_code, note.task_id, note.step, note.due_at,
                    note.attempts)


def _set(ids: list[int], **values) -> None:
    if ids:
        db.session.execute(update(Notification).where(Notification.id.in_(ids)).values(**values)
                           .execution_options(synchronize_session=False))


def _drop_done(loaded, result: Pass) -> list[tuple[Outgoing, Recipient]]:
    """Leave out messages whose task was done meanwhile, and people who can no longer be
    mailed (deactivated, address removed)."""
    task_ids = {n.task_id for n, _, _ in loaded if n.kind in TASK_KINDS and n.task_id}
    still_open = set(db.session.scalars(select(Task.id).where(Task.id.in_(task_ids)))) \
        if task_ids else set()
    keep, done, unreachable = [], [], []
    for note, user, reachable in loaded:
        if note.kind in TASK_KINDS and note.task_id not in still_open:
            done.append(note.id)
        elif not reachable:
            unreachable.append(note.id)
        else:
            keep.append((note, user))
    _set(done, status="dropped", last_error="The task was done before the mail left.")
    _set(unreachable, status="dropped", last_error="No address (or deactivated) at sending.")
    result.dropped += len(done) + len(unreachable)
    return keep


_MARK_SENT = (update(Notification).where(Notification.id.in_(bindparam("ids", expanding=True)))
              .values(status="sent", sent_at=bindparam("sent_at"), last_error=None)
              .execution_options(synchronize_session=False))


def mark_sent(ids: list[int], now: datetime) -> None:
    """Record that these went out, and commit."""
    if ids:
        db.session.execute(_MARK_SENT, {"ids": ids, "sent_at": now})
    db.session.commit()


def _retry(note: Outgoing, error: str, now: datetime, result: Pass,
           permanent: bool = False) -> None:
    if permanent:
        _set([note.id], status="failed", last_error=error[:500])
        result.failed += 1
    else:
        _set([note.id], status="pending", last_error=error[:500],
             next_attempt_at=now + backoff(note.attempts))
        result.retried += 1


def _deliver(notes, settings: SmtpSettings, now: datetime, result: Pass) -> None:
    """Build each message, hand them to the SMTP server (smtp.deliver: a few sessions side
    by side) and record what happened, marking sent every MARK_EVERY messages."""
    items = _digest_items([n for n, _ in notes if n.kind == DIGEST_KIND])
    links = render.Links()
    prepared = []
    for note, user in notes:
        try:
            mail = render.compose(note, user, items.get(note.id, []), links)
            prepared.append((note, user.email, render.build(
                note, user, mail, sender=settings.sender, links=links, now=now,
                unsubscribe=mail.unsubscribe)))
        except Exception as error:  # a template or a value that cannot be mailed: not again
            log.exception("notification %s could not be built", note.id)
            _retry(note, f"Could not build the message: {smtp.describe(error)}", now, result,
                   permanent=True)
    done: list[int] = []
    for outcome in smtp.deliver(prepared, settings):
        if outcome.error is not None:
            _retry(outcome.key, outcome.error, now, result, permanent=outcome.permanent)
            continue
        done.append(outcome.key.id)
        result.sent += 1
        if len(done) >= MARK_EVERY:
            mark_sent(done, now)
            done = []
    mark_sent(done, now)


def _digest_items(digests: list[Outgoing]) -> dict[int, list[Outgoing]]:
    if not digests:
        return {}
    found: dict[int, list[Outgoing]] = {d.id: [] for d in digests}
    for item in db.session.scalars(select(Notification)
                                   .where(Notification.digest_id.in_(list(found)))
                                   .order_by(Notification.due_at, Notification.id)):
        found[item.digest_id].append(_outgoing(item))
    return found
