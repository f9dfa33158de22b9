"""Live advice on the task page: the decision table a user task names (``adviceDecisionId``)
evaluated on the task's data and the answers typed so far, before anything is submitted."""

from webapp import engine
from webapp.engine.advice import Advice, advice_decision, advise
from webapp.models import Task
from webapp.services import bundles
from webapp.services.errors import NotFound


def advice_for(task: Task, entered: dict) -> Advice | None:
    """What the task's decision table advises for its data with ``entered`` (the form's
    current answers) merged in; None when the task asks no advice.

    The caller has checked that the user may work on the task (``tasks.get_task_for``). Only
    this task's own data is read from the case, nothing is saved and nothing is audited: the
    task page showing the form has logged the read, as for the live pictures. Raises NotFound
    when the task is no longer open."""
    bundle = bundles.bundle_for(task.case.process_version)
    if advice_decision(bundle, task.spec_name) is None:
        return None
    try:
        return advise(bundle, task.case.state, task.spiff_task_id, entered)
    except engine.TaskNotReady as error:
        raise NotFound("This task is no longer open.") from error
