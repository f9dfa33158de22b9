"""When the timer workers must wake: the earliest due timer, and a signal when a step
schedules one. Kept apart from services.timers (which fires them) because every step writes
timers (services.cases) and firing them takes a step."""

from datetime import datetime

from sqlalchemy import func, select, text

from webapp.extensions import db
from webapp.models import Timer

#: The PostgreSQL channel a step's commit notifies when it scheduled or moved a timer.
CHANNEL = "mawflow_timers"


def announce(connection) -> None:
    """Wake the sleeping timer workers when this transaction commits (PostgreSQL: a NOTIFY
    is delivered with the commit and dropped with a rollback). On SQLite the workers look
    at the earliest due time by themselves (TIMER_WAKE_CHECK_SECONDS)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"NOTIFY {CHANNEL}"))


def next_due_at(skip: set[int] | frozenset = frozenset()) -> datetime | None:
    """When the earliest pending timer is due (the due_at index's first row), leaving out the
    timers of the cases in ``skip``; None when no timer waits."""
    if not skip:
        return db.session.scalar(select(func.min(Timer.due_at)))
    return db.session.scalar(
        select(Timer.due_at).where(Timer.case_id.not_in(skip)).order_by(Timer.due_at).limit(1))
