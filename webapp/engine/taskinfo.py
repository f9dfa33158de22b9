"""What the application shows of a ready user task: lane, form, instructions, assignment."""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
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
_OWNERS_KEY = "mawflow_lane_owners"
_SUMMARY_KEY = "mawflow_summary"
SUMMARY_LENGTH = 500  # a summary longer than this is cut (it names what was asked, briefly)
_DISCLOSE_KEY = "mawflow_disclose"
_ASKED_KEY = "mawflow_asked"
#: The person's identifiers a process can name in ``discloseIdentity`` (codes only: the values
#: never enter the process).
IDENTIFIER_CODES = ("name", "date_of_birth", "address")
_PURPOSE_MAX = 300
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
    # spiff-arena's lane_owners for this task's lane (organisation codes or usernames), when
    # the task data names them and no assignedOrganisation does; None otherwise.
    owners: list[str] | None = None
    lane_name: str | None = None  # the lane as the diagram names it ("Partner")
    # What is asked, in a line (property ``summary``), for lists that never load a workflow.
    summary: str | None = None
    # The element id of the earlier step whose last performer may not do this one (four eyes).
    four_eyes_step: str | None = None
    # discloseIdentity: {"identifiers": [codes], "purpose": text, "for": text}, or None
    disclose: dict | None = None
    # partnerQuestion / sharedContext: {"question": text, "context": text or None}, or None
    asked: dict | None = None
    #: Why the instructions' placeholders could not be filled in (then ``instructions`` is the
    #: text as written); for the process owner. None when they were filled in.
    instructions_error: str | None = None
    #: The instructions filled in, per language of the bundle's catalogs (see
    #: :func:`annotate`); ``instructions`` is the bundle's own language.
    instructions_in: dict[str, str] = field(default_factory=dict)


#: Lanes named for who meets rather than for a role, and the role whose members do their tasks.
#: The case table decides together, and the coordinator who chairs it records the decision, so
#: a task in lane "Table" goes to coordinators (network-wide, like the Coordinator lane).
#: Every lane-to-role lookup goes through role_name(), so task rows, inboxes, permissions and
#: validation all agree on this.
LANE_ROLES = {"table": "coordinator"}

#: Values of the user task property ``notifyAs``: a task a timer creates to remind people of
#: a waiting answer, or to escalate it to someone else. People are told about such a task as
#: a reminder or an escalation rather than as a new task (services/notifications).
NOTIFY_AS = ("reminder", "escalation")


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


#: Fills in a task's instructions (the text as written, the task's data) in every language of
#: its bundle: {"": the bundle's own language, "nl": ..., ...} of (text, error); see
#: engine.translation.instruction_renderer.
Instructions = Callable[[str, dict], dict[str, tuple[str, str | None]]]


def annotate(task, script_engine, instructions: Instructions | None = None) -> None:
    """Evaluate assignedOrganisation, dueIn (or dueAt), summary, the disclosure and the
    question, and fill in the instructions once, when a task is first seen READY, and keep the
    results in the task's internal data so later snapshots return the same values (and run no
    owner code again).

    Raises whatever assignedOrganisation and the due date expressions raise; the caller turns
    that into ScriptError. A summary that fails is left out: it only describes the task."""
    if task.internal_data.get(_DUE_KEY, False) is not False:
        if not isinstance(task.internal_data.get(_INSTRUCTIONS_KEY), dict):  # an older state
            task.internal_data[_INSTRUCTIONS_KEY] = _instructions(task, instructions)
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
    task.internal_data[_OWNERS_KEY] = None if organisation else lane_owners(task)
    task.internal_data[_SUMMARY_KEY] = _summary(props.get("summary"), task.data, script_engine)
    task.internal_data[_INSTRUCTIONS_KEY] = _instructions(task, instructions)


def lane_owners(task) -> list[str] | None:
    """spiff-arena's convention: ``lane_owners = {"<lane name>": [owner, ...]}`` in the task
    data names who gets the tasks of that lane. The lane is looked up by the diagram's name,
    then as a role (``"partner"`` for lane "Partner"). None when the data names nobody for
    the lane; a single name counts as a list of one.

    Raises ValueError when lane_owners gives the lane something other than names."""
    owners = task.data.get("lane_owners")
    lane = task.task_spec.lane
    if not isinstance(owners, dict) or not lane:
        return None
    value = owners.get(lane)
    if value is None:
        value = next((v for k, v in owners.items() if role_name(str(k)) == role_name(lane)),
                     None)
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise ValueError(f"lane_owners[{lane!r}] must be a list of organisation codes or "
                         f"usernames, not {value!r}")
    return [str(v) for v in value]


def _summary(expression: str | None, data: dict, script_engine) -> str | None:
    """The text of the ``summary`` expression, cut to SUMMARY_LENGTH; None when there is none
    or it fails (a summary only describes the task: it must never stop the process)."""
    if not expression:
        return None
    try:
        value = script_engine.evaluate_expression(expression, data)
    except Exception:  # see the docstring
        return None
    if value in (None, ""):
        return None
    text = " ".join(str(value).split())
    return text if len(text) <= SUMMARY_LENGTH else text[:SUMMARY_LENGTH - 1] + "…"


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


def _instructions(task, instructions: Instructions | None) -> dict[str, list]:
    """{language: [text, error]} of the task's instructions filled in from its data."""
    text = ((getattr(task.task_spec, "extensions", None) or {})
            .get("instructionsForEndUser", ""))
    if instructions is None:
        return {"": list(render_instructions_checked(text, task.data))}
    return {language: list(pair) for language, pair in instructions(text, task.data).items()}


def _stored_instructions(task) -> dict[str, list]:
    stored = task.internal_data.get(_INSTRUCTIONS_KEY)
    if isinstance(stored, dict) and "" in stored:
        return stored
    if isinstance(stored, list):  # saved before languages: the bundle's own language only
        return {"": stored}
    return _instructions(task, None)


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


def render_instructions(text: str, data: dict, env=None) -> str:
    """Fill ``{{ placeholders }}`` from ``data`` in a sandboxed, autoescaping Jinja; on any
    template error return the raw text (a broken placeholder must not hide the task)."""
    return render_instructions_checked(text, data, env)[0]


def render_instructions_checked(text: str, data: dict, env=None) -> tuple[str, str | None]:
    """(filled-in text, None), or (the text as written, why it could not be filled in).

    The template runs in an immutable sandbox (``env``: a bundle's, in one language, with its
    ``label`` and ``date`` filters; it must be an ImmutableSandboxedEnvironment) on a copy of
    the data, so it cannot change the task's data; its time and memory are those of the
    engine's worker process. Any error (unknown filters, ``range(10**9)``, a string too big
    for memory...) is returned as a message for the process owner, never raised."""
    if not text or "{" not in text:
        return text or "", None
    try:
        rendered = _template(env or _JINJA, text).render(**copy.deepcopy(data))
    except MemoryError:
        return text, "the placeholders need more memory than a process step may use"
    except Exception as err:  # noqa: BLE001 - whatever the template does, the task shows
        return text, f"{type(err).__name__}: {err}"[:500]
    if len(rendered) > MAX_INSTRUCTIONS:
        return text, (f"the filled-in instructions are longer than {MAX_INSTRUCTIONS:,} "
                      "characters")
    return rendered, None


@functools.lru_cache(maxsize=512)
def _template(env, text: str):
    """A compiled instructions template, once per environment and text (compiling costs more
    than rendering). Raises the template's syntax errors (not cached: compiling them again is
    cheap)."""
    return env.from_string(text)


def ready_task(task) -> ReadyTask:
    """Describe an annotated READY user task."""
    spec = task.task_spec  # for multi-instance: the "[child]" spec, which has id, name, lane
    props = spec_properties(spec)
    due = task.internal_data.get(_DUE_KEY)
    shown = _stored_instructions(task)
    instructions, problem = shown[""]
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
        owners=task.internal_data.get(_OWNERS_KEY),
        lane_name=spec.lane,
        summary=task.internal_data.get(_SUMMARY_KEY),
        four_eyes_step=props.get("notCompletedBySameAs") or None,
        disclose=copy.deepcopy(task.internal_data.get(_DISCLOSE_KEY)),
        asked=copy.deepcopy(task.internal_data.get(_ASKED_KEY)),
        instructions_in={lang: text for lang, (text, _error) in shown.items() if lang},
    )
