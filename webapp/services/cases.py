"""Registering cases and writing what the engine did back into rows."""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, event, insert, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager, joinedload, lazyload, undefer
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.util import identity_key

from webapp import engine
from webapp.extensions import db
from webapp.models import (
    Case,
    CaseCounter,
    CaseSubject,
    Contribution,
    Task,
    Timer,
    utcnow,
)
from webapp.models.cases import NORMAL, URGENT
from webapp.services import (
    assignment,
    attachments,
    bundles,
    case_events,
    disclosure,
    involvement,
    notifications,
    timer_schedule,
    unanswered,
)
from webapp.services.audit import Actor, record
from webapp.services.errors import NotAllowed, NotFound, StepFailed
from webapp.services.policy import may_register_case


def register_case(actor: Actor, *, full_name: str = "", date_of_birth: str | None = None,
                  address: str | None = None, now: datetime | None = None) -> Case:
    """Open a case on the newest process version and run it to its first human step.

    Person details go to their own table; the workflow only ever sees the case code.
    Raises NotAllowed, NotFound (no process deployed) and StepFailed.
    """
    if actor.user is None or not may_register_case(actor.user):
        raise NotAllowed(_("Only coordinators can register a case."))
    now = now or utcnow()
    version, bundle = current_process()
    code = next_code(now.year)
    step = start_process(bundle, code, now)
    case = open_case(version, code, step, coordinator_id=actor.user.id, created_by=actor,
                     person=(full_name, date_of_birth, address), now=now)
    record(actor, "case_registered", case_id=case.id, process_version=version.id)
    return case


def current_process():
    """(version, bundle) of the newest published version of the process new cases start (as
    chosen in the workbench: bundles.case_process_id). Raises NotFound."""
    version = bundles.latest_version(bundles.case_process_id())
    return version, bundles.bundle_for(version)


def start_process(bundle, code: str, now: datetime) -> engine.Step:
    """Start the case process for `code`. Raises StepFailed when the diagram cannot start."""
    try:
        return engine.start(bundle, {"case_code": code}, now=now)
    except engine.EngineError as error:
        raise StepFailed(
            _("The process could not start. The process owner must fix the diagram."), 0,
            str(error)) from error


def open_case(version, code: str, step: engine.Step, *, coordinator_id: int | None,
              created_by: Actor, person: tuple[str, str | None, str | None],
              now: datetime, signalled_by: int | None = None,
              done: case_events.Completion | None = None) -> Case:
    """Store a new case with its state, its person details (apart) and its inbox rows.

    ``signalled_by``: the partner organisation that reported the signal (for the evaluation);
    ``done``: the step that partner completed before the case existed."""
    full_name, date_of_birth, address = person
    case = Case(code=code, process_version_id=version.id, state=step.state,
                coordinator_id=coordinator_id, created_by_id=created_by.user.id,
                created_at=now, updated_at=now)
    db.session.add(case)
    db.session.flush()
    db.session.add(CaseSubject(case_id=case.id, full_name=(full_name or "").strip(),
                               date_of_birth=date_of_birth or None, address=address or None))
    apply_step(case, step, now=now, by=created_by, done=done, opened_by=signalled_by,
               opening=True)
    return case


def next_code(year: int) -> str:
    """MAW-<year>-<nnnn>, unique under concurrency: the counter row is updated atomically."""
    result = db.session.execute(
        update(CaseCounter).where(CaseCounter.year == year)
        .values(last=CaseCounter.last + 1).returning(CaseCounter.last)
    ).scalar()
    if result is None:
        try:
            with db.session.begin_nested():
                db.session.add(CaseCounter(year=year, last=1))
            result = 1
        except IntegrityError:  # another request created this year's counter just now
            return next_code(year)
    return f"MAW-{year}-{result:04d}"


def lock_case(case_id: int, *, skip_locked: bool = False) -> Case | None:
    """Load a case row FOR NO KEY UPDATE (PostgreSQL; SQLite serialises writers by itself),
    with its state and its process version. Two steps of one case wait for each other, but
    rows that only refer to the case (audit events, drafts, contributions) are written
    meanwhile: their foreign-key checks need only a key-share lock, which FOR UPDATE would
    block, and a draft saved during a completion would deadlock with it.

    With skip_locked, a case another transaction holds is skipped (returns None). Locking a
    case again in the same transaction reads nothing: the row is held and the session's copy
    is current.
    """
    locked = db.session.info.setdefault(_LOCKED, {})
    if case_id in locked:
        return locked[case_id]
    query = (
        select(Case).where(Case.id == case_id)
        .options(undefer(Case.state), joinedload(Case.process_version))
        .with_for_update(skip_locked=skip_locked, of=Case, key_share=True)
        .execution_options(populate_existing=True)
    )
    case = db.session.scalars(query).first()
    if case is not None:
        locked[case_id] = case
    return case


def lock_case_of_task(task_id: int) -> Task | None:
    """The task row with its case locked as :func:`lock_case` does, in one query.

    The task row was read as the lock was asked for: whoever held the lock may have changed
    it meanwhile (read it again for anything that can change)."""
    known = db.session.identity_map.get(identity_key(Task, task_id))
    # Read without loading: an expired row may be gone (completed by someone else).
    known_case = inspect(known).dict.get("case_id") if known is not None else None
    if known_case is not None and known_case in db.session.info.get(_LOCKED, ()):
        return known
    task = db.session.scalars(_TASK_WITH_LOCKED_CASE, {"task_id": task_id}).first()
    if task is not None:
        db.session.info.setdefault(_LOCKED, {})[task.case_id] = task.case
    return task


_LOCKED = "locked_cases"

# Statements of every step, built once: building and keying a statement costs about as much
# as running it.
_TASK_WITH_LOCKED_CASE = (
    select(Task).join(Task.case).where(Task.id == bindparam("task_id"))
    .options(lazyload(Task.organisation), contains_eager(Task.case).options(
        undefer(Case.state), joinedload(Case.process_version)))
    .with_for_update(of=Case, key_share=True)
    .execution_options(populate_existing=True)
)
_UPDATE_CASE = (
    update(Case).where(Case.id == bindparam("case_id"), Case.version == bindparam("read_version"))
    .values({column: bindparam(column) for column in (
        "state", "updated_at", "current_step", "status", "outcome", "closure_reason",
        "closed_at", "version")})
)
_TASK_ROWS = select(Task.spiff_task_id, Task.id, Task.form, Task.spec_name, Task.created_at,
                    Task.due_at, Task.organisation_id).where(Task.case_id == bindparam("case_id"))
_TIMER_ROWS = select(Timer.spiff_task_id, Timer.id, Timer.element, Timer.started_at,
                     Timer.due_at).where(Timer.case_id == bindparam("case_id"))
_MOVE_TIMER = update(Timer).where(Timer.id == bindparam("timer_id")).values(
    due_at=bindparam("new_due_at"))
_DELETE_TASKS = delete(Task).where(Task.id.in_(bindparam("ids", expanding=True)))


@event.listens_for(Session, "after_transaction_end")
def _forget_locks(session, transaction) -> None:
    """Row locks end with the database transaction (a savepoint's end keeps them)."""
    if transaction.parent is None:
        session.info.pop(_LOCKED, None)


def get_case(code: str) -> Case:
    case = db.session.scalar(select(Case).where(Case.code == code))
    if case is None:
        raise NotFound(_("There is no case with this code."))
    return case


def apply_step(case: Case, step: engine.Step, *, now: datetime, by: Actor | None = None,
               notices=(), done: case_events.Completion | None = None,
               completed_task_id: int | None = None,
               opened_by: int | None = None, opening: bool = False) -> None:
    """Store the new state, rebuild the case's inbox rows and timers from the engine step,
    write its notification events (services.notifications.write_step: a new task for each
    new row, plus ``notices``; whoever made the step is not told about it) and append what
    happened to the case history (one INSERT; see services/case_events).
    ``completed_task_id``: the row of the task this step completed; any other row that goes
    went without an answer (services.unanswered).

    ``by``: who made the step (None: a timer), recorded with an identity it discloses;
    ``done``: the step a person completed in this call. Raises StaleDataError when someone
    else saved the case since it was read (its version counter moved on); the caller rolls
    back."""
    values = {"state": step.state, "updated_at": now,
              "current_step": ", ".join(dict.fromkeys(t.title for t in step.ready))[:500],
              "outcome": case.outcome, "closure_reason": case.closure_reason,
              "closed_at": case.closed_at}
    outcome = step.data.get("outcome")
    if outcome:
        values["outcome"] = str(outcome)[:60]
        values["closure_reason"] = str(step.data.get("closure_reason") or "") or None
    if step.finished:
        values.update(status="closed", closed_at=case.closed_at or now, current_step="")
    elif outcome == "closed":
        values["status"] = "aftercare"
    else:
        values["status"] = "open"
    events = case_events.EventRows(case, now)
    if opening:
        events.opened(opened_by)
    events.outcome(case.outcome, values["outcome"])
    _write_case(case, values)
    new_rows = _sync_tasks(case, step, now, by, events, done, completed_task_id)
    notifications.write_step(db.session.connection(), case, new_rows, now=now,
                             actor_id=by.user.id if by and by.user else None, notices=notices)
    _sync_timers(case, step, now, events)
    events.write(db.session.connection())


def _write_case(case: Case, values: dict) -> None:
    """UPDATE the case row if its version counter is still the one read, and count it up; the
    loaded object then holds what was written (as if the ORM had flushed it)."""
    values = {**values, "version": case.version + 1}
    written = db.session.connection().execute(
        _UPDATE_CASE, {**values, "case_id": case.id, "read_version": case.version}
    ).rowcount
    if written != 1:
        raise StaleDataError(f"case {case.id} was saved by someone else meanwhile")
    for key, value in values.items():
        set_committed_value(case, key, value)


def _sync_tasks(case: Case, step: engine.Step, now: datetime,
                by: Actor | None, events: case_events.EventRows,
                done: case_events.Completion | None,
                completed_task_id: int | None = None) -> list[dict]:
    # Plain statements on the transaction's connection: the ORM's bookkeeping (autoflush,
    # identity map) is not needed for rows nobody holds as objects here, and costs more than
    # the statements themselves on every step.
    connection = db.session.connection()
    existing: dict[str, list] = {}
    for row in connection.execute(_TASK_ROWS, {"case_id": case.id}):
        existing.setdefault(row.spiff_task_id, []).append(row)
    existing_forms = {row.id: row.form for rows in existing.values() for row in rows}
    ready = {t.id: t for t in step.ready}
    new = [t for t in step.ready if t.id not in existing]
    # Before anything is written: a step whose next task reaches nobody fails as a whole.
    owners = assignment.owners(new, case.id) if new else {}
    gone_rows = [rows for spiff_id, rows in existing.items() if spiff_id not in ready]
    # the history counts an engine task once, whatever the number of its owners' rows
    events.tasks_gone([(r.spiff_task_id, r.spec_name, r.created_at, r.due_at, r.organisation_id)
                       for r in (rows[0] for rows in gone_rows)], done)
    gone = [row.id for rows in gone_rows for row in rows]
    unanswered_drafts = []
    if gone:
        answered = done.spiff_task_id if done is not None else None
        closed = [row.id for rows in gone_rows for row in rows
                  if row.id != completed_task_id and row.spiff_task_id != answered]
        if closed:
            unanswered_drafts = unanswered.remember(connection, closed, now)
            if step.ended:
                unanswered.record_ended(connection, case.id, closed, step.ended, by)
                notifications.tasks_withdrawn(
                    connection, case, [r.id for rows in gone_rows for r in rows
                                       if r.spiff_task_id in step.ended and r.id in closed],
                    now=now, actor_id=by.user.id if by and by.user else None)
        connection.execute(_DELETE_TASKS, {"ids": gone})
        for row_id in gone:  # a loaded row that is gone keeps what it said, detached
            loaded = db.session.identity_map.get(identity_key(Task, row_id))
            if loaded is not None:
                db.session.expunge(loaded)
        # files of forms never sent go with their task (only forms that take files have any)
        with_files = [row_id for row_id in gone if _takes_files(case, existing_forms[row_id])]
        attachments.drop_pending(with_files)
    if not new:
        return []
    four_eyes = _last_performers(case.id, {t.four_eyes_step for t in new} - {None})
    rows = [
        {
            "case_id": case.id, "case_code": case.code, "spiff_task_id": t.id,
            "spec_name": t.spec_name,
            "title": t.title[:300], "lane": t.lane or "", "form": t.form,
            "organisation_id": owner.organisation_id, "assignee_id": owner.assignee_id,
            "due_at": t.due_at, "created_at": now, "claimed_by_id": None,
            "priority": URGENT if case.urgent else NORMAL, "summary": t.summary,
            "four_eyes_user_id": four_eyes.get(t.four_eyes_step),
        }
        for t in new for owner in owners[t.id]
    ]
    connection.execute(insert(Task), rows)
    involvement.involve_for_tasks(case.id, rows)
    disclosure.record_for_new_tasks(case, new, rows, by)
    if unanswered_drafts:
        unanswered.carry_drafts(connection, case.id, [t.id for t in new], unanswered_drafts)
    return rows


def _takes_files(case: Case, form: str | None) -> bool:
    if not form:
        return False
    return attachments.form_accepts_files(bundles.bundle_for(case.process_version).form(form))


def _last_performers(case_id: int, steps: set[str]) -> dict[str, int]:
    """Who last completed each of these steps in the case: four eyes keep them from the step
    that checks their work (the process property notCompletedBySameAs)."""
    if not steps:
        return {}
    rows = db.session.connection().execute(
        select(Contribution.spec_name, Contribution.user_id)
        .where(Contribution.case_id == case_id, Contribution.spec_name.in_(steps))
        .order_by(Contribution.submitted_at, Contribution.id)
    ).all()
    return {name: user_id for name, user_id in rows}


def _sync_timers(case: Case, step: engine.Step, now: datetime,
                 events: case_events.EventRows) -> None:
    """Keep the timer rows a step left as they were (with when the case reached them), drop
    those gone, add the new ones; fired timers go into the history with their wait. A row
    whose time the engine sees otherwise takes the engine's, so the worker never waits for a
    time the case does not keep. New and moved timers wake the sleeping workers at the
    commit (services.timer_schedule.announce)."""
    if not step.timers_changed:
        events.engine_ran(step.completed, {})
        return
    connection = db.session.connection()
    existing = {row[0]: row for row in connection.execute(_TIMER_ROWS, {"case_id": case.id})}
    pending = {t.task_id for t in step.timers}
    gone = [row for spiff_id, row in existing.items() if spiff_id not in pending]
    events.engine_ran(step.completed, {row[2]: row[3] for row in gone if row[2]})
    if gone:
        connection.execute(delete(Timer).where(Timer.id.in_([row[1] for row in gone])))
    new = [t for t in step.timers if t.task_id not in existing]
    if new:
        connection.execute(insert(Timer), [
            {"case_id": case.id, "spiff_task_id": t.task_id, "due_at": t.due_at,
             "element": t.element[:200], "started_at": now}
            for t in new
        ])
    moved = [{"timer_id": existing[t.task_id][1], "new_due_at": t.due_at}
             for t in step.timers if t.task_id in existing and existing[t.task_id][4] != t.due_at]
    if moved:
        connection.execute(_MOVE_TIMER, moved)
    if new or moved:
        timer_schedule.announce(connection)


def record_failure(actor: Actor, case_id: int, task_ref: str | None, detail: str) -> None:
    """Keep the error on the case for the coordinator (in its own transaction)."""
    db.session.execute(
        update(Case).where(Case.id == case_id)
        .values(last_error=detail[:4000], last_error_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    record(actor, "step_failed", case_id=case_id, task_ref=task_ref, error=detail[:4000])
