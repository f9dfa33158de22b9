"""Which element of a process plays which part in the evaluation: its *milestones*.

The evaluation reads the case history, which names elements by their BPMN id; to count
intake decisions or the time from the signal to the intake decision, it must know which
element is the intake decision. A process owner says so in the diagram, with a
``spiffworkflow:properties`` property on the element (the spiff extension conventions,
like ``formJsonSchemaFilename``)::

    <spiffworkflow:property name="evaluationMilestone" value="intake_decision" />

An element of a process that marks no element for a milestone is found by the default
process's id for it (``Milestone.default``): versions published before the property
existed keep counting as they did.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask

from .errors import Problem
from .phrases import N_, say
from .taskinfo import element_id, spec_properties

PROPERTY = "evaluationMilestone"

#: What kind of element a milestone must be, as the history records it: a user task is
#: "done" by a person, a timer and the elements the engine runs alone are "passed"
#: (engine.runner records these: script, decision, service tasks and end events).
USER_TASK, TIMER, ENGINE_RUN = "user task", "timer", "engine"
_ENGINE_RUN_TYPES = ("BusinessRuleTask", "ScriptTask", "ServiceTask", "EndEvent")


@dataclass(frozen=True)
class Milestone:
    """A part an element plays for the evaluation. ``default``: the default process's
    element for it; ``part``: what the element is; ``figures``: what the evaluation cannot
    show without it (both marked for translation)."""

    key: str
    default: str
    kind: str
    part: str
    figures: str


MILESTONES: dict[str, Milestone] = {m.key: m for m in (
    Milestone("intake_decision", "confirm_intake_decision", USER_TASK,
              N_("the step where the intake decision is taken"),
              N_("the intake decisions, the cases taken to the table month by month, the "
                 "time from the signal to the intake decision and from the intake decision "
                 "to the first consultation")),
    Milestone("consultation", "case_consultation", USER_TASK,
              N_("the case consultation (with the screening per life domain)"),
              N_("the time from the intake decision to the first consultation and from the "
                 "first consultation to closure, and each case's uncovered life domains")),
    Milestone("action_plan", "agree_action_plan", USER_TASK,
              N_("the step where the action plan is agreed"),
              N_("each case's uncovered life domains (the actions of its plan)")),
    Milestone("review", "review_case", USER_TASK,
              N_("the periodic review of the case"),
              N_("the uncovered life domains shown on the review step")),
    Milestone("closure_review", "closure_review", USER_TASK,
              N_("the closure review (with its yes/no criteria)"),
              N_("the closure criteria ticked and the decisions to close, and the uncovered "
                 "life domains shown on that step")),
    Milestone("case_end", "end_case", ENGINE_RUN,
              N_("the element that ends a case after aftercare: a script task or end event"),
              N_("the time in aftercare")),
    Milestone("information_request", "answer_information_request", USER_TASK,
              N_("a partner's answer to an information request"),
              N_("the information requests closed and those answered within the deadline")),
    Milestone("information_request_reminder", "answer_after_reminder", USER_TASK,
              N_("a partner's answer after a reminder"),
              N_("the information requests answered after a reminder")),
    Milestone("information_request_deadline", "Timer_answer_deadline", TIMER,
              N_("the timer of an information request's deadline (the reminder)"),
              N_("the reminders sent")),
    Milestone("information_request_escalation", "Timer_escalation", TIMER,
              N_("the timer that escalates a request still unanswered"),
              N_("the escalations")),
)}  # fmt: skip


@dataclass(frozen=True)
class Milestones:
    """Milestone key -> the element ids that play it (none: the figures it feeds are empty)."""

    elements: dict[str, frozenset[str]] = field(default_factory=dict)

    def of(self, key: str) -> frozenset[str]:
        return self.elements.get(key, frozenset())

    def first(self, key: str) -> str | None:
        """One element of the milestone (the smallest id: stable), or None."""
        return min(self.of(key), default=None)

    def union(self, other: Milestones) -> Milestones:
        return Milestones({key: self.of(key) | other.of(key) for key in MILESTONES})

    @classmethod
    def defaults(cls) -> Milestones:
        """The default process's elements (a database without any process version)."""
        return cls({key: frozenset({m.default}) for key, m in MILESTONES.items()})


@dataclass(frozen=True)
class Marked:
    """An element marked with the property: where, and the value it gives."""

    file: str
    element: str
    value: str
    spec: object = field(compare=False, hash=False)


def _elements(processes: Iterable) -> Iterator[tuple[str, object]]:
    """(file, task spec) of every BPMN element of the process specs (the activity itself for
    multi-instance tasks, whose instances carry the extensions)."""
    for process in processes:
        for spec in process.task_specs.values():
            if isinstance(spec, MultiInstanceTask):
                continue
            if spec.bpmn_id is not None or spec.name.endswith(" [child]"):
                yield process.file or "processes/", spec


def marked(processes: Iterable) -> list[Marked]:
    """Every element that carries the property, in file and id order."""
    found = {}
    for file, spec in _elements(processes):
        value = str(spec_properties(spec).get(PROPERTY) or "").strip()
        if value:
            found[(file, element_id(spec))] = Marked(file, element_id(spec), value, spec)
    return [found[k] for k in sorted(found)]


def resolve(processes: Iterable) -> Milestones:
    """The elements of one process version (its main process and the processes it calls)
    that play each milestone: those marked for it; where none is, the element with the
    default id, if the version has one and it is not marked for another milestone."""
    processes = list(processes)
    marks = marked(processes)
    ids = {element_id(spec) for _file, spec in _elements(processes)}
    taken = {m.element for m in marks}
    out = {}
    for key, milestone in MILESTONES.items():
        declared = frozenset(m.element for m in marks if m.value == key)
        if not declared and milestone.default in ids and milestone.default not in taken:
            declared = frozenset({milestone.default})
        out[key] = declared
    return Milestones(out)


def _kind_of(spec) -> str:
    if getattr(spec, "manual", False):
        return USER_TASK
    if isinstance(getattr(spec, "event_definition", None), TimerEventDefinition):
        return TIMER
    if type(spec).__name__ in _ENGINE_RUN_TYPES:
        return ENGINE_RUN
    return ""


_KIND_WORDS = {USER_TASK: N_("a user task"), TIMER: N_("a timer event"),
               ENGINE_RUN: N_("a script task, decision task or end event")}


def check_milestones(processes: Iterable, *, took_part: bool = False) -> list[Problem]:
    """Warnings (the process runs all the same) about the milestones of one bundle: a value
    that is no milestone, a milestone on the wrong kind of element, marked on two elements,
    or found nowhere.

    A process with no milestone at all (nothing marked, no element with a default id) is
    one that does not follow these conventions, such as a bundle made for another spiff
    tool: it is told nothing, unless ``took_part`` (its published version had milestones,
    so a remodelling lost them all), and then in one warning instead of ten."""
    processes = list(processes)
    if not processes:
        return []
    main_file = processes[0].file or "processes/"
    marks = marked(processes)
    warnings = []
    for mark in marks:
        milestone = MILESTONES.get(mark.value)
        if milestone is None:
            warnings.append(Problem.of(mark.file, mark.element, N_(
                "the property %(property)s has the value '%(value)s', which is no milestone "
                "of the evaluation (known: %(known)s)"), warning=True, property=PROPERTY,
                value=mark.value, known=list(MILESTONES)))
        elif _kind_of(mark.spec) != milestone.kind:
            warnings.append(Problem.of(mark.file, mark.element, N_(
                "this element is marked as the evaluation milestone '%(milestone)s', which "
                "must be %(kind)s: the history records it otherwise, so the evaluation "
                "misses %(figures)s"), warning=True, milestone=milestone.key,
                kind=say(_KIND_WORDS[milestone.kind]), figures=say(milestone.figures)))
    found = resolve(processes)
    if not any(found.elements.values()):
        if not took_part:
            return warnings
        return warnings + [Problem.of(main_file, None, N_(
            "no element of this process is marked for the evaluation any more (the "
            "property %(property)s), and none has the default process's ids: its cases "
            "will count in the "
            "time per step, the waiting events and the heatmap, but not in the intake "
            "decisions, closure criteria or the times between milestones. Mark the elements "
            "that play these parts: in the diagram editor, select each and choose its part "
            "under “In the evaluation, this is” (values: %(known)s)"), warning=True,
            property=PROPERTY,
            known=list(MILESTONES))]
    for key, milestone in MILESTONES.items():
        declared = [m for m in marks if m.value == key]
        if len(declared) > 1:
            warnings.append(Problem.of(declared[0].file, declared[0].element, N_(
                "%(count)d elements are marked as the evaluation milestone '%(milestone)s' "
                "(%(elements)s): the evaluation counts all of them together, so %(figures)s "
                "mix the different steps. Mark only one, unless they really are the same "
                "step"), warning=True, count=len(declared), milestone=key,
                elements=[m.element for m in declared], figures=say(milestone.figures)))
        elif not found.of(key):
            warnings.append(Problem.of(main_file, None, N_(
                "no element is marked as the evaluation milestone '%(milestone)s' "
                "(%(part)s), so the evaluation misses %(figures)s for cases of this version. "
                "In the diagram editor, select that element and choose “%(part)s” under "
                "“In the evaluation, this is” (the property %(property)s with the value "
                "'%(milestone)s')"), warning=True, milestone=key, part=say(milestone.part),
                figures=say(milestone.figures), property=PROPERTY))
    return warnings
