"""The responsible coordinator of a case, and who can take that on."""

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from webapp.extensions import db
from webapp.models import Case, Membership, User
from webapp.services.audit import Actor, record
from webapp.services.errors import Conflict, InvalidInput, NotAllowed
from webapp.services.policy import may_change_coordinator, may_register_case, roles_with


def coordinators() -> list[tuple[int, str]]:
    """(id, name) of the active users who can be responsible for a case (a role of theirs
    may register cases), by name: one query over the roles that may (loading every user and
    then each one's memberships was a tenth of a case page)."""
    roles = sorted(roles_with("case.register"))
    return [tuple(row) for row in db.session.execute(
        select(User.id, User.display_name).where(
            User.active.is_(True),
            User.id.in_(select(Membership.user_id).where(Membership.role.in_(roles))))
        .order_by(User.display_name, User.id)
    )]


def change_coordinator(actor: Actor, case: Case, user_id: int | None,
                       expected_id: int | None) -> User:
    """Make another coordinator responsible for the case. ``expected_id`` is the coordinator
    the person saw on the page: if someone changed it since, nothing is changed (Conflict).
    Raises NotAllowed, InvalidInput (not an active coordinator, or already responsible)."""
    if not may_change_coordinator(actor.user, case):
        raise NotAllowed(_("Only coordinators change who is responsible for a case."))
    target = db.session.get(User, user_id) if user_id else None
    if target is None or not target.active or not may_register_case(target):
        raise InvalidInput(_("Choose an active coordinator."))
    if target.id == case.coordinator_id:
        raise InvalidInput(_("%(name)s is already responsible for case %(code)s.",
                             name=target.display_name, code=case.code))
    current = (Case.coordinator_id.is_(None) if expected_id is None
               else Case.coordinator_id == expected_id)
    changed = db.session.execute(
        update(Case).where(Case.id == case.id, current).values(coordinator_id=target.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        now_id = db.session.scalar(select(Case.coordinator_id).where(Case.id == case.id))
        now_name = db.session.get(User, now_id).display_name if now_id else _("nobody")
        raise Conflict(_("Someone changed the responsible coordinator of case %(code)s "
                         "meanwhile: it is now %(name)s. Nothing was changed.",
                         code=case.code, name=now_name))
    set_committed_value(case, "coordinator_id", target.id)
    record(actor, "coordinator_changed", case_id=case.id, to=target.id, previous=expected_id)
    return target
