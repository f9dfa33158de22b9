"""Two people, two workers, one row: real threads and connections on PostgreSQL."""

import threading
import time

import pytest
from sqlalchemy import func, select, text

from webapp import engine
from webapp.extensions import db
from webapp.models import AuditEvent, Case, Contribution, Task
from webapp.services import tasks, timers
from webapp.services.errors import Conflict

from ..conftest import BACKEND
from .helpers import actor, example, only_task, register, to_consultation

pytestmark = pytest.mark.skipif(
    BACKEND != "postgres", reason="row locks are PostgreSQL's; SQLite serialises writers"
)


def _wait_for_lock_waiters(expected: int) -> None:
    """Poll (bounded) until `expected` other connections wait on a row lock."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with db.engine.connect() as conn:
            waiting = conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"
                )
            )
        if waiting >= expected:
            return
        time.sleep(0.02)
    raise AssertionError("the second submit never waited for the row lock")


def _pause_first_caller(monkeypatch, name: str, thread_name: str):
    """Make engine.<name> pause inside the first thread's transaction until released."""
    inside, release = threading.Event(), threading.Event()
    real = getattr(engine, name)

    def paused(*args, **kwargs):
        if threading.current_thread().name == thread_name:
            inside.set()
            release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, name, paused)
    return inside, release


def _in_thread(app, name, results, work):
    def run():
        with app.app_context():
            try:
                work()
                db.session.commit()
                results[name] = "ok"
            except Conflict as error:
                db.session.rollback()
                results[name] = error.message
            except Exception as error:  # reported in the assertion below
                db.session.rollback()
                results[name] = repr(error)
            finally:
                db.session.remove()

    return threading.Thread(target=run, name=name)


def test_double_submit_of_one_task_one_wins_the_other_is_told(app, network, monkeypatch):
    case = register()
    task = only_task("coordinator", "register_signal")
    task_id, version = task.id, case.version
    db.session.commit()
    inside, release = _pause_first_caller(monkeypatch, "complete", "first")
    results: dict[str, str] = {}
    data = example("register-signal")
    first = _in_thread(
        app, "first", results, lambda: tasks.complete_task(actor("coordinator"), task_id, data)
    )
    second = _in_thread(
        app, "second", results, lambda: tasks.complete_task(actor("coordinator2"), task_id, data)
    )
    first.start()
    assert inside.wait(10)
    second.start()
    _wait_for_lock_waiters(1)
    release.set()
    first.join(10)
    second.join(10)

    assert results["first"] == "ok"
    assert "Coordinator completed this task first" in results["second"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Contribution.id))) == 1
    assert db.session.get(Case, case.id).version == version + 1
    assert (
        db.session.scalar(
            select(func.count(Task.id)).where(
                Task.case_id == case.id, Task.spec_name == "register_signal"
            )
        )
        == 0
    )


def test_two_workers_fire_a_timer_once(app, network, monkeypatch):
    from datetime import UTC, datetime, timedelta

    t0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    case = to_consultation(("police",), now=t0)
    later = t0 + timedelta(days=15)
    inside, release = _pause_first_caller(monkeypatch, "fire_timers", "worker-a")
    results: dict[str, str] = {}
    a = _in_thread(app, "worker-a", results, lambda: timers.fire_case_timers(case.id, later))
    b = _in_thread(
        app,
        "worker-b",
        results,
        lambda: results.setdefault("b_moved", timers.fire_case_timers(case.id, later)),
    )
    a.start()
    assert inside.wait(10)
    b.start()
    b.join(10)  # SKIP LOCKED: worker b passes over the case at once instead of waiting
    release.set()
    a.join(10)

    assert results["worker-a"] == "ok" and results["b_moved"] == timers.BUSY
    # The deadline passed once: one reminder in the partner's inbox, not two.
    assert only_task("police", "answer_after_reminder").case_id == case.id
    assert (
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "timer_fired")
        )
        == 1
    )
