"""Durations as median and 90th percentile, computed from histograms the database builds.

A duration is counted in whole hours up to two days and in whole days (as hours) beyond, so
the database returns a few hundred (bucket, count) pairs per step instead of every row, and
the percentiles are exact at that resolution: the nearest-rank percentile (the value below
which at least p of the durations lie) of the rounded-down durations.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import case

from webapp.i18n.formatting import format_duration_in
from webapp.services import suppression

DAY, HOUR = 86400, 3600
SHORT = 2 * DAY


def bucket(seconds) -> object:
    """SQL: the duration in hours, rounded down to the hour below two days, to the day beyond
    (integer division on every database)."""
    return case((seconds < SHORT, seconds // HOUR), else_=(seconds // DAY) * 24)


def bucket_of(seconds: int) -> int:
    """The same bucket computed in Python (for tests and the case page)."""
    return seconds // HOUR if seconds < SHORT else (seconds // DAY) * 24


def nearest_rank(histogram: Iterable[tuple[int, int]], share: float) -> int | None:
    """The nearest-rank percentile of ``histogram`` ((value, count) pairs)."""
    pairs = sorted((v, c) for v, c in histogram if v is not None and c)
    total = sum(c for _, c in pairs)
    if not total:
        return None
    rank = max(1, math.ceil(share * total))
    seen = 0
    for value, count in pairs:
        seen += count
        if seen >= rank:
            return value
    return pairs[-1][0]


@dataclass(frozen=True)
class Duration:
    """How long something took over ``count`` occurrences (hours; None when hidden)."""

    count: suppression.Count
    median: int | None
    p90: int | None

    @classmethod
    def from_histogram(cls, histogram: list[tuple[int, int]]) -> Duration:
        total = sum(c for v, c in histogram if v is not None)
        if not suppression.enough(total):
            return cls(suppression.one(total), None, None)
        return cls(suppression.one(total), nearest_rank(histogram, 0.5),
                   nearest_rank(histogram, 0.9))


def hours_text(hours: int | None, width: str = "long") -> str:
    """``40 uur`` below two days, ``12 jours`` beyond (the buckets' resolution), in the
    reader's language (``40 u``, ``12j`` with width "narrow", where room is short); ``–``
    where the figure is hidden."""
    if hours is None:
        return "–"
    if hours < 48:
        return format_duration_in(timedelta(hours=hours), "hour", width)
    return format_duration_in(timedelta(days=hours // 24), "day", width)


# ---------------------------------------------------------------------------------------
# Spans: from one event of a case to a later one
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Match:
    """Events of one kind, optionally of one element and one value."""

    kind: str
    element: str | None = None
    value: str | None = None


@dataclass(frozen=True)
class Span:
    """From the latest ``starts`` event of a case (None: the case's registration; empty:
    nothing starts it, the process marks no such milestone) to the first ``ends`` event
    after it; written as a "span" event when it ends (services.case_events), so it counts in
    the period in which it ends."""

    key: str
    label: str
    starts: tuple[Match, ...] | None
    ends: tuple[Match, ...]
