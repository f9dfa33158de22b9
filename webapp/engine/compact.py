"""Keep long cases small: drop the finished part of the task tree at safe points.

SpiffWorkflow never prunes its task tree, so every review cycle adds its tasks to the saved state
and each later step costs more. A case's history lives in our own rows (contributions, audit),
not in the tree, so the tree only needs what is still running.

A state is compacted when all unfinished tasks of the main tree hang below one unfinished task
(the *front*): then nothing before the front can be reached again, and the front is re-attached
directly below the root. The front's data already holds everything earlier tasks produced.
The checks below refuse anything that still looks back up the tree:

- a join that finds its split by walking up (boundary events, event-based starts) must find
  that split inside the kept part;
- a subprocess is kept only while its task is kept (subprocesses of dropped tasks are done);
- the end join a finished parallel branch left waiting is dropped only while the front waits
  for a person or a timer; that branch's own data is then not merged at the process end (its
  contributions are kept in our rows), so end the main path with a terminate end event.

Parallel branches that are still open (an action waiting in a partner's inbox while the review
timer runs) keep their common ancestor finished and below them, so no front exists and nothing
is dropped until they close: compaction then happens at the next quiet moment.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.specs.control import _EndJoin
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState


def compact(wf: BpmnWorkflow) -> int:
    """Drop the finished tasks above the single unfinished front of ``wf``; return how many
    tasks were dropped (0 when the state has no safe front or is already compact)."""
    front = _front(wf)
    root = wf.task_tree
    if front is None or front.parent is root or front is root:
        return 0
    kept = {task.id for task in _subtree(front)}
    if not _splits_inside(front, kept):
        return 0
    dropped = [tid for tid in wf.tasks if tid not in kept and tid != root.id]
    for tid in dropped:
        del wf.tasks[tid]
    root._children = [front.id]
    front._parent = root.id
    nested = _nested_ids(wf)
    for sub_id in [sid for sid in wf.subprocesses if sid not in wf.tasks and sid not in nested]:
        del wf.subprocesses[sub_id]
    if wf.last_task is not None and wf.last_task.id not in wf.tasks:
        wf.last_task = front
    return len(dropped)


def task_count(wf: BpmnWorkflow) -> int:
    """Tasks held by a workflow, its subprocesses included (what a saved state carries)."""
    return len(wf.tasks) + sum(len(sub.tasks) for sub in wf.subprocesses.values())


def _front(wf: BpmnWorkflow):
    """The highest unfinished task if every unfinished task lies below it, else None.

    A branch that ended on its own (the agreed actions, while the review goes on) leaves the
    process's end join WAITING; that task only waits for the rest of the process and is dropped
    with the finished part, as long as the front is a task waiting for a person or a timer (so
    the main path has not ended: its data is never what gets dropped)."""
    live = [t for t in wf.tasks.values() if not t.has_state(TaskState.FINISHED_MASK)]
    ended_branches = [
        t for t in live if t.state == TaskState.WAITING and isinstance(t.task_spec, _EndJoin)
    ]
    unfinished = [
        t for t in live
        if t not in ended_branches and not any(_is_below(t, end) for end in ended_branches)
    ]
    if not unfinished:
        return None
    top = min(unfinished, key=_depth)
    for task in unfinished:
        if task is not top and not _is_below(task, top):
            return None
    outside = [t for t in ended_branches if not _is_below(t, top)]
    if outside and top.state not in (TaskState.READY, TaskState.WAITING):
        return None
    return top


def _depth(task) -> int:
    depth = 0
    while task.parent is not None:
        task = task.parent
        depth += 1
    return depth


def _is_below(task, ancestor) -> bool:
    node = task.parent
    while node is not None:
        if node is ancestor:
            return True
        node = node.parent
    return False


def _subtree(task):
    stack = [task]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(child for child in node.children if child is not None)


def _splits_inside(front, kept: set) -> bool:
    """Every kept join that walks up to its split (split_task) must find it in the kept part."""
    for task in _subtree(front):
        split_name = getattr(task.task_spec, "split_task", None)
        if split_name is None or task.has_state(TaskState.FINISHED_MASK):
            continue
        node = task.parent
        while node is not None and node.task_spec.name != split_name:
            node = node.parent
        if node is None or node.id not in kept:
            return False
    return True


def _nested_ids(wf: BpmnWorkflow) -> set:
    """Task ids inside the subprocesses (a nested subprocess is keyed by such a task)."""
    ids = set()
    for sub in wf.subprocesses.values():
        ids.update(sub.tasks)
    return ids
