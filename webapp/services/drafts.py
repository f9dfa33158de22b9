"""Drafts of task forms: save what was typed, resume later (also after logging out)."""

from sqlalchemy import delete, select

from webapp.engine import DataRejected
from webapp.engine.runner import check_data
from webapp.extensions import db
from webapp.models import TaskDraft, utcnow
from webapp.services.audit import Actor, record
from webapp.services.errors import InvalidInput
from webapp.services.tasks import get_task_for


def get_draft(actor: Actor, task_id: int) -> TaskDraft | None:
    """The acting user's draft of a task, if any (only the person who saved it sees it)."""
    return db.session.scalar(
        select(TaskDraft).where(TaskDraft.task_id == task_id, TaskDraft.user_id == actor.user.id)
    )


def save_draft(actor: Actor, task_id: int, data: dict) -> TaskDraft:
    """Keep the entered (not yet valid) data of a task for this user. Audited.

    Raises NotFound / Conflict as for opening the task, InvalidInput for data that is not
    plain JSON."""
    task = get_task_for(actor.user, task_id)
    try:
        check_data(data)
    except DataRejected as error:
        raise InvalidInput(str(error)) from error
    draft = get_draft(actor, task.id)
    if draft is None:
        draft = TaskDraft(task_id=task.id, user_id=actor.user.id)
        db.session.add(draft)
    draft.data = data
    draft.saved_at = utcnow()
    db.session.flush()
    record(actor, "draft_saved", case_id=task.case_id, task_ref=task.spiff_task_id,
           step=task.title)
    return draft


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
