"""Editing a process draft: save files, validate on every save, publish, retire."""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from webapp import engine
from webapp.engine.milestones import check_milestones
from webapp.extensions import db
from webapp.models import ProcessDraft, ProcessVersion, utcnow
from webapp.services import bundles
from webapp.services.audit import Actor, record
from webapp.services.errors import Conflict, InvalidInput, NotAllowed, NotFound
from webapp.services.evaluation import milestones
from webapp.services.policy import may_edit_processes

from . import scenario_runs, trialrun

#: What a file of a bundle may be called: folder/name.suffix, nothing else.
FILE_NAME = re.compile(
    r"^(processes/[\w.-]+\.bpmn|rules/[\w.-]+\.dmn|forms/[\w.-]+\.json"
    r"|i18n/[a-z]{2,3}(_[A-Z]{2})?\.json)$"
)
MAX_FILE_CHARS = 2_000_000


def check_owner(actor: Actor) -> None:
    """Raise NotAllowed unless the actor may edit processes."""
    if actor.user is None or not may_edit_processes(actor.user):
        raise NotAllowed(_("Only process owners can change processes."))


def get_version(process_id: str, number: int) -> ProcessVersion:
    version = db.session.scalar(
        select(ProcessVersion).where(ProcessVersion.process_id == process_id,
                                     ProcessVersion.version == number)
    )
    if version is None:
        raise NotFound(_("There is no version %(num)s of this process.", num=number))
    return version


def open_draft(actor: Actor, process_id: str) -> ProcessDraft:
    """The process's draft; made from the newest published version the first time."""
    check_owner(actor)
    draft = db.session.scalar(select(ProcessDraft).where(ProcessDraft.process_id == process_id))
    if draft is not None:
        return draft
    base = bundles.latest_version(process_id)
    draft = ProcessDraft(process_id=process_id, files=dict(base.files),
                         based_on_version_id=base.id, problems=[],
                         updated_by_id=actor.user.id, updated_at=utcnow())
    db.session.add(draft)
    db.session.flush()
    return draft


def check_file_name(path: str) -> None:
    if not FILE_NAME.match(path or "") or ".." in path:
        raise InvalidInput(_(
            "'%(file)s' is not a valid file name: use processes/<name>.bpmn, "
            "rules/<name>.dmn, forms/<name>.json (letters, digits, '.', '-', '_') or "
            "i18n/<language>.json (e.g. i18n/nl.json).", file=path or ""))


def content_hash(text: str | None) -> str:
    """What an editor remembers of the file it opened ("" for a file that does not exist)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest() if text is not None else ""


def save_file(actor: Actor, process_id: str, path: str, content: str,
              base: str | None = None) -> ProcessDraft:
    """Store one file of the draft and validate the whole draft again.

    ``base`` is :func:`content_hash` of the file as the editor opened it: when someone else
    saved the file since, Conflict is raised instead of overwriting their work."""
    draft = open_draft(actor, process_id)
    check_file_name(path)
    if base is not None and content_hash(draft.files.get(path)) != base:
        if draft.updated_by:
            raise Conflict(_("%(who)s saved %(file)s after you opened it. Copy your changes, "
                             "reload the page and make them again.",
                             who=draft.updated_by.display_name, file=path))
        raise Conflict(_("Someone saved %(file)s after you opened it. Copy your changes, "
                         "reload the page and make them again.", file=path))
    if len(content) > MAX_FILE_CHARS:
        raise InvalidInput(_("The file is too large."))
    files = dict(draft.files)
    files[path] = content
    return _store(actor, draft, files, "process_draft_saved", path)


NEW_DECISION = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" \
xmlns:dmndi="https://www.omg.org/spec/DMN/20191111/DMNDI/" \
xmlns:dc="http://www.omg.org/spec/DMN/20180521/DC/" id="Definitions_{id}" name="{id}" \
namespace="http://mawflow.org/dmn/{id}">
  <decision id="{id}" name="{id}">
    <decisionTable id="DecisionTable_{id}" hitPolicy="FIRST">
      <input id="Input_{id}" label="Input">
        <inputExpression id="InputExpression_{id}" typeRef="string"><text>value</text>
        </inputExpression>
      </input>
      <output id="Output_{id}" label="Result" name="result" typeRef="string" />
      <rule id="Rule_{id}">
        <inputEntry id="Rule_{id}_in"><text>-</text></inputEntry>
        <outputEntry id="Rule_{id}_out"><text>"default"</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>
  <dmndi:DMNDI>
    <dmndi:DMNDiagram id="DMNDiagram_{id}">
      <dmndi:DMNShape id="DMNShape_{id}" dmnElementRef="{id}">
        <dc:Bounds height="80" width="180" x="160" y="100" />
      </dmndi:DMNShape>
    </dmndi:DMNDiagram>
  </dmndi:DMNDI>
</definitions>
"""


def add_decision(actor: Actor, process_id: str, decision_id: str) -> str:
    """A new decision table ``rules/<id>.dmn`` (one catch-all rule to start from)."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", decision_id or ""):
        raise InvalidInput(_("A decision id uses letters, digits and '_' and does not start "
                             "with a digit (e.g. closure_advice)."))
    path = f"rules/{decision_id}.dmn"
    if path in open_draft(actor, process_id).files:
        raise InvalidInput(_("%(file)s exists already.", file=path))
    save_file(actor, process_id, path, NEW_DECISION.format(id=decision_id))
    return path


def delete_file(actor: Actor, process_id: str, path: str) -> ProcessDraft:
    draft = open_draft(actor, process_id)
    files = dict(draft.files)
    if files.pop(path, None) is None:
        raise NotFound(_("The draft has no such file."))
    return _store(actor, draft, files, "process_draft_file_deleted", path)


def replace_files(actor: Actor, process_id: str, files: dict[str, str]) -> ProcessDraft:
    """Put a whole bundle (an import) into the draft."""
    draft = open_draft(actor, process_id)
    for path in files:
        check_file_name(path)
    return _store(actor, draft, dict(files), "process_draft_imported", None)


def reset_draft(actor: Actor, process_id: str, version: ProcessVersion) -> ProcessDraft:
    """Throw the draft's changes away: start again from a published version."""
    draft = open_draft(actor, process_id)
    draft.based_on_version_id = version.id
    return _store(actor, draft, dict(version.files), "process_draft_reset", None)


def _store(actor, draft, files, action, path) -> ProcessDraft:
    draft.files = files
    draft.problems = [asdict(p) for p in validate_files(files, draft.process_id)]
    draft.trial_state, draft.trial_log = None, None
    draft.updated_by_id = actor.user.id
    draft.updated_at = utcnow()
    db.session.flush()
    scenario_runs.run_all(draft)  # every saved scenario, on the draft as it is now
    record(actor, action, process=draft.process_id, file=path,
           problems=len(errors_of(draft.problems)))
    return draft


def validate_files(files: dict[str, str], process_id: str | None) -> list[engine.Problem]:
    """The same checks as deployment: the problems, then the warnings (``Problem.warning``),
    with what the evaluation will miss (engine.milestones); [] when the bundle is fine."""
    try:
        bundle = trialrun.build(files, process_id)  # kept for trials and scenario runs
    except engine.BundleInvalid as err:
        return (list(err.problems) or [engine.Problem("", None, str(err))]) + err.warnings
    return bundle_warnings(bundle, bundles.newest_version(bundle.process_id))


def bundle_warnings(bundle: engine.Bundle, before: ProcessVersion | None
                    ) -> list[engine.Problem]:
    """What validation found worth a look in ``bundle``, and what the evaluation will miss
    (engine.milestones), judged against ``before``, the process's newest version before it
    (None for a new process): when that one had milestones, a bundle with none lost them
    all. The workbench shows these; ``flask deploy`` prints them."""
    processes = [bundle.spec, *bundle.subprocess_specs.values()]
    took_part = before is not None and any(milestones.of_version(before).elements.values())
    return [*bundle.warnings, *check_milestones(processes, took_part=took_part)]


def errors_of(problems: list) -> list:
    """The problems (as stored on a draft, or engine.Problem) that keep a draft from running;
    warnings do not."""
    return [p for p in problems if not (p.get("warning") if isinstance(p, dict) else p.warning)]


class ScenariosDiffer(InvalidInput):
    """Saved scenarios no longer run as saved on the draft; publishing needs a confirmation."""


def publish_draft(actor: Actor, process_id: str, *,
                  accept_differences: bool = False) -> bundles.Publication:
    """Publish the draft as a new immutable version; new cases of the process start on it.
    A draft equal to the newest published version publishes nothing (``changed`` False).

    Raises InvalidInput (with the problems) when the draft does not validate, and
    ScenariosDiffer when a saved scenario now runs differently, unless
    ``accept_differences`` (the process owner looked and meant it)."""
    draft = open_draft(actor, process_id)
    problems = validate_files(draft.files, process_id)
    draft.problems = [asdict(p) for p in problems]
    if errors_of(problems):
        raise InvalidInput(_("The draft has problems; fix them before publishing."),
                           errors_of(problems))
    differing = scenario_runs.failing(scenario_runs.run_all(draft))
    if differing and not accept_differences:
        names = ", ".join(f"“{s.name}”" for s in differing)
        raise ScenariosDiffer(ngettext(
            "Not published: %(num)d saved scenario no longer runs as saved (%(names)s). See "
            "where below; to publish anyway, tick the box next to “Publish”.",
            "Not published: %(num)d saved scenarios no longer run as saved (%(names)s). See "
            "where below; to publish anyway, tick the box next to “Publish”.",
            len(differing), names=names))
    published = bundles.publish(actor, dict(draft.files), process_id)
    draft.based_on_version_id = published.version.id
    db.session.flush()
    return published


def starting_versions(process_id: str) -> tuple[ProcessVersion | None, ProcessVersion | None]:
    """(the version new cases of ``process_id`` start on, the version "Register a case" starts
    on): the newest published ones, None where there is none. Publish messages say both, so
    they are true whichever process the draft is."""
    try:
        own = bundles.latest_version(process_id)
    except NotFound:
        own = None
    try:
        case = bundles.latest_version(bundles.case_process_id())
    except NotFound:
        case = None
    return own, case


def choose_case_process(actor: Actor, process_id: str) -> ProcessVersion:
    """Make "Register a case" and "Report a signal" start this process (its newest published
    version). Raises NotAllowed, NotFound (no published version)."""
    check_owner(actor)
    return bundles.set_case_process(actor, process_id)


def set_status(actor: Actor, process_id: str, number: int, status: str) -> ProcessVersion:
    """Retire a version (no new cases start on it) or bring it back. Its files never change."""
    check_owner(actor)
    if status not in ("published", "retired"):
        raise InvalidInput(_("Unknown status."))
    version = get_version(process_id, number)
    if status == "retired":
        others = db.session.scalar(
            select(ProcessVersion.id).where(ProcessVersion.process_id == process_id,
                                            ProcessVersion.status == "published",
                                            ProcessVersion.id != version.id).limit(1)
        )
        if others is None:
            raise InvalidInput(_("This is the only published version; new cases need one."))
    version.status = status
    db.session.flush()
    record(actor, f"process_version_{status}", process=process_id, version=number)
    return version
