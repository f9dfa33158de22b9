"""Choices a task's form takes from the task's own data (engine.formoptions), while the case
runs: the answers must be among those offered, and a waiting task's choices stay current."""

from __future__ import annotations

import logging

from .bundle import Bundle
from .errors import DataRejected
from .formoptions import chosen_items
from .scriptfunctions import for_task
from .taskinfo import element_id, spec_properties

log = logging.getLogger(__name__)


def _form(task) -> str | None:
    return spec_properties(task.task_spec).get("formJsonSchemaFilename")


def check(bundle: Bundle, task, data: dict) -> dict[str, dict[str, dict]]:
    """Choices a form takes from the task's data must be among those the task offered; the
    web layer checks them too, this holds for every caller. Raises DataRejected. Returns the
    chosen items (formoptions.chosen_items)."""
    form = _form(task)
    schema = bundle.form(form) if form else None
    if not schema:
        return {}
    chosen, problems = chosen_items(schema, task.data, data)
    if problems:
        raise DataRejected("; ".join(problems))
    return chosen


def refresh(bundle: Bundle, task, environment) -> None:
    """Keep the choices a waiting task's form takes from its data current: its pre-script
    made them when the task became ready, and what they list (e.g. the actions still open
    at a review) can change while it waits, through a step elsewhere in the case. The
    pre-script runs again (in the script ``environment``, the sandbox) on a copy of the
    task's data and only the variables the form takes choices from are taken over, so the
    rest of what it did is not done twice. A re-run that fails leaves the choices as they
    were: another person's step in the case must not fail for it (it is logged)."""
    script = getattr(task.task_spec, "prescript", None)
    form = _form(task) if script else None
    names = bundle.choice_variables(form) if form else ()
    if not names:
        return
    scratch = dict(task.data)
    try:
        environment.execute(script, scratch, for_task(task))
    except Exception:  # noqa: BLE001 - any failure of a process's own script; see above
        log.warning("the choices of %s could not be made again; kept as they were",
                    element_id(task.task_spec), exc_info=True)
        return
    for name in names:
        if name in scratch:
            task.data[name] = scratch[name]
