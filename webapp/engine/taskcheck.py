"""Checks on the user tasks of parsed process specs: each is in a lane whose role does case
work, can reach somebody, and names forms and decisions that exist."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask

from .errors import Problem
from .formfiles import unpaired_ui
from .phrases import N_, Phrase, say
from .taskinfo import LANE_ROLES, NOTIFY_AS, role_name, spec_properties

#: How the tasks of a role's lane reach people (the application says which role is which):
#: "network": every member with the role (an organisation may narrow it); "organisation": the
#: members of the organisation the task names (assignedOrganisation or lane_owners);
#: "none": nobody (the role does no case work).
REACH = ("network", "organisation", "none")


@dataclass(frozen=True)
class TaskChecks:
    """What the task checks need to know of the bundle besides the spec."""

    files: dict[str, str]
    reach: Mapping[str, str]
    decisions: set[str]
    lane_owners_set: bool  # some script or form of the bundle sets lane_owners


def label(task_spec) -> Phrase:
    name = task_spec.bpmn_name
    return say(N_("the task '%(name)s'"), name=name) if name else say(N_("this task"))


def _known_lanes(roles) -> list:
    """The lane names a process owner may use: the roles, then the aliases (LANE_ROLES)."""
    aliases = [say(N_("%(lane)s (tasks go to %(role)s)"), lane=lane, role=role)
               for lane, role in sorted(LANE_ROLES.items()) if role in roles]  # fmt: skip
    return [*sorted(roles), *aliases]


def user_tasks(process) -> Iterator:
    for task_spec in process.task_specs.values():
        if task_spec.bpmn_id is None or isinstance(task_spec, MultiInstanceTask):
            continue
        if getattr(task_spec, "manual", False):
            yield task_spec


def check_tasks(process, checks: TaskChecks) -> tuple[list[Problem], list[Problem]]:
    """(problems, warnings) of the user tasks of one process spec."""
    problems, warnings = [], []
    file = process.file or "processes/"
    for task_spec in user_tasks(process):
        problems += _lane(file, task_spec, checks)
        props = spec_properties(task_spec)
        for key in ("formJsonSchemaFilename", "formUiSchemaFilename"):
            name = props.get(key)
            if name and f"forms/{name}" not in checks.files:
                problems.append(Problem.of(file, task_spec.bpmn_id, N_(
                    "%(task)s uses the form file '%(name)s', which is not in forms/"),
                    task=label(task_spec), name=name))
        problems += _advice(file, task_spec, props, checks.decisions)
        problems += _notify_as(file, task_spec, props)
        schema = props.get("formJsonSchemaFilename")
        unused = unpaired_ui(checks.files, schema, props.get("formUiSchemaFilename")) \
            if schema else None
        if unused:
            warnings.append(Problem.of(file, task_spec.bpmn_id, N_("%(task)s shows the form "
                "'%(form)s' without its UI schema '%(ui)s' (it names no "
                "formUiSchemaFilename), so the field order, widgets and help of that file are "
                "not used; choose it as the task's UI schema"), warning=True,
                task=label(task_spec), form=schema, ui=unused))  # fmt: skip
    return problems, warnings


def _lane(file: str, task_spec, checks: TaskChecks) -> list[Problem]:
    eid = task_spec.bpmn_id
    if not task_spec.lane:
        return [Problem.of(file, eid, N_("%(task)s is a user task outside any lane; put it "
                           "in the lane of the role that does it"), task=label(task_spec))]
    role = role_name(task_spec.lane)
    reach = checks.reach.get(role)
    if reach is None:
        return [Problem.of(file, eid, N_("%(task)s is in lane '%(lane)s', which is not a known "
                           "role (known: %(known)s)"), task=label(task_spec),
                           lane=task_spec.lane, known=_known_lanes(checks.reach))]
    if reach == "none":
        working = [r for r, how in sorted(checks.reach.items()) if how != "none"]
        return [Problem.of(file, eid, N_("%(task)s reaches nobody: the '%(lane)s' lane's role "
                           "does no case work, so its members never get tasks. Move it to the "
                           "lane of a role that does (%(known)s)"), task=label(task_spec),
                           lane=task_spec.lane, known=_known_lanes(working))]
    props = spec_properties(task_spec)
    if reach == "organisation" and not props.get("assignedOrganisation") \
            and not checks.lane_owners_set:
        return [Problem.of(file, eid, N_(
            "%(task)s reaches nobody: a task in the '%(lane)s' lane goes to the members of one "
            "organisation, and nothing says which. Set the property assignedOrganisation (an "
            "expression giving an organisation code, e.g. request[\"organisation\"]), or set "
            "lane_owners = {\"%(lane)s\": [...]} (organisation codes or usernames) in a script "
            "before this task"), task=label(task_spec), lane=task_spec.lane)]
    return []


def _advice(file: str, task_spec, props: dict, decisions: set[str]) -> list[Problem]:
    """adviceDecisionId must name a decision of the bundle, or the task page has no advice."""
    name = (props.get("adviceDecisionId") or "").strip()
    if not name or name in decisions:
        return []
    known = sorted(decisions) or say(N_("none"))
    return [Problem.of(file, task_spec.bpmn_id, N_("%(task)s shows advice from the decision "
                       "'%(name)s' (adviceDecisionId), which does not exist in rules/ (known: "
                       "%(known)s)"), task=label(task_spec), name=name,
                       known=known)]  # fmt: skip


def _notify_as(file: str, task_spec, props: dict) -> list[Problem]:
    """notifyAs is one of NOTIFY_AS, or people would silently be told of a new task."""
    value = props.get("notifyAs")
    if value is None or str(value).strip().lower() in NOTIFY_AS:
        return []
    return [Problem.of(file, task_spec.bpmn_id, N_("%(task)s has notifyAs '%(value)s'; use one "
                       "of: %(known)s (or leave it out for a new task)"),
                       task=label(task_spec), value=str(value), known=list(NOTIFY_AS))]


def used_forms(processes) -> list[tuple[str, str | None]]:
    """The (schema, UI schema) file names the user tasks of the specs show."""
    used = {}
    for process in processes:
        for task_spec in user_tasks(process):
            props = spec_properties(task_spec)
            if props.get("formJsonSchemaFilename"):
                used[(props["formJsonSchemaFilename"], props.get("formUiSchemaFilename"))] = None
    return list(used)
