"""Functions process scripts may call besides the builtins (spiff-arena offers scripts such
functions too): what a task may know of the case beyond its own data.

Data flows along a process's paths, so a step cannot see what a called process running in a
parallel branch holds; these functions let a script ask. They read, never change, and give
copies of plain JSON data."""

from __future__ import annotations

import copy

#: The names process scripts may call; the data-flow check takes them as always set.
SCRIPT_FUNCTIONS = frozenset({"running_instances"})


def running_instances(task, process_id: str, variable: str) -> list:
    """The value of ``variable`` each instance of the called process ``process_id`` that is
    still running in this case was started with (e.g. ``running_instances("maw_action",
    "action")``: the agreed actions whose owners still report on them), oldest first.
    Instances that did not get that variable are left out."""
    found = []
    for sub in task.workflow.top_workflow.subprocesses.values():
        if sub.spec.name != process_id or sub.is_completed():
            continue
        value = sub.task_tree.data.get(variable)
        if value is not None:
            found.append(copy.deepcopy(value))
    return found


def for_task(task) -> dict:
    """The functions, bound to the task whose script calls them. Closures, not
    functools.partial: a partial shows its arguments (``.args``), and through the task a
    script would reach the whole workflow and its engine; a closure's cell is a dunder
    attribute, which the sandbox refuses."""

    def running(process_id: str, variable: str) -> list:
        return running_instances(task, process_id, variable)

    running.__name__ = running.__qualname__ = "running_instances"
    return {"running_instances": running}
