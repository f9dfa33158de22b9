"""Tasks that went without an answer: a deadline passed and a reminder took the task's place,
or the process went on without it. Whoever still had it open is told what happened, with
what they typed kept, and their draft moves on to the task that took its place."""

from sqlalchemy import and_, insert, literal, select

from webapp.extensions import db
from webapp.models import ClosedTask, Organisation, Task, TaskDraft, User
from webapp.services.audit import Actor, record
from webapp.services.errors import Conflict
from webapp.services.policy import may_work_on

_DRAFTS = (
    select(TaskDraft.user_id, TaskDraft.data, TaskDraft.saved_at, Task.lane,
           Task.organisation_id, Task.form)
    .join(Task, Task.id == TaskDraft.task_id)
)


def remember(connection, closed_ids: list[int], now) -> list:
    """Keep the rows about to go (under their own ids); returns their drafts, to be carried
    over to the tasks that take their place (see carry_drafts)."""
    columns = ["id", "case_id", "spiff_task_id", "spec_name", "title", "lane",
               "organisation_id", "form"]
    connection.execute(insert(ClosedTask).from_select(
        [*columns, "closed_at"],
        select(*[getattr(Task, c) for c in columns], literal(now, ClosedTask.closed_at.type))
        .where(Task.id.in_(closed_ids))))
    return connection.execute(_DRAFTS.where(TaskDraft.task_id.in_(closed_ids))).all()


def record_ended(connection, case_id: int, closed_ids: list[int], ended: dict[str, str],
                 by: Actor | None) -> None:
    """Put in the case's timeline each task a terminate end event withdrew (``ended``: engine
    task id -> the end event's name), with what it asked and whose it was: e.g. the agreed
    action the table closed at a review. Once per engine task, whatever its number of owners'
    rows; ``by``: whoever made the step (None: the system)."""
    rows = connection.execute(
        select(Task.spiff_task_id, Task.summary, Organisation.name)
        .outerjoin(Organisation, Organisation.id == Task.organisation_id)
        .where(Task.id.in_(closed_ids)).order_by(Task.created_at, Task.id)).all()
    seen = set()
    for spiff_id, summary, organisation in rows:
        if spiff_id not in ended or spiff_id in seen:
            continue
        seen.add(spiff_id)
        record(by or Actor.system(), "task_ended", case_id=case_id, task_ref=spiff_id,
               step=ended[spiff_id], summary=summary or "", organisation=organisation or "")


def carry_drafts(connection, case_id: int, new_spiff_ids: list[str], drafts: list) -> None:
    """A draft of a task that went moves to the new task of the same lane, organisation and
    form (a reminder in place of a request), when there is exactly one."""
    new = connection.execute(
        select(Task.id, Task.lane, Task.organisation_id, Task.form)
        .where(Task.case_id == case_id, Task.spiff_task_id.in_(new_spiff_ids))).all()
    rows = []
    for draft in drafts:
        same = [t.id for t in new if (t.lane, t.organisation_id, t.form)
                == (draft.lane, draft.organisation_id, draft.form)]
        if len(same) == 1:
            rows.append({"task_id": same[0], "user_id": draft.user_id, "data": draft.data,
                         "saved_at": draft.saved_at})
    if rows:
        connection.execute(insert(TaskDraft), rows)


def explain(user: User, task_id: int) -> Conflict | None:
    """What happened to a task that went without an answer, for someone who could have done
    it (None otherwise: to anyone else it does not exist)."""
    closed = db.session.get(ClosedTask, task_id)
    if closed is None or not may_work_on(user, closed):
        return None
    successor = db.session.scalar(
        select(Task).where(Task.case_id == closed.case_id, Task.created_at >= closed.closed_at,
                           and_(Task.lane == closed.lane,
                                Task.organisation_id.is_(None) if closed.organisation_id is None
                                else Task.organisation_id == closed.organisation_id))
        .order_by(Task.created_at, Task.id).limit(1))
    if successor is not None and may_work_on(user, successor):
        return Conflict(f"“{closed.title}” is no longer open: “{successor.title}” took its "
                        "place (a deadline passed or the process was updated). Your entry was "
                        "not sent; it is shown below, and a draft you saved is on the new task.",
                        successor=successor.id)
    return Conflict(f"“{closed.title}” is no longer open: the process went on without it. "
                    "Your entry was not sent; it is shown below so you can pass it on.")
