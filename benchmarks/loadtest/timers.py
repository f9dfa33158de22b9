"""How late the timer worker fires timers under the load: some timers of open cases are brought
forward to come due during the mixed load (time made short on purpose), and afterwards the
audit trail says when each fired.

Bringing a timer forward changes the time in the case's stored state (the timer task's
``event_value``, which the engine reads) and in its timer row (which the worker reads), as
if the case had reached the timer that much earlier; the commit wakes the worker as a step
that schedules a timer would (services.timer_schedule.announce).
"""

import json
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


def bring_forward(count: int, start: datetime, end: datetime) -> dict[int, datetime]:
    """Make the first timer of ``count`` open cases come due between ``start`` and ``end``,
    evenly spread. Returns {case id: when its timer is due now}. Commits."""
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
        due_by_case[row.case_id] = due
    timer_schedule.announce(db.session.connection())
    db.session.commit()
    return due_by_case


def lateness_ms(due_by_case: dict[int, datetime]) -> tuple[list[float], int]:
    """(how late each brought-forward timer fired, in ms; how many did not fire at all)."""
    fired = dict(db.session.execute(
        select(AuditEvent.case_id, db.func.min(AuditEvent.at))
        .where(AuditEvent.action == "timer_fired", AuditEvent.case_id.in_(list(due_by_case)))
        .group_by(AuditEvent.case_id)).all())
    late = [(fired[case_id] - due).total_seconds() * 1000
            for case_id, due in due_by_case.items() if case_id in fired]
    return sorted(late), len(due_by_case) - len(late)


def window(go: float, healthz_seconds: float, seconds: float) -> tuple[datetime, datetime]:
    """The part of the mixed load in which the brought-forward timers come due: from two
    seconds after it starts to three before it ends (unix time ``go``: the healthz half
    before it starts)."""
    mixed = datetime.fromtimestamp(go, UTC) + timedelta(seconds=healthz_seconds / 2)
    return (mixed + timedelta(seconds=min(2.0, seconds / 4)),
            mixed + timedelta(seconds=max(seconds - 3.0, seconds * 3 / 4)))


class Probe:
    """Brings ``count`` timers forward just before the load starts (``before_go``) and tells
    afterwards how late they fired (``lateness``: as stats.summarise takes it)."""

    def __init__(self, app, count: int, healthz_seconds: float, seconds: float) -> None:
        self.app, self.count = app, count
        self.healthz_seconds, self.seconds = healthz_seconds, seconds
        self.due_by_case: dict[int, datetime] = {}

    def before_go(self, go: float) -> None:
        if not self.count:
            return
        start, end = window(go, self.healthz_seconds, self.seconds)
        with self.app.app_context():
            try:
                self.due_by_case = bring_forward(self.count, start, end)
            finally:
                db.session.remove()

    def lateness(self) -> tuple[list[float], int, int]:
        if not self.due_by_case:
            return [], 0, 0
        with self.app.app_context():
            try:
                late, not_fired = lateness_ms(self.due_by_case)
            finally:
                db.session.remove()
                db.engine.dispose()
        return late, not_fired, len(self.due_by_case)
