"""What the case page shows: header facts, progress on the diagram, the timeline."""

from dataclasses import dataclass, replace
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext
from lxml import etree
from sqlalchemy import select

from webapp.engine.bundle import parse_xml
from webapp.engine.translation import Texts
from webapp.extensions import db
from webapp.i18n.locale import chosen_language
from webapp.models import (
    AuditEvent,
    Case,
    Contribution,
    Organisation,
    PartnerQuestion,
    ProcessVersion,
    Task,
)
from webapp.services import disclosure
from webapp.services.audit import Actor, record
from webapp.services.errors import NotAllowed, NotFound
from webapp.services.policy import (
    may_see_all_contributions,
    may_view_diagram,
    visible_contributions,
)

# What the timeline tells, per audited action; reads (viewed, exported) and drafts stay out.
TIMELINE_ACTIONS = {
    "case_registered": lazy_gettext("Case registered"),
    "task_completed": lazy_gettext("Completed"),
    "task_claimed": lazy_gettext("Claimed"),
    "task_released": lazy_gettext("Released"),
    "task_reassigned": lazy_gettext("Reassigned"),
    "timer_fired": lazy_gettext("A deadline or waiting time passed"),
    "comment_added": lazy_gettext("Comment added"),
    "step_failed": lazy_gettext("A step failed"),
    "urgency_set": lazy_gettext("Marked urgent"),
    "urgency_lifted": lazy_gettext("Urgency lifted"),
    "review_brought_forward": lazy_gettext("Review brought forward"),
    "reminder_sent": lazy_gettext("Reminder sent"),
    "coordinator_changed": lazy_gettext("Responsible coordinator changed"),
    "identity_disclosed": lazy_gettext("Identity disclosed with"),
    "identity_withdrawn": lazy_gettext("Identity withdrawn"),
    # a task the process withdrew, e.g. an agreed action the table closed at a review
    "task_ended": lazy_gettext("Task withdrawn"),
}


#: A closed case's outcome (Case.outcome, set by the default process's scripts) in words; an
#: outcome a process owner made up is shown as its code, in words.
OUTCOME_LABELS = {
    "out_of_scope": lazy_gettext("out of scope"),
    "regular_care": lazy_gettext("handled in regular care"),
    "urgent": lazy_gettext("urgent route, outside this process"),
    "closed": lazy_gettext("closed after the table"),
    "reopened": lazy_gettext("reopened after aftercare"),
}


def outcome_in_words(outcome: str | None) -> str:
    label = OUTCOME_LABELS.get(outcome or "")
    return str(label) if label is not None else (outcome or "").replace("_", " ")


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    what: str
    step: str
    who: str
    #: The organisation an identity was disclosed to or withdrawn from, or whose task ended.
    organisation: str = ""
    #: What an ended task asked (its summary, e.g. the agreed action).
    summary: str = ""


def timeline(case: Case) -> list[TimelineEntry]:
    """What happened on the case, oldest first: which step, by whom, when (in the reader's
    language, but for the step: the page shows it as the case's process version names it)."""
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case.id,
                                 AuditEvent.action.in_(TIMELINE_ACTIONS))
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    entries = []
    for e in events:
        who = e.user.display_name if e.user else _("The system")
        detail = e.detail or {}
        step = str(detail.get("step") or detail.get("reason") or "")
        # which organisation was told, or no longer is; whose task ended
        organisation = str(detail.get("organisation") or "") \
            if e.action.startswith("identity_") or e.action == "task_ended" else ""
        entries.append(TimelineEntry(at=e.at, what=str(TIMELINE_ACTIONS[e.action]), step=step,
                                     who=who, organisation=organisation,
                                     summary=str(detail.get("summary") or "")
                                     if e.action == "task_ended" else ""))
    return _organisations_in_readers_language(entries)


def _organisations_in_readers_language(entries: list[TimelineEntry]) -> list[TimelineEntry]:
    """The audit trail keeps an organisation's name as it was recorded; the timeline shows
    the organisation of that name as the reader's language names it (one query)."""
    named = {e.organisation for e in entries if e.organisation}
    if not named:
        return entries
    language = chosen_language()
    shown = {o.name: o.name_in(language) for o in db.session.scalars(
        select(Organisation).where(Organisation.name.in_(named)))}
    return [replace(e, organisation=shown.get(e.organisation, e.organisation))
            if e.organisation else e for e in entries]


def progress(case: Case, waiting: tuple[str, ...] | list[str] = ()) -> dict[str, list[str]]:
    """BPMN element ids of the user tasks done and waiting, and of the events the case waits
    for (``waiting``: their element ids), for the diagram's markers.

    A step inside a called process is shown on the call activity that leads to it."""
    done = db.session.scalars(
        select(Contribution.spec_name).where(Contribution.case_id == case.id).distinct()
    ).all()
    waiting_tasks = db.session.scalars(
        select(Task.spec_name).where(Task.case_id == case.id).distinct()
    ).all()
    shown = _shown_element(case.process_version)
    current = {shown(name) for name in waiting_tasks} - {None}
    completed = {shown(name) for name in done} - {None} - current
    events = {shown(name) for name in waiting} - {None} - current
    return {"completed": sorted(completed), "current": sorted(current),
            "waiting": sorted(events)}


_BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
_placements: dict[str, dict[str, str]] = {}


def _shown_element(version: ProcessVersion):
    """element id -> the id drawn in the main diagram (itself, or the call activity)."""
    placement = _placements.get(version.bundle_hash)
    if placement is None:
        placement = _placements[version.bundle_hash] = _placement(version)
    return placement.get


def _processes(version: ProcessVersion):
    for path, text in (version.files or {}).items():
        if not path.endswith(".bpmn"):
            continue
        try:
            yield from parse_xml(text).iter(f"{_BPMN}process")
        except etree.XMLSyntaxError:
            continue


def _placement(version: ProcessVersion) -> dict[str, str]:
    owner: dict[str, str] = {}  # element id -> id of the process it belongs to
    callers: dict[str, str] = {}  # called process id -> call activity id in the main process
    for process in _processes(version):
        pid = process.get("id")
        for element in process.iter():
            if element.get("id") and element is not process:
                owner[element.get("id")] = pid
            if element.tag == f"{_BPMN}callActivity" and pid == version.process_id:
                callers[element.get("calledElement")] = element.get("id")
    placement = {}
    for element, process in owner.items():
        if process == version.process_id:
            placement[element] = element
        elif process in callers:
            placement[element] = callers[process]
    return placement


def diagram_xml(actor: Actor, case: Case, texts: Texts | None = None) -> str:
    """The BPMN XML of the process version this case runs on (its names in the reader's
    language with ``texts``). Raises NotAllowed, NotFound."""
    if not may_view_diagram(actor.user, case):
        raise NotAllowed(_("You may not see the process of this case."))
    version = case.process_version
    processes = {p: x for p, x in (version.files or {}).items() if p.endswith(".bpmn")}
    marker = f'id="{version.process_id}"'
    chosen = next((p for p, x in processes.items() if marker in x), None)
    if chosen is None:
        raise NotFound(_("The diagram of this process version is missing."))
    record(actor, "diagram_viewed", case_id=case.id)
    return texts(version).diagram(chosen) if texts is not None else processes[chosen]


def days_open(case: Case, now: datetime) -> int:
    end = case.closed_at or now
    return max(0, (end - case.created_at).days)


@dataclass
class TaskContext:
    """The read-only case information shown next to a task form."""

    asked: dict | None
    contributions: list[Contribution]
    whole_case: bool
    # What the organisation was asked for this task, and who it is about (when disclosed).
    question: PartnerQuestion | None = None
    identity: disclosure.ShownIdentity | None = None


def task_context(actor: Actor, task: Task, data: dict) -> TaskContext:
    """What this user may see of the case while doing this task.

    Whoever may see the whole case (coordinators) gets everything recorded so far; anyone
    else (a partner) gets what was asked of them and the contributions policy lets them see
    (their own organisation's, and what was shared with it). Reading the whole case is
    audited."""
    user = actor.user
    if may_see_all_contributions(user, task.case):
        rows = db.session.scalars(
            select(Contribution).where(Contribution.case_id == task.case_id)
            .order_by(Contribution.submitted_at, Contribution.id)
        ).all()
        if rows:
            record(actor, "case_summary_viewed", case_id=task.case_id,
                   task_ref=task.spiff_task_id)
        return TaskContext(asked=None, contributions=list(rows), whole_case=True)
    rows = visible_contributions(user, task.case, db.session.scalars(
        select(Contribution).where(Contribution.case_id == task.case_id)
        .order_by(Contribution.submitted_at, Contribution.id)
    ).all())
    question = disclosure.question_for(task.case_id, task.spiff_task_id)
    request = data.get("request")
    asked = ({k: v for k, v in request.items() if k in ("question", "context") and v}
             if isinstance(request, dict) and question is None else None)
    return TaskContext(asked=asked or None, contributions=list(rows), whole_case=False,
                       question=question,
                       identity=disclosure.shown_identity(actor, task.case, where="task"))
