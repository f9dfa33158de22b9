"""The coordinator's overview: every open partner task across cases, and reminders.

One page shows which partners still owe what: organisation, case code, the step and what was
asked (the task row's summary, so no workflow is loaded), due date; tasks of urgent cases
first, then overdue first (soonest due). It reads the partner lanes in index order
(ix_task_overview, or ix_task_inbox for one organisation), a page at a time, as the inbox
does, and counts index ranges.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, func, select, union_all, update
from sqlalchemy.orm.attributes import set_committed_value

from webapp.extensions import db
from webapp.i18n.formatting import format_datetime
from webapp.models import Organisation, Task, User, utcnow
from webapp.services import notifications
from webapp.services.audit import Actor, record
from webapp.services.errors import Conflict, NotAllowed, NotFound
from webapp.services.inbox import by_priority
from webapp.services.policy import PARTNER_LANES, may_see_overview, may_send_reminder
from webapp.services.reachability import reachable_ids

#: A second reminder about the same task within this time is refused (two coordinators
#: clicking at once send one; the e-mail sent with it later goes out once).
REMINDER_INTERVAL = timedelta(hours=1)


@dataclass
class Overview:
    """One page of open partner tasks. ``rows`` have id, case_code, title, summary, lane,
    organisation_id, organisation_name, organisation_names, due_at, created_at, priority,
    reminded_at and claimed_by_id; ``unreachable``: the organisations without an active user."""

    rows: list
    total: int
    overdue: int
    page: int
    pages: int
    organisations: list[tuple[str, str, dict | None]]  # code, name, names in other languages
    organisation: Organisation | None
    unreachable: set[int]
    claimers: dict[int, str]


def load_overview(actor: Actor, *, organisation: str = "", page: int = 1, per_page: int = 50,
                  now: datetime | None = None) -> Overview:
    """One page of the overview, optionally for one organisation (its code; an unknown code
    shows nothing). The read is audited. Raises NotAllowed."""
    if not may_see_overview(actor.user):
        raise NotAllowed(_("Only coordinators see the overview of the partners' tasks."))
    now = now or utcnow()
    organisations = db.session.execute(
        select(Organisation.code, Organisation.name, Organisation.id, Organisation.names)
        .order_by(Organisation.name)
    ).all()
    chosen = next((o for o in organisations if o.code == organisation), None)
    if organisation and chosen is None:
        parts = []
    else:
        parts = [_lane(lane, chosen.id if chosen else None) for lane in sorted(PARTNER_LANES)]
    total = _count(parts)
    overdue = _count([and_(part, Task.due_at < now) for part in parts])
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = _page(parts, per_page, (page - 1) * per_page)
    claimed = {r.claimed_by_id for r in rows if r.claimed_by_id}
    claimers = dict(db.session.execute(
        select(User.id, User.display_name).where(User.id.in_(claimed))).all()) if claimed else {}
    reachable = reachable_ids()
    record(actor, "overview_viewed", page=page, organisation=chosen.code if chosen else None)
    return Overview(
        rows=rows, total=total, overdue=overdue, page=page, pages=pages,
        organisations=[(o.code, o.name, o.names) for o in organisations],
        organisation=db.session.get(Organisation, chosen.id) if chosen else None,
        unreachable={o.id for o in organisations} - reachable, claimers=claimers,
    )


def _lane(lane: str, organisation_id: int | None):
    condition = [Task.lane == lane, *by_priority()]
    if organisation_id is not None:
        condition.append(Task.organisation_id == organisation_id)
    return and_(*condition)


def _count(parts: list) -> int:
    if not parts:
        return 0
    counts = [select(func.count()).select_from(Task).where(p).scalar_subquery() for p in parts]
    return sum(db.session.execute(select(*counts)).one())


def _order(columns) -> list:
    return [columns.priority.asc(), columns.due_at.asc().nulls_last(), columns.created_at.asc(),
            columns.id.asc()]


def _page(parts: list, limit: int, offset: int) -> list:
    """The ids of one page from each lane in index order, merged; then the rows."""
    if not parts:
        return []
    keys = (Task.priority, Task.due_at, Task.created_at, Task.id)
    lanes = [select(*keys).where(p).order_by(*_order(Task)).limit(offset + limit).subquery()
             for p in parts]
    merged = union_all(*(select(lane) for lane in lanes)).subquery()
    ids = db.session.scalars(
        select(merged.c.id).order_by(*_order(merged.c)).limit(limit).offset(offset)).all()
    if not ids:
        return []
    found = {row.id: row for row in db.session.execute(
        select(Task.id, Task.case_code, Task.title, Task.summary, Task.lane,
               Task.organisation_id, Organisation.name.label("organisation_name"),
               Organisation.names.label("organisation_names"), Task.due_at,
               Task.created_at, Task.priority, Task.reminded_at, Task.claimed_by_id)
        .outerjoin(Organisation, Organisation.id == Task.organisation_id)
        .where(Task.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def send_reminder(actor: Actor, task_id: int, *, now: datetime | None = None) -> Task:
    """Remind the partner organisation of an open task: the task row keeps the moment, its
    members see "reminder sent" on it in their inbox and on the task page, and the audit
    trail keeps who sent it. The one place a reminder is sent (e-mail hooks in here).

    Raises NotFound (no such open partner task, or not the user's to remind) and Conflict
    (a reminder went out less than REMINDER_INTERVAL ago, the task was just completed, or
    the organisation has no active user to see it)."""
    now = now or utcnow()
    task = db.session.get(Task, task_id)
    if task is None or not may_send_reminder(actor.user, task):
        raise NotFound(_("This task does not exist or is no longer open."))
    if task.organisation_id not in reachable_ids():
        raise Conflict(_("Nobody at this organisation can see a reminder: it has no active "
                         "user. Contact the organisation directly; nothing was sent."))
    sent = db.session.execute(
        update(Task).where(Task.id == task_id, (Task.reminded_at.is_(None))
                           | (Task.reminded_at <= now - REMINDER_INTERVAL))
        .values(reminded_at=now).execution_options(synchronize_session=False)
    ).rowcount
    if not sent:
        row = db.session.execute(select(Task.reminded_at).where(Task.id == task_id)).first()
        if row is None:
            raise Conflict(_("The organisation completed this task meanwhile; no reminder "
                             "was needed."))
        when = format_datetime(row.reminded_at)
        raise Conflict(_("A reminder about this task was sent at %(when)s already; the "
                         "organisation sees it. Nothing was sent again.", when=when))
    set_committed_value(task, "reminded_at", now)
    record(actor, "reminder_sent", case_id=task.case_id, task_ref=task.spiff_task_id,
           step=task.title, organisation=task.organisation.name if task.organisation else None)
    notifications.reminder_sent(task.id, actor_id=actor.user.id, now=now)
    return task
