"""Who is on a task: claiming it, giving it back, handing it to a colleague, and who else
may take it (the colleagues a coordinator can hand it to; for a four-eyes task, who may
complete it instead of the person who did the step it checks)."""

from flask_babel import gettext as _
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm.attributes import set_committed_value

from webapp.extensions import db
from webapp.models import NETWORK_ROLES, Membership, Task, User
from webapp.services import notifications
from webapp.services.audit import Actor, record
from webapp.services.errors import Conflict, InvalidInput, NotAllowed
from webapp.services.policy import may_claim, may_reassign, may_release, may_work_on
from webapp.services.tasks import claimer_name, get_task_for


def claim_task(actor: Actor, task_id: int) -> Task:
    """Mark a task as taken by the acting user so colleagues see someone is on it.

    Claiming one's own claim again changes nothing. Raises NotFound / NotAllowed, and
    Conflict when someone else claimed it first (two people clicking at once: one wins).
    """
    task = get_task_for(actor.user, task_id)
    if not may_claim(actor.user, task):
        raise NotAllowed(_("You cannot claim this task."))
    if task.four_eyes_user_id == actor.user.id:
        raise NotAllowed(_("You did the step this task checks, so a second person completes "
                           "it (four eyes). Leave it for a colleague."))
    if task.claimed_by_id == actor.user.id:
        return task
    claimed = db.session.execute(
        update(Task).where(Task.id == task.id, Task.claimed_by_id.is_(None))
        .values(claimed_by_id=actor.user.id).execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        holder = db.session.execute(
            select(Task.claimed_by_id).where(Task.id == task.id)).first()
        if holder is None:  # completed (or closed) by someone else meanwhile
            raise Conflict(_("This task was completed or closed meanwhile. Nothing was "
                             "changed."))
        set_committed_value(task, "claimed_by_id", holder.claimed_by_id)
        raise Conflict(_("%(name)s claimed this task first. Nothing was changed.",
                         name=claimer_name(task)))
    set_committed_value(task, "claimed_by_id", actor.user.id)
    record(actor, "task_claimed", case_id=task.case_id, task_ref=task.spiff_task_id,
           step=task.title)
    return task


def release_task(actor: Actor, task_id: int) -> Task:
    """Give a claimed task back to the shared inbox. Raises NotFound / NotAllowed."""
    task = get_task_for(actor.user, task_id)
    if task.claimed_by_id is None:
        return task
    if not may_release(actor.user, task):
        raise NotAllowed(_("%(name)s claimed this task; only they or a coordinator can "
                           "release it.", name=claimer_name(task)))
    previous = task.claimed_by_id
    _set_claim(task, None)
    record(actor, "task_released", case_id=task.case_id, task_ref=task.spiff_task_id,
           step=task.title, previous=previous)
    notifications.task_released(task, actor_id=actor.user.id)
    return task


def reassign_task(actor: Actor, task_id: int, user_id: int) -> Task:
    """Hand a task to another person who may work on it (coordinators).

    Raises NotFound / NotAllowed, InvalidInput when that person may not do this task."""
    task = get_task_for(actor.user, task_id)
    if not may_reassign(actor.user, task):
        raise NotAllowed(_("Only coordinators can reassign tasks."))
    target = db.session.get(User, user_id)
    if target is None or not target.active or not may_work_on(target, task):
        raise InvalidInput(_("That person cannot work on this task."))
    if target.id == task.four_eyes_user_id:
        raise InvalidInput(_("%(name)s did the step this task checks; a second person must "
                             "complete it (four eyes).", name=target.display_name))
    previous = task.claimed_by_id
    _set_claim(task, target.id)
    record(actor, "task_reassigned", case_id=task.case_id, task_ref=task.spiff_task_id,
           step=task.title, to=target.id, previous=previous)
    notifications.task_reassigned(task, target.id, actor_id=actor.user.id)
    return task


def _set_claim(task: Task, user_id: int | None) -> None:
    """Write who holds the task in one statement; Conflict if the row went meanwhile (a
    colleague completed it), instead of a failing flush at the commit."""
    written = db.session.execute(
        update(Task).where(Task.id == task.id).values(claimed_by_id=user_id)
        .execution_options(synchronize_session=False)).rowcount
    if not written:
        raise Conflict(_("This task was completed or closed meanwhile. Nothing was changed."))
    set_committed_value(task, "claimed_by_id", user_id)


_MEMBERS = (
    select(Membership.role, Membership.organisation_id, User.id, User.display_name)
    .join(User, User.id == Membership.user_id)
    .where(Membership.role.in_(bindparam("roles", expanding=True)), User.active.is_(True))
    .order_by(User.display_name)
)


def hand_over_choices(rows: list, user_id: int) -> dict[int, list[tuple[int, str]]]:
    """Who each task on the page could be handed to, other than its claimer and the user
    (one query for the whole page; the members of each lane worked out once)."""
    members = db.session.execute(_MEMBERS, {"roles": sorted({t.lane for t in rows})}).all()
    per_lane: dict[tuple[str, int | None], list[tuple[int, str]]] = {}
    result: dict[int, list[tuple[int, str]]] = {}
    for task in rows:
        lane = (task.lane, task.organisation_id)
        if lane not in per_lane:
            people = {
                uid: name for role, org, uid, name in members
                if role == task.lane and (org == task.organisation_id or (
                    task.organisation_id is None and role in NETWORK_ROLES))
            }
            per_lane[lane] = sorted(people.items(), key=lambda p: p[1])
        left_out = (user_id, task.claimed_by_id, task.four_eyes_user_id)
        result[task.id] = [(uid, name) for uid, name in per_lane[lane]
                           if uid not in left_out and task.assignee_id in (None, uid)]
    return result


def second_pairs(tasks: list, user_id: int) -> dict[int, list[str]]:
    """For four-eyes tasks the user did the checked step of, who may complete each instead:
    the other active members of its lane, by name (one query for them all)."""
    if not tasks:
        return {}
    members = db.session.execute(_MEMBERS, {"roles": sorted({t.lane for t in tasks})}).all()
    return {task.id: sorted({
        name for role, org, uid, name in members
        if role == task.lane and uid != user_id
        and (org == task.organisation_id
             or (task.organisation_id is None and role in NETWORK_ROLES))
    }) for task in tasks}


def second_pair(task) -> list[str]:
    """Who may complete a four-eyes task instead of the person who did the step it checks."""
    return second_pairs([task], task.four_eyes_user_id)[task.id]
