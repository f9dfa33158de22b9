"""Firing due timers. Several workers may run side by side; a timer fires once.

The worker (webapp/timer_worker.py) sleeps until the earliest due timer (services.timer_schedule);
a step that schedules a timer tells sleeping workers on PostgreSQL (a NOTIFY sent with the
commit), and on SQLite the worker looks at the earliest due time again every
TIMER_WAKE_CHECK_SECONDS."""

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from webapp import engine
from webapp.extensions import db
from webapp.models import Timer, utcnow
from webapp.services import bundles
from webapp.services.audit import Actor, record
from webapp.services.cases import apply_step, lock_case, record_failure
from webapp.services.errors import StepFailed

log = logging.getLogger(__name__)

def due_case_ids(now: datetime, limit: int = 50,
                 skip: set[int] | frozenset = frozenset()) -> list[int]:
    """Cases with at least one due timer, oldest due first (uses the due_at index)."""
    query = select(Timer.case_id).where(Timer.due_at <= now)
    if skip:
        query = query.where(Timer.case_id.not_in(skip))
    rows = db.session.execute(query.order_by(Timer.due_at).limit(limit * 4)).scalars()
    return list(dict.fromkeys(rows))[:limit]


FIRED, BUSY, GONE, STUCK = "fired", "busy", "gone", "stuck"


def fire_case_timers(case_id: int, now: datetime) -> str:
    """Fire the due timers of one case under its row lock; skip a case someone else holds.

    Returns FIRED (the case moved), BUSY (another transaction holds the case: try again
    shortly), GONE (another worker fired it between our look and our lock) or STUCK (it moved,
    but a timer row still says due: look again later, not at once). The caller commits (one
    case per transaction)."""
    case = lock_case(case_id, skip_locked=True)
    if case is None:
        return BUSY
    if _due_timer(case_id, now) is None:
        return GONE
    step = engine.fire_timers(bundles.bundle_for(case.process_version), case.state, now=now)
    apply_step(case, step, now=now)
    record(Actor.system(), "timer_fired", case_id=case_id)
    db.session.flush()
    return STUCK if _due_timer(case_id, now) is not None else FIRED


def _due_timer(case_id: int, now: datetime):
    return db.session.scalar(
        select(Timer.id).where(Timer.case_id == case_id, Timer.due_at <= now).limit(1))


@dataclass
class Pass:
    """What one worker pass did: cases moved, and cases to look at again later (held by
    someone else, failed or stuck), which the next passes leave alone for a while."""

    moved: int = 0
    busy: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    full: bool = False  # as many cases as the pass takes were due: more may be


def fire_due(now: datetime | None = None, limit: int = 50,
             skip: set[int] | frozenset = frozenset()) -> Pass:
    """One worker pass: fire what is due (but the cases in ``skip``), committing per case."""
    now = now or utcnow()
    done = Pass()
    due = due_case_ids(now, limit, skip)
    done.full = len(due) >= limit
    for case_id in due:
        try:
            outcome = fire_case_timers(case_id, now)
            db.session.commit()
        except (engine.EngineError, StepFailed) as error:
            # StepFailed: e.g. the step after the timer reaches nobody
            detail = error.detail if isinstance(error, StepFailed) else str(error)
            db.session.rollback()
            log.warning("timer of case %s failed: %s", case_id, detail)
            record_failure(Actor.system(), case_id, None, f"timer: {detail}")
            db.session.commit()
            done.failed.append(case_id)
            continue
        except Exception:
            db.session.rollback()
            raise
        if outcome in (FIRED, STUCK):
            done.moved += 1
        if outcome == BUSY:
            done.busy.append(case_id)
        elif outcome == STUCK:
            log.warning("case %s still has a due timer after firing", case_id)
            done.failed.append(case_id)
    return done


def run_due_timers(now: datetime | None = None, limit: int = 50) -> int:
    """One worker pass: fire what is due, committing per case. Returns how many cases moved."""
    return fire_due(now, limit).moved
