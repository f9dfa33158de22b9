"""Who gets a ready user task: the inbox rows it becomes.

The lane names the role; the task narrows it to an organisation (``assignedOrganisation``) or,
in spiff-arena's convention, the task data's ``lane_owners = {"<lane>": [...]}`` names
organisations (by code) or people (by username). A name that resolves to nobody is not parked
where nobody sees it: the step fails and the coordinator is told which element and value.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from webapp import engine
from webapp.extensions import db
from webapp.models import NETWORK_ROLES, Membership, Organisation, User
from webapp.services.errors import StepFailed
from webapp.services.policy import TASK_ROLES


@dataclass(frozen=True)
class Owner:
    """One inbox row of a task: for an organisation's members (or the whole network when
    None), or for one person (``assignee_id``, with the organisation they work for)."""

    organisation_id: int | None
    assignee_id: int | None = None


class AssignmentFailed(StepFailed):
    """A ready task names an organisation or person that does not exist here."""


def _where(task: engine.ReadyTask) -> str:
    where = f"element '{task.spec_name}'"
    return where + (f" ({task.title})" if task.title and task.title != task.spec_name else "")


def _failed(case_id: int, task: engine.ReadyTask, what: str) -> AssignmentFailed:
    detail = f"{_where(task)}: {what}"
    return AssignmentFailed(f"The next step could not be given to anyone, so nothing was "
                            f"saved: {detail} The coordinator has been told; the process owner "
                            "must fix the process or the data.", case_id, detail)


def owners(tasks: Iterable[engine.ReadyTask], case_id: int) -> dict[str, list[Owner]]:
    """The inbox rows of each ready task (by task id). Reads the organisations and users the
    tasks name in two queries. Raises AssignmentFailed naming the element and the value."""
    tasks = list(tasks)
    names = {t.organisation for t in tasks if t.organisation}
    names |= {name for t in tasks for name in (t.owners or ())}
    orgs = dict(db.session.execute(
        select(Organisation.code, Organisation.id).where(Organisation.code.in_(names))
    ).all()) if names else {}
    people = _people(names - set(orgs))
    return {t.id: _owners_of(t, orgs, people, case_id) for t in tasks}


def _people(usernames: set[str]) -> dict[str, list[tuple[int, str, int]]]:
    """username -> [(user id, role, organisation id)] of active users' memberships."""
    if not usernames:
        return {}
    rows = db.session.execute(
        select(User.username, User.id, Membership.role, Membership.organisation_id)
        .join(Membership, Membership.user_id == User.id)
        .where(User.username.in_(usernames), User.active.is_(True))
        .order_by(Membership.id)
    ).all()
    found: dict[str, list[tuple[int, str, int]]] = {}
    for username, user_id, role, organisation_id in rows:
        found.setdefault(username, []).append((user_id, role, organisation_id))
    return found


def _owners_of(task: engine.ReadyTask, orgs: dict[str, int], people, case_id: int) -> list[Owner]:
    role = task.lane or ""
    if task.organisation:
        if task.organisation not in orgs:
            raise _failed(case_id, task, f"assignedOrganisation gave '{task.organisation}', "
                          "which is not the code of any organisation here.")
        return [Owner(orgs[task.organisation])]
    if task.owners is not None:
        return _named(task, role, orgs, people, case_id)
    if role in NETWORK_ROLES or role not in TASK_ROLES:
        return [Owner(None)]  # the whole network; roles without case work reach nobody
    raise _failed(case_id, task, f"a task in the '{task.lane_name or role}' lane goes to one "
                  "organisation, and neither assignedOrganisation nor lane_owners names one.")


def _named(task, role: str, orgs, people, case_id: int) -> list[Owner]:
    lane = task.lane_name or role
    if not task.owners:
        raise _failed(case_id, task, f"lane_owners names nobody for the lane '{lane}'.")
    found: dict[Owner, None] = {}
    for name in task.owners:
        if name in orgs:
            found[Owner(orgs[name])] = None
            continue
        memberships = people.get(name)
        if memberships is None:
            raise _failed(case_id, task, f"lane_owners names '{name}' for the lane '{lane}', "
                          "which is neither an organisation code nor the username of an active "
                          "user.")
        match = next(((uid, org) for uid, r, org in memberships if r == role), None)
        if match is None:
            raise _failed(case_id, task, f"lane_owners names the user '{name}' for the lane "
                          f"'{lane}', but '{name}' does not have the role that does the tasks "
                          f"of that lane ({role}).")
        found[Owner(match[1], match[0])] = None
    return list(found)
