"""Live advice: a decision table evaluated on a user task's data while its form is filled in.

A user task may name a decision of its bundle in the property ``adviceDecisionId``. The task
page shows what that decision table says for the task's data with the form's current answers
merged in, so the people deciding see the advice before they choose. Nothing here changes or
saves a case: the workflow is loaded only to read the task's own data and is thrown away.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from threading import Lock
from typing import NamedTuple
from uuid import UUID

from lxml import etree
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

from . import serializer
from .bundle import Bundle, parse_xml
from .errors import TaskNotReady
from .sandbox import RestrictedScriptEngine
from .taskinfo import spec_properties

ADVICE_PROPERTY = "adviceDecisionId"
_SCRIPT_ENGINE = RestrictedScriptEngine()
_tables_lock = Lock()


class _Table(NamedTuple):
    engine: DMNEngine
    name: str


_tables: dict[tuple[str, str], _Table | None] = {}


@dataclass(frozen=True)
class Advice:
    """What a decision table advises. ``outputs`` are (label, value) in the table's order, the
    values as text except yes/no (a bool: the web layer words it in the reader's language);
    empty when no rule matched or the table could not be evaluated (``problem`` says why, for
    the process owner; ``missing`` names what the table reads that has no answer yet)."""

    decision_id: str
    decision_name: str
    outputs: list[tuple[str, str | bool]] = field(default_factory=list)
    rule_number: int | None = None
    rule_description: str = ""
    problem: str | None = None
    missing: str | None = None

    @property
    def matched(self) -> bool:
        return self.rule_number is not None and self.problem is None


def advice_decision(bundle: Bundle, element_id: str) -> str | None:
    """The decision id a user task asks advice from (``adviceDecisionId``), or None."""
    return (bundle.task_properties(element_id).get(ADVICE_PROPERTY) or "").strip() or None


def advise(bundle: Bundle, state: str, task_id: str, entered: dict) -> Advice | None:
    """The advice for the READY user task ``task_id`` of a case in ``state``, evaluated on the
    task's data with ``entered`` (the form's answers so far) merged in as completing the task
    would merge them (under the task's ``variableName`` when it has one).

    Returns None when the task names no ``adviceDecisionId``. A table that is missing, cannot
    be read or has no matching rule gives an Advice without outputs; an error in one of its
    cells gives an Advice whose ``problem`` explains it. Raises TaskNotReady (unknown or not a
    ready user task) and StateError (unreadable state)."""
    wf = serializer.load_state(state, bundle.spec, bundle.subprocess_specs, bundle.hash)
    wf.script_engine = _SCRIPT_ENGINE
    task = _ready_user_task(wf, task_id)
    decision_id = (spec_properties(task.task_spec).get(ADVICE_PROPERTY) or "").strip()
    if not decision_id:
        return None
    table = _decision_table(bundle, decision_id)
    if table is None:
        return Advice(decision_id, decision_id)
    # The workflow is a throwaway copy: give its task the data completing it would produce.
    task.data = _merged(task, entered)
    return _evaluate(table, decision_id, task)


def _ready_user_task(wf, task_id: str):
    try:
        task = wf.get_task_from_id(UUID(str(task_id)))
    except (ValueError, SpiffWorkflowException):
        task = None
    if task is None or task.state != TaskState.READY or not task.task_spec.manual:
        raise TaskNotReady(f"the task {task_id!r} is not waiting for input")
    return task


def _merged(task, entered: dict) -> dict:
    data = copy.deepcopy(task.data)
    variable = getattr(task.task_spec, "variable", None)
    if variable:
        data[variable] = copy.deepcopy(entered)
        return data
    return DeepMerge.merge(data, copy.deepcopy(entered))


def _decision_table(bundle: Bundle, decision_id: str) -> _Table | None:
    """The parsed table of ``decision_id`` in the bundle's rules/, once per bundle; None when
    no DMN file defines it or it cannot be parsed."""
    key = (bundle.hash, decision_id)
    if key not in _tables:
        table = _parse_table(bundle.files, decision_id)
        with _tables_lock:
            _tables[key] = table
    return _tables[key]


def _parse_table(files: dict[str, str], decision_id: str) -> _Table | None:
    for path in sorted(files):
        if not (path.startswith("rules/") and path.endswith(".dmn")):
            continue
        try:
            tree = parse_xml(files[path])
            if decision_id not in {d.get("id") for d in tree.iter("{*}decision")}:
                continue
            parser = SpiffBpmnParser()
            parser.add_dmn_xml(tree, path)
            engine = parser.get_engine(decision_id, None)
        except (etree.XMLSyntaxError, SpiffWorkflowException, LookupError, ValueError):
            return None
        return _Table(engine, parser.dmn_parsers[decision_id].decision.name or decision_id)
    return None


def _evaluate(table: _Table, decision_id: str, task) -> Advice:
    name = table.name
    try:
        rules = table.engine.decide(task)
        if not rules:
            return Advice(decision_id, name)
        rule = rules[0]
        values = rule.output_as_dict(task)
    except Exception as err:  # noqa: BLE001 - a broken cell is shown, never a server error
        return Advice(decision_id, name, problem=_describe(err), missing=_missing(err))
    labels = {(o.name or o.label): (o.label or o.name) for o in table.engine.decision_table.outputs}
    outputs = [(labels.get(key, key), _text(value)) for key, value in values.items()]
    return Advice(decision_id, name, outputs, rule.row_number, (rule.description or "").strip())


def _describe(err: Exception) -> str:
    """The error of a cell, for the panel: what went wrong first, the expression after (for
    an answer the table reads that is missing, only the expression: ``missing`` says the
    rest)."""
    if not isinstance(err, SpiffWorkflowException):
        return f"{type(err).__name__}: {err}"
    cause = err.__cause__ or err.__context__
    notes = [n.strip() for n in getattr(err, "notes", []) if n and n.strip()]
    detail = ". ".join([str(err.args[0]) if err.args else type(err).__name__, *notes])
    if cause is not None and not isinstance(cause, SpiffWorkflowException | KeyError):
        return f"{type(cause).__name__}: {cause} ({detail})"
    return detail


def _missing(err: Exception) -> str | None:
    """The name a cell reads that has no answer yet, when that is what went wrong."""
    if not isinstance(err, SpiffWorkflowException):
        return None
    cause = err.__cause__ or err.__context__
    return str(cause) if isinstance(cause, KeyError) else None


def _text(value) -> str | bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_item(v) for v in value)
    return str(value)


def _item(value) -> str:
    """One value of a list the table gave (a list of yes/no answers stays in English)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(_text(value))
