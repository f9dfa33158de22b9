"""Refused requests on the record, without flooding it.

Every refusal (a 403, a "not found or not yours" 404 on a page that exists) is counted per
person, address, page and answer in a window of WINDOW; the audit trail gets the 1st, 10th,
100th... refusal of each kind in the window ("access_denied", with the count so far), so a
probe of a thousand addresses leaves four rows, not a thousand.
"""

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete

from webapp.extensions import db
from webapp.models import DenialTally, utcnow
from webapp.services.audit import Actor, record
from webapp.services.upsert import insert

WINDOW = timedelta(hours=1)
KEEP_TALLIES = timedelta(days=7)


def window_start(now: datetime) -> datetime:
    seconds = int(WINDOW.total_seconds())
    stamp = int(now.timestamp()) // seconds * seconds
    return datetime.fromtimestamp(stamp, UTC)


def record_denial(actor: Actor, *, route: str, method: str, path: str, status: int,
                  now: datetime | None = None) -> int:
    """Count one refusal; returns how many of its kind this window has seen (1 for the
    first). The caller commits."""
    now = now or utcnow()
    start = window_start(now)
    user = actor.user.id if actor.user else "-"
    key = f"{user}|{actor.remote_addr or '-'}|{route}|{method}|{status}"[:400]
    table = DenialTally.__table__
    statement = insert(DenialTally).values(key=key, window_start=start, count=1)
    count = db.session.execute(statement.on_conflict_do_update(
        index_elements=["key", "window_start"], set_={"count": table.c.count + 1},
    ).returning(table.c.count)).scalar_one()
    if count == 1:  # a new window: forget tallies nobody reads any more
        db.session.execute(delete(DenialTally).where(DenialTally.window_start < now - KEEP_TALLIES))
    if _is_power_of_ten(count):
        record(actor, "access_denied", route=route, method=method, path=path[:300],
               status=status, count=count, window_start=start.isoformat(), key=key)
    return count


def tally(key: str, start: str) -> int | None:
    """How many refusals of this kind the window has seen so far (None once forgotten)."""
    try:
        moment = datetime.fromisoformat(start)
    except (TypeError, ValueError):
        return None
    return db.session.scalar(
        DenialTally.__table__.select().with_only_columns(DenialTally.__table__.c.count)
        .where(DenialTally.__table__.c.key == key,
               DenialTally.__table__.c.window_start == moment))


def _is_power_of_ten(n: int) -> bool:
    while n >= 10 and n % 10 == 0:
        n //= 10
    return n == 1
