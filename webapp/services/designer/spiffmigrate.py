"""Moving a running case's state onto another version's specs (no Flask, no database).

Safe means: every place the case is at now (ready or waiting tasks, and the subprocesses
they are in) exists, unchanged, in the new version. Anything else is refused with a reason."""

from __future__ import annotations

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from webapp.engine import Bundle, serializer
from webapp.engine.phrases import N_, Phrase, say
from webapp.engine.runner import _load
from webapp.engine.taskinfo import element_title

_HERE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
_FIELDS = {
    "inputs": N_("what comes before it"), "outputs": N_("what comes after it"),
    "extensions": N_("its form or properties"), "lane": N_("its lane"),
    "prescript": N_("its pre-script"), "postscript": N_("its post-script"),
    "bpmn_name": N_("its name"), "cond_task_specs": N_("its conditions"),
    "event_definition": N_("its event (timer or message)"),
}


class Unsafe(ValueError):
    """Moving the case is not safe; ``reasons`` say why (phrases, engine.phrases)."""

    def __init__(self, reasons: list[Phrase]):
        super().__init__("; ".join(r.english() for r in reasons))
        self.reasons = reasons


def _registry():
    return serializer._serializer().registry


def _where(wf):
    tasks = [t for t in wf.get_tasks(state=_HERE, skip_subprocesses=True)
             if t.task_spec.bpmn_id is not None or t.task_spec.name.endswith("[child]")]
    return tasks


def _reasons(top, subs, wf) -> list[Phrase]:
    reasons = {}
    for diff, workflow in [(top, wf), *[(subs[k], wf.subprocesses[k]) for k in subs]]:
        if diff is None:
            name = workflow.spec.description or workflow.spec.name
            reason = say(N_("the subprocess '%(name)s' it is in is not in the new version"),
                         name=name)
            reasons[reason.english()] = reason
            continue
        changed = {t.task_spec: t for t in diff.changed}
        removed = {t.task_spec for t in diff.removed}
        for task in _where(workflow):
            title = element_title(task.task_spec)
            if task.task_spec in removed:
                reason = say(N_("the step '%(title)s' where it is now is not in the new "
                                "version"), title=title)
            elif task.task_spec in changed:
                reason = say(N_("the step '%(title)s' where it is now was changed "
                                "(%(fields)s)"), title=title, fields=_changed_fields(task, diff))
            else:
                continue
            reasons[reason.english()] = reason
    return [reasons[key] for key in sorted(reasons)]


def _changed_fields(task, diff) -> list[Phrase] | Phrase:
    new = diff.alignment.get(task)
    registry = _registry()
    a, b = registry.convert(task.task_spec), registry.convert(new) if new is not None else {}
    names = [_FIELDS[k] for k in a if k in _FIELDS and b.get(k) != a[k]]
    return [say(name) for name in dict.fromkeys(names)] or say(N_("its settings"))


def _connect_loop_children(bundle: Bundle) -> None:
    """A multi-instance task learns that an instance finished through an event on the
    instance's spec. SpiffWorkflow connects it when it creates an instance (or loads specs
    from JSON); an instance created under the old version would otherwise finish unheard and
    the case would stop there. Connecting is idempotent."""
    for spec in [bundle.spec, *bundle.subprocess_specs.values()]:
        for task_spec in spec.task_specs.values():
            if isinstance(task_spec, LoopTask):
                child = spec.task_specs.get(task_spec.task_spec)
                if child is not None and not child.completed_event.is_connected(
                        task_spec.merge_child):
                    child.completed_event.connect(task_spec.merge_child)


def assess(old: Bundle, state: str, new: Bundle) -> list[Phrase]:
    """Why the case cannot move from ``old`` to ``new`` ([] when it can)."""
    wf = _load(old, state)
    top, subs = diff_workflow(_registry(), wf, new.spec, new.subprocess_specs)
    return _reasons(top, subs, wf)


def migrate(old: Bundle, state: str, new: Bundle) -> str:
    """The case's state moved onto ``new``, not yet run on (engine.advance does that).
    Raises Unsafe (a ValueError) when it is not safe."""
    wf = _load(old, state)
    top, subs = diff_workflow(_registry(), wf, new.spec, new.subprocess_specs)
    reasons = _reasons(top, subs, wf)
    if reasons:
        raise Unsafe(reasons)
    # Timers keep their due time: only READY tasks are reset and predicted again.
    migrate_workflow(top, wf, new.spec, reset_mask=TaskState.READY)
    for sp_id, diff in subs.items():
        sub = wf.subprocesses[sp_id]
        migrate_workflow(diff, sub, new.subprocess_specs[sub.spec.name],
                         reset_mask=TaskState.READY)
    wf.subprocess_specs = new.subprocess_specs
    _connect_loop_children(new)
    # Not run here: the reset tasks run on in an engine worker (engine.advance), as all
    # process owners' code does.
    return serializer.dump_state(wf, new.hash)
