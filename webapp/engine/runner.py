"""Running cases: start, complete a user task, fire timers, look at a stored state."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from . import serializer
from .bundle import Bundle
from .compact import compact
from .errors import DataRejected, ScriptError, TaskNotReady
from .sandbox import RestrictedScriptEngine, ScriptTimeout
from .taskinfo import ReadyTask, annotate, element_id, element_title, ready_task
from .timers.clock import frozen

_SCRIPT_ENGINE = RestrictedScriptEngine()
_HISTORY_TYPES = {"BusinessRuleTask", "ScriptTask", "ServiceTask", "EndEvent", "TimerEvent"}


@dataclass
class PendingTimer:
    """A timer event waiting for its time; ``due_at`` is aware UTC."""

    task_id: str
    due_at: datetime


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
    timers_before = _timers(wf)
    with frozen(now):
        before = _completed_ids(wf)
        submitted = copy.deepcopy(data)

        def run() -> None:
            if hasattr(task.task_spec, "add_data_from_form"):
                task.task_spec.add_data_from_form(task, submitted)
            else:
                task.data.update(submitted)
            task.run()
            wf.do_engine_steps()

        _guarded(run)
        return _step(bundle, wf, before, timers_before)


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


def _timers(wf: BpmnWorkflow) -> list[PendingTimer]:
    timers = []
    for task in wf.event_manager.tasks.values():
        definition = getattr(task.task_spec, "event_definition", None)
        value = task.internal_data.get("event_value")
        if not isinstance(definition, TimerEventDefinition) or value is None:
            continue
        if isinstance(value, dict):
            value = value.get("next")
        try:
            due = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            continue
        due = due.replace(tzinfo=UTC) if due.tzinfo is None else due.astimezone(UTC)
        timers.append(PendingTimer(str(task.id), due))
    return sorted(timers, key=lambda t: (t.due_at, t.task_id))


def _step(bundle: Bundle, wf: BpmnWorkflow, before: set | None,
          timers_before: list[PendingTimer] | None = None, state: str | None = None) -> Step:
    """The Step of ``wf`` after a call; ``state``: the stored state a snapshot describes (it is
    returned as it was, nothing is saved)."""
    tasks = wf.get_tasks(state=TaskState.READY, manual=True)
    for task in tasks:
        with _script_errors(task.task_spec):
            annotate(task, _SCRIPT_ENGINE)
    finished = wf.is_completed()
    if finished:
        data = wf.data
    else:
        data = wf.last_task.data if wf.last_task is not None else wf.task_tree.data
    completed = _history(wf, before)
    ready = [ready_task(t) for t in tasks]
    if before is not None:  # a real step (not a snapshot): drop what can never run again
        compact(wf)
    timers = _timers(wf)
    return Step(
        state=serializer.dump_state(wf, bundle.hash) if state is None else state,
        ready=ready,
        timers=timers,
        finished=finished,
        data=copy.deepcopy(data),
        completed=completed,
        timers_changed=timers_before is None or timers != timers_before,
    )
