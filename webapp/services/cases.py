"""Registering cases and writing what the engine did back into rows."""

from datetime import datetime

from flask import current_app
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
    Organisation,
    Task,
    Timer,
    utcnow,
)
from webapp.services import bundles, involvement, unanswered
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
        raise NotAllowed("Only coordinators can register a case.")
    now = now or utcnow()
    version, bundle = current_process()
    code = next_code(now.year)
    step = start_process(bundle, code, now)
    case = open_case(version, code, step, coordinator_id=actor.user.id, created_by=actor,
                     person=(full_name, date_of_birth, address), now=now)
    record(actor, "case_registered", case_id=case.id, process_version=version.id)
    return case


def current_process():
    """(version, bundle) of the newest published case process. Raises NotFound."""
    version = bundles.latest_version(current_app.config.get("CASE_PROCESS_ID", "maw_case"))
    return version, bundles.bundle_for(version)


def start_process(bundle, code: str, now: datetime) -> engine.Step:
    """Start the case process for `code`. Raises StepFailed when the diagram cannot start."""
    try:
        return engine.start(bundle, {"case_code": code}, now=now)
    except engine.EngineError as error:
        raise StepFailed(
            "The process could not start. The process owner must fix the diagram.", 0, str(error)
        ) from error


def open_case(version, code: str, step: engine.Step, *, coordinator_id: int | None,
              created_by: Actor, person: tuple[str, str | None, str | None],
              now: datetime) -> Case:
    """Store a new case with its state, its person details (apart) and its inbox rows."""
    full_name, date_of_birth, address = person
    case = Case(code=code, process_version_id=version.id, state=step.state,
                coordinator_id=coordinator_id, created_by_id=created_by.user.id,
                created_at=now, updated_at=now)
    db.session.add(case)
    db.session.flush()
    db.session.add(CaseSubject(case_id=case.id, full_name=(full_name or "").strip(),
                               date_of_birth=date_of_birth or None, address=address or None))
    apply_step(case, step, now=now)
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
_TASK_ROWS = select(Task.spiff_task_id, Task.id).where(Task.case_id == bindparam("case_id"))
_DELETE_TASKS = delete(Task).where(Task.id.in_(bindparam("ids", expanding=True)))


@event.listens_for(Session, "after_transaction_end")
def _forget_locks(session, transaction) -> None:
    """Row locks end with the database transaction (a savepoint's end keeps them)."""
    if transaction.parent is None:
        session.info.pop(_LOCKED, None)


def get_case(code: str) -> Case:
    case = db.session.scalar(select(Case).where(Case.code == code))
    if case is None:
        raise NotFound("There is no case with this code.")
    return case


def apply_step(case: Case, step: engine.Step, *, now: datetime,
               completed_task_id: int | None = None) -> None:
    """Store the new state and rebuild the case's inbox rows and timers from the engine step.
    ``completed_task_id``: the row of the task this step completed; any other row that goes
    went without an answer (services.unanswered).

    Raises StaleDataError when someone else saved the case since it was read (its version
    counter moved on); the caller rolls back."""
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
    _write_case(case, values)
    _sync_tasks(case, step, now, completed_task_id)
    _sync_timers(case, step)


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
                completed_task_id: int | None = None) -> None:
    # Plain statements on the transaction's connection: the ORM's bookkeeping (autoflush,
    # identity map) is not needed for rows nobody holds as objects here, and costs more than
    # the statements themselves on every step.
    connection = db.session.connection()
    existing = dict(connection.execute(_TASK_ROWS, {"case_id": case.id}).all())
    ready = {t.id: t for t in step.ready}
    gone = [row_id for spiff_id, row_id in existing.items() if spiff_id not in ready]
    unanswered_drafts = []
    if gone:
        if closed := [row_id for row_id in gone if row_id != completed_task_id]:
            unanswered_drafts = unanswered.remember(connection, closed, now)
        connection.execute(_DELETE_TASKS, {"ids": gone})
        for row_id in gone:  # a loaded row that is gone keeps what it said, detached
            loaded = db.session.identity_map.get(identity_key(Task, row_id))
            if loaded is not None:
                db.session.expunge(loaded)
    new = [t for t in step.ready if t.id not in existing]
    if not new:
        return
    codes = {t.organisation for t in new if t.organisation}
    org_ids = dict(connection.execute(
        select(Organisation.code, Organisation.id).where(Organisation.code.in_(codes))
    ).all()) if codes else {}
    rows = [
        {
            "case_id": case.id, "case_code": case.code, "spiff_task_id": t.id,
            "spec_name": t.spec_name,
            "title": t.title[:300], "lane": t.lane or "", "form": t.form,
            "organisation_id": org_ids.get(t.organisation), "due_at": t.due_at,
            "created_at": now, "claimed_by_id": None,
        }
        for t in new
    ]
    connection.execute(insert(Task), rows)
    involvement.involve_for_tasks(case.id, rows)
    if unanswered_drafts:
        unanswered.carry_drafts(connection, case.id, [t.id for t in new], unanswered_drafts)


def _sync_timers(case: Case, step: engine.Step) -> None:
    if not step.timers_changed:
        return
    connection = db.session.connection()
    connection.execute(delete(Timer).where(Timer.case_id == case.id))
    if step.timers:
        connection.execute(insert(Timer), [
            {"case_id": case.id, "spiff_task_id": t.task_id, "due_at": t.due_at}
            for t in step.timers
        ])


def record_failure(actor: Actor, case_id: int, task_ref: str | None, detail: str) -> None:
    """Keep the error on the case for the coordinator (in its own transaction)."""
    db.session.execute(
        update(Case).where(Case.id == case_id)
        .values(last_error=detail[:4000], last_error_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    record(actor, "step_failed", case_id=case_id, task_ref=task_ref, error=detail[:4000])
