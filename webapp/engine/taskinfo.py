"""What the application shows of a ready user task: lane, form, instructions, assignment."""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field
from datetime import UTC, datetime

from jinja2.sandbox import ImmutableSandboxedEnvironment
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from .sandbox import report_where
from .timers.clock import utcnow

# Immutable: a template cannot change the data it reads ({{ x.pop() }}, {{ d.update() }}).
_JINJA = ImmutableSandboxedEnvironment(autoescape=True)
_ORG_KEY = "mawflow_organisation"
_DUE_KEY = "mawflow_due_at"
_INSTRUCTIONS_KEY = "mawflow_instructions"
#: Filled-in instructions longer than this are refused (the page would be unreadable anyway).
MAX_INSTRUCTIONS = 100_000


@dataclass
class ReadyTask:
    """A user task waiting for a person."""

    id: str
    spec_name: str
    title: str
    lane: str | None
    form: str | None
    ui_form: str | None
    instructions: str
    organisation: str | None
    due_at: datetime | None
    data: dict = field(default_factory=dict)
    #: Why the instructions' placeholders could not be filled in (then ``instructions`` is the
    #: text as written); for the process owner. None when they were filled in.
    instructions_error: str | None = None


#: Lanes named for who meets rather than for a role, and the role whose members do their tasks.
#: The case table decides together, and the coordinator who chairs it records the decision, so
#: a task in lane "Table" goes to coordinators (network-wide, like the Coordinator lane).
#: Every lane-to-role lookup goes through role_name(), so task rows, inboxes, permissions and
#: validation all agree on this.
LANE_ROLES = {"table": "coordinator"}


def role_name(lane: str | None) -> str | None:
    """The role that does the tasks in a lane: the lane name lower-cased, spaces as
    underscores, then looked up in LANE_ROLES (a lane named for a role is that role)."""
    if not lane:
        return None
    name = lane.strip().lower().replace(" ", "_")
    return LANE_ROLES.get(name, name)


def element_id(task_spec) -> str:
    """The BPMN element id of a task spec (the activity's id for multi-instance children)."""
    return task_spec.bpmn_id or task_spec.name.removesuffix(" [child]")


def element_title(task_spec) -> str:
    """The BPMN name of a task spec, falling back to its element id."""
    return task_spec.bpmn_name or element_id(task_spec)


def spec_properties(task_spec) -> dict:
    """The ``spiffworkflow:properties`` of a task spec (empty when there are none)."""
    return (getattr(task_spec, "extensions", None) or {}).get("properties") or {}


def annotate(task, script_engine) -> None:
    """Evaluate assignedOrganisation and dueIn and fill in the instructions once, when a task
    is first seen READY, and keep the results in the task's internal data so later snapshots
    return the same values (and run no owner code again).

    Raises whatever the expressions raise; the caller turns that into ScriptError."""
    if task.internal_data.get(_DUE_KEY, False) is not False:
        if _INSTRUCTIONS_KEY not in task.internal_data:  # a state saved before this was kept
            task.internal_data[_INSTRUCTIONS_KEY] = _instructions(task)
        return
    report_where(element_id(task.task_spec))
    props = spec_properties(task.task_spec)
    organisation = None
    if props.get("assignedOrganisation"):
        value = script_engine.evaluate_expression(props["assignedOrganisation"], task.data)
        organisation = None if value is None else str(value)
    due = None
    if props.get("dueIn"):
        duration = script_engine.evaluate_expression(props["dueIn"], task.data)
        now = utcnow()
        parsed = TimerEventDefinition.parse_iso_duration(str(duration))
        due = (now + TimerEventDefinition.get_timedelta_from_start(parsed, now)).isoformat()
    elif props.get("dueAt"):
        due = _due_at(script_engine.evaluate_expression(props["dueAt"], task.data))
    task.internal_data[_ORG_KEY] = organisation
    task.internal_data[_DUE_KEY] = due
    task.internal_data[_INSTRUCTIONS_KEY] = _instructions(task)


def _instructions(task) -> list:
    """[text, error] of the task's instructions filled in from its data (see render)."""
    text = ((getattr(task.task_spec, "extensions", None) or {})
            .get("instructionsForEndUser", ""))
    return list(render_instructions_checked(text, task.data))


def _due_at(value) -> str | None:
    """An ISO date (end of that day, UTC) or an ISO datetime as an aware UTC ISO string."""
    if value in (None, ""):
        return None
    text = str(value)
    if len(text) == 10:  # a date: due at the end of that day
        text += "T23:59:59+00:00"
    moment = datetime.fromisoformat(text)
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.isoformat()


def render_instructions(text: str, data: dict) -> str:
    """Fill ``{{ placeholders }}`` from ``data`` in a sandboxed, autoescaping Jinja; on any
    template error return the raw text (a broken placeholder must not hide the task)."""
    return render_instructions_checked(text, data)[0]


def render_instructions_checked(text: str, data: dict) -> tuple[str, str | None]:
    """(filled-in text, None), or (the text as written, why it could not be filled in).

    The template runs in an immutable sandbox on a copy of the data, so it cannot change the
    task's data; its time and memory are those of the engine's worker process. Any error
    (unknown filters, ``range(10**9)``, a string too big for memory...) is returned as a
    message for the process owner, never raised."""
    if not text or "{" not in text:
        return text or "", None
    try:
        rendered = _template(text).render(**copy.deepcopy(data))
    except MemoryError:
        return text, "the placeholders need more memory than a process step may use"
    except Exception as err:  # noqa: BLE001 - whatever the template does, the task shows
        return text, f"{type(err).__name__}: {err}"[:500]
    if len(rendered) > MAX_INSTRUCTIONS:
        return text, (f"the filled-in instructions are longer than {MAX_INSTRUCTIONS:,} "
                      "characters")
    return rendered, None


@functools.lru_cache(maxsize=512)
def _template(text: str):
    """A compiled instructions template, once per text (compiling costs more than rendering).
    Raises the template's syntax errors (not cached: compiling them again is cheap)."""
    return _JINJA.from_string(text)


def ready_task(task) -> ReadyTask:
    """Describe an annotated READY user task."""
    spec = task.task_spec  # for multi-instance: the "[child]" spec, which has id, name, lane
    props = spec_properties(spec)
    due = task.internal_data.get(_DUE_KEY)
    instructions, problem = task.internal_data.get(_INSTRUCTIONS_KEY) or _instructions(task)
    return ReadyTask(
        id=str(task.id),
        spec_name=element_id(spec),
        title=element_title(spec),
        lane=role_name(spec.lane),
        form=props.get("formJsonSchemaFilename"),
        ui_form=props.get("formUiSchemaFilename"),
        instructions=instructions,
        instructions_error=problem,
        organisation=task.internal_data.get(_ORG_KEY),
        due_at=datetime.fromisoformat(due) if due else None,
        data=copy.deepcopy(task.data),
    )
