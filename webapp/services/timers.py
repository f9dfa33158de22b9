"""Firing due timers. Several workers may run side by side; a timer fires once."""

import logging
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


def due_case_ids(now: datetime, limit: int = 50) -> list[int]:
    """Cases with at least one due timer, oldest due first (uses the due_at index)."""
    rows = db.session.execute(
        select(Timer.case_id).where(Timer.due_at <= now).order_by(Timer.due_at).limit(limit * 4)
    ).scalars()
    return list(dict.fromkeys(rows))[:limit]


def fire_case_timers(case_id: int, now: datetime) -> bool:
    """Fire the due timers of one case under its row lock; skip a case someone else holds.

    Returns True when the case moved. The caller commits (one case per transaction).
    """
    case = lock_case(case_id, skip_locked=True)
    if case is None:
        return False
    still_due = db.session.scalar(
        select(Timer.id).where(Timer.case_id == case_id, Timer.due_at <= now).limit(1)
    )
    if still_due is None:  # another worker fired it between our look and our lock
        return False
    step = engine.fire_timers(bundles.bundle_for(case.process_version), case.state, now=now)
    apply_step(case, step, now=now)
    record(Actor.system(), "timer_fired", case_id=case_id)
    db.session.flush()
    return True


def run_due_timers(now: datetime | None = None, limit: int = 50) -> int:
    """One worker pass: fire what is due, committing per case. Returns how many cases moved."""
    now = now or utcnow()
    moved = 0
    for case_id in due_case_ids(now, limit):
        try:
            moved += fire_case_timers(case_id, now)
            db.session.commit()
        except engine.EngineError as error:
            db.session.rollback()
            log.warning("timer of case %s failed: %s", case_id, error)
            record_failure(Actor.system(), case_id, None, f"timer: {error}")
            db.session.commit()
        except StepFailed as error:  # e.g. the step after the timer reaches nobody
            db.session.rollback()
            log.warning("timer of case %s failed: %s", case_id, error.detail)
            record_failure(Actor.system(), case_id, None, f"timer: {error.detail}")
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    return moved
