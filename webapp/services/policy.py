"""Who may do what: the one place where permissions are decided."""

from webapp.models import NETWORK_ROLES, Case, Task, User


def may_register_case(user: User) -> bool:
    return user.has_role("coordinator")


def may_view_case(user: User, case: Case) -> bool:
    """Coordinators see cases; partners see only their own tasks, never the whole file."""
    return user.has_role("coordinator")


def may_see_person_details(user: User) -> bool:
    return user.has_role("coordinator")


def may_work_on(user: User, task: Task) -> bool:
    """A task is for members with the lane's role; an organisation's task only for its members."""
    for membership in user.memberships:
        if membership.role != task.lane:
            continue
        if task.organisation_id == membership.organisation_id:
            return True
        if task.organisation_id is None and membership.role in NETWORK_ROLES:
            return True
    return False


def may_manage_accounts(user: User) -> bool:
    return user.has_role("admin")
