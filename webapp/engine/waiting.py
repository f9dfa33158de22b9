"""What a case waits for: its timers and the messages the application may send it.

A catch event (intermediate or boundary) says in words what the case waits for with the
property ``waitingFor`` (e.g. "Next review"); without it, its name is shown. A message catch
event waits for a message the application sends when a person asks for it (e.g. "review_now",
see docs/process-conventions.md); :func:`waiting_events` lists both kinds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from .taskinfo import element_id, element_title, spec_properties

WAITING_LABEL = "waitingFor"


@dataclass(frozen=True)
class WaitingEvent:
    """One event a case waits for. ``due_at`` (aware UTC) for a timer; ``message`` (the
    message name) for a message catch event."""

    element_id: str
    label: str
    due_at: datetime | None = None
    message: str | None = None


def catching(wf):
    """(task, event definition, catch event spec) for every event ``wf`` waits for.

    An event-based gateway waits for all the events after it in one task of its own (the
    library moves their definitions onto the gateway): each is given with the catch event
    that follows the gateway, which names it in the diagram."""
    for task in wf.event_manager.tasks.values():
        spec = task.task_spec
        definition = getattr(spec, "event_definition", None)
        if isinstance(definition, MultipleEventDefinition):
            for index, inner in enumerate(definition.event_definitions):
                outputs = spec.outputs
                yield task, inner, outputs[index] if index < len(outputs) else spec
        elif definition is not None:
            yield task, definition, spec


def waiting_events(wf) -> list[WaitingEvent]:
    """The timers (soonest first) and then the message catch events ``wf`` waits for."""
    timers, messages = [], []
    for task, definition, spec in catching(wf):
        label = (spec_properties(spec).get(WAITING_LABEL) or "").strip() or element_title(spec)
        if isinstance(definition, TimerEventDefinition):
            due = timer_due(task)
            if due is not None:
                timers.append(WaitingEvent(element_id(spec), label, due_at=due))
        elif isinstance(definition, MessageEventDefinition):
            messages.append(WaitingEvent(element_id(spec), label, message=definition.name))
    timers.sort(key=lambda e: (e.due_at, e.element_id))
    messages.sort(key=lambda e: (e.message or "", e.element_id))
    return timers + messages


def timer_due(task) -> datetime | None:
    """When a reached timer fires (aware UTC), from the task's internal data; None when the
    timer has not computed its time (yet)."""
    value = task.internal_data.get("event_value")
    if isinstance(value, dict):
        value = value.get("next")
    try:
        due = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return due.replace(tzinfo=UTC) if due.tzinfo is None else due.astimezone(UTC)


def message_catcher(wf, name: str):
    """(task, message event definition) of ``wf`` waiting for the message ``name``, or None."""
    for task, definition, _spec in catching(wf):
        if isinstance(definition, MessageEventDefinition) and definition.name == name:
            return task, definition
    return None
