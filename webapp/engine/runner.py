"""Running cases: start, complete a user task, fire timers, look at a stored state."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from SpiffWorkflow.bpmn.specs.event_definitions.simple import TerminateEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from . import offered, serializer
from .bundle import Bundle
from .compact import compact
from .errors import DataRejected, NotWaiting, ScriptError, TaskNotReady
from .sandbox import RestrictedScriptEngine, ScriptTimeout
from .taskinfo import ReadyTask, annotate, element_id, element_title, ready_task, spec_properties
from .timers.clock import frozen
from .translation import instruction_renderer
from .waiting import WaitingEvent, catching, message_catcher, timer_due, waiting_events

_SCRIPT_ENGINE = RestrictedScriptEngine()
_HISTORY_TYPES = {"BusinessRuleTask", "ScriptTask", "ServiceTask", "EndEvent", "TimerEvent"}


@dataclass
class PendingTimer:
    """A timer event waiting for its time; ``due_at`` is aware UTC."""

    task_id: str
    due_at: datetime
    element: str = ""


@dataclass
class CompletedInfo:
    """An engine-run task completed during a step, for the case history."""

    spec_name: str
    title: str
    type: str


@dataclass
class Step:
    """The outcome of an engine call: the new state to store and what it means."""

    state: str
    ready: list[ReadyTask]
    timers: list[PendingTimer]
    finished: bool
    data: dict
    completed: list[CompletedInfo] = field(default_factory=list)
    # False when the step left the pending timers as they were (nothing to rewrite).
    timers_changed: bool = True
    # Set when the completed task's ``urgentWhen`` held: why the case is urgent, in words.
    urgent: str | None = None
    # User tasks a terminate end event withdrew in this step: task id -> that event's name
    # (e.g. an agreed action the table closed: "Action closed by the table").
    ended: dict[str, str] = field(default_factory=dict)
    # The completed task's answers from choices in its own data (engine.formoptions): per
    # source, the chosen items by value (label, organisation).
    chosen: dict[str, dict[str, dict]] = field(default_factory=dict)


def start(bundle: Bundle, data: dict, *, now: datetime | None = None) -> Step:
    """Start a case of ``bundle`` with ``data`` as its initial data and run it as far as it goes.

    Raises DataRejected for data that is not plain JSON, ScriptError when a script fails."""
    check_data(data)
    with frozen(now):
        wf = BpmnWorkflow(bundle.spec, bundle.subprocess_specs, script_engine=_SCRIPT_ENGINE)
        wf.task_tree.data.update(copy.deepcopy(data))
        before = _completed_ids(wf)
        _guarded(wf.do_engine_steps)
        return _step(bundle, wf, before)


def complete(
    bundle: Bundle, state: str, task_id: str, data: dict, *, now: datetime | None = None
) -> Step:
    """Complete the READY user task ``task_id`` with the submitted ``data`` and run on.

    Raises TaskNotReady (unknown id, not ready, not a user task), DataRejected, ScriptError,
    StateError. Permission checks (lane, organisation) are the caller's job."""
    wf = _load(bundle, state)
    task = _ready_manual_task(wf, task_id)
    check_data(data)
    chosen = offered.check(bundle, task, data)
    timers_before = _timers(wf)
    with frozen(now):
        before = _completed_ids(wf)
        submitted = copy.deepcopy(data)
        urgent: list[str] = []

        def run() -> None:
            if hasattr(task.task_spec, "add_data_from_form"):
                task.task_spec.add_data_from_form(task, submitted)
            else:
                task.data.update(submitted)
            task.run()
            urgent.extend(_urgency(task))
            wf.do_engine_steps()

        _guarded(run)
        step = _step(bundle, wf, before, timers_before)
        step.urgent = urgent[0] if urgent else None
        step.chosen = chosen
        return step


def _urgency(task) -> list[str]:
    """[why the case is urgent] when the completed task's ``urgentWhen`` expression holds on
    its data (reason: its ``urgentReason`` text, or the step's name); else []. Raises
    ScriptError when the expression fails."""
    props = spec_properties(task.task_spec)
    expression = props.get("urgentWhen")
    if not expression:
        return []
    with _script_errors(task.task_spec):
        if not _SCRIPT_ENGINE.evaluate_expression(expression, task.data):
            return []
    reason = (props.get("urgentReason") or "").strip()
    return [reason or f"Marked urgent at the step \"{element_title(task.task_spec)}\"."]


def fire_timers(bundle: Bundle, state: str, *, now: datetime | None = None) -> Step:
    """Fire the timers due at ``now`` and run on. Raises ScriptError, StateError."""
    wf = _load(bundle, state)
    with frozen(now):
        before = _completed_ids(wf)

        def run() -> None:
            wf.refresh_timers()
            wf.do_engine_steps()

        _guarded(run)
        return _step(bundle, wf, before)


def send_message(bundle: Bundle, state: str, name: str, *, now: datetime | None = None) -> Step:
    """Deliver the message ``name`` (no payload) to the catch event waiting for it, and run on.

    This is how a person moves a case that waits for an event on purpose (e.g. "review_now"
    brings a scheduled review forward; docs/process-conventions.md lists the names the
    application sends). Raises NotWaiting when no catch event waits for ``name``, ScriptError,
    StateError."""
    wf = _load(bundle, state)
    catcher = message_catcher(wf, name)
    if catcher is None:
        raise NotWaiting(f"the case is not waiting for the message {name!r}")
    timers_before = _timers(wf)
    with frozen(now):
        before = _completed_ids(wf)

        def run() -> None:
            wf.send_event(BpmnEvent(catcher[1], {}))
            wf.do_engine_steps()

        _guarded(run)
        return _step(bundle, wf, before, timers_before)


def waiting(bundle: Bundle, state: str) -> list[WaitingEvent]:
    """What a stored case waits for: its timers with their time, then the messages it can
    be sent (see :func:`send_message`)."""
    return waiting_events(_load(bundle, state))


def advance(bundle: Bundle, state: str, *, now: datetime | None = None) -> Step:
    """Run a stored state on as far as it goes (after moving it onto another version, whose
    reset tasks must be predicted and run again). Raises ScriptError, StateError."""
    wf = _load(bundle, state)
    with frozen(now):
        before = _completed_ids(wf)
        _guarded(wf.do_engine_steps)
        return _step(bundle, wf, before)


def snapshot(bundle: Bundle, state: str, *, now: datetime | None = None) -> Step:
    """Describe a stored state without changing it (``Step.state`` is ``state`` itself)."""
    wf = _load(bundle, state)
    with frozen(now):
        return _step(bundle, wf, None, state=state)


def check_data(data: object, path: str = "data") -> None:
    """Refuse anything but JSON-native values, and keys named ``typename`` (they make a saved
    state impossible to load). Raises DataRejected naming the offending path."""
    if isinstance(data, dict):
        for key, value in data.items():
            if not isinstance(key, str):
                raise DataRejected(f"{path}: keys must be text, got {key!r}")
            if key == "typename":
                raise DataRejected(f"{path}: the field name 'typename' is reserved")
            check_data(value, f"{path}.{key}")
    elif isinstance(data, list):
        for index, value in enumerate(data):
            check_data(value, f"{path}[{index}]")
    elif isinstance(data, float):
        if not math.isfinite(data):
            raise DataRejected(f"{path}: numbers must be finite")
    elif data is not None and not isinstance(data, str | int | bool):
        raise DataRejected(f"{path}: values of type {type(data).__name__} are not allowed")


def _load(bundle: Bundle, state: str) -> BpmnWorkflow:
    wf = serializer.load_state(state, bundle.spec, bundle.subprocess_specs, bundle.hash)
    wf.script_engine = _SCRIPT_ENGINE  # subprocesses read their top workflow's engine
    return wf


def _ready_manual_task(wf: BpmnWorkflow, task_id: str):
    try:
        task = wf.get_task_from_id(UUID(str(task_id)))
    except (ValueError, SpiffWorkflowException):
        task = None
    if task is None:
        raise TaskNotReady(f"there is no task {task_id!r} in this case")
    if task.state != TaskState.READY or not task.task_spec.manual:
        raise TaskNotReady(f"the task {element_title(task.task_spec)!r} is not waiting for input")
    return task


@contextmanager
def _script_errors(task_spec=None) -> Iterator[None]:
    try:
        yield
    except SpiffWorkflowException as err:
        spec = getattr(err, "task_spec", None) or task_spec
        raise ScriptError(
            _message(err),
            task_name=element_id(spec) if spec is not None else None,
            task_title=element_title(spec) if spec is not None else None,
            line_number=getattr(err, "line_number", None) or None,
        ) from err
    except Exception as err:  # our own expressions, timer parsing, sandbox violations
        raise ScriptError(
            _limit_hit(err) or f"{type(err).__name__}: {err}",
            task_name=element_id(task_spec) if task_spec is not None else None,
            task_title=element_title(task_spec) if task_spec is not None else None,
            line_number=getattr(err, "lineno", None),
        ) from err


def _message(err: SpiffWorkflowException) -> str:
    if (limit := _limit_hit(err)) is not None:
        return limit
    text = str(err.args[0]) if err.args else type(err).__name__
    notes = [n for n in getattr(err, "notes", []) if n]
    return ". ".join([text, *notes])


def _limit_hit(err: BaseException) -> str | None:
    """The plain words for a script stopped by a limit (memory, time), wherever SpiffWorkflow
    wrapped it; None for any other error."""
    seen = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        if isinstance(err, MemoryError):
            return "it needed more memory than a process step may use, so it was stopped"
        if isinstance(err, ScriptTimeout):
            return str(err)
        err = err.__cause__ or err.__context__
    return None


def _guarded(func: Callable[[], None]) -> None:
    with _script_errors():
        func()


def _completed_ids(wf: BpmnWorkflow) -> set:
    return {t.id for t in wf.get_tasks(state=TaskState.COMPLETED)}


def _history(wf: BpmnWorkflow, before: set | None) -> list[CompletedInfo]:
    if before is None:
        return []
    done = []
    for task in wf.get_tasks(state=TaskState.COMPLETED):
        spec = task.task_spec
        if task.id in before or spec.bpmn_id is None or spec.manual:
            continue
        definition = getattr(spec, "event_definition", None)
        kind = "TimerEvent" if isinstance(definition, TimerEventDefinition) else type(spec).__name__
        if kind in _HISTORY_TYPES:
            done.append(CompletedInfo(element_id(spec), element_title(spec), kind))
    return done


def _ended_by_terminate(wf: BpmnWorkflow, before: set | None) -> dict[str, str]:
    """The user tasks of each (sub)process that a terminate end event ended in this step,
    with that event's name. Completed subprocesses are looked into one by one: the task
    iterator does not descend into them."""
    if not before:
        return {}
    ended = {}
    for workflow in [wf, *wf.subprocesses.values()]:
        tasks = workflow.get_tasks(skip_subprocesses=True)
        end = next((t for t in tasks if t.state == TaskState.COMPLETED and t.id not in before
                    and isinstance(getattr(t.task_spec, "event_definition", None),
                                   TerminateEventDefinition)), None)
        if end is None:
            continue
        title = element_title(end.task_spec)
        ended.update({str(t.id): title for t in tasks
                      if t.state == TaskState.CANCELLED and t.task_spec.manual})
    return ended


def _timers(wf: BpmnWorkflow) -> list[PendingTimer]:
    timers = []
    for task, definition, _spec in catching(wf):
        if not isinstance(definition, TimerEventDefinition):
            continue
        due = timer_due(task)
        if due is not None:
            timers.append(PendingTimer(str(task.id), due, element_id(task.task_spec)))
    return sorted(timers, key=lambda t: (t.due_at, t.task_id))


def _step(bundle: Bundle, wf: BpmnWorkflow, before: set | None,
          timers_before: list[PendingTimer] | None = None, state: str | None = None) -> Step:
    """The Step of ``wf`` after a call; ``state``: the stored state a snapshot describes (it is
    returned as it was, nothing is saved)."""
    tasks = wf.get_tasks(state=TaskState.READY, manual=True)
    instructions = instruction_renderer(bundle.files, bundle.hash)
    for task in tasks:
        if before is not None:  # a real step: it may have changed what a task offers
            offered.refresh(bundle, task, _SCRIPT_ENGINE.environment)
        with _script_errors(task.task_spec):
            annotate(task, _SCRIPT_ENGINE, instructions)
    finished = wf.is_completed()
    if finished:
        data = wf.data
    else:
        data = wf.last_task.data if wf.last_task is not None else wf.task_tree.data
    completed = _history(wf, before)
    ended = _ended_by_terminate(wf, before)
    ready = [ready_task(t) for t in tasks]
    if before is not None:  # a real step (not a snapshot): drop what can never run again
        compact(wf)
        # Events no task caught are kept for an outside handler; there is none here, and every
        # terminate end event in a called process (an answered request, a reported action)
        # leaves one behind, so they would pile up in the saved state cycle after cycle.
        wf.get_events()
    timers = _timers(wf)
    return Step(
        state=serializer.dump_state(wf, bundle.hash) if state is None else state,
        ready=ready,
        timers=timers,
        finished=finished,
        data=copy.deepcopy(data),
        completed=completed,
        ended=ended,
        timers_changed=timers_before is None or timers != timers_before,
    )
