"""compile_bundle: parse a process bundle and collect every problem a process owner must fix."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from jsonschema.exceptions import best_match
from lxml import etree
from SpiffWorkflow.exceptions import SpiffWorkflowException

from .bundle import Bundle, executable_roots, new_parser, parse_xml
from .catalogs import catalog_errors
from .dataflow import check_data_flow, names_set
from .elements import check_elements, duplicate_processes
from .errors import BundleInvalid, Problem
from .formfiles import check_forms, form_role
from .formschema import META_VALIDATOR
from .phrases import N_
from .scriptcheck import check_expressions, decision_ids
from .taskcheck import TaskChecks, check_tasks, used_forms


def compile_bundle(
    files: dict[str, str], roles: Iterable[str] | Mapping[str, str],
    process_id: str | None = None,
) -> Bundle:
    """Parse and validate a bundle; return it ready to run, with ``Bundle.warnings``.

    ``roles``: the roles lanes may name, as ``{role: reach}`` (see ``taskcheck.REACH``: how a
    lane's tasks reach people), or as names only (every lane then counts as reaching its
    role's members). Raises BundleInvalid listing ALL problems found (XML, BPMN schema,
    decisions, forms, lanes, who tasks reach, unsupported elements, scripts), so a process
    owner can fix everything in one go, and the warnings found with them."""
    reach = dict(roles) if isinstance(roles, Mapping) else dict.fromkeys(roles, "network")
    trees, problems = _parse_xml_files(files)
    problems += _check_forms_parse(files)
    problems += catalog_errors(files)
    problems += check_expressions(trees)
    problems += check_elements(trees)
    if any(path.endswith((".bpmn", ".dmn")) and path not in trees for path in files):
        raise BundleInvalid(problems)
    duplicates = duplicate_processes({p: t for p, t in trees.items() if p.endswith(".bpmn")})
    if duplicates:
        raise BundleInvalid(problems + duplicates)
    main, more = _main_process(trees, process_id)
    problems += more
    if main is None:
        raise BundleInvalid(problems)
    spec, subs = _parse_specs(files, main, problems)
    checks = TaskChecks(files, reach, decision_ids(trees),
                        "lane_owners" in names_set(trees, files))
    warnings = check_data_flow(trees, files)
    processes = [p for p in [spec, *subs.values()] if p is not None]
    for process in processes:
        found, noted = check_tasks(process, checks)
        problems += found
        warnings += noted
    problems += check_forms(files, used_forms(processes))
    if problems:
        raise BundleInvalid(problems, warnings)
    bundle = Bundle(files, spec, subs)
    bundle.warnings = warnings
    return bundle


def _parse_xml_files(files: dict[str, str]) -> tuple[dict[str, etree._Element], list[Problem]]:
    trees, problems = {}, []
    for path in sorted(files):
        if path.endswith((".bpmn", ".dmn")):
            try:
                trees[path] = parse_xml(files[path])
            except etree.XMLSyntaxError as err:
                problems.append(Problem.of(path, None, N_("the file is not well-formed XML: "
                                                          "%(error)s"), error=str(err)))
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
            problems.append(Problem.of(path, None, N_("the form file is not valid JSON: "
                                                      "%(error)s"), error=str(err)))
            continue
        if form_role(path.removeprefix("forms/")) == "schema":
            err = best_match(META_VALIDATOR.iter_errors(schema))
            if err is not None:
                where = "/".join(str(p) for p in err.path)
                problems.append(
                    Problem.of(path, None, N_("the form is not a valid JSON Schema (%(where)s): "
                               "%(error)s"), where=where, error=err.message) if where else
                    Problem.of(path, None, N_("the form is not a valid JSON Schema (top level): "
                               "%(error)s"), error=err.message)
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
        return None, [Problem.of(where, None, N_("there is no executable process to start"))]
    return None, [
        Problem.of(where, None, N_("more than one executable process could be the main one "
                   "(%(processes)s); name the one to start"), processes=list(roots))
    ]  # fmt: skip


def _parser_problem(err) -> Problem:
    file = getattr(err, "file_name", "") or "processes/"
    element = getattr(err, "id", "") or None
    name = getattr(err, "name", "")
    text = str(err.args[0]) if err.args else str(err)
    if name:
        text = f"({name}) {text}"
    line = getattr(err, "line_number", "")
    if line and not element:  # the library's own words, after ours
        return Problem.of(file, element, N_("line %(line)s: %(error)s"), line=line, error=text)
    return Problem(file, element, text)
