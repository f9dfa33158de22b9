"""The retention clock: a case closed longer ago than RETENTION_YEARS is anonymised.

The clock starts at closure (Case.closed_at). When it runs out, person details and free text
are deleted (services.anonymise) and the case remains only as anonymous statistics. Each case
is recorded in the audit trail as "case_anonymised".
"""

import logging
from datetime import datetime

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Case, utcnow
from webapp.services import anonymise, attachments
from webapp.services.audit import Actor, record
from webapp.services.cases import lock_case

log = logging.getLogger(__name__)


def retention_cutoff(now: datetime, years: int) -> datetime:
    """`now` minus whole years (29 February becomes 28 February)."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


def due_cases(now: datetime, years: int, limit: int = 100) -> list[int]:
    """Ids of closed cases whose retention period has passed and that still hold data."""
    return list(db.session.scalars(
        select(Case.id).where(
            Case.status == "closed", Case.closed_at.is_not(None),
            Case.closed_at <= retention_cutoff(now, years), Case.anonymised_at.is_(None),
        ).order_by(Case.closed_at).limit(limit)
    ))


def run_retention(years: int, now: datetime | None = None, *, dry_run: bool = False) -> list[str]:
    """Anonymise every due case, one transaction per case. Returns the codes handled."""
    now = now or utcnow()
    done = []
    if not dry_run and (swept := attachments.sweep_orphans()):
        record(Actor.system(), "attachments_swept", count=swept)
        db.session.commit()
        log.info("retention: %d attachments of forms never sent deleted", swept)
    for case_id in due_cases(now, years):
        case = lock_case(case_id, skip_locked=True)
        if case is None or case.anonymised_at is not None:
            db.session.rollback()
            continue
        if dry_run:
            done.append(case.code)
            db.session.rollback()
            continue
        counts = anonymise.anonymise(case, now)
        record(Actor.system(), "case_anonymised", case_id=case.id, reason="retention",
               retention_years=years, closed_at=case.closed_at.isoformat(), **counts)
        db.session.commit()
        done.append(case.code)
        log.info("retention: case %s anonymised", case.code)
    return done


class RetentionSchedule:
    """For the worker loop: run at most every `interval` seconds."""

    def __init__(self, interval: float):
        self.interval = interval
        self._last: datetime | None = None

    def run_if_due(self, years: int, now: datetime | None = None) -> list[str]:
        now = now or utcnow()
        if self._last is not None and (now - self._last).total_seconds() < self.interval:
            return []
        self._last = now
        return run_retention(years, now)
