"""What the application shows of a ready user task: lane, form, instructions, assignment."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime

from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from .timers.clock import utcnow

_JINJA = SandboxedEnvironment(autoescape=True)
_ORG_KEY = "mawflow_organisation"
_DUE_KEY = "mawflow_due_at"
_DISCLOSE_KEY = "mawflow_disclose"
_ASKED_KEY = "mawflow_asked"
#: The person's identifiers a process can name in ``discloseIdentity`` (codes only: the values
#: never enter the process).
IDENTIFIER_CODES = ("name", "date_of_birth", "address")
_PURPOSE_MAX = 300


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
    # discloseIdentity: {"identifiers": [codes], "purpose": text, "for": text}, or None
    disclose: dict | None = None
    # partnerQuestion / sharedContext: {"question": text, "context": text or None}, or None
    asked: dict | None = None


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
    """Evaluate assignedOrganisation and dueIn once, when a task is first seen READY, and keep
    the results in the task's internal data so later snapshots return the same values.

    Raises whatever the expressions raise; the caller turns that into ScriptError."""
    if task.internal_data.get(_DUE_KEY, False) is not False:
        return
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
    if props.get("discloseIdentity"):
        task.internal_data[_DISCLOSE_KEY] = disclosure_choice(
            script_engine.evaluate_expression(props["discloseIdentity"], task.data))
    if props.get("partnerQuestion"):
        task.internal_data[_ASKED_KEY] = _asked(
            script_engine.evaluate_expression(props["partnerQuestion"], task.data),
            script_engine.evaluate_expression(props["sharedContext"], task.data)
            if props.get("sharedContext") else None)
    task.internal_data[_ORG_KEY] = organisation
    task.internal_data[_DUE_KEY] = due


def disclosure_choice(value) -> dict | None:
    """What a ``discloseIdentity`` expression chose, made safe: known identifier codes only
    (in a fixed order), a purpose cut to 300 characters, and what for. None (nothing is
    disclosed) when it names no identifier. Raises ValueError for a value of the wrong shape:
    a process must say plainly what it discloses."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError("discloseIdentity must give a dict with 'identifiers' and 'purpose'")
    chosen = value.get("identifiers") or []
    if not isinstance(chosen, list | tuple) or not all(isinstance(c, str) for c in chosen):
        raise ValueError("discloseIdentity: 'identifiers' must be a list of "
                         + ", ".join(IDENTIFIER_CODES))
    unknown = sorted(set(chosen) - set(IDENTIFIER_CODES))
    if unknown:
        raise ValueError(f"discloseIdentity: unknown identifiers {unknown}; use "
                         + ", ".join(IDENTIFIER_CODES))
    identifiers = [c for c in IDENTIFIER_CODES if c in chosen]
    if not identifiers:
        return None
    purpose = " ".join(str(value.get("purpose") or "").split())[:_PURPOSE_MAX]
    what_for = " ".join(str(value.get("for") or "").split())[:_PURPOSE_MAX]
    return {"identifiers": identifiers, "purpose": purpose, "for": what_for}


def _asked(question, context) -> dict | None:
    question = str(question or "").strip()
    context = str(context or "").strip() or None
    return {"question": question, "context": context} if question or context else None


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
    if not text or "{" not in text:
        return text or ""
    try:
        return _JINJA.from_string(text).render(**data)
    except (TemplateError, TypeError, ValueError):
        return text


def ready_task(task) -> ReadyTask:
    """Describe an annotated READY user task."""
    spec = task.task_spec  # for multi-instance: the "[child]" spec, which has id, name, lane
    props = spec_properties(spec)
    extensions = getattr(spec, "extensions", None) or {}
    due = task.internal_data.get(_DUE_KEY)
    return ReadyTask(
        id=str(task.id),
        spec_name=element_id(spec),
        title=element_title(spec),
        lane=role_name(spec.lane),
        form=props.get("formJsonSchemaFilename"),
        ui_form=props.get("formUiSchemaFilename"),
        instructions=render_instructions(extensions.get("instructionsForEndUser", ""), task.data),
        organisation=task.internal_data.get(_ORG_KEY),
        due_at=datetime.fromisoformat(due) if due else None,
        data=copy.deepcopy(task.data),
        disclose=copy.deepcopy(task.internal_data.get(_DISCLOSE_KEY)),
        asked=copy.deepcopy(task.internal_data.get(_ASKED_KEY)),
    )
