"""The timer worker's loop (``flask worker``): fire timers when they are due, and every
TIMER_POLL_SECONDS do the rest of the background work (mail, retention, the evaluation's
totals).

Between passes the worker sleeps until the earliest due timer, or until it is woken:
on PostgreSQL by the NOTIFY a step sends with its commit when it schedules a timer
(services.timer_schedule.announce), on SQLite by looking at the earliest due time again every
TIMER_WAKE_CHECK_SECONDS (one read of the due_at index). A timer then fires within about that
time of being due, instead of up to a whole polling interval later. Several workers may run
side by side (PostgreSQL): they all wake, and each case is fired by the one that locks it
first (services.timers).

Time is read through ``clock`` and waited through a waiter, so tests can move time instead of
sleeping.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Flask

from webapp import retention_cli
from webapp.engine import isolation
from webapp.extensions import db
from webapp.models import utcnow
from webapp.reports import cli as report_cli
from webapp.services import timer_schedule, timers
from webapp.services.notifications import worker as mail

log = logging.getLogger(__name__)

#: SpiffWorkflow fires a timer once its time is past, not at it: wake just after.
PAST_DUE = timedelta(milliseconds=1)
#: A case another transaction holds (someone completing a task on it) is tried again after.
BUSY_RETRY = timedelta(milliseconds=200)
#: The longest single sleep of the PostgreSQL waiter, so a stop request is seen soon.
_LISTEN_SLICE = 1.0


class CheckingWaiter:
    """Sleeps until a deadline, looking every ``check_seconds`` whether a timer is now due
    earlier (SQLite, and PostgreSQL while its listening connection is down)."""

    def __init__(self, app: Flask, stop: threading.Event, clock: Callable[[], datetime],
                 check_seconds: float) -> None:
        self.app, self.stop, self.clock, self.check = app, stop, clock, check_seconds

    def wait_until(self, deadline: datetime, skip: set[int]) -> None:
        while not self.stop.is_set():
            left = (deadline - self.clock()).total_seconds()
            if left <= 0 or self.stop.wait(min(left, self.check)):
                return
            if self._earlier_due(deadline, skip):
                return

    def _earlier_due(self, deadline: datetime, skip: set[int]) -> bool:
        with self.app.app_context():
            try:
                due = timer_schedule.next_due_at(skip)
            except Exception:  # the database is away for a moment: look again later
                log.warning("the timer worker could not read the next due time", exc_info=True)
                return False
            finally:
                db.session.remove()
        return due is not None and due + PAST_DUE < deadline


class ListeningWaiter:
    """Sleeps until a deadline or until a step commits a new timer (PostgreSQL LISTEN on
    services.timer_schedule.CHANNEL, on a connection of its own). Falls back to checking when
    the connection is lost, and listens again on the next wait."""

    def __init__(self, app: Flask, stop: threading.Event, clock: Callable[[], datetime],
                 check_seconds: float) -> None:
        self.app, self.stop, self.clock = app, stop, clock
        self.fallback = CheckingWaiter(app, stop, clock, check_seconds)
        self.connection = None

    def listen(self) -> None:
        """Open the listening connection now (the worker does this before its first pass,
        so no NOTIFY sent during that pass is missed)."""
        if self.connection is not None:
            return
        with self.app.app_context():
            raw = db.engine.raw_connection()
            connection = raw.driver_connection
            raw.detach()  # its own, for good: not handed back to the pool
        connection.autocommit = True
        connection.execute(f"LISTEN {timer_schedule.CHANNEL}")
        self.connection = connection

    def wait_until(self, deadline: datetime, skip: set[int]) -> None:
        try:
            self.listen()
            while not self.stop.is_set():
                left = (deadline - self.clock()).total_seconds()
                if left <= 0:
                    return
                if any(True for _ in self.connection.notifies(timeout=min(left, _LISTEN_SLICE),
                                                               stop_after=1)):
                    for _ in self.connection.notifies(timeout=0):  # the others queued: one pass
                        pass
                    return
        except Exception:
            log.warning("the timer worker stopped listening; it looks for due timers instead",
                        exc_info=True)
            self.close()
            self.fallback.wait_until(deadline, skip)

    def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(Exception):
                self.connection.close()
            self.connection = None


def waiter_for(app: Flask, stop: threading.Event, clock: Callable[[], datetime]):
    check = float(app.config["TIMER_WAKE_CHECK_SECONDS"])
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
    kind = ListeningWaiter if postgres else CheckingWaiter
    return kind(app, stop, clock, check)


def run(app: Flask, stop: threading.Event, once: bool = False, *,
        clock: Callable[[], datetime] = utcnow, waiter=None) -> None:
    """Fire due timers as they come due and do the other background work every
    TIMER_POLL_SECONDS, until ``stop`` is set (``once``: one pass of each, then return)."""
    interval = timedelta(seconds=float(app.config["TIMER_POLL_SECONDS"]))
    waiter = waiter or waiter_for(app, stop, clock)
    if not once:
        isolation.prestart()  # the first timer does not wait for an engine worker to start
    if hasattr(waiter, "listen") and not once:
        with contextlib.suppress(Exception):  # wait_until falls back and says so
            waiter.listen()
    later: dict[int, datetime] = {}  # case id -> not before (held by someone else, or failing)
    housekeeping_at = clock()
    try:
        while not stop.is_set():
            now = clock()
            for case_id in [k for k, until in later.items() if until <= now]:
                del later[case_id]
            done, next_due = _timer_pass(app, now, later, interval)
            if done is not None and (done.moved or now >= housekeeping_at):
                _mail_pass(app)
            if now >= housekeeping_at:
                _housekeeping(app)
                housekeeping_at = clock() + interval
            if once:
                return
            waiter.wait_until(_wake_at(now, housekeeping_at, done, next_due, later), set(later))
    finally:
        if hasattr(waiter, "close"):
            waiter.close()


def _wake_at(now: datetime, housekeeping_at: datetime, done, next_due: datetime | None,
             later: dict[int, datetime]) -> datetime:
    """The earliest of: the next housekeeping, the next due timer, the next case to try
    again; now when a pass left due cases behind (it takes a limited number)."""
    if done is not None and done.full:
        return now
    wake = housekeeping_at
    if next_due is not None:
        wake = min(wake, next_due + PAST_DUE)
    return min(wake, *later.values()) if later else wake


def _timer_pass(app: Flask, now: datetime, later: dict[int, datetime], interval: timedelta):
    """(what the pass did, when the next timer is due), or (None, None) when it failed (the
    worker then tries again after the interval)."""
    with app.app_context():
        try:
            done = timers.fire_due(now, skip=set(later))
            for case_id in done.busy:
                later[case_id] = now + BUSY_RETRY
            for case_id in done.failed:
                later[case_id] = now + interval
            if done.moved:
                log.info("timers fired for %d case(s)", done.moved)
            return done, timer_schedule.next_due_at(set(later))
        except Exception:
            db.session.rollback()
            log.exception("timer pass failed")
            return None, None
        finally:
            db.session.remove()


def _housekeeping(app: Flask) -> None:
    with app.app_context():
        try:
            retention_cli.run_in_worker(app)
            report_cli.run_in_worker(app)
        except Exception:
            log.exception("worker pass failed")
        finally:
            db.session.remove()


def _mail_pass(app: Flask) -> None:
    """One mail pass (services.notifications.worker); its errors never stop the loop."""
    with app.app_context():
        try:
            done = mail.run_mail_pass()
            if done.sent.sent or done.sent.retried or done.sent.failed:
                log.info("mail: %d sent, %d to retry, %d failed", done.sent.sent,
                         done.sent.retried, done.sent.failed)
        except Exception:
            db.session.rollback()
            log.exception("mail pass failed")
        finally:
            db.session.remove()


def run_mail_loop(app: Flask, stop: threading.Event, once: bool = False) -> None:
    """Only the mail: notices, digests and sending, every TIMER_POLL_SECONDS."""
    interval = float(app.config["TIMER_POLL_SECONDS"])
    while not stop.is_set():
        _mail_pass(app)
        if once:
            return
        stop.wait(interval)
