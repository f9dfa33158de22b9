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


def may_claim(user: User, task: Task) -> bool:
    """Anyone who may work on a task may claim it (a claim says "I am on it")."""
    return may_work_on(user, task)


def may_reassign(user: User, task: Task) -> bool:
    """Coordinators hand tasks to someone else (or take a claim away)."""
    return user.has_role("coordinator")


def may_release(user: User, task: Task) -> bool:
    """The person who claimed a task gives it back; a coordinator can too."""
    return task.claimed_by_id == user.id or may_reassign(user, task)


def may_list_cases(user: User) -> bool:
    return user.has_role("coordinator")


def may_export_cases(user: User) -> bool:
    """The CSV export of the cases list (codes, status, steps; never person details)."""
    return user.has_role("coordinator")


def may_view_diagram(user: User, case: Case) -> bool:
    """The BPMN diagram of the case's process version, with its progress."""
    return may_view_case(user, case)


def may_read_comments(user: User, case: Case) -> bool:
    return may_view_case(user, case)


def may_comment(user: User, case: Case) -> bool:
    return may_view_case(user, case)


def may_see_all_contributions(user: User, case: Case) -> bool:
    """Everything recorded on the case; otherwise only what the user's organisation shared."""
    return may_view_case(user, case)
