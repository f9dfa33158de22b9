"""Who may do what: the one place where permissions are decided.

Two layers, both readable here:

1. ``PERMISSIONS``: what each role may do at all (a role -> permission table).
2. Involvement rules: for case content, the permission is not enough; a partner organisation
   sees a case only once it is involved (an information request or action for it, or a seat
   at the table), and then only what was asked of it, its own contributions and what the
   coordinator explicitly shared with it. Person details are for coordinators only.

Views and services ask the ``may_*`` functions below; nothing else checks roles.
"""

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import NETWORK_ROLES, Case, Contribution, Involvement, SharedItem, Task, User

# ---------------------------------------------------------------------------------------------
# 1. Role -> permission table
# ---------------------------------------------------------------------------------------------
PERMISSIONS: dict[str, frozenset[str]] = {
    # The coordinator runs the table: sees every case, the person, and looks after the data.
    "coordinator": frozenset({
        "case.register", "case.list", "case.export", "case.read", "case.read_person",
        "case.share", "case.comment", "case.access_log", "case.access_log_export",
        "subject.rectify", "subject.erase", "subject.access_export", "task.reassign",
        "task.work", "report.read", "report.export", "roles.confirm",
        # Following the network's work across cases (see "Coordinating" below).
        "task.overview", "task.remind", "case.urgency", "case.search_person",
        "case.review_now", "case.change_coordinator",
    }),
    # A partner member: only cases its organisation is involved in, only its own part.
    # A front-line worker reports a signal; the coordinator decides whether it becomes a case.
    "partner": frozenset({"case.read_involved", "case.read_disclosed_identity", "signal.submit",
                          "task.work"}),
    # A partner representative at the table: for cases where the organisation has a seat,
    # the table's view (all contributions, also under professional secrecy; no person details).
    "partner_rep": frozenset({"case.read_involved", "case.read_at_table", "case.comment",
                              "case.read_disclosed_identity", "signal.submit", "task.work"}),
    # Process owners change the process; they never read cases.
    "process_owner": frozenset({"process.edit"}),
    # Administrators manage accounts and organisations; they never read case content.
    # mail.outbox: the notifications (kinds and case codes only), failures and who cannot
    # be reached by mail.
    "admin": frozenset({"accounts.manage", "mail.outbox", "partners.manage"}),
    # Auditors read the audit trail (who accessed what), not the case content.
    "auditor": frozenset({"audit.read", "case.access_log", "case.access_log_export"}),
    # Evaluators read the network's evaluation (counts and durations), nothing of any case.
    "evaluator": frozenset({"report.read", "report.export"}),
}


#: Roles that do case work in tasks. A task in another lane (process owner, administrator,
#: auditor) reaches nobody: it would show those roles case content they must not read.
TASK_ROLES = frozenset(role for role, granted in PERMISSIONS.items() if "task.work" in granted)
#: The lanes of partner organisations' tasks (what the coordinator's overview follows).
PARTNER_LANES = TASK_ROLES - NETWORK_ROLES


def permissions_of(user: User) -> frozenset[str]:
    """Everything the user's roles allow (union over memberships)."""
    granted: set[str] = set()
    for role in user.roles:
        granted |= PERMISSIONS.get(role, frozenset())
    return frozenset(granted)


def roles_with(permission: str) -> frozenset[str]:
    """The roles that grant ``permission``."""
    return frozenset(role for role, granted in PERMISSIONS.items() if permission in granted)


def can(user: User | None, permission: str) -> bool:
    """True if one of the user's roles has `permission` (unknown permissions: never)."""
    return user is not None and any(
        permission in PERMISSIONS.get(role, frozenset()) for role in user.roles
    )


# ---------------------------------------------------------------------------------------------
# 2. Involvement rules (need-to-know)
# ---------------------------------------------------------------------------------------------
def org_ids_with(user: User, permission: str) -> set[int]:
    """The organisations for which the user holds `permission` (through that membership)."""
    return {m.organisation_id for m in user.memberships
            if permission in PERMISSIONS.get(m.role, frozenset())}


def involved_organisation_ids(case: Case, reason: str | None = None) -> set[int]:
    query = select(Involvement.organisation_id).where(Involvement.case_id == case.id)
    if reason:
        query = query.where(Involvement.reason == reason)
    return set(db.session.scalars(query))


def is_involved(user: User, case: Case) -> bool:
    """One of the user's organisations (where the user may read involved cases) is involved."""
    orgs = org_ids_with(user, "case.read_involved")
    return bool(orgs) and bool(orgs & involved_organisation_ids(case))


def is_at_table(user: User, case: Case) -> bool:
    """Coordinators (case.read), and representatives (case.read_at_table) whose organisation
    has a seat at the table for this case."""
    if can(user, "case.read"):
        return True
    orgs = org_ids_with(user, "case.read_at_table")
    return bool(orgs) and bool(orgs & involved_organisation_ids(case, "table"))


def may_register_case(user: User) -> bool:
    return can(user, "case.register")


def may_submit_signal(user: User) -> bool:
    """A partner's front-line worker reports a concern (it becomes a case only when the
    coordinator decides so at intake)."""
    return can(user, "signal.submit")


def may_view_case(user: User, case: Case) -> bool:
    """The whole case file (without person details): coordinators and the table of the case.
    Partners see only their own part (may_view_involved_case), never the whole file."""
    return is_at_table(user, case)


def may_view_involved_case(user: User, case: Case) -> bool:
    """The case code, what was asked of the user's organisation, its own contributions and
    what the coordinator shared with it."""
    return may_view_case(user, case) or is_involved(user, case)


def may_know_case_exists(user: User, case: Case) -> bool:
    """Whether a refusal may say "not for you" (403) rather than look like a missing case
    (404): for those who list cases or read access logs, and organisations involved in this
    case. Anyone else gets the same answer for an existing and a missing code, so codes
    cannot be probed."""
    return (can(user, "case.list") or can(user, "case.access_log")
            or may_view_involved_case(user, case))


def may_see_person_details(user: User, case: Case | None = None) -> bool:
    """Name, date of birth and address: coordinators only, never in lists or exports."""
    return can(user, "case.read_person")


def may_see_contribution(user: User, contribution: Contribution) -> bool:
    """Coordinators and the table see everything recorded; an organisation sees its own
    contributions and what was shared with it, never one under professional secrecy
    unless it wrote it."""
    case = db.session.get(Case, contribution.case_id)
    if is_at_table(user, case):
        return True
    orgs = org_ids_with(user, "case.read_involved")
    if contribution.organisation_id is not None and contribution.organisation_id in orgs:
        return True
    if contribution.user_id == user.id:
        return True
    if contribution.professional_secrecy or not orgs:
        return False
    return db.session.scalar(
        select(SharedItem.id).where(SharedItem.contribution_id == contribution.id,
                                    SharedItem.organisation_id.in_(orgs)).limit(1)
    ) is not None


def visible_contributions(user: User, case: Case,
                          contributions: list[Contribution]) -> list[Contribution]:
    """The contributions of one case this user may see (:func:`may_see_contribution` for
    each), decided with at most two queries for the lot instead of two per contribution."""
    if not contributions or is_at_table(user, case):
        return list(contributions)
    orgs = org_ids_with(user, "case.read_involved")
    seen, ask = [], []
    for c in contributions:
        if (c.organisation_id is not None and c.organisation_id in orgs) or c.user_id == user.id:
            seen.append(c)
        elif orgs and not c.professional_secrecy:
            ask.append(c)
    shared = set(db.session.scalars(
        select(SharedItem.contribution_id).where(
            SharedItem.contribution_id.in_([c.id for c in ask]),
            SharedItem.organisation_id.in_(orgs)))) if ask else set()
    return [c for c in contributions if c in seen or c.id in shared]


def may_share(user: User, case: Case) -> bool:
    """Share a contribution or a note with an involved organisation, grant a seat."""
    return can(user, "case.share")


def may_work_on(user: User, task: Task) -> bool:
    """A task is for members with the lane's role (a role that does case work, TASK_ROLES);
    an organisation's task only for its members. ``task.lane`` is already the role: a lane
    alias such as "Table" arrives as "coordinator" (engine.taskinfo.LANE_ROLES). A task
    assigned to one person (lane_owners naming a username) is theirs alone."""
    assignee_id = getattr(task, "assignee_id", None)  # a Contribution has none
    if assignee_id is not None and assignee_id != user.id:
        return False
    for membership in user.memberships:
        if membership.role != task.lane or membership.role not in TASK_ROLES:
            continue
        if task.organisation_id == membership.organisation_id:
            return True
        if task.organisation_id is None and membership.role in NETWORK_ROLES:
            return True
    return False


def may_manage_accounts(user: User) -> bool:
    return can(user, "accounts.manage")


def may_see_outbox(user: User) -> bool:
    """The e-mail outbox: what was or would have been sent, failures, who cannot be reached."""
    return can(user, "mail.outbox")


def may_edit_processes(user: User) -> bool:
    return can(user, "process.edit")


def may_view_access_log(user: User, case: Case) -> bool:
    """Who saw this case (the person's right to know): coordinators and auditors."""
    return can(user, "case.access_log")


def may_export_access_log(user: User, case: Case) -> bool:
    return can(user, "case.access_log_export")


def may_read_audit(user: User) -> bool:
    return can(user, "audit.read")


def role_reads_cases(role: str) -> bool:
    """Whether a role lets its members read case content (some "case.read*" permission): an
    administrator granting one needs a coordinator to confirm it (four eyes), so nobody can
    give themselves case access."""
    return any(p.startswith("case.read") for p in PERMISSIONS.get(role, ()))


def may_confirm_role(user: User, grant) -> bool:
    """Coordinators confirm a case-reading role, never one they asked for or their own."""
    return (can(user, "roles.confirm") and grant.requested_by_id != user.id
            and grant.user_id != user.id)


def may_rectify_subject(user: User, case: Case) -> bool:
    return can(user, "subject.rectify")


def may_erase_subject(user: User, case: Case) -> bool:
    return can(user, "subject.erase")


def may_export_subject_data(user: User) -> bool:
    return can(user, "subject.access_export")


def may_claim(user: User, task: Task) -> bool:
    """Anyone who may work on a task may claim it (a claim says "I am on it")."""
    return may_work_on(user, task)


def may_reassign(user: User, task: Task) -> bool:
    """Coordinators hand tasks to someone else (or take a claim away)."""
    return can(user, "task.reassign")


def may_release(user: User, task: Task) -> bool:
    """The person who claimed a task gives it back; a coordinator can too."""
    return task.claimed_by_id == user.id or may_reassign(user, task)


def may_list_cases(user: User) -> bool:
    return can(user, "case.list")


def may_export_cases(user: User) -> bool:
    """The CSV export of the cases list (codes, status, steps; never person details)."""
    return can(user, "case.export")


def may_view_diagram(user: User, case: Case) -> bool:
    """The BPMN diagram of the case's process version, with its progress."""
    return may_view_case(user, case)


def may_read_comments(user: User, case: Case) -> bool:
    return may_view_case(user, case)


def may_comment(user: User, case: Case) -> bool:
    return may_view_case(user, case) and can(user, "case.comment")


def may_see_all_contributions(user: User, case: Case) -> bool:
    """Everything recorded on the case; otherwise only what the user's organisation shared."""
    return may_view_case(user, case)


# ---------------------------------------------------------------------------------------------
# Coordinating: following the partners' work across cases
# ---------------------------------------------------------------------------------------------
def may_see_overview(user: User) -> bool:
    """The overview of every open partner task across cases (case codes and what was asked,
    never person details)."""
    return can(user, "task.overview")


def may_send_reminder(user: User, task: Task) -> bool:
    """Remind a partner organisation of an open task of theirs."""
    return can(user, "task.remind") and task.lane in PARTNER_LANES


def may_set_urgency(user: User, case: Case) -> bool:
    return can(user, "case.urgency")


def may_search_people(user: User) -> bool:
    """Find cases by the person's name or date of birth (a read of person details)."""
    return can(user, "case.search_person") and can(user, "case.read_person")


def may_bring_review_forward(user: User, case: Case) -> bool:
    return can(user, "case.review_now")


def may_change_coordinator(user: User, case: Case) -> bool:
    return can(user, "case.change_coordinator")


def may_see_disclosed_identity(user: User, case: Case) -> bool:
    """A partner sees the identifiers a coordinator disclosed to its organisation for a task
    (services.disclosure decides which, while the disclosure stands and the organisation is
    involved); never in lists, inboxes, exports or URLs."""
    return can(user, "case.read_disclosed_identity") and is_involved(user, case)


def lane_reads_disclosed_identity(lane: str | None) -> bool:
    """Whether a task in this lane (a role) can carry a disclosure of the person's identity:
    only the roles that see cases through involvement, never the coordinators' lanes."""
    return "case.read_disclosed_identity" in PERMISSIONS.get(lane or "", frozenset())


def may_download_attachment(user: User, contribution: Contribution | None,
                            uploaded_by_id: int) -> bool:
    """An attachment has exactly the visibility of the contribution it belongs to
    (professional secrecy included); one not sent yet is its uploader's only."""
    if contribution is None:
        return user.id == uploaded_by_id
    return may_see_contribution(user, contribution)


def may_read_reports(user: User) -> bool:
    """The flow evaluation, the heatmap and the coverage matrix: counts and durations only,
    small counts suppressed."""
    return can(user, "report.read")


def may_export_reports(user: User) -> bool:
    return can(user, "report.export")


def may_manage_partners(user: User) -> bool:
    """The partner registry: the life domains, mandate and contact of each organisation."""
    return can(user, "partners.manage")
