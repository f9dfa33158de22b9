"""Which organisations are involved in a case, and what the coordinator shared with them.

An organisation becomes involved when a task for it is created (an information request or an
action), when one of its members reported the signal the case started from, or when the
coordinator grants it a seat at the table for the case. Only then may its members see the
case, and only their own part of it (see services.policy). A seat and a share can be withdrawn
again; the audit trail keeps both the grant and the withdrawal.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import gettext as _
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
from webapp.services import disclosure, policy
from webapp.services.audit import Actor, record
from webapp.services.disclosure import reader_name
from webapp.services.errors import InvalidInput, NotAllowed, NotFound

MAX_NOTE_LENGTH = 5000

#: The involvements a coordinator may take back: only a seat at the table. A task or the
#: organisation's own signal involved it through its own work, which it keeps seeing.
WITHDRAWABLE_REASONS = frozenset({"table"})


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
        raise NotAllowed(_("Only coordinators grant a seat at the table."))
    org = _organisation(organisation_code)
    row = involve(case.id, org.id, "table", granted_by=actor.user)
    if row is None:
        raise InvalidInput(_("%(org)s has a seat at the table for this case already.",
                             org=reader_name(org)))
    record(actor, "seat_granted", case_id=case.id, organisation=org.name)
    return row


def share(actor: Actor, case: Case, organisation_code: str, *,
          contribution_id: int | None = None, note: str | None = None) -> SharedItem:
    """Share a contribution or a note with one involved organisation.

    Refused: sharing with an organisation that is not involved (need-to-know), sharing a
    contribution under professional secrecy outside the table, and empty shares."""
    if not policy.may_share(actor.user, case):
        raise NotAllowed(_("Only coordinators share case information."))
    org = _organisation(organisation_code)
    if org.id not in policy.involved_organisation_ids(case):
        raise InvalidInput(_("%(org)s is not involved in this case. Send it a request or give "
                             "it a seat at the table first.", org=reader_name(org)))
    note = (note or "").strip() or None
    if note and len(note) > MAX_NOTE_LENGTH:
        raise InvalidInput(_("A note can be at most %(n)d characters.", n=MAX_NOTE_LENGTH))
    contribution = None
    if contribution_id is not None:
        contribution = db.session.get(Contribution, contribution_id)
        if contribution is None or contribution.case_id != case.id:
            raise NotFound(_("There is no such contribution on this case."))
        at_table = org.id in policy.involved_organisation_ids(case, "table")
        if contribution.professional_secrecy and not at_table:
            raise InvalidInput(_("This contribution is covered by professional secrecy; it "
                                 "stays with the coordinators and the table."))
    if contribution is None and not note:
        raise InvalidInput(_("Choose a contribution or write a note to share."))
    item = SharedItem(case_id=case.id, organisation_id=org.id,
                      contribution_id=contribution.id if contribution else None, note=note,
                      shared_by_id=actor.user.id, shared_at=utcnow())
    db.session.add(item)
    db.session.flush()
    record(actor, "shared", case_id=case.id, organisation=org.name,
           contribution_id=contribution.id if contribution else None, note=bool(note))
    return item


@dataclass(frozen=True)
class Withdrawal:
    """What a withdrawal took back, in words (the rows themselves are gone), in the reader's
    language."""

    organisation: str
    what: str
    shares_withdrawn: int = 0
    still_involved: bool = False


def withdraw_seat(actor: Actor, case: Case, involvement_id: int, *,
                  step_name: Callable[[str], str] = str) -> Withdrawal:
    """Take back a seat at the table: from now on the organisation's members no longer see the
    table's view of the case (case page, comments, pictures, every contribution).

    What the organisation could only be shared with a seat goes with it: contributions under
    professional secrecy, and every share when the seat was its only involvement (sharing
    needs an involvement). Audited. Raises NotAllowed, NotFound (no such involvement on this
    case) and InvalidInput (an involvement through a task or the organisation's own signal).
    ``step_name``: a step's name in the reader's language (for that refusal)."""
    if not policy.may_share(actor.user, case):
        raise NotAllowed(_("Only coordinators withdraw a seat at the table."))
    row = db.session.get(Involvement, involvement_id)
    if row is None or row.case_id != case.id:
        raise NotFound(_("There is no such involvement on this case."))
    org = row.organisation
    if row.reason not in WITHDRAWABLE_REASONS:
        if row.reason == "signal":
            message = _("%(org)s is involved through the signal it reported: its own work, "
                        "which it keeps seeing. Only a seat at the table can be withdrawn.",
                        org=reader_name(org))
        elif row.detail:
            message = _("%(org)s is involved through its task “%(step)s”: its own work, which "
                        "it keeps seeing. Only a seat at the table can be withdrawn.",
                        org=reader_name(org), step=step_name(row.detail))
        else:
            message = _("%(org)s is involved through a task: its own work, which it keeps "
                        "seeing. Only a seat at the table can be withdrawn.",
                        org=reader_name(org))
        raise InvalidInput(message)
    granted = {"granted_at": row.created_at.isoformat(), "granted_by_id": row.granted_by_id}
    db.session.delete(row)
    db.session.flush()
    still_involved = org.id in policy.involved_organisation_ids(case)
    record(actor, "seat_withdrawn", case_id=case.id, organisation=org.name,
           still_involved=still_involved, **granted)
    shares = db.session.scalars(
        select(SharedItem).where(SharedItem.case_id == case.id,
                                 SharedItem.organisation_id == org.id)
        .order_by(SharedItem.id)).all()
    gone = [item for item in shares if not still_involved
            or (item.contribution is not None and item.contribution.professional_secrecy)]
    for item in gone:
        _withdraw_share(actor, item, because="seat withdrawn")
    if not still_involved:  # no longer involved at all: no identity either
        disclosure.withdraw_organisation(actor, case, org.id, because="seat withdrawn")
    return Withdrawal(reader_name(org), _("its seat at the table"), len(gone), still_involved)


def withdraw_share(actor: Actor, case: Case, item_id: int, *,
                   step_name: Callable[[str], str] = str) -> Withdrawal:
    """Take back something shared with an organisation: its members no longer see it (nor,
    for a contribution, read it by its address). The note's text goes with the share; the
    audit trail records who shared what with whom, when, and who withdrew it.
    Raises NotAllowed and NotFound (nothing shared with this number on this case)."""
    if not policy.may_share(actor.user, case):
        raise NotAllowed(_("Only coordinators withdraw what was shared."))
    item = db.session.get(SharedItem, item_id)
    if item is None or item.case_id != case.id:
        raise NotFound(_("Nothing with this number was shared on this case."))
    what = shared_what(item, step_name)
    organisation = reader_name(item.organisation)
    _withdraw_share(actor, item)
    return Withdrawal(organisation, what)


def shared_what(item: SharedItem, step_name: Callable[[str], str] = str) -> str:
    """A shared item in words: the contribution's title (``step_name``: in the reader's
    language) and/or "a note"."""
    if item.contribution is None:
        return _("a note")
    step = step_name(item.contribution.title)
    if item.note:
        return _("“%(step)s” and a note", step=step)
    return _("“%(step)s”", step=step)


def _withdraw_share(actor: Actor, item: SharedItem, **why) -> None:
    contribution = item.contribution
    record(actor, "share_withdrawn", case_id=item.case_id, organisation=item.organisation.name,
           contribution_id=item.contribution_id,
           step=contribution.title if contribution else None, note=item.note is not None,
           shared_at=item.shared_at.isoformat(), shared_by_id=item.shared_by_id, **why)
    db.session.delete(item)
    db.session.flush()


def _organisation(code: str) -> Organisation:
    org = db.session.scalar(select(Organisation).where(Organisation.code == code))
    if org is None:
        raise NotFound(_("There is no such organisation."))
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
    #: Shared items whose contribution this user may not see (kept for the note with it).
    withheld: set[int] = field(default_factory=set)


def involved_view(actor: Actor, case: Case) -> InvolvedView:
    """The need-to-know view of a case for the acting user; audited. Raises NotFound when the
    user may not see the case at all (unknown and forbidden look the same)."""
    user = actor.user
    if not policy.may_view_involved_case(user, case):
        raise NotFound(_("There is no case with this code, or it is not yours to see."))
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
    withheld = set()
    if not at_table:  # a contribution shared while the organisation had a seat, say
        withheld = {s.id for s in shared if s.contribution is not None
                    and not policy.may_see_contribution(user, s.contribution)}
        # the coordinator's note stays; only the contribution it may not see is left out
        shared = [s for s in shared if s.id not in withheld or s.note]
    contributions = list(db.session.scalars(contribution_query))
    record(actor, "case_viewed", case_id=case.id, view="table" if at_table else "involved")
    return InvolvedView(
        case=case, at_table=at_table, open_tasks=list(db.session.scalars(task_query)),
        contributions=contributions, shared=shared,
        involvements=involvements(case) if at_table else [], withheld=withheld,
    )


def involved_cases(user: User) -> list[tuple[Case, list[tuple[str, str]]]]:
    """The cases the user's organisations are involved in, newest first, with the reasons
    (reason code, detail: the step of a task). Codes only: no person details ever appear in
    this list."""
    orgs = policy.org_ids_with(user, "case.read_involved")
    if not orgs:
        return []
    rows = db.session.execute(
        select(Case, Involvement).join(Involvement, Involvement.case_id == Case.id)
        .where(Involvement.organisation_id.in_(orgs))
        .order_by(Case.created_at.desc(), Case.id.desc(), Involvement.id)
    ).all()
    found: dict[int, tuple[Case, list[tuple[str, str]]]] = {}
    for case, row in rows:
        found.setdefault(case.id, (case, []))[1].append((row.reason, row.detail or ""))
    return [entry for entry in found.values() if policy.may_view_involved_case(user, entry[0])]
