"""An injectable clock for SpiffWorkflow's timer events.

SpiffWorkflow 3.2 reads ``datetime.now(timezone.utc)`` through the ``datetime`` name of
``SpiffWorkflow.bpmn.specs.event_definitions.timer``. We replace that one name with a
``datetime`` subclass whose ``now()`` returns the time set by :func:`frozen` in the current
context (thread / task), and the real time otherwise. Nothing else in the process changes.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _timer_module

_NOW: contextvars.ContextVar[datetime | None] = contextvars.ContextVar("mawflow_now", default=None)


class _EngineDatetime(datetime):
    @classmethod
    def now(cls, tz=None):
        fixed = _NOW.get()
        if fixed is None:
            return super().now(tz)
        return fixed.astimezone(tz) if tz is not None else fixed.astimezone().replace(tzinfo=None)


def _install() -> None:
    if _timer_module.datetime is not _EngineDatetime:
        _timer_module.datetime = _EngineDatetime


def utcnow() -> datetime:
    """The engine's current time: the frozen time if one is set, else the real clock (UTC)."""
    fixed = _NOW.get()
    return fixed.astimezone(UTC) if fixed is not None else datetime.now(UTC)


@contextmanager
def frozen(now: datetime | None) -> Iterator[datetime]:
    """Run the enclosed block with the engine clock at ``now`` (``None``: the real clock, fixed
    once for the whole block). Raises ValueError for a naive datetime, which would be ambiguous."""
    _install()
    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    token = _NOW.set(now.astimezone(UTC))
    try:
        yield now.astimezone(UTC)
    finally:
        _NOW.reset(token)
