"""Roles that read cases are granted by two people: an administrator asks, a coordinator
confirms. Until then the role does nothing, so an administrator cannot give themselves (or
an accomplice) case access alone."""

from collections.abc import Callable

from flask_babel import gettext as _
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Membership, Organisation, RoleGrant, User, utcnow
from webapp.services import policy
from webapp.services.audit import Actor, record
from webapp.services.errors import Conflict, NotAllowed, NotFound

#: Called with each new request, after it is written (and before the commit): the hook for
#: telling coordinators by other means than their inbox (e-mail is services/notifications'
#: work). Listeners must not commit and must not raise for a failed delivery.
GRANT_REQUESTED_LISTENERS: list[Callable[[RoleGrant], None]] = []


def request_grant(actor: Actor, user: User, organisation: Organisation, role: str) -> RoleGrant:
    """Ask for ``role`` in ``organisation`` for ``user``; it waits for a coordinator."""
    grant = RoleGrant(user_id=user.id, organisation_id=organisation.id, role=role,
                      requested_by_id=actor.user.id if actor.user else None,
                      requested_at=utcnow(), status="pending")
    db.session.add(grant)
    db.session.flush()
    record(actor, "role_grant_requested", username=user.username, role=role,
           organisation=organisation.code, grant=grant.id)
    notify_role_grant_requested(grant)
    return grant


def notify_role_grant_requested(grant: RoleGrant) -> None:
    """Tell the coordinators a role waits for them. The inbox shows it (pending_count); other
    channels plug in through GRANT_REQUESTED_LISTENERS."""
    for listener in GRANT_REQUESTED_LISTENERS:
        listener(grant)


def pending(user: User | None = None) -> list[RoleGrant]:
    """Requests still waiting (for one user, or all), oldest first."""
    query = select(RoleGrant).where(RoleGrant.status == "pending")
    if user is not None:
        query = query.where(RoleGrant.user_id == user.id)
    return list(db.session.scalars(query.order_by(RoleGrant.requested_at, RoleGrant.id)))


def pending_count(user: User) -> int:
    """How many requests this user could confirm (0 for anyone who confirms none)."""
    if not policy.can(user, "roles.confirm"):
        return 0
    return db.session.scalar(select(func.count(RoleGrant.id)).where(
        RoleGrant.status == "pending", RoleGrant.requested_by_id.is_distinct_from(user.id),
        RoleGrant.user_id != user.id)) or 0


def decide(actor: Actor, grant_id: int, confirm: bool) -> RoleGrant:
    """Confirm (the membership is made now) or refuse a request. Raises NotFound, NotAllowed
    (not a coordinator, or their own request or role) and Conflict (decided already)."""
    grant = db.session.scalar(select(RoleGrant).where(RoleGrant.id == grant_id)
                              .with_for_update(of=RoleGrant))
    if grant is None:
        raise NotFound(_("There is no such request."))
    if not policy.may_confirm_role(actor.user, grant):
        raise NotAllowed(_("A coordinator other than the person who asked, and other than "
                           "the person it is for, decides on this role."))
    if grant.status != "pending":
        who = grant.decided_by.display_name if grant.decided_by else _("Someone")
        raise Conflict(_("%(who)s decided on this request already (confirmed).", who=who)
                       if grant.status == "confirmed" else
                       _("%(who)s decided on this request already (refused).", who=who))
    grant.status = "confirmed" if confirm else "refused"
    grant.decided_by_id, grant.decided_at = actor.user.id, utcnow()
    if confirm and not any(m.organisation_id == grant.organisation_id and m.role == grant.role
                           for m in grant.user.memberships):
        grant.user.memberships.append(Membership(organisation_id=grant.organisation_id,
                                                 role=grant.role))
    db.session.flush()
    record(actor, f"role_grant_{grant.status}", username=grant.user.username, role=grant.role,
           organisation=grant.organisation.code, grant=grant.id,
           requested_by=grant.requested_by.username if grant.requested_by else None)
    return grant
