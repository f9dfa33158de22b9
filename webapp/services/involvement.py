"""Which organisations are involved in a case, and what the coordinator shared with them.

An organisation becomes involved when a task for it is created (an information request or an
action) or when the coordinator grants it a seat at the table for the case. Only then may its
members see the case, and only their own part of it (see services.policy).
"""

from dataclasses import dataclass

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import (
    Case,
    Contribution,
    Involvement,
    Organisation,
    SharedItem,
    Task,
    User,
    utcnow,
)
from webapp.services import policy
from webapp.services.audit import Actor, record
from webapp.services.errors import InvalidInput, NotAllowed, NotFound

MAX_NOTE_LENGTH = 5000


def involve(case_id: int, organisation_id: int, reason: str, *, detail: str = "",
            granted_by: User | None = None) -> Involvement | None:
    """Record that an organisation is involved (idempotent per case, organisation, reason).

    Returns the new row, or None when it was involved for this reason already."""
    exists = db.session.scalar(
        select(Involvement.id).where(Involvement.case_id == case_id,
                                     Involvement.organisation_id == organisation_id,
                                     Involvement.reason == reason)
    )
    if exists is not None:
        return None
    row = Involvement(case_id=case_id, organisation_id=organisation_id, reason=reason,
                      detail=detail[:300], granted_by_id=granted_by.id if granted_by else None,
                      created_at=utcnow())
    db.session.add(row)
    return row


def involve_for_tasks(case_id: int, rows: list[dict]) -> None:
    """Hook for services.cases: every new inbox row assigned to an organisation involves it."""
    for row in rows:
        org_id = row.get("organisation_id")
        if org_id is not None and involve(case_id, org_id, "task",
                                          detail=row.get("title") or "") is not None:
            org = db.session.get(Organisation, org_id)
            record(Actor.system(), "organisation_involved", case_id=case_id,
                   organisation=org.name if org else str(org_id), reason="task",
                   step=row.get("title") or "")


def involvements(case: Case) -> list[Involvement]:
    return list(db.session.scalars(
        select(Involvement).where(Involvement.case_id == case.id)
        .order_by(Involvement.created_at, Involvement.id)
    ))


def grant_seat(actor: Actor, case: Case, organisation_code: str) -> Involvement:
    """Give an organisation a seat at the table for this case. Raises NotAllowed/NotFound."""
    if not policy.may_share(actor.user, case):
        raise NotAllowed("Only coordinators grant a seat at the table.")
    org = _organisation(organisation_code)
    row = involve(case.id, org.id, "table", granted_by=actor.user)
    if row is None:
        raise InvalidInput(f"{org.name} has a seat at the table for this case already.")
    record(actor, "seat_granted", case_id=case.id, organisation=org.name)
    return row


def share(actor: Actor, case: Case, organisation_code: str, *,
          contribution_id: int | None = None, note: str | None = None) -> SharedItem:
    """Share a contribution or a note with one involved organisation.

    Refused: sharing with an organisation that is not involved (need-to-know), sharing a
    contribution under professional secrecy outside the table, and empty shares."""
    if not policy.may_share(actor.user, case):
        raise NotAllowed("Only coordinators share case information.")
    org = _organisation(organisation_code)
    if org.id not in policy.involved_organisation_ids(case):
        raise InvalidInput(f"{org.name} is not involved in this case. Send it a request or "
                           "give it a seat at the table first.")
    note = (note or "").strip() or None
    if note and len(note) > MAX_NOTE_LENGTH:
        raise InvalidInput(f"A note can be at most {MAX_NOTE_LENGTH} characters.")
    contribution = None
    if contribution_id is not None:
        contribution = db.session.get(Contribution, contribution_id)
        if contribution is None or contribution.case_id != case.id:
            raise NotFound("There is no such contribution on this case.")
        at_table = org.id in policy.involved_organisation_ids(case, "table")
        if contribution.professional_secrecy and not at_table:
            raise InvalidInput("This contribution is covered by professional secrecy; it stays "
                               "with the coordinators and the table.")
    if contribution is None and not note:
        raise InvalidInput("Choose a contribution or write a note to share.")
    item = SharedItem(case_id=case.id, organisation_id=org.id,
                      contribution_id=contribution.id if contribution else None, note=note,
                      shared_by_id=actor.user.id, shared_at=utcnow())
    db.session.add(item)
    db.session.flush()
    record(actor, "shared", case_id=case.id, organisation=org.name,
           contribution_id=contribution.id if contribution else None, note=bool(note))
    return item


def _organisation(code: str) -> Organisation:
    org = db.session.scalar(select(Organisation).where(Organisation.code == code))
    if org is None:
        raise NotFound("There is no such organisation.")
    return org


@dataclass(frozen=True)
class InvolvedView:
    """What one user may see of a case: never the person, never more than their part."""

    case: Case
    at_table: bool
    open_tasks: list[Task]
    contributions: list[Contribution]
    shared: list[SharedItem]
    involvements: list[Involvement]


def involved_view(actor: Actor, case: Case) -> InvolvedView:
    """The need-to-know view of a case for the acting user; audited. Raises NotFound when the
    user may not see the case at all (unknown and forbidden look the same)."""
    user = actor.user
    if not policy.may_view_involved_case(user, case):
        raise NotFound("There is no case with this code, or it is not yours to see.")
    at_table = policy.may_see_all_contributions(user, case)
    orgs = {m.organisation_id for m in user.memberships}
    task_query = select(Task).where(Task.case_id == case.id).order_by(Task.created_at, Task.id)
    contribution_query = select(Contribution).where(Contribution.case_id == case.id).order_by(
        Contribution.submitted_at, Contribution.id)
    shared_query = select(SharedItem).where(SharedItem.case_id == case.id).order_by(
        SharedItem.shared_at, SharedItem.id)
    if not at_table:
        task_query = task_query.where(Task.organisation_id.in_(orgs))
        contribution_query = contribution_query.where(Contribution.organisation_id.in_(orgs))
        shared_query = shared_query.where(SharedItem.organisation_id.in_(orgs))
    shared = list(db.session.scalars(shared_query))
    contributions = list(db.session.scalars(contribution_query))
    record(actor, "case_viewed", case_id=case.id, view="table" if at_table else "involved")
    return InvolvedView(
        case=case, at_table=at_table, open_tasks=list(db.session.scalars(task_query)),
        contributions=contributions, shared=shared,
        involvements=involvements(case) if at_table else [],
    )


def involved_cases(user: User) -> list[tuple[Case, list[str]]]:
    """The cases the user's organisations are involved in, newest first, with the reasons
    in words. Codes only: no person details ever appear in this list."""
    orgs = policy.org_ids_with(user, "case.read_involved")
    if not orgs:
        return []
    rows = db.session.execute(
        select(Case, Involvement).join(Involvement, Involvement.case_id == Case.id)
        .where(Involvement.organisation_id.in_(orgs))
        .order_by(Case.created_at.desc(), Case.id.desc(), Involvement.id)
    ).all()
    found: dict[int, tuple[Case, list[str]]] = {}
    for case, row in rows:
        reason = "seat at the table" if row.reason == "table" else row.detail or "a task"
        found.setdefault(case.id, (case, []))[1].append(reason)
    return [entry for entry in found.values() if policy.may_view_involved_case(user, entry[0])]
