"""Writing the audit trail. Every read and change of case data goes through record()."""

from dataclasses import dataclass

from sqlalchemy import insert

from webapp.extensions import db
from webapp.models import AuditEvent, User, utcnow


@dataclass(frozen=True)
class Actor:
    """Who acts, and from where. `user` is None for the system (timer worker, CLI)."""

    user: User | None
    remote_addr: str | None = None
    organisation_id: int | None = None

    @classmethod
    def system(cls) -> "Actor":
        return cls(user=None, remote_addr=None)


def record(actor: Actor, action: str, *, case_id: int | None = None,
           task_ref: str | None = None, **detail) -> None:
    """Append one audit event to the transaction (written at once, committed or rolled back
    with the rest)."""
    db.session.connection().execute(insert(AuditEvent), {
        "at": utcnow(),
        "user_id": actor.user.id if actor.user else None,
        "organisation_id": actor.organisation_id,
        "action": action,
        "case_id": case_id,
        "task_ref": task_ref,
        "detail": detail,
        "remote_addr": actor.remote_addr,
    })
