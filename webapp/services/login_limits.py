"""Login rate limiting per address, on top of the per-account lockout in services.accounts.

Counted from the audit trail (failed logins are recorded there anyway), so it holds across
several web processes without a shared cache.
"""

from datetime import datetime, timedelta

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import AuditEvent, utcnow

FAILED_ACTIONS = ("login_failed", "login_refused_locked", "login_rate_limited")


def failures_from(remote_addr: str | None, window: timedelta,
                  now: datetime | None = None) -> int:
    """Failed or refused logins from this address within `window` (any username)."""
    if not remote_addr:
        return 0
    now = now or utcnow()
    return db.session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.remote_addr == remote_addr,
            AuditEvent.action.in_(FAILED_ACTIONS),
            AuditEvent.at >= now - window,
        )
    ) or 0


def is_rate_limited(remote_addr: str | None, *, limit: int, window: timedelta,
                    now: datetime | None = None) -> bool:
    return failures_from(remote_addr, window, now) >= limit
