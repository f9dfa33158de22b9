"""Completing and listing human tasks."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, false, insert, or_, select
from sqlalchemy.orm import joinedload, lazyload, undefer
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from webapp import engine
from webapp.engine.formdata import validate_data
from webapp.engine.translation import Texts, original_of
from webapp.extensions import db
from webapp.i18n.bundletext import step_title
from webapp.i18n.formatting import format_datetime
from webapp.models import (
    NETWORK_ROLES,
    Case,
    Contribution,
    Organisation,
    Task,
    User,
    utcnow,
)
from webapp.services import attachments, bundles, notifications, unanswered, urgency
from webapp.services.audit import Actor, record
from webapp.services.case_events import Completion
from webapp.services.cases import apply_step, lock_case_of_task
from webapp.services.errors import Conflict, InvalidInput, NotAllowed, NotFound, StepFailed
from webapp.services.policy import (
    TASK_ROLES,
    may_register_case,
    may_work_on,
)


@dataclass(frozen=True)
class TaskView:
    """What the task page needs: the row, its form, instructions and the data to prefill."""

    task: Task
    schema: dict | None
    ui_schema: dict | None
    instructions: str
    data: dict
    instructions_error: str | None = None


# A task's role, organisation id and assignee: None for the tasks of a network role naming no
# organisation, and for tasks not assigned to one person.
Lane = tuple[str, int | None, int | None]


def inbox_lanes(user: User) -> list[Lane]:
    """The lanes of the tasks this user may work on, each once.

    Lanes never overlap, and each is the equality prefix (lane, organisation_id, assignee_id)
    of the inbox indexes, so the inbox page reads each lane in index order and merges them (an
    OR of lanes would make the database read and sort all the user's tasks). Next to each
    organisation's shared lane is the user's own: tasks lane_owners gave them by name.
    """
    lanes = []
    for membership in user.memberships:
        if membership.role not in TASK_ROLES:  # no case work for these roles (policy)
            continue
        lanes.append((membership.role, membership.organisation_id, None))
        lanes.append((membership.role, membership.organisation_id, user.id))
        if membership.role in NETWORK_ROLES:
            lanes.append((membership.role, None, None))
    return list(dict.fromkeys(lanes))


def lane_condition(lane: Lane):
    role, organisation_id, assignee_id = lane
    organisation = (Task.organisation_id.is_(None) if organisation_id is None
                    else Task.organisation_id == organisation_id)
    assignee = Task.assignee_id.is_(None) if assignee_id is None \
        else Task.assignee_id == assignee_id
    return and_(Task.lane == role, organisation, assignee)


def inbox_condition(user: User):
    """The SQL condition for the tasks this user may work on."""
    conditions = []
    for membership in user.memberships:
        if membership.role not in TASK_ROLES:  # no case work for these roles (policy)
            continue
        same_org = Task.organisation_id == membership.organisation_id
        if membership.role in NETWORK_ROLES:
            same_org = or_(same_org, Task.organisation_id.is_(None))
        conditions.append(and_(Task.lane == membership.role, same_org))
    if not conditions:
        return false()
    return and_(or_(*conditions),
                or_(Task.assignee_id.is_(None), Task.assignee_id == user.id))


def inbox_query(user: User):
    """Tasks for this user's roles and organisations, soonest due first, those without a due
    date last, then oldest.

    For a narrowed list (the user's tasks in one case). The order is an expression that no
    index gives, on purpose: the database then picks the index for the WHERE clause (the
    case), instead of walking the user's whole lane in due order to find them. The inbox page
    orders by due_at NULLS LAST and reads the lanes in index order (services/inbox).
    """
    return select(Task).where(inbox_condition(user)).order_by(
        Task.due_at.is_(None), Task.due_at, Task.created_at, Task.id
    )


def get_task_for(user: User, task_id: int, *, lean: bool = False, lock: bool = False,
                 with_state: bool = False, with_version: bool = False) -> Task:
    """The task row if this user may work on it. Unknown and forbidden look the same.

    A task this user could have done but that is completed already raises Conflict naming
    who completed it and when. ``lean``: its case and organisation are loaded only if used.
    ``lock``: its case is locked and loaded for a step (services.cases.lock_case), in the
    same query. ``with_state``: its case with its state and process version come in the
    same query (for a look at the workflow); ``with_version``: its case and process version
    (for its forms).
    """
    if lock:
        task = lock_case_of_task(task_id)
    else:
        task = db.session.get(Task, task_id, options=[lazyload("*")] if lean
                              else _WITH_STATE if with_state
                              else _WITH_VERSION if with_version else None)
    if task is not None and may_work_on(user, task):
        return task
    if task is None:
        done = db.session.scalar(select(Contribution).where(Contribution.task_id == task_id))
        if done is not None and may_work_on(user, done):
            raise _conflict_message(done)
        if (replaced := unanswered.explain(user, task_id)) is not None:
            raise replaced
    raise NotFound(_("This task does not exist or is not yours to see."))


_WITH_STATE = [joinedload(Task.case).options(undefer(Case.state),
                                             joinedload(Case.process_version))]
_WITH_VERSION = [lazyload(Task.organisation),
                 joinedload(Task.case).joinedload(Case.process_version)]


def open_task(actor: Actor, task_id: int, texts: Texts | None = None) -> TaskView:
    """Load a task for its page (deserialises the case once) and log the read. With
    ``texts`` (the bundle of a version in the reader's language) the form and instructions
    are the translated ones."""
    task = get_task_for(actor.user, task_id, with_state=True)
    version = task.case.process_version
    bundle = bundles.bundle_for(version)
    try:
        ready = {t.id: t for t in engine.snapshot(bundle, task.case.state).ready}
    except engine.EngineError as error:
        raise StepFailed(_("This task cannot be shown now: the process could not describe "
                           "it. The coordinator has been told."), task.case_id,
                         f"{task.spec_name}: {error}") from error
    live = ready.get(task.spiff_task_id)
    if live is None:
        raise NotFound(_("This task is no longer open."))
    record(actor, "task_viewed", case_id=task.case_id, task_ref=task.spiff_task_id)
    schema = bundle.form(live.form) if live.form else None
    ui_schema = bundle.form(live.ui_form) if live.ui_form else None
    instructions = live.instructions
    if texts is not None:
        shown = texts(version)
        schema = shown.form(live.form, schema) if schema is not None else None
        ui_schema = shown.form(live.ui_form, ui_schema) if ui_schema is not None else None
        instructions = live.instructions_in.get(shown.language, instructions)
    return TaskView(task=task, schema=schema, ui_schema=ui_schema, instructions=instructions,
                    data=live.data, instructions_error=live.instructions_error)


#: The sources of choices from the database that forms name with "x-options".
OPTION_SOURCES = ("partner_organisations",)


def option_values(language: str | None = None) -> dict[str, list[tuple[str, str]]]:
    """Choices from the database that forms refer to with "x-options" (organisation names
    in ``language`` where they have one)."""
    rows = db.session.execute(
        select(Organisation.code, Organisation.name, Organisation.names)
        .order_by(Organisation.name)
    ).all()
    return {"partner_organisations": [(code, (names or {}).get(language) or name)
                                      for code, name, names in rows]}


class AllowedOptions(Mapping):
    """The allowed values per x-options source, read from the database only if the form being
    checked names a source (most forms do not)."""

    def __init__(self) -> None:
        self._values: dict[str, list[str]] | None = None

    def _load(self) -> dict[str, list[str]]:
        if self._values is None:
            self._values = {k: [v for v, _ in pairs] for k, pairs in option_values().items()}
        return self._values

    def __getitem__(self, source: str) -> list[str]:
        return self._load()[source]

    def __iter__(self):
        return iter(OPTION_SOURCES)

    def __len__(self) -> int:
        return len(OPTION_SOURCES)


def complete_task(actor: Actor, task_id: int, data: dict, *, now: datetime | None = None,
                  checked_against: Mapping | None = None) -> Task:
    """Complete one task as one transaction: lock, check, validate, run, save, rebuild, audit.

    Raises NotFound / NotAllowed (not yours), Conflict (completed by someone else meanwhile),
    InvalidInput (data does not match the form) and StepFailed (the process could not run the
    step; nothing was completed). The caller commits, or rolls back on any exception.

    ``checked_against``: the schema object the caller already validated ``data`` against
    with the x-options from the database (a task form that passed ``validate_task``); when
    it is this step's form the data is not checked a second time.
    """
    now = now or utcnow()
    task = get_task_for(actor.user, task_id, lock=True)
    case_id, spiff_id, spec_name = task.case_id, task.spiff_task_id, task.spec_name
    case = task.case  # locked by the query above
    # Read again under the case's lock: the row is gone if someone completed the task since,
    # and a colleague may have claimed it (its lane and organisation never change).
    connection = db.session.connection()
    claimed = connection.execute(_CLAIMED_BY, {"task_id": task.id}).first()
    if claimed is None:
        raise _already_done(case_id, spiff_id)
    set_committed_value(task, "claimed_by_id", claimed.claimed_by_id)
    bundle = bundles.bundle_for(case.process_version)
    check_may_complete(actor.user, task, bundle)
    check_form_data(bundle, task.form, data, checked_against)
    try:
        step = engine.complete(bundle, case.state, spiff_id, data, now=now)
    except engine.TaskNotReady as error:
        raise _already_done(case_id, spiff_id) from error
    except engine.DataRejected as error:
        raise InvalidInput(_("These answers cannot be kept as they are (%(detail)s). Nothing "
                             "was saved.", detail=error)) from error
    except engine.EngineError as error:
        raise StepFailed(
            _("The process could not continue after this step, so nothing was saved. "
              "The coordinator has been told; please try again later."),
            case_id, f"{spec_name}: {error}",
        ) from error
    contribution_id = connection.execute(_INSERT_CONTRIBUTION, {
        "case_id": case_id, "task_id": task.id, "spiff_task_id": spiff_id,
        "spec_name": spec_name, "title": task.title, "lane": task.lane, "form": task.form,
        "organisation_id": task.organisation_id, "user_id": actor.user.id,
        "data": data, "chosen": step.chosen or None, "submitted_at": now,
        "professional_secrecy": bool(data.get("covered_by_professional_secrecy")),
    }).scalar_one()
    if attachments.form_accepts_files(bundle.form(task.form) if task.form else None):
        attachments.attach_pending(task.id, actor.user.id, contribution_id)
    if case.coordinator_id is None and may_register_case(actor.user):
        case.coordinator_id = actor.user.id  # a partner's signal: the first coordinator to act
    try:
        apply_step(case, step, now=now, by=actor,
                   notices=notifications.answer_arrived(case, task, actor_id=actor.user.id,
                                                        now=now),
                   done=Completion(spiff_id, spec_name, data, task.organisation_id),
                   completed_task_id=task.id)
        db.session.flush()
    except StaleDataError as error:
        raise _already_done(case_id, spiff_id) from error
    if step.urgent:
        urgency.mark_urgent_by_process(actor, case, step.urgent, now=now)
    record(actor, "task_completed", case_id=case_id, task_ref=spiff_id, step=task.title)
    return task


_CLAIMED_BY = select(Task.claimed_by_id).where(Task.id == bindparam("task_id"))
_INSERT_CONTRIBUTION = insert(Contribution).returning(Contribution.id)


def check_form_data(bundle, form: str | None, data: dict,
                    checked_against: Mapping | None = None) -> None:
    """The server's check of submitted answers against the step's form (JSON Schema,
    x-options from the database), unless ``checked_against`` is that very schema object.
    Raises InvalidInput with one error per field."""
    schema = bundle.form(form) if form else None
    if schema is None or schema is original_of(checked_against):
        return
    if errors := validate_data(schema, data, AllowedOptions()):
        raise InvalidInput(_("Please correct the marked fields."), errors)


def check_may_complete(user: User, task: Task, bundle) -> None:
    """The task is the user's to complete now: their lane and organisation, not claimed by a
    colleague, and not the second pair of eyes on their own step. Raises NotAllowed."""
    if not may_work_on(user, task):
        raise NotAllowed(_("This task is not yours to complete."))
    if task.claimed_by_id not in (None, user.id):
        raise NotAllowed(_(
            "%(name)s claimed this task and is working on it, so your answer was not sent. "
            "Ask them to release it, or a coordinator to reassign it to you; save your entry "
            "as a draft meanwhile.", name=claimer_name(task)))
    check_four_eyes(user, task, bundle.task_properties(task.spec_name).get("notCompletedBySameAs"))


def check_four_eyes(user: User, task: Task, earlier_step: str | None) -> None:
    """Four eyes: a task whose process property ``notCompletedBySameAs`` names an earlier step
    (e.g. approving a closure after the closure review) may not be completed by the person who
    last completed that step in this case. Raises NotAllowed."""
    if not earlier_step:
        return
    last = db.session.scalar(
        select(Contribution).where(Contribution.case_id == task.case_id,
                                   Contribution.spec_name == earlier_step)
        .order_by(Contribution.submitted_at.desc(), Contribution.id.desc()).limit(1)
    )
    if last is not None and last.user_id == user.id:
        raise NotAllowed(_(
            "You recorded the step “%(step)s” yourself, so a second person must complete "
            "“%(task)s” (four eyes). Ask another coordinator.",
            step=step_title(last.title), task=step_title(task.title)))


def _already_done(case_id: int, spiff_id: str) -> Conflict:
    done = db.session.scalar(
        select(Contribution).where(Contribution.case_id == case_id,
                                   Contribution.spiff_task_id == spiff_id)
    )
    return _conflict_message(done)


def _conflict_message(who: Contribution | None) -> Conflict:
    if who is None:
        return Conflict(_("This task changed while you were working on it and is no longer "
                          "open. Your entry was not saved."))
    return Conflict(_("%(name)s completed this task first (%(when)s). Your entry was not "
                      "saved; it is shown below so you can pass it on.",
                      name=who.user.display_name, when=format_datetime(who.submitted_at)),
                    done=who)


def next_task_for(user: User, case_id: int):
    """The user's next open task on this case, after they completed one (call it before the
    commit: the step's new tasks are there already): one they may work on, not claimed by a
    colleague and not theirs to leave to a second pair of eyes; soonest due first. A row
    with id and title, or None. Reads the case's few task rows with one prepared statement."""
    for row in db.session.execute(_CASE_TASKS, {"case_id": case_id}):
        if (may_work_on(user, row) and row.claimed_by_id in (None, user.id)
                and row.four_eyes_user_id != user.id):
            return row
    return None


_CASE_TASKS = (
    select(Task.id, Task.title, Task.lane, Task.organisation_id, Task.claimed_by_id,
           Task.four_eyes_user_id, Task.assignee_id)
    .where(Task.case_id == bindparam("case_id"))
    .order_by(Task.due_at.is_(None), Task.due_at, Task.created_at, Task.id)
)


def claimer_name(task: Task) -> str:
    """The name of whoever holds the task ("Someone else" when they are gone)."""
    user = db.session.get(User, task.claimed_by_id) if task.claimed_by_id else None
    return user.display_name if user else _("Someone else")
