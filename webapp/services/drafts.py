"""Drafts of task forms: save what was typed, resume later (also after logging out)."""

from datetime import datetime

from sqlalchemy import bindparam, delete, exists, select
from sqlalchemy.exc import IntegrityError

from webapp.engine import DataRejected
from webapp.engine.runner import check_data
from webapp.extensions import db
from webapp.models import Task, TaskDraft, utcnow
from webapp.services.audit import Actor, record
from webapp.services.errors import InvalidInput
from webapp.services.tasks import get_task_for
from webapp.services.upsert import insert


def get_draft(actor: Actor, task_id: int) -> TaskDraft | None:
    """The acting user's draft of a task, if any (only the person who saved it sees it)."""
    return db.session.scalar(
        select(TaskDraft).where(TaskDraft.task_id == task_id, TaskDraft.user_id == actor.user.id)
    )


def save_draft(actor: Actor, task_id: int, data: dict) -> datetime:
    """Keep the entered (not yet valid) data of a task for this user; returns when. Audited.

    One statement inserts or replaces the draft, and only while the task is still open, so
    two saves at once or a colleague completing the task meanwhile cannot make it fail.
    Raises NotFound / Conflict as for opening the task (also when it was completed or
    replaced while saving: the caller keeps the text on the page), InvalidInput for data
    that is not plain JSON."""
    task = get_task_for(actor.user, task_id)
    case_id, spiff_id, title = task.case_id, task.spiff_task_id, task.title
    try:
        check_data(data)
    except DataRejected as error:
        raise InvalidInput(str(error)) from error
    now = utcnow()
    try:
        with db.session.begin_nested():
            saved = db.session.execute(_upsert(), {
                "task_id": task_id, "user_id": actor.user.id, "data": data, "saved_at": now,
            }).rowcount
    except IntegrityError:  # the task row went between the check and the write
        saved = 0
    if not saved:
        db.session.expire_all()
        get_task_for(actor.user, task_id)  # raises the Conflict that says what happened
    record(actor, "draft_saved", case_id=case_id, task_ref=spiff_id, step=title)
    return now


def _upsert():
    columns = TaskDraft.__table__.c
    values = select(
        bindparam("task_id"), bindparam("user_id"),
        bindparam("data", type_=columns.data.type), bindparam("saved_at",
                                                              type_=columns.saved_at.type),
    ).where(exists().where(Task.__table__.c.id == bindparam("task_id")))
    statement = insert(TaskDraft).from_select(["task_id", "user_id", "data", "saved_at"], values)
    return statement.on_conflict_do_update(
        index_elements=["task_id", "user_id"],
        set_={"data": statement.excluded.data, "saved_at": statement.excluded.saved_at},
    )


def discard_draft(actor: Actor, task_id: int) -> bool:
    """Throw away this user's draft of a task. Returns whether there was one."""
    task = get_task_for(actor.user, task_id)
    gone = db.session.execute(
        delete(TaskDraft).where(TaskDraft.task_id == task.id,
                                TaskDraft.user_id == actor.user.id)
    ).rowcount
    if gone:
        record(actor, "draft_discarded", case_id=task.case_id, task_ref=task.spiff_task_id)
    return bool(gone)
