"""E-mail notifications that carry no case content.

What happens is written as NotificationEvent rows in the transaction that made it happen
(the transactional outbox): a rolled-back step leaves none, a committed one is never lost.
The mail worker (fanout, then sender) turns them into messages for the people who want them
and sends those with retries. The functions here are the only ones the rest of the
application calls; each adds its event to the current transaction and does nothing else.
"""

from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import selectinload

from webapp.extensions import db
from webapp.models import Case, Membership, NotificationEvent, Task, User, utcnow
from webapp.services import policy

_INSERT = insert(NotificationEvent)
PARTNER_LANES = frozenset({"partner", "partner_rep"})


def event(kind: str, *, now: datetime, case_id: int | None = None, case_code: str = "",
          spiff_task_id: str | None = None, task_id: int | None = None,
          user_id: int | None = None, step: str = "", actor_id: int | None = None,
          dedup_key: str | None = None) -> dict:
    """One outbox row as the insert takes it (every row of one insert has the same keys)."""
    return {"kind": kind, "case_id": case_id, "case_code": case_code,
            "spiff_task_id": spiff_task_id, "task_id": task_id, "user_id": user_id,
            "step": step, "actor_id": actor_id, "dedup_key": dedup_key, "created_at": now,
            "done_at": None}


def write_step(connection, case: Case, new_task_rows: list[dict], *, now: datetime,
               actor_id: int | None = None, notices=()) -> None:
    """The outbox rows of one engine step, in one multi-row insert on the step's connection:
    a "task_ready" event per new task row (the worker decides from the task whether it is a
    new task, a reminder or an escalation) and the ``notices`` the caller made (e.g.
    :func:`answer_arrived`). Cheap on purpose: it runs on every task completion."""
    rows = [{"kind": "task_ready", "case_id": case.id, "case_code": case.code,
             "spiff_task_id": row["spiff_task_id"], "task_id": None, "user_id": None,
             "step": "", "actor_id": actor_id, "dedup_key": None, "created_at": now,
             "done_at": None}
            # one event per engine task: lane_owners may give it several rows
            for row in {r["spiff_task_id"]: r for r in new_task_rows}.values()]
    rows.extend(notices)
    if rows:
        connection.execute(_INSERT, rows)


def tasks_withdrawn(connection, case: Case, withdrawn_ids: list[int], *, now: datetime,
                    actor_id: int | None = None) -> None:
    """Tasks the process withdrew before they were done (a terminate end event: an action
    the table closed at a review): whoever had them is told it no longer needs doing, as they
    were told it arrived. Its claimer, else whoever may work on it (policy.may_work_on, as
    for its arrival). One event per person, made here because the task rows go with this
    step; read for the few steps that withdraw tasks."""
    rows = connection.execute(
        select(Task.spiff_task_id, Task.title, Task.lane, Task.organisation_id,
               Task.assignee_id, Task.claimed_by_id).where(Task.id.in_(withdrawn_ids))).all()
    told: set[tuple[str, int]] = set()
    titles = {row.spiff_task_id: row.title for row in rows}  # named in the message
    for row in rows:
        people = [row.claimed_by_id] if row.claimed_by_id else [
            user.id for user in db.session.scalars(
                select(User).join(Membership, Membership.user_id == User.id)
                .where(User.active.is_(True), Membership.role == row.lane)
                .options(selectinload(User.memberships)).distinct())
            if policy.may_work_on(user, row)]
        told.update((row.spiff_task_id, user_id) for user_id in people if user_id != actor_id)
    if told:
        connection.execute(_INSERT, [
            event("task_withdrawn", now=now, case_id=case.id, case_code=case.code,
                  spiff_task_id=spiff_id, user_id=user_id, step=titles[spiff_id],
                  actor_id=actor_id)
            for spiff_id, user_id in sorted(told)])


def _add(row: dict) -> None:
    db.session.connection().execute(_INSERT, [row])


def answer_arrived(case: Case, task: Task, *, actor_id: int | None,
                   now: datetime) -> list[dict]:
    """The notice for the coordinator responsible for ``case`` when a partner completed
    ``task`` (pass it to apply_step as ``notices``); none for other lanes."""
    if task.lane not in PARTNER_LANES:
        return []
    return [event("answer_arrived", now=now, case_id=case.id, case_code=case.code,
                  task_id=task.id, actor_id=actor_id)]


def task_reassigned(task: Task, user_id: int, *, actor_id: int | None,
                    now: datetime | None = None) -> None:
    """A coordinator handed ``task`` to ``user_id``: that person is told."""
    if user_id == actor_id:
        return
    _add(event("task_reassigned", now=now or utcnow(), case_id=task.case_id,
               case_code=task.case_code, task_id=task.id, user_id=user_id, actor_id=actor_id))


def task_released(task: Task, *, actor_id: int | None, now: datetime | None = None) -> None:
    """A claimed task went back to the shared inbox: the others who may do it are told."""
    _add(event("task_released", now=now or utcnow(), case_id=task.case_id,
               case_code=task.case_code, task_id=task.id, actor_id=actor_id))


def reminder_sent(task_id: int, *, actor_id: int | None = None,
                  now: datetime | None = None) -> None:
    """A coordinator's "send a reminder now": the people who can do the task (its claimer,
    when someone claimed it) get a reminder about it."""
    task = db.session.get(Task, task_id)
    if task is None:
        return
    _add(event("task_reminder", now=now or utcnow(), case_id=task.case_id,
               case_code=task.case_code, task_id=task.id, actor_id=actor_id))


def case_became_urgent(case_id: int, *, actor_id: int | None = None,
                       now: datetime | None = None) -> None:
    """A case was marked urgent (from the signal, or by a coordinator): every coordinator is
    told at once (unless they chose otherwise)."""
    code = db.session.scalar(select(Case.code).where(Case.id == case_id))
    if code is None:
        return
    _add(event("case_urgent", now=now or utcnow(), case_id=case_id, case_code=code,
               actor_id=actor_id))


def signal_received(case_id: int, *, actor_id: int | None = None,
                    now: datetime | None = None) -> None:
    """A partner's signal opened a case: the coordinators hear of it as a new signal (with a
    link to the intake decision) instead of as a new task. Call it in the transaction that
    opened the case, after its first step was written."""
    connection = db.session.connection()
    pending = NotificationEvent.case_id == case_id, NotificationEvent.kind == "task_ready", \
        NotificationEvent.done_at.is_(None)
    tasks = connection.execute(select(NotificationEvent.spiff_task_id, NotificationEvent.case_code)
                               .where(*pending)).all()
    connection.execute(delete(NotificationEvent).where(*pending))
    now = now or utcnow()
    for spiff_task_id, code in tasks:
        _add(event("signal_new", now=now, case_id=case_id, case_code=code,
                   spiff_task_id=spiff_task_id, actor_id=actor_id))
