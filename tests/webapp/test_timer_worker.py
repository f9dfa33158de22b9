"""The timer worker sleeps until the earliest due timer, or until a step schedules one, and
fires it then; several workers side by side fire each timer once.

Time is moved explicitly where the loop allows it (a clock and a waiter that jumps to the
deadline it is given); the tests with real waiting only bound how long something may take,
generously, and never judge a duration."""

import statistics
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from webapp import timer_worker
from webapp.engine import ScriptError
from webapp.extensions import db
from webapp.models import AuditEvent, Task, Timer
from webapp.services import timer_schedule
from webapp.services.audit import Actor, record

from ..conftest import BACKEND
from .helpers import to_consultation

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LONG = 60 * 86400.0  # seconds between the worker's other passes, where that is not tested
GENEROUS = 20.0  # seconds: a functional bound on a shared machine, never a measurement


class MovedTime:
    """A clock that only moves when the worker waits: each wait jumps to its deadline."""

    def __init__(self, start: datetime, stop: threading.Event, until) -> None:
        self.now, self.stop, self.until = start, stop, until
        self.waits: list[datetime] = []

    def __call__(self) -> datetime:
        return self.now

    def wait_until(self, deadline: datetime, skip) -> None:
        self.waits.append(deadline)
        self.now = max(self.now, deadline)
        if self.until() or len(self.waits) > 20:
            self.stop.set()


def _reminders() -> list[Task]:
    db.session.rollback()  # a fresh look at what the worker committed
    return list(db.session.scalars(select(Task).where(Task.spec_name == "answer_after_reminder")))


def test_the_worker_sleeps_until_the_earliest_timer_and_fires_it_when_due(app, network):
    app.config["TIMER_POLL_SECONDS"] = LONG  # the mail and retention: not what wakes it
    to_consultation(("police",), now=T0)
    to_consultation(("social",), now=T0 + timedelta(hours=5))
    due = sorted(db.session.scalars(select(Timer.due_at)))
    assert due[0] == T0 + timedelta(days=14)  # the first reminder of the first case
    stop = threading.Event()
    clock = MovedTime(T0 + timedelta(minutes=1), stop,
                      until=lambda: len(_reminders()) == 2)

    timer_worker.run(app, stop, clock=clock, waiter=clock)

    db.session.expire_all()
    reminders = sorted(_reminders(), key=lambda t: t.created_at)
    assert [t.organisation.code for t in reminders] == ["police", "social"]
    # Each fired at its own time, not at the next poll: the worker slept until it was due.
    assert clock.waits[:2] == [due[0] + timer_worker.PAST_DUE, due[1] + timer_worker.PAST_DUE]
    late = [(t.created_at - d).total_seconds() for t, d in zip(reminders, due[:2], strict=True)]
    assert max(late) < 1


def test_a_case_the_worker_cannot_fire_waits_instead_of_spinning(app, network, monkeypatch):
    app.config["TIMER_POLL_SECONDS"] = 60.0
    to_consultation(("police",), now=T0)
    due = db.session.scalar(select(Timer.due_at))
    stop = threading.Event()
    clock = MovedTime(due + timedelta(seconds=1), stop, until=lambda: False)
    tries = []

    def failing(bundle, state, *, now=None):
        tries.append(now)
        raise ScriptError("the reminder's expression failed")

    monkeypatch.setattr("webapp.services.timers.engine.fire_timers", failing)
    timer_worker.run(app, stop, clock=clock, waiter=clock)

    # Tried again once a minute (the poll interval), not in a loop.
    assert len(tries) == len(clock.waits) == 21
    gaps = {(b - a).total_seconds() for a, b in zip(tries, tries[1:], strict=False)}
    assert gaps == {60.0}
    assert not _reminders()


def test_a_timer_row_the_engine_sees_later_takes_the_engines_time(app, network):
    """A row that says due while the case's timer is not: after one look, the row says what
    the case says, and the worker sleeps until then instead of trying again and again."""
    app.config["TIMER_POLL_SECONDS"] = LONG
    case = to_consultation(("police",), now=T0)
    timer = db.session.scalar(select(Timer))
    real_due = timer.due_at
    timer.due_at = T0 + timedelta(days=1)
    db.session.commit()
    stop = threading.Event()
    clock = MovedTime(T0 + timedelta(days=2), stop, until=lambda: bool(_reminders()))

    timer_worker.run(app, stop, clock=clock, waiter=clock)

    assert clock.waits[0] == real_due + timer_worker.PAST_DUE
    assert _reminders()[0].case_id == case.id


def test_the_sqlite_waiter_looks_again_and_wakes_for_an_earlier_timer(app, network):
    """A waiter asked to sleep long returns soon after a step stored a timer due earlier."""
    app.config["TIMER_WAKE_CHECK_SECONDS"] = 0.05
    stop = threading.Event()
    waiter = timer_worker.CheckingWaiter(app, stop, lambda: datetime.now(UTC), 0.05)
    to_consultation(("police",), now=datetime.now(UTC) - timedelta(days=14))  # due now
    started = time.monotonic()
    waiter.wait_until(datetime.now(UTC) + timedelta(hours=1), set())
    assert time.monotonic() - started < GENEROUS


@pytest.mark.skipif(BACKEND != "postgres", reason="LISTEN/NOTIFY is PostgreSQL's")
def test_a_step_that_schedules_a_timer_wakes_a_listening_worker(app, network):
    stop = threading.Event()
    waiter = timer_worker.ListeningWaiter(app, stop, lambda: datetime.now(UTC), 0.5)
    waiter.listen()
    woke = threading.Event()

    def sleep_long():
        waiter.wait_until(datetime.now(UTC) + timedelta(hours=1), set())
        woke.set()

    sleeper = threading.Thread(target=sleep_long, daemon=True)
    sleeper.start()
    try:
        record(Actor.system(), "nothing_scheduled")
        db.session.commit()
        assert not woke.wait(1.5)  # a commit that schedules no timer wakes nobody
        to_consultation(("police",))  # requesting information schedules the reminder
        assert woke.wait(GENEROUS)
    finally:
        stop.set()
        sleeper.join(5)
        waiter.close()


def _many_due_now(count: int, due_in: timedelta = timedelta(0)) -> list[int]:
    """Cases whose reminder is due ``due_in`` from now: started 14 days before that (time made
    short on purpose)."""
    start = datetime.now(UTC) - timedelta(days=14) + due_in
    return [to_consultation(("police",), now=start + timedelta(milliseconds=40 * n)).id
            for n in range(count)]


@pytest.mark.skipif(BACKEND != "postgres", reason="several workers side by side need row locks")
def test_workers_side_by_side_fire_every_timer_once(app, network):
    app.config["TIMER_POLL_SECONDS"] = 600.0
    # every reminder comes due within 2.5 s (2 s, and 40 ms between the cases)
    all_due_by = datetime.now(UTC) + timedelta(seconds=2.5)
    cases = _many_due_now(8, due_in=timedelta(seconds=2))
    stop = threading.Event()
    workers = [threading.Thread(target=timer_worker.run, args=(app, stop), daemon=True)
               for _ in range(3)]
    for worker in workers:
        worker.start()
    try:
        deadline = time.monotonic() + GENEROUS + 10
        # until every reminder came due and none is left unfired (however fast the cases
        # were made: on a quick machine none is due yet when the workers start)
        while time.monotonic() < deadline and (datetime.now(UTC) < all_due_by or db.session.scalar(
                select(func.count(Timer.id)).where(Timer.due_at <= datetime.now(UTC)))):
            time.sleep(0.1)
            db.session.rollback()
    finally:
        stop.set()
        for worker in workers:
            worker.join(10)
    fired = db.session.execute(
        select(AuditEvent.case_id, func.count()).where(AuditEvent.action == "timer_fired")
        .group_by(AuditEvent.case_id)).all()
    assert sorted(fired) == [(case_id, 1) for case_id in sorted(cases)]
    assert sorted(t.case_id for t in _reminders()) == sorted(cases)


def test_timers_made_short_fire_soon_after_they_are_due(app, network):
    """The real loop, clock and waiter (LISTEN on PostgreSQL, the wake-up check on SQLite),
    the mail and retention interval long: timers due in a second or two fire on their own."""
    app.config["TIMER_POLL_SECONDS"] = 600.0
    app.config["TIMER_WAKE_CHECK_SECONDS"] = 0.2
    stop = threading.Event()
    worker = threading.Thread(target=timer_worker.run, args=(app, stop), daemon=True)
    worker.start()
    try:
        cases = _many_due_now(5, due_in=timedelta(seconds=5))
        due = dict(db.session.execute(select(Timer.case_id, Timer.due_at)).all())
        deadline = time.monotonic() + GENEROUS + 10
        while time.monotonic() < deadline and len(_reminders()) < len(cases):
            time.sleep(0.1)
            db.session.rollback()
    finally:
        stop.set()
        worker.join(10)
    assert len(_reminders()) == len(cases)
    fired = dict(db.session.execute(select(AuditEvent.case_id, func.max(AuditEvent.at))
                                    .where(AuditEvent.action == "timer_fired")
                                    .group_by(AuditEvent.case_id)).all())
    late = [(fired[c] - due[c]).total_seconds() for c in cases]
    assert statistics.median(late) < GENEROUS  # fired by the worker, within a bound


def test_the_next_due_time_leaves_out_the_cases_to_try_later(app, network):
    first = to_consultation(("police",), now=T0).id
    to_consultation(("social",), now=T0 + timedelta(hours=1))
    assert timer_schedule.next_due_at() == T0 + timedelta(days=14)
    assert timer_schedule.next_due_at({first}) == T0 + timedelta(days=14, hours=1)
