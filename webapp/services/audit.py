"""Writing the audit trail. Every read and change of case data goes through record()."""

from dataclasses import dataclass

from webapp.extensions import db
from webapp.models import AuditEvent, User


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
           task_ref: str | None = None, **detail) -> AuditEvent:
    """Append one audit event to the session (flushed with the rest of the transaction)."""
    event = AuditEvent(
        user_id=actor.user.id if actor.user else None,
        organisation_id=actor.organisation_id,
        action=action,
        case_id=case_id,
        task_ref=task_ref,
        detail=detail,
        remote_addr=actor.remote_addr,
    )
    db.session.add(event)
    return event
