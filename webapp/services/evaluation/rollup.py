"""Monthly totals of the case history, so a year's evaluation reads a few thousand rows.

The worker (like retention) rebuilds the totals of every month that has events written since
its totals were made (``roll_up``); ``facts`` adds, for each month of a report, the events
with ids above what its totals count. Events are only ever appended with growing ids, so the
sum is exact whatever the worker did or did not do yet: without totals, every event is read.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, case, delete, func, insert, literal, or_, select

from webapp.extensions import db
from webapp.models import CaseEvent, CaseEventMonth, CaseEventMonthState, utcnow
from webapp.models.evaluation import EVENT_KINDS

from .durations import bucket
from .period import Period, month_start

log = logging.getLogger(__name__)


def key(month) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def _bounds(month) -> tuple[datetime, datetime]:
    after = month_start(month, 1)
    return (datetime(month.year, month.month, 1, tzinfo=UTC),
            datetime(after.year, after.month, 1, tzinfo=UTC))


def _organisation():
    return case((CaseEvent.kind == "open", CaseEvent.organisation_id), else_=None)


def _count_columns():
    return (CaseEvent.kind, CaseEvent.element, CaseEvent.value, _organisation(),
            CaseEvent.late)


def _histogram_columns():
    return (CaseEvent.kind, CaseEvent.element, bucket(CaseEvent.seconds))


def roll_up(now: datetime | None = None) -> list[str]:
    """Rebuild the totals of every month with events newer than its totals, one transaction
    per month (committed here: a worker job). Returns the months rebuilt."""
    now = now or utcnow()
    top = db.session.scalar(select(func.max(CaseEvent.id)))
    if top is None:
        return []
    states = dict(db.session.execute(
        select(CaseEventMonthState.month, CaseEventMonthState.up_to_id)).all())
    low = min(states.values(), default=0) if states else 0
    first, last = db.session.execute(
        select(func.min(CaseEvent.at), func.max(CaseEvent.at)).where(CaseEvent.id > low)).one()
    if first is None:
        return []
    done, month = [], first.date().replace(day=1)
    while month <= last.date():
        start, end = _bounds(month)
        up = states.get(key(month))
        if up is None or db.session.scalar(select(CaseEvent.id).where(
                CaseEvent.id > up, CaseEvent.at >= start, CaseEvent.at < end).limit(1)):
            _rebuild(month, top, now)
            done.append(key(month))
        month = month_start(month, 1)
    return done


def _rebuild(month, up_to: int, now: datetime) -> None:
    start, end = _bounds(month)
    month_key = key(month)
    try:
        db.session.execute(delete(CaseEventMonth).where(CaseEventMonth.month == month_key))
        db.session.execute(delete(CaseEventMonthState).where(
            CaseEventMonthState.month == month_key))
        in_month = (CaseEvent.at >= start, CaseEvent.at < end, CaseEvent.id <= up_to)
        counts = _count_columns()
        db.session.execute(insert(CaseEventMonth).from_select(
            ["month", "process_version_id", "kind", "element", "value", "organisation_id",
             "late", "histogram", "count"],
            select(literal(month_key), CaseEvent.process_version_id, *counts, literal(False),
                   func.count())
            .where(*in_month).group_by(CaseEvent.process_version_id, *counts)))
        durations = _histogram_columns()
        db.session.execute(insert(CaseEventMonth).from_select(
            ["month", "process_version_id", "kind", "element", "bucket", "histogram", "count"],
            select(literal(month_key), CaseEvent.process_version_id, *durations, literal(True),
                   func.count())
            .where(*in_month, CaseEvent.seconds.is_not(None))
            .group_by(CaseEvent.process_version_id, *durations)))
        db.session.add(CaseEventMonthState(month=month_key, up_to_id=up_to, built_at=now))
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("monthly totals of %s not rebuilt", month_key)
        raise


@dataclass
class Facts:
    """What a report counts: ``counts`` by (month index, kind, element, value, signalling
    organisation, late); ``histograms`` (kind, element) -> [(duration bucket, count)]."""

    counts: dict
    histograms: dict


def facts(period: Period) -> Facts:
    """The period's totals (from the monthly totals) plus the events written since."""
    months = period.months()
    index = {key(m): i for i, m in enumerate(months)}
    states = dict(db.session.execute(
        select(CaseEventMonthState.month, CaseEventMonthState.up_to_id)
        .where(CaseEventMonthState.month.in_(list(index)))).all())
    counts: dict = defaultdict(int)
    histograms: dict = defaultdict(lambda: defaultdict(int))
    total = CaseEventMonth.count
    version = ([CaseEventMonth.process_version_id == period.version_id]
               if period.version_id else [])
    if states:
        months_rolled = list(states)
        for month, kind, element, value, org, late, n in db.session.execute(
            select(CaseEventMonth.month, CaseEventMonth.kind, CaseEventMonth.element,
                   CaseEventMonth.value, CaseEventMonth.organisation_id, CaseEventMonth.late,
                   func.sum(total))
            .where(CaseEventMonth.histogram.is_(False),
                   CaseEventMonth.month.in_(months_rolled), *version)
            .group_by(CaseEventMonth.month, CaseEventMonth.kind, CaseEventMonth.element,
                      CaseEventMonth.value, CaseEventMonth.organisation_id, CaseEventMonth.late)
        ):
            counts[(index[month], kind, element, value, org, late)] += int(n)
        for kind, element, hours, n in db.session.execute(
            select(CaseEventMonth.kind, CaseEventMonth.element, CaseEventMonth.bucket,
                   func.sum(total))
            .where(CaseEventMonth.histogram.is_(True),
                   CaseEventMonth.month.in_(months_rolled), *version)
            .group_by(CaseEventMonth.kind, CaseEventMonth.element, CaseEventMonth.bucket)
        ):
            histograms[(kind, element)][int(hours)] += int(n)
    month_of = period.month_of(CaseEvent.at)
    for conditions in _live_conditions(months, states):
        where = [CaseEvent.at >= period.starts_at, CaseEvent.at < period.ends_at,
                 *conditions]
        if period.version_id:
            where.append(CaseEvent.process_version_id == period.version_id)
        columns = (*_count_columns(), bucket(CaseEvent.seconds))
        for month_index, *group, hours, n in db.session.execute(
                select(month_of, *columns, func.count()).where(*where)
                .group_by(month_of, *columns)):
            counts[(int(month_index), *group)] += int(n)
            if hours is not None:
                histograms[(group[0], group[1])][int(hours)] += int(n)
    return Facts(dict(counts), {k: sorted(v.items()) for k, v in histograms.items()})


def _live_conditions(months: list, states: dict) -> list[list]:
    """The events no monthly total counts: for months with totals, those written since (a
    range of ids); for the others, all of them (read through the report index)."""
    rolled = [m for m in months if key(m) in states]
    other = [m for m in months if key(m) not in states]
    queries = []
    if rolled:
        low = min(states[key(m)] for m in rolled)
        queries.append([CaseEvent.id > low, or_(*(
            and_(CaseEvent.at >= _bounds(m)[0], CaseEvent.at < _bounds(m)[1],
                 CaseEvent.id > states[key(m)]) for m in rolled))])
    if other:
        queries.append([CaseEvent.kind.in_(EVENT_KINDS), or_(*(
            and_(CaseEvent.at >= _bounds(m)[0], CaseEvent.at < _bounds(m)[1])
            for m in other))])
    return queries
