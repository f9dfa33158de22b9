"""How late the timer worker fires timers under the load: some timers of open cases are brought
forward to come due during the mixed load (time made short on purpose), and afterwards the
audit trail says when each fired.

Bringing a timer forward changes the time in the case's stored state (the timer task's
``event_value``, which the engine reads) and in its timer row (which the worker reads), as
if the case had reached the timer that much earlier; the commit wakes the worker as a step
that schedules a timer would (services.timer_schedule.announce).
"""

import json
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from webapp.extensions import db
from webapp.models import AuditEvent, Case, Timer
from webapp.services import timer_schedule


def _move_in_state(state: str, spiff_task_id: str, due: datetime) -> str:
    """The state with the timer task's time set to ``due`` (wherever in the task tree or the
    called processes that task is)."""
    tree = json.loads(state)
    moved = []

    def walk(node) -> None:
        if isinstance(node, dict):
            task = node.get(spiff_task_id)
            if isinstance(task, dict) and "event_value" in task.get("internal_data", {}):
                task["internal_data"]["event_value"] = due.isoformat()
                moved.append(task)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(tree)
    if not moved:
        raise LookupError(f"timer task {spiff_task_id} not found in the state")
    return json.dumps(tree)


def bring_forward(count: int, start: datetime,
                  end: datetime) -> dict[int, tuple[datetime, str]]:
    """Make the first timer of ``count`` open cases come due between ``start`` and ``end``,
    evenly spread. Returns {case id: (when its timer is due now, the timer's task)}. Commits."""
    rows = db.session.execute(
        select(Timer.id, Timer.case_id, Timer.spiff_task_id).join(Case, Case.id == Timer.case_id)
        .where(Case.status == "open").order_by(Timer.id).limit(count * 4)
    ).all()
    chosen = list({row.case_id: row for row in reversed(rows)}.values())[:count]
    step = (end - start) / max(1, len(chosen))
    due_by_case = {}
    for n, row in enumerate(chosen):
        due = start + step * n
        state = db.session.scalar(select(Case.state).where(Case.id == row.case_id))
        db.session.execute(update(Case).where(Case.id == row.case_id).values(
            state=_move_in_state(state, row.spiff_task_id, due)))
        db.session.execute(update(Timer).where(Timer.id == row.id).values(due_at=due))
        due_by_case[row.case_id] = (due, row.spiff_task_id)
    timer_schedule.announce(db.session.connection())
    db.session.commit()
    return due_by_case


def _fired_at(case_ids) -> dict[int, datetime]:
    return dict(db.session.execute(
        select(AuditEvent.case_id, db.func.min(AuditEvent.at))
        .where(AuditEvent.action == "timer_fired", AuditEvent.case_id.in_(list(case_ids)))
        .group_by(AuditEvent.case_id)).all())


def _still_waiting(due_by_case) -> set[int]:
    """The cases whose brought-forward timer row is still there."""
    rows = db.session.execute(select(Timer.case_id, Timer.spiff_task_id)
                              .where(Timer.case_id.in_(list(due_by_case)))).all()
    return {case_id for case_id, task in rows if due_by_case[case_id][1] == task}


def wait_for_stragglers(due_by_case, timeout: float) -> None:
    """After the load, give timers that came due but have not fired yet up to ``timeout``
    seconds (a slow machine): their lateness is then measured, not called a miss."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fired = _fired_at(due_by_case)
        if not [c for c in _still_waiting(due_by_case) if c not in fired]:
            return
        db.session.rollback()  # a fresh snapshot next time
        time.sleep(0.2)


def lateness_ms(due_by_case: dict[int, tuple[datetime, str]]) -> tuple[list[float], int, int]:
    """(how late each brought-forward timer fired, in ms; how many did not fire at all; how
    many a person's step ended before they came due).

    A person may complete the task a timer waits on (a partner answers before the deadline)
    while the load runs: the timer is then gone, rightly never fires, and is counted as ended,
    not as missed. Gone without firing after its due time is a miss (the worker was too late)."""
    fired = _fired_at(due_by_case)
    waiting = _still_waiting(due_by_case)
    first_step = dict(db.session.execute(
        select(AuditEvent.case_id, db.func.min(AuditEvent.at))
        .where(AuditEvent.action == "task_completed", AuditEvent.case_id.in_(list(due_by_case)),
               AuditEvent.at >= min(due for due, _ in due_by_case.values()) - timedelta(
                   seconds=60))
        .group_by(AuditEvent.case_id)).all())
    late, ended = [], 0
    for case_id, (due, _) in due_by_case.items():
        if case_id in fired:
            late.append((fired[case_id] - due).total_seconds() * 1000)
        elif case_id not in waiting and case_id in first_step and first_step[case_id] < due:
            ended += 1
    return sorted(late), len(due_by_case) - len(late) - ended, ended


def window(go: float, healthz_seconds: float, seconds: float) -> tuple[datetime, datetime]:
    """The part of the mixed load in which the brought-forward timers come due: from two
    seconds after it starts to three before it ends (unix time ``go``: the healthz half
    before it starts)."""
    mixed = datetime.fromtimestamp(go, UTC) + timedelta(seconds=healthz_seconds / 2)
    return (mixed + timedelta(seconds=min(2.0, seconds / 4)),
            mixed + timedelta(seconds=max(seconds - 3.0, seconds * 3 / 4)))


#: How long after the load the probe waits for timers that came due but have not fired yet.
STRAGGLER_SECONDS = 10.0


class Probe:
    """Brings ``count`` timers forward just before the load starts (``before_go``) and tells
    afterwards how late they fired (``lateness``: as stats.summarise takes it)."""

    def __init__(self, app, count: int, healthz_seconds: float, seconds: float) -> None:
        self.app, self.count = app, count
        self.healthz_seconds, self.seconds = healthz_seconds, seconds
        self.due_by_case: dict[int, tuple[datetime, str]] = {}

    def before_go(self, go: float) -> None:
        if not self.count:
            return
        start, end = window(go, self.healthz_seconds, self.seconds)
        with self.app.app_context():
            try:
                self.due_by_case = bring_forward(self.count, start, end)
            finally:
                db.session.remove()

    def lateness(self) -> tuple[list[float], int, int, int]:
        """(lateness of each fired timer in ms, how many did not fire, how many were brought
        forward, how many a person's step ended before they came due)."""
        if not self.due_by_case:
            return [], 0, 0, 0
        with self.app.app_context():
            try:
                wait_for_stragglers(self.due_by_case, STRAGGLER_SECONDS)
                late, not_fired, ended = lateness_ms(self.due_by_case)
            finally:
                db.session.remove()
                db.engine.dispose()
        return late, not_fired, len(self.due_by_case), ended
