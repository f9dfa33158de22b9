"""compile_bundle: parse a process bundle and collect every problem a process owner must fix."""

from __future__ import annotations

import json
from collections.abc import Iterable

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from lxml import etree
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.exceptions import SpiffWorkflowException

from .bundle import Bundle, executable_roots, new_parser, parse_xml
from .errors import BundleInvalid, Problem
from .scriptcheck import check_expressions, decision_ids
from .taskinfo import LANE_ROLES, NOTIFY_AS, role_name, spec_properties


def compile_bundle(
    files: dict[str, str], roles: Iterable[str], process_id: str | None = None
) -> Bundle:
    """Parse and validate a bundle; return it ready to run.

    Raises BundleInvalid listing ALL problems found (XML, BPMN schema, decisions, forms,
    lanes, scripts), so a process owner can fix everything in one go."""
    trees, problems = _parse_xml_files(files)
    problems += _check_forms_parse(files)
    problems += check_expressions(trees)
    if any(path.endswith((".bpmn", ".dmn")) and path not in trees for path in files):
        raise BundleInvalid(problems)
    main, more = _main_process(trees, process_id)
    problems += more
    if main is None:
        raise BundleInvalid(problems)
    spec, subs = _parse_specs(files, main, problems)
    decisions = decision_ids(trees)
    for process in [spec, *subs.values()]:
        if process is not None:
            problems += _check_tasks(process, files, set(roles), decisions)
    if problems:
        raise BundleInvalid(problems)
    return Bundle(files, spec, subs)


def _parse_xml_files(files: dict[str, str]) -> tuple[dict[str, etree._Element], list[Problem]]:
    trees, problems = {}, []
    for path in sorted(files):
        if path.endswith((".bpmn", ".dmn")):
            try:
                trees[path] = parse_xml(files[path])
            except etree.XMLSyntaxError as err:
                problems.append(Problem(path, None, f"the file is not well-formed XML: {err}"))
    return trees, problems


def _parse_specs(files: dict[str, str], main: str, problems: list[Problem]):
    """Run SpiffWorkflow's parser (with XSD validation); raise BundleInvalid if it fails."""
    try:
        parser = new_parser(files, validate=True)
        return parser.get_spec(main), parser.get_subprocess_specs(main)
    except SpiffWorkflowException as err:
        problem = _parser_problem(err)
        if not any(p.file == problem.file and p.element_id == problem.element_id for p in problems):
            problems.append(problem)
        raise BundleInvalid(problems) from err


def _check_forms_parse(files: dict[str, str]) -> list[Problem]:
    problems = []
    for path in sorted(files):
        if not path.startswith("forms/"):
            continue
        try:
            schema = json.loads(files[path])
        except ValueError as err:
            problems.append(Problem(path, None, f"the form file is not valid JSON: {err}"))
            continue
        if path.endswith(".schema.json"):
            try:
                Draft202012Validator.check_schema(schema)
            except SchemaError as err:
                where = "/".join(str(p) for p in err.path) or "top level"
                problems.append(
                    Problem(path, None, f"the form is not a valid JSON Schema ({where}): "
                            f"{err.message}")
                )  # fmt: skip
    return problems


def _main_process(trees, process_id) -> tuple[str | None, list[Problem]]:
    bpmn = {p: t for p, t in trees.items() if p.startswith("processes/")}
    if process_id is not None:
        return process_id, []
    roots = executable_roots(bpmn.values())
    if len(roots) == 1:
        return roots[0], []
    where = ", ".join(sorted(bpmn)) or "processes/"
    if not roots:
        return None, [Problem(where, None, "there is no executable process to start")]
    return None, [
        Problem(where, None, "more than one executable process could be the main one "
                f"({', '.join(roots)}); name the one to start")
    ]  # fmt: skip


def _parser_problem(err) -> Problem:
    file = getattr(err, "file_name", "") or "processes/"
    element = getattr(err, "id", "") or None
    name = getattr(err, "name", "")
    text = str(err.args[0]) if err.args else str(err)
    if name:
        text = f"({name}) {text}"
    line = getattr(err, "line_number", "")
    if line and not element:
        text = f"line {line}: {text}"
    return Problem(file, element, text)


def _label(task_spec) -> str:
    name = task_spec.bpmn_name
    return f"the task '{name}'" if name else "this task"


def _known_lanes(roles: set[str]) -> str:
    """The lane names a process owner may use: the roles, then the aliases (LANE_ROLES)."""
    aliases = [f"{lane} (tasks go to {role})" for lane, role in sorted(LANE_ROLES.items())
               if role in roles]  # fmt: skip
    return ", ".join([*sorted(roles), *aliases])


def _check_tasks(
    process, files: dict[str, str], roles: set[str], decisions: set[str]
) -> list[Problem]:
    problems = []
    for task_spec in process.task_specs.values():
        if task_spec.bpmn_id is None or isinstance(task_spec, MultiInstanceTask):
            continue
        file = process.file or "processes/"
        eid = task_spec.bpmn_id
        if getattr(task_spec, "manual", False):
            if not task_spec.lane:
                problems.append(
                    Problem(
                        file,
                        eid,
                        f"{_label(task_spec)} is a user task outside "
                        "any lane; put it in the lane of the role that does it",
                    )
                )
            elif role_name(task_spec.lane) not in roles:
                problems.append(
                    Problem(
                        file,
                        eid,
                        f"{_label(task_spec)} is in lane '{task_spec.lane}', which is "
                        f"not a known role (known: {_known_lanes(roles)})",
                    )
                )
            props = spec_properties(task_spec)
            for key in ("formJsonSchemaFilename", "formUiSchemaFilename"):
                name = props.get(key)
                if name and f"forms/{name}" not in files:
                    problems.append(
                        Problem(
                            file,
                            eid,
                            f"{_label(task_spec)} uses the form file "
                            f"'{name}', which is not in forms/",
                        )
                    )
            problems += _check_advice(file, task_spec, props, decisions)
            problems += _check_notify_as(file, task_spec, props)
    return problems


def _check_notify_as(file: str, task_spec, props: dict) -> list[Problem]:
    """notifyAs is one of NOTIFY_AS, or people would silently be told of a new task."""
    value = props.get("notifyAs")
    if value is None or str(value).strip().lower() in NOTIFY_AS:
        return []
    return [Problem(file, task_spec.bpmn_id, f"{_label(task_spec)} has notifyAs '{value}'; "
                    f"use one of: {', '.join(NOTIFY_AS)} (or leave it out for a new task)")]


def _check_advice(file: str, task_spec, props: dict, decisions: set[str]) -> list[Problem]:
    """adviceDecisionId must name a decision of the bundle, or the task page has no advice."""
    name = (props.get("adviceDecisionId") or "").strip()
    if not name or name in decisions:
        return []
    known = ", ".join(sorted(decisions)) or "none"
    return [Problem(file, task_spec.bpmn_id, f"{_label(task_spec)} shows advice from the decision "
                    f"'{name}' (adviceDecisionId), which does not exist in rules/ (known: "
                    f"{known})")]  # fmt: skip
