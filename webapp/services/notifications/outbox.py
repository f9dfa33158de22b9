"""What the administrator's mail page shows: mail that was or would have been sent (rendered,
as the recipient would read it), failures with the SMTP error (without the body), and who
cannot be reached by mail. Messages carry no case content, so an administrator may read
them; opening the page is audited all the same."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from webapp.extensions import db
from webapp.models import Membership, Notification, Organisation, User
from webapp.services.audit import Actor, record
from webapp.services.notifications import render, sender
from webapp.services.notifications.kinds import DIGEST_KIND, KINDS
from webapp.services.notifications.settings import stopped_user_ids
from webapp.services.policy import TASK_ROLES

SHOWN = 50


@dataclass(frozen=True)
class Shown:
    id: int
    username: str
    email: str | None
    kind: str
    case_code: str
    created_at: datetime
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    subject: str = ""
    text: str = ""


@dataclass(frozen=True)
class Outbox:
    smtp: sender.SmtpSettings | None
    counts: dict[str, int]
    waiting: list[Shown]  # would be (or will be) sent
    problems: list[Shown]  # failed, or waiting to be tried again after an error
    sent: list[Shown]
    unreachable: list[User]  # do case work, but have no address
    stopped: list[User]  # stopped all mail themselves
    silent_organisations: list[Organisation]  # none of their members can be reached


DIGEST_LABEL = _l("Daily digest")


def kind_label(kind: str) -> str:
    return str(KINDS[kind].label if kind in KINDS else DIGEST_LABEL)


#: What the sender writes in ``last_error`` (in English, as stored: see sender and smtp) and
#: how the administrator's page says it. The server's own words stay as it wrote them.
ERRORS = {
    "Not sent in time": _l("Not sent in time"),
    "The task was done before the mail left.": _l("The task was done before the mail left."),
    "No address (or deactivated) at sending.": _l("No address (or deactivated) at sending."),
    "The SMTP session ended early": _l("The SMTP session ended early"),
}
#: The same for texts that go on with details: (how the stored text starts, the message).
ERRORS_WITH_DETAIL = (
    ("Not sent in time; last error: ", _l("Not sent in time; last error: %(detail)s")),
    ("Could not build the message: ", _l("Could not build the message: %(detail)s")),
    ("Recipient refused: ", _l("Recipient refused: %(detail)s")),
    ("The server answered ", _l("The server answered %(detail)s")),
)


def error_text(stored: str | None) -> str:
    """A stored ``last_error`` in the reader's language."""
    if not stored:
        return ""
    if stored in ERRORS:
        return str(ERRORS[stored])
    for start, message in ERRORS_WITH_DETAIL:
        if stored.startswith(start):
            return str(message) % {"detail": error_text(stored[len(start):])}
    return stored


def load(actor: Actor) -> Outbox:
    record(actor, "mail_outbox_viewed")
    counts = dict(db.session.execute(
        select(Notification.status, func.count()).group_by(Notification.status)).all())
    waiting = _rows(Notification.status.in_(("pending", "sending")),
                    Notification.last_error.is_(None), preview=True)
    problems = _rows(or_(Notification.status == "failed",
                         (Notification.status == "pending") & Notification.last_error.is_not(None)))
    sent = _rows(Notification.status == "sent", order=Notification.sent_at.desc())
    stopped_ids = stopped_user_ids()
    return Outbox(smtp=sender.smtp_settings(), counts=counts, waiting=waiting,
                  problems=problems, sent=sent, unreachable=_without_address(),
                  stopped=_users(stopped_ids), silent_organisations=_silent(stopped_ids))


def _rows(*where, preview: bool = False, order=None) -> list[Shown]:
    found = db.session.execute(
        select(Notification, User).join(User, User.id == Notification.user_id).where(*where)
        .order_by(order if order is not None else Notification.id.desc()).limit(SHOWN)).all()
    if not found:
        return []
    links = render.Links() if preview else None
    digests = _items([n.id for n, _ in found if n.kind == DIGEST_KIND]) if preview else {}
    shown = []
    for note, user in found:
        mail = render.compose(note, user, digests.get(note.id, []), links) if preview else None
        shown.append(Shown(note.id, user.username, user.email, note.kind, note.case_code,
                           note.created_at, note.status, note.attempts, note.next_attempt_at,
                           note.last_error, mail.subject if mail else "",
                           mail.text if mail else ""))
    return shown


def _items(digest_ids: list[int]) -> dict[int, list[Notification]]:
    found: dict[int, list[Notification]] = {i: [] for i in digest_ids}
    if digest_ids:
        for item in db.session.scalars(select(Notification)
                                       .where(Notification.digest_id.in_(digest_ids))):
            found[item.digest_id].append(item)
    return found


def _case_workers():
    return (select(Membership.user_id).where(Membership.role.in_(sorted(TASK_ROLES))))


def _without_address() -> list[User]:
    return list(db.session.scalars(
        select(User).where(User.active.is_(True), User.id.in_(_case_workers()),
                           or_(User.email.is_(None), User.email == ""))
        .order_by(User.username)))


def _users(ids: set[int]) -> list[User]:
    if not ids:
        return []
    return list(db.session.scalars(select(User).where(User.id.in_(ids))
                                   .order_by(User.username)))


def _silent(stopped_ids: set[int]) -> list[Organisation]:
    """Organisations with members who do case work, none of whom can be mailed: their
    tasks reach nobody by mail."""
    members = db.session.execute(
        select(Membership.organisation_id, User.id, User.email, User.active)
        .join(User, User.id == Membership.user_id)
        .where(Membership.role.in_(sorted(TASK_ROLES)))).all()
    reachable: dict[int, bool] = {}
    for organisation_id, user_id, email, active in members:
        ok = bool(active and email and user_id not in stopped_ids)
        reachable[organisation_id] = reachable.get(organisation_id, False) or ok
    silent = [org_id for org_id, ok in reachable.items() if not ok]
    if not silent:
        return []
    return list(db.session.scalars(select(Organisation).where(Organisation.id.in_(silent))
                                   .order_by(Organisation.name)))
